package httpapi

import (
	"bytes"
	"encoding/json"
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

// mountWristbands adds the wristband routes: the vendor webhook (HMAC, no
// user token), the guardians' routes and the staff routes.
func (a *API) mountWristbands(v1 *gin.RouterGroup) {
	v1.POST("/wristbands/webhook", a.wristbandWebhook)

	r := v1.Group("", a.authenticate)
	r.GET("/me/wristbands", a.myWristbands)
	r.POST("/wristbands/bind", a.bindWristband)
	r.POST("/wristbands/invitations/accept", a.acceptWristbandInvitation)
	r.POST("/wristbands/:id/unbind", a.unbindWristband)
	r.POST("/wristbands/:id/invitations", a.inviteGuardian)
	r.GET("/wristbands/:id/guardians", a.wristbandGuardians)
	r.DELETE("/wristbands/:id/guardians/:user_id", a.removeGuardian)
	r.GET("/wristbands/:id/readings", a.wristbandReadings)
	r.GET("/wristbands/:id/alarms", a.wristbandAlarms)
	r.POST("/wristbands/:id/alarms/:alarm_id/ack", a.handleWristbandAlarm(true))
	r.POST("/wristbands/:id/alarms/:alarm_id/resolve", a.handleWristbandAlarm(false))
	r.GET("/wristbands/:id/access-log", a.wristbandAccessLog)
	r.GET("/wristbands/:id/thresholds", a.wristbandThresholds)
	r.PUT("/wristbands/:id/thresholds", a.setWristbandThresholds)
	r.POST("/wristbands/:id/consent", a.giveWristbandConsent)
	r.POST("/wristbands/:id/consent/revoke", a.revokeWristbandConsent)

	s := v1.Group("/admin/wristbands", a.authenticate, a.requireWristbandStaff)
	s.GET("", a.adminWristbands)
	s.POST("", a.adminAddWristbands)
	s.POST("/import", a.adminImportWristbands)
	s.POST("/bind", a.adminBindWristband)
	s.GET("/alarms", a.adminWristbandAlarms)
	s.POST("/alarms/:id/ack", a.adminHandleWristbandAlarm(true))
	s.POST("/alarms/:id/resolve", a.adminHandleWristbandAlarm(false))
	s.GET("/unattached", a.adminUnattachedPushes)
	s.GET("/:id", a.adminWristband)
	s.POST("/:id/unbind", a.adminUnbindWristband)
	s.POST("/:id/transfer", a.adminTransferWristband)
	s.GET("/:id/readings", a.adminWristbandReadings)
	s.GET("/:id/alarms", a.adminDeviceAlarms)
	s.PUT("/:id/thresholds", a.adminSetWristbandThresholds)
	s.POST("/:id/consent/revoke", a.adminRevokeWristbandConsent)
}

func (a *API) requireWristbandStaff(c *gin.Context) {
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	if !wristband.IsStaff(u) {
		fail(c, errForbidden)
		return
	}
	c.Next()
}

// actor returns the caller as a guardian (staff=false) or as staff.
func (a *API) actor(c *gin.Context, staff bool) (wristband.Actor, error) {
	u, err := a.currentUser(c)
	if err != nil {
		return wristband.Actor{}, err
	}
	return wristband.Actor{User: u, Staff: staff}, nil
}

// decodeOptional decodes a JSON body strictly when there is one.
func decodeOptional(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errBadJSON
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	return decode(c, v)
}

func queryStatuses(c *gin.Context) ([]wristband.AlarmStatus, error) {
	s := c.Query("status")
	if s == "" {
		return nil, nil
	}
	var out []wristband.AlarmStatus
	for _, p := range strings.Split(s, ",") {
		st := wristband.AlarmStatus(strings.TrimSpace(p))
		switch st {
		case wristband.StatusOpen, wristband.StatusAcked, wristband.StatusResolved:
			out = append(out, st)
		default:
			return nil, errs.Invalid("BAD_QUERY", "参数 status 只能是 open、acked、resolved")
		}
	}
	return out, nil
}

// ---- DTOs ----

type wearerDTO struct {
	Self        bool  `json:"self,omitempty"`
	DependentID int64 `json:"dependent_id,omitempty"`
}

type wearerReq struct {
	Self        bool  `json:"self"`
	DependentID int64 `json:"dependent_id"`
}

type consentReq struct {
	Version string `json:"version"`
}

type wbConsentDTO struct {
	Version      string     `json:"version"`
	At           time.Time  `json:"at"`
	By           int64      `json:"by,omitempty"` // staff view only
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    int64      `json:"revoked_by,omitempty"`    // staff view only
	RevokeReason string     `json:"revoke_reason,omitempty"` // staff view only
}

type locationDTO struct {
	Lat float64   `json:"lat"`
	Lng float64   `json:"lng"`
	At  time.Time `json:"at"`
}

type latestDTO struct {
	HeartRate       *int       `json:"heart_rate,omitempty"`
	HeartRateAt     *time.Time `json:"heart_rate_at,omitempty"`
	Systolic        *int       `json:"systolic,omitempty"`
	Diastolic       *int       `json:"diastolic,omitempty"`
	BloodPressureAt *time.Time `json:"blood_pressure_at,omitempty"`
	Glucose         *float64   `json:"glucose,omitempty"`
	GlucoseAt       *time.Time `json:"glucose_at,omitempty"`
	Battery         *int       `json:"battery,omitempty"`
}

type bandDTO struct {
	ID             int64        `json:"id"`
	BindingID      int64        `json:"binding_id"`
	IMEIMasked     string       `json:"imei_masked"`
	Model          string       `json:"model,omitempty"`
	WearerName     string       `json:"wearer_name"`
	Wearer         wearerDTO    `json:"wearer"`
	Owner          bool         `json:"owner"`
	Consent        wbConsentDTO `json:"consent"`
	Collecting     bool         `json:"collecting"`
	Online         *bool        `json:"online,omitempty"`
	LatestLocation *locationDTO `json:"latest_location"`
	LatestReadings latestDTO    `json:"latest_readings"`
	OpenAlarms     int          `json:"open_alarms"`
	BoundAt        time.Time    `json:"bound_at"`
}

func wearerOf(b wristband.Binding) wearerDTO {
	if b.WearerDependentID != 0 {
		return wearerDTO{DependentID: b.WearerDependentID}
	}
	return wearerDTO{Self: true}
}

func toBandDTO(v wristband.BandView) bandDTO {
	b := v.Binding
	out := bandDTO{
		ID: b.DeviceID, BindingID: b.ID, IMEIMasked: pii.MaskIMEI(v.Device.IMEI), Model: v.Device.Model,
		WearerName: b.WearerName, Wearer: wearerOf(b), Owner: v.Owner,
		Consent:    wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt, RevokedAt: b.ConsentRevokedAt},
		Collecting: b.Collecting(), Online: v.Device.Online, OpenAlarms: v.OpenAlarms, BoundAt: b.StartedAt,
	}
	if r, ok := v.Latest[wristband.KindLocation]; ok {
		out.LatestLocation = &locationDTO{Lat: r.Lat, Lng: r.Lng, At: r.At}
	}
	l := &out.LatestReadings
	if r, ok := v.Latest[wristband.KindHeartRate]; ok {
		l.HeartRate, l.HeartRateAt = &r.HeartRate, &r.At
	}
	if r, ok := v.Latest[wristband.KindBloodPressure]; ok {
		l.Systolic, l.Diastolic, l.BloodPressureAt = &r.Systolic, &r.Diastolic, &r.At
	}
	if r, ok := v.Latest[wristband.KindBloodGlucose]; ok {
		g := r.Glucose()
		l.Glucose, l.GlucoseAt = &g, &r.At
	}
	l.Battery = v.Device.Battery
	return out
}

