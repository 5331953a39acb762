package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cobuild"
	"gongjian/internal/page"
)

type resourceDTO struct {
	ID           int64     `json:"id"`
	UnitID       int64     `json:"unit_id"`
	UnitName     string    `json:"unit_name"`
	Kind         string    `json:"kind"`
	KindName     string    `json:"kind_name"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	Quantity     int       `json:"quantity"`
	QuantityUnit string    `json:"quantity_unit"`
	Claimed      int       `json:"claimed"`
	Remaining    int       `json:"remaining"`
	Communities  []int64   `json:"communities"`
	RoomID       int64     `json:"room_id,omitempty"`
	ValidFrom    time.Time `json:"valid_from"`
	ValidTo      time.Time `json:"valid_to"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

func toResourceDTO(r cobuild.Resource) resourceDTO {
	d := resourceDTO{ID: r.ID, UnitID: r.UnitID, UnitName: r.UnitName, Kind: r.Kind, KindName: cobuild.ResourceKinds[r.Kind], Title: r.Title,
		Description: r.Description, Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Claimed: r.Claimed, Remaining: r.Remaining(),
		Communities: r.CommunityIDs, RoomID: r.RoomID, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Status: r.Status, CreatedAt: r.CreatedAt}
	if d.Communities == nil {
		d.Communities = []int64{}
	}
	return d
}

func (a *API) listResources(c *gin.Context) {
	var f cobuild.ResourceFilter
	kind := func(c *gin.Context) error {
		if f.Kind = c.Query("kind"); f.Kind != "" {
			f.Kind = cobuild.ResourceKindOf(f.Kind)
		}
		if f.Kind != "" && cobuild.ResourceKinds[f.Kind] == "" {
			return badFilter("kind")
		}
		return nil
	}
	// Newest first, a page at a time: ?cursor= is the previous page's next_cursor.
	var p idPage
	if !read(c, param(&f.CommunityID, filterID, "community_id"), param(&f.UnitID, filterID, "unit_id"), kind, p.query("before_id", 50)) {
		return
	}
	f.BeforeID, f.Limit = p.From, p.peek()
	rs, err := a.d.Cobuild.Resources(c.Request.Context(), f)
	respondIDPage(c, p, rs, func(r cobuild.Resource) int64 { return r.ID }, toResourceDTO, err)
}

func (a *API) createResource(c *gin.Context) {
	var req struct {
		UnitID       int64       `json:"unit_id"`
		Kind         string      `json:"kind"`
		Title        string      `json:"title"`
		Description  string      `json:"description"`
		Quantity     int         `json:"quantity"`
		QuantityUnit string      `json:"quantity_unit"`
		Communities  []int64     `json:"communities"`
		RoomID       int64       `json:"room_id"`
		ValidFrom    *dateOrTime `json:"valid_from"` // left out: from now
		ValidTo      *dateOrTime `json:"valid_to"`   // a date: through its end
	}
	if u, ok := a.meWith(c, &req); ok {
		from := req.ValidFrom.start()
		if from.IsZero() {
			from = time.Now()
		}
		r, err := a.d.Cobuild.CreateResource(c.Request.Context(), u, cobuild.ResourceInput{UnitID: req.UnitID, Kind: req.Kind, Title: req.Title,
			Description: req.Description, Quantity: req.Quantity, QuantityUnit: req.QuantityUnit, CommunityIDs: req.Communities, RoomID: req.RoomID,
			ValidFrom: from, ValidTo: req.ValidTo.end()})
		respond(c, http.StatusCreated, toResourceDTO(r), err)
	}
}

func (a *API) claimResource(c *gin.Context) {
	var req struct {
		CommunityID int64  `json:"community_id"`
		Quantity    int    `json:"quantity"`
		Plan        string `json:"plan"`
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		cl, err := a.d.Cobuild.ClaimResource(c.Request.Context(), u, id, req.CommunityID, req.Quantity, req.Plan)
		respond(c, http.StatusCreated, toCbClaimDTO(cl), err)
	}
}

// ---- report-ins ----

type reportInDTO struct {
	UserID         int64      `json:"user_id"`
	UserName       string     `json:"user_name,omitempty"`
	CommunityID    int64      `json:"community_id"`
	WorkplaceOrgID int64      `json:"workplace_org_id"`
	WorkplaceName  string     `json:"workplace_name"`
	Status         string     `json:"status"`
	Note           string     `json:"note,omitempty"`
	ReviewedAt     *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func toReportInDTO(r cobuild.ReportIn) reportInDTO {
	return reportInDTO{UserID: r.UserID, UserName: r.UserName, CommunityID: r.CommunityID, WorkplaceOrgID: r.WorkplaceOrgID,
		WorkplaceName: r.WorkplaceName, Status: r.Status, Note: r.Note, ReviewedAt: r.ReviewedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (a *API) postReportIn(c *gin.Context) {
	var req struct {
		CommunityID    int64 `json:"community_id"`
		WorkplaceOrgID int64 `json:"workplace_org_id"`
		// The workplace party organisation by the words.
		WorkplacePartyOrgID int64 `json:"workplace_party_org_id"`
	}
	if u, ok := a.meWith(c, &req); ok {
		org, err := unitOrg(req.WorkplaceOrgID, req.WorkplacePartyOrgID)
		if err != nil {
			fail(c, errBadField.With("field", "workplace_party_org_id"))
			return
		}
		r, err := a.d.Cobuild.ReportInTo(c.Request.Context(), u, req.CommunityID, org)
		respond(c, http.StatusCreated, toReportInDTO(r), err)
	}
}

func (a *API) getReportIn(c *gin.Context) {
	if u, ok := a.me(c); ok {
		r, err := a.d.Cobuild.MyReportIn(c.Request.Context(), u)
		respond(c, http.StatusOK, toReportInDTO(r), err)
	}
}

// listReportIns is a keyset page of the report-ins, newest change first
// (?cursor=: their time and user; ?limit= 1..100, default 50).
func (a *API) listReportIns(c *gin.Context) {
	var community int64
	var req page.Request
	if u, ok := a.meWith(c, communityParam(&community), statusParam(reportInStatuses), cursorParam(&req, 50)); ok {
		rs, next, err := a.d.Cobuild.ReportIns(c.Request.Context(), u, community, c.Query("status"), req)
		respond(c, http.StatusOK, gin.H{"items": dtos(rs, toReportInDTO), "next_cursor": nextCursor(next)}, err)
	}
}

func (a *API) reviewReportIn(c *gin.Context) {
	var req struct {
		Confirm bool   `json:"confirm"`
		Note    string `json:"note"`
	}
	if u, id, ok := a.meAndWith(c, "user_id", &req); ok {
		r, err := a.d.Cobuild.ReviewReportIn(c.Request.Context(), u, id, req.Confirm, req.Note)
		respond(c, http.StatusOK, toReportInDTO(r), err)
	}
}

// ---- reports ----

// sendReport answers JSON, or XLSX when asked (formatParam: ?format=xlsx;
// another format was refused with 400 BAD_FORMAT).
func sendReport(c *gin.Context, asXLSX bool, v any, name string, xlsx func() ([]byte, error)) {
	if !asXLSX {
		c.JSON(http.StatusOK, v)
		return
	}
	b, err := xlsx()
	if err != nil {
		fail(c, err)
		return
	}
	download(c, name+".xlsx", b)
}

// yearParam reads a report's ?year= (0 when absent).
func yearParam(year *int) fromRequest {
	return func(c *gin.Context) (err error) {
		*year, err = queryInt(c, "year", 0, 2000, 2100)
		return err
	}
}

func (a *API) unitReport(c *gin.Context) {
	var year int
	var asXLSX bool
	u, id, ok := a.meAndWith(c, "id", yearParam(&year), formatParam(&asXLSX))
	if !ok {
		return
	}
	r, err := a.d.Cobuild.UnitReport(c.Request.Context(), u, id, year)
	if err != nil {
		fail(c, err)
		return
	}
	sendReport(c, asXLSX, r, fmt.Sprintf("%s%d年度共建报告", r.UnitName, r.Year), r.XLSX)
}

// communityReportOf reads the community report the request asks for, and
// whether as XLSX.
func (a *API) communityReportOf(c *gin.Context) (cobuild.CommunityReport, bool, bool) {
	var year int
	var community int64
	var asXLSX bool
	u, ok := a.meWith(c, yearParam(&year), communityParam(&community), formatParam(&asXLSX))
	if !ok {
		return cobuild.CommunityReport{}, false, false
	}
	r, err := a.d.Cobuild.CommunityReport(c.Request.Context(), u, community, year)
	if err != nil {
		fail(c, err)
		return cobuild.CommunityReport{}, false, false
	}
	return r, asXLSX, true
}

func (a *API) communityReport(c *gin.Context) {
	if r, asXLSX, ok := a.communityReportOf(c); ok {
		sendReport(c, asXLSX, r, fmt.Sprintf("共建联席会议报告%d", r.Year), r.XLSX)
	}
}

func (a *API) agenda(c *gin.Context) {
	if r, asXLSX, ok := a.communityReportOf(c); ok {
		sendReport(c, asXLSX, gin.H{"community_id": r.CommunityID, "proposals": r.Agenda, "unclaimed_needs": r.Unclaimed, "overdue_projects": r.Overdue,
			"pending_wishes": r.PendingWishes}, "联席会议议程", r.AgendaXLSX)
	}
}
