package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

func (a *API) mountActivity(v1, authed *gin.RouterGroup) {
	v1.GET("/activities", a.listActivities)
	v1.GET("/activities/:id", a.optionalAuth, a.getActivity)

	regLimit := a.registrationLimit()
	authed.POST("/registrations", regLimit, a.register)
	authed.GET("/registrations/:id", a.getRegistration)
	authed.POST("/registrations/:id/cancel", regLimit, a.cancelRegistration)
	authed.GET("/me/registrations", a.myRegistrations)
	authed.GET("/me/no-shows", a.myNoShows)

	staff := authed.Group("/admin", a.requireStaff)
	staff.GET("/organizations", a.listOrganizations)
	staff.POST("/organizations", a.createOrganization)
	staff.GET("/activities", a.adminActivities)
	staff.POST("/activities", a.createActivity)
	staff.GET("/activities/:id", a.adminActivity)
	staff.PATCH("/activities/:id", a.updateActivity)
	staff.POST("/activities/:id/publish", a.publishActivity)
	staff.POST("/activities/:id/finish", a.finishActivity)
	staff.POST("/activities/:id/cancel", a.cancelActivity)
	staff.POST("/activities/:id/sessions", a.addSession)
	staff.PATCH("/activities/:id/sessions/:session_id", a.updateSession)
	staff.GET("/activities/:id/registrations", a.activityRegistrations)
	staff.POST("/activities/:id/registrations", a.addRegistration)
	staff.GET("/activities/:id/registrations/export", a.exportRegistrations)
	staff.POST("/registrations/:id/remove", a.removeRegistration)
	staff.POST("/registrations/:id/no-show", a.markNoShow)
	staff.POST("/quota/reconcile", a.requireAdmin, a.reconcile)
}

// optionalAuth identifies the caller when a valid token is sent; anonymous otherwise.
func (a *API) optionalAuth(c *gin.Context) {
	if token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok && token != "" {
		if uid, err := a.d.Auth.Verify(token); err == nil {
			c.Set(ctxUserID, uid)
		}
	}
	c.Next()
}

// ---- DTOs ----

