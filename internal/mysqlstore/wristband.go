package mysqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/audit"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// ---- rows ----

type wbDeviceRow struct {
	ID         int64  `gorm:"primaryKey;autoIncrement"`
	IMEI       string `gorm:"column:imei;size:15;not null;uniqueIndex:uq_wb_devices_imei"`
	Model      string `gorm:"size:64;not null;default:''"`
	Vendor     string `gorm:"size:32;not null;default:''"`
	Batch      string `gorm:"size:64;not null;default:'';index:idx_wb_devices_batch"`
	Battery    *int   `gorm:"type:smallint"`
	Online     *bool
	StatusAt   *time.Time
	ImportedBy int64 `gorm:"not null;default:0"`
	// ActivationCodeHash: the vendor's activation code imported with the
	// device, hashed (wristband.CodeHash); "" when none was.
	ActivationCodeHash string `gorm:"size:64;not null;default:''"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (wbDeviceRow) TableName() string { return "wristband_devices" }

// wbBindingRow: the unique keys on the nullable active_* columns (set only
// while the binding is active; MySQL and SQLite allow many NULLs) make the
// database itself refuse a second active binding of a device or a wearer.
type wbBindingRow struct {
	ID                int64   `gorm:"primaryKey;autoIncrement"`
	DeviceID          int64   `gorm:"not null;index:idx_wb_bindings_device"`
	OwnerUserID       int64   `gorm:"not null;index:idx_wb_bindings_owner"`
	WearerDependentID int64   `gorm:"not null;default:0"`
	WearerKey         string  `gorm:"size:24;not null;index:idx_wb_bindings_wearer"`
	WearerName        string  `gorm:"size:64;not null;default:''"`
	ActiveDeviceKey   *int64  `gorm:"uniqueIndex:uq_wb_bindings_active_device"`
	ActiveWearerKey   *string `gorm:"size:24;uniqueIndex:uq_wb_bindings_active_wearer"`
	ConsentVersion    string  `gorm:"size:32;not null;default:''"`
	ConsentAt         time.Time
	ConsentBy         int64 `gorm:"not null;default:0"`
	ConsentRevokedAt  *time.Time
	ConsentRevokedBy  int64  `gorm:"not null;default:0"`
	ConsentRevokeNote string `gorm:"size:200;not null;default:''"`
	BoundBy           int64  `gorm:"not null;default:0"`
	BindReason        string `gorm:"size:200;not null;default:''"`
	StartedAt         time.Time
	EndedAt           *time.Time
	EndedBy           int64  `gorm:"not null;default:0"`
	EndReason         string `gorm:"size:20;not null;default:''"`
	EndNote           string `gorm:"size:200;not null;default:''"`
}

func (wbBindingRow) TableName() string { return "wristband_bindings" }

type wbGuardianRow struct {
	ID        int64   `gorm:"primaryKey;autoIncrement"`
	BindingID int64   `gorm:"not null;index:idx_wb_guardians_binding"`
	UserID    int64   `gorm:"not null;index:idx_wb_guardians_user"`
	Owner     bool    `gorm:"not null;default:false"`
	ActiveKey *string `gorm:"size:40;uniqueIndex:uq_wb_guardians_active"` // "binding:user" while active
	AddedBy   int64   `gorm:"not null;default:0"`
	AddedAt   time.Time
	RemovedAt *time.Time
	RemovedBy int64 `gorm:"not null;default:0"`
}

func (wbGuardianRow) TableName() string { return "wristband_guardians" }

type wbInvitationRow struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	BindingID  int64     `gorm:"not null;index:idx_wb_invitations_binding"`
	CodeHash   string    `gorm:"size:64;not null;uniqueIndex:uq_wb_invitations_code"`
	CreatedBy  int64     `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null;index:idx_wb_invitations_expires"`
	AcceptedBy int64     `gorm:"not null;default:0"`
	AcceptedAt *time.Time
	CreatedAt  time.Time
}

func (wbInvitationRow) TableName() string { return "wristband_invitations" }

// wbReadingRow is kept narrow: it is the big table (one row per push).
type wbReadingRow struct {
	ID            int64     `gorm:"primaryKey;autoIncrement"`
	BindingID     int64     `gorm:"not null;index:idx_wb_readings_latest,priority:1"`
	Kind          string    `gorm:"size:16;not null;index:idx_wb_readings_latest,priority:2"`
	MeasuredAt    time.Time `gorm:"not null;index:idx_wb_readings_latest,priority:3;index:idx_wb_readings_measured"`
	Lat           *float64
	Lng           *float64
	HeartRate     *int `gorm:"type:smallint"`
	Systolic      *int `gorm:"type:smallint"`
	Diastolic     *int `gorm:"type:smallint"`
	GlucoseTenths *int `gorm:"type:smallint"`
}

func (wbReadingRow) TableName() string { return "wristband_readings" }

type wbEventRow struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	Vendor     string    `gorm:"size:32;not null;uniqueIndex:uq_wb_events_vendor_event,priority:1"`
	EventID    string    `gorm:"size:64;not null;uniqueIndex:uq_wb_events_vendor_event,priority:2"`
	DeviceID   int64     `gorm:"not null;default:0"`
	BindingID  int64     `gorm:"not null;default:0"`
	Outcome    string    `gorm:"size:16;not null"`
	ReceivedAt time.Time `gorm:"not null;index:idx_wb_events_received"`
}

func (wbEventRow) TableName() string { return "wristband_events" }

