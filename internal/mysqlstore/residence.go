package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/notify"
	"gongjian/internal/residence"
)

// residenceRow is one residence application. PendingKey and ConfirmedKey
// hold the user id while the application is pending / is the confirmed
// residence (NULL otherwise): the unique indexes keep one of each per user.
type residenceRow struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	UserID       int64  `gorm:"not null;index"`
	CommunityID  int64  `gorm:"not null;index:idx_residence_community,priority:1"`
	Address      string `gorm:"size:200;not null"`
	Building     string `gorm:"size:40;not null"`
	Unit         string `gorm:"size:40;not null"`
	Status       string `gorm:"size:12;not null;index:idx_residence_community,priority:2"`
	PendingKey   *int64 `gorm:"uniqueIndex:uq_residence_pending"`
	ConfirmedKey *int64 `gorm:"uniqueIndex:uq_residence_confirmed"`
	Reason       string `gorm:"size:400;not null;default:''"`
	ReviewedBy   int64  `gorm:"not null;default:0"`
	ReviewedAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (residenceRow) TableName() string { return "residence_applications" }

var residenceMigrations = []Migration{
	{ID: "0702_residence_applications", Up: createTables(&residenceRow{})},
}

// ResidenceStore implements residence.Store.
type ResidenceStore struct{ base }

// NewResidenceStore returns the store of residence applications.
func NewResidenceStore(db *DB) *ResidenceStore { return &ResidenceStore{base{db}} }

var _ residence.Store = (*ResidenceStore)(nil)

type residenceScan struct {
	ID, UserID, CommunityID, ReviewedBy int64
	Address, Building, Unit             string
	Status, Reason                      string
	ReviewedAt                          *time.Time
	CreatedAt                           time.Time
	RealName, Nickname, CommunityName   string
}

func (r residenceScan) app() residence.Application {
	return residence.Application{ID: r.ID, UserID: r.UserID, UserName: userName(r.RealName, r.Nickname), CommunityID: r.CommunityID,
		Address: r.Address, Building: r.Building, Unit: r.Unit, Status: r.Status, Reason: r.Reason, ReviewedBy: r.ReviewedBy,
		ReviewedAt: r.ReviewedAt, CreatedAt: r.CreatedAt.UTC(), CommunityName: r.CommunityName}
}

func (s *ResidenceStore) query(ctx context.Context) *gorm.DB {
	return s.g(ctx).Table("residence_applications r").Select("r.id, r.user_id, r.community_id, r.reviewed_by, r.address, r.building, r.unit, r.status, r.reason, r.reviewed_at, r.created_at, u.real_name, u.nickname, c.name AS community_name").
		Joins("JOIN users u ON u.id = r.user_id").Joins("LEFT JOIN communities c ON c.id = r.community_id")
}

func (s *ResidenceStore) scan(q *gorm.DB) ([]residence.Application, error) {
	var rows []residenceScan
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]residence.Application, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.app())
	}
	return out, nil
}

// Create inserts a pending application.
func (s *ResidenceStore) Create(ctx context.Context, a *residence.Application) error {
	uid := a.UserID
	r := residenceRow{UserID: a.UserID, CommunityID: a.CommunityID, Address: a.Address, Building: a.Building, Unit: a.Unit,
		Status: residence.StatusPending, PendingKey: &uid}
	if err := s.g(ctx).Create(&r).Error; err != nil {
		if IsDuplicate(err) {
			return residence.ErrPending
		}
		return translate(err, nil)
	}
	a.ID, a.Status, a.CreatedAt = r.ID, r.Status, r.CreatedAt.UTC()
	return nil
}

// Application loads one application.
func (s *ResidenceStore) Application(ctx context.Context, id int64) (residence.Application, error) {
	out, err := s.scan(s.query(ctx).Where("r.id = ?", id))
	if err != nil {
		return residence.Application{}, err
	}
	if len(out) == 0 {
		return residence.Application{}, residence.ErrNotFound
	}
	return out[0], nil
}

// OfUser lists a user's applications, newest first.
func (s *ResidenceStore) OfUser(ctx context.Context, userID int64) ([]residence.Application, error) {
	return s.scan(s.query(ctx).Where("r.user_id = ?", userID).Order("r.id DESC").Limit(50))
}

// List lists applications for staff, newest first.
func (s *ResidenceStore) List(ctx context.Context, f residence.Filter) ([]residence.Application, error) {
	q := s.query(ctx)
	q = whereEq(q, "r.status", f.Status)
	if f.CommunityIDs != nil {
		q = q.Where("r.community_id IN ?", f.CommunityIDs)
	}
	if f.BeforeID > 0 {
		q = q.Where("r.id < ?", f.BeforeID)
	}
	return s.scan(q.Order("r.id DESC").Limit(f.Limit))
}

// Approve makes a pending application the confirmed residence, sets the
// user's profile community to it and queues the notices, in one transaction.
func (s *ResidenceStore) Approve(ctx context.Context, id, by int64, at time.Time, notices []notify.Notice) (bool, error) {
	done := false
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		done = false
		var r residenceRow
		fresh := func() *gorm.DB { return tx.Session(&gorm.Session{NewDB: true}) }
		if err := fresh().Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, id).Error; err != nil {
			return translate(err, residence.ErrNotFound)
		}
		if r.Status != residence.StatusPending {
			return nil
		}
		if err := fresh().Model(&residenceRow{}).Where("user_id = ? AND status = ?", r.UserID, residence.StatusApproved).
			Updates(map[string]any{"status": residence.StatusSuperseded, "confirmed_key": nil, "updated_at": at}).Error; err != nil {
			return err
		}
		uid := r.UserID
		if err := fresh().Model(&residenceRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": residence.StatusApproved, "pending_key": nil, "confirmed_key": uid, "reviewed_by": by, "reviewed_at": at, "updated_at": at,
		}).Error; err != nil {
			return err
		}
		// The profile shows the confirmed community (eligibility keeps
		// reading the confirmed residence, whatever the profile says later).
		if err := fresh().Model(&userRow{}).Where("id = ?", uid).Updates(map[string]any{
			"community_id": r.CommunityID, "updated_at": at,
		}).Error; err != nil {
			return err
		}
		done = true
		return AddNotices(tx, notices)
	})
	return done, translate(err, nil)
}

// Reject refuses a pending application and queues the notices.
func (s *ResidenceStore) Reject(ctx context.Context, id, by int64, reason string, at time.Time, notices []notify.Notice) (bool, error) {
	done := false
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&residenceRow{}).Where("id = ? AND status = ?", id, residence.StatusPending).Updates(map[string]any{
			"status": residence.StatusRejected, "pending_key": nil, "reason": reason, "reviewed_by": by, "reviewed_at": at, "updated_at": at,
		})
		if res.Error != nil {
			return res.Error
		}
		if done = res.RowsAffected == 1; !done {
			return nil
		}
		return AddNotices(tx, notices)
	})
	return done, translate(err, nil)
}

// Confirmed returns the user's approved application.
func (s *ResidenceStore) Confirmed(ctx context.Context, userID int64) (residence.Application, bool, error) {
	out, err := s.scan(s.query(ctx).Where("r.user_id = ? AND r.status = ?", userID, residence.StatusApproved).Limit(1))
	if err != nil || len(out) == 0 {
		return residence.Application{}, false, err
	}
	return out[0], true, nil
}

// CommunityExists reports whether the community exists.
func (s *ResidenceStore) CommunityExists(ctx context.Context, id int64) (bool, error) {
	var n int64
	if err := s.g(ctx).Model(&communityRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, translate(err, nil)
	}
	return n > 0, nil
}