type placeDTO struct {
	Address string  `json:"address"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
}

type eligibilityDTO struct {
	CommunityOnly bool     `json:"community_only"`
	MinAge        int      `json:"min_age"`
	MaxAge        int      `json:"max_age"`
	Roles         []string `json:"roles"`
}

type questionDTO struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
}

type sessionDTO struct {
	ID                int64     `json:"id"`
	StartsAt          time.Time `json:"starts_at"`
	EndsAt            time.Time `json:"ends_at"`
	Capacity          int       `json:"capacity"`
	WaitlistCapacity  int       `json:"waitlist_capacity"`
	Remaining         int       `json:"remaining"`
	WaitlistRemaining int       `json:"waitlist_remaining"`
	Confirmed         *int      `json:"confirmed,omitempty"`
	Waitlisted        *int      `json:"waitlisted,omitempty"`
}

type activityItemDTO struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	Category       string    `json:"category"`
	CategoryName   string    `json:"category_name"`
	Status         string    `json:"status"`
	CommunityID    int64     `json:"community_id"`
	HostOrgID      int64     `json:"host_org_id"`
	HostOrgName    string    `json:"host_org_name"`
	Place          placeDTO  `json:"place"`
	CoverURL       string    `json:"cover_url"`
	SignupOpensAt  time.Time `json:"signup_opens_at"`
	SignupClosesAt time.Time `json:"signup_closes_at"`
	NextStartsAt   time.Time `json:"next_starts_at"`
	SessionsCount  int       `json:"sessions_count"`
	Remaining      int       `json:"remaining"`
	Series         bool      `json:"series"`
	Popular        bool      `json:"popular"`
}

type activityDTO struct {
	activityItemDTO
	Description           string         `json:"description"`
	CancelDeadlineMinutes int            `json:"cancel_deadline_minutes"`
	PerAccountLimit       int            `json:"per_account_limit"`
	Eligibility           eligibilityDTO `json:"eligibility"`
	Questions             []questionDTO  `json:"questions"`
	Sessions              []sessionDTO   `json:"sessions"`
	CancelReason          string         `json:"cancel_reason,omitempty"`
}

func toItemDTO(v activity.ActivityView) activityItemDTO {
	return activityItemDTO{
		ID: v.ID, Title: v.Title, Category: v.Category, CategoryName: activity.CategoryName(v.Category), Status: v.Status,
		CommunityID: v.CommunityID, HostOrgID: v.HostOrgID, HostOrgName: v.HostOrgName,
		Place:    placeDTO{Address: v.Place.Address, Lat: v.Place.Lat, Lng: v.Place.Lng},
		CoverURL: v.CoverURL, SignupOpensAt: v.SignupOpensAt, SignupClosesAt: v.SignupClosesAt, NextStartsAt: v.NextStartsAt,
		SessionsCount: len(v.Sessions), Remaining: v.Remaining, Series: v.Series, Popular: v.Popular,
	}
}

func toActivityDTO(v activity.ActivityView, staff bool) activityDTO {
	d := activityDTO{activityItemDTO: toItemDTO(v), Description: v.Description, CancelDeadlineMinutes: v.CancelDeadlineMinutes,
		PerAccountLimit: v.PerAccountLimit, CancelReason: v.CancelReason,
		Eligibility: eligibilityDTO{CommunityOnly: v.Eligibility.CommunityOnly, MinAge: v.Eligibility.MinAge, MaxAge: v.Eligibility.MaxAge, Roles: v.Eligibility.Roles},
		Questions:   []questionDTO{}, Sessions: []sessionDTO{}}
	if d.Eligibility.Roles == nil {
		d.Eligibility.Roles = []string{}
	}
	for _, q := range v.Questions {
		opts := q.Options
		if opts == nil {
			opts = []string{}
		}
		d.Questions = append(d.Questions, questionDTO{ID: q.ID, Type: q.Type, Title: q.Title, Options: opts, Required: q.Required})
	}
	for _, s := range v.Sessions {
		sd := sessionDTO{ID: s.ID, StartsAt: s.StartsAt, EndsAt: s.EndsAt, Capacity: s.Session.Capacity, WaitlistCapacity: s.Session.WaitlistCapacity,
			Remaining: s.Remaining(), WaitlistRemaining: s.WaitlistRemaining()}
		if staff {
			c, w := s.Confirmed, s.Waitlisted
			sd.Confirmed, sd.Waitlisted = &c, &w
		}
		d.Sessions = append(d.Sessions, sd)
	}
	return d
}

type attendeeDTO struct {
	Self        bool   `json:"self"`
	DependentID *int64 `json:"dependent_id"`
	Name        string `json:"name"`
}

func toAttendee(r activity.Registration, name string) attendeeDTO {
	d := attendeeDTO{Self: r.DependentID == 0, Name: name}
	if r.DependentID != 0 {
		id := r.DependentID
		d.DependentID = &id
	}
	return d
}

type registrationDTO struct {
	ID               int64       `json:"id"`
	ActivityID       int64       `json:"activity_id"`
	SessionID        int64       `json:"session_id"`
	Attendee         attendeeDTO `json:"attendee"`
	Status           string      `json:"status"`
	WaitlistPosition *int        `json:"waitlist_position"`
}

func toRegistrationDTO(r activity.Registration) registrationDTO {
	d := registrationDTO{ID: r.ID, ActivityID: r.ActivityID, SessionID: r.SessionID, Attendee: toAttendee(r, r.AttendeeName), Status: r.Status}
	if r.Status == activity.RegWaitlisted {
		p := r.WaitlistPosition
		d.WaitlistPosition = &p
	}
	return d
}

type myRegistrationDTO struct {
	registrationDTO
	ActivityTitle  string            `json:"activity_title"`
	Category       string            `json:"category"`
	ActivityStatus string            `json:"activity_status"`
	StartsAt       time.Time         `json:"starts_at"`
	EndsAt         time.Time         `json:"ends_at"`
	Place          placeDTO          `json:"place"`
	Answers        map[string]string `json:"answers"`
	NoShow         bool              `json:"no_show"`
	CheckedInAt    *time.Time        `json:"checked_in_at"`
	CancelReason   string            `json:"cancel_reason,omitempty"`
	CancelDeadline time.Time         `json:"cancel_deadline"`
	CreatedAt      time.Time         `json:"created_at"`
}

func toMyRegistrationDTO(d activity.RegistrationDetail) myRegistrationDTO {
	r := d.Registration
	answers := r.Answers
	if answers == nil {
		answers = map[string]string{}
	}
	return myRegistrationDTO{
		registrationDTO: toRegistrationDTO(r), ActivityTitle: d.Activity.Title, Category: d.Activity.Category, ActivityStatus: d.Activity.Status,
		StartsAt: d.Session.StartsAt, EndsAt: d.Session.EndsAt,
		Place:   placeDTO{Address: d.Activity.Place.Address, Lat: d.Activity.Place.Lat, Lng: d.Activity.Place.Lng},
		Answers: answers, NoShow: r.NoShow, CheckedInAt: r.CheckedInAt, CancelReason: r.CancelReason,
		CancelDeadline: activity.CancelDeadline(&d.Activity, d.Session), CreatedAt: r.CreatedAt,
	}
}

type staffRegistrationDTO struct {
	myRegistrationDTO
	UserID      int64  `json:"user_id"`
	Phone       string `json:"phone"`
	PhoneMasked string `json:"phone_masked"`
	Source      string `json:"source"`
	Reason      string `json:"reason,omitempty"`
}

func toStaffRegistrationDTO(s activity.StaffRegistration) staffRegistrationDTO {
	d := staffRegistrationDTO{myRegistrationDTO: toMyRegistrationDTO(s.RegistrationDetail), UserID: s.Registration.UserID,
		Phone: s.Phone, PhoneMasked: s.Registration.PhoneMasked, Source: s.Registration.Source, Reason: s.Registration.Reason}
	d.Attendee.Name = s.Name
	return d
}

type orgDTO struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	ParentID     *int64    `json:"parent_id"`
	CommunityIDs []int64   `json:"community_ids"`
	CreatedAt    time.Time `json:"created_at"`
}

func toOrgDTO(o activity.Organization) orgDTO {
	d := orgDTO{ID: o.ID, Name: o.Name, Type: o.Type, CommunityIDs: o.CommunityIDs, CreatedAt: o.CreatedAt}
	if d.CommunityIDs == nil {
		d.CommunityIDs = []int64{}
	}
	if o.ParentID != 0 {
		p := o.ParentID
		d.ParentID = &p
	}
	return d
}

type pageDTO[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

func paging(c *gin.Context, defSize, maxSize int) (int, int, error) {
	page, err := queryInt(c, "page", 1, 1, 100000)
	if err != nil {
		return 0, 0, err
	}
	size, err := queryInt(c, "page_size", defSize, 1, maxSize)
	return page, size, err
}

func queryTime(c *gin.Context, name string, endOfDay bool) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(dateLayout, s, time.FixedZone("CST", 8*3600))
	if err != nil {
		return time.Time{}, errs.Invalid("BAD_QUERY", "参数 "+name+" 应为日期（2026-12-01）或 RFC 3339 时间")
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func queryBool(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errs.Invalid("BAD_QUERY", "参数 "+name+" 应为 true 或 false")
}

// ---- residents ----

func (a *API) listActivities(c *gin.Context) {
	var q activity.ListQuery
	var err error
	if q.Page, q.PageSize, err = paging(c, 20, 50); err != nil {
		fail(c, err)
		return
	}
	q.Category = c.Query("category")
	if q.Category != "" && activity.CategoryName(q.Category) == "" {
		fail(c, errs.Invalid("BAD_QUERY", "参数 category 无效"))
		return
	}
	if q.CommunityID, err = queryID(c, "community_id"); err != nil {
		fail(c, err)
		return
	}
	if q.From, err = queryTime(c, "from", false); err != nil {
		fail(c, err)
		return
	}
	if q.To, err = queryTime(c, "to", true); err != nil {
		fail(c, err)
		return
	}
	if q.HasSeats, err = queryBool(c, "has_seats"); err != nil {
		fail(c, err)
		return
	}
	views, total, err := a.d.Activities.List(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]activityItemDTO, 0, len(views))
	for _, v := range views {
		items = append(items, toItemDTO(v))
	}
	c.JSON(http.StatusOK, pageDTO[activityItemDTO]{Items: items, Total: total, Page: q.Page, PageSize: q.PageSize})
}

func (a *API) getActivity(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var viewer *resident.User
	if userID(c) != 0 {
		if u, err := a.currentUser(c); err == nil {
			viewer = &u
		}
	}
	v, err := a.d.Activities.Get(c.Request.Context(), id, viewer)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toActivityDTO(v, false))
}

type attendeeReq struct {
	Self        bool  `json:"self"`
	DependentID int64 `json:"dependent_id"`
}

func (a *API) register(c *gin.Context) {
	var req struct {
		SessionID int64             `json:"session_id"`
		Attendees []attendeeReq     `json:"attendees"`
		Answers   map[string]string `json:"answers"`
	}
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		fail(c, errs.Invalid("IDEMPOTENCY_KEY_REQUIRED", "缺少请求编号（Idempotency-Key），请更新小程序后重试"))
		return
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	in := activity.RegisterInput{UserID: userID(c), SessionID: req.SessionID, Answers: req.Answers, IdemKey: key}
	for _, at := range req.Attendees {
		in.Attendees = append(in.Attendees, activity.AttendeeRef{Self: at.Self, DependentID: at.DependentID})
	}
	res, err := a.signups.Register(c.Request.Context(), in)
	if err != nil {
		fail(c, err)
		return
	}
	writeRegistered(c, res)
}

type registeredDTO struct {
	Registrations []registrationDTO `json:"registrations"`
}

func writeRegistered(c *gin.Context, res activity.RegisterResult) {
	out := make([]registrationDTO, 0, len(res.Registrations))
	for _, r := range res.Registrations {
		out = append(out, toRegistrationDTO(r))
	}
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(http.StatusCreated, registeredDTO{Registrations: out})
}

func (a *API) getRegistration(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	d, err := a.d.Activities.MyRegistration(c.Request.Context(), userID(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMyRegistrationDTO(d))
}

func cancelledDTO(res activity.CancelResult) gin.H {
	out := make([]registrationDTO, 0, len(res.Cancelled))
	for _, r := range res.Cancelled {
		r.Status = activity.RegCancelled
		out = append(out, toRegistrationDTO(r))
	}
	return gin.H{"cancelled": out, "promoted": len(res.Promoted)}
}

func (a *API) cancelRegistration(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	res, err := a.d.Activities.Cancel(c.Request.Context(), userID(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cancelledDTO(res))
}

func (a *API) myRegistrations(c *gin.Context) {
	scope := c.DefaultQuery("scope", "upcoming")
	if scope != "upcoming" && scope != "past" {
		fail(c, errs.Invalid("BAD_QUERY", "参数 scope 只能是 upcoming 或 past"))
		return
	}
	page, size, err := paging(c, 20, 100)
	if err != nil {
		fail(c, err)
		return
	}
	ds, total, err := a.d.Activities.MyRegistrations(c.Request.Context(), userID(c), scope == "upcoming", page, size)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]myRegistrationDTO, 0, len(ds))
	for _, d := range ds {
		items = append(items, toMyRegistrationDTO(d))
	}
	c.JSON(http.StatusOK, pageDTO[myRegistrationDTO]{Items: items, Total: total, Page: page, PageSize: size})
}

func (a *API) myNoShows(c *gin.Context) {
	st, err := a.d.Activities.NoShowStatus(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, err)
		return
	}
	out := gin.H{
		"no_shows": st.NoShows, "count": len(st.NoShows), "suspended": !st.SuspendedUntil.IsZero(),
		"policy": gin.H{"strikes": st.Policy.Strikes, "window_days": int(st.Policy.Window / (24 * time.Hour)), "suspension_days": int(st.Policy.Suspension / (24 * time.Hour))},
	}
	if st.NoShows == nil {
		out["no_shows"] = []time.Time{}
	}
	if !st.SuspendedUntil.IsZero() {
		out["suspended_until"] = st.SuspendedUntil
		out["reason"] = "报名后未到场" + strconv.Itoa(len(st.NoShows)) + "次，暂停报名热门活动至 " + activity.FormatTime(st.SuspendedUntil)
	}
	c.JSON(http.StatusOK, out)
}

// ---- staff ----

func (a *API) listOrganizations(c *gin.Context) {
	os, err := a.d.Activities.Organizations(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]orgDTO, 0, len(os))
	for _, o := range os {
		items = append(items, toOrgDTO(o))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) createOrganization(c *gin.Context) {
	var req struct {
		Name         string  `json:"name"`
		Type         string  `json:"type"`
		ParentID     int64   `json:"parent_id"`
		CommunityIDs []int64 `json:"community_ids"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, _ := a.currentUser(c)
	o, err := a.d.Activities.CreateOrganization(c.Request.Context(), u, activity.OrganizationInput{
		Name: req.Name, Type: req.Type, ParentID: req.ParentID, CommunityIDs: req.CommunityIDs,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toOrgDTO(o))
}

type sessionReq struct {
	StartsAt         *time.Time `json:"starts_at"`
	EndsAt           *time.Time `json:"ends_at"`
	Capacity         *int       `json:"capacity"`
	WaitlistCapacity *int       `json:"waitlist_capacity"`
}

func (s sessionReq) input(cur activity.SessionInput) activity.SessionInput {
	if s.StartsAt != nil {
		cur.StartsAt = *s.StartsAt
	}
	if s.EndsAt != nil {
		cur.EndsAt = *s.EndsAt
	}
	if s.Capacity != nil {
		cur.Capacity = *s.Capacity
	}
	if s.WaitlistCapacity != nil {
		cur.WaitlistCapacity = *s.WaitlistCapacity
	}
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
	Place                 *placeDTO       `json:"place"`
	CoverURL              *string         `json:"cover_url"`
	SignupOpensAt         *time.Time      `json:"signup_opens_at"`
	SignupClosesAt        *time.Time      `json:"signup_closes_at"`
	CancelDeadlineMinutes *int            `json:"cancel_deadline_minutes"`
	PerAccountLimit       *int            `json:"per_account_limit"`
	Series                bool            `json:"series"`
	Popular               *bool           `json:"popular"`
	Eligibility           *eligibilityReq `json:"eligibility"`
	Questions             *[]questionDTO  `json:"questions"`
	Sessions              []sessionReq    `json:"sessions"`
}

func questionsOf(qs []questionDTO) []activity.Question {
	out := make([]activity.Question, 0, len(qs))
	for _, q := range qs {
		out = append(out, activity.Question{ID: q.ID, Type: q.Type, Title: q.Title, Options: q.Options, Required: q.Required})
	}
	return out
}

func (a *API) createActivity(c *gin.Context) {
	var req activityReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	in := activity.ActivityInput{CommunityID: req.CommunityID, HostOrgID: req.HostOrgID, Series: req.Series,
		Title: str(req.Title), Category: str(req.Category), Description: str(req.Description), CoverURL: str(req.CoverURL)}
	if req.Place != nil {
		in.Place = activity.Place{Address: req.Place.Address, Lat: req.Place.Lat, Lng: req.Place.Lng}
	}
	if req.SignupOpensAt != nil {
		in.SignupOpensAt = *req.SignupOpensAt
	}
	if req.SignupClosesAt != nil {
		in.SignupClosesAt = *req.SignupClosesAt
	}
	if req.CancelDeadlineMinutes != nil {
		in.CancelDeadlineMinutes = *req.CancelDeadlineMinutes
	}
	if req.PerAccountLimit != nil {
		in.PerAccountLimit = *req.PerAccountLimit
	}
	if req.Popular != nil {
		in.Popular = *req.Popular
	}
	if e := req.Eligibility; e != nil {
		in.Eligibility = activity.Eligibility{CommunityOnly: e.CommunityOnly, MinAge: e.MinAge, MaxAge: e.MaxAge, Roles: e.Roles}
	}
	if req.Questions != nil {
		in.Questions = questionsOf(*req.Questions)
	}
	for _, s := range req.Sessions {
		in.Sessions = append(in.Sessions, s.input(activity.SessionInput{}))
	}
	u, _ := a.currentUser(c)
	act, err := a.d.Activities.CreateActivity(c.Request.Context(), u, in)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := a.d.Activities.AdminGet(c.Request.Context(), u, act.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toActivityDTO(v, true))
}

func (a *API) adminActivities(c *gin.Context) {
	page, size, err := paging(c, 20, 100)
	if err != nil {
		fail(c, err)
		return
	}
	status := c.Query("status")
	switch status {
	case "", activity.StatusDraft, activity.StatusPublished, activity.StatusFinished, activity.StatusCancelled:
	default:
		fail(c, errs.Invalid("BAD_QUERY", "参数 status 无效"))
		return
	}
	u, _ := a.currentUser(c)
	views, total, err := a.d.Activities.AdminList(c.Request.Context(), u, status, page, size)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]activityDTO, 0, len(views))
	for _, v := range views {
		items = append(items, toActivityDTO(v, true))
	}
	c.JSON(http.StatusOK, pageDTO[activityDTO]{Items: items, Total: total, Page: page, PageSize: size})
}

