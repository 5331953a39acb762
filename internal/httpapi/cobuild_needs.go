package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// ---- units ----

type agreementReq struct {
	CommunityID int64  `json:"community_id"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Content     string `json:"content"`
	DocumentURL string `json:"document_url"`
}

func (a *API) createUnit(c *gin.Context) {
	var req struct {
		Name        string                 `json:"name"`
		Kind        string                 `json:"kind"`
		PartyOrgID  int64                  `json:"party_org_id"`
		Communities []int64                `json:"communities"`
		Contacts    []cobuild.ContactInput `json:"contacts"`
		Agreements  []agreementReq         `json:"agreements"`
	}
	u, ok := a.meWith(c, &req)
	if !ok {
		return
	}
	in := cobuild.UnitInput{Name: req.Name, Kind: req.Kind, PartyOrgID: req.PartyOrgID, CommunityIDs: req.Communities, Contacts: req.Contacts}
	for _, ag := range req.Agreements {
		start, ok1 := cobuild.ParseDate(ag.StartsOn)
		end, ok2 := cobuild.ParseDate(ag.EndsOn)
		if !ok1 || !ok2 {
			fail(c, errs.Invalid("INVALID_AGREEMENT", "协议日期格式应为 2026-01-31"))
			return
		}
		in.Agreements = append(in.Agreements, cobuild.Agreement{CommunityID: ag.CommunityID, StartsOn: start, EndsOn: end, Content: ag.Content, DocumentRef: ag.DocumentURL})
	}
	unit, err := a.d.Cobuild.CreateUnit(c.Request.Context(), u, in)
	respond(c, http.StatusCreated, toUnitDTO(unit, true), err)
}

func (a *API) importUnits(c *gin.Context) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	data, ok := a.formFile(c)
	if !ok {
		return
	}
	rows, err := cobuild.ParseUnitsFile(data)
	if err != nil {
		fail(c, err)
		return
	}
	n, err := a.d.Cobuild.ImportUnits(c.Request.Context(), u, rows)
	respond(c, http.StatusCreated, gin.H{"imported": n}, err)
}

func (a *API) patchUnit(c *gin.Context) {
	var req struct {
		Status string `json:"status"`
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		unit, err := a.d.Cobuild.SetUnitStatus(c.Request.Context(), u, id, req.Status)
		respond(c, http.StatusOK, toUnitDTO(unit, true), err)
	}
}

func (a *API) listUnits(c *gin.Context) {
	us, err := a.d.Cobuild.Units(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	var community int64
	if !read(c, communityParam(&community)) {
		return
	}
	items := make([]unitDTO, 0, len(us))
	for _, u := range us {
		if community == 0 || containsID(u.CommunityIDs, community) {
			items = append(items, toUnitDTO(u, false))
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// unitInsider: admins, the unit's contacts and staff of a community it
// co-builds with see its contacts and agreements.
func unitInsider(v resident.User, u cobuild.Unit) bool {
	if v.IsAdmin() || v.IsContactOf(u.ID) {
		return true
	}
	for _, cid := range u.CommunityIDs {
		if v.IsStaffOf(cid) {
			return true
		}
	}
	return false
}

func (a *API) getUnit(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		unit, err := a.d.Cobuild.Unit(c.Request.Context(), id)
		v := a.viewer(c)
		respond(c, http.StatusOK, toUnitDTO(unit, err == nil && v != nil && unitInsider(*v, unit)), err)
	}
}

func (a *API) myUnits(c *gin.Context) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	items := []unitDTO{}
	for _, id := range u.ContactUnits() {
		unit, err := a.d.Cobuild.Unit(c.Request.Context(), id)
		if errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			fail(c, err)
			return
		}
		items = append(items, toUnitDTO(unit, true))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// ---- needs and claims ----

// needReq describes a need: one published, or what an accepted wish or
// proposal becomes.
type needReq struct {
	Category      string      `json:"category"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Place         string      `json:"place"`
	Quantity      int         `json:"quantity"`
	QuantityUnit  string      `json:"quantity_unit"`
	Beneficiaries string      `json:"beneficiaries"`
	Shareable     bool        `json:"shareable"`
	Deadline      *dateOrTime `json:"deadline"` // a date: through its end (China time)
}

func (n needReq) input() cobuild.NeedInput {
	in := cobuild.NeedInput{Category: n.Category, Title: n.Title, Description: n.Description, Place: n.Place, Quantity: n.Quantity,
		QuantityUnit: n.QuantityUnit, Beneficiaries: n.Beneficiaries, Shareable: n.Shareable}
	in.Deadline = n.Deadline.end()
	return in
}

