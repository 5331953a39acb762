package cobuild

import (
	"context"
	"time"

	"gongjian/internal/notify"
	"gongjian/internal/resident"
)

// NeedFilter selects needs.
type NeedFilter struct {
	CommunityIDs []int64 // empty = every community (and subdistrict-level ones)
	Category     string
	// Statuses are shown statuses (Need.StatusAt at At): open holds the
	// needs open whose deadline has not passed at At, expired those open
	// whose deadline passed. Empty = any.
	Statuses []string
	At       time.Time // zero: the service's now
	Limit    int
	AfterID  int64 // keyset: needs with a smaller id (newest first)
}

// ProjectFilter selects projects.
type ProjectFilter struct {
	CommunityIDs []int64
	UnitID       int64
	Statuses     []string
	Limit        int
	AfterID      int64
	OverdueAt    time.Time // non-zero: only projects overdue at this time (Project.Overdue)
}

// ClaimRequest is a claim to apply atomically.
type ClaimRequest struct {
	NeedID   int64
	UnitID   int64
	Quantity int
	Plan     string
	By       int64
	Now      time.Time
}

// Store keeps units, needs, claims, projects and ratings, and (WishStore)
// residents' wishes and proposals.
type Store interface {
	WishStore
	ResourceStore
	ReportInStore
	ReportStore
	// CreateUnit inserts the organisation and the unit with its
	// communities, contacts and agreements in one transaction; u.ID set:
	// that existing organisation becomes the unit (UNIT_EXISTS when it is
	// one already).
	CreateUnit(ctx context.Context, u *Unit) error
	// CreateUnits inserts every unit or none (an import).
	CreateUnits(ctx context.Context, us []Unit) error
	Unit(ctx context.Context, id int64) (Unit, error)
	UnitStatus(ctx context.Context, id int64) (string, error)
	// SetUnitStatus sets a unit's status (UNIT_NOT_FOUND when none).
	SetUnitStatus(ctx context.Context, id int64, status string) error
	Units(ctx context.Context) ([]Unit, error)
	// UnitIDs lists the ids of every unit (no details).
	UnitIDs(ctx context.Context) ([]int64, error)
	// OrgNames maps every organisation's name to its id.
	OrgNames(ctx context.Context) (map[string]int64, error)
	// OrgTypes maps every organisation's id to its type.
	OrgTypes(ctx context.Context) (map[int64]string, error)

	CreateNeed(ctx context.Context, n *Need, notices []notify.Notice) error
	Need(ctx context.Context, id int64) (Need, error) // ErrNeedNotFound when none
	Needs(ctx context.Context, f NeedFilter) ([]Need, error)
	// ClaimNeed locks the need, decides with Need.Take and, when taken,
	// writes the claim, its project (the shareable need's joint project,
	// else a new one) and the need's new claimed quantity in one
	// transaction.
	ClaimNeed(ctx context.Context, r ClaimRequest) (Claim, error)
	// RecordRefusal remembers a unit refused for lack of quantity (told
	// when quantity returns).
	RecordRefusal(ctx context.Context, needID, unitID, userID int64) error
	Claim(ctx context.Context, id int64) (Claim, error)
	// WithdrawClaim returns the claim's quantity to its need or resource
	// unless its project has started (PROJECT_STARTED), and writes the
	// notices (built from the refusals it returns through notices) in the
	// same transaction.
	WithdrawClaim(ctx context.Context, id, by int64, now time.Time, notices func(c Claim, refusedUsers []int64) []notify.Notice) (Claim, error)

	Project(ctx context.Context, id int64) (Project, error) // ErrProjectNotFound when none
	Projects(ctx context.Context, f ProjectFilter) ([]Project, error)
	// UpdateProject writes the project's status, milestones, evidence,
	// activities and times when its status is still from and its version
	// still p.Version (optimistic: ErrProjectChanged otherwise), bumping
	// the version, with the notices.
	UpdateProject(ctx context.Context, p Project, from string, notices []notify.Notice) error
	// AddRating inserts a beneficiary's rating (RATED_ALREADY when the
	// user rated the project).
	AddRating(ctx context.Context, r Rating) error
	// Overdue lists projects past due (claimed or in progress) not reminded
	// since before.
	OverdueProjects(ctx context.Context, now time.Time, limit int) ([]Project, error)
	MarkReminded(ctx context.Context, projectID int64, at time.Time, notices []notify.Notice) error

	// Beneficiary reports whether userID may rate the project: the
	// resident whose wish became its need, or a resident who attended one
	// of its activities.
	Beneficiary(ctx context.Context, p Project, userID int64) (bool, error)
	// ContactUsers lists the users who are contacts (unit_contact role) of
	// the unit.
	ContactUsers(ctx context.Context, unitID int64) ([]int64, error)
	// WishMakers lists the residents whose wishes became the need.
	WishMakers(ctx context.Context, needID int64) ([]int64, error)
	// ActivitiesLinkable reports whether every id (distinct) names an
	// activity hosted by one of units or held in community (0: none).
	ActivitiesLinkable(ctx context.Context, ids, units []int64, community int64) (bool, error)
}

// People reads users and communities.
type People interface {
	UserByID(ctx context.Context, id int64) (resident.User, error)
	ListCommunities(ctx context.Context) ([]resident.Community, error)
}