// bindingDTO is a binding as staff see it (history rows included).
type bindingDTO struct {
	BindingID   int64         `json:"binding_id"`
	DeviceID    int64         `json:"device_id"`
	IMEI        string        `json:"imei,omitempty"`
	OwnerUserID int64         `json:"owner_user_id,omitempty"`
	WearerName  string        `json:"wearer_name"`
	Wearer      *wearerDTO    `json:"wearer,omitempty"`
	CommunityID int64         `json:"community_id,omitempty"`
	Consent     *wbConsentDTO `json:"consent,omitempty"`
	BoundBy     int64         `json:"bound_by,omitempty"`
	BindReason  string        `json:"bind_reason,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	EndedAt     *time.Time    `json:"ended_at,omitempty"`
	EndedBy     int64         `json:"ended_by,omitempty"`
	EndReason   string        `json:"end_reason,omitempty"`
	EndNote     string        `json:"end_note,omitempty"`
	Active      bool          `json:"active"`
}

func toBindingDTO(b wristband.Binding) bindingDTO {
	out := bindingDTO{BindingID: b.ID, DeviceID: b.DeviceID, IMEI: b.IMEI, OwnerUserID: b.OwnerUserID, WearerName: b.WearerName,
		CommunityID: b.CommunityID, BoundBy: b.BoundBy, BindReason: b.BindReason, StartedAt: b.StartedAt,
		EndedAt: b.EndedAt, EndedBy: b.EndedBy, EndReason: b.EndReason, EndNote: b.EndNote, Active: b.Active()}
	if b.OwnerUserID != 0 { // not redacted
		w := wearerOf(b)
		out.Wearer = &w
		out.Consent = &wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt, By: b.ConsentBy, RevokedAt: b.ConsentRevokedAt,
			RevokedBy: b.ConsentRevokedBy, RevokeReason: b.ConsentRevokeNote}
	}
	return out
}

type readingDTO struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	Lat       *float64  `json:"lat,omitempty"`
	Lng       *float64  `json:"lng,omitempty"`
	HeartRate *int      `json:"heart_rate,omitempty"`
	Systolic  *int      `json:"systolic,omitempty"`
	Diastolic *int      `json:"diastolic,omitempty"`
	Glucose   *float64  `json:"glucose,omitempty"`
}

func toReadingDTO(r wristband.Reading) readingDTO {
	out := readingDTO{Kind: string(r.Kind), At: r.At}
	switch r.Kind {
	case wristband.KindLocation:
		out.Lat, out.Lng = &r.Lat, &r.Lng
	case wristband.KindHeartRate:
		out.HeartRate = &r.HeartRate
	case wristband.KindBloodPressure:
		out.Systolic, out.Diastolic = &r.Systolic, &r.Diastolic
	case wristband.KindBloodGlucose:
		g := r.Glucose()
		out.Glucose = &g
	}
	return out
}

type alarmLocationDTO struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

type alarmDTO struct {
	ID          int64             `json:"id"`
	DeviceID    int64             `json:"device_id"`
	Type        string            `json:"type"`
	TypeText    string            `json:"type_text"`
	Status      string            `json:"status"`
	StatusText  string            `json:"status_text"`
	Detail      string            `json:"detail"`
	WearerName  string            `json:"wearer_name"`
	At          time.Time         `json:"at"`
	LastEventAt time.Time         `json:"last_event_at"`
	Repeats     int               `json:"repeats"`
	AckedAt     *time.Time        `json:"acked_at,omitempty"`
	AckNote     string            `json:"ack_note,omitempty"`
	ResolvedAt  *time.Time        `json:"resolved_at,omitempty"`
	ResolveNote string            `json:"resolve_note,omitempty"`
	EscalatedAt *time.Time        `json:"escalated_at,omitempty"`
	Location    *alarmLocationDTO `json:"location,omitempty"` // staff only
	IMEI        string            `json:"imei,omitempty"`     // staff only
	CommunityID int64             `json:"community_id,omitempty"`
}

func toAlarmDTO(al wristband.Alarm, staff bool) alarmDTO {
	out := alarmDTO{ID: al.ID, DeviceID: al.DeviceID, Type: string(al.Type), TypeText: al.Type.Label(), Status: string(al.Status),
		StatusText: al.Status.Label(), Detail: al.Detail, WearerName: al.WearerName, At: al.OpenedAt, LastEventAt: al.LastEventAt,
		Repeats: al.Repeats, AckedAt: al.AckedAt, AckNote: al.AckNote, ResolvedAt: al.ResolvedAt, ResolveNote: al.ResolveNote,
		EscalatedAt: al.EscalatedAt}
	if staff {
		out.IMEI, out.CommunityID = al.IMEI, al.CommunityID
		if al.Lat != nil && al.Lng != nil {
			out.Location = &alarmLocationDTO{Lat: *al.Lat, Lng: *al.Lng}
		}
	}
	return out
}

func alarmItems(as []wristband.Alarm, staff bool) []alarmDTO {
	out := make([]alarmDTO, 0, len(as))
	for _, al := range as {
		out = append(out, toAlarmDTO(al, staff))
	}
	return out
}

type thresholdsDTO struct {
	SystolicHigh  int     `json:"systolic_high"`
	SystolicLow   int     `json:"systolic_low"`
	DiastolicHigh int     `json:"diastolic_high"`
	GlucoseHigh   float64 `json:"glucose_high"`
	GlucoseLow    float64 `json:"glucose_low"`
	HeartRateHigh int     `json:"heart_rate_high"`
	HeartRateLow  int     `json:"heart_rate_low"`
	Custom        bool    `json:"custom"`
}

func toThresholdsDTO(t wristband.Thresholds, custom bool) thresholdsDTO {
	return thresholdsDTO{SystolicHigh: t.SystolicHigh, SystolicLow: t.SystolicLow, DiastolicHigh: t.DiastolicHigh,
		GlucoseHigh: float64(t.GlucoseHigh) / 10, GlucoseLow: float64(t.GlucoseLow) / 10,
		HeartRateHigh: t.HeartRateHigh, HeartRateLow: t.HeartRateLow, Custom: custom}
}

type thresholdsReq struct {
	SystolicHigh  *int     `json:"systolic_high"`
	SystolicLow   *int     `json:"systolic_low"`
	DiastolicHigh *int     `json:"diastolic_high"`
	GlucoseHigh   *float64 `json:"glucose_high"`
	GlucoseLow    *float64 `json:"glucose_low"`
	HeartRateHigh *int     `json:"heart_rate_high"`
	HeartRateLow  *int     `json:"heart_rate_low"`
	Reset         bool     `json:"reset"`
}

func (r thresholdsReq) patch() wristband.ThresholdsPatch {
	return wristband.ThresholdsPatch{SystolicHigh: r.SystolicHigh, SystolicLow: r.SystolicLow, DiastolicHigh: r.DiastolicHigh,
		GlucoseHigh: r.GlucoseHigh, GlucoseLow: r.GlucoseLow, HeartRateHigh: r.HeartRateHigh, HeartRateLow: r.HeartRateLow, Reset: r.Reset}
}

type deviceDTO struct {
	ID         int64       `json:"id"`
	IMEI       string      `json:"imei"`
	Model      string      `json:"model"`
	Vendor     string      `json:"vendor"`
	Batch      string      `json:"batch"`
	Battery    *int        `json:"battery,omitempty"`
	Online     *bool       `json:"online,omitempty"`
	StatusAt   *time.Time  `json:"status_at,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	Binding    *bindingDTO `json:"binding"`
	OpenAlarms *int        `json:"open_alarms,omitempty"`
}

