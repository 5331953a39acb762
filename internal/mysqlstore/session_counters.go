package mysqlstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
)

// sessionCounterRow keeps a session's live counts: changed in the same
// transaction as the registrations they count, so reading seats taken never
// counts registrations (which grow with history). A quota rebuild rewrites
// them from the rows (QuotaSnapshot), which also repairs any drift.
type sessionCounterRow struct {
	SessionID  int64     `gorm:"primaryKey;autoIncrement:false"`
	ActivityID int64     `gorm:"not null;index:idx_session_counters_activity"`
	Confirmed  int       `gorm:"not null;default:0"`
	Waitlisted int       `gorm:"not null;default:0"`
	UpdatedAt  time.Time `gorm:"not null;index:idx_session_counters_updated"`
}

func (sessionCounterRow) TableName() string { return "session_counters" }

// counterMigrations create the counters and fill them from the rows.
var counterMigrations = []Migration{
	{ID: "0802_session_counters", Up: createTables(&sessionCounterRow{})},
	{ID: "0803_session_counters_fill", Up: func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO session_counters (session_id, activity_id, confirmed, waitlisted, updated_at)
SELECT s.id, s.activity_id,
  (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'confirmed'),
  (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'waitlisted'), ?
FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM session_counters c WHERE c.session_id = s.id)`, time.Now().UTC()).Error
	}},
}

// counterDelta is a change of one session's counts.
type counterDelta struct{ confirmed, waitlisted int }

type counterDeltas map[int64]counterDelta

// add counts one registration row entering (+1) or leaving (-1) a status.
func (d counterDeltas) add(sessionID int64, status string, n int) {
	c := d[sessionID]
	switch status {
	case activity.RegConfirmed:
		c.confirmed += n
	case activity.RegWaitlisted:
		c.waitlisted += n
	default:
		return
	}
	d[sessionID] = c
}

// apply writes the deltas in session order (one lock order for every
// writer); a session without its counter row gets one counted from the rows.
func (d counterDeltas) apply(ctx context.Context, tx *gorm.DB, activityID func(sessionID int64) int64) error {
	ids := make([]int64, 0, len(d))
	for id, c := range d {
		if c != (counterDelta{}) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	now := time.Now().UTC()
	for _, id := range ids {
		c := d[id]
		res, err := tx.Statement.ConnPool.ExecContext(ctx,
			"UPDATE session_counters SET confirmed = confirmed + ?, waitlisted = waitlisted + ?, updated_at = ? WHERE session_id = ?",
			c.confirmed, c.waitlisted, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			continue
		}
		if err := recount(ctx, tx, activityID(id), id, now); err != nil {
			return err
		}
	}
	return nil
}

// recount sets a session's counter from its rows (creating it if missing).
func recount(ctx context.Context, tx *gorm.DB, activityID, sessionID int64, now time.Time) error {
	var c struct{ Confirmed, Waitlisted int }
	if err := tx.Session(&gorm.Session{NewDB: true}).Raw(`SELECT
  COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0) AS confirmed,
  COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS waitlisted
