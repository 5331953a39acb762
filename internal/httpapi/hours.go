package httpapi

import (
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/audit"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/page"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

type entryDTO struct {
	ID            int64     `json:"id"`
	UserID        int64     `json:"user_id"`
	ActivityID    int64     `json:"activity_id"`
	SessionID     int64     `json:"session_id"`
	ActivityTitle string    `json:"activity_title"`
	Minutes       int       `json:"minutes"`
	Source        string    `json:"source"`
	Reason        string    `json:"reason"`
	ServedAt      time.Time `json:"served_at"`
	StartedAt     time.Time `json:"started_at"`
	CreatedAt     time.Time `json:"created_at"`
	ReversesID    int64     `json:"reverses_id,omitempty"`
	RecordedBy    int64     `json:"recorded_by"`
	ApprovedBy    int64     `json:"approved_by,omitempty"`
}

func toEntryDTO(e hours.Entry) entryDTO {
	return entryDTO{ID: e.ID, UserID: e.UserID, ActivityID: e.ActivityID, SessionID: e.SessionID, ActivityTitle: e.ActivityTitle, Minutes: e.Minutes,
		Source: e.Source, Reason: e.Reason, ServedAt: e.ServedAt, StartedAt: e.ServedAt, CreatedAt: e.CreatedAt,
		ReversesID: e.ReversesID, RecordedBy: e.RecordedBy, ApprovedBy: e.ApprovedBy}
}

// recordLineDTO is a line of the service record; the content, date and
// organiser also stand under their older names (activity_title,
// started_at, host_org_name).
type recordLineDTO struct {
	ActivityID    int64     `json:"activity_id"`
	SessionID     int64     `json:"session_id"`
	Content       string    `json:"content"`
	ActivityTitle string    `json:"activity_title"`
	Date          time.Time `json:"date"`
	StartedAt     time.Time `json:"started_at"`
	Place         string    `json:"place"`
	Minutes       int       `json:"minutes"`
	Hours         float64   `json:"hours"`
	Organiser     string    `json:"organiser"`
	HostOrgName   string    `json:"host_org_name"`
	Sources       []string  `json:"sources"`
}

type monthDTO struct {
	Month   string `json:"month"`
	Minutes int    `json:"minutes"`
}

func toRecordLineDTO(l hours.RecordLine) recordLineDTO {
	return recordLineDTO{l.ActivityID, l.SessionID, l.Content, l.Content, l.Date, l.Date, l.Place, l.Minutes, hours.Hours(l.Minutes),
		l.Organiser, l.Organiser, l.Sources}
}

func (a *API) myHours(c *gin.Context) {
	var req page.Request
	if !read(c, keysetParam(&req, 50)) {
		return
	}
	s, next, err := a.d.Hours.MyHours(c.Request.Context(), userID(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	months := dtos(s.ByMonth, func(m hours.Month) monthDTO { return monthDTO(m) })
	entries := dtos(s.Entries, toEntryDTO)
	c.JSON(http.StatusOK, gin.H{"total_minutes": s.TotalMinutes, "total_hours": hours.Hours(s.TotalMinutes), "by_month": months, "entries": entries,
		"next_cursor": nextCursor(next)})
}

// download answers the XLSX file body named name.
func download(c *gin.Context, name string, body []byte) {
	c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, xlsxType, body)
}

// attachment is download with a plain fallback file name for old clients.
func attachment(c *gin.Context, name string, body []byte) {
	c.Header("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, xlsxType, body)
}

func (a *API) myRecord(c *gin.Context) {
	var xlsx bool
	var req page.Request
	if !read(c, formatParam(&xlsx)) || !xlsx && !read(c, keysetParam(&req, 100)) {
		return
	}
	if xlsx {
		rec, err := a.d.Hours.Record(c.Request.Context(), userID(c))
		if err != nil {
			fail(c, err)
			return
		}
		b, err := a.d.Hours.RecordWorkbook(rec)
		if err != nil {
			fail(c, errs.Internal(err))
			return
		}
		attachment(c, "志愿服务记录-"+rec.Number+".xlsx", b)
		return
	}
	a.recordLines(c, userID(c), req)
}

// recordLines answers a page of the service record of the person userID.
func (a *API) recordLines(c *gin.Context, userID int64, req page.Request) {
	rec, after, err := a.d.Hours.RecordPage(c.Request.Context(), userID, req.After, req.Limit)
	if err != nil {
		fail(c, err)
		return
	}
	// The JSON record pages its lines (the XLSX holds them all).
	var next *string
	if after != nil {
		n := after.Encode()
		next = &n
	}
	c.JSON(http.StatusOK, gin.H{"record_number": rec.Number, "name": rec.Name, "id_number_masked": rec.IDNumberMasked,
		"total_minutes": rec.TotalMinutes, "total_hours": hours.Hours(rec.TotalMinutes), "generated_at": rec.GeneratedAt, "entries": dtos(rec.Lines, toRecordLineDTO),
		"issuer": rec.Issuer, "verify_url": rec.VerifyURL, "next_cursor": next})
}

func (a *API) putIdentity(c *gin.Context) {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if read(c, &req) {
		masked, err := a.d.Hours.SetIdentity(c.Request.Context(), userID(c), req.IDNumber)
		respond(c, http.StatusOK, gin.H{"id_number_masked": masked}, err)
	}
}

type membershipDTO struct {
	OrgID       int64     `json:"org_id"`
	CommunityID int64     `json:"community_id"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (a *API) getMembership(c *gin.Context) {
	m, err := a.d.Hours.Membership(c.Request.Context(), userID(c))
	respond(c, http.StatusOK, membershipDTO{m.OrgID, m.CommunityID, m.UpdatedAt}, err)
}

func (a *API) postMembership(c *gin.Context) {
	var req struct {
		OrgID       int64 `json:"org_id"`
		CommunityID int64 `json:"community_id"`
	}
	if u, ok := a.meWith(c, &req); ok {
		m, err := a.d.Hours.SetMembership(c.Request.Context(), u, req.OrgID, req.CommunityID)
		respond(c, http.StatusOK, membershipDTO{m.OrgID, m.CommunityID, m.UpdatedAt}, err)
	}
}

type claimDTO struct {
	ID             int64      `json:"id"`
	UserID         int64      `json:"user_id"`
	VolunteerName  string     `json:"volunteer_name,omitempty"`
	ActivityID     int64      `json:"activity_id"`
	SessionID      int64      `json:"session_id,omitempty"`
	ActivityTitle  string     `json:"activity_title"`
	ServedAt       time.Time  `json:"served_at"`
	Minutes        int        `json:"minutes"`
	Description    string     `json:"description"`
	PhotoURLs      []string   `json:"photo_urls"`
	Status         string     `json:"status"`
	ReviewedBy     int64      `json:"reviewed_by,omitempty"`
	ReviewedAt     *time.Time `json:"reviewed_at,omitempty"`
	GrantedMinutes int        `json:"granted_minutes,omitempty"`
	RejectReason   string     `json:"reject_reason,omitempty"`
	EntryID        int64      `json:"entry_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	// For reviewers of a pending claim: the session's length, the credit the
	// volunteer already has for it, and whether the claim is a top-up.
	SessionMinutes  int  `json:"session_minutes,omitempty"`
	CreditedMinutes int  `json:"credited_minutes"`
	TopUp           bool `json:"top_up"`
	MaxMinutes      int  `json:"max_minutes,omitempty"`
}

// claimID and correctionID key the review queues' pages (statusPage).
func claimID(x hours.Claim) int64           { return x.ID }
func correctionID(x hours.Correction) int64 { return x.ID }

func toClaimDTO(x hours.Claim) claimDTO {
	d := claimDTO{x.ID, x.UserID, x.UserName, x.ActivityID, x.SessionID, x.ActivityTitle, x.ServedAt, x.Minutes, x.Description,
		x.PhotoURLs, x.Status, x.ReviewedBy, x.ReviewedAt, x.GrantedMinutes, x.RejectReason, x.EntryID, x.CreatedAt,
		x.SessionMinutes, x.CreditedMinutes, x.CreditedMinutes > 0, 0}
	if x.SessionMinutes > 0 {
		d.MaxMinutes = max(x.SessionMinutes-x.CreditedMinutes, 0)
	}
	return d
}

// claimedTime is a claim's or grant's length: minutes, or hours (the
// issue speaks of claiming and granting hours; 1.5 is 90 minutes) when
// minutes are not given.
type claimedTime struct {
	Minutes int      `json:"minutes"`
	Hours   *float64 `json:"hours"`
}

func (t claimedTime) minutes() int {
	if t.Minutes == 0 && t.Hours != nil && *t.Hours > 0 && *t.Hours <= 24 {
		return int(math.Round(*t.Hours * 60))
	}
	return t.Minutes
}

// claimReq is the body of a claim: hours.ClaimInput.
type claimReq struct {
	ActivityID int64 `json:"activity_id"`
	SessionID  int64 `json:"session_id"`
	claimedTime
	Description string   `json:"description"`
	PhotoURLs   []string `json:"photo_urls"`
}

// myClaims is a keyset page of the caller's own claims, newest first
// (?limit=&cursor=, next_cursor): they grow with every session served.
// The default page is the largest (100): the mini-program reads the first
// page only, and showed up to 200 before the list was paged.
func (a *API) myClaims(c *gin.Context) {
	var p idPage
	if read(c, p.query("", page.MaxLimit)) {
		xs, err := a.d.Hours.MyClaims(c.Request.Context(), userID(c), p.From, p.peek())
		respondIDPage(c, p, xs, claimID, toClaimDTO, err)
	}
}

func (a *API) createClaim(c *gin.Context) {
	var req claimReq
	if u, ok := a.meWith(c, &req); ok {
		x, err := a.d.Hours.CreateClaim(c.Request.Context(), u, hours.ClaimInput{ActivityID: req.ActivityID, SessionID: req.SessionID,
			Minutes: req.minutes(), Description: req.Description, PhotoURLs: req.PhotoURLs})
		respond(c, http.StatusCreated, toClaimDTO(x), err)
	}
}

// correctionReq is the body of a correction: hours.CorrectionInput. Its
// size may be given in hours (the issue speaks of "8 hours"; -0.5 is minus
// 30 minutes) when minutes are not given.
type correctionReq struct {
	EntryID int64    `json:"entry_id"`
	Minutes int      `json:"minutes"`
	Hours   *float64 `json:"hours"`
	Reason  string   `json:"reason"`
}

// input is the correction the request asks for; hours beyond a day are
// passed on as such, for the service to refuse.
func (r correctionReq) input() hours.CorrectionInput {
	in := hours.CorrectionInput{EntryID: r.EntryID, Minutes: r.Minutes, Reason: r.Reason}
	if in.Minutes == 0 && r.Hours != nil {
		h := max(min(*r.Hours, 25), -25) // out of range either way; no overflow
		in.Minutes = int(math.Round(h * 60))
	}
	return in
}

func (a *API) correctHours(c *gin.Context) {
	var req correctionReq
	u, ok := a.meWith(c, &req)
	if !ok {
		return
	}
	res, err := a.d.Hours.Correct(c.Request.Context(), u, req.input())
	if err != nil {
		fail(c, err)
		return
	}
	if res.Pending != nil {
		// Beyond the configured size: waits for a second staff member.
		c.JSON(http.StatusAccepted, toCorrectionDTO(*res.Pending))
		return
	}
	c.JSON(http.StatusCreated, toEntryDTO(res.Entry))
}

type correctionDTO struct {
	ID            int64      `json:"id"`
	Status        string     `json:"status"`
	EntryID       int64      `json:"entry_id"`
	UserID        int64      `json:"user_id"`
	ActivityID    int64      `json:"activity_id"`
	SessionID     int64      `json:"session_id,omitempty"`
	ActivityTitle string     `json:"activity_title"`
	Minutes       int        `json:"minutes"`
	Reason        string     `json:"reason"`
	RequestedBy   int64      `json:"requested_by"`
	ReviewedBy    int64      `json:"reviewed_by,omitempty"`
	ReviewedAt    *time.Time `json:"reviewed_at,omitempty"`
	RejectReason  string     `json:"reject_reason,omitempty"`
	ResultEntryID int64      `json:"result_entry_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

func toCorrectionDTO(x hours.Correction) correctionDTO {
	return correctionDTO{x.ID, x.Status, x.EntryID, x.UserID, x.ActivityID, x.SessionID, x.ActivityTitle, x.Minutes, x.Reason,
		x.RequestedBy, x.ReviewedBy, x.ReviewedAt, x.RejectReason, x.ResultEntryID, x.CreatedAt}
}

type personTotalDTO struct {
	Rank          int     `json:"rank"`
	UserID        int64   `json:"user_id"`
	Name          string  `json:"name"`
	OrgID         int64   `json:"org_id,omitempty"`
	OrgName       string  `json:"org_name,omitempty"`
	CommunityID   int64   `json:"community_id,omitempty"`
	CommunityName string  `json:"community_name,omitempty"`
	Minutes       int     `json:"minutes"`
	Hours         float64 `json:"hours"`
	Entries       int     `json:"entries"`
}

func persons(ps []hours.PersonTotal) []personTotalDTO {
	out := make([]personTotalDTO, 0, len(ps))
	for _, p := range ps {
		out = append(out, personTotalDTO{p.Rank, p.UserID, p.Name, p.OrgID, p.OrgName, p.CommunityID, p.CommunityName, p.Minutes, hours.Hours(p.Minutes), p.Entries})
	}
	return out
}

func (a *API) hoursReport(c *gin.Context) {
	var xlsx bool
	var from, to time.Time
	u, ok := a.meWith(c, formatParam(&xlsx), func(c *gin.Context) (err error) {
		from, to, err = hours.ParseRange(queryAs(c, "from", "date_from", "start_date"), queryAs(c, "to", "date_to", "end_date"), time.Now())
		return err
	})
	if !ok {
		return
	}
	ctx := c.Request.Context()
	r, err := a.d.Hours.Report(ctx, u, from, to)
	if err != nil {
		fail(c, err)
		return
	}
	if xlsx {
		b, err := a.d.Hours.ReportXLSX(ctx, u, r)
		if err != nil {
			fail(c, err)
			return
		}
		// The spreadsheet names every volunteer: handing it out is recorded.
		a.note(c, u, audit.Entry{Action: "hours.export", ObjectType: "hours", Changes: map[string]any{
			"from": from.In(cst.Zone).Format("2006-01-02"), "to": to.In(cst.Zone).AddDate(0, 0, -1).Format("2006-01-02"), "persons": len(r.Persons)}})
		if a.d.Audit != nil {
			if err := a.d.Audit.Record(ctx); err != nil {
				fail(c, err)
				return
			}
		}
		attachment(c, "志愿服务时长统计-"+from.In(cst.Zone).Format("20060102")+"-"+to.In(cst.Zone).AddDate(0, 0, -1).Format("20060102")+".xlsx", b)
		return
	}
	type org struct {
		OrgID      int64   `json:"org_id"`
		ParentID   int64   `json:"parent_id"`
		Name       string  `json:"name"`
		Depth      int     `json:"depth"`
		OwnMinutes int     `json:"own_minutes"`
		Minutes    int     `json:"minutes"`
		Hours      float64 `json:"hours"`
		Members    int     `json:"members"`
	}
	type com struct {
		CommunityID int64   `json:"community_id"`
		Name        string  `json:"name"`
		Minutes     int     `json:"minutes"`
		Hours       float64 `json:"hours"`
		Persons     int     `json:"persons"`
	}
	orgs := make([]org, 0, len(r.Orgs))
	for _, o := range r.Orgs {
		orgs = append(orgs, org{o.OrgID, o.ParentID, o.Name, o.Depth, o.OwnMinutes, o.Minutes, hours.Hours(o.Minutes), o.Members})
	}
	coms := make([]com, 0, len(r.Communities))
	for _, x := range r.Communities {
		coms = append(coms, com{x.CommunityID, x.Name, x.Minutes, hours.Hours(x.Minutes), x.Persons})
	}
	c.JSON(http.StatusOK, gin.H{"from": from.In(cst.Zone).Format("2006-01-02"), "to": to.In(cst.Zone).AddDate(0, 0, -1).Format("2006-01-02"),
		"total_minutes": r.TotalMinutes, "total_hours": hours.Hours(r.TotalMinutes), "entries": r.Entries,
		"persons": persons(r.Persons), "organizations": orgs, "communities": coms, "leaderboard": persons(r.Leaderboard)})
}