type wbUnattachedRow struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	Vendor     string    `gorm:"size:32;not null"`
	EventID    string    `gorm:"size:64;not null"`
	IMEI       string    `gorm:"column:imei;size:15;not null;index:idx_wb_unattached_imei"`
	Type       string    `gorm:"size:16;not null"`
	Reason     string    `gorm:"size:16;not null"`
	OccurredAt time.Time `gorm:"not null"`
	ReceivedAt time.Time `gorm:"not null;index:idx_wb_unattached_received"`
	Data       string    `gorm:"type:text"`
}

func (wbUnattachedRow) TableName() string { return "wristband_unattached" }

// wbAlarmRow: open_key ("binding:type") is set while the alarm is unresolved,
// so the database keeps one unresolved alarm per binding and type.
type wbAlarmRow struct {
	ID          int64   `gorm:"primaryKey;autoIncrement"`
	BindingID   int64   `gorm:"not null;index:idx_wb_alarms_binding"`
	DeviceID    int64   `gorm:"not null"`
	Type        string  `gorm:"size:20;not null"`
	Status      string  `gorm:"size:10;not null;index:idx_wb_alarms_due,priority:1"`
	OpenKey     *string `gorm:"size:40;uniqueIndex:uq_wb_alarms_open"`
	Detail      string  `gorm:"size:200;not null;default:''"`
	Lat         *float64
	Lng         *float64
	OpenedAt    time.Time `gorm:"not null;index:idx_wb_alarms_due,priority:2"`
	LastEventAt time.Time `gorm:"not null"`
	Repeats     int       `gorm:"not null;default:0"`
	AckedAt     *time.Time
	AckedBy     int64  `gorm:"not null;default:0"`
	AckNote     string `gorm:"size:200;not null;default:''"`
	ResolvedAt  *time.Time
	ResolvedBy  int64  `gorm:"not null;default:0"`
	ResolveNote string `gorm:"size:200;not null;default:''"`
	EscalatedAt *time.Time
}

func (wbAlarmRow) TableName() string { return "wristband_alarms" }

type wbThresholdRow struct {
	WearerKey     string `gorm:"primaryKey;size:24"`
	SystolicHigh  int    `gorm:"not null"`
	SystolicLow   int    `gorm:"not null"`
	DiastolicHigh int    `gorm:"not null"`
	GlucoseHigh   int    `gorm:"not null"`
	GlucoseLow    int    `gorm:"not null"`
	HeartRateHigh int    `gorm:"not null"`
	HeartRateLow  int    `gorm:"not null"`
	UpdatedBy     int64  `gorm:"not null;default:0"`
	UpdatedAt     time.Time
}

func (wbThresholdRow) TableName() string { return "wristband_thresholds" }

type wbAccessRow struct {
	ID           int64     `gorm:"primaryKey;autoIncrement"`
	BindingID    int64     `gorm:"not null;index:idx_wb_access_binding"`
	DeviceID     int64     `gorm:"not null"`
	ViewerUserID int64     `gorm:"not null"`
	ViewerRole   string    `gorm:"size:16;not null"`
	What         string    `gorm:"size:24;not null"`
	At           time.Time `gorm:"not null;index:idx_wb_access_at"`
}

func (wbAccessRow) TableName() string { return "wristband_access_log" }

var wristbandMigrations = []Migration{
	{ID: "0400_wristbands", Up: createTables(&wbDeviceRow{}, &wbBindingRow{}, &wbGuardianRow{}, &wbInvitationRow{},
		&wbReadingRow{}, &wbEventRow{}, &wbUnattachedRow{}, &wbAlarmRow{}, &wbThresholdRow{}, &wbAccessRow{})},
}

// ---- store ----

// WristbandStore implements wristband.Store.
type WristbandStore struct{ base }

// NewWristbandStore returns the wristband store.
func NewWristbandStore(db *DB) *WristbandStore { return &WristbandStore{base{db}} }

var _ wristband.Store = (*WristbandStore)(nil)

var (
	errDeviceNotFound  = errs.NotFound("DEVICE_NOT_FOUND", "手环不存在")
	errBindingNotFound = errs.NotFound("BINDING_NOT_FOUND", "手环未绑定")
)

func toDevice(r wbDeviceRow) wristband.Device {
	return wristband.Device{ID: r.ID, IMEI: r.IMEI, Model: r.Model, Vendor: r.Vendor, Batch: r.Batch, Battery: r.Battery,
		Online: r.Online, StatusAt: r.StatusAt, ImportedBy: r.ImportedBy, CreatedAt: r.CreatedAt}
}

// bindingScan is a binding with the owner's community and the device's IMEI.
type bindingScan struct {
	Row         wbBindingRow `gorm:"embedded"`
	CommunityID int64
	IMEI        string `gorm:"column:imei"`
}

func toBinding(r wbBindingRow) wristband.Binding {
	return wristband.Binding{
		ID: r.ID, DeviceID: r.DeviceID, OwnerUserID: r.OwnerUserID, WearerDependentID: r.WearerDependentID, WearerName: r.WearerName,
		ConsentVersion: r.ConsentVersion, ConsentAt: r.ConsentAt, ConsentBy: r.ConsentBy, ConsentRevokedAt: r.ConsentRevokedAt,
		ConsentRevokedBy: r.ConsentRevokedBy, ConsentRevokeNote: r.ConsentRevokeNote,
		BoundBy: r.BoundBy, BindReason: r.BindReason, StartedAt: r.StartedAt,
		EndedAt: r.EndedAt, EndedBy: r.EndedBy, EndReason: r.EndReason, EndNote: r.EndNote,
	}
}

func (b bindingScan) binding() wristband.Binding {
	out := toBinding(b.Row)
	out.CommunityID, out.IMEI = b.CommunityID, b.IMEI
	return out
}