func toDeviceDTO(d wristband.Device, b *wristband.Binding) deviceDTO {
	out := deviceDTO{ID: d.ID, IMEI: d.IMEI, Model: d.Model, Vendor: d.Vendor, Batch: d.Batch, Battery: d.Battery,
		Online: d.Online, StatusAt: d.StatusAt, CreatedAt: d.CreatedAt}
	if b != nil {
		bd := toBindingDTO(*b)
		out.Binding = &bd
	}
	return out
}

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
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	vs, err := a.d.Wristbands.MyBands(c.Request.Context(), act)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]bandDTO, 0, len(vs))
	for _, v := range vs {
		items = append(items, toBandDTO(v))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type bindReq struct {
	IMEI    string     `json:"imei"`
	Wearer  wearerReq  `json:"wearer"`
	Consent consentReq `json:"consent"`
}

func (a *API) bindWristband(c *gin.Context) {
	var req bindReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := a.d.Wristbands.Bind(c.Request.Context(), act, wristband.BindInput{
		IMEI: req.IMEI, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID}, ConsentVersion: req.Consent.Version,
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
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, staff)
	if err != nil {
		fail(c, err)
		return
	}
	if err := a.d.Wristbands.Unbind(c.Request.Context(), act, id, req.Reason); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) inviteGuardian(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
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
		c.Header("Retry-After", "60")
		fail(c, errs.New(errs.KindRateLimited, "RATE_LIMITED", "尝试次数太多，请一分钟后再试"))
		return
	}
	b, err := a.d.Wristbands.AcceptInvitation(c.Request.Context(), userID(c), req.Code)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": b.DeviceID, "wearer_name": b.WearerName})
}

