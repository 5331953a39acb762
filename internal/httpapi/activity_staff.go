package httpapi

import (
	"context"
	"gongjian/internal/audit"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// ---- staff ----

// organizationReq is the body of a new organization:
// activity.OrganizationInput.
type organizationReq struct {
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	ParentID     int64   `json:"parent_id"`
	CommunityIDs []int64 `json:"community_ids"`
}

func (a *API) createOrganization(c *gin.Context) {
	var req organizationReq
	if u, ok := a.meWith(c, &req); ok {
		o, err := a.d.Activities.CreateOrganization(c.Request.Context(), u, activity.OrganizationInput(req))
		respond(c, http.StatusCreated, toOrgDTO(o), err)
	}
}

type sessionReq struct {
	StartsAt         *time.Time `json:"starts_at"`
	EndsAt           *time.Time `json:"ends_at"`
	Capacity         *int       `json:"capacity"`
	WaitlistCapacity *int       `json:"waitlist_capacity"`
}

func (s sessionReq) input(cur activity.SessionInput) activity.SessionInput {
	setIf(&cur.StartsAt, s.StartsAt)
	setIf(&cur.EndsAt, s.EndsAt)
	setIf(&cur.Capacity, s.Capacity)
	setIf(&cur.WaitlistCapacity, s.WaitlistCapacity)
	return cur
}

type eligibilityReq struct {
	CommunityOnly bool     `json:"community_only"`
	MinAge        int      `json:"min_age"`
	MaxAge        int      `json:"max_age"`
	Roles         []string `json:"roles"`
}

type activityReq struct {
	Title                 *string         `json:"title"`
	Category              *string         `json:"category"`
	Description           *string         `json:"description"`
	CommunityID           int64           `json:"community_id"`
	HostOrgID             int64           `json:"host_org_id"`
	Place                 *placeReq       `json:"place"`
	CoverURL              *string         `json:"cover_url"`
	SignupOpensAt         *time.Time      `json:"signup_opens_at"`
	SignupClosesAt        *time.Time      `json:"signup_closes_at"`
	CancelDeadlineMinutes *int            `json:"cancel_deadline_minutes"`
	PerAccountLimit       *int            `json:"per_account_limit"`
	Series                bool            `json:"series"`
	Popular               *bool           `json:"popular"`
	Eligibility           *eligibilityReq `json:"eligibility"`
	Questions             *[]questionReq  `json:"questions"`
	Sessions              []sessionReq    `json:"sessions"`
	// OpensAt and ClosesAt: the sign-up window as issue 3 names it
	// ("sign-up window (opens_at, closes_at)"); signup_* win when both are sent.
	OpensAt  *time.Time `json:"opens_at"`
	ClosesAt *time.Time `json:"closes_at"`
}

// placeReq is a place as sent: lat/lng, also spelled latitude/longitude
// (issue 3: "place (address, latitude, longitude)"); lat/lng win.
type placeReq struct {
	Address   string   `json:"address"`
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

func (p placeReq) place() activity.Place {
	out := activity.Place{Address: p.Address}
	setIf(&out.Lat, p.Latitude)
	setIf(&out.Lat, p.Lat)
	setIf(&out.Lng, p.Longitude)
	setIf(&out.Lng, p.Lng)
	return out
}

// window is the sign-up window under whichever name it was sent.
func (req activityReq) window() (opens, closes *time.Time) {
	opens, closes = req.SignupOpensAt, req.SignupClosesAt
	if opens == nil {
		opens = req.OpensAt
	}
	if closes == nil {
		closes = req.ClosesAt
	}
	return opens, closes
}

// questionReq is a question as sent. Issue 3 names "questions to answer
// (text/choice, required or not)" but not a question's keys: its text is
// also read as label, question, prompt or text, and its options as
// choices; title and options win when both are sent.
type questionReq struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Title    *string  `json:"title"`
	Label    *string  `json:"label"`
	Question *string  `json:"question"`
	Prompt   *string  `json:"prompt"`
	Text     *string  `json:"text"`
	Options  []string `json:"options"`
	Choices  []string `json:"choices"`
	Required bool     `json:"required"`
}

// title is the question's text under the first spelling sent.
func (q questionReq) title() string {
	for _, s := range []*string{q.Title, q.Label, q.Question, q.Prompt, q.Text} {
		if s != nil {
			return *s
		}
	}
	return ""
}

func questionsOf(qs []questionReq) []activity.Question {
	out := make([]activity.Question, 0, len(qs))
	for _, q := range qs {
		opts := q.Options
		if opts == nil {
			opts = q.Choices
		}
		out = append(out, activity.Question{ID: q.ID, Type: q.Type, Title: q.title(), Options: opts, Required: q.Required})
	}
	return out
}

// input is the activity the request describes.
func (req activityReq) input() activity.ActivityInput {
	in := activity.ActivityInput{CommunityID: req.CommunityID, HostOrgID: req.HostOrgID, Series: req.Series,
		Title: str(req.Title), Category: categoryWord(str(req.Category)), Description: str(req.Description), CoverURL: str(req.CoverURL)}
	if req.Place != nil {
		in.Place = req.Place.place()
	}
	opens, closes := req.window()
	setIf(&in.SignupOpensAt, opens)
	setIf(&in.SignupClosesAt, closes)
	setIf(&in.CancelDeadlineMinutes, req.CancelDeadlineMinutes)
	setIf(&in.PerAccountLimit, req.PerAccountLimit)
	setIf(&in.Popular, req.Popular)
	if e := req.Eligibility; e != nil {
		in.Eligibility = activity.Eligibility{CommunityOnly: e.CommunityOnly, MinAge: e.MinAge, MaxAge: e.MaxAge, Roles: e.Roles}
	}
	if req.Questions != nil {
		in.Questions = questionsOf(*req.Questions)
	}
	for _, s := range req.Sessions {
		in.Sessions = append(in.Sessions, s.input(activity.SessionInput{}))
	}
	return in
}

func (a *API) createActivity(c *gin.Context) {
	var req activityReq
	if u, ok := a.meWith(c, &req); ok {
		a.createActivityAs(c, u, req.input())
	}
}

// createActivityAs creates the activity in as actor and answers it as
// staff see it.
func (a *API) createActivityAs(c *gin.Context, actor resident.User, in activity.ActivityInput) {
	act, err := a.d.Activities.CreateActivity(c.Request.Context(), actor, in)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := a.d.Activities.AdminGet(c.Request.Context(), actor, act.ID)
	respond(c, http.StatusCreated, toStaffActivityDTO(v), err)
}

func (a *API) adminActivities(c *gin.Context) {
	var page, size int
	q := activity.AdminQuery{Status: c.Query("status"), Category: categoryQuery(c)}
	u, ok := a.meWith(c, pageParams(&page, &size, 20, 100), func(c *gin.Context) error {
		switch q.Status {
		case "", activity.StatusDraft, activity.StatusPublished, activity.StatusFinished, activity.StatusCancelled:
		default:
			return errs.Invalid("BAD_QUERY", "状态无效，请重新选择")
		}
		if q.Category != "" && activity.CategoryName(q.Category) == "" {
			return errs.Invalid("BAD_QUERY", "活动类别无效，请从列表中选择")
		}
		return nil
	}, communityParam(&q.CommunityID))
	if !ok {
		return
	}
	views, total, err := a.d.Activities.AdminList(c.Request.Context(), u, q, page, size)
	respond(c, http.StatusOK, pageOf(views, toStaffActivityDTO, total, page, size), err)
}

// toStaffActivityDTO shows an activity as staff see it.
func toStaffActivityDTO(v activity.ActivityView) activityDTO { return toActivityDTO(v, true) }

// staffActivity reads the path's activity id and the body (into body; nil:
// none), runs fn with them and the staff user, and answers with the
// activity as staff see it.
func (a *API) staffActivity(c *gin.Context, status int, body any, fn func(u resident.User, id int64) error) {
	u, id, ok := a.meAndWith(c, "id", body)
	if !ok {
		return
	}
	if fn != nil {
		if err := fn(u, id); err != nil {
			fail(c, err)
			return
		}
	}
	v, err := a.d.Activities.AdminGet(c.Request.Context(), u, id)
	respond(c, status, toStaffActivityDTO(v), err)
}

func (a *API) adminActivity(c *gin.Context) { a.staffActivity(c, http.StatusOK, nil, nil) }

func (a *API) updateActivity(c *gin.Context) {
	var req activityReq
	if !read(c, &req) {
		return
	}
	if req.CommunityID != 0 || req.HostOrgID != 0 || req.Series || len(req.Sessions) > 0 {
		fail(c, errs.Invalid("IMMUTABLE_FIELD", "社区、主办组织、系列活动和场次不能在这里修改（场次请用场次接口）"))
		return
	}
	opens, closes := req.window()
	if req.Category != nil {
		k := categoryWord(*req.Category)
		req.Category = &k
	}
	p := activity.ActivityPatch{Title: req.Title, Category: req.Category, Description: req.Description, CoverURL: req.CoverURL,
		SignupOpensAt: opens, SignupClosesAt: closes, CancelDeadlineMinutes: req.CancelDeadlineMinutes,
		PerAccountLimit: req.PerAccountLimit, Popular: req.Popular}
	if req.Place != nil {
		pl := req.Place.place()
		p.Place = &pl
	}
	if e := req.Eligibility; e != nil {
		p.Eligibility = &activity.Eligibility{CommunityOnly: e.CommunityOnly, MinAge: e.MinAge, MaxAge: e.MaxAge, Roles: e.Roles}
	}
	if req.Questions != nil {
		qs := questionsOf(*req.Questions)
		p.Questions = &qs
	}
	a.staffActivity(c, http.StatusOK, nil, func(u resident.User, id int64) error {
		_, err := a.d.Activities.UpdateActivity(c.Request.Context(), u, id, p)
		return err
	})
}

// activityStep moves the path's activity on a step (publish, finish) and
// answers it as staff see it.
func (a *API) activityStep(step func(context.Context, resident.User, int64) (activity.Activity, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		a.staffActivity(c, http.StatusOK, nil, func(u resident.User, id int64) error {
			_, err := step(c.Request.Context(), u, id)
			return err
		})
	}
}

// cancelActivity cancels an activity. The body is optional: without one,
// or without "reason", residents read activity.ActivityCancelled; a reason
// given must be 1–200 characters (REASON_REQUIRED), as before.
func (a *API) cancelActivity(c *gin.Context) {
	var req struct {
		Reason *string `json:"reason"`
	}
	a.staffActivity(c, http.StatusOK, optional(&req), func(u resident.User, id int64) error {
		reason := activity.ActivityCancelled
		if req.Reason != nil {
			reason = *req.Reason
		}
		_, _, err := a.d.Activities.CancelActivity(c.Request.Context(), u, id, reason)
		return err
	})
}

// cancelSession cancels one session (three spellings: POST
// /activities/:id/sessions/:session_id/cancel, DELETE
// /activities/:id/sessions/:session_id, POST /sessions/:id/cancel) and
// answers the activity as staff see it, as cancelActivity does. The
// reason is optional: in the body, or ?reason= (a DELETE has no body).
func (a *API) cancelSession(byActivity bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req reasonReq
		var aid, sid int64
		var u resident.User
		var ok bool
		if byActivity {
			u, aid, ok = a.meAndWith(c, "id", pathParam(&sid, "session_id"), optional(&req))
		} else {
			u, sid, ok = a.meAndWith(c, "id", optional(&req))
		}
		if !ok {
			return
		}
		if req.Reason == "" {
			req.Reason = c.Query("reason")
		}
		ctx := c.Request.Context()
		if !byActivity {
			var err error
			if aid, err = a.d.Activities.SessionActivity(ctx, sid); err != nil {
				fail(c, err)
				return
			}
		}
		_, _, already, err := a.d.Activities.CancelSession(ctx, u, aid, sid, req.Reason)
		if err != nil {
			fail(c, err)
			return
		}
		if already {
			// Cancelled before: nothing changed, nothing to record.
			audit.Discard(ctx)
		}
		v, err := a.d.Activities.AdminGet(ctx, u, aid)
		respond(c, http.StatusOK, toStaffActivityDTO(v), err)
	}
}

