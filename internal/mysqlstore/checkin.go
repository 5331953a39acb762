package mysqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/notify"
)

// checkinRow is a registration's check-in: its earliest accepted scan. The
// unique key on registration_id makes concurrent first scans one check-in.
type checkinRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	RegistrationID int64     `gorm:"not null;uniqueIndex:uq_checkins_reg"`
	SessionID      int64     `gorm:"not null;index"`
	ActivityID     int64     `gorm:"not null;index"`
	UserID         int64     `gorm:"not null;index"`
	CheckerID      int64     `gorm:"not null"`
	Nonce          string    `gorm:"size:64;not null"`
	CheckedInAt    time.Time `gorm:"not null"`
	Offline        bool      `gorm:"not null;default:false"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (checkinRow) TableName() string { return "checkins" }

// checkinScanRow is every accepted scan (online ones that became the
// check-in, and every offline one); (checker, nonce) makes retries idempotent.
type checkinScanRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	CheckerID      int64     `gorm:"not null;uniqueIndex:uq_scans_nonce,priority:1"`
	Nonce          string    `gorm:"size:64;not null;uniqueIndex:uq_scans_nonce,priority:2"`
	RegistrationID int64     `gorm:"not null;index"`
	SessionID      int64     `gorm:"not null"`
	ScannedAt      time.Time `gorm:"not null"`
	ReportedAt     time.Time `gorm:"not null"`
	Offline        bool      `gorm:"not null;default:false"`
	CreatedAt      time.Time
}

func (checkinScanRow) TableName() string { return "checkin_scans" }

type checkerRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement"`
	ActivityID  int64 `gorm:"not null;uniqueIndex:uq_checkers,priority:1"`
	UserID      int64 `gorm:"not null;uniqueIndex:uq_checkers,priority:2;index"`
	AppointedBy int64 `gorm:"not null;default:0"`
	CreatedAt   time.Time
}

func (checkerRow) TableName() string { return "checkin_checkers" }

func (r checkerRow) appointee() checkin.Appointee {
	return checkin.Appointee{UserID: r.UserID, ActivityID: r.ActivityID, AppointedBy: r.AppointedBy, CreatedAt: r.CreatedAt.UTC()}
}

// volunteerSlotRow lets a user check into a session of any activity.
type volunteerSlotRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement"`
	SessionID   int64 `gorm:"not null;uniqueIndex:uq_volunteer_slots,priority:1"`
	UserID      int64 `gorm:"not null;uniqueIndex:uq_volunteer_slots,priority:2;index:idx_slots_user,priority:1"`
	ActivityID  int64 `gorm:"not null;index:idx_slots_user,priority:2"`
	AppointedBy int64 `gorm:"not null;default:0"`
	CreatedAt   time.Time
}

func (volunteerSlotRow) TableName() string { return "volunteer_slots" }

func (r volunteerSlotRow) appointee() checkin.Appointee {
	return checkin.Appointee{UserID: r.UserID, ActivityID: r.ActivityID, SessionID: r.SessionID, AppointedBy: r.AppointedBy, CreatedAt: r.CreatedAt.UTC()}
}

// presenceRow is a self check-in and check-out; one per person and session.
type presenceRow struct {
	ID              int64     `gorm:"primaryKey;autoIncrement"`
	UserID          int64     `gorm:"not null;uniqueIndex:uq_presences,priority:1"`
	SessionID       int64     `gorm:"not null;uniqueIndex:uq_presences,priority:2;index"`
	ActivityID      int64     `gorm:"not null;index"`
	RegistrationID  int64     `gorm:"not null;default:0"`
	SessionStartsAt time.Time `gorm:"not null"`
	SessionEndsAt   time.Time `gorm:"not null;index:idx_presences_open,priority:2"`
	InAt            time.Time `gorm:"not null"`
	OutAt           *time.Time
	IsOpen          bool    `gorm:"not null;default:true;index:idx_presences_open,priority:1"`
	InLat           float64 `gorm:"not null;default:0"`
	InLng           float64 `gorm:"not null;default:0"`
	OutLat          float64 `gorm:"not null;default:0"`
	OutLng          float64 `gorm:"not null;default:0"`
	AutoClosed      bool    `gorm:"not null;default:false"`
	Flagged         bool    `gorm:"not null;default:false;index"`
	Minutes         int     `gorm:"not null;default:0"`
	EntryID         int64   `gorm:"not null;default:0"`
	ReviewStatus    string  `gorm:"size:12;not null;default:'';index:idx_presences_review,priority:1"`
	ReviewedBy      int64   `gorm:"not null;default:0"`
	ReviewedAt      *time.Time
	ReviewNote      string `gorm:"size:800;not null;default:''"`
	CreatedAt       time.Time
	UpdatedAt       time.Time `gorm:"index:idx_presences_review,priority:2"`
}