func (a *API) wristbandGuardians(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
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
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
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
			fail(c, errs.Invalid("BAD_QUERY", "参数 before 应为 RFC 3339 时间"))
			return
		}
	}
	if f.Limit, err = queryInt(c, "limit", 50, 1, 200); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, staff)
	if err != nil {
		fail(c, err)
		return
	}
	rs, err := a.d.Wristbands.Readings(c.Request.Context(), act, id, f)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]readingDTO, 0, len(rs))
	for _, r := range rs {
		items = append(items, toReadingDTO(r))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) wristbandReadings(c *gin.Context) { a.readings(c, false) }

func (a *API) deviceAlarms(c *gin.Context, staff bool) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	statuses, err := queryStatuses(c)
	if err != nil {
		fail(c, err)
		return
	}
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, staff)
	if err != nil {
		fail(c, err)
		return
	}
	as, err := a.d.Wristbands.Alarms(c.Request.Context(), act, id, statuses, before, limit)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": alarmItems(as, staff)})
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
		aid, err := pathID(c, "alarm_id")
		if err != nil {
			fail(c, err)
			return
		}
		var req noteReq
		if err := decodeOptional(c, &req); err != nil {
			fail(c, err)
			return
		}
		act, err := a.actor(c, false)
		if err != nil {
			fail(c, err)
			return
		}
		al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), act, id, aid, ack, req.Note)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toAlarmDTO(al, false))
	}
}

