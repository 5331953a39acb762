// Package wristband owns the smart wristbands handed to elderly residents:
// the device registry, bindings of a device to a wearer (with the consent to
// collect location and health data), the guardians who may see the data,
// the vendor's pushes (locations, vital signs, SOS, falls …), the alarms they
// raise and the retention of the data.
//
// Location and health readings are sensitive personal data (PIPL): only the
// active guardians of the current binding and the staff of the wearer's
// community may see them, every view of a location is logged, and the data
// are kept for a limited time only.
package wristband

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gongjian/internal/notify"
)

// ConsentVersion is the version of the consent text in force (shown by the
// mini-program's binding page). A binding records the version and the time.
const ConsentVersion = "v1"

// ConsentText is the consent the wearer (or the guardian for them) gives.
const ConsentText = "手环会采集佩戴人的位置、心率、血压、血糖和紧急呼叫，仅用于紧急救助和健康关怀。" +
	"数据只对佩戴人本人、绑定人邀请的监护人和社区值守人员可见，原始数据最多保存一定期限；" +
	"撤回同意后立即停止采集并删除已采集的数据。"

// Device is one wristband in the registry.
type Device struct {
	ID         int64
	IMEI       string
	Model      string
	Vendor     string
	Batch      string
	Battery    *int  // percent, from the last battery report
	Online     *bool // from the last online/offline report
	StatusAt   *time.Time
	ImportedBy int64
	CreatedAt  time.Time
	// ActivationHash is the hash (CodeHash) of the vendor's activation code
	// imported with the device; "" when none was.
	ActivationHash string
}

// WearerRef names the wearer of a binding: the account holder or one of
// their dependents.
type WearerRef struct {
	Self        bool
	DependentID int64
}

// Binding ties a device to a wearer. A device has at most one active binding
// and a wearer at most one active device; rows are closed, never deleted.
type Binding struct {
	ID       int64
	DeviceID int64
	// OwnerUserID is the primary guardian: the wearer themself, or the
	// account holder whose dependent wears the device.
	OwnerUserID       int64
	WearerDependentID int64 // 0 = the owner wears it
	WearerName        string

	ConsentVersion    string
	ConsentAt         time.Time
	ConsentBy         int64 // who recorded the consent (owner or staff)
	ConsentRevokedAt  *time.Time
	ConsentRevokedBy  int64  // the owner, or staff on the wearer's behalf
	ConsentRevokeNote string // staff: why

	BoundBy    int64  // the owner, or the staff member at the service centre
	BindReason string // staff only
	StartedAt  time.Time
	EndedAt    *time.Time
	EndedBy    int64
	EndReason  string // unbind | transfer
	EndNote    string

	// Filled by the store from the owner's profile (live, not a snapshot):
	// the wearer's community decides which staff serve them.
	CommunityID int64
	IMEI        string
}

// WearerKey identifies the wearer across bindings: "u<user id>" or "d<dependent id>".
func (b Binding) WearerKey() string { return wearerKey(b.OwnerUserID, b.WearerDependentID) }

func wearerKey(owner, dependent int64) string {
	if dependent != 0 {
		return fmt.Sprintf("d%d", dependent)
	}
	return fmt.Sprintf("u%d", owner)
}

// Active reports whether the binding is in force.
func (b Binding) Active() bool { return b.EndedAt == nil }

// Collecting reports whether new data may be stored for the binding.
func (b Binding) Collecting() bool { return b.Active() && b.ConsentRevokedAt == nil }

// End reasons.
const (
	EndUnbind   = "unbind"
	EndTransfer = "transfer"
)

// Guardian may see a binding's data. The owner is the primary guardian.
type Guardian struct {
	ID        int64
	BindingID int64
	UserID    int64
	Owner     bool
	Name      string // display name from the user's profile (filled by the store)
	AddedBy   int64
	AddedAt   time.Time
	RemovedAt *time.Time
	RemovedBy int64
}

// Invitation lets a family member become a guardian. Only the code's hash is stored.
type Invitation struct {
	ID         int64
	BindingID  int64
	CodeHash   string
	CreatedBy  int64
	ExpiresAt  time.Time
	AcceptedBy int64
	AcceptedAt *time.Time
}

// Kind is the kind of a stored reading.
type Kind string

// Reading kinds.
const (
	KindLocation      Kind = "location"
	KindHeartRate     Kind = "heart_rate"
	KindBloodPressure Kind = "blood_pressure"
	KindBloodGlucose  Kind = "blood_glucose"
)