FROM registrations WHERE session_id = ? AND status IN ('confirmed', 'waitlisted')`, sessionID).Scan(&c).Error; err != nil {
		return err
	}
	return setCounter(tx, sessionCounterRow{SessionID: sessionID, ActivityID: activityID, Confirmed: c.Confirmed, Waitlisted: c.Waitlisted, UpdatedAt: now})
}

func setCounter(tx *gorm.DB, r sessionCounterRow) error {
	res := tx.Session(&gorm.Session{NewDB: true}).Model(&sessionCounterRow{}).Where("session_id = ?", r.SessionID).
		Updates(map[string]any{"confirmed": r.Confirmed, "waitlisted": r.Waitlisted, "updated_at": r.UpdatedAt})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := tx.Session(&gorm.Session{NewDB: true}).Model(&sessionCounterRow{}).Where("session_id = ?", r.SessionID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil // same values already
	}
	return tx.Session(&gorm.Session{NewDB: true}).Create(&r).Error
}

// newCounters creates the (zero) counters of new sessions.
func newCounters(tx *gorm.DB, sessions ...sessionRow) error {
	if len(sessions) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]sessionCounterRow, 0, len(sessions))
	for _, s := range sessions {
		rows = append(rows, sessionCounterRow{SessionID: s.ID, ActivityID: s.ActivityID, UpdatedAt: now})
	}
	return tx.Session(&gorm.Session{NewDB: true}).Create(&rows).Error
}

// counterRow is a session with its capacities and counters (nil when the
// session has no counter row).
type counterRow struct {
	ID               int64
	ActivityID       int64
	Capacity         int
	WaitlistCapacity int
	Confirmed        *int
	Waitlisted       *int
}

// effectiveCapacities selects a session's capacities as the quota holds
// them: a cancelled session's are 0 (QuotaSnapshot).
const effectiveCapacities = "CASE WHEN sessions.cancelled_at IS NULL THEN sessions.capacity ELSE 0 END AS capacity, " +
	"CASE WHEN sessions.cancelled_at IS NULL THEN sessions.waitlist_capacity ELSE 0 END AS waitlist_capacity"

// counterRows reads the sessions of at most maxIn activities with their counters.
func (s *ActivityStore) counterRows(ctx context.Context, activityIDs []int64) ([]counterRow, error) {
	var rows []counterRow
	err := s.g(ctx).Table("sessions").Select("sessions.id, sessions.activity_id, "+effectiveCapacities+", c.confirmed, c.waitlisted").
		Joins("LEFT JOIN session_counters c ON c.session_id = sessions.id").Where("sessions.activity_id IN ?", activityIDs).Scan(&rows).Error
	return rows, translate(err, nil)
}

// chunks calls fn with the ids, at most maxIn at a time.
func chunks(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxIn)]
		ids = ids[len(chunk):]
		if err := fn(chunk); err != nil {
			return err
		}
	}
	return nil
}

// readCounters reads the counters of the activities' sessions with their capacities.
func (s *ActivityStore) readCounters(ctx context.Context, activityIDs []int64) (map[int64]activity.Counts, error) {
	out := map[int64]activity.Counts{}
	err := chunks(activityIDs, func(chunk []int64) error {
		rows, err := s.counterRows(ctx, chunk)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Confirmed == nil {
				return fmt.Errorf("session %d has no counter", r.ID)
			}
			out[r.ID] = activity.Counts{Capacity: r.Capacity, WaitlistCapacity: r.WaitlistCapacity, Confirmed: *r.Confirmed, Waitlisted: *r.Waitlisted}
		}
		return nil
	})
	return out, err
}

// maxIn bounds every IN list of ids a query takes.
const maxIn = 500

// ChangedActivities lists activities whose counters changed since t.
func (s *ActivityStore) ChangedActivities(ctx context.Context, since time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&sessionCounterRow{}).Distinct("activity_id").Where("updated_at >= ?", since.UTC()).Limit(limit).Pluck("activity_id", &ids).Error
	return ids, translate(err, nil)
}

// QuotaTruths reads epochs, states and counters of the activities.
func (s *ActivityStore) QuotaTruths(ctx context.Context, activityIDs []int64) (map[int64]activity.QuotaTruth, error) {
	out := make(map[int64]activity.QuotaTruth, len(activityIDs))
	err := chunks(activityIDs, func(chunk []int64) error {
		var acts []activityRow
		if err := s.g(ctx).Select("id", "status", "quota_epoch", "last_ends_at").Where("id IN ?", chunk).Find(&acts).Error; err != nil {
			return translate(err, nil)
		}
		for _, a := range acts {
			out[a.ID] = activity.QuotaTruth{Epoch: a.QuotaEpoch, Open: a.Status == activity.StatusPublished, LastEndAt: a.LastEndsAt, Sessions: map[int64]activity.Counts{}}
		}
		rows, err := s.counterRows(ctx, chunk)
		if err != nil {
			return err
		}
		for _, r := range rows {
			t, ok := out[r.ActivityID]
			if !ok {
				continue
			}
			c := activity.Counts{Capacity: r.Capacity, WaitlistCapacity: r.WaitlistCapacity, Confirmed: -1, Waitlisted: -1}
			if r.Confirmed != nil {
				c.Confirmed, c.Waitlisted = *r.Confirmed, *r.Waitlisted
			}
			t.Sessions[r.ID] = c
		}
		return nil
	})
	return out, err
}