func (a *API) wristbandAccessLog(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	es, err := a.d.Wristbands.AccessLog(c.Request.Context(), act, id, before, limit)
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
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	t, custom, err := a.d.Wristbands.Thresholds(c.Request.Context(), act, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toThresholdsDTO(t, custom))
}

func (a *API) setThresholds(c *gin.Context, staff bool) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req thresholdsReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, staff)
	if err != nil {
		fail(c, err)
		return
	}
	t, err := a.d.Wristbands.SetThresholds(c.Request.Context(), act, id, req.patch())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toThresholdsDTO(t, true))
}

func (a *API) setWristbandThresholds(c *gin.Context) { a.setThresholds(c, false) }

func (a *API) giveWristbandConsent(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req consentReq
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := a.d.Wristbands.GiveConsent(c.Request.Context(), act, id, req.Version)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, wbConsentDTO{Version: b.ConsentVersion, At: b.ConsentAt})
}

func (a *API) revokeConsent(c *gin.Context, staff bool) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, staff)
	if err != nil {
		fail(c, err)
		return
	}
	n, err := a.d.Wristbands.RevokeConsent(c.Request.Context(), act, id, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"revoked": true, "deleted_readings": n})
}

func (a *API) revokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, false) }

// ---- staff ----

func (a *API) adminWristbands(c *gin.Context) {
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := a.d.Wristbands.Devices(c.Request.Context(), u, wristband.DeviceFilter{IMEI: c.Query("imei"), Batch: c.Query("batch"), BeforeID: before, Limit: limit})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]deviceDTO, 0, len(items))
	for _, it := range items {
		out = append(out, toDeviceDTO(it.Device, it.Binding))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

type importItem struct {
	IMEI   string `json:"imei"`
	Model  string `json:"model"`
	Vendor string `json:"vendor"`
	Batch  string `json:"batch"`
}

func (a *API) adminAddWristbands(c *gin.Context) {
	var req struct {
		Items []importItem `json:"items"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	rows := make([]wristband.ImportRow, 0, len(req.Items))
	for i, it := range req.Items {
		rows = append(rows, wristband.ImportRow{Line: i + 1, IMEI: it.IMEI, Model: it.Model, Vendor: it.Vendor, Batch: it.Batch})
	}
	a.importRows(c, rows)
}

func (a *API) importRows(c *gin.Context, rows []wristband.ImportRow) {
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	n, err := a.d.Wristbands.Import(c.Request.Context(), u, rows)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"imported": n})
}

var errImportUpload = errs.Invalid("IMPORT_BAD_FILE", "请以表单文件（字段名 file）上传 CSV 或 XLSX 文件")

func (a *API) adminImportWristbands(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, errTooLarge)
			return
		}
		fail(c, errImportUpload)
		return
	}
	f, err := fh.Open()
	if err != nil {
		fail(c, errImportUpload)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, a.d.MaxBodyBytes+1))
	if err != nil || int64(len(data)) > a.d.MaxBodyBytes {
		fail(c, errTooLarge)
		return
	}
	rows, err := wristband.ParseImportFile(data)
	if err != nil {
		fail(c, err)
		return
	}
	a.importRows(c, rows)
}

func (a *API) adminBindWristband(c *gin.Context) {
	var req struct {
		bindReq
		UserID int64  `json:"user_id"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := a.d.Wristbands.Bind(c.Request.Context(), act, wristband.BindInput{
		IMEI: req.IMEI, OwnerUserID: req.UserID, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID},
		ConsentVersion: req.Consent.Version, Reason: req.Reason,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toBindingDTO(b))
}

func (a *API) adminWristbandAlarms(c *gin.Context) {
	statuses, err := queryStatuses(c)
	if err != nil {
		fail(c, err)
		return
	}
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	as, err := a.d.Wristbands.StaffAlarms(c.Request.Context(), u, statuses, before, limit)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": alarmItems(as, true)})
}

func (a *API) adminHandleWristbandAlarm(ack bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		var req noteReq
		if err := decodeOptional(c, &req); err != nil {
			fail(c, err)
			return
		}
		act, err := a.actor(c, true)
		if err != nil {
			fail(c, err)
			return
		}
		al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), act, 0, id, ack, req.Note)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toAlarmDTO(al, true))
	}
}