// Kinds lists every reading kind.
var Kinds = []Kind{KindLocation, KindHeartRate, KindBloodPressure, KindBloodGlucose}

// ValidKind reports whether k is a reading kind.
func ValidKind(k Kind) bool { return slices.Contains(Kinds, k) }

// Reading is one raw measurement or location of a binding.
type Reading struct {
	ID            int64
	BindingID     int64
	DeviceID      int64
	Kind          Kind
	At            time.Time // when measured (vendor time)
	ReceivedAt    time.Time
	Lat, Lng      float64
	HeartRate     int // beats per minute
	Systolic      int // mmHg
	Diastolic     int // mmHg
	GlucoseTenths int // mmol/L × 10
}

// Glucose returns the glucose in mmol/L.
func (r Reading) Glucose() float64 { return float64(r.GlucoseTenths) / 10 }

// AlarmType is what raised an alarm.
type AlarmType string

// Alarm types.
const (
	AlarmSOS           AlarmType = "sos"
	AlarmFall          AlarmType = "fall"
	AlarmTakenOff      AlarmType = "taken_off"
	AlarmHeartRate     AlarmType = "heart_rate"
	AlarmBloodPressure AlarmType = "blood_pressure"
	AlarmBloodGlucose  AlarmType = "blood_glucose"
)

var alarmTypeLabels = map[AlarmType]string{
	AlarmSOS: "紧急呼叫（SOS）", AlarmFall: "跌倒告警", AlarmTakenOff: "手环被摘下",
	AlarmHeartRate: "心率异常", AlarmBloodPressure: "血压异常", AlarmBloodGlucose: "血糖异常",
}

// Label is the alarm type in Chinese ("告警" for a type not listed).
func (t AlarmType) Label() string {
	if l, ok := alarmTypeLabels[t]; ok {
		return l
	}
	return "告警"
}

// AlarmStatus is where an alarm stands.
type AlarmStatus string

// Alarm statuses: open → acked → resolved (or open → resolved).
const (
	StatusOpen     AlarmStatus = "open"
	StatusAcked    AlarmStatus = "acked"
	StatusResolved AlarmStatus = "resolved"
)

var alarmStatusLabels = map[AlarmStatus]string{StatusOpen: "待处理", StatusAcked: "处理中", StatusResolved: "已处理"}

// Label is the status in Chinese ("" for a status not listed).
func (s AlarmStatus) Label() string { return alarmStatusLabels[s] }

// Alarm is raised by an SOS, a fall, a taken-off wristband or a reading
// outside the wearer's thresholds. While it is unresolved, further events of
// the same type only count as repeats: nobody is notified again.
type Alarm struct {
	ID          int64
	BindingID   int64
	DeviceID    int64
	Type        AlarmType
	Status      AlarmStatus
	Detail      string   // e.g. "收缩压 172 mmHg"; cleared when consent is revoked
	Lat, Lng    *float64 // last known location when raised; cleared when consent is revoked
	OpenedAt    time.Time
	LastEventAt time.Time
	Repeats     int
	AckedAt     *time.Time
	AckedBy     int64
	AckNote     string
	ResolvedAt  *time.Time
	ResolvedBy  int64
	ResolveNote string
	EscalatedAt *time.Time

	// Filled by the store.
	WearerName  string
	CommunityID int64
	IMEI        string
}

// EventType is the type of a vendor push.
type EventType string

// Push types.
const (
	EventLocation      EventType = "location"
	EventHeartRate     EventType = "heart_rate"
	EventBloodPressure EventType = "blood_pressure"
	EventBloodGlucose  EventType = "blood_glucose"
	EventSOS           EventType = "sos"
	EventFall          EventType = "fall"
	EventTakenOff      EventType = "taken_off"
	EventLowBattery    EventType = "low_battery"
	EventOnline        EventType = "online"
	EventOffline       EventType = "offline"
)

// Push is one decoded, authenticated vendor push.
type Push struct {
	Vendor    string
	EventID   string
	IMEI      string
	Type      EventType
	At        time.Time
	Lat, Lng  *float64
	HeartRate *int
	Systolic  *int
	Diastolic *int
	Glucose   *float64
	Battery   *int
	Data      []byte // the push's data object as received (kept only for unattached pushes)
}

