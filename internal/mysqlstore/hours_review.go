package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/errs"
	"gongjian/internal/hours"
)

// hoursCreditLockRow serialises the credits of one person for one session:
// every ledger write naming a session locks its row first, then checks the
// session's net credit against the session's length.
type hoursCreditLockRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	SessionID int64 `gorm:"primaryKey;autoIncrement:false"`
	Writes    int64 `gorm:"not null;default:0"`
}

func (hoursCreditLockRow) TableName() string { return "hours_credit_locks" }

// hourCorrectionRow is a correction waiting for (or given) a second staff
// member's approval.
type hourCorrectionRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	EntryID       int64  `gorm:"not null;index"`
	UserID        int64  `gorm:"not null;index"`
	ActivityID    int64  `gorm:"not null;default:0"`
	SessionID     int64  `gorm:"not null;default:0"`
	ActivityTitle string `gorm:"size:100;not null;default:''"`
	HostOrgID     int64  `gorm:"not null;default:0;index"`
	CommunityID   int64  `gorm:"not null;default:0;index"`
	Minutes       int    `gorm:"not null"`
	Reason        string `gorm:"size:800;not null"`
	RequestedBy   int64  `gorm:"not null"`
	Status        string `gorm:"size:12;not null"` // indexed with id (idx_corrections_status_id, 1273)
	ReviewedBy    int64  `gorm:"not null;default:0"`
	ReviewedAt    *time.Time
	RejectReason  string    `gorm:"size:800;not null;default:''"`
	ResultEntryID int64     `gorm:"not null;default:0"`
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time
}

func (hourCorrectionRow) TableName() string { return "hour_corrections" }

// reviewPagingMigration indexes the staff's review queues of claims and
// corrections by status and id: a page of one status, newest first, reads
// only its own rows (reviewQuery). The indexes by status and creation time
// they replace served no query (the lists are ordered by id).
var reviewPagingMigration = Migration{ID: "1273_hours_review_paging", Up: func(tx *gorm.DB) error {
	if err := createIndexes(
		index{"hour_claims", "idx_claims_status_id", "status, id"},
		index{"hour_corrections", "idx_corrections_status_id", "status, id"},
	)(tx); err != nil {
		return err
	}
	return dropIndexes(
		index{table: "hour_claims", name: "idx_claims_status"},
		index{table: "hour_corrections", name: "idx_corrections_status"},
	)(tx)
}}

var (
	errCreditExceeds        = errs.Unprocessable("CREDIT_EXCEEDS_SESSION", "这个场次的服务时长将超过场次的时长，请核对分钟数")
	errCorrectionNotFound   = errs.NotFound("CORRECTION_NOT_FOUND", "更正申请不存在")
	errCorrectionReviewed   = errs.Conflict("CORRECTION_ALREADY_REVIEWED", "这条更正已经审核过了")
	errCreditLockContention = errors.New("hours: credit lock row created concurrently")
)

// lockSessionCredit locks the (user, session) credit row inside tx, creating
// it on first use, and returns the session's net credited minutes.
func lockSessionCredit(tx *gorm.DB, userID, sessionID int64) (int, error) {
	// An UPDATE takes the row's exclusive lock at once (a locking read after
	// an insert-or-ignore would take a shared lock first and deadlock).
	res := tx.Session(&gorm.Session{NewDB: true}).Model(&hoursCreditLockRow{}).
		Where("user_id = ? AND session_id = ?", userID, sessionID).Update("writes", gorm.Expr("writes + 1"))
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 {
		err := tx.Session(&gorm.Session{NewDB: true}).Create(&hoursCreditLockRow{UserID: userID, SessionID: sessionID, Writes: 1}).Error
		if IsDuplicate(err) {
			return 0, errCreditLockContention
		}
		if err != nil {
			return 0, err
		}
	}
	return sessionCredit(tx.Session(&gorm.Session{NewDB: true}), userID, sessionID)
}

func sessionCredit(q *gorm.DB, userID, sessionID int64) (int, error) {
	var net struct{ N int }
	err := q.Model(&hoursLedgerRow{}).Select("COALESCE(SUM(minutes),0) AS n").
		Where("user_id = ? AND session_id = ?", userID, sessionID).Scan(&net).Error
	return net.N, err
}

// capSessionCredit keeps e within its session's length: it locks the
// person's credit for the session and clamps e (e.Clamp) or refuses it.
// ok=false means nothing is left to credit.
func capSessionCredit(tx *gorm.DB, e *hours.Entry) (bool, error) {
	if e.SessionID == 0 || e.SessionMinutes <= 0 || e.Minutes <= 0 {
		return true, nil
	}
	have, err := lockSessionCredit(tx, e.UserID, e.SessionID)
	if err != nil {
		return false, err
	}
	left := e.SessionMinutes - have
	if e.Minutes <= left {
		return true, nil
	}
	if !e.Clamp {
		return false, errCreditExceeds.With("session_minutes", e.SessionMinutes).With("credited_minutes", have).With("max_minutes", max(left, 0))
	}
	if left <= 0 {
		return false, nil
	}
	e.Minutes = left
	return true, nil
}

// creditTransaction runs fn in a transaction, once more when a concurrent
// first credit of the same person and session created the lock row. On
// MySQL it reads committed data: the session's credit summed after the lock
// row was taken must include what the previous holder committed (a
// repeatable-read snapshot taken by an earlier read would miss it).
func (d *DB) creditTransaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts []*sql.TxOptions
	if d.Dialect == "mysql" {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	err := d.transaction(ctx, fn, opts...)
	if errors.Is(err, errCreditLockContention) {
		err = d.transaction(ctx, fn, opts...)
	}
	return err
}