// bindings selects bindings with the owner's community and the device IMEI.
func (s *WristbandStore) bindings(ctx context.Context) *gorm.DB {
	return s.g(ctx).Table("wristband_bindings b").
		Select("b.*, COALESCE(u.community_id, 0) AS community_id, d.imei AS imei").
		Joins("LEFT JOIN users u ON u.id = b.owner_user_id").
		Joins("JOIN wristband_devices d ON d.id = b.device_id")
}

func scanBindings(q *gorm.DB) ([]wristband.Binding, error) {
	return scanAs(q, bindingScan.binding)
}

// DeviceByIMEI loads a device by IMEI.
func (s *WristbandStore) DeviceByIMEI(ctx context.Context, imei string) (wristband.Device, error) {
	return takeAs(s.g(ctx).Where("imei = ?", imei), errDeviceNotFound, toDevice)
}

// DeviceByID loads a device.
func (s *WristbandStore) DeviceByID(ctx context.Context, id int64) (wristband.Device, error) {
	return takeAs(s.g(ctx).Where("id = ?", id), errDeviceNotFound, toDevice)
}

// ListDevices lists devices newest first with their active bindings.
func (s *WristbandStore) ListDevices(ctx context.Context, f wristband.DeviceFilter) ([]wristband.DeviceListItem, error) {
	q := s.g(ctx).Model(&wbDeviceRow{}).Order("id DESC").Limit(f.Limit)
	if f.IMEI != "" { // digits only (checked by the service): no LIKE escaping needed
		q = q.Where("imei LIKE ?", f.IMEI+"%")
	}
	q = whereEq(q, "batch", f.Batch)
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []wbDeviceRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	active := map[int64]wristband.Binding{}
	if len(ids) > 0 {
		bs, err := scanBindings(s.bindings(ctx).Where("b.active_device_key IN ?", ids))
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			active[b.DeviceID] = b
		}
	}
	out := make([]wristband.DeviceListItem, 0, len(rows))
	for _, r := range rows {
		it := wristband.DeviceListItem{Device: toDevice(r)}
		if b, ok := active[r.ID]; ok {
			it.Binding = &b
		}
		out = append(out, it)
	}
	return out, nil
}

// ExistingIMEIs returns which of imeis are registered.
func (s *WristbandStore) ExistingIMEIs(ctx context.Context, imeis []string) ([]string, error) {
	var out []string
	for start := 0; start < len(imeis); start += 500 {
		end := min(start+500, len(imeis))
		var got []string
		if err := s.g(ctx).Model(&wbDeviceRow{}).Where("imei IN ?", imeis[start:end]).Pluck("imei", &got).Error; err != nil {
			return nil, translate(err, nil)
		}
		out = append(out, got...)
	}
	return out, nil
}

// CreateDevices inserts devices in one transaction (all or nothing).
func (s *WristbandStore) CreateDevices(ctx context.Context, ds []wristband.Device) error {
	rows := make([]wbDeviceRow, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, wbDeviceRow{IMEI: d.IMEI, Model: d.Model, Vendor: d.Vendor, Batch: d.Batch, ImportedBy: d.ImportedBy,
			ActivationCodeHash: d.ActivationHash})
	}
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		for i := range rows {
			rows[i].ID = 0
		}
		return tx.CreateInBatches(&rows, 500).Error
	}), nil)
}

// ActiveBinding returns the device's active binding.
func (s *WristbandStore) ActiveBinding(ctx context.Context, deviceID int64) (wristband.Binding, error) {
	bs, err := scanBindings(s.bindings(ctx).Where("b.active_device_key = ?", deviceID))
	if err != nil {
		return wristband.Binding{}, err
	}
	if len(bs) == 0 {
		return wristband.Binding{}, errBindingNotFound
	}
	return bs[0], nil
}

// BindingsOfDevice lists every binding of the device, newest first.
func (s *WristbandStore) BindingsOfDevice(ctx context.Context, deviceID int64) ([]wristband.Binding, error) {
	return scanBindings(s.bindings(ctx).Where("b.device_id = ?", deviceID).Order("b.id DESC"))
}

// GuardedBindings lists the active bindings the user actively guards.
func (s *WristbandStore) GuardedBindings(ctx context.Context, userID int64) ([]wristband.Binding, error) {
	return scanBindings(s.bindings(ctx).
		Joins("JOIN wristband_guardians g ON g.binding_id = b.id AND g.user_id = ? AND g.active_key IS NOT NULL", userID).
		Where("b.ended_at IS NULL").Order("b.id"))
}

type guardianScan struct {
	Row      wbGuardianRow `gorm:"embedded"`
	RealName string
	Nickname string
}

func userName(realName, nickname string) string { return resident.NameOf(realName, nickname) }

func toGuardian(r wbGuardianRow) wristband.Guardian {
	return wristband.Guardian{ID: r.ID, BindingID: r.BindingID, UserID: r.UserID, Owner: r.Owner, AddedBy: r.AddedBy,
		AddedAt: r.AddedAt, RemovedAt: r.RemovedAt, RemovedBy: r.RemovedBy}
}

// Guardian returns the user's active guardianship of the binding.
func (s *WristbandStore) Guardian(ctx context.Context, bindingID, userID int64) (wristband.Guardian, error) {
	var r wbGuardianRow
	err := s.g(ctx).Where("binding_id = ? AND user_id = ? AND active_key IS NOT NULL", bindingID, userID).Take(&r).Error
	if err != nil {
		return wristband.Guardian{}, translate(err, errs.NotFound("GUARDIAN_NOT_FOUND", "不是监护人"))
	}
	return toGuardian(r), nil
}

