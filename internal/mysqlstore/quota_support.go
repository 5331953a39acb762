package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
)

// ---- quota support ----

// QuotaSnapshot bumps the epoch and reads the quota state in one transaction.
func (s *ActivityStore) QuotaSnapshot(ctx context.Context, activityID int64, idemTTL time.Duration) (activity.Snapshot, error) {
	var snap activity.Snapshot
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE activities SET quota_epoch = quota_epoch + 1 WHERE id = ?", activityID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errActivityNotFound
		}
		var a activityRow
		if err := tx.Session(&gorm.Session{NewDB: true}).First(&a, activityID).Error; err != nil {
			return err
		}
		var ss []sessionRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Where("activity_id = ?", activityID).Order("id").Find(&ss).Error; err != nil {
			return err
		}
		var regs []registrationRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Select("session_id", "attendee_key", "user_id", "status").
			Where(bySessionsOf+" AND status IN ?", activityID, []string{activity.RegConfirmed, activity.RegWaitlisted}).Find(&regs).Error; err != nil {
			return err
		}
		snap = activity.Snapshot{ActivityID: activityID, Epoch: a.QuotaEpoch, Open: a.Status == activity.StatusPublished,
			ExpiresAt: a.LastEndsAt.Add(7 * 24 * time.Hour)}
		if err := tx.Session(&gorm.Session{NewDB: true}).Model(&registrationRow{}).Where("activity_id = ?", activityID).
			Select("COALESCE(MAX(decision), 0)").Scan(&snap.LastDecision).Error; err != nil {
			return err
		}
		idem, err := idemRecords(tx.Session(&gorm.Session{NewDB: true}), activityID, idemTTL)
		if err != nil {
			return err
		}
		snap.Idem = idem
		counts := map[int64]*activity.SessionQuota{}
		for _, x := range ss {
			q := activity.SessionQuota{ID: x.ID, Capacity: x.Capacity, WaitlistCapacity: x.WaitlistCapacity}
			if x.CancelledAt != nil {
				// A cancelled session takes nobody, nor any waitlist.
				q.Capacity, q.WaitlistCapacity = 0, 0
			}
			snap.Sessions = append(snap.Sessions, q)
		}
		for i := range snap.Sessions {
			counts[snap.Sessions[i].ID] = &snap.Sessions[i]
		}
		for _, r := range regs {
			snap.Members = append(snap.Members, activity.Member{SessionID: r.SessionID, AttendeeKey: r.AttendeeKey, UserID: r.UserID, Status: r.Status})
			if c := counts[r.SessionID]; c != nil {
				if r.Status == activity.RegConfirmed {
					c.Confirmed++
				} else {
					c.Waitlisted++
				}
			}
		}
		// The rebuild is also when the counters are made right again.
		now := time.Now().UTC()
		for _, q := range snap.Sessions {
			if err := setCounter(tx, sessionCounterRow{SessionID: q.ID, ActivityID: activityID, Confirmed: q.Confirmed, Waitlisted: q.Waitlisted, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.seats.mark(activityID)
	}
	return snap, translate(err, errActivityNotFound)
}

// idemRecords reads the Idempotency-Keys of the activity's groups written
// within ttl, each expiring ttl after its group was written. The groups
// are found through their registrations (by session, the unique key's
// first column; a group's rows are written with it), so that
// registration_groups needs no index by activity that every sign-up
// would pay for.
func idemRecords(tx *gorm.DB, activityID int64, ttl time.Duration) ([]activity.IdemRecord, error) {
	if ttl <= 0 {
		return nil, nil
	}
	since := time.Now().UTC().Add(-ttl)
	var rows []struct {
		UserID    int64
		IdemKey   string
		GroupKey  string
		CreatedAt time.Time
	}
	err := tx.Raw("SELECT user_id, idem_key, group_key, created_at FROM registration_groups "+
		"WHERE group_key IN (SELECT group_key FROM registrations WHERE "+bySessionsOf+" AND created_at >= ?) "+
		"AND activity_id = ? AND idem_key IS NOT NULL AND void = ? AND created_at >= ?",
		activityID, since, activityID, false, since).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]activity.IdemRecord, 0, len(rows))
	for _, r := range rows {
		out = append(out, activity.IdemRecord{UserID: r.UserID, Key: r.IdemKey, GroupKey: r.GroupKey, ExpiresAt: r.CreatedAt.Add(ttl)})
	}
	return out, nil
}

// SessionCounts reads the live counts of the activities' sessions from
// their counters (never by counting registrations).
func (s *ActivityStore) SessionCounts(ctx context.Context, activityIDs []int64) (map[int64]activity.Counts, error) {
	return s.readCounters(ctx, activityIDs)
}

// OpenActivityIDs lists a page of published activities not over by
// endsAfter, by id (index idx_activities_status_id).
func (s *ActivityStore) OpenActivityIDs(ctx context.Context, endsAfter time.Time, afterID int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&activityRow{}).Where("status = ? AND id > ? AND last_ends_at > ?", activity.StatusPublished, afterID, endsAfter.UTC()).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err, nil)
}

// GroupExists reports whether a committed (non-void) group exists.
func (s *ActivityStore) GroupExists(ctx context.Context, key string) (bool, error) {
	return exists(s.g(ctx).Model(&registrationGroupRow{}).Where("group_key = ? AND void = ?", key, false))
}