func (a *API) createNeed(c *gin.Context) {
	var req struct {
		CommunityID int64 `json:"community_id"`
		needReq
	}
	if u, ok := a.meWith(c, &req); ok {
		in := req.input()
		in.CommunityID = req.CommunityID
		n, err := a.d.Cobuild.CreateNeed(c.Request.Context(), u, in)
		respond(c, http.StatusCreated, needNow(n), err)
	}
}

// badFilter refuses a list filter's value (details.param names it).
func badFilter(name string) error {
	return errs.Invalid("BAD_QUERY", "筛选条件无效，请重新选择").With("param", name)
}

// queryOneOf checks that the query parameter, when given, is one of known.
func queryOneOf(c *gin.Context, name string, known ...string) error {
	if s := c.Query(name); s != "" && !slices.Contains(known, s) {
		return badFilter(name)
	}
	return nil
}

// statusParam checks ?status= against known (see queryOneOf).
func statusParam(known []string) fromRequest {
	return func(c *gin.Context) error { return queryOneOf(c, "status", known...) }
}

// Known statuses of the co-building lists' status filters.
var (
	needStatuses     = []string{cobuild.NeedOpen, cobuild.NeedFull, cobuild.NeedClosed, cobuild.NeedExpired}
	projectStatuses  = []string{cobuild.ProjectClaimed, cobuild.ProjectInProgress, cobuild.ProjectDelivered, cobuild.ProjectEvaluated, cobuild.ProjectClosed, cobuild.ProjectWithdrawn}
	wishStatuses     = []string{cobuild.WishPending, cobuild.WishAccepted, cobuild.WishMerged, cobuild.WishDeclined}
	proposalStatuses = []string{cobuild.ProposalOpen, cobuild.ProposalAgenda, cobuild.WishAccepted, cobuild.WishMerged, cobuild.WishDeclined}
	reportInStatuses = []string{cobuild.ReportPending, cobuild.ReportConfirmed, cobuild.ReportDeclined}
)

// listFilter reads community_id, status (one of known) and the page p
// (cursor: an id; limit).
func listFilter(c *gin.Context, known []string, p *idPage) (community int64, statuses []string, err error) {
	if s := c.Query("community_id"); s != "" {
		if community, err = strconv.ParseInt(s, 10, 64); err != nil || community < 0 {
			return 0, nil, errs.Invalid("INVALID_COMMUNITY", "社区参数无效")
		}
	}
	if err := queryOneOf(c, "status", known...); err != nil {
		return 0, nil, err
	}
	if s := c.Query("status"); s != "" {
		statuses = []string{s}
	}
	return community, statuses, p.query("", 20)(c)
}

// filterID parses the optional id filter name: 0 when absent.
func filterID(c *gin.Context, name string) (int64, error) {
	var n int64
	if s := c.Query(name); s != "" {
		var err error
		if n, err = strconv.ParseInt(s, 10, 64); err != nil || n < 0 {
			return 0, badFilter(name)
		}
	}
	return n, nil
}

func (a *API) listNeeds(c *gin.Context) {
	var p idPage
	community, statuses, err := listFilter(c, needStatuses, &p)
	if err != nil {
		fail(c, err)
		return
	}
	// One time judges the filter (in SQL) and the statuses shown.
	now := time.Now()
	f := cobuild.NeedFilter{Category: c.Query("category"), Statuses: statuses, At: now, AfterID: p.From, Limit: p.peek()}
	if _, ok := c.GetQuery("community_id"); ok {
		f.CommunityIDs = []int64{community}
	}
	ns, err := a.d.Cobuild.Needs(c.Request.Context(), f)
	respondIDPage(c, p, ns, func(n cobuild.Need) int64 { return n.ID }, func(n cobuild.Need) needDTO { return toNeedDTO(n, now) }, err)
}

func (a *API) claimNeed(c *gin.Context) {
	var req struct {
		UnitID   int64  `json:"unit_id"`
		Quantity int    `json:"quantity"`
		Plan     string `json:"plan"`
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		cl, err := a.d.Cobuild.ClaimNeed(c.Request.Context(), u, id, cobuild.ClaimInput{UnitID: req.UnitID, Quantity: req.Quantity, Plan: req.Plan})
		respond(c, http.StatusCreated, toCbClaimDTO(cl), err)
	}
}

// ---- projects ----