// Guardians lists the binding's active guardians, the owner first.
func (s *WristbandStore) Guardians(ctx context.Context, bindingID int64) ([]wristband.Guardian, error) {
	var rows []guardianScan
	err := s.g(ctx).Table("wristband_guardians g").
		Select("g.*, COALESCE(u.real_name, '') AS real_name, COALESCE(u.nickname, '') AS nickname").
		Joins("LEFT JOIN users u ON u.id = g.user_id").
		Where("g.binding_id = ? AND g.active_key IS NOT NULL", bindingID).
		Order("g.owner DESC, g.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	out := make([]wristband.Guardian, 0, len(rows))
	for _, r := range rows {
		g := toGuardian(r.Row)
		g.Name = userName(r.RealName, r.Nickname)
		out = append(out, g)
	}
	return out, nil
}

// CreateInvitation stores an invitation.
func (s *WristbandStore) CreateInvitation(ctx context.Context, inv *wristband.Invitation) error {
	r := wbInvitationRow{BindingID: inv.BindingID, CodeHash: inv.CodeHash, CreatedBy: inv.CreatedBy, ExpiresAt: inv.ExpiresAt.UTC()}
	if err := s.g(ctx).Create(&r).Error; err != nil {
		return translate(err, nil)
	}
	inv.ID = r.ID
	return nil
}

func toReading(r wbReadingRow) wristband.Reading {
	out := wristband.Reading{ID: r.ID, BindingID: r.BindingID, Kind: wristband.Kind(r.Kind), At: r.MeasuredAt}
	deref := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	if r.Lat != nil && r.Lng != nil {
		out.Lat, out.Lng = *r.Lat, *r.Lng
	}
	out.HeartRate, out.Systolic, out.Diastolic, out.GlucoseTenths = deref(r.HeartRate), deref(r.Systolic), deref(r.Diastolic), deref(r.GlucoseTenths)
	return out
}

func fromReading(r wristband.Reading) wbReadingRow {
	row := wbReadingRow{BindingID: r.BindingID, Kind: string(r.Kind), MeasuredAt: r.At.UTC()}
	ip := func(v int) *int { return &v }
	switch r.Kind {
	case wristband.KindLocation:
		lat, lng := r.Lat, r.Lng
		row.Lat, row.Lng = &lat, &lng
	case wristband.KindHeartRate:
		row.HeartRate = ip(r.HeartRate)
	case wristband.KindBloodPressure:
		row.Systolic, row.Diastolic = ip(r.Systolic), ip(r.Diastolic)
	case wristband.KindBloodGlucose:
		row.GlucoseTenths = ip(r.GlucoseTenths)
	}
	return row
}

func latestOf(g *gorm.DB, bindingID int64, kind wristband.Kind) (*wristband.Reading, error) {
	var rows []wbReadingRow
	err := g.Where("binding_id = ? AND kind = ?", bindingID, string(kind)).Order("measured_at DESC, id DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := toReading(rows[0])
	return &r, nil
}

// LatestReadings returns the newest reading of each kind.
func (s *WristbandStore) LatestReadings(ctx context.Context, bindingID int64) (map[wristband.Kind]wristband.Reading, error) {
	out := map[wristband.Kind]wristband.Reading{}
	for _, k := range wristband.Kinds {
		r, err := latestOf(s.g(ctx), bindingID, k)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out[k] = *r
		}
	}
	return out, nil
}

// Readings lists readings newest first.
func (s *WristbandStore) Readings(ctx context.Context, bindingID int64, f wristband.ReadingFilter) ([]wristband.Reading, error) {
	kinds := make([]string, 0, len(f.Kinds))
	for _, k := range f.Kinds {
		kinds = append(kinds, string(k))
	}
	q := s.g(ctx).Where("binding_id = ? AND kind IN ?", bindingID, kinds)
	switch {
	case !f.Before.IsZero() && f.BeforeID > 0:
		b := f.Before.UTC()
		q = q.Where("(measured_at < ? OR (measured_at = ? AND id < ?))", b, b, f.BeforeID)
	case !f.Before.IsZero():
		q = q.Where("measured_at < ?", f.Before.UTC())
	}
	if !f.Since.IsZero() {
		q = q.Where("measured_at >= ?", f.Since.UTC())
	}
	return findAs(q.Order("measured_at DESC, id DESC").Limit(f.Limit), toReading)
}

func toThresholds(r wbThresholdRow) wristband.Thresholds {
	return wristband.Thresholds{SystolicHigh: r.SystolicHigh, SystolicLow: r.SystolicLow, DiastolicHigh: r.DiastolicHigh,
		GlucoseHigh: r.GlucoseHigh, GlucoseLow: r.GlucoseLow, HeartRateHigh: r.HeartRateHigh, HeartRateLow: r.HeartRateLow}
}

func thresholdsOf(g *gorm.DB, key string) (wristband.Thresholds, bool, error) {
	var rows []wbThresholdRow
	if err := g.Where("wearer_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return wristband.Thresholds{}, false, translate(err, nil)
	}
	if len(rows) == 0 {
		return wristband.Thresholds{}, false, nil
	}
	return toThresholds(rows[0]), true, nil
}

// Thresholds returns the wearer's own limits, if set.
func (s *WristbandStore) Thresholds(ctx context.Context, wearerKey string) (wristband.Thresholds, bool, error) {
	return thresholdsOf(s.g(ctx), wearerKey)
}

// SaveThresholds sets the wearer's limits.
func (s *WristbandStore) SaveThresholds(ctx context.Context, wearerKey string, t wristband.Thresholds, by int64) error {
	r := wbThresholdRow{WearerKey: wearerKey, SystolicHigh: t.SystolicHigh, SystolicLow: t.SystolicLow, DiastolicHigh: t.DiastolicHigh,
		GlucoseHigh: t.GlucoseHigh, GlucoseLow: t.GlucoseLow, HeartRateHigh: t.HeartRateHigh, HeartRateLow: t.HeartRateLow,
		UpdatedBy: by, UpdatedAt: time.Now().UTC()}
	return translate(s.g(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "wearer_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"systolic_high", "systolic_low", "diastolic_high", "glucose_high", "glucose_low", "heart_rate_high", "heart_rate_low", "updated_by", "updated_at"}),
	}).Create(&r).Error, nil)
}

