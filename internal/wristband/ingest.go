package wristband

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// Webhook request headers. The signature is the hex HMAC-SHA256, keyed with
// the vendor's shared secret, of the timestamp, a dot and the raw body (the
// timestamp directly followed by the body is accepted too).
const (
	HeaderVendor    = "X-Vendor"
	HeaderTimestamp = "X-Timestamp" // Unix seconds (or milliseconds, or RFC 3339)
	HeaderSignature = "X-Signature" // hex, optionally prefixed "sha256="
)

// Sign returns the signature of a push.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// signConcatenated is the signature over the timestamp and the body with
// nothing between them, also accepted: the body is a JSON object, so the
// two cannot be re-split into another valid request.
func signConcatenated(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// parseTimestamp reads X-Timestamp: Unix seconds, Unix milliseconds (13
// digits) or an RFC 3339 time.
func parseTimestamp(v string) (time.Time, bool) {
	if ts, err := strconv.ParseInt(v, 10, 64); err == nil {
		if ts >= 1e12 || ts <= -1e12 {
			return time.UnixMilli(ts), true
		}
		return time.Unix(ts, 0), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// SignedRequest is a webhook request as received.
type SignedRequest struct {
	Vendor, Timestamp, Signature string
	Body                         []byte
}

// IngestResult tells the vendor what happened to a push.
type IngestResult struct {
	Outcome string
	AlarmID int64 // an alarm opened (or repeated) by the push
}

// Webhook refusals. Nothing is stored for any of them.
var (
	errUnsigned       = errs.Unauthorized("WEBHOOK_UNSIGNED", "缺少签名：请求需带 X-Vendor、X-Timestamp 和 X-Signature")
	errUnknownVendor  = errs.Unauthorized("WEBHOOK_UNKNOWN_VENDOR", "厂商未登记或未配置密钥")
	errBadSignature   = errs.Unauthorized("WEBHOOK_BAD_SIGNATURE", "签名不正确")
	errBadTimestamp   = errs.Invalid("WEBHOOK_BAD_TIMESTAMP", "X-Timestamp 应为 Unix 时间（秒）")
	errStale          = errs.Unauthorized("WEBHOOK_STALE", "请求时间超出允许范围，请校准时钟后重新签名发送")
	errReplayed       = errs.Conflict("WEBHOOK_REPLAYED", "该请求已收到过，重放的请求不予处理")
	errVendorMismatch = errs.Unprocessable("WEBHOOK_VENDOR_MISMATCH", "该手环登记的厂商与推送方不一致")
)

func malformed(what string) error {
	return errs.Invalid("WEBHOOK_MALFORMED", "推送内容格式不正确："+what)
}

// Webhook authenticates a vendor push (signature, timestamp within the
// replay window, request not seen before), decodes it and ingests it.
func (s *Service) Webhook(ctx context.Context, r SignedRequest) (IngestResult, error) {
	if r.Vendor == "" || r.Timestamp == "" || r.Signature == "" {
		return IngestResult{}, errUnsigned
	}
	secret, ok := s.cfg.Vendors[r.Vendor]
	if !ok || secret == "" {
		return IngestResult{}, errUnknownVendor
	}
	sig := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(r.Signature)), "sha256=")
	canonical := Sign(secret, r.Timestamp, r.Body)
	if !hmac.Equal([]byte(sig), []byte(canonical)) && !hmac.Equal([]byte(sig), []byte(signConcatenated(secret, r.Timestamp, r.Body))) {
		return IngestResult{}, errBadSignature
	}
	at, ok := parseTimestamp(r.Timestamp)
	if !ok {
		return IngestResult{}, errBadTimestamp
	}
	now := s.now()
	if d := now.Sub(at); d > s.cfg.ReplayWindow || d < -s.cfg.ReplayWindow {
		return IngestResult{}, errStale
	}
	// One key per request whichever form of signature it carries.
	key := "wristband:replay:" + r.Vendor + ":" + canonical
	first, err := s.replay.Claim(ctx, key, 2*s.cfg.ReplayWindow)
	if err != nil {
		return IngestResult{}, err
	}
	if !first {
		return IngestResult{}, errReplayed
	}
	p, err := ParsePush(r.Vendor, r.Body, now)
	if err != nil {
		return IngestResult{}, err
	}
	res, err := s.Ingest(ctx, p)
	if err != nil {
		if k := errs.KindOf(err); k == errs.KindUnavailable || k == errs.KindInternal {
			// Not processed: the vendor may send the very same request again.
			_ = s.replay.Release(context.WithoutCancel(ctx), key)
		}
		return IngestResult{}, err
	}
	return res, nil
}

type pushBody struct {
	EventID string          `json:"event_id"`
	IMEI    string          `json:"imei"`
	Type    EventType       `json:"type"`
	At      string          `json:"at"`
	Data    json.RawMessage `json:"data"`
}

type pushData struct {
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	HeartRate *int     `json:"heart_rate"`
	Systolic  *int     `json:"systolic"`
	Diastolic *int     `json:"diastolic"`
	Glucose   *float64 `json:"glucose"`
	Battery   *int     `json:"battery"`
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func validEventID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// ParsePush decodes and validates a push body:
//
//	{"event_id":"…","imei":"…","type":"blood_pressure","at":"2025-05-01T08:00:00+08:00",
//	 "data":{"systolic":150,"diastolic":95}}
//
// data holds lat/lng (location; optional on sos, fall, taken_off),
// heart_rate, systolic/diastolic, glucose (mmol/L) and battery (any type).
func ParsePush(vendor string, body []byte, now time.Time) (Push, error) {
	var b pushBody
	if err := strictDecode(body, &b); err != nil {
		return Push{}, malformed("不是有效的 JSON 或含有未知字段")
	}
	if !validEventID(b.EventID) {
		return Push{}, malformed("event_id 应为1–64个可见字符")
	}
	p := Push{Vendor: vendor, EventID: b.EventID, IMEI: NormalizeIMEI(b.IMEI), Type: b.Type}
	if ValidateIMEI(p.IMEI) != nil {
		return Push{}, malformed("imei 无效")
	}
	at, err := time.Parse(time.RFC3339Nano, b.At)
	if err != nil {
		return Push{}, malformed("at 应为 RFC 3339 时间")
	}
	if at.After(now.Add(10*time.Minute)) || at.Year() < 2000 {
		return Push{}, malformed("at 时间不合理")
	}
	p.At = at.UTC()
	var d pushData
	if len(bytes.TrimSpace(b.Data)) > 0 && string(bytes.TrimSpace(b.Data)) != "null" {
		if err := strictDecode(b.Data, &d); err != nil {
			return Push{}, malformed("data 不是有效的对象或含有未知字段")
		}
		p.Data = bytes.TrimSpace(b.Data)
	}
	p.Lat, p.Lng, p.HeartRate, p.Systolic, p.Diastolic, p.Glucose, p.Battery = d.Lat, d.Lng, d.HeartRate, d.Systolic, d.Diastolic, d.Glucose, d.Battery
	if err := p.validate(); err != nil {
		return Push{}, err
	}
	return p, nil
}

func (p Push) validate() error {
	hasLoc := p.Lat != nil || p.Lng != nil
	vitals := p.HeartRate != nil || p.Systolic != nil || p.Diastolic != nil || p.Glucose != nil
	if p.Battery != nil && (*p.Battery < 0 || *p.Battery > 100) {
		return malformed("battery 应在 0–100 之间")
	}
	if hasLoc {
		if p.Lat == nil || p.Lng == nil || math.Abs(*p.Lat) > 90 || math.Abs(*p.Lng) > 180 || math.IsNaN(*p.Lat) || math.IsNaN(*p.Lng) {
			return malformed("lat/lng 应成对出现且在有效范围内")
		}
	}
	only := func(ok bool, what string) error {
		if !ok {
			return malformed(what)
		}
		return nil
	}
	switch p.Type {
	case EventLocation:
		return only(hasLoc && !vitals, "location 需要 lat 和 lng，且不带体征数据")
	case EventHeartRate:
		return only(!hasLoc && p.HeartRate != nil && p.Systolic == nil && p.Diastolic == nil && p.Glucose == nil &&
			*p.HeartRate >= 20 && *p.HeartRate <= 250, "heart_rate 需要 20–250 之间的 heart_rate")
	case EventBloodPressure:
		return only(!hasLoc && p.Systolic != nil && p.Diastolic != nil && p.HeartRate == nil && p.Glucose == nil &&
			*p.Systolic >= 40 && *p.Systolic <= 300 && *p.Diastolic >= 20 && *p.Diastolic <= 200 && *p.Systolic > *p.Diastolic,
			"blood_pressure 需要合理的 systolic 和 diastolic")
	case EventBloodGlucose:
		return only(!hasLoc && p.Glucose != nil && p.HeartRate == nil && p.Systolic == nil && p.Diastolic == nil &&
			*p.Glucose >= 0.5 && *p.Glucose <= 40, "blood_glucose 需要 0.5–40 之间的 glucose（mmol/L）")
	case EventSOS, EventFall, EventTakenOff:
		return only(!vitals, p.Type.String()+" 只能带位置和电量")
	case EventLowBattery, EventOnline, EventOffline:
		return only(!vitals && !hasLoc, p.Type.String()+" 只能带电量")
	}
	return malformed("type 不支持")
}

func (t EventType) String() string { return string(t) }

// reading turns a push into the reading it carries, if any.
func (p Push) reading() (Reading, bool) {
	r := Reading{At: p.At}
	switch p.Type {
	case EventHeartRate:
		r.Kind, r.HeartRate = KindHeartRate, *p.HeartRate
	case EventBloodPressure:
		r.Kind, r.Systolic, r.Diastolic = KindBloodPressure, *p.Systolic, *p.Diastolic
	case EventBloodGlucose:
		r.Kind, r.GlucoseTenths = KindBloodGlucose, toTenths(*p.Glucose)
	default:
		if p.Lat == nil {
			return Reading{}, false
		}
		r.Kind, r.Lat, r.Lng = KindLocation, *p.Lat, *p.Lng
	}
	return r, true
}

// eventAlarm is the alarm a push raises by itself.
func eventAlarm(t EventType) (AlarmType, string, bool) {
	switch t {
	case EventSOS:
		return AlarmSOS, "佩戴人按下了紧急呼叫按钮", true
	case EventFall:
		return AlarmFall, "手环检测到疑似跌倒", true
	case EventTakenOff:
		return AlarmTakenOff, "手环被摘下，暂时无法监测", true
	}
	return "", "", false
}

// Ingest stores an authenticated push exactly once (by the vendor's event
// id): on the device's current binding when the wearer's consent stands,
// aside for staff when the device is unknown or unbound, nowhere when the
// consent was revoked. SOS, falls, taken-off wristbands and readings outside
// the wearer's thresholds raise an alarm and notify the guardians in the
// same transaction; while that alarm is unresolved, further events of its
// type only count as repeats.
func (s *Service) Ingest(ctx context.Context, p Push) (IngestResult, error) {
	now := s.now().UTC()
	dev, err := s.store.DeviceByIMEI(ctx, p.IMEI)
	known := err == nil
	if err != nil && errs.KindOf(err) != errs.KindNotFound {
		return IngestResult{}, err
	}
	if known && dev.Vendor != p.Vendor {
		return IngestResult{}, errVendorMismatch
	}
	// An event from longer ago than the window (a device that was offline
	// for days, a vendor replaying its backlog, a wrong clock) is history:
	// its reading is kept, but it opens no live alarm and notifies nobody,
	// and it does not overwrite the device's current status.
	late := p.At.Before(now.Add(-s.cfg.LateAfter))
	var res IngestResult
	err = s.store.Atomically(ctx, func(tx Tx) error {
		ev := Event{Vendor: p.Vendor, EventID: p.EventID, DeviceID: dev.ID, ReceivedAt: now}
		var b Binding
		bound := false
		if known {
			var err error
			b, err = tx.LockActiveBinding(dev.ID)
			switch {
			case err == nil:
				bound = true
			case errs.KindOf(err) != errs.KindNotFound:
				return err
			}
		}
		switch {
		case !bound:
			ev.Outcome = OutcomeUnattached
		case !b.Collecting():
			ev.Outcome, ev.BindingID = OutcomeNoConsent, b.ID
		case late:
			ev.Outcome, ev.BindingID = OutcomeHistory, b.ID
		default:
			ev.Outcome, ev.BindingID = OutcomeStored, b.ID
		}
		fresh, err := tx.InsertEvent(ev)
		if err != nil {
			return err
		}
		if !fresh {
			res.Outcome = OutcomeDuplicate
			return nil
		}
		res.Outcome = ev.Outcome
		if known && !late {
			if err := s.deviceStatus(tx, dev.ID, p, now); err != nil {
				return err
			}
		}
		switch ev.Outcome {
		case OutcomeUnattached:
			reason := ReasonUnknownDevice
			if known {
				reason = ReasonUnbound
			}
			return tx.InsertUnattached(Unattached{Vendor: p.Vendor, EventID: p.EventID, IMEI: p.IMEI, Type: p.Type,
				Reason: reason, At: p.At, ReceivedAt: now, Data: string(p.Data)})
		case OutcomeNoConsent:
			return nil
		case OutcomeHistory:
			return s.keepHistory(tx, b, p, now)
		}
		id, err := s.attach(tx, b, p, now)
		res.AlarmID = id
		return err
	})
	if err != nil {
		return IngestResult{}, err
	}
	return res, nil
}

func (s *Service) deviceStatus(tx Tx, deviceID int64, p Push, now time.Time) error {
	var online *bool
	switch p.Type {
	case EventOffline:
		f := false
		online = &f
	case EventOnline:
		t := true
		online = &t
	}
	if online == nil && p.Battery == nil {
		return nil
	}
	return tx.UpdateDeviceStatus(deviceID, p.Battery, online, now)
}

// keepHistory stores a late push's reading on the binding, and nothing else.
func (s *Service) keepHistory(tx Tx, b Binding, p Push, now time.Time) error {
	r, has := p.reading()
	if !has {
		return nil
	}
	r.BindingID, r.DeviceID, r.ReceivedAt = b.ID, b.DeviceID, now
	return tx.InsertReading(&r)
}

// attach stores the push's reading on the binding and raises its alarm.
func (s *Service) attach(tx Tx, b Binding, p Push, now time.Time) (int64, error) {
	r, has := p.reading()
	var loc *Reading
	if has {
		r.BindingID, r.DeviceID, r.ReceivedAt = b.ID, b.DeviceID, now
		if err := tx.InsertReading(&r); err != nil {
			return 0, err
		}
		if r.Kind == KindLocation {
			loc = &r
		}
	}
	at, detail, raise := eventAlarm(p.Type)
	if has && r.Kind != KindLocation {
		t, ok, err := tx.Thresholds(b.WearerKey())
		if err != nil {
			return 0, err
		}
		if !ok {
			t = DefaultThresholds
		}
		var br Breach
		if br, raise = t.Check(r); raise {
			at, detail = br.Type, br.Detail
		}
	}
	if !raise {
		return 0, nil
	}
	if loc == nil {
		var err error
		if loc, err = tx.LatestLocation(b.ID); err != nil {
			return 0, err
		}
	}
	a := Alarm{BindingID: b.ID, DeviceID: b.DeviceID, Type: at, Status: StatusOpen, Detail: detail, OpenedAt: now, LastEventAt: now}
	if loc != nil {
		lat, lng := loc.Lat, loc.Lng
		a.Lat, a.Lng = &lat, &lng
	}
	opened, err := tx.RaiseAlarm(&a)
	if err != nil || !opened {
		return a.ID, err
	}
	ids, err := tx.GuardianIDs(b.ID)
	if err != nil {
		return 0, err
	}
	return a.ID, tx.AddNotices(alarmNotices(a, b, ids))
}

func clock(t time.Time) string { return cst.Minute(t) }

// AlarmNoticePrefixes are the dedup-key prefixes of every notice about the
// alarm: to the guardians when it is raised, to staff when it escalates.
// The store finds them by these when consent is revoked.
func AlarmNoticePrefixes(alarmID int64) [2]string {
	return [2]string{fmt.Sprintf("wristband:alarm:%d:", alarmID), fmt.Sprintf("wristband:escalate:%d:", alarmID)}
}

func alarmNotices(a Alarm, b Binding, userIDs []int64) []notify.Notice {
	out := make([]notify.Notice, 0, len(userIDs))
	label := a.Type.Label()
	for _, uid := range userIDs {
		out = append(out, notify.Notice{
			UserID: uid, TemplateKey: notify.WristbandAlert,
			DedupKey: fmt.Sprintf("%suser:%d", AlarmNoticePrefixes(a.ID)[0], uid),
			Title:    fmt.Sprintf("%s的手环：%s", b.WearerName, label),
			Body:     fmt.Sprintf("%s的手环于 %s 报告%s：%s。请尽快联系确认，并在小程序中受理。", b.WearerName, clock(a.OpenedAt), label, a.Detail),
			Fields:   map[string]string{"wearer": b.WearerName, "type": label, "time": clock(a.OpenedAt), "detail": a.Detail, "status": StatusOpen.Label()},
			Page:     fmt.Sprintf("pages/wristband/detail?id=%d", b.DeviceID),
		})
	}
	return out
}
