package rooms

import (
	"context"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Team kinds (文体队伍).
var TeamKinds = map[string]string{
	"dance": "舞蹈队", "choir": "合唱团", "calligraphy": "书画社", "drum": "腰鼓队", "opera": "戏曲队",
	"sports": "健身队", "instrument": "器乐队", "other": "其他",
}

// teamKindAliases are other words for the team kinds (the among
// them).
var teamKindAliases = map[string]string{"chorus": "choir", "singing": "choir", "drums": "drum", "waist_drum": "drum",
	"music": "instrument", "fitness": "sports", "dancing": "dance"}

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
	// status must be one of them (ErrStateChanged otherwise). The team's
	// leader never leaves (ErrLeaderStays).
	SetMember(ctx context.Context, m Member, from []string) error
	// SetLeader makes to the team's leader if from still leads it and to
	// is an active member (ErrStateChanged, errLeaderNotMember otherwise).
	SetLeader(ctx context.Context, teamID, from, to int64) error
}

// canLead reports whether u acts for the team: its leader, the
// community's staff, administrators.
func canLead(u resident.User, t Team) bool { return t.LeaderID == u.ID || u.IsStaffOf(t.CommunityID) }

var errNotMemberManager = errs.Forbidden("NOT_TEAM_LEADER", "只有队长或社区工作人员可以管理队员")

// ledTeam returns the team when u acts for it (canLead); anyone else is
// refused with notLeader.
func (s *Service) ledTeam(ctx context.Context, u resident.User, teamID int64, notLeader error) (Team, error) {
	t, err := s.store.Team(ctx, teamID)
	switch {
	case err != nil:
		return Team{}, err
	case !canLead(u, t):
		return Team{}, notLeader
	}
	return t, nil
}

// CreateTeam founds a team (the community's staff): it gets an
// organisation of its own to host its activities, and its leader is its
// first member.
func (s *Service) CreateTeam(ctx context.Context, u resident.User, t Team) (Team, error) {
	if t.CommunityID <= 0 {
		return Team{}, errs.Invalid("INVALID_COMMUNITY", "请选择队伍所属社区")
	}
	if !u.IsStaffOf(t.CommunityID) {
		return Team{}, errForbidden
	}
	var err error
	if t.Name, err = text("name", "队伍名称", t.Name, 1, 40); err != nil {
		return Team{}, err
	}
	if t.Description, err = text("description", "队伍简介", t.Description, 0, 1000); err != nil {
		return Team{}, err
	}
	if k := usertext.Code(t.Kind, TeamKinds, teamKindAliases); k != "" {
		t.Kind = k
	}
	if _, ok := TeamKinds[t.Kind]; !ok {
		return Team{}, errs.Invalid("INVALID_KIND", "队伍类型无效")
	}
	if t.LeaderID <= 0 {
		return Team{}, errs.Invalid("LEADER_REQUIRED", "请指定队长")
	}
	t.CreatedBy = u.ID
	if err := s.store.CreateTeam(ctx, &t); err != nil {
		return Team{}, err
	}
	return s.store.Team(ctx, t.ID)
}

var (
	errLeaderElsewhere   = errs.Unprocessable("LEADER_NOT_RESIDENT", "队长须是本社区的居民")
	errLeaderUnconfirmed = errs.Unprocessable("LEADER_NOT_RESIDENT", "队长须是本社区已通过居住认证的居民，请让其先在“我的—居住认证”中申请")
	// ErrLeaderStays: the leader does not leave the team (SetMember
	// refuses it too, should the leadership pass to them meanwhile).
	ErrLeaderStays = errs.Unprocessable("LEADER_STAYS", "队长不能退出队伍，请先将队长移交给其他队员")
	// ErrLeaderNotMember: a new leader must already be an active member.
	ErrLeaderNotMember = errs.Unprocessable("LEADER_NOT_MEMBER", "新队长须是本队的现有队员，请先邀请其入队")
)

// leaderResident checks that userID may lead a team of the community: a
// resident whose residence the community confirmed, as members must be
// (without residences wired, tests of other things, nothing is checked).
func (s *Service) leaderResident(ctx context.Context, userID, communityID int64) error {
	if s.residences == nil {
		return nil
	}
	return s.residentOf(ctx, resident.User{ID: userID}, communityID, errLeaderElsewhere, errLeaderUnconfirmed)
}