type alarmScan struct {
	Row         wbAlarmRow `gorm:"embedded"`
	WearerName  string
	CommunityID int64
	IMEI        string `gorm:"column:imei"`
}

func (s alarmScan) alarm() wristband.Alarm {
	r := s.Row
	return wristband.Alarm{
		ID: r.ID, BindingID: r.BindingID, DeviceID: r.DeviceID, Type: wristband.AlarmType(r.Type), Status: wristband.AlarmStatus(r.Status),
		Detail: r.Detail, Lat: r.Lat, Lng: r.Lng, OpenedAt: r.OpenedAt, LastEventAt: r.LastEventAt, Repeats: r.Repeats,
		AckedAt: r.AckedAt, AckedBy: r.AckedBy, AckNote: r.AckNote, ResolvedAt: r.ResolvedAt, ResolvedBy: r.ResolvedBy,
		ResolveNote: r.ResolveNote, EscalatedAt: r.EscalatedAt, WearerName: s.WearerName, CommunityID: s.CommunityID, IMEI: s.IMEI,
	}
}

func alarms(g *gorm.DB) *gorm.DB {
	return g.Table("wristband_alarms a").
		Select("a.*, b.wearer_name AS wearer_name, COALESCE(u.community_id, 0) AS community_id, COALESCE(d.imei, '') AS imei").
		Joins("JOIN wristband_bindings b ON b.id = a.binding_id").
		Joins("LEFT JOIN users u ON u.id = b.owner_user_id").
		Joins("LEFT JOIN wristband_devices d ON d.id = a.device_id")
}

func scanAlarms(q *gorm.DB) ([]wristband.Alarm, error) {
	return scanAs(q, alarmScan.alarm)
}

// Alarm loads one alarm with its wearer and community.
func (s *WristbandStore) Alarm(ctx context.Context, id int64) (wristband.Alarm, error) {
	as, err := scanAlarms(alarms(s.g(ctx)).Where("a.id = ?", id))
	if err != nil {
		return wristband.Alarm{}, err
	}
	if len(as) == 0 {
		return wristband.Alarm{}, errs.NotFound("ALARM_NOT_FOUND", "告警不存在")
	}
	return as[0], nil
}

func statusStrings(ss []wristband.AlarmStatus) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, string(s))
	}
	return out
}

// Alarms lists alarms newest first.
func (s *WristbandStore) Alarms(ctx context.Context, f wristband.AlarmFilter) ([]wristband.Alarm, error) {
	q := alarms(s.g(ctx)).Order("a.id DESC").Limit(f.Limit)
	q = whereEq(q, "a.binding_id", f.BindingID)
	if f.Scope != nil && !f.Scope.All {
		if len(f.Scope.Communities) == 0 {
			return nil, nil
		}
		q = q.Where("u.community_id IN ?", f.Scope.Communities)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("a.status IN ?", statusStrings(f.Statuses))
	}
	if f.BeforeID > 0 {
		q = q.Where("a.id < ?", f.BeforeID)
	}
	return scanAlarms(q)
}

// OpenAlarmCounts counts unresolved alarms per binding.
func (s *WristbandStore) OpenAlarmCounts(ctx context.Context, bindingIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(bindingIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		BindingID int64
		N         int
	}
	err := s.g(ctx).Model(&wbAlarmRow{}).Select("binding_id, COUNT(*) AS n").
		Where("binding_id IN ? AND status IN ?", bindingIDs, []string{string(wristband.StatusOpen), string(wristband.StatusAcked)}).
		Group("binding_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	for _, r := range rows {
		out[r.BindingID] = r.N
	}
	return out, nil
}

// TransitionAlarm moves an alarm from one of from to to, recording who and why.
func (s *WristbandStore) TransitionAlarm(ctx context.Context, id int64, from []wristband.AlarmStatus, to wristband.AlarmStatus, at time.Time, by int64, note string) (bool, error) {
	upd := map[string]any{"status": string(to)}
	switch to {
	case wristband.StatusAcked:
		upd["acked_at"], upd["acked_by"], upd["ack_note"] = at.UTC(), by, note
	case wristband.StatusResolved:
		upd["resolved_at"], upd["resolved_by"], upd["resolve_note"], upd["open_key"] = at.UTC(), by, note, nil
	}
	// In a transaction: a staff member's audit entry is written with it.
	moved, errAlarmUnmoved := false, errors.New("alarm not in a status it may leave")
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&wbAlarmRow{}).Where("id = ? AND status IN ?", id, statusStrings(from)).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if moved = res.RowsAffected == 1; !moved {
			return errAlarmUnmoved // nothing changed: no entry either
		}
		return nil
	})
	if errors.Is(err, errAlarmUnmoved) {
		return false, nil
	}
	return moved, translate(err, nil)
}