// SessionCredit is the user's net credit for a session.
func (s *HoursStore) SessionCredit(ctx context.Context, userID, sessionID int64) (int, error) {
	n, err := sessionCredit(s.g(ctx), userID, sessionID)
	return n, translate(err, nil)
}

func toCorrection(r hourCorrectionRow) hours.Correction {
	return hours.Correction{ID: r.ID, EntryID: r.EntryID, UserID: r.UserID, ActivityID: r.ActivityID, SessionID: r.SessionID,
		ActivityTitle: r.ActivityTitle, HostOrgID: r.HostOrgID, CommunityID: r.CommunityID, Minutes: r.Minutes, Reason: r.Reason,
		RequestedBy: r.RequestedBy, Status: r.Status, ReviewedBy: r.ReviewedBy, ReviewedAt: r.ReviewedAt, RejectReason: r.RejectReason,
		ResultEntryID: r.ResultEntryID, CreatedAt: r.CreatedAt.UTC()}
}

// CreateCorrection stores a correction waiting for a second approval.
func (s *HoursStore) CreateCorrection(ctx context.Context, c *hours.Correction) error {
	r := hourCorrectionRow{EntryID: c.EntryID, UserID: c.UserID, ActivityID: c.ActivityID, SessionID: c.SessionID,
		ActivityTitle: c.ActivityTitle, HostOrgID: c.HostOrgID, CommunityID: c.CommunityID, Minutes: c.Minutes, Reason: c.Reason,
		RequestedBy: c.RequestedBy, Status: hours.CorrectionPending}
	return create(s.g(ctx), &r, c, toCorrection)
}

// Correction loads one correction request.
func (s *HoursStore) Correction(ctx context.Context, id int64) (hours.Correction, error) {
	return byID(s.g(ctx), id, errCorrectionNotFound, toCorrection)
}

// Corrections lists correction requests, newest first.
func (s *HoursStore) Corrections(ctx context.Context, f hours.ClaimFilter) ([]hours.Correction, error) {
	return findAs(reviewQuery(s.g(ctx).Model(&hourCorrectionRow{}), f), toCorrection)
}

// reviewCorrection moves a pending correction on inside tx.
func reviewCorrection(tx *gorm.DB, id int64, upd map[string]any) error {
	return review(tx, &hourCorrectionRow{}, id, hours.CorrectionPending, upd, errCorrectionNotFound, errCorrectionReviewed)
}

// ApproveCorrection approves a pending correction and appends it.
func (s *HoursStore) ApproveCorrection(ctx context.Context, id, by int64, e hours.Entry) (hours.Correction, error) {
	now := time.Now().UTC()
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		if err := reviewCorrection(tx, id, map[string]any{"status": hours.CorrectionApproved, "reviewed_by": by, "reviewed_at": now, "updated_at": now}); err != nil {
			return err
		}
		got, err := correctIn(tx, s.db, e)
		if err != nil {
			return err
		}
		return tx.Session(&gorm.Session{NewDB: true}).Model(&hourCorrectionRow{}).Where("id = ?", id).Update("result_entry_id", got.ID).Error
	})
	if err != nil {
		return hours.Correction{}, translate(err, nil)
	}
	return s.Correction(ctx, id)
}

// RejectCorrection rejects a pending correction.
func (s *HoursStore) RejectCorrection(ctx context.Context, id, by int64, reason string) (hours.Correction, error) {
	now := time.Now().UTC()
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		return reviewCorrection(tx, id, map[string]any{"status": hours.CorrectionRejected, "reviewed_by": by, "reviewed_at": now,
			"reject_reason": reason, "updated_at": now})
	})
	if err != nil {
		return hours.Correction{}, translate(err, nil)
	}
	return s.Correction(ctx, id)
}

// correctIn appends the correction e inside tx: the original is locked so
// concurrent corrections of it queue up, its net stays ≥ 0 and its
// session's credit within the session's length.
func correctIn(tx *gorm.DB, db *DB, e hours.Entry) (hours.Entry, error) {
	q := db.forUpdate(tx.Session(&gorm.Session{NewDB: true}))
	var orig hoursLedgerRow
	if err := q.Where("id = ?", e.ReversesID).First(&orig).Error; err != nil {
		return hours.Entry{}, translate(err, errEntryNotFound)
	}
	var net struct{ N int }
	if err := tx.Session(&gorm.Session{NewDB: true}).Model(&hoursLedgerRow{}).Select("COALESCE(SUM(minutes),0) AS n").
		Where("reverses_id = ?", orig.ID).Scan(&net).Error; err != nil {
		return hours.Entry{}, err
	}
	if orig.Minutes+net.N+e.Minutes < 0 {
		return hours.Entry{}, errNetNegative
	}
	if e.SingleApprovalMax > 0 {
		var single struct{ N int }
		if err := tx.Session(&gorm.Session{NewDB: true}).Model(&hoursLedgerRow{}).Select("COALESCE(SUM(ABS(minutes)),0) AS n").
			Where("reverses_id = ? AND approved_by = recorded_by", orig.ID).Scan(&single).Error; err != nil {
			return hours.Entry{}, err
		}
		if single.N+max(e.Minutes, -e.Minutes) > e.SingleApprovalMax {
			return hours.Entry{}, hours.ErrNeedsSecondApproval
		}
	}
	e.Clamp = false
	if _, err := capSessionCredit(tx, &e); err != nil {
		return hours.Entry{}, err
	}
	out, _, err := insertLedger(tx, e)
	return out, err
}
