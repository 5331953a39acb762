package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
)

// ---- activity lists, paged in the database ----

// filtered is the WHERE of an activity list (indexes: migration 0800).
func (s *ActivityStore) filtered(ctx context.Context, f activity.ActivityFilter) (*gorm.DB, bool) {
	q := s.g(ctx).Model(&activityRow{})
	q = whereEq(q, "category", f.Category)
	q = whereEq(q, "community_id", f.CommunityID)
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if !f.EndsAfter.IsZero() {
		q = q.Where("last_ends_at > ?", f.EndsAfter.UTC())
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		from, to := f.From, f.To
		if from.IsZero() {
			from = time.Unix(0, 0)
		}
		if to.IsZero() {
			to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		// Only a session still held matches: one cancelled by staff does
		// not take place on its date.
		q = q.Where("EXISTS (SELECT 1 FROM sessions s WHERE s.activity_id = activities.id AND s.cancelled_at IS NULL AND s.starts_at >= ? AND s.starts_at < ?)", from.UTC(), to.UTC())
	}
	if !f.HasSeatsAt.IsZero() {
		// Seats left: in a session not started yet, or, for a series (every
		// session booked together), in every session (see activity_seats.go).
		q = q.Where("seats_until > ?", f.HasSeatsAt.UTC())
	}
	if !f.ScopeAll {
		if len(f.ScopeCommunities) == 0 && len(f.ScopeOrgs) == 0 {
			return nil, false
		}
		q = activityScope(q, f.ScopeCommunities, f.ScopeOrgs)
	}
	return q, true
}

// seatsLeft is true for a session s with a confirmed seat free (a
// cancelled session has none).
const seatsLeft = "s.cancelled_at IS NULL AND s.capacity > COALESCE((SELECT c.confirmed FROM session_counters c WHERE c.session_id = s.id), 0)"

// ListActivities lists one page of the activities matching f (with their
// sessions): by first session still held (first_starts_at, see
// refreshSpan), or newest first. The page's ids come from the index alone;
// only those rows are read.
func (s *ActivityStore) ListActivities(ctx context.Context, f activity.ActivityFilter, offset, limit int) ([]activity.Activity, error) {
	q, ok := s.filtered(ctx, f)
	if !ok || limit <= 0 {
		return nil, nil
	}
	order := "first_starts_at, id"
	if f.NewestFirst {
		order = "id DESC"
	}
	var ids []int64
	if err := q.Order(order).Offset(offset).Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []activityRow
	if err := s.g(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	byID := make(map[int64]activityRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	ordered := make([]activityRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			ordered = append(ordered, r)
		}
	}
	out, err := s.loadActivities(s.g(ctx), ordered)
	return out, translate(err, nil)
}

// CountActivities counts the activities matching f.
func (s *ActivityStore) CountActivities(ctx context.Context, f activity.ActivityFilter) (int, error) {
	q, ok := s.filtered(ctx, f)
	if !ok {
		return 0, nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, translate(err, nil)
	}
	return int(n), nil
}