// DueEscalations lists open, unescalated alarms opened before the time.
func (s *WristbandStore) DueEscalations(ctx context.Context, openedBefore time.Time, limit int) ([]wristband.Alarm, error) {
	return scanAlarms(alarms(s.g(ctx)).
		Where("a.status = ? AND a.escalated_at IS NULL AND a.opened_at <= ?", string(wristband.StatusOpen), openedBefore.UTC()).
		Order("a.id").Limit(limit))
}

// LogAccess writes access-log entries.
func (s *WristbandStore) LogAccess(ctx context.Context, entries []wristband.AccessEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]wbAccessRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, wbAccessRow{BindingID: e.BindingID, DeviceID: e.DeviceID, ViewerUserID: e.ViewerUserID, ViewerRole: e.ViewerRole, What: e.What, At: e.At.UTC()})
	}
	return translate(s.g(ctx).Create(&rows).Error, nil)
}

// AccessLog lists the binding's access-log entries newest first.
func (s *WristbandStore) AccessLog(ctx context.Context, bindingID, beforeID int64, limit int) ([]wristband.AccessEntry, error) {
	var rows []struct {
		Row      wbAccessRow `gorm:"embedded"`
		RealName string
		Nickname string
	}
	q := s.g(ctx).Table("wristband_access_log l").
		Select("l.*, COALESCE(u.real_name, '') AS real_name, COALESCE(u.nickname, '') AS nickname").
		Joins("LEFT JOIN users u ON u.id = l.viewer_user_id").
		Where("l.binding_id = ?", bindingID).Order("l.id DESC").Limit(limit)
	if beforeID > 0 {
		q = q.Where("l.id < ?", beforeID)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]wristband.AccessEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, wristband.AccessEntry{ID: r.Row.ID, BindingID: r.Row.BindingID, DeviceID: r.Row.DeviceID, ViewerUserID: r.Row.ViewerUserID,
			ViewerRole: r.Row.ViewerRole, ViewerName: userName(r.RealName, r.Nickname), What: r.Row.What, At: r.Row.At})
	}
	return out, nil
}

// UnattachedPushes lists pushes kept aside, newest first.
func (s *WristbandStore) UnattachedPushes(ctx context.Context, beforeID int64, limit int) ([]wristband.Unattached, error) {
	q := s.g(ctx).Order("id DESC").Limit(limit)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []wbUnattachedRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]wristband.Unattached, 0, len(rows))
	for _, r := range rows {
		out = append(out, wristband.Unattached{ID: r.ID, Vendor: r.Vendor, EventID: r.EventID, IMEI: r.IMEI, Type: wristband.EventType(r.Type),
			Reason: r.Reason, At: r.OccurredAt, ReceivedAt: r.ReceivedAt, Data: r.Data})
	}
	return out, nil
}

// purgeTable deletes rows whose column is before cutoff.
func (s *WristbandStore) purgeTable(ctx context.Context, model any, column string, cutoff time.Time, batch int) (int64, error) {
	return s.db.purge(ctx, model, batch, column, cutoff, "")
}

// Purge deletes rows older than the cut-offs.
func (s *WristbandStore) Purge(ctx context.Context, before wristband.PurgeBefore, batch int) (wristband.PurgeResult, error) {
	var r wristband.PurgeResult
	var err error
	if r.Readings, err = s.purgeTable(ctx, &wbReadingRow{}, "measured_at", before.Readings, batch); err != nil {
		return r, err
	}
	if r.Events, err = s.purgeTable(ctx, &wbEventRow{}, "received_at", before.PushRecords, batch); err != nil {
		return r, err
	}
	if r.Unattached, err = s.purgeTable(ctx, &wbUnattachedRow{}, "received_at", before.Unattached, batch); err != nil {
		return r, err
	}
	if r.Invitations, err = s.purgeTable(ctx, &wbInvitationRow{}, "expires_at", before.Readings, batch); err != nil {
		return r, err
	}
	if r.AccessLog, err = s.purgeTable(ctx, &wbAccessRow{}, "at", before.AccessLog, batch); err != nil {
		return r, err
	}
	return r, nil
}

// Atomically runs fn in a transaction. On MySQL a deadlock victim's
// transaction is rolled back whole, so it is run again.
func (s *WristbandStore) Atomically(ctx context.Context, fn func(tx wristband.Tx) error) error {
	err := s.db.transaction(ctx, func(g *gorm.DB) error {
		return fn(&wbTx{g: g, store: s.db})
	})
	return translate(err, nil)
}

// ---- transaction ----

type wbTx struct {
	g     *gorm.DB
	store *DB
}

var _ wristband.Tx = (*wbTx)(nil)

func (t *wbTx) db() *gorm.DB { return t.g.Session(&gorm.Session{NewDB: true}) }

func (t *wbTx) locked() *gorm.DB { return t.store.forUpdate(t.db()) }

func (t *wbTx) LockActiveBinding(deviceID int64) (wristband.Binding, error) {
	return takeAs(t.locked().Where("active_device_key = ?", deviceID), errBindingNotFound, toBinding)
}

func (t *wbTx) LockBinding(id int64) (wristband.Binding, error) {
	return takeAs(t.locked().Where("id = ?", id), errBindingNotFound, toBinding)
}