func (presenceRow) TableName() string { return "self_presences" }

var checkinMigrations = []Migration{
	{ID: "0310_checkin", Up: createTables(&checkinRow{}, &checkinScanRow{}, &checkerRow{}, &volunteerSlotRow{}, &presenceRow{})},
}

// CheckinStore implements checkin.Store.
type CheckinStore struct{ base }

// NewCheckinStore returns the check-in store.
func NewCheckinStore(db *DB) *CheckinStore { return &CheckinStore{base{db}} }

var _ checkin.Store = (*CheckinStore)(nil)

func ckFresh(tx *gorm.DB) *gorm.DB { return tx.Session(&gorm.Session{NewDB: true}) }

// ---- checkers and volunteer slots ----

// AddChecker appoints a checker (idempotent).
func (s *CheckinStore) AddChecker(ctx context.Context, activityID, userID, by int64) error {
	if err := userExists(s.g(ctx), userID); err != nil {
		return err
	}
	// In a transaction: the appointment's audit entry is written with it.
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		err := tx.Create(&checkerRow{ActivityID: activityID, UserID: userID, AppointedBy: by}).Error
		if IsDuplicate(err) {
			return nil
		}
		return err
	}), nil)
}

// userExists answers USER_NOT_FOUND (404) for an id no account has: an
// appointment names a real person.
func userExists(g *gorm.DB, userID int64) error {
	var n int64
	if err := g.Model(&userRow{}).Where("id = ?", userID).Count(&n).Error; err != nil {
		return translate(err, nil)
	}
	if n == 0 {
		return errUserNotFound
	}
	return nil
}

var errNotAppointed = errs.NotFound("NOT_APPOINTED", "该用户没有被指定")

// RemoveChecker removes a checker.
func (s *CheckinStore) RemoveChecker(ctx context.Context, activityID, userID int64) error {
	return s.removeAppointment(ctx, &checkerRow{}, "activity_id = ? AND user_id = ?", activityID, userID)
}

// removeAppointment deletes the appointment rows of model matching the
// condition in one transaction (the audit entry is written with it); none
// matching is NOT_APPOINTED.
func (s *CheckinStore) removeAppointment(ctx context.Context, model any, cond string, args ...any) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Where(cond, args...).Delete(model)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotAppointed
		}
		return nil
	}), nil)
}

// IsChecker reports whether the user checks the activity's tickets.
func (s *CheckinStore) IsChecker(ctx context.Context, activityID, userID int64) (bool, error) {
	return exists(s.g(ctx).Model(&checkerRow{}).Where("activity_id = ? AND user_id = ?", activityID, userID))
}

// CheckerActivities lists the activities the user checks, newest appointment first.
func (s *CheckinStore) CheckerActivities(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&checkerRow{}).Where("user_id = ?", userID).Order("id DESC").Pluck("activity_id", &ids).Error
	return ids, translate(err, nil)
}

// appointees are rows of checkers or volunteer slots with their names.
func appointees[R interface{ appointee() checkin.Appointee }](s *CheckinStore, ctx context.Context, rows []R) []checkin.Appointee {
	out := convert(rows, R.appointee)
	ids := make([]int64, 0, len(out))
	for _, a := range out {
		ids = append(ids, a.UserID)
	}
	names, _ := NewHoursStore(s.db).Names(ctx, ids)
	for i := range out {
		out[i].Name = names[out[i].UserID]
	}
	return out
}

