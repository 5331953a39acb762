package wristband

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Config holds the wristband settings.
type Config struct {
	// Vendors maps a vendor name (the X-Vendor header) to its shared webhook secret.
	Vendors map[string]string
	// ReplayWindow is how far a push's timestamp may be from now; a request
	// seen once within it is refused when sent again.
	ReplayWindow time.Duration
	// RetentionDays is how long raw readings, locations and pushes kept
	// aside for staff are kept.
	RetentionDays int
	// UnattachedDays is how long pushes of unknown or unbound devices (kept
	// aside for the registry's staff) are kept.
	UnattachedDays int
	// PushRecordDays is how long the vendors' event ids are remembered to
	// make pushes idempotent (a retry later than that would be stored again).
	PushRecordDays int
	// AccessLogRetentionDays is how long the location access log is kept.
	AccessLogRetentionDays int
	// EscalationDelay is how long an alarm may stay unacknowledged before the
	// community's staff are notified.
	EscalationDelay time.Duration
	// InvitationTTL is how long a guardian invitation code is valid.
	InvitationTTL time.Duration
	// MaxGuardians limits the active guardians of one binding (the owner included).
	MaxGuardians int
	// BindCodeTTL is how long a staff-issued bind code is valid.
	BindCodeTTL time.Duration
	// BindAttempts: residents' bind attempts allowed per account and per
	// device in 15 minutes (BindAttempts by default).
	BindAttempts int
	// LateAfter: a push whose event is older than this is stored as history
	// only: it never opens a live alarm and never notifies.
	LateAfter time.Duration
}

// Defaults for settings left zero.
const (
	DefaultReplayWindow    = 5 * time.Minute
	DefaultRetentionDays   = 180
	DefaultPushRecordDays  = 7
	DefaultAccessLogDays   = 365
	DefaultEscalationDelay = 15 * time.Minute
	DefaultInvitationTTL   = 48 * time.Hour
	DefaultMaxGuardians    = 10
	DefaultLateAfter       = 24 * time.Hour
	DefaultUnattachedDays  = 7
)

func (c *Config) fill() {
	defaults.Fill(c, Config{
		ReplayWindow: DefaultReplayWindow, RetentionDays: DefaultRetentionDays,
		PushRecordDays: DefaultPushRecordDays, UnattachedDays: DefaultUnattachedDays,
		AccessLogRetentionDays: DefaultAccessLogDays, EscalationDelay: DefaultEscalationDelay,
		InvitationTTL: DefaultInvitationTTL, MaxGuardians: DefaultMaxGuardians, BindAttempts: BindAttempts,
		BindCodeTTL: DefaultBindCodeTTL, LateAfter: DefaultLateAfter,
	})
}

// People is what the service needs to know about users and their family members.
type People interface {
	Me(ctx context.Context, userID int64) (resident.User, error)
	// UsableDependent returns a dependent userID owns (NotFound otherwise).
	UsableDependent(ctx context.Context, userID, id int64) (resident.Dependent, error)
}

// ReplayGuard remembers signed requests for a while, across server processes.
type ReplayGuard interface {
	// Claim records key for ttl and reports false if it was recorded already.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Release forgets key (after a failure, so the vendor's retry is accepted).
	Release(ctx context.Context, key string) error
}

// Service holds the wristband rules.
type Service struct {
	cfg      Config
	store    Store
	people   People
	replay   ReplayGuard
	attempts AttemptLimiter // bind attempts; nil = not limited
	now      func() time.Time
}

// NewService builds the service; now may be nil (time.Now).
func NewService(cfg Config, store Store, people People, replay ReplayGuard, now func() time.Time) *Service {
	cfg.fill()
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, store: store, people: people, replay: replay, now: now}
}

// Config returns the settings in force (defaults filled).
func (s *Service) Config() Config { return s.cfg }

// Errors a resident or staff member may see.
var (
	ErrNotFound        = errs.NotFound("WRISTBAND_NOT_FOUND", "手环不存在、已解绑或您无权查看")
	ErrNotRegistered   = errs.NotFound("DEVICE_NOT_REGISTERED", "该手环未登记，请联系社区工作人员")
	ErrDeviceBound     = errs.Conflict("DEVICE_ALREADY_BOUND", "该手环已被绑定；如需更换佩戴人，请先解绑或到社区服务中心办理")
	ErrWearerBound     = errs.Conflict("WEARER_ALREADY_HAS_DEVICE", "该佩戴人已绑定了一只手环，请先解绑原手环")
	ErrAlreadyGuardian = errs.Conflict("ALREADY_GUARDIAN", "您已经是这只手环的监护人")
	ErrNotOwner        = errs.Forbidden("NOT_PRIMARY_GUARDIAN", "只有绑定人可以进行此操作")
	ErrNotStaff        = errs.Forbidden("FORBIDDEN", "没有权限进行此操作")

	errInvalidWearer      = errs.Invalid("INVALID_WEARER", "请选择佩戴人：本人或一位家庭成员")
	errConsentRequired    = errs.Invalid("CONSENT_REQUIRED", "请先阅读并同意《智能手环数据使用说明》")
	errConsentVersionLong = errs.Invalid("INVALID_CONSENT_VERSION", "同意书版本号不能超过32个字符")
	errConsentRevoked     = errs.Conflict("CONSENT_ALREADY_REVOKED", "佩戴人已撤回同意，当前不采集数据")
	errReasonRequired     = errs.Invalid("REASON_REQUIRED", "请填写办理原因（不超过200个字）")
	errNoteRequired       = errs.Invalid("NOTE_REQUIRED", "请填写处理说明（不超过200个字）")
	errNoteTooLong        = errs.Invalid("NOTE_TOO_LONG", "说明不能超过200个字")
	errUserNotFound       = errs.NotFound("USER_NOT_FOUND", "居民账号不存在")
	errDependentNotFound  = errs.NotFound("DEPENDENT_NOT_FOUND", "家庭成员不存在")
	errInviteNotFound     = errs.NotFound("INVITATION_NOT_FOUND", "邀请码不正确，请核对后重新输入")
	errInviteUsed         = errs.Conflict("INVITATION_USED", "该邀请码已被使用，请让家人重新邀请")
	errInviteExpired      = errs.Unprocessable("INVITATION_EXPIRED", "邀请码已过期或手环已解绑，请让家人重新邀请")
	errTooManyGuardians   = errs.Unprocessable("TOO_MANY_GUARDIANS", "这只手环的监护人已达上限")
	errCannotRemoveOwner  = errs.Unprocessable("CANNOT_REMOVE_OWNER", "绑定人不能被移除；如不再使用，请解绑手环")
	errGuardianNotFound   = errs.NotFound("GUARDIAN_NOT_FOUND", "该用户不是这只手环的监护人")
	errAlarmNotFound      = errs.NotFound("ALARM_NOT_FOUND", "告警不存在或您无权处理")
	errAlarmAcked         = errs.Conflict("ALARM_ALREADY_ACKED", "该告警已被受理")
	errAlarmResolved      = errs.Conflict("ALARM_ALREADY_RESOLVED", "该告警已处理完毕")
)

