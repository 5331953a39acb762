package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

// ---- residents ----

func (a *API) listActivities(c *gin.Context) {
	var q activity.ListQuery
	category := func(c *gin.Context) error {
		q.Category = categoryQuery(c)
		if q.Category != "" && activity.CategoryName(q.Category) == "" {
			return errs.Invalid("BAD_QUERY", "活动类别无效，请从列表中选择")
		}
		return nil
	}
	// The issue names the filters (community, date range, has seats) but
	// not their spellings: each answers to the reasonable ones.
	community := func(name string) fromRequest { return param(&q.CommunityID, queryID, name) }
	from := func(name string) fromRequest { return timeParam(&q.From, name, false) }
	to := func(name string) fromRequest { return timeParam(&q.To, name, true) }
	if read(c, pageParams(&q.Page, &q.PageSize, 20, page.MaxLimit), category, spelledAs(community, "community_id", "community"),
		spelledAs(from, "from", "date_from", "start_date", "starts_after"), spelledAs(to, "to", "date_to", "end_date", "starts_before"),
		spelledAs(func(name string) fromRequest { return param(&q.HasSeats, queryBool, name) }, "has_seats", "available")) {
		views, total, err := a.d.Activities.List(c.Request.Context(), q)
		respond(c, http.StatusOK, pageOf(views, toItemDTO, total, q.Page, q.PageSize), err)
	}
}

func (a *API) getActivity(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		v, err := a.d.Activities.Get(c.Request.Context(), id, a.viewer(c))
		respond(c, http.StatusOK, toActivityDTO(v, false), err)
	}
}

type attendeeReq struct {
	Self        bool  `json:"self"`
	DependentID int64 `json:"dependent_id"`
}

func (a *API) register(c *gin.Context) {
	var req signUpBody
	admit := a.admitSignUp(c)
	key := c.GetHeader("Idempotency-Key")
	var err error = errs.Invalid("IDEMPOTENCY_KEY_REQUIRED", "缺少请求编号，请更新小程序后重试")
	if key != "" {
		err = decodeFast(c, &req, func(b []byte) bool { return parseSignUp(b, &req) })
	}
	if err != nil { // a request the registrar never sees is counted here
		if lerr := admit(c.Request.Context()); lerr != nil {
			err = lerr
		}
		fail(c, err)
		return
	}
	in := activity.RegisterInput{UserID: userID(c), SessionID: req.SessionID, Answers: req.Answers, IdemKey: key, AcceptNoCancel: req.AcceptNoCancel,
		Admit: admit, Count: a.signUpCount(c)}
	for _, at := range req.Attendees {
		in.Attendees = append(in.Attendees, activity.AttendeeRef{Self: at.Self, DependentID: at.DependentID})
	}
	res, err := a.signups.Register(c.Request.Context(), in)
	writeRegistered(c, res, err)
}

type registeredDTO struct {
	Registrations []registrationDTO `json:"registrations"`
}

// writeRegistered answers a sign-up's registrations, or the error.
func writeRegistered(c *gin.Context, res activity.RegisterResult, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	writeRegistrations(c, res)
}

// writeRegistrations is writeRegistered's answer of a sign-up made: apart,
// so that a refusal (most answers of a popular release, each on a
// resident's new connection) runs on a small frame.
//
//go:noinline
func writeRegistrations(c *gin.Context, res activity.RegisterResult) {
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(http.StatusCreated, registeredDTO{Registrations: dtos(res.Registrations, toRegistrationDTO)})
}

func (a *API) getRegistration(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		d, err := a.d.Activities.MyRegistration(c.Request.Context(), userID(c), id)
		respond(c, http.StatusOK, toMyRegistrationDTO(d), err)
	}
}

func cancelledDTO(res activity.CancelResult) gin.H {
	out := dtos(res.Cancelled, func(r activity.Registration) registrationDTO {
		r.Status = activity.RegCancelled
		return toRegistrationDTO(r)
	})
	return gin.H{"cancelled": out, "promoted": len(res.Promoted)}
}

func (a *API) cancelRegistration(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		res, err := a.d.Activities.Cancel(c.Request.Context(), userID(c), id)
		respond(c, http.StatusOK, cancelledDTO(res), err)
	}
}

func (a *API) myRegistrations(c *gin.Context) {
	// "upcoming and past" (issue 3): ?scope=, also spelled when or filter;
	// ?status=upcoming|past says the same (another status is left alone).
	// Without one (or with scope=all), both: upcoming first, then past.
	scope := queryAs(c, "scope", "when", "filter")
	if st := c.Query("status"); scope == "" && (st == "upcoming" || st == "past") {
		scope = st
	}
	// ?upcoming=true or ?past=true: the two words as flags.
	for _, w := range []string{"upcoming", "past"} {
		if v, ok := c.GetQuery(w); ok && scope == "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				fail(c, errs.Invalid("BAD_QUERY", "请选择查看即将开始或已结束的报名").With("param", w))
				return
			}
			if on {
				scope = w
			}
		}
	}
	if scope == "" {
		scope = "all"
	}
	if scope != "upcoming" && scope != "past" && scope != "all" {
		fail(c, errs.Invalid("BAD_QUERY", "请选择查看即将开始或已结束的报名"))
		return
	}
	if scope == "all" {
		a.myAllRegistrations(c)
		return
	}
	if c.Query("cursor") != "" || c.Query("limit") != "" {
		// Keyset paging: ?cursor=&limit= answers items and next_cursor.
		var req page.Request
		if read(c, keysetParam(&req, 20)) {
			ds, next, err := a.d.Activities.MyRegistrationsPage(c.Request.Context(), userID(c), scope == "upcoming", req)
			respond(c, http.StatusOK, cursorPage(dtos(ds, toMyRegistrationDTO), next, req.Limit), err)
		}
		return
	}
	var pg, size int
	if read(c, pageParams(&pg, &size, 20, 100)) {
		ds, total, err := a.d.Activities.MyRegistrations(c.Request.Context(), userID(c), scope == "upcoming", pg, size)
		respond(c, http.StatusOK, pageOf(ds, toMyRegistrationDTO, total, pg, size), err)
	}
}

// myAllRegistrations lists the account's registrations upcoming and past:
// by keyset with ?cursor= or ?limit= (the cursor knows which part it is
// in), else numbered pages.
func (a *API) myAllRegistrations(c *gin.Context) {
	if c.Query("cursor") != "" || c.Query("limit") != "" {
		limit, err := keysetLimit(c, 20)
		if err != nil {
			fail(c, err)
			return
		}
		ds, next, err := a.d.Activities.MyAllRegistrationsPage(c.Request.Context(), userID(c), c.Query("cursor"), limit)
		respond(c, http.StatusOK, cursorPage(dtos(ds, toMyRegistrationDTO), next, limit), err)
		return
	}
	var pg, size int
	if read(c, pageParams(&pg, &size, 20, 100)) {
		ds, total, err := a.d.Activities.MyAllRegistrations(c.Request.Context(), userID(c), pg, size)
		respond(c, http.StatusOK, pageOf(ds, toMyRegistrationDTO, total, pg, size), err)
	}
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