// staffActivity runs fn with the path's activity id and the staff user, and
// answers with the activity as staff see it.
func (a *API) staffActivity(c *gin.Context, status int, fn func(u resident.User, id int64) error) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	u, _ := a.currentUser(c)
	if fn != nil {
		if err := fn(u, id); err != nil {
			fail(c, err)
			return
		}
	}
	v, err := a.d.Activities.AdminGet(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, toActivityDTO(v, true))
}

func (a *API) adminActivity(c *gin.Context) { a.staffActivity(c, http.StatusOK, nil) }

func (a *API) updateActivity(c *gin.Context) {
	var req activityReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.CommunityID != 0 || req.HostOrgID != 0 || req.Series || len(req.Sessions) > 0 {
		fail(c, errs.Invalid("IMMUTABLE_FIELD", "社区、主办组织、系列活动和场次不能在这里修改（场次请用场次接口）"))
		return
	}
	p := activity.ActivityPatch{Title: req.Title, Category: req.Category, Description: req.Description, CoverURL: req.CoverURL,
		SignupOpensAt: req.SignupOpensAt, SignupClosesAt: req.SignupClosesAt, CancelDeadlineMinutes: req.CancelDeadlineMinutes,
		PerAccountLimit: req.PerAccountLimit, Popular: req.Popular}
	if req.Place != nil {
		p.Place = &activity.Place{Address: req.Place.Address, Lat: req.Place.Lat, Lng: req.Place.Lng}
	}
	if e := req.Eligibility; e != nil {
		p.Eligibility = &activity.Eligibility{CommunityOnly: e.CommunityOnly, MinAge: e.MinAge, MaxAge: e.MaxAge, Roles: e.Roles}
	}
	if req.Questions != nil {
		qs := questionsOf(*req.Questions)
		p.Questions = &qs
	}
	a.staffActivity(c, http.StatusOK, func(u resident.User, id int64) error {
		_, err := a.d.Activities.UpdateActivity(c.Request.Context(), u, id, p)
		return err
	})
}