// Actor is who calls: a resident acting as a guardian, or staff acting for
// the community (admin routes).
type Actor struct {
	User  resident.User
	Staff bool
}

// Guardian returns a resident actor.
func GuardianActor(u resident.User) Actor { return Actor{User: u} }

// StaffActor returns a staff actor.
func StaffActor(u resident.User) Actor { return Actor{User: u, Staff: true} }

// ScopeOf returns the communities u serves as staff; ok is false for non-staff.
func ScopeOf(u resident.User) (Scope, bool) {
	sv := u.Serves()
	if sv.All {
		return Scope{All: true}, true
	}
	return Scope{Communities: sv.CommunityIDs}, len(sv.CommunityIDs) > 0
}

// IsStaff reports whether u may use the wristband staff routes.
func IsStaff(u resident.User) bool {
	_, ok := ScopeOf(u)
	return ok
}

// access returns the active binding of a device the actor may see, and the
// actor's guardianship (zero for staff). Everything else is ErrNotFound, so a
// resident learns nothing of other people's wristbands.
func (s *Service) access(ctx context.Context, a Actor, deviceID int64) (Binding, Guardian, error) {
	b, err := s.store.ActiveBinding(ctx, deviceID)
	if err != nil {
		return Binding{}, Guardian{}, notFound(err)
	}
	if a.Staff {
		if !a.User.IsStaffOf(b.CommunityID) || !IsStaff(a.User) {
			return Binding{}, Guardian{}, ErrNotFound
		}
		return b, Guardian{}, nil
	}
	g, err := s.store.Guardian(ctx, b.ID, a.User.ID)
	if err != nil {
		return Binding{}, Guardian{}, notFound(err)
	}
	return b, g, nil
}

// ownerAccess is access for what only the primary guardian (or staff) may do.
func (s *Service) ownerAccess(ctx context.Context, a Actor, deviceID int64) (Binding, error) {
	b, g, err := s.access(ctx, a, deviceID)
	if err != nil {
		return Binding{}, err
	}
	if !a.Staff && !g.Owner {
		return Binding{}, ErrNotOwner
	}
	return b, nil
}

func notFound(err error) error {
	if errs.KindOf(err) == errs.KindNotFound {
		return ErrNotFound
	}
	return err
}

// text trims a free-text field and checks its length; required refuses "".
func text(v string, required bool, missing *errs.Error) (string, error) {
	v = usertext.Clean(v)
	if strings.ContainsAny(v, "\x00") {
		return "", missing
	}
	if utf8.RuneCountInString(v) > 200 {
		if missing == errNoteRequired {
			return "", errNoteTooLong
		}
		return "", missing
	}
	if required && v == "" {
		return "", missing
	}
	return v, nil
}

// consentVersion is the version of the consent text the client says was
// agreed to, trimmed; it is recorded as sent.
func consentVersion(version string) (string, error) {
	version = strings.TrimSpace(version)
	if version == "" {
		return "", errConsentRequired
	}
	if utf8.RuneCountInString(version) > resident.MaxConsentVersionLen {
		return "", errConsentVersionLong
	}
	return version, nil
}

// logView writes access-log entries; a failure is returned so a view that
// cannot be logged is not shown.
func (s *Service) logView(ctx context.Context, a Actor, what string, bindings ...Binding) error {
	if len(bindings) == 0 {
		return nil
	}
	role := ViewerGuardian
	if a.Staff {
		role = ViewerStaff
	}
	now := s.now().UTC()
	entries := make([]AccessEntry, 0, len(bindings))
	for _, b := range bindings {
		entries = append(entries, AccessEntry{BindingID: b.ID, DeviceID: b.DeviceID, ViewerUserID: a.User.ID, ViewerRole: role, What: what, At: now})
	}
	return s.store.LogAccess(ctx, entries)
}

// logger for the background jobs.
func jobLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