func (t *wbTx) InsertBinding(b *wristband.Binding) error {
	dev, key := b.DeviceID, b.WearerKey()
	r := wbBindingRow{
		DeviceID: b.DeviceID, OwnerUserID: b.OwnerUserID, WearerDependentID: b.WearerDependentID, WearerKey: key, WearerName: b.WearerName,
		ActiveDeviceKey: &dev, ActiveWearerKey: &key,
		ConsentVersion: b.ConsentVersion, ConsentAt: b.ConsentAt.UTC(), ConsentBy: b.ConsentBy,
		BoundBy: b.BoundBy, BindReason: b.BindReason, StartedAt: b.StartedAt.UTC(),
	}
	if err := t.db().Create(&r).Error; err != nil {
		if IsDuplicate(err) {
			if strings.Contains(err.Error(), "active_device") {
				return wristband.ErrDeviceBound
			}
			if strings.Contains(err.Error(), "active_wearer") {
				return wristband.ErrWearerBound
			}
		}
		return err
	}
	b.ID = r.ID
	// A staff bind's audit entry names the device bound (its request
	// names only the IMEI, which the entry does not keep).
	audit.Created(t.g.Statement.Context, "wristband", b.DeviceID)
	return nil
}

func (t *wbTx) EndBinding(id int64, at time.Time, by int64, reason, note string) error {
	return t.db().Model(&wbBindingRow{}).Where("id = ? AND ended_at IS NULL", id).Updates(map[string]any{
		"ended_at": at.UTC(), "ended_by": by, "end_reason": reason, "end_note": note,
		"active_device_key": nil, "active_wearer_key": nil,
	}).Error
}

func (t *wbTx) SetConsent(bindingID int64, version string, at time.Time, by int64) error {
	return t.db().Model(&wbBindingRow{}).Where("id = ?", bindingID).Updates(map[string]any{
		"consent_version": version, "consent_at": at.UTC(), "consent_by": by,
		"consent_revoked_at": nil, "consent_revoked_by": 0, "consent_revoke_note": "",
	}).Error
}

func (t *wbTx) RevokeConsent(bindingID int64, at time.Time, by int64, note string) error {
	return t.db().Model(&wbBindingRow{}).Where("id = ?", bindingID).
		Updates(map[string]any{"consent_revoked_at": at.UTC(), "consent_revoked_by": by, "consent_revoke_note": note}).Error
}

func (t *wbTx) DeleteWearerData(wearerKey string) (int64, error) {
	var ids []int64
	if err := t.db().Model(&wbBindingRow{}).Where("wearer_key = ?", wearerKey).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	res := t.db().Where("binding_id IN ?", ids).Delete(&wbReadingRow{})
	if res.Error != nil {
		return 0, res.Error
	}
	var alarms []struct {
		ID     int64
		Detail string
	}
	if err := t.db().Model(&wbAlarmRow{}).Where("binding_id IN ?", ids).Select("id, detail").Scan(&alarms).Error; err != nil {
		return 0, err
	}
	for _, a := range alarms {
		for _, prefix := range wristband.AlarmNoticePrefixes(a.ID) {
			if err := withdrawNotices(t.db(), prefix, a.Detail, "佩戴人已撤回数据使用同意"); err != nil {
				return 0, err
			}
		}
	}
	err := t.db().Model(&wbAlarmRow{}).Where("binding_id IN ?", ids).
		Updates(map[string]any{"lat": nil, "lng": nil, "detail": ""}).Error
	return res.RowsAffected, err
}

func guardianKey(bindingID, userID int64) string { return fmt.Sprintf("%d:%d", bindingID, userID) }

func (t *wbTx) AddGuardian(g *wristband.Guardian) error {
	key := guardianKey(g.BindingID, g.UserID)
	r := wbGuardianRow{BindingID: g.BindingID, UserID: g.UserID, Owner: g.Owner, ActiveKey: &key, AddedBy: g.AddedBy, AddedAt: g.AddedAt.UTC()}
	if err := t.db().Create(&r).Error; err != nil {
		if IsDuplicate(err) {
			return wristband.ErrAlreadyGuardian
		}
		return err
	}
	g.ID = r.ID
	return nil
}

func (t *wbTx) RemoveGuardian(bindingID, userID int64, at time.Time, by int64) (bool, error) {
	res := t.db().Model(&wbGuardianRow{}).Where("binding_id = ? AND user_id = ? AND active_key IS NOT NULL", bindingID, userID).
		Updates(map[string]any{"active_key": nil, "removed_at": at.UTC(), "removed_by": by})
	return res.RowsAffected > 0, res.Error
}

func (t *wbTx) RemoveAllGuardians(bindingID int64, at time.Time, by int64) error {
	return t.db().Model(&wbGuardianRow{}).Where("binding_id = ? AND active_key IS NOT NULL", bindingID).
		Updates(map[string]any{"active_key": nil, "removed_at": at.UTC(), "removed_by": by}).Error
}

func (t *wbTx) GuardianIDs(bindingID int64) ([]int64, error) {
	var ids []int64
	err := t.db().Model(&wbGuardianRow{}).Where("binding_id = ? AND active_key IS NOT NULL", bindingID).Order("id").Pluck("user_id", &ids).Error
	return ids, err
}

func (t *wbTx) CountGuardians(bindingID int64) (int, error) {
	var n int64
	err := t.db().Model(&wbGuardianRow{}).Where("binding_id = ? AND active_key IS NOT NULL", bindingID).Count(&n).Error
	return int(n), err
}

func (t *wbTx) LockInvitation(codeHash string) (wristband.Invitation, error) {
	var r wbInvitationRow
	if err := t.locked().Where("code_hash = ?", codeHash).Take(&r).Error; err != nil {
		return wristband.Invitation{}, translate(err, errs.NotFound("INVITATION_NOT_FOUND", "邀请码不存在"))
	}
	return wristband.Invitation{ID: r.ID, BindingID: r.BindingID, CodeHash: r.CodeHash, CreatedBy: r.CreatedBy,
		ExpiresAt: r.ExpiresAt, AcceptedBy: r.AcceptedBy, AcceptedAt: r.AcceptedAt}, nil
}

