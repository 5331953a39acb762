package rooms

import (
	"context"
	"time"
)

// Team kinds (文体队伍).
var TeamKinds = map[string]string{
	"dance": "舞蹈队", "choir": "合唱团", "calligraphy": "书画社", "drum": "腰鼓队", "opera": "戏曲队",
	"sports": "健身队", "instrument": "器乐队", "other": "其他",
}

// Team is a community's cultural team. Each team has an organisation of
// its own (OrgID) that hosts the team's activities.
type Team struct {
	ID          int64
	CommunityID int64
	OrgID       int64
	Name        string
	Kind        string
	Description string
	LeaderID    int64
	Active      bool
	CreatedBy   int64
	CreatedAt   time.Time
	Members     int // active members, filled by reads
	LeaderName  string
}

// Membership statuses.
const (
	MemberInvited   = "invited"   // the leader invited; the resident accepts
	MemberRequested = "requested" // the resident asked; the leader approves
	MemberActive    = "active"
	MemberLeft      = "left"
)

// Member is one resident's place in a team.
type Member struct {
	TeamID    int64
	UserID    int64
	Name      string
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TeamStore is the teams' persistence.
type TeamStore interface {
	CreateTeam(ctx context.Context, t *Team) error
	Team(ctx context.Context, id int64) (Team, error)
	Teams(ctx context.Context, communityID int64, memberOf int64) ([]Team, error)
	Members(ctx context.Context, teamID int64) ([]Member, error)
	Member(ctx context.Context, teamID, userID int64) (Member, error)
	// SetMember writes a membership; when from is not empty the current
	// status must be one of them (ErrStateChanged otherwise).
	SetMember(ctx context.Context, m Member, from []string) error
}