func (a *API) publishActivity(c *gin.Context) {
	a.staffActivity(c, http.StatusOK, func(u resident.User, id int64) error {
		_, err := a.d.Activities.Publish(c.Request.Context(), u, id)
		return err
	})
}

func (a *API) finishActivity(c *gin.Context) {
	a.staffActivity(c, http.StatusOK, func(u resident.User, id int64) error {
		_, err := a.d.Activities.Finish(c.Request.Context(), u, id)
		return err
	})
}

func (a *API) cancelActivity(c *gin.Context) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	a.staffActivity(c, http.StatusOK, func(u resident.User, id int64) error {
		_, _, err := a.d.Activities.CancelActivity(c.Request.Context(), u, id, req.Reason)
		return err
	})
}

func (a *API) addSession(c *gin.Context) {
	var req sessionReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	a.staffActivity(c, http.StatusCreated, func(u resident.User, id int64) error {
		_, err := a.d.Activities.AddSession(c.Request.Context(), u, id, req.input(activity.SessionInput{}))
		return err
	})
}

func (a *API) updateSession(c *gin.Context) {
	sid, err := pathID(c, "session_id")
	if err != nil {
		fail(c, err)
		return
	}
	var req sessionReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	var promoted int
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	u, _ := a.currentUser(c)
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
	promoted = len(regs)
	v, err := a.d.Activities.AdminGet(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	for _, s := range toActivityDTO(v, true).Sessions {
		if s.ID == ss.ID {
			c.JSON(http.StatusOK, gin.H{"session": s, "promoted": promoted})
			return
		}
	}
	fail(c, errs.NotFound("SESSION_NOT_FOUND", "场次不存在"))
}

func (a *API) activityRegistrations(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	page, size, err := paging(c, 200, 1000)
	if err != nil {
		fail(c, err)
		return
	}
	f := activity.RegistrationFilter{Page: page, PageSize: size, Status: c.Query("status")}
	switch f.Status {
	case "", activity.RegConfirmed, activity.RegWaitlisted, activity.RegCancelled:
	default:
		fail(c, errs.Invalid("BAD_QUERY", "参数 status 只能是 confirmed、waitlisted 或 cancelled"))
		return
	}
	if f.SessionID, err = queryID(c, "session_id"); err != nil {
		fail(c, err)
		return
	}
	if c.Query("no_show") != "" {
		b, err := queryBool(c, "no_show")
		if err != nil {
			fail(c, err)
			return
		}
		f.NoShow = &b
	}
	u, _ := a.currentUser(c)
	rs, total, err := a.d.Activities.ActivityRegistrations(c.Request.Context(), u, id, f)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]staffRegistrationDTO, 0, len(rs))
	for _, r := range rs {
		items = append(items, toStaffRegistrationDTO(r))
	}
	c.JSON(http.StatusOK, pageDTO[staffRegistrationDTO]{Items: items, Total: total, Page: page, PageSize: size})
}

