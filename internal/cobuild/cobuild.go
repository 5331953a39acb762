// Package cobuild owns co-building (共建): the co-building units and their
// agreements with communities, the three lists — needs (需求清单), resources
// (资源清单) and projects (项目清单) — and the two-way claiming that joins
// them, residents' small wishes (微心愿) and proposals (议事厅), party
// members reporting in to their communities (双报到), and the reports for
// the joint meeting.
//
// Quantities are exact under concurrency: a claim takes its quantity inside
// one transaction that holds the need's (or resource's) row, and the rule
// that decides it (Need.Take, Resource.Take) is a pure function of the
// locked row, so the store applies the domain's rule, not its own.
package cobuild

import (
	"fmt"
	"slices"
	"time"

	"gongjian/internal/errs"
)

// Unit kinds (共建单位类型).
const (
	KindGovernment  = "government"         // 机关
	KindInstitution = "institution"        // 事业单位
	KindSchool      = "school"             // 学校
	KindHospital    = "hospital"           // 医院
	KindEnterprise  = "enterprise"         // 企业
	KindComplex     = "commercial_complex" // 商务楼宇/商业综合体
	KindSocialOrg   = "social_org"         // 社会组织
)

// UnitKinds maps each kind to its Chinese name.
var UnitKinds = map[string]string{
	KindGovernment: "机关", KindInstitution: "事业单位", KindSchool: "学校", KindHospital: "医院",
	KindEnterprise: "企业", KindComplex: "商务楼宇", KindSocialOrg: "社会组织",
}

// Unit statuses.
const (
	UnitActive    = "active"
	UnitSuspended = "suspended"
)

// OrgTypeUnit is the organisation type of a co-building unit.
const OrgTypeUnit = "co_building_unit"

// OrgTypeParty is the organisation type of party organisations (the
// party-organisation tree: a unit's party_org_id, a membership's org).
const OrgTypeParty = "party_org"

// Unit is a co-building unit: an organisation (its ID is the organisation's
// id, the org_id of unit_contact roles).
type Unit struct {
	ID           int64
	Name         string
	Kind         string
	PartyOrgID   int64 // its node of the party-organisation tree (0 = none)
	Status       string
	CommunityIDs []int64 // the communities it co-builds with
	Contacts     []Contact
	Agreements   []Agreement
	CreatedAt    time.Time
}

// Contact is a unit's contact person. The phone is stored sealed; only
// the masked form is ever shown.
type Contact struct {
	Name        string
	PhoneSealed string
	PhoneHash   string
	PhoneMasked string
}

// Agreement is a unit's co-building agreement with a community.
type Agreement struct {
	CommunityID int64
	StartsOn    time.Time // a date (CST midnight)
	EndsOn      time.Time
	Content     string
	DocumentRef string // an upload reference (the signed document), may be empty
}

// Need categories.
const (
	CatElderly     = "elderly_care"
	CatChildren    = "children_study"
	CatHealth      = "health"
	CatCulture     = "culture"
	CatEnvironment = "environment_repairs"
	CatLegal       = "legal_aid"
	CatEmployment  = "employment"
	CatOther       = "other"
)

// Categories maps each need category to its Chinese name.
var Categories = map[string]string{
	CatElderly: "养老助老", CatChildren: "儿童与学业", CatHealth: "医疗健康", CatCulture: "文化活动",
	CatEnvironment: "环境与维修", CatLegal: "法律援助", CatEmployment: "就业帮扶", CatOther: "其他",
}

// Need statuses.
const (
	NeedOpen   = "open"   // quantity remains
	NeedFull   = "full"   // fully claimed
	NeedClosed = "closed" // closed by staff or delivered
	// NeedExpired is how an open need whose deadline passed is shown and
	// filtered (Need.StatusAt). It is never stored: the row stays open,
	// and claims are refused NEED_CLOSED (Need.Claimable).
	NeedExpired = "expired"
)

// Need sources.
const (
	SourceStaff    = "staff"
	SourceWish     = "wish"
	SourceProposal = "proposal"
)

// Need is one item of a community's needs list. CommunityID 0 is a
// subdistrict-level project published for units to claim.
type Need struct {
	ID            int64
	CommunityID   int64
	Category      string
	Title         string
	Description   string
	Place         string
	Quantity      int
	QuantityUnit  string
	Claimed       int
	Beneficiaries string
	Deadline      time.Time
	Shareable     bool
	Status        string
	Source        string
	SourceID      int64
	ProjectID     int64 // the joint project of a shareable need (0 until claimed)
	CreatedBy     int64
	CreatedAt     time.Time
}

// Remaining is the quantity not claimed yet.
func (n Need) Remaining() int { return max(n.Quantity-n.Claimed, 0) }

var (
	ErrNeedFullyClaimed = errs.Conflict("NEED_FULLY_CLAIMED", "该需求已被认领完，无法再认领")
	ErrNeedClosed       = errs.Conflict("NEED_CLOSED", "该需求已关闭或已过截止日期")
	ErrAlreadyClaimed   = errs.Conflict("ALREADY_CLAIMED", "本单位已认领该需求，如需调整请先撤回原认领")
	ErrBadQuantity      = errs.Invalid("INVALID_QUANTITY", "认领数量须为正整数")
)

// StatusAt is the need's status as shown at now: an open need whose
// deadline passed is expired (a full one stays full: it was claimed whole).
func (n Need) StatusAt(now time.Time) string {
	if n.Status == NeedOpen && !n.Deadline.IsZero() && now.After(n.Deadline) {
		return NeedExpired
	}
	return n.Status
}