// ChangeLeader hands the team's leadership to one of its active members
// (the current leader or the community's staff). The new leader must be
// a confirmed resident of the team's community; the old leader stays a
// member. Naming the current leader changes nothing.
func (s *Service) ChangeLeader(ctx context.Context, u resident.User, teamID, userID int64) (Team, error) {
	t, err := s.ledTeam(ctx, u, teamID, errs.Forbidden("NOT_TEAM_LEADER", "只有队长或社区工作人员可以更换队长"))
	if err != nil {
		return Team{}, err
	}
	if userID <= 0 {
		return Team{}, errs.Invalid("INVALID_USER", "请指定新队长")
	}
	if userID == t.LeaderID {
		return t, nil
	}
	if !t.Active {
		return Team{}, errs.Unprocessable("TEAM_INACTIVE", "该队伍已解散，不能更换队长")
	}
	if m, err := s.store.Member(ctx, teamID, userID); err != nil && errs.KindOf(err) != errs.KindNotFound {
		return Team{}, err
	} else if err != nil || m.Status != MemberActive {
		return Team{}, ErrLeaderNotMember
	}
	if err := s.leaderResident(ctx, userID, t.CommunityID); err != nil {
		return Team{}, err
	}
	if err := s.store.SetLeader(ctx, teamID, t.LeaderID, userID); err != nil {
		if errs.CodeOf(err) == ErrStateChanged.Code {
			return Team{}, errs.Conflict("LEADER_CHANGED", "队长刚刚已被更换，请刷新后重试")
		}
		return Team{}, err
	}
	return s.store.Team(ctx, teamID)
}

// Teams lists a community's teams (0: every community).
func (s *Service) Teams(ctx context.Context, communityID int64) ([]Team, error) {
	return s.store.Teams(ctx, communityID, 0)
}

// MyTeams lists the teams u is an active member of.
func (s *Service) MyTeams(ctx context.Context, u resident.User) ([]Team, error) {
	return s.store.Teams(ctx, 0, u.ID)
}

// TeamView is a team with what the caller may see of its members.
type TeamView struct {
	Team
	Members []Member // leader, members and staff only
	Mine    string   // the caller's membership status ("" = none)
	Leads   bool     // the caller acts for the team
}

// Team returns a team; its members to its members, leader and staff.
func (s *Service) Team(ctx context.Context, u resident.User, id int64) (TeamView, error) {
	t, err := s.store.Team(ctx, id)
	if err != nil {
		return TeamView{}, err
	}
	v := TeamView{Team: t, Leads: canLead(u, t)}
	if m, err := s.store.Member(ctx, id, u.ID); err == nil {
		v.Mine = m.Status
	}
	if v.Leads || v.Mine == MemberActive {
		if v.Members, err = s.store.Members(ctx, id); err != nil {
			return TeamView{}, err
		}
	}
	return v, nil
}

// Join asks to join a team (residents of its community: their residence
// confirmed there); an invitation already made is accepted at once.
func (s *Service) Join(ctx context.Context, u resident.User, teamID int64) (Member, error) {
	t, err := s.store.Team(ctx, teamID)
	if err != nil {
		return Member{}, err
	}
	if !t.Active {
		return Member{}, errNotInCommunity
	}
	if err := s.residentOf(ctx, u, t.CommunityID, errNotInCommunity, errJoinResident); err != nil {
		return Member{}, err
	}
	return s.meet(ctx, Member{TeamID: teamID, UserID: u.ID}, MemberInvited, MemberRequested)
}

// Invite invites a resident (the leader or staff); a request already made is approved at once.
func (s *Service) Invite(ctx context.Context, u resident.User, teamID, userID int64) (Member, error) {
	if _, err := s.ledTeam(ctx, u, teamID, errNotMemberManager); err != nil {
		return Member{}, err
	}
	if userID <= 0 {
		return Member{}, errs.Invalid("INVALID_USER", "请指定居民")
	}
	return s.meet(ctx, Member{TeamID: teamID, UserID: userID}, MemberRequested, MemberInvited)
}