// Checkers lists an activity's checkers.
func (s *CheckinStore) Checkers(ctx context.Context, activityID int64) ([]checkin.Appointee, error) {
	var rows []checkerRow
	if err := s.g(ctx).Where("activity_id = ?", activityID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return appointees(s, ctx, rows), nil
}

// AddVolunteer gives a volunteer slot (idempotent).
func (s *CheckinStore) AddVolunteer(ctx context.Context, activityID, sessionID, userID, by int64) error {
	if err := userExists(s.g(ctx), userID); err != nil {
		return err
	}
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		err := tx.Create(&volunteerSlotRow{ActivityID: activityID, SessionID: sessionID, UserID: userID, AppointedBy: by}).Error
		if IsDuplicate(err) {
			return nil
		}
		return err
	}), nil)
}

// RemoveVolunteer removes a volunteer slot.
func (s *CheckinStore) RemoveVolunteer(ctx context.Context, sessionID, userID int64) error {
	return s.removeAppointment(ctx, &volunteerSlotRow{}, "session_id = ? AND user_id = ?", sessionID, userID)
}

// VolunteerSessions lists the user's volunteer slots in an activity.
func (s *CheckinStore) VolunteerSessions(ctx context.Context, userID, activityID int64) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&volunteerSlotRow{}).Where("user_id = ? AND activity_id = ?", userID, activityID).Order("session_id").Pluck("session_id", &ids).Error
	return ids, translate(err, nil)
}