// Outcome of an ingested push.
const (
	OutcomeStored     = "stored"     // attached to the device's current binding
	OutcomeDuplicate  = "duplicate"  // the vendor's event id was seen before: nothing changed
	OutcomeUnattached = "unattached" // unknown or unbound device: kept aside for staff
	OutcomeNoConsent  = "no_consent" // the wearer revoked consent: nothing stored
	// OutcomeHistory: the event is older than the live window (24 h by
	// default): its reading is stored as history; no alarm, no notice.
	OutcomeHistory = "history"
)

// Event is the record of one accepted push (idempotency by vendor event id).
type Event struct {
	Vendor     string
	EventID    string
	DeviceID   int64
	BindingID  int64
	Outcome    string
	ReceivedAt time.Time
}

// Unattached is a push for an unknown or unbound device, kept aside for staff.
type Unattached struct {
	ID         int64
	Vendor     string
	EventID    string
	IMEI       string
	Type       EventType
	Reason     string // unknown_device | unbound
	At         time.Time
	ReceivedAt time.Time
	Data       string
}

// Reasons a push is unattached.
const (
	ReasonUnknownDevice = "unknown_device"
	ReasonUnbound       = "unbound"
)

// AccessEntry records one view of a wearer's location.
type AccessEntry struct {
	ID           int64
	BindingID    int64
	DeviceID     int64
	ViewerUserID int64
	ViewerRole   string // guardian | staff
	ViewerName   string // filled by the store
	What         string // latest_location | location_history | alarm_location
	At           time.Time
}

// Viewer roles and what was viewed.
const (
	ViewerGuardian = "guardian"
	ViewerStaff    = "staff"

	ViewLatestLocation  = "latest_location"
	ViewLocationHistory = "location_history"
	ViewAlarmLocation   = "alarm_location"
)

// Scope is the set of communities a staff member serves.
type Scope struct {
	All         bool
	Communities []int64
}

// AlarmFilter selects alarms.
type AlarmFilter struct {
	BindingID int64
	Scope     *Scope // staff lists
	Statuses  []AlarmStatus
	BeforeID  int64
	Limit     int
}

// ReadingFilter selects readings of one binding, newest first.
type ReadingFilter struct {
	Kinds  []Kind
	Before time.Time // exclusive; zero = now
	// BeforeID, with Before, continues a page: readings measured at Before
	// with a smaller id come next (several kinds share one push's time).
	BeforeID int64
	Since    time.Time // inclusive; zero = no lower bound
	Limit    int
}

// DeviceFilter selects devices for staff.
type DeviceFilter struct {
	IMEI     string // exact or prefix
	Batch    string
	BeforeID int64
	Limit    int
}

// DeviceListItem is a device with its active binding, if any.
type DeviceListItem struct {
	Device  Device
	Binding *Binding
}

// PurgeBefore are the purge cut-offs: rows older than these go.
type PurgeBefore struct {
	Readings    time.Time // readings, locations, invitations
	Unattached  time.Time // pushes of unknown or unbound devices
	PushRecords time.Time // vendor event ids
	AccessLog   time.Time
}

// PurgeResult counts what a purge removed.
type PurgeResult struct {
	Readings, Events, Unattached, AccessLog, Invitations int64
}

