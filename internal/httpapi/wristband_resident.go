package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// ---- webhook ----

func (a *API) wristbandWebhook(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := a.d.Wristbands.Webhook(c.Request.Context(), wristband.SignedRequest{
		Vendor: c.GetHeader(wristband.HeaderVendor), Timestamp: c.GetHeader(wristband.HeaderTimestamp),
		Signature: c.GetHeader(wristband.HeaderSignature), Body: body,
	})
	if err != nil {
		fail(c, err)
		return
	}
	out := gin.H{"status": res.Outcome}
	if res.AlarmID != 0 {
		out["alarm_id"] = res.AlarmID
	}
	c.JSON(http.StatusOK, out)
}

// ---- guardians ----

func (a *API) myWristbands(c *gin.Context) {
	if u, ok := a.me(c); ok {
		vs, err := a.d.Wristbands.MyBands(c.Request.Context(), guardian(u))
		respondItems(c, vs, toBandDTO, err)
	}
}

// consentTextDTO is a consent text in force and its version: what a page shows
// and sends back as the consent's version (wristband data, guardian consent).
type consentTextDTO struct {
	Version string `json:"version"`
	Text    string `json:"text"`
}

// wristbandConsent serves the consent text in force, so that the
// mini-program shows the text the server records (its own copy is only a
// fallback when the request fails).
func (a *API) wristbandConsent(c *gin.Context) {
	if _, ok := a.me(c); ok {
		c.JSON(http.StatusOK, consentTextDTO{Version: wristband.ConsentVersion, Text: wristband.ConsentText})
	}
}

// guardian is u acting as a wristband's guardian (not as staff).
func guardian(u resident.User) wristband.Actor { return wristband.Actor{User: u, Staff: false} }

type bindReq struct {
	IMEI string `json:"imei"`
	// Code: the activation code in the box, or the bind code staff gave;
	// also accepted as activation_code or bind_code (the names).
	Code           string     `json:"code"`
	ActivationCode string     `json:"activation_code"`
	BindCode       string     `json:"bind_code"`
	Wearer         wearerReq  `json:"wearer"`
	Consent        consentReq `json:"consent"`
	// DependentID and ConsentVersion: the wearer and consent spelled flat.
	DependentID    int64  `json:"dependent_id"`
	ConsentVersion string `json:"consent_version"`
}

// wearer is the wearer the request names: wearer, or a dependent_id
// beside it; naming none is the guardian themself.
func (r bindReq) wearer() wristband.WearerRef {
	w := r.Wearer.ref()
	if w == (wristband.WearerRef{}) {
		if r.DependentID != 0 {
			return wristband.WearerRef{DependentID: r.DependentID}
		}
		return wristband.WearerRef{Self: true}
	}
	if r.DependentID != 0 && r.DependentID != w.DependentID {
		return wristband.WearerRef{Self: true, DependentID: r.DependentID} // contradictory: INVALID_WEARER
	}
	return w
}

// code is the secret given, under whichever name.
func (r bindReq) code() string {
	for _, c := range []string{r.Code, r.ActivationCode, r.BindCode} {
		if c != "" {
			return c
		}
	}
	return ""
}

// consentVersion is the consent's version, nested or flat.
func (r bindReq) consentVersion() string {
	if r.Consent.Version != "" {
		return r.Consent.Version
	}
	return r.ConsentVersion
}

func (a *API) bindWristband(c *gin.Context) {
	var req bindReq
	u, ok := a.meWith(c, &req)
	if !ok {
		return
	}
	b, err := a.d.Wristbands.Bind(c.Request.Context(), guardian(u), wristband.BindInput{
		IMEI: req.IMEI, Code: req.code(), Wearer: req.wearer(), ConsentVersion: req.consentVersion(),
	})
	respond(c, http.StatusCreated, gin.H{
		"id": b.DeviceID, "binding_id": b.ID, "imei_masked": pii.MaskIMEI(b.IMEI), "wearer_name": b.WearerName,
		"wearer": wearerOf(b), "consent": wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt}, "bound_at": b.StartedAt,
	}, err)
}