// UserVolunteerSlots lists the user's volunteer slots, the latest first
// (idx_slots_user).
func (s *CheckinStore) UserVolunteerSlots(ctx context.Context, userID int64, limit int) ([]checkin.Appointee, error) {
	var rows []volunteerSlotRow
	if err := s.g(ctx).Where("user_id = ?", userID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return convert(rows, volunteerSlotRow.appointee), nil
}

// Volunteers lists a session's volunteer slots.
func (s *CheckinStore) Volunteers(ctx context.Context, sessionID int64) ([]checkin.Appointee, error) {
	var rows []volunteerSlotRow
	if err := s.g(ctx).Where("session_id = ?", sessionID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return appointees(s, ctx, rows), nil
}

// ---- scans ----

func toRecord(r checkinRow) checkin.Record {
	return checkin.Record{RegistrationID: r.RegistrationID, SessionID: r.SessionID, ActivityID: r.ActivityID,
		CheckerID: r.CheckerID, Nonce: r.Nonce, At: r.CheckedInAt.UTC(), Offline: r.Offline}
}

var errCheckinTaken = errors.New("checkin taken")

func (s *CheckinStore) record(ctx context.Context, regID int64) (checkinRow, error) {
	var r checkinRow
	err := s.g(ctx).Where("registration_id = ?", regID).First(&r).Error
	return r, err
}

// Scan stores an accepted scan (see checkin.Store).
func (s *CheckinStore) Scan(ctx context.Context, sc checkin.Scan, earliestWins bool, notices []notify.Notice) (checkin.ScanOutcome, error) {
	at := sc.At.UTC().Truncate(time.Millisecond)
	var counted bool
	err := retry(ctx, func() error {
		counted = false
		return s.g(ctx).Transaction(func(tx *gorm.DB) error {
			scan := checkinScanRow{CheckerID: sc.CheckerID, Nonce: sc.Nonce, RegistrationID: sc.RegistrationID, SessionID: sc.SessionID,
				ScannedAt: at, ReportedAt: sc.ReportedAt.UTC(), Offline: sc.Offline}
			row := checkinRow{RegistrationID: sc.RegistrationID, SessionID: sc.SessionID, ActivityID: sc.ActivityID, UserID: sc.UserID,
				CheckerID: sc.CheckerID, Nonce: sc.Nonce, CheckedInAt: at, Offline: sc.Offline}
			// The registration must still be confirmed, read under a shared
			// lock: a cancellation (it locks the row for update, then looks
			// for a check-in) either committed before, and the scan is
			// refused, or waits for this scan and finds its check-in.
			var status string
			if err := ckFresh(tx).Raw("SELECT status FROM registrations WHERE id = ?"+s.db.shareLock(), sc.RegistrationID).
				Scan(&status).Error; err != nil {
				return err
			}
			if status != activity.RegConfirmed {
				return checkin.ErrNotConfirmed
			}
			// The check-in first: its unique key is what concurrent scans of
			// one ticket queue on.
			err := ckFresh(tx).Create(&row).Error
			switch {
			case err == nil:
				counted = true
			case !IsDuplicate(err):
				return err
			case !earliestWins:
				return errCheckinTaken
			}
			if err := ckFresh(tx).Create(&scan).Error; err != nil {
				if IsDuplicate(err) {
					return checkin.ErrNonceUsed
				}
				return err
			}
			if !counted {
				// An offline scan earlier than the check-in takes it over.
				res := ckFresh(tx).Model(&checkinRow{}).Where("registration_id = ? AND checked_in_at > ?", sc.RegistrationID, at).
					Updates(map[string]any{"checked_in_at": at, "checker_id": sc.CheckerID, "nonce": sc.Nonce, "offline": sc.Offline,
						"updated_at": time.Now().UTC()})
				if res.Error != nil {
					return res.Error
				}
				counted = res.RowsAffected == 1
				return nil
			}
			return AddNotices(tx, notices)
		})
	})
	if errors.Is(err, checkin.ErrNonceUsed) || errors.Is(err, checkin.ErrNotConfirmed) {
		return checkin.ScanOutcome{}, err
	}
	if err != nil && !errors.Is(err, errCheckinTaken) {
		return checkin.ScanOutcome{}, translate(err, nil)
	}
	if counted && err == nil && !earliestWins {
		// The row this transaction inserted is the check-in.
		return checkin.ScanOutcome{Counted: true, Record: checkin.Record{RegistrationID: sc.RegistrationID, SessionID: sc.SessionID,
			ActivityID: sc.ActivityID, CheckerID: sc.CheckerID, Nonce: sc.Nonce, At: at, Offline: sc.Offline}}, nil
	}
	r, rerr := s.record(ctx, sc.RegistrationID)
	if rerr != nil {
		return checkin.ScanOutcome{}, translate(rerr, nil)
	}
	return checkin.ScanOutcome{Counted: counted && err == nil, Record: toRecord(r)}, nil
}

// Replay finds a checker's earlier scan with a nonce.
func (s *CheckinStore) Replay(ctx context.Context, checkerID int64, nonce string) (checkin.ReplayOutcome, bool, error) {
	var scans []checkinScanRow
	if err := s.g(ctx).Where("checker_id = ? AND nonce = ?", checkerID, nonce).Limit(1).Find(&scans).Error; err != nil {
		return checkin.ReplayOutcome{}, false, translate(err, nil)
	}
	if len(scans) == 0 {
		return checkin.ReplayOutcome{}, false, nil
	}
	r, err := s.record(ctx, scans[0].RegistrationID)
	if err != nil {
		return checkin.ReplayOutcome{}, false, translate(err, nil)
	}
	return checkin.ReplayOutcome{RegistrationID: r.RegistrationID, Counted: r.CheckerID == checkerID && r.Nonce == nonce, Record: toRecord(r)}, true, nil
}

// CheckedIn lists an activity's check-ins.
func (s *CheckinStore) CheckedIn(ctx context.Context, activityID int64) ([]checkin.Record, error) {
	return findAs(s.g(ctx).Where("activity_id = ?", activityID).Order("registration_id"), toRecord)
}

// ---- presences ----

func toPresence(r presenceRow) checkin.Presence {
	p := checkin.Presence{
		ID: r.ID, UserID: r.UserID, SessionID: r.SessionID, ActivityID: r.ActivityID, RegistrationID: r.RegistrationID,
		SessionStartsAt: r.SessionStartsAt.UTC(), SessionEndsAt: r.SessionEndsAt.UTC(), InAt: r.InAt.UTC(),
		InLat: r.InLat, InLng: r.InLng, OutLat: r.OutLat, OutLng: r.OutLng, AutoClosed: r.AutoClosed, Flagged: r.Flagged,
		Minutes: r.Minutes, EntryID: r.EntryID, ReviewStatus: r.ReviewStatus, ReviewedBy: r.ReviewedBy, ReviewNote: r.ReviewNote,
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.ReviewedAt != nil {
		t := r.ReviewedAt.UTC()
		p.ReviewedAt = &t
	}
	if r.OutAt != nil {
		t := r.OutAt.UTC()
		p.OutAt = &t
	}
	return p
}

var errNoPresence = errs.NotFound("NOT_CHECKED_IN", "您还没有签到")

// Presence loads a person's presence in a session.
func (s *CheckinStore) Presence(ctx context.Context, userID, sessionID int64) (checkin.Presence, error) {
	return firstAs(s.g(ctx).Where("user_id = ? AND session_id = ?", userID, sessionID), errNoPresence, toPresence)
}

// OpenPresence records a check-in, or returns the one already there.
func (s *CheckinStore) OpenPresence(ctx context.Context, p checkin.Presence, notices []notify.Notice) (checkin.Presence, bool, error) {
	r := presenceRow{UserID: p.UserID, SessionID: p.SessionID, ActivityID: p.ActivityID, RegistrationID: p.RegistrationID,
		SessionStartsAt: p.SessionStartsAt.UTC(), SessionEndsAt: p.SessionEndsAt.UTC(), InAt: p.InAt.UTC().Truncate(time.Millisecond),
		IsOpen: true, InLat: p.InLat, InLng: p.InLng}
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		if err := ckFresh(tx).Create(&r).Error; err != nil {
			return err
		}
		return AddNotices(tx, notices)
	})
	if IsDuplicate(err) {
		// A presence closed without credit (checked out before the session
		// began) may be opened again; any other is returned as it is.
		res := s.g(ctx).Model(&presenceRow{}).
			Where("user_id = ? AND session_id = ? AND is_open = ? AND entry_id = 0 AND minutes = 0 AND review_status = ''", p.UserID, p.SessionID, false).
			Updates(map[string]any{"in_at": r.InAt, "out_at": nil, "is_open": true, "in_lat": r.InLat, "in_lng": r.InLng, "out_lat": 0,
				"out_lng": 0, "auto_closed": false, "flagged": false, "session_starts_at": r.SessionStartsAt, "session_ends_at": r.SessionEndsAt,
				"updated_at": time.Now().UTC()})
		if res.Error != nil {
			return checkin.Presence{}, false, translate(res.Error, nil)
		}
		got, err := s.Presence(ctx, p.UserID, p.SessionID)
		return got, res.RowsAffected == 1, err
	}
	if err != nil {
		return checkin.Presence{}, false, translate(err, nil)
	}
	return toPresence(r), true, nil
}

var errPresenceNotOpen = errors.New("presence not open")

// ClosePresence checks out and credits, atomically; a presence closed for
// review (auto-closed, checked out away from the place) credits nothing
// until staff approve it (ReviewPresence).
func (s *CheckinStore) ClosePresence(ctx context.Context, userID, sessionID int64, out time.Time, lat, lng float64, close checkin.Closing,
	credit checkin.CreditFunc) (checkin.Presence, bool, error) {
	out = out.UTC().Truncate(time.Millisecond)
	var got presenceRow
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		now := time.Now().UTC()
		upd := map[string]any{"out_at": out, "is_open": false, "out_lat": lat, "out_lng": lng, "auto_closed": close.Auto,
			"flagged": close.Review, "updated_at": now}
		if close.Review {
			upd["review_status"] = checkin.ReviewPending
		}
		res := ckFresh(tx).Model(&presenceRow{}).Where("user_id = ? AND session_id = ? AND is_open = ?", userID, sessionID, true).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errPresenceNotOpen
		}
		if err := ckFresh(tx).Where("user_id = ? AND session_id = ?", userID, sessionID).First(&got).Error; err != nil {
			return err
		}
		if close.Review {
			return nil
		}
		return creditPresence(tx, &got, credit)
	})
	if errors.Is(err, errPresenceNotOpen) {
		p, err := s.Presence(ctx, userID, sessionID)
		return p, false, err
	}
	if err != nil {
		return checkin.Presence{}, false, translate(err, nil)
	}
	return toPresence(got), true, nil
}

