package mysqlstore

import (
	"context"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// RegistrationReminders implements notify.ReminderSource and
// notify.ActivityDirectory over the registration tables (activities,
// sessions, registrations of the 0100 migrations), read only: reminders
// are derived from registrations by query, so registration code needs no
// hook for them.
type RegistrationReminders struct{ db *DB }

// NewRegistrationReminders returns the source.
func NewRegistrationReminders(db *DB) *RegistrationReminders { return &RegistrationReminders{db: db} }

var (
	_ notify.ReminderSource    = (*RegistrationReminders)(nil)
	_ notify.ActivityDirectory = (*RegistrationReminders)(nil)
)

// HasRegistrationTables reports whether the registration tables exist
// (they come with the registration feature's migrations).
func (db *DB) HasRegistrationTables() bool {
	m := db.G.Migrator()
	return m.HasTable("registrations") && m.HasTable("sessions") && m.HasTable("activities")
}

// attendanceSelect reads one registration with its session, activity and
// attendee. The attendee is the dependent, else the user (real name, else
// nickname). A registration is confirmed since its promotion, else since it
// was made.
const attendanceSelect = `SELECT r.id AS registration_id, r.user_id, r.activity_id, r.status,
	a.title AS activity_title, a.address AS place, a.status AS activity_status,
	CASE WHEN d.name IS NOT NULL AND d.name <> '' THEN d.name WHEN u.real_name <> '' THEN u.real_name ELSE COALESCE(u.nickname, '') END AS attendee_name,
	s.starts_at, s.ends_at, r.created_at, r.promoted_at
	FROM registrations r
	JOIN sessions s ON s.id = r.session_id
	JOIN activities a ON a.id = r.activity_id
	LEFT JOIN dependents d ON d.id = r.dependent_id AND r.dependent_id <> 0
	LEFT JOIN users u ON u.id = r.user_id`

type attendanceRow struct {
	RegistrationID int64
	UserID         int64
	ActivityID     int64
	Status         string
	ActivityTitle  string
	Place          string
	ActivityStatus string
	AttendeeName   string
	StartsAt       time.Time
	EndsAt         time.Time
	CreatedAt      time.Time
	PromotedAt     *time.Time
}

func (r attendanceRow) attendance() notify.Attendance {
	confirmedAt := r.CreatedAt
	if r.PromotedAt != nil {
		confirmedAt = *r.PromotedAt
	}
	return notify.Attendance{
		RegistrationID: r.RegistrationID, UserID: r.UserID, ActivityID: r.ActivityID,
		Confirmed:     r.Status == "confirmed" && r.ActivityStatus != "cancelled",
		ActivityTitle: r.ActivityTitle, Place: r.Place, AttendeeName: r.AttendeeName,
		StartsAt: r.StartsAt, EndsAt: r.EndsAt, ConfirmedAt: confirmedAt,
	}
}

// unreminded: no reminder record for the session's current start.
const unreminded = `NOT EXISTS (SELECT 1 FROM notify_reminders m WHERE m.registration_id = r.id AND m.starts_at = s.starts_at)`

// Unreminded implements notify.ReminderSource.
func (s *RegistrationReminders) Unreminded(ctx context.Context, after, until time.Time, limit int) ([]notify.Attendance, error) {
	var rows []attendanceRow
	err := s.db.G.WithContext(ctx).Raw(attendanceSelect+`
		WHERE r.status = 'confirmed' AND a.status <> 'cancelled' AND s.starts_at > ? AND s.starts_at <= ? AND `+unreminded+`
		ORDER BY s.starts_at, r.id LIMIT ?`, after.UTC(), until.UTC(), limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	out := make([]notify.Attendance, len(rows))
	for i, r := range rows {
		out[i] = r.attendance()
	}
	return out, nil
}

// Attendances implements notify.ReminderSource.
func (s *RegistrationReminders) Attendances(ctx context.Context, ids []int64) (map[int64]notify.Attendance, error) {
	out := map[int64]notify.Attendance{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []attendanceRow
	if err := s.db.G.WithContext(ctx).Raw(attendanceSelect+` WHERE r.id IN ?`, ids).Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	for _, r := range rows {
		out[r.RegistrationID] = r.attendance()
	}
	return out, nil
}

// UpcomingUnreminded implements notify.ReminderSource.
func (s *RegistrationReminders) UpcomingUnreminded(ctx context.Context, userID int64, now time.Time) (int, error) {
	var n int64
	err := s.db.G.WithContext(ctx).Raw(`SELECT COUNT(*) FROM registrations r
		JOIN sessions s ON s.id = r.session_id JOIN activities a ON a.id = r.activity_id
		WHERE r.user_id = ? AND r.status = 'confirmed' AND a.status <> 'cancelled' AND s.starts_at > ? AND `+unreminded,
		userID, now.UTC()).Scan(&n).Error
	return int(n), translate(err, nil)
}

// ActivityOwner implements notify.ActivityDirectory.
func (s *RegistrationReminders) ActivityOwner(ctx context.Context, activityID int64) (int64, int64, error) {
	var rows []struct{ CommunityID, HostOrgID int64 }
	if err := s.db.G.WithContext(ctx).Raw(`SELECT community_id, host_org_id FROM activities WHERE id = ?`, activityID).Scan(&rows).Error; err != nil {
		return 0, 0, translate(err, nil)
	}
	if len(rows) == 0 {
		return 0, 0, errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	}
	return rows[0].CommunityID, rows[0].HostOrgID, nil
}