// Store is what the service needs from persistence. Reads outside a
// transaction; changes that must be atomic go through Atomically.
type Store interface {
	DeviceByIMEI(ctx context.Context, imei string) (Device, error)
	DeviceByID(ctx context.Context, id int64) (Device, error)
	ListDevices(ctx context.Context, f DeviceFilter) ([]DeviceListItem, error)
	ExistingIMEIs(ctx context.Context, imeis []string) ([]string, error)
	// CreateDevices registers devices with their activation codes' hashes.
	CreateDevices(ctx context.Context, ds []Device) error
	// SaveBindCode stores (replacing) a device's staff-issued bind code hash.
	SaveBindCode(ctx context.Context, deviceID int64, hash string, expiresAt time.Time, by int64) error

	// ActiveBinding returns the device's active binding (NotFound if none).
	ActiveBinding(ctx context.Context, deviceID int64) (Binding, error)
	BindingsOfDevice(ctx context.Context, deviceID int64) ([]Binding, error)
	// GuardedBindings lists the active bindings userID is an active guardian of.
	GuardedBindings(ctx context.Context, userID int64) ([]Binding, error)
	// Guardian returns userID's active guardianship of the binding (NotFound if none).
	Guardian(ctx context.Context, bindingID, userID int64) (Guardian, error)
	Guardians(ctx context.Context, bindingID int64) ([]Guardian, error)
	CreateInvitation(ctx context.Context, inv *Invitation) error

	LatestReadings(ctx context.Context, bindingID int64) (map[Kind]Reading, error)
	Readings(ctx context.Context, bindingID int64, f ReadingFilter) ([]Reading, error)
	Thresholds(ctx context.Context, wearerKey string) (Thresholds, bool, error)
	SaveThresholds(ctx context.Context, wearerKey string, t Thresholds, by int64) error

	Alarm(ctx context.Context, id int64) (Alarm, error)
	Alarms(ctx context.Context, f AlarmFilter) ([]Alarm, error)
	OpenAlarmCounts(ctx context.Context, bindingIDs []int64) (map[int64]int, error)
	// TransitionAlarm moves an alarm whose status is one of from to status to.
	TransitionAlarm(ctx context.Context, id int64, from []AlarmStatus, to AlarmStatus, at time.Time, by int64, note string) (bool, error)
	DueEscalations(ctx context.Context, openedBefore time.Time, limit int) ([]Alarm, error)

	LogAccess(ctx context.Context, entries []AccessEntry) error
	AccessLog(ctx context.Context, bindingID, beforeID int64, limit int) ([]AccessEntry, error)
	UnattachedPushes(ctx context.Context, beforeID int64, limit int) ([]Unattached, error)

	Purge(ctx context.Context, before PurgeBefore, batch int) (PurgeResult, error)

	Atomically(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is the work done inside one transaction.
type Tx interface {
	// LockActiveBinding locks and returns the device's active binding (NotFound if none).
	LockActiveBinding(deviceID int64) (Binding, error)
	// LockBinding locks and returns a binding by id (NotFound if none).
	LockBinding(id int64) (Binding, error)
	// LockBindSecret locks and returns the device's bind secrets.
	LockBindSecret(deviceID int64) (BindSecret, error)
	// UseBindCode marks the device's staff-issued code used.
	UseBindCode(deviceID int64, at time.Time) error
	// InsertBinding inserts an active binding; ErrDeviceBound / ErrWearerBound on a conflict.
	InsertBinding(b *Binding) error
	EndBinding(id int64, at time.Time, by int64, reason, note string) error
	SetConsent(bindingID int64, version string, at time.Time, by int64) error
	RevokeConsent(bindingID int64, at time.Time, by int64, note string) error
	// DeleteWearerData deletes the readings of every binding of the wearer,
	// clears the location and values kept in their alarms, and withdraws
	// the alarms' notices (AlarmNoticePrefixes): those not yet sent are
	// cancelled, and none keeps the values in its text.
	DeleteWearerData(wearerKey string) (int64, error)

	// AddGuardian adds an active guardian; ErrAlreadyGuardian if already one.
	AddGuardian(g *Guardian) error
	RemoveGuardian(bindingID, userID int64, at time.Time, by int64) (bool, error)
	RemoveAllGuardians(bindingID int64, at time.Time, by int64) error
	GuardianIDs(bindingID int64) ([]int64, error)
	CountGuardians(bindingID int64) (int, error)
	// LockInvitation locks an invitation by code hash (NotFound if none).
	LockInvitation(codeHash string) (Invitation, error)
	AcceptInvitation(id, userID int64, at time.Time) error

	// InsertEvent records a push; false when the vendor's event id exists.
	InsertEvent(e Event) (bool, error)
	InsertReading(r *Reading) error
	InsertUnattached(u Unattached) error
	UpdateDeviceStatus(deviceID int64, battery *int, online *bool, at time.Time) error
	LatestLocation(bindingID int64) (*Reading, error)
	Thresholds(wearerKey string) (Thresholds, bool, error)

	// RaiseAlarm inserts an open alarm, or counts a repeat on the unresolved
	// alarm of the same binding and type. opened reports a new alarm.
	RaiseAlarm(a *Alarm) (opened bool, err error)
	ResolveOpenAlarms(bindingID int64, at time.Time, note string) error
	MarkEscalated(alarmID int64, at time.Time) (bool, error)
	// StaffOfCommunity returns the community's staff (or the admins if none).
	StaffOfCommunity(communityID int64) ([]int64, error)

	AddNotices(ns []notify.Notice) error
}
