package httpapi

import (
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/cst"
)

type cbContactDTO struct {
	Name        string `json:"name"`
	PhoneMasked string `json:"phone_masked"`
}

type cbAgreementDTO struct {
	CommunityID int64  `json:"community_id"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Content     string `json:"content,omitempty"`
	DocumentURL string `json:"document_url,omitempty"`
}

type unitDTO struct {
	ID           int64            `json:"id"`
	Name         string           `json:"name"`
	Kind         string           `json:"kind"`
	KindName     string           `json:"kind_name"`
	PartyOrgID   int64            `json:"party_org_id,omitempty"`
	Status       string           `json:"status"`
	CommunityIDs []int64          `json:"communities"`
	Contacts     []cbContactDTO   `json:"contacts,omitempty"`
	Agreements   []cbAgreementDTO `json:"agreements,omitempty"`
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cst.Zone).Format("2006-01-02")
}

// toUnitDTO shows contacts (masked) and agreements only when full.
func toUnitDTO(u cobuild.Unit, full bool) unitDTO {
	d := unitDTO{ID: u.ID, Name: u.Name, Kind: u.Kind, KindName: cobuild.UnitKinds[u.Kind], PartyOrgID: u.PartyOrgID, Status: u.Status,
		CommunityIDs: u.CommunityIDs}
	if d.CommunityIDs == nil {
		d.CommunityIDs = []int64{}
	}
	if full {
		for _, c := range u.Contacts {
			d.Contacts = append(d.Contacts, cbContactDTO{Name: c.Name, PhoneMasked: c.PhoneMasked})
		}
		for _, a := range u.Agreements {
			d.Agreements = append(d.Agreements, cbAgreementDTO{CommunityID: a.CommunityID, StartsOn: day(a.StartsOn), EndsOn: day(a.EndsOn),
				Content: a.Content, DocumentURL: a.DocumentRef})
		}
	}
	return d
}

type needDTO struct {
	ID            int64      `json:"id"`
	CommunityID   int64      `json:"community_id"`
	Category      string     `json:"category"`
	CategoryName  string     `json:"category_name"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Place         string     `json:"place,omitempty"`
	Quantity      int        `json:"quantity"`
	QuantityUnit  string     `json:"quantity_unit"`
	Claimed       int        `json:"claimed"`
	Remaining     int        `json:"remaining"`
	Beneficiaries string     `json:"beneficiaries,omitempty"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	Shareable     bool       `json:"shareable"`
	Status        string     `json:"status"`
	Source        string     `json:"source"`
	ProjectID     int64      `json:"project_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// toNeedDTO shows n as it stands at now: status is Need.StatusAt (an open
// need past its deadline is expired).
func toNeedDTO(n cobuild.Need, now time.Time) needDTO {
	return needDTO{ID: n.ID, CommunityID: n.CommunityID, Category: n.Category, CategoryName: cobuild.Categories[n.Category], Title: n.Title,
		Description: n.Description, Place: n.Place, Quantity: n.Quantity, QuantityUnit: n.QuantityUnit, Claimed: n.Claimed,
		Remaining: n.Remaining(), Beneficiaries: n.Beneficiaries, Shareable: n.Shareable, Status: n.StatusAt(now), Source: n.Source,
		ProjectID: n.ProjectID, CreatedAt: n.CreatedAt, Deadline: optionalTime(n.Deadline)}
}

type cbClaimDTO struct {
	ID          int64      `json:"id"`
	NeedID      int64      `json:"need_id,omitempty"`
	ResourceID  int64      `json:"resource_id,omitempty"`
	UnitID      int64      `json:"unit_id"`
	CommunityID int64      `json:"community_id"`
	Quantity    int        `json:"quantity"`
	Plan        string     `json:"plan,omitempty"`
	ProjectID   int64      `json:"project_id"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
}

func toCbClaimDTO(c cobuild.Claim) cbClaimDTO {
	return cbClaimDTO{ID: c.ID, NeedID: c.NeedID, ResourceID: c.ResourceID, UnitID: c.UnitID, CommunityID: c.CommunityID, Quantity: c.Quantity,
		Plan: c.Plan, ProjectID: c.ProjectID, Status: c.Status, CreatedAt: c.CreatedAt, WithdrawnAt: c.WithdrawnAt}
}

type partyDTO struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Quantity int    `json:"quantity"`
	ClaimID  int64  `json:"claim_id"`
}

type projectDTO struct {
	ID           int64               `json:"id"`
	NeedID       int64               `json:"need_id,omitempty"`
	ResourceID   int64               `json:"resource_id,omitempty"`
	CommunityID  int64               `json:"community_id"`
	Title        string              `json:"title"`
	Category     string              `json:"category,omitempty"`
	Quantity     int                 `json:"quantity"`
	QuantityUnit string              `json:"quantity_unit"`
	Plan         string              `json:"plan,omitempty"`
	Status       string              `json:"status"`
	StatusName   string              `json:"status_name"`
	Overdue      bool                `json:"overdue"`
	DueAt        *time.Time          `json:"due_at,omitempty"`
	Parties      []partyDTO          `json:"parties"`
	Milestones   []cobuild.Milestone `json:"milestones"`
	Evidence     cobuild.Evidence    `json:"evidence"`
	ActivityIDs  []int64             `json:"activity_ids"`
	RatingAvg    float64             `json:"rating_avg"`
	RatingCount  int                 `json:"rating_count"`
	UnitRating   int                 `json:"unit_rating,omitempty"`
	UnitComment  string              `json:"unit_comment,omitempty"`
	StartedAt    *time.Time          `json:"started_at,omitempty"`
	DeliveredAt  *time.Time          `json:"delivered_at,omitempty"`
	EvaluatedAt  *time.Time          `json:"evaluated_at,omitempty"`
	ClosedAt     *time.Time          `json:"closed_at,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	Version      int64               `json:"version"`
}

func toProjectDTO(p cobuild.Project, now time.Time) projectDTO {
	d := projectDTO{ID: p.ID, NeedID: p.NeedID, ResourceID: p.ResourceID, CommunityID: p.CommunityID, Title: p.Title, Category: p.Category,
		Quantity: p.Quantity, QuantityUnit: p.QuantityUnit, Plan: p.Plan, Status: p.Status, StatusName: cobuild.ProjectStatusNames[p.Status],
		Overdue: p.Overdue(now), Parties: []partyDTO{}, Milestones: p.Milestones, Evidence: p.Evidence, ActivityIDs: p.ActivityIDs,
		RatingAvg: p.RatingAvg, RatingCount: p.RatingCount, UnitRating: p.UnitRating, UnitComment: p.UnitComment,
		StartedAt: p.StartedAt, DeliveredAt: p.DeliveredAt, EvaluatedAt: p.EvaluatedAt, ClosedAt: p.ClosedAt, CreatedAt: p.CreatedAt,
		DueAt: optionalTime(p.DueAt), Version: p.Version}
	for _, x := range p.Parties {
		d.Parties = append(d.Parties, partyDTO{UnitID: x.UnitID, UnitName: x.UnitName, Quantity: x.Quantity, ClaimID: x.ClaimID})
	}
	if d.Milestones == nil {
		d.Milestones = []cobuild.Milestone{}
	}
	if d.ActivityIDs == nil {
		d.ActivityIDs = []int64{}
	}
	return d
}