func (a *API) addRegistration(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		SessionID   int64             `json:"session_id"`
		UserID      int64             `json:"user_id"`
		DependentID int64             `json:"dependent_id"`
		Answers     map[string]string `json:"answers"`
		Reason      string            `json:"reason"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	key := c.GetHeader("Idempotency-Key")
	if key != "" {
		key = "staff-" + key
	}
	u, _ := a.currentUser(c)
	in := activity.RegisterInput{UserID: req.UserID, SessionID: req.SessionID, Answers: req.Answers, Reason: req.Reason, IdemKey: key,
		Attendees: []activity.AttendeeRef{{Self: req.DependentID == 0, DependentID: req.DependentID}}}
	res, err := a.d.Activities.AddByStaff(c.Request.Context(), u, id, in)
	if err != nil {
		fail(c, err)
		return
	}
	writeRegistered(c, res)
}

func (a *API) exportRegistrations(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	u, _ := a.currentUser(c)
	name, data, err := a.d.Activities.Export(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

func (a *API) removeRegistration(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, _ := a.currentUser(c)
	res, err := a.d.Activities.Remove(c.Request.Context(), u, id, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cancelledDTO(res))
}

func (a *API) markNoShow(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		NoShow *bool `json:"no_show"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.NoShow == nil {
		fail(c, errs.Invalid("INVALID_NO_SHOW", "请说明是否未到场（no_show: true/false）"))
		return
	}
	u, _ := a.currentUser(c)
	r, err := a.d.Activities.MarkNoShow(c.Request.Context(), u, id, *req.NoShow)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": r.ID, "no_show": r.NoShow, "status": r.Status})
}

func (a *API) reconcile(c *gin.Context) {
	rep, err := a.d.Activities.Reconcile(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"checked": rep.Checked, "busy": rep.Busy, "drift": rep.Drift, "seats": rep.Seats})
}