func (a *API) unbindWristband(c *gin.Context) {
	a.unbind(c, false)
}

func (a *API) unbind(c *gin.Context, staff bool) {
	var req reasonReq
	if u, id, ok := a.meAndWith(c, "id", optional(&req)); ok {
		noContent(c, a.d.Wristbands.Unbind(c.Request.Context(), wristband.Actor{User: u, Staff: staff}, id, req.Reason))
	}
}

func (a *API) inviteGuardian(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		code, exp, err := a.d.Wristbands.Invite(c.Request.Context(), guardian(u), id)
		respond(c, http.StatusCreated, gin.H{"code": code, "expires_at": exp}, err)
	}
}

func (a *API) acceptWristbandInvitation(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if !read(c, &req) {
		return
	}
	if !a.allowMinute(c, "wristband-invite:u"+strconv.FormatInt(userID(c), 10), 10, "尝试次数太多，请一分钟后再试") {
		return
	}
	b, err := a.d.Wristbands.AcceptInvitation(c.Request.Context(), userID(c), req.Code)
	respond(c, http.StatusOK, gin.H{"id": b.DeviceID, "wearer_name": b.WearerName}, err)
}

func (a *API) wristbandGuardians(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		gs, err := a.d.Wristbands.Guardians(c.Request.Context(), guardian(u), id)
		respondItems(c, gs, func(g wristband.Guardian) gin.H {
			return gin.H{"user_id": g.UserID, "name": g.Name, "owner": g.Owner, "added_at": g.AddedAt}
		}, err)
	}
}

func (a *API) removeGuardian(c *gin.Context) {
	var uid int64
	if u, id, ok := a.meAndWith(c, "id", pathParam(&uid, "user_id")); ok {
		noContent(c, a.d.Wristbands.RemoveGuardian(c.Request.Context(), guardian(u), id, uid))
	}
}

// readingFilter reads the readings' filter into *f: kind (a list),
// cursor (the next_cursor of the previous page) or before and before_id,
// limit.
func readingFilter(f *wristband.ReadingFilter) fromRequest {
	return func(c *gin.Context) (err error) {
		if k := c.Query("kind"); k != "" {
			for _, p := range strings.Split(k, ",") {
				f.Kinds = append(f.Kinds, wristband.Kind(strings.TrimSpace(p)))
			}
		}
		if b := c.Query("before"); b != "" {
			if f.Before, err = time.Parse(time.RFC3339Nano, b); err != nil {
				return errs.Invalid("BAD_QUERY", "时间格式不正确，请刷新后重试")
			}
			if !inDatabaseRange(f.Before) {
				return errDateRange.With("param", "before")
			}
		}
		// since: the oldest reading shown (RFC 3339, or a date: from its
		// start in China); the paging cursor keeps it as the lower bound.
		if f.Since, err = queryTime(c, "since", false); err != nil {
			return err
		}
		if f.BeforeID, err = queryID(c, "before_id"); err != nil {
			return err
		}
		if f.BeforeID != 0 && f.Before.IsZero() {
			return errBadQuery.With("param", "before_id")
		}
		if cur, err := page.Decode(c.Query("cursor")); err != nil {
			return err
		} else if cur != nil {
			f.Before, f.BeforeID = time.UnixMicro(cur.Key).UTC(), cur.ID
		}
		f.Limit, err = querySize(c, "limit", 50, 1, page.MaxLimit)
		return err
	}
}

func (a *API) readings(c *gin.Context, staff bool) {
	var f wristband.ReadingFilter
	if u, id, ok := a.meAndWith(c, "id", readingFilter(&f)); ok {
		// The service reads one more than the page: whether another follows.
		rs, err := a.d.Wristbands.Readings(c.Request.Context(), wristband.Actor{User: u, Staff: staff}, id, f)
		rs, next := page.Trim(rs, f.Limit, func(r wristband.Reading) page.Cursor { return page.Cursor{Key: r.At.UnixMicro(), ID: r.ID} })
		respond(c, http.StatusOK, gin.H{"items": dtos(rs, toReadingDTO), "next_cursor": nextCursor(next)}, err)
	}
}