// Claimable reports whether units may still claim the need at now: not
// closed, and its deadline (if any) not passed.
func (n Need) Claimable(now time.Time) bool {
	return n.Status != NeedClosed && (n.Deadline.IsZero() || !now.After(n.Deadline))
}

// Take decides a claim of qty by unitID on the locked need n, given the
// unit's active claims on it: it returns the quantity taken. A shareable
// need gives what is asked while enough remains (never more, never part:
// a claim larger than what remains is refused, so the unit decides);
// a need that may not be shared is taken whole by its first claim.
func (n Need) Take(unitID int64, qty int, unitHasClaim bool, now time.Time) (int, error) {
	if !n.Claimable(now) {
		return 0, ErrNeedClosed
	}
	if unitHasClaim {
		return 0, ErrAlreadyClaimed
	}
	if !n.Shareable {
		if n.Claimed > 0 {
			return 0, ErrNeedFullyClaimed
		}
		return n.Quantity, nil
	}
	return takeQuantity(qty, n.Remaining(), n.QuantityUnit, ErrNeedFullyClaimed, "需求")
}

// takeQuantity decides a claim of qty from what remains of a need or a
// resource (what names it): it gives what is asked while enough remains,
// and refuses a claim larger than what remains with full's code, naming
// the remainder, so the claimant decides.
func takeQuantity(qty, remaining int, unit string, full *errs.Error, what string) (int, error) {
	if qty <= 0 {
		return 0, ErrBadQuantity
	}
	if remaining == 0 {
		return 0, full
	}
	if qty > remaining {
		return 0, errs.Conflict(full.Code, fmt.Sprintf("该%s只剩 %d%s可认领，请减少认领数量", what, remaining, unit)).
			With("remaining", remaining)
	}
	return qty, nil
}

// Claim statuses.
const (
	ClaimActive    = "active"
	ClaimWithdrawn = "withdrawn"
)

// Claim is a unit's claim of (part of) a need, or a community's claim of
// (part of) a resource. Every claim creates or joins a project.
type Claim struct {
	ID          int64
	NeedID      int64 // one of NeedID, ResourceID
	ResourceID  int64
	UnitID      int64 // the claiming unit (need) or the offering unit (resource)
	CommunityID int64 // the need's community, or the claiming community (resource)
	Quantity    int
	Plan        string
	ProjectID   int64
	Status      string
	ClaimedBy   int64
	CreatedAt   time.Time
	WithdrawnAt *time.Time
}

// Project statuses: claimed → in_progress → delivered → evaluated → closed;
// withdrawn when every claim was withdrawn before work started.
const (
	ProjectClaimed    = "claimed"
	ProjectInProgress = "in_progress"
	ProjectDelivered  = "delivered"
	ProjectEvaluated  = "evaluated"
	ProjectClosed     = "closed"
	ProjectWithdrawn  = "withdrawn"
)

// ProjectStatusNames maps statuses to Chinese.
var ProjectStatusNames = map[string]string{
	ProjectClaimed: "已认领", ProjectInProgress: "实施中", ProjectDelivered: "已交付", ProjectEvaluated: "已评价",
	ProjectClosed: "已结项", ProjectWithdrawn: "已撤回",
}

// Project is one item of the projects list.
type Project struct {
	ID           int64
	NeedID       int64
	ResourceID   int64
	CommunityID  int64
	Title        string
	Category     string
	Quantity     int // the quantity claimed by the active parties
	QuantityUnit string
	Plan         string
	Status       string
	DueAt        time.Time
	Parties      []Party
	Milestones   []Milestone
	Evidence     Evidence
	ActivityIDs  []int64
	RatingAvg    float64 // beneficiaries' ratings
	RatingCount  int
	UnitRating   int // the community's rating of the units (0 = not yet)
	UnitComment  string
	StartedAt    *time.Time
	DeliveredAt  *time.Time
	EvaluatedAt  *time.Time
	ClosedAt     *time.Time
	CreatedAt    time.Time
	// Version counts the project's updates (UpdateProject): an update is
	// written only over the version it was decided on, so two updates
	// made at once never silently overwrite each other.
	Version int64
}

// Overdue reports whether the project is past its due date and not delivered.
func (p Project) Overdue(now time.Time) bool {
	return !p.DueAt.IsZero() && now.After(p.DueAt) && (p.Status == ProjectClaimed || p.Status == ProjectInProgress)
}

// HasUnit reports whether unitID is one of the project's parties.
func (p Project) HasUnit(unitID int64) bool {
	return slices.ContainsFunc(p.Parties, func(x Party) bool { return x.UnitID == unitID })
}

// Party is a unit taking part in a project, with its claimed quantity.
type Party struct {
	UnitID   int64
	UnitName string
	Quantity int
	ClaimID  int64
}

// Milestone is a step of a project's plan.
type Milestone struct {
	Title  string     `json:"title"`
	DueOn  string     `json:"due_on,omitempty"` // YYYY-MM-DD
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// Evidence is what a delivered project shows: photos, documents (upload
// references), how many residents were served and a note.
type Evidence struct {
	Photos    []string `json:"photos,omitempty"`
	Documents []string `json:"documents,omitempty"`
	Served    int      `json:"served"`
	Note      string   `json:"note,omitempty"`
}

// Rating is a beneficiary's rating of a delivered project.
type Rating struct {
	ProjectID int64
	UserID    int64
	Score     int
	Comment   string
	CreatedAt time.Time
}
