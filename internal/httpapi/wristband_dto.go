package httpapi

import (
	"time"

	"gongjian/internal/pii"
	"gongjian/internal/wristband"
)

// ---- DTOs ----

type wearerDTO struct {
	Self        bool  `json:"self,omitempty"`
	DependentID int64 `json:"dependent_id,omitempty"`
}

type wearerReq struct {
	Self        bool  `json:"self"`
	DependentID int64 `json:"dependent_id"`
}

func (w wearerReq) ref() wristband.WearerRef {
	return wristband.WearerRef{Self: w.Self, DependentID: w.DependentID}
}

type consentReq struct {
	Version string `json:"version"`
}

// UnmarshalJSON reads {"version":"v1"}, or the version alone ("v1"), or
// true: consent to the text in force (false is no consent).
func (r *consentReq) UnmarshalJSON(b []byte) error {
	if short, err := consentShorthand(b, wristband.ConsentVersion, &r.Version); short {
		return err
	}
	type plain consentReq
	return strictObject(b, (*plain)(r))
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
	ID        int64     `json:"id"` // with at, the next page's before_id
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
	out := readingDTO{ID: r.ID, Kind: string(r.Kind), At: r.At}
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

// alarmID keys a page of alarms.
func alarmID(al wristband.Alarm) int64 { return al.ID }

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