func (a *API) wristbandReadings(c *gin.Context) { a.readings(c, false) }

// alarmQuery is a page of alarms, of some statuses (none: all).
type alarmQuery struct {
	idPage
	statuses []wristband.AlarmStatus
}

func (q *alarmQuery) query() fromRequest {
	return func(c *gin.Context) (err error) {
		if q.statuses, err = queryStatuses(c); err != nil {
			return err
		}
		return q.idPage.query("before_id", 50)(c)
	}
}

func (a *API) deviceAlarms(c *gin.Context, staff bool) {
	var q alarmQuery
	if u, id, ok := a.meAndWith(c, "id", q.query()); ok {
		as, err := a.d.Wristbands.Alarms(c.Request.Context(), wristband.Actor{User: u, Staff: staff}, id, q.statuses, q.From, q.Limit)
		respondIDPage(c, q.idPage, as, alarmID, func(al wristband.Alarm) alarmDTO { return toAlarmDTO(al, staff) }, err)
	}
}

func (a *API) wristbandAlarms(c *gin.Context) { a.deviceAlarms(c, false) }

func (a *API) handleWristbandAlarm(ack bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var id int64
		var req noteReq
		if u, aid, ok := a.meAndWith(c, "alarm_id", pathParam(&id, "id"), optional(&req)); ok {
			al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), guardian(u), id, aid, ack, req.Note)
			respond(c, http.StatusOK, toAlarmDTO(al, false), err)
		}
	}
}

func (a *API) wristbandAccessLog(c *gin.Context) {
	var p idPage
	if u, id, ok := a.meAndWith(c, "id", p.query("before_id", 50)); ok {
		es, err := a.d.Wristbands.AccessLog(c.Request.Context(), guardian(u), id, p.From, p.peek())
		respondIDPage(c, p, es, func(e wristband.AccessEntry) int64 { return e.ID }, func(e wristband.AccessEntry) gin.H {
			return gin.H{"id": e.ID, "viewer_user_id": e.ViewerUserID, "viewer_name": e.ViewerName,
				"viewer_role": e.ViewerRole, "what": e.What, "at": e.At}
		}, err)
	}
}

func (a *API) wristbandThresholds(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		t, custom, err := a.d.Wristbands.Thresholds(c.Request.Context(), guardian(u), id)
		respond(c, http.StatusOK, toThresholdsDTO(t, custom), err)
	}
}

func (a *API) setThresholds(c *gin.Context, staff bool) {
	var req thresholdsReq
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		t, err := a.d.Wristbands.SetThresholds(c.Request.Context(), wristband.Actor{User: u, Staff: staff}, id, req.patch())
		respond(c, http.StatusOK, toThresholdsDTO(t, true), err)
	}
}

func (a *API) setWristbandThresholds(c *gin.Context) { a.setThresholds(c, false) }

func (a *API) giveWristbandConsent(c *gin.Context) {
	var req consentReq
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		b, err := a.d.Wristbands.GiveConsent(c.Request.Context(), guardian(u), id, req.Version)
		respond(c, http.StatusOK, wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt}, err)
	}
}

func (a *API) revokeConsent(c *gin.Context, staff bool) {
	var req reasonReq
	if u, id, ok := a.meAndWith(c, "id", optional(&req)); ok {
		n, err := a.d.Wristbands.RevokeConsent(c.Request.Context(), wristband.Actor{User: u, Staff: staff}, id, req.Reason)
		respond(c, http.StatusOK, gin.H{"revoked": true, "deleted_readings": n}, err)
	}
}

func (a *API) revokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, false) }