func (t *wbTx) AcceptInvitation(id, userID int64, at time.Time) error {
	return t.db().Model(&wbInvitationRow{}).Where("id = ?", id).Updates(map[string]any{"accepted_by": userID, "accepted_at": at.UTC()}).Error
}

func (t *wbTx) InsertEvent(e wristband.Event) (bool, error) {
	r := wbEventRow{Vendor: e.Vendor, EventID: e.EventID, DeviceID: e.DeviceID, BindingID: e.BindingID, Outcome: e.Outcome, ReceivedAt: e.ReceivedAt.UTC()}
	// A plain insert whose duplicate-key error is expected: it fails only the
	// statement, on MySQL and SQLite alike, not the transaction. (ON CONFLICT
	// DO NOTHING cannot tell: GORM reports a row on MariaDB's RETURNING.)
	err := t.db().Create(&r).Error
	if IsDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

func (t *wbTx) InsertReading(r *wristband.Reading) error {
	row := fromReading(*r)
	if err := t.db().Create(&row).Error; err != nil {
		return err
	}
	r.ID = row.ID
	return nil
}

func (t *wbTx) InsertUnattached(u wristband.Unattached) error {
	return t.db().Create(&wbUnattachedRow{Vendor: u.Vendor, EventID: u.EventID, IMEI: u.IMEI, Type: string(u.Type), Reason: u.Reason,
		OccurredAt: u.At.UTC(), ReceivedAt: u.ReceivedAt.UTC(), Data: u.Data}).Error
}

func (t *wbTx) UpdateDeviceStatus(deviceID int64, battery *int, online *bool, at time.Time) error {
	upd := map[string]any{"status_at": at.UTC(), "updated_at": at.UTC()}
	if battery != nil {
		upd["battery"] = *battery
	}
	if online != nil {
		upd["online"] = *online
	}
	return t.db().Model(&wbDeviceRow{}).Where("id = ?", deviceID).Updates(upd).Error
}

func (t *wbTx) LatestLocation(bindingID int64) (*wristband.Reading, error) {
	return latestOf(t.db(), bindingID, wristband.KindLocation)
}

func (t *wbTx) Thresholds(wearerKey string) (wristband.Thresholds, bool, error) {
	return thresholdsOf(t.db(), wearerKey)
}

func (t *wbTx) RaiseAlarm(a *wristband.Alarm) (bool, error) {
	key := fmt.Sprintf("%d:%s", a.BindingID, a.Type)
	r := wbAlarmRow{BindingID: a.BindingID, DeviceID: a.DeviceID, Type: string(a.Type), Status: string(wristband.StatusOpen), OpenKey: &key,
		Detail: a.Detail, Lat: a.Lat, Lng: a.Lng, OpenedAt: a.OpenedAt.UTC(), LastEventAt: a.LastEventAt.UTC()}
	err := t.db().Create(&r).Error
	if err == nil {
		a.ID = r.ID
		return true, nil
	}
	if !IsDuplicate(err) {
		return false, err
	}
	// An unresolved alarm of this type exists: count a repeat, notify nobody.
	if err := t.db().Model(&wbAlarmRow{}).Where("open_key = ?", key).
		Updates(map[string]any{"repeats": gorm.Expr("repeats + 1"), "last_event_at": a.LastEventAt.UTC()}).Error; err != nil {
		return false, err
	}
	var ids []int64
	if err := t.db().Model(&wbAlarmRow{}).Where("open_key = ?", key).Pluck("id", &ids).Error; err != nil {
		return false, err
	}
	if len(ids) == 1 {
		a.ID = ids[0]
	}
	return false, nil
}

func (t *wbTx) ResolveOpenAlarms(bindingID int64, at time.Time, note string) error {
	return t.db().Model(&wbAlarmRow{}).
		Where("binding_id = ? AND status IN ?", bindingID, []string{string(wristband.StatusOpen), string(wristband.StatusAcked)}).
		Updates(map[string]any{"status": string(wristband.StatusResolved), "resolved_at": at.UTC(), "resolve_note": note, "open_key": nil}).Error
}

func (t *wbTx) MarkEscalated(alarmID int64, at time.Time) (bool, error) {
	res := t.db().Model(&wbAlarmRow{}).Where("id = ? AND status = ? AND escalated_at IS NULL", alarmID, string(wristband.StatusOpen)).
		Update("escalated_at", at.UTC())
	return res.RowsAffected == 1, res.Error
}

// StaffOfCommunity returns the staff serving the community (scoped to it or
// to every community) or, when there are none, the admins serving it (the
// district's, and the admins of the community's own subdistrict; never
// another subdistrict's, who may not see the wearer): an escalation never
// goes to nobody.
func (t *wbTx) StaffOfCommunity(communityID int64) ([]int64, error) {
	var ids []int64
	err := t.db().Model(&roleRow{}).Distinct("user_id").
		Where("role = ? AND org_id = 0 AND (community_id = ? OR community_id = 0)", resident.RoleStaff, communityID).
		Order("user_id").Pluck("user_id", &ids).Error
	if err != nil || len(ids) > 0 {
		return ids, err
	}
	own := t.db().Model(&communityRow{}).Select("subdistrict_id").Where("id = ? AND subdistrict_id <> 0", communityID)
	err = t.db().Model(&roleRow{}).Distinct("user_id").
		Where("role = ? AND (subdistrict_id = 0 OR subdistrict_id IN (?))", resident.RoleAdmin, own).
		Order("user_id").Pluck("user_id", &ids).Error
	return ids, err
}

func (t *wbTx) AddNotices(ns []notify.Notice) error { return AddNotices(t.db(), ns) }