func (a *API) addSession(c *gin.Context) {
	var req sessionReq
	a.staffActivity(c, http.StatusCreated, &req, func(u resident.User, id int64) error {
		_, err := a.d.Activities.AddSession(c.Request.Context(), u, id, req.input(activity.SessionInput{}))
		return err
	})
}

// updateSession changes one session's times or capacities (two
// spellings: PATCH /activities/:id/sessions/:session_id, and the session's
// own path PATCH /sessions/:id, as its cancel has) and answers the session
// and how many were promoted.
func (a *API) updateSession(byActivity bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var sid, id int64
		var req sessionReq
		var u resident.User
		var ok bool
		if byActivity {
			u, id, ok = a.meAndWith(c, "id", pathParam(&sid, "session_id"), &req)
		} else {
			u, sid, ok = a.meAndWith(c, "id", &req)
		}
		if !ok {
			return
		}
		if !byActivity {
			var err error
			if id, err = a.d.Activities.SessionActivity(c.Request.Context(), sid); err != nil {
				fail(c, err)
				return
			}
		}
		a.updateSessionOf(c, u, id, sid, req)
	}
}

func (a *API) updateSessionOf(c *gin.Context, u resident.User, id, sid int64, req sessionReq) {
	cur, err := a.d.Activities.AdminGet(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	var base activity.SessionInput
	for _, s := range cur.Sessions {
		if s.ID == sid {
			base = activity.SessionInput{StartsAt: s.StartsAt, EndsAt: s.EndsAt, Capacity: s.Session.Capacity, WaitlistCapacity: s.Session.WaitlistCapacity}
		}
	}
	ss, regs, err := a.d.Activities.UpdateSession(c.Request.Context(), u, id, sid, req.input(base))
	if err != nil {
		fail(c, err)
		return
	}
	promoted := len(regs)
	v, err := a.d.Activities.AdminGet(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	for _, s := range toStaffActivityDTO(v).Sessions {
		if s.ID == ss.ID {
			c.JSON(http.StatusOK, gin.H{"session": s, "promoted": promoted})
			return
		}
	}
	fail(c, errs.NotFound("SESSION_NOT_FOUND", "场次不存在"))
}

func (a *API) activityRegistrations(c *gin.Context) {
	// ?format=xlsx is the export (GET …/registrations/export), as the
	// other lists that export take it.
	var xlsx bool
	if !read(c, formatParam(&xlsx)) {
		return
	}
	if xlsx {
		a.exportRegistrations(c)
		return
	}
	var req page.Request
	var f activity.RegistrationFilter
	if u, id, ok := a.meAndWith(c, "id", keysetParam(&req, 50), registrationFilter(&f)); ok {
		rs, next, err := a.d.Activities.ActivityRegistrations(c.Request.Context(), u, id, f, req)
		respond(c, http.StatusOK, cursorPage(dtos(rs, toStaffRegistrationDTO), next, req.Limit), err)
	}
}

// registrationFilter reads the registrations lists' common filters into
// *f: status, session_id, checked_in, no_show.
func registrationFilter(f *activity.RegistrationFilter) fromRequest {
	return func(c *gin.Context) (err error) {
		f.Status = c.Query("status")
		switch f.Status { // the issues' own words for two of them
		case "waitlist":
			f.Status = activity.RegWaitlisted
		case "canceled":
			f.Status = activity.RegCancelled
		}
		switch f.Status {
		case "", activity.RegConfirmed, activity.RegWaitlisted, activity.RegCancelled:
		default:
			return errs.Invalid("BAD_QUERY", "状态无效，请选择已报名、候补中或已取消")
		}
		if f.SessionID, err = queryID(c, "session_id"); err != nil {
			return err
		}
		// The check-in state (issue 17 point 5): checked_in=true|false.
		if c.Query("checked_in") != "" {
			b, err := queryBool(c, "checked_in")
			if err != nil {
				return err
			}
			f.CheckedIn = &b
		}
		if c.Query("no_show") == "" {
			return nil
		}
		b, err := queryBool(c, "no_show")
		f.NoShow = &b
		return err
	}
}

// errStaffAttendees: a hand-made sign-up named its attendees twice
// (dependent_id and attendees).
var errStaffAttendees = errs.Invalid("INVALID_ATTENDEES", "请选择报名人：本人或家庭成员，只需填写一种").With("field", "attendees")

func (a *API) addRegistration(c *gin.Context) {
	var req struct {
		SessionID   int64             `json:"session_id"`
		UserID      int64             `json:"user_id"`
		DependentID int64             `json:"dependent_id"`
		Answers     map[string]string `json:"answers"`
		Reason      string            `json:"reason"`
		// Attendees: the resident sign-up's words for whom it is for
		// (issue 3), instead of dependent_id.
		Attendees []attendeeReq `json:"attendees"`
	}
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	key := c.GetHeader("Idempotency-Key")
	if key != "" {
		key = "staff-" + key
	}
	in := activity.RegisterInput{UserID: req.UserID, SessionID: req.SessionID, Answers: req.Answers, Reason: req.Reason, IdemKey: key,
		Attendees: []activity.AttendeeRef{{Self: req.DependentID == 0, DependentID: req.DependentID}}}
	if req.Attendees != nil {
		if req.DependentID != 0 {
			fail(c, errStaffAttendees)
			return
		}
		in.Attendees = make([]activity.AttendeeRef, 0, len(req.Attendees))
		for _, at := range req.Attendees {
			in.Attendees = append(in.Attendees, activity.AttendeeRef{Self: at.Self, DependentID: at.DependentID})
		}
	}
	res, err := a.d.Activities.AddByStaff(c.Request.Context(), u, id, in)
	writeRegistered(c, res, err)
}

func (a *API) exportRegistrations(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	name, write, err := a.d.Activities.Export(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	// The list names and reaches people: its registration.export entry
	// is written before anything is sent.
	if a.d.Audit != nil {
		if err := a.d.Audit.Record(c.Request.Context()); err != nil {
			fail(c, err)
			return
		}
	}
	if err := streamXLSX(c, name, write); err != nil {
		logger(c).Warn("export failed while sending", slog.Int64("activity_id", id), slog.String("err", err.Error()))
		panic(http.ErrAbortHandler)
	}
}

// streamXLSX sends the workbook named name that write streams. The rows
// are read a batch at a time and written to the client as they come: a
// failure before anything is written (reading the first batch) is
// answered as the JSON error; a later one is returned, and the caller
// ends the response early (a truncated file the client cannot open).
func streamXLSX(c *gin.Context, name string, write func(io.Writer) error) error {
	c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	c.Header("Content-Type", xlsxType)
	c.Status(http.StatusOK)
	if err := write(c.Writer); err != nil {
		if !c.Writer.Written() {
			// Nothing sent yet: the answer is the JSON error, without the
			// workbook's headers (an empty value deletes the header).
			c.Header("Content-Disposition", "")
			c.Header("Content-Type", "")
			fail(c, err)
			return nil
		}
		return err
	}
	return nil
}

func (a *API) markNoShow(c *gin.Context) {
	var req struct {
		NoShow *bool `json:"no_show"`
	}
	u, id, ok := a.meAndWith(c, "id", optional(&req))
	if !ok {
		return
	}
	if req.NoShow == nil {
		if c.Request.ContentLength != 0 {
			fail(c, errs.Invalid("INVALID_NO_SHOW", "请选择是否未到场"))
			return
		}
		// No body: the request marks the no-show, as its path says.
		yes := true
		req.NoShow = &yes
	}
	r, err := a.d.Activities.MarkNoShow(c.Request.Context(), u, id, *req.NoShow)
	respond(c, http.StatusOK, gin.H{"id": r.ID, "no_show": r.NoShow, "status": r.Status}, err)
}

func (a *API) reconcile(c *gin.Context) {
	rep, err := a.d.Activities.Reconcile(c.Request.Context())
	respond(c, http.StatusOK, gin.H{"checked": rep.Checked, "busy": rep.Busy, "drift": rep.Drift, "seats": rep.Seats}, err)
}

// categoryWord is the key of the category s names by its key, Chinese name
// or words (activity.CategoryKey); s itself when it names none, for the
// service to refuse as before.
func categoryWord(s string) string {
	if k := activity.CategoryKey(s); k != "" {
		return k
	}
	return s
}

// categoryQuery reads a list's ?category= as categoryWord does.
func categoryQuery(c *gin.Context) string { return categoryWord(c.Query("category")) }
