package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/page"
)

// Each registration carries its session's start and end (starts_at,
// ends_at), written with the row and moved with the session, so that a
// resident's own list (upcoming or past, by session time) pages from an
// index of their rows alone instead of joining every one of their
// registrations to its session (2,000 of one resident: 37 pages a second).
// They are not fields of registrationRow: no row write can clear them.
var registrationTimesMigration = Migration{ID: "1263_registrations_session_times", Up: func(tx *gorm.DB) error {
	if err := addTimeColumns(tx, "registrations", "starts_at", "ends_at"); err != nil {
		return err
	}
	if err := tx.Session(&gorm.Session{NewDB: true}).Exec(`UPDATE registrations SET
  starts_at = (SELECT s.starts_at FROM sessions s WHERE s.id = registrations.session_id),
  ends_at = (SELECT s.ends_at FROM sessions s WHERE s.id = registrations.session_id)
WHERE starts_at IS NULL`).Error; err != nil {
		return err
	}
	return createIndexes(
		index{"registrations", "idx_registrations_user_starts", "user_id, starts_at, id"},
		index{"registrations", "idx_registrations_user_ends", "user_id, ends_at, status"},
	)(tx)
}}

// sessionTimes reads the start and end of the sessions.
func sessionTimes(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64][2]time.Time, error) {
	// Written by hand like the inserts it serves: it runs in every batch.
	in, args := idParams(ids)
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, "SELECT id, starts_at, ends_at FROM sessions WHERE id IN "+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64][2]time.Time, len(ids))
	for rows.Next() {
		var id int64
		var t [2]time.Time
		if err := rows.Scan(&id, &t[0], &t[1]); err != nil {
			return nil, err
		}
		out[id] = [2]time.Time{t[0].UTC(), t[1].UTC()}
	}
	return out, rows.Err()
}

// moveRegistrations gives a moved session's registrations its new times.
func moveRegistrations(tx *gorm.DB, sessionID int64, startsAt, endsAt time.Time) error {
	return tx.Session(&gorm.Session{NewDB: true}).Exec("UPDATE registrations SET starts_at = ?, ends_at = ? WHERE session_id = ?",
		startsAt.UTC(), endsAt.UTC(), sessionID).Error
}

// userRegistrations is the WHERE and ORDER of an account's own list:
// upcoming (not cancelled, not over) soonest first, or past (over or
// cancelled) latest first.
func (s *ActivityStore) userRegistrations(ctx context.Context, userID int64, upcoming bool, now time.Time) (*gorm.DB, string) {
	q := s.g(ctx).Model(&registrationRow{}).Where("user_id = ?", userID)
	if upcoming {
		return q.Where("ends_at >= ? AND status <> ?", now.UTC(), activity.RegCancelled), "starts_at, id"
	}
	return q.Where("(ends_at < ? OR status = ?)", now.UTC(), activity.RegCancelled), "starts_at DESC, id DESC"
}

// UserRegistrations lists a page of an account's registrations (offset
// paging with a total; see UserRegistrationsAfter for the keyset).
func (s *ActivityStore) UserRegistrations(ctx context.Context, userID int64, upcoming bool, now time.Time, pg, pageSize int) ([]activity.RegistrationDetail, int, error) {
	q, order := s.userRegistrations(ctx, userID, upcoming, now)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	q, _ = s.userRegistrations(ctx, userID, upcoming, now)
	var rows []registrationRow
	if err := q.Order(order).Offset((pg - 1) * pageSize).Limit(pageSize).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	ds, err := s.details(ctx, rows, false)
	return ds, int(total), err
}

// UserRegistrationsAfter lists the account's registrations after the
// cursor (Key: the session's start in ms, ID: the registration), at most
// limit of them.
func (s *ActivityStore) UserRegistrationsAfter(ctx context.Context, userID int64, upcoming bool, now time.Time, after *page.Cursor, limit int) ([]activity.RegistrationDetail, error) {
	q, order := s.userRegistrations(ctx, userID, upcoming, now)
	if after != nil {
		at := time.UnixMilli(after.Key).UTC()
		if upcoming {
			q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", at, at, after.ID)
		} else {
			q = q.Where("(starts_at < ? OR (starts_at = ? AND id < ?))", at, at, after.ID)
		}
	}
	var rows []registrationRow
	if err := q.Order(order).Limit(max(limit, 1)).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.details(ctx, rows, false)
}
