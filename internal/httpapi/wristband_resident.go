package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
	"gongjian/internal/wristband"
)

// ---- webhook ----

func (a *API) wristbandWebhook(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, errTooLarge)
			return
		}
		fail(c, errBadJSON)
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
	u, ok := a.me(c)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	vs, err := a.d.Wristbands.MyBands(c.Request.Context(), act)
	if err != nil {
		fail(c, err)
		return
	}
	items := dtos(vs, toBandDTO)
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type bindReq struct {
	IMEI string `json:"imei"`
	// Code: the activation code in the box, or the bind code staff gave.
	Code    string     `json:"code"`
	Wearer  wearerReq  `json:"wearer"`
	Consent consentReq `json:"consent"`
}

func (a *API) bindWristband(c *gin.Context) {
	var req bindReq
	u, ok := a.meWith(c, &req)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	b, err := a.d.Wristbands.Bind(c.Request.Context(), act, wristband.BindInput{
		IMEI: req.IMEI, Code: req.Code, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID}, ConsentVersion: req.Consent.Version,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{
		"id": b.DeviceID, "binding_id": b.ID, "imei_masked": pii.MaskIMEI(b.IMEI), "wearer_name": b.WearerName,
		"wearer": wearerOf(b), "consent": wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt}, "bound_at": b.StartedAt,
	})
}

func (a *API) unbindWristband(c *gin.Context) {
	a.unbind(c, false)
}

func (a *API) unbind(c *gin.Context, staff bool) {
	var req struct {
		Reason string `json:"reason"`
	}
	u, id, ok := a.meAndWith(c, "id", optional(&req))
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: staff}
	if err := a.d.Wristbands.Unbind(c.Request.Context(), act, id, req.Reason); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) inviteGuardian(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	code, exp, err := a.d.Wristbands.Invite(c.Request.Context(), act, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"code": code, "expires_at": exp})
}

func (a *API) acceptWristbandInvitation(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	ok, err := a.d.Limiter.Allow(c.Request.Context(), "wristband-invite:u"+strconv.FormatInt(userID(c), 10), 10, time.Minute)
	if err != nil {
		fail(c, err)
		return
	}
	if !ok {
		fail(c, errs.New(errs.KindRateLimited, "RATE_LIMITED", "尝试次数太多，请一分钟后再试").RetryIn(time.Minute))
		return
	}
	b, err := a.d.Wristbands.AcceptInvitation(c.Request.Context(), userID(c), req.Code)
	respond(c, http.StatusOK, gin.H{"id": b.DeviceID, "wearer_name": b.WearerName}, err)
}

func (a *API) wristbandGuardians(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	gs, err := a.d.Wristbands.Guardians(c.Request.Context(), act, id)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]gin.H, 0, len(gs))
	for _, g := range gs {
		items = append(items, gin.H{"user_id": g.UserID, "name": g.Name, "owner": g.Owner, "added_at": g.AddedAt})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) removeGuardian(c *gin.Context) {
	var uid int64
	u, id, ok := a.meAndWith(c, "id", pathParam(&uid, "user_id"))
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	if err := a.d.Wristbands.RemoveGuardian(c.Request.Context(), act, id, uid); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) readings(c *gin.Context, staff bool) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	f := wristband.ReadingFilter{}
	if k := c.Query("kind"); k != "" {
		for _, p := range strings.Split(k, ",") {
			f.Kinds = append(f.Kinds, wristband.Kind(strings.TrimSpace(p)))
		}
	}
	if b := c.Query("before"); b != "" {
		if f.Before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			fail(c, errs.Invalid("BAD_QUERY", "时间格式不正确，请刷新后重试"))
			return
		}
	}
	if f.Limit, err = queryInt(c, "limit", 50, 1, 200); err != nil {
		fail(c, err)
		return
	}
	u, ok := a.me(c)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: staff}
	rs, err := a.d.Wristbands.Readings(c.Request.Context(), act, id, f)
	if err != nil {
		fail(c, err)
		return
	}
	items := dtos(rs, toReadingDTO)
	c.JSON(http.StatusOK, gin.H{"items": items})
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
		return q.idPage.query("before_id", 50, 200)(c)
	}
}

func (a *API) deviceAlarms(c *gin.Context, staff bool) {
	var q alarmQuery
	u, id, ok := a.meAndWith(c, "id", q.query())
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: staff}
	as, err := a.d.Wristbands.Alarms(c.Request.Context(), act, id, q.statuses, q.From, q.Limit)
	respond(c, http.StatusOK, gin.H{"items": alarmItems(as, staff)}, err)
}

func (a *API) wristbandAlarms(c *gin.Context) { a.deviceAlarms(c, false) }

type noteReq struct {
	Note string `json:"note"`
}

func (a *API) handleWristbandAlarm(ack bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		var req noteReq
		u, aid, ok := a.meAndWith(c, "alarm_id", optional(&req))
		if !ok {
			return
		}
		act := wristband.Actor{User: u, Staff: false}
		al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), act, id, aid, ack, req.Note)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toAlarmDTO(al, false))
	}
}

func (a *API) wristbandAccessLog(c *gin.Context) {
	var p idPage
	u, id, ok := a.meAndWith(c, "id", p.query("before_id", 50, 200))
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	es, err := a.d.Wristbands.AccessLog(c.Request.Context(), act, id, p.From, p.Limit)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]gin.H, 0, len(es))
	for _, e := range es {
		items = append(items, gin.H{"id": e.ID, "viewer_user_id": e.ViewerUserID, "viewer_name": e.ViewerName,
			"viewer_role": e.ViewerRole, "what": e.What, "at": e.At})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) wristbandThresholds(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	t, custom, err := a.d.Wristbands.Thresholds(c.Request.Context(), act, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toThresholdsDTO(t, custom))
}

func (a *API) setThresholds(c *gin.Context, staff bool) {
	var req thresholdsReq
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: staff}
	t, err := a.d.Wristbands.SetThresholds(c.Request.Context(), act, id, req.patch())
	respond(c, http.StatusOK, toThresholdsDTO(t, true), err)
}

func (a *API) setWristbandThresholds(c *gin.Context) { a.setThresholds(c, false) }

func (a *API) giveWristbandConsent(c *gin.Context) {
	var req consentReq
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: false}
	b, err := a.d.Wristbands.GiveConsent(c.Request.Context(), act, id, req.Version)
	respond(c, http.StatusOK, wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt}, err)
}

func (a *API) revokeConsent(c *gin.Context, staff bool) {
	var req struct {
		Reason string `json:"reason"`
	}
	u, id, ok := a.meAndWith(c, "id", optional(&req))
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: staff}
	n, err := a.d.Wristbands.RevokeConsent(c.Request.Context(), act, id, req.Reason)
	respond(c, http.StatusOK, gin.H{"revoked": true, "deleted_readings": n}, err)
}

func (a *API) revokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, false) }