// creditPresence appends the ledger entry of a closed presence inside tx and
// records it on the presence; the volunteer's notice tells the minutes
// written (what was left of the session's length).
func creditPresence(tx *gorm.DB, got *presenceRow, credit checkin.CreditFunc) error {
	e := credit(toPresence(*got))
	if e.Minutes <= 0 {
		return nil
	}
	entry, created, err := appendLedger(tx, e)
	if err != nil {
		return err
	}
	if !created {
		// Already credited (by an earlier presence of this session and
		// person), or the session's credit is full: nothing more, however
		// often one checks in and out.
		return nil
	}
	got.Minutes, got.EntryID = entry.Minutes, entry.ID
	if err := ckFresh(tx).Model(&presenceRow{}).Where("id = ?", got.ID).
		Updates(map[string]any{"minutes": entry.Minutes, "entry_id": entry.ID}).Error; err != nil {
		return err
	}
	return AddNotices(tx, []notify.Notice{hours.CreditedNotice(entry, entry.CreditKey)})
}

// Overdue lists open presences of sessions that ended before t.
func (s *CheckinStore) Overdue(ctx context.Context, endedBefore time.Time, after *checkin.Presence, limit int) ([]checkin.Presence, error) {
	var rows []presenceRow
	q := s.g(ctx).Where("is_open = ? AND session_ends_at < ?", true, endedBefore.UTC())
	if after != nil {
		end := after.SessionEndsAt.UTC()
		q = q.Where("(session_ends_at > ? OR (session_ends_at = ? AND id > ?))", end, end, after.ID)
	}
	err := q.Order("session_ends_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	return convert(rows, toPresence), nil
}

// SessionPresences lists a session's presences.
func (s *CheckinStore) SessionPresences(ctx context.Context, sessionID int64) ([]checkin.Presence, error) {
	return findAs(s.g(ctx).Where("session_id = ?", sessionID).Order("id"), toPresence)
}

// ---- registrations, sessions and organisations as check-in and hours read them ----

// ActivityView reads the registration feature's tables (activities,
// sessions, registrations, organizations) for check-in and hours. It never
// writes them: check-in state lives in this file's own tables.
type ActivityView struct{ base }

// NewActivityView returns the read-only view.
func NewActivityView(db *DB) *ActivityView { return &ActivityView{base{db}} }

var (
	_ checkin.Registrations = (*ActivityView)(nil)
	_ hours.Activities      = (*ActivityView)(nil)
	_ hours.Orgs            = (*ActivityView)(nil)
)

var (
	errViewActivityNotFound = errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	errViewSessionNotFound  = errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	errViewRegNotFound      = errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
)

type sessionView struct {
	SessionID      int64
	ActivityID     int64
	StartsAt       time.Time
	EndsAt         time.Time
	Title          string
	Category       string
	ActivityStatus string
	CancelledAt    *time.Time
	HostOrgID      int64
	HostOrgName    string
	CommunityID    int64
	Address        string
	Lat            float64
	Lng            float64
}

const sessionViewCols = "s.id AS session_id, s.activity_id, s.starts_at, s.ends_at, a.title, a.category, a.status AS activity_status, s.cancelled_at, " +
	"a.host_org_id, COALESCE(o.name, '') AS host_org_name, a.community_id, a.address, a.lat, a.lng"

const sessionViewFrom = "sessions s JOIN activities a ON a.id = s.activity_id LEFT JOIN organizations o ON o.id = a.host_org_id"

func (v sessionView) session() checkin.Session {
	return checkin.Session{
		ID: v.SessionID, ActivityID: v.ActivityID, ActivityTitle: v.Title, Category: v.Category, ActivityStatus: v.ActivityStatus,
		Cancelled: v.CancelledAt != nil, StartsAt: v.StartsAt.UTC(), EndsAt: v.EndsAt.UTC(), HostOrgID: v.HostOrgID, HostOrgName: v.HostOrgName,
		CommunityID: v.CommunityID, Place: v.Address, Lat: v.Lat, Lng: v.Lng,
	}
}

type registrationView struct {
	SessionView   sessionView `gorm:"embedded"`
	RegID         int64
	UserID        int64
	DependentID   int64
	Status        string
	RealName      string
	Nickname      string
	DependentName string
}

func (v registrationView) registration() checkin.Registration {
	name := v.DependentName
	if v.DependentID == 0 {
		name = userName(v.RealName, v.Nickname)
	}
	return checkin.Registration{ID: v.RegID, UserID: v.UserID, DependentID: v.DependentID, AttendeeName: name, Status: v.Status, Session: v.SessionView.session()}
}

func (s *ActivityView) registrations(ctx context.Context, where string, args ...any) ([]checkin.Registration, error) {
	var rows []registrationView
	err := s.g(ctx).Table("registrations r").
		Select(sessionViewCols+", r.id AS reg_id, r.user_id, r.dependent_id, r.status, "+
			"COALESCE(u.real_name, '') AS real_name, COALESCE(u.nickname, '') AS nickname, COALESCE(d.name, '') AS dependent_name").
		Joins("JOIN sessions s ON s.id = r.session_id JOIN activities a ON a.id = s.activity_id LEFT JOIN organizations o ON o.id = a.host_org_id "+
			"LEFT JOIN users u ON u.id = r.user_id LEFT JOIN dependents d ON d.id = r.dependent_id").
		Where(where, args...).Order("r.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	return convert(rows, registrationView.registration), nil
}

// Registration loads one registration with its session and activity.
func (s *ActivityView) Registration(ctx context.Context, id int64) (checkin.Registration, error) {
	rs, err := s.registrations(ctx, "r.id = ?", id)
	return first(rs, err, errViewRegNotFound)
}

// OwnRegistrations lists the account holder's own registrations in an activity.
func (s *ActivityView) OwnRegistrations(ctx context.Context, userID, activityID int64) ([]checkin.Registration, error) {
	return s.registrations(ctx, "r.user_id = ? AND r.dependent_id = 0 AND r.activity_id = ?", userID, activityID)
}

// Cancelled lists an activity's cancelled registrations.
func (s *ActivityView) Cancelled(ctx context.Context, activityID int64) ([]checkin.Registration, error) {
	return s.registrations(ctx, "r.activity_id = ? AND r.status = ?", activityID, checkin.StatusCancelled)
}

// SessionRegistrations lists a session's confirmed registrations.
func (s *ActivityView) SessionRegistrations(ctx context.Context, sessionID int64) ([]checkin.Registration, error) {
	return s.registrations(ctx, "r.session_id = ? AND r.status = ?", sessionID, checkin.StatusConfirmed)
}

func (s *ActivityView) sessions(ctx context.Context, where string, args ...any) ([]checkin.Session, error) {
	return scanAs(s.g(ctx).Table(sessionViewFrom).Select(sessionViewCols).Where(where, args...).Order("s.starts_at, s.id"), sessionView.session)
}

// Session loads a session with its activity.
func (s *ActivityView) Session(ctx context.Context, id int64) (checkin.Session, error) {
	xs, err := s.sessions(ctx, "s.id = ?", id)
	return first(xs, err, errViewSessionNotFound)
}

// Sessions loads the sessions of ids that exist, with their activities.
func (s *ActivityView) Sessions(ctx context.Context, ids []int64) ([]checkin.Session, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.sessions(ctx, "s.id IN ?", ids)
}

// ActivitySessions lists an activity's sessions, earliest first.
func (s *ActivityView) ActivitySessions(ctx context.Context, activityID int64) ([]checkin.Session, error) {
	xs, err := s.sessions(ctx, "s.activity_id = ?", activityID)
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, errViewActivityNotFound
	}
	return xs, nil
}

// Activity returns an activity (with the named session's times, else the
// first session's); activityID 0 with a session: that session's activity.
func (s *ActivityView) Activity(ctx context.Context, activityID, sessionID int64) (hours.Activity, error) {
	if activityID == 0 && sessionID != 0 {
		x, err := s.Session(ctx, sessionID)
		if err != nil {
			return hours.Activity{}, err
		}
		activityID = x.ActivityID
	}
	xs, err := s.ActivitySessions(ctx, activityID)
	if err != nil {
		return hours.Activity{}, err
	}
	x := xs[0]
	if sessionID != 0 {
		found := false
		for _, y := range xs {
			if y.ID == sessionID {
				x, found = y, true
			}
		}
		if !found {
			return hours.Activity{}, errViewSessionNotFound
		}
	}
	return hours.Activity{ID: x.ActivityID, Title: x.ActivityTitle, Category: x.Category, Place: x.Place, HostOrgID: x.HostOrgID,
		HostOrgName: x.HostOrgName, CommunityID: x.CommunityID, StartsAt: x.StartsAt, EndsAt: x.EndsAt, SessionID: x.ID, Sessions: len(xs),
		Cancelled: x.ActivityStatus == activity.StatusCancelled}, nil
}

// OrgTree reads every organisation with its parent.
func (s *ActivityView) OrgTree(ctx context.Context) ([]hours.Org, error) {
	var rows []struct {
		ID       int64
		ParentID int64
		Name     string
		Type     string
	}
	if err := s.g(ctx).Table("organizations").Select("id, parent_id, name, type").Order("id").Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]hours.Org, 0, len(rows))
	for _, r := range rows {
		out = append(out, hours.Org{ID: r.ID, ParentID: r.ParentID, Name: r.Name, Type: r.Type})
	}
	return out, nil
}