func (a *API) adminUnattachedPushes(c *gin.Context) {
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	us, err := a.d.Wristbands.Unattached(c.Request.Context(), u, before, limit)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]gin.H, 0, len(us))
	for _, x := range us {
		it := gin.H{"id": x.ID, "vendor": x.Vendor, "event_id": x.EventID, "imei": x.IMEI, "type": x.Type, "reason": x.Reason,
			"at": x.At, "received_at": x.ReceivedAt}
		if x.Data != "" && json.Valid([]byte(x.Data)) {
			it["data"] = json.RawMessage(x.Data)
		}
		items = append(items, it)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) adminWristband(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	u, err := a.currentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	d, err := a.d.Wristbands.Device(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	var active *wristband.Binding
	if d.Current != nil {
		active = &d.Current.Binding
	}
	out := toDeviceDTO(d.Device, active)
	hist := make([]bindingDTO, 0, len(d.History))
	for _, b := range d.History {
		hist = append(hist, toBindingDTO(b))
	}
	resp := gin.H{"device": out, "history": hist}
	if d.Current != nil {
		resp["current"] = toBandDTO(*d.Current)
	}
	c.JSON(http.StatusOK, resp)
}

func (a *API) adminUnbindWristband(c *gin.Context) { a.unbind(c, true) }

func (a *API) adminTransferWristband(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		UserID  int64      `json:"user_id"`
		Wearer  wearerReq  `json:"wearer"`
		Consent consentReq `json:"consent"`
		Reason  string     `json:"reason"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	act, err := a.actor(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := a.d.Wristbands.Transfer(c.Request.Context(), act, id, wristband.TransferInput{
		OwnerUserID: req.UserID, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID},
		ConsentVersion: req.Consent.Version, Reason: req.Reason,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toBindingDTO(b))
}

func (a *API) adminWristbandReadings(c *gin.Context) { a.readings(c, true) }

func (a *API) adminDeviceAlarms(c *gin.Context) { a.deviceAlarms(c, true) }

func (a *API) adminSetWristbandThresholds(c *gin.Context) { a.setThresholds(c, true) }

func (a *API) adminRevokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, true) }
