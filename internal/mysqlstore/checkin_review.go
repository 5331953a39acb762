package mysqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

var (
	errReviewDone  = errs.Conflict("REVIEW_DONE", "这条签到记录已经审核过了")
	errNotInReview = errors.New("presence not waiting for review")
)

// PresenceByID loads a presence.
func (s *CheckinStore) PresenceByID(ctx context.Context, id int64) (checkin.Presence, error) {
	return byID(s.g(ctx), id, checkin.ErrPresenceNotFound, toPresence)
}

// ReviewPresence decides a presence held for review; approved, it is
// credited in the same transaction.
func (s *CheckinStore) ReviewPresence(ctx context.Context, id, by int64, approve bool, note string, credit checkin.CreditFunc, rejected []notify.Notice) (checkin.Presence, error) {
	status := checkin.ReviewRejected
	if approve {
		status = checkin.ReviewApproved
	}
	var got presenceRow
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := ckFresh(tx).Model(&presenceRow{}).Where("id = ? AND review_status = ? AND is_open = ?", id, checkin.ReviewPending, false).
			Updates(map[string]any{"review_status": status, "reviewed_by": by, "reviewed_at": now, "review_note": note, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errNotInReview
		}
		if err := ckFresh(tx).First(&got, id).Error; err != nil {
			return err
		}
		if !approve {
			return AddNotices(tx, rejected)
		}
		return creditPresence(tx, &got, credit)
	})
	if errors.Is(err, errNotInReview) {
		if _, err := s.PresenceByID(ctx, id); err != nil {
			return checkin.Presence{}, err
		}
		return checkin.Presence{}, errReviewDone
	}
	if err != nil {
		return checkin.Presence{}, translate(err, nil)
	}
	return toPresence(got), nil
}

// ReviewQueue lists flagged presences of activities in scope, oldest first,
// with the volunteer's name and the activity's title: a keyset page after
// (sc.AfterAt, sc.AfterID), which idx_presences_review (review_status,
// updated_at and, implicitly, id) serves.
func (s *CheckinStore) ReviewQueue(ctx context.Context, sc checkin.ReviewScope) ([]checkin.Presence, error) {
	// The row is a named embedded field: GORM skips an anonymous field of
	// an unexported type, which left every presence column unread.
	type row struct {
		Presence presenceRow `gorm:"embedded"`
		Title    string
		RealName string
		Nickname string
	}
	q := s.g(ctx).Table("self_presences AS p").
		Select("p.*, a.title AS title, u.real_name AS real_name, u.nickname AS nickname").
		Joins("JOIN activities a ON a.id = p.activity_id").
		Joins("LEFT JOIN users u ON u.id = p.user_id").
		Where("p.review_status = ?", sc.Status)
	q = inScope(q, "a.host_org_id", "a.community_id", sc.All, sc.OrgIDs, sc.CommunityIDs)
	if sc.AfterID > 0 {
		q = q.Where("(p.updated_at > ? OR (p.updated_at = ? AND p.id > ?))", sc.AfterAt, sc.AfterAt, sc.AfterID)
	}
	if sc.Limit > 0 {
		q = q.Limit(sc.Limit)
	}
	var rows []row
	if err := q.Order("p.updated_at, p.id").Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]checkin.Presence, 0, len(rows))
	for _, r := range rows {
		p := toPresence(r.Presence)
		p.ActivityTitle, p.UserName = r.Title, userName(r.RealName, r.Nickname)
		out = append(out, p)
	}
	return out, nil
}