// meet moves a membership: when the other side already asked (other), it
// becomes active; otherwise it is recorded as mine.
func (s *Service) meet(ctx context.Context, m Member, other, mine string) (Member, error) {
	cur, err := s.store.Member(ctx, m.TeamID, m.UserID)
	switch {
	case err != nil && errs.KindOf(err) != errs.KindNotFound:
		return Member{}, err
	case err != nil:
		m.Status = mine
		if err := s.store.SetMember(ctx, m, nil); err != nil {
			return Member{}, err
		}
	case cur.Status == MemberActive || cur.Status == mine:
		return cur, nil
	case cur.Status == other:
		m.Status = MemberActive
		if err := s.store.SetMember(ctx, m, []string{other}); err != nil {
			return Member{}, err
		}
	default: // left: ask again
		m.Status = mine
		if err := s.store.SetMember(ctx, m, []string{MemberLeft}); err != nil {
			return Member{}, err
		}
	}
	return s.store.Member(ctx, m.TeamID, m.UserID)
}

// DecideMember approves or declines a request to join (the leader or staff).
func (s *Service) DecideMember(ctx context.Context, u resident.User, teamID, userID int64, approve bool) (Member, error) {
	if _, err := s.ledTeam(ctx, u, teamID, errNotMemberManager); err != nil {
		return Member{}, err
	}
	to := MemberActive
	if !approve {
		to = MemberLeft
	}
	if err := s.store.SetMember(ctx, Member{TeamID: teamID, UserID: userID, Status: to}, []string{MemberRequested}); err != nil {
		if errs.CodeOf(err) == ErrStateChanged.Code {
			return Member{}, errs.Conflict("NOT_REQUESTED", "该居民没有待审批的入队申请")
		}
		return Member{}, err
	}
	return s.store.Member(ctx, teamID, userID)
}

// RemoveMember ends a membership: the member themself, the leader or staff.
// The leader stays (hand the leadership to another member first).
func (s *Service) RemoveMember(ctx context.Context, u resident.User, teamID, userID int64) error {
	t, err := s.store.Team(ctx, teamID)
	if err != nil {
		return err
	}
	if u.ID != userID && !canLead(u, t) {
		return errNotMemberManager
	}
	if userID == t.LeaderID {
		return ErrLeaderStays
	}
	err = s.store.SetMember(ctx, Member{TeamID: teamID, UserID: userID, Status: MemberLeft}, []string{MemberActive, MemberInvited, MemberRequested})
	if errs.CodeOf(err) == ErrStateChanged.Code {
		return errs.NotFound("NOT_A_MEMBER", "该居民不是队伍成员")
	}
	return err
}

// LeaderActor returns the team and the identity its leader acts with to
// draft the team's activities: staff of the team's own organisation only,
// so a draft is hosted by the team and the community's staff publish it.
func (s *Service) LeaderActor(ctx context.Context, u resident.User, teamID int64) (Team, resident.User, error) {
	t, err := s.store.Team(ctx, teamID)
	if err != nil {
		return Team{}, resident.User{}, err
	}
	if t.LeaderID != u.ID || !t.Active {
		return Team{}, resident.User{}, errs.Forbidden("NOT_TEAM_LEADER", "只有队长可以为队伍发起活动")
	}
	actor := resident.User{ID: u.ID, RealName: u.RealName, Nickname: u.Nickname, CommunityID: u.CommunityID,
		Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: t.OrgID}}}
	return t, actor, nil
}

// TeamBookings lists a page of a team's bookings from now on, in time
// order, and the cursor of the next page ("" on the last) (its members,
// leader, staff).
func (s *Service) TeamBookings(ctx context.Context, u resident.User, teamID int64, req page.Request) ([]Booking, string, error) {
	v, err := s.Team(ctx, u, teamID)
	if err != nil {
		return nil, "", err
	}
	if !v.Leads && v.Mine != MemberActive {
		return nil, "", errs.Forbidden("NOT_A_MEMBER", "只有队员可以查看队伍的预约")
	}
	return s.bookingPage(ctx, BookingFilter{TeamIDs: []int64{teamID}, Statuses: Holding, From: s.now()}, req)
}