func (a *API) listProjects(c *gin.Context) {
	var p idPage
	var unit int64
	community, statuses, err := listFilter(c, projectStatuses, &p)
	if err == nil {
		err = queryOneOf(c, "overdue", "true", "false")
	}
	if err == nil {
		unit, err = filterID(c, "unit_id")
	}
	if err != nil {
		fail(c, err)
		return
	}
	f := cobuild.ProjectFilter{Statuses: statuses, UnitID: unit, AfterID: p.From, Limit: p.peek()}
	if community != 0 {
		f.CommunityIDs = []int64{community}
	}
	now := time.Now()
	if c.Query("overdue") == "true" {
		// Filtered by the store, so that a page holds overdue projects only
		// and the first page has the newest of them.
		f.OverdueAt = now
	}
	ps, err := a.d.Cobuild.Projects(c.Request.Context(), f)
	respondIDPage(c, p, ps, func(x cobuild.Project) int64 { return x.ID }, func(x cobuild.Project) projectDTO { return toProjectDTO(x, now) }, err)
}

// needNow shows a need as it stands now (expired once its deadline passed).
func needNow(n cobuild.Need) needDTO { return toNeedDTO(n, time.Now()) }

// projectNow shows a project as it stands now.
func projectNow(p cobuild.Project) projectDTO { return toProjectDTO(p, time.Now()) }

func (a *API) projectProgress(c *gin.Context) {
	var req struct {
		Action      string              `json:"action"`
		Milestones  []cobuild.Milestone `json:"milestones"`
		Evidence    *evidenceReq        `json:"evidence"`
		ActivityIDs []int64             `json:"activity_ids"`
		Plan        *string             `json:"plan"`
		Version     *int64              `json:"version"` // the project's version the update was made on (optional)
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		ev, err := req.Evidence.evidence()
		if err != nil {
			fail(c, err)
			return
		}
		p, err := a.d.Cobuild.UpdateProject(c.Request.Context(), u, id, cobuild.ProjectUpdate{Action: req.Action, Milestones: req.Milestones,
			Evidence: ev, ActivityIDs: req.ActivityIDs, Plan: req.Plan, Version: req.Version})
		respond(c, http.StatusOK, projectNow(p), err)
	}
}

// evidenceReq is a delivery's evidence (cobuild.Evidence): how many were
// served given as served or by the and the report's words
// (numbers_served, residents_served); several: the same, else 400
// BAD_FIELD.
type evidenceReq struct {
	Photos          []string `json:"photos"`
	Documents       []string `json:"documents"`
	Served          *int     `json:"served"`
	NumbersServed   *int     `json:"numbers_served"`
	ResidentsServed *int     `json:"residents_served"`
	Note            string   `json:"note"`
}

// evidence is the evidence e gives (nil: none).
func (e *evidenceReq) evidence() (*cobuild.Evidence, error) {
	if e == nil {
		return nil, nil
	}
	out := &cobuild.Evidence{Photos: e.Photos, Documents: e.Documents, Note: e.Note}
	var given *int
	for _, f := range []struct {
		name string
		v    *int
	}{{"served", e.Served}, {"numbers_served", e.NumbersServed}, {"residents_served", e.ResidentsServed}} {
		if f.v == nil {
			continue
		}
		if given != nil && *given != *f.v {
			return nil, errBadField.With("field", "evidence."+f.name)
		}
		given = f.v
	}
	if given != nil {
		out.Served = *given
	}
	return out, nil
}

type scoreReq struct {
	Score   int    `json:"score"`
	Rating  *int   `json:"rating"` // score by the word of the route (…/ratings)
	Comment string `json:"comment"`
}

// read is a fromRequest reading the body into r: its score given as score
// or rating (both: the same, else 400 BAD_FIELD).
func (r *scoreReq) read(c *gin.Context) error {
	if err := decode(c, r); err != nil {
		return err
	}
	if r.Rating != nil {
		if r.Score != 0 && r.Score != *r.Rating {
			return errBadField.With("field", "rating")
		}
		r.Score = *r.Rating
	}
	return nil
}

func (a *API) evaluateProject(c *gin.Context) {
	var req scoreReq
	if u, id, ok := a.meAndWith(c, "id", fromRequest(req.read)); ok {
		p, err := a.d.Cobuild.EvaluateUnits(c.Request.Context(), u, id, req.Score, req.Comment)
		respond(c, http.StatusOK, projectNow(p), err)
	}
}

func (a *API) rateProject(c *gin.Context) {
	var req scoreReq
	if u, id, ok := a.meAndWith(c, "id", fromRequest(req.read)); ok {
		r, err := a.d.Cobuild.Rate(c.Request.Context(), u, id, req.Score, req.Comment)
		respond(c, http.StatusCreated, gin.H{"project_id": r.ProjectID, "score": r.Score, "comment": r.Comment, "created_at": r.CreatedAt}, err)
	}
}
