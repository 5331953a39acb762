package mysqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// notifyGrantRow counts what a user allowed for one subscribe template.
type notifyGrantRow struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	TemplateKey string `gorm:"primaryKey;size:40"`
	TemplateID  string `gorm:"size:128;not null;default:''"` // the template id the grants are for
	Status      string `gorm:"size:8;not null;default:''"`   // last answer: accept | reject | ban
	Balance     int    `gorm:"not null;default:0"`           // one-time sends left
	LongTerm    bool   `gorm:"not null;default:false"`
	Accepts     int    `gorm:"not null;default:0"` // accepts ever recorded
	UpdatedAt   time.Time
}

func (notifyGrantRow) TableName() string { return "notify_grants" }

// notifyReminderRow records that a registration's session start has been
// dealt with by the reminder scheduler (a reminder written, or skipped).
type notifyReminderRow struct {
	RegistrationID int64     `gorm:"primaryKey;autoIncrement:false"`
	StartsAt       time.Time `gorm:"primaryKey"`
	Skipped        bool      `gorm:"not null;default:false"`
	CreatedAt      time.Time
}

func (notifyReminderRow) TableName() string { return "notify_reminders" }

var notifyMigrations = []Migration{
	{ID: "0200_notify_delivery", Up: func(tx *gorm.DB) error {
		if err := createTables(&outboxRow{}, &notifyGrantRow{}, &notifyReminderRow{})(tx); err != nil {
			return err
		}
		return tx.Session(&gorm.Session{NewDB: true}).
			Exec("UPDATE outbox SET next_at = due_at WHERE next_at IS NULL").Error
	}},
}

// maxGrantBalance caps the one-time grants counted per user and template
// (a client reporting "accept" in a loop gains nothing).
const maxGrantBalance = 50

// NotifyStore implements notify.Store.
type NotifyStore struct{ base }

// NewNotifyStore returns the store of notices, grants and reminder records.
func NewNotifyStore(db *DB) *NotifyStore { return &NotifyStore{base{db}} }

var _ notify.Store = (*NotifyStore)(nil)

// errLost rolls back a transaction whose claim was taken over.
var errLost = errors.New("claim lost")

// tx runs fn in a transaction — READ COMMITTED on MySQL, so claims take no
// gap locks — retrying a few times on deadlocks and lock timeouts.
func (s *NotifyStore) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts []*sql.TxOptions
	if s.db.Dialect == "mysql" {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	return s.db.transaction(ctx, fn, opts...)
}

// lockClause locks selected rows on MySQL, skipping rows other
// transactions hold; SQLite's single writer needs none.
func (s *NotifyStore) lockClause(skip bool) string {
	if s.db.Dialect != "mysql" {
		return ""
	}
	if skip {
		return " FOR UPDATE SKIP LOCKED"
	}
	return " FOR UPDATE"
}

// ---- delivery ----

// Recover implements notify.Store.
func (s *NotifyStore) Recover(ctx context.Context, now time.Time) (requeued, uncertain int64, err error) {
	now = now.UTC()
	r := s.g(ctx).Exec(`UPDATE outbox SET status = ?, claimed_by = '', claimed_until = NULL, updated_at = ?
		WHERE status = ? AND claimed_until < ?`, notify.StatusPending, now, notify.StatusClaimed, now)
	if r.Error != nil {
		return 0, 0, translate(r.Error, nil)
	}
	requeued = r.RowsAffected
	// claimed_by stays: the worker that made the call may still record its
	// outcome (Finish), which wins over "uncertain".
	r = s.g(ctx).Exec(`UPDATE outbox SET status = ?, last_error = ?, claimed_until = NULL, updated_at = ?
		WHERE status = ? AND claimed_until < ?`, notify.StatusUncertain,
		"the worker stopped during the WeChat call: maybe delivered, not resent", now, notify.StatusSending, now)
	if r.Error != nil {
		return requeued, 0, translate(r.Error, nil)
	}
	return requeued, r.RowsAffected, nil
}

// Purge implements notify.Store: notices done with (sent, in-app only,
// failed, uncertain, expired, cancelled) created before before are deleted; pending
// and in-flight ones are never touched, however old.
func (s *NotifyStore) Purge(ctx context.Context, before time.Time, batch int) (int64, error) {
	return s.db.purge(ctx, &outboxRow{}, batch, "created_at", before, "status NOT IN ?",
		[]string{notify.StatusPending, notify.StatusClaimed, notify.StatusSending})
}

// Claim implements notify.Store: first each priority's guaranteed share,
// then the rest in priority order, oldest first within a priority, with
// rows locked by other claimers skipped.
func (s *NotifyStore) Claim(ctx context.Context, req notify.ClaimRequest) ([]notify.Delivery, error) {
	now := req.Now.UTC()
	var ids []int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		ids = ids[:0]
		pick := func(prio, n int) error {
			if n <= 0 {
				return nil
			}
			q := "SELECT id FROM outbox WHERE status = ? AND priority = ? AND next_at <= ?"
			args := []any{notify.StatusPending, prio, now}
			if len(ids) > 0 {
				q += " AND id NOT IN ?"
				args = append(args, ids)
			}
			q += " ORDER BY next_at, id LIMIT ?" + s.lockClause(true)
			args = append(args, n)
			var got []int64
			if err := tx.Raw(q, args...).Scan(&got).Error; err != nil {
				return err
			}
			ids = append(ids, got...)
			return nil
		}
		for prio, n := range req.Shares {
			if err := pick(prio, n); err != nil {
				return err
			}
		}
		for prio := range req.Shares {
			if err := pick(prio, req.Limit-len(ids)); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return tx.Exec(`UPDATE outbox SET status = ?, claimed_by = ?, claimed_until = ?, updated_at = ? WHERE id IN ?`,
			notify.StatusClaimed, req.Worker, now.Add(req.Lease), now, ids).Error
	})
	if err != nil || len(ids) == 0 {
		return nil, translate(err, nil)
	}
	return s.deliveries(ctx, ids)
}

type deliveryRow struct {
	ID             int64
	UserID         int64
	OpenID         string
	TemplateKey    string
	Fields         string
	Page           string
	ActivityID     int64
	RegistrationID int64
	Priority       int
	Attempts       int
	DueAt          time.Time
	ExpiresAt      *time.Time
	CreatedAt      time.Time
}

func (s *NotifyStore) deliveries(ctx context.Context, ids []int64) ([]notify.Delivery, error) {
	var rows []deliveryRow
	err := s.g(ctx).Raw(`SELECT o.id, o.user_id, COALESCE(u.open_id, '') AS open_id, o.template_key, o.fields, o.page,
		o.activity_id, o.registration_id, o.priority, o.attempts, o.due_at, o.expires_at, o.created_at
		FROM outbox o LEFT JOIN users u ON u.id = o.user_id WHERE o.id IN ? ORDER BY o.priority, o.next_at, o.id`, ids).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	out := make([]notify.Delivery, 0, len(rows))
	for _, r := range rows {
		d := notify.Delivery{
			ID: r.ID, UserID: r.UserID, OpenID: r.OpenID, TemplateKey: r.TemplateKey, Page: r.Page,
			ActivityID: r.ActivityID, RegistrationID: r.RegistrationID, Priority: r.Priority, Attempts: r.Attempts,
			DueAt: r.DueAt, CreatedAt: r.CreatedAt,
		}
		if r.ExpiresAt != nil {
			d.ExpiresAt = *r.ExpiresAt
		}
		if r.Fields != "" {
			// Fields were marshalled by AddNotices; a damaged value sends placeholders.
			_ = json.Unmarshal([]byte(r.Fields), &d.Fields)
		}
		out = append(out, d)
	}
	return out, nil
}

// BeginSend implements notify.Store.
func (s *NotifyStore) BeginSend(ctx context.Context, d notify.Delivery, worker string, g notify.Grant, now time.Time, lease time.Duration) (notify.BeginResult, error) {
	now = now.UTC()
	res := notify.Lost
	err := s.tx(ctx, func(tx *gorm.DB) error {
		ok, held := false, false
		if g.LongTerm {
			var n int64
			err := tx.Raw(`SELECT COUNT(*) FROM notify_grants WHERE user_id = ? AND template_key = ? AND template_id = ?
				AND long_term = ? AND status = ?`, d.UserID, d.TemplateKey, g.TemplateID, true, notify.ResultAccept).Scan(&n).Error
			if err != nil {
				return err
			}
			ok = n > 0
		} else {
			r := tx.Exec(`UPDATE notify_grants SET balance = balance - 1, updated_at = ?
				WHERE user_id = ? AND template_key = ? AND template_id = ? AND balance > 0 AND status <> ?`,
				now, d.UserID, d.TemplateKey, g.TemplateID, notify.ResultBan)
			if r.Error != nil {
				return r.Error
			}
			ok, held = r.RowsAffected == 1, r.RowsAffected == 1
		}
		if !ok {
			r := tx.Exec(`UPDATE outbox SET status = ?, last_error = ?, claimed_by = '', claimed_until = NULL, updated_at = ?
				WHERE id = ? AND status = ? AND claimed_by = ?`,
				notify.StatusNoGrant, "no subscription grant left", now, d.ID, notify.StatusClaimed, worker)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected == 1 {
				res = notify.NoGrant
			}
			return nil
		}
		r := tx.Exec(`UPDATE outbox SET status = ?, attempts = attempts + 1, grant_held = ?, claimed_until = ?, updated_at = ?
			WHERE id = ? AND status = ? AND claimed_by = ?`,
			notify.StatusSending, held, now.Add(lease), now, d.ID, notify.StatusClaimed, worker)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return errLost // gives the reserved grant back
		}
		res = notify.Begun
		return nil
	})
	if errors.Is(err, errLost) {
		return notify.Lost, nil
	}
	if err != nil {
		return notify.Lost, translate(err, nil)
	}
	return res, nil
}

// Finish implements notify.Store.
func (s *NotifyStore) Finish(ctx context.Context, d notify.Delivery, worker string, o notify.Outcome, now time.Time) error {
	now = now.UTC()
	attempt := d.Attempts + 1
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var held []bool
		if err := tx.Raw(`SELECT grant_held FROM outbox WHERE id = ? AND attempts = ? AND status IN ? AND claimed_by = ?`+s.lockClause(false),
			d.ID, attempt, []string{notify.StatusSending, notify.StatusUncertain}, worker).Scan(&held).Error; err != nil {
			return err
		}
		if len(held) == 0 {
			return nil // recorded already
		}
		set := map[string]any{
			"status": o.Status, "err_code": o.ErrCode, "last_error": o.Reason, "claimed_by": "",
			"claimed_until": nil, "grant_held": false, "updated_at": now,
		}
		switch o.Status {
		case notify.StatusSent:
			set["msg_id"], set["sent_at"] = o.MsgID, now
		case notify.StatusPending:
			set["next_at"] = o.NextAt.UTC()
		}
		if err := tx.Table("outbox").Where("id = ?", d.ID).Updates(set).Error; err != nil {
			return err
		}
		switch {
		case o.ZeroGrant:
			// WeChat says no subscription is left: no one-time send, and a
			// long-term acceptance the user has since turned off counts as
			// refused (it is asked for again and not sent meanwhile).
			return tx.Exec(`UPDATE notify_grants SET balance = 0, status = CASE WHEN long_term THEN ? ELSE status END, updated_at = ?
				WHERE user_id = ? AND template_key = ?`, notify.ResultReject, now, d.UserID, d.TemplateKey).Error
		case o.Refund && held[0]:
			return tx.Exec(`UPDATE notify_grants SET balance = balance + 1, updated_at = ? WHERE user_id = ? AND template_key = ?`,
				now, d.UserID, d.TemplateKey).Error
		}
		return nil
	})
	return translate(err, nil)
}

// Settle implements notify.Store. With o.ForgetReminder the notice gives
// up its dedup key (suffixed ":dropped:<id>", unique as the id is) and the
// reminder record of (registration, start) is deleted, in the transaction
// that settles the notice — only when this worker's claim settled it.
func (s *NotifyStore) Settle(ctx context.Context, d notify.Delivery, worker string, o notify.Outcome, now time.Time) error {
	now = now.UTC()
	const settle = `UPDATE outbox SET status = ?, err_code = ?, last_error = ?, claimed_by = '', claimed_until = NULL, updated_at = ?`
	const where = ` WHERE id = ? AND status = ? AND claimed_by = ?`
	if !o.ForgetReminder {
		err := s.g(ctx).Exec(settle+where, o.Status, o.ErrCode, o.Reason, now, d.ID, notify.StatusClaimed, worker).Error
		return translate(err, nil)
	}
	key := "dedup_key || ?"
	if s.db.Dialect == "mysql" {
		key = "CONCAT(dedup_key, ?)"
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		r := tx.Exec(settle+", dedup_key = "+key+where, o.Status, o.ErrCode, o.Reason, now,
			":dropped:"+strconv.FormatInt(d.ID, 10), d.ID, notify.StatusClaimed, worker)
		if r.Error != nil || r.RowsAffected != 1 || d.RegistrationID == 0 || d.ExpiresAt.IsZero() {
			return r.Error
		}
		return tx.Exec("DELETE FROM notify_reminders WHERE registration_id = ? AND starts_at = ?",
			d.RegistrationID, d.ExpiresAt.UTC()).Error
	})
	return translate(err, nil)
}

// Release implements notify.Store.
func (s *NotifyStore) Release(ctx context.Context, worker string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.g(ctx).Exec(`UPDATE outbox SET status = ?, claimed_by = '', claimed_until = NULL WHERE id IN ? AND status = ? AND claimed_by = ?`,
		notify.StatusPending, ids, notify.StatusClaimed, worker).Error
	return translate(err, nil)
}

// ---- grants ----

// Grants implements notify.Store.
func (s *NotifyStore) Grants(ctx context.Context, userID int64) ([]notify.GrantState, error) {
	var rows []notifyGrantRow
	if err := s.g(ctx).Where("user_id = ?", userID).Order("template_key").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]notify.GrantState, len(rows))
	for i, r := range rows {
		out[i] = notify.GrantState{TemplateKey: r.TemplateKey, TemplateID: r.TemplateID, Status: r.Status, Balance: r.Balance, LongTerm: r.LongTerm}
	}
	return out, nil
}

// RecordGrants implements notify.Store.
func (s *NotifyStore) RecordGrants(ctx context.Context, userID int64, results []notify.GrantResult, now time.Time) error {
	now = now.UTC()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		for _, res := range results {
			if err := createUnlessExists(tx, &notifyGrantRow{
				UserID: userID, TemplateKey: res.TemplateKey, TemplateID: res.TemplateID, UpdatedAt: now,
			}).Error; err != nil {
				return err
			}
			var cur []notifyGrantRow
			if err := tx.Raw(`SELECT * FROM notify_grants WHERE user_id = ? AND template_key = ?`+s.lockClause(false),
				userID, res.TemplateKey).Scan(&cur).Error; err != nil {
				return err
			}
			if len(cur) != 1 {
				return errors.New("notify_grants row vanished")
			}
			g := cur[0]
			if g.TemplateID != res.TemplateID {
				// Grants of a template id no longer in use are worthless.
				g.TemplateID, g.Balance, g.Status = res.TemplateID, 0, ""
			}
			g.Status, g.LongTerm = res.Result, res.LongTerm
			if res.Result == notify.ResultAccept {
				g.Accepts++
				if !res.LongTerm {
					g.Balance = min(g.Balance+1, maxGrantBalance)
				}
			}
			if err := tx.Exec(`UPDATE notify_grants SET template_id = ?, status = ?, balance = ?, long_term = ?, accepts = ?, updated_at = ?
				WHERE user_id = ? AND template_key = ?`, g.TemplateID, g.Status, g.Balance, g.LongTerm, g.Accepts, now,
				userID, res.TemplateKey).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, nil)
}

// ---- in-app messages and staff view ----

// visible is the condition of notices shown in the in-app list: every
// notice once due, whatever became of its WeChat message (also pending,
// failed, expired), but those dropped as no longer applying (cancelled: the
// reminder of a cancelled registration or a moved session).
const visible = "status <> '" + notify.StatusCancelled + "' AND due_at <= ?"

// Messages implements notify.Store.
func (s *NotifyStore) Messages(ctx context.Context, userID int64, now time.Time, beforeID int64, limit int) ([]notify.Message, int, error) {
	now = now.UTC()
	q := s.g(ctx).Model(&outboxRow{}).Where("user_id = ? AND "+visible, userID, now)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []outboxRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	out := make([]notify.Message, len(rows))
	for i, r := range rows {
		out[i] = notify.Message{ID: r.ID, TemplateKey: r.TemplateKey, Title: r.Title, Body: r.Body, Page: r.Page,
			ActivityID: r.ActivityID, At: r.DueAt, ReadAt: r.ReadAt}
	}
	unread, err := s.unread(ctx, userID, now)
	return out, unread, err
}

func (s *NotifyStore) unread(ctx context.Context, userID int64, now time.Time) (int, error) {
	var n int64
	err := s.g(ctx).Model(&outboxRow{}).Where("user_id = ? AND read_at IS NULL AND "+visible, userID, now).Count(&n).Error
	return int(n), translate(err, nil)
}

// MarkRead implements notify.Store.
func (s *NotifyStore) MarkRead(ctx context.Context, userID, id int64, now time.Time) (int, error) {
	now = now.UTC()
	var n int64
	if err := s.g(ctx).Model(&outboxRow{}).Where("id = ? AND user_id = ? AND "+visible, id, userID, now).Count(&n).Error; err != nil {
		return 0, translate(err, nil)
	}
	if n == 0 {
		return 0, errs.NotFound("MESSAGE_NOT_FOUND", "消息不存在")
	}
	if err := s.g(ctx).Exec("UPDATE outbox SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", now, id, userID).Error; err != nil {
		return 0, translate(err, nil)
	}
	return s.unread(ctx, userID, now)
}

// ActivityMessages implements notify.Store.
// The counts are by status over all the activity's messages, whatever
// statuses the page is limited to (none: all).
func (s *NotifyStore) ActivityMessages(ctx context.Context, activityID, afterID int64, limit int, statuses []string) ([]notify.MessageRecord, map[string]int, error) {
	var rows []outboxRow
	q := s.g(ctx).Where("activity_id = ? AND id > ?", activityID, afterID)
	if len(statuses) > 0 {
		q = q.Where("status IN ?", statuses)
	}
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, nil, translate(err, nil)
	}
	out := make([]notify.MessageRecord, len(rows))
	for i, r := range rows {
		out[i] = notify.MessageRecord{ID: r.ID, UserID: r.UserID, TemplateKey: r.TemplateKey, Title: r.Title, Status: r.Status,
			Attempts: r.Attempts, ErrCode: r.ErrCode, LastError: r.LastError, MsgID: r.MsgID, DueAt: r.DueAt,
			SentAt: r.SentAt, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt}
	}
	var counts []struct {
		Status string
		N      int
	}
	if err := s.g(ctx).Raw("SELECT status, COUNT(*) AS n FROM outbox WHERE activity_id = ? GROUP BY status", activityID).
		Scan(&counts).Error; err != nil {
		return nil, nil, translate(err, nil)
	}
	byStatus := map[string]int{}
	for _, c := range counts {
		byStatus[c.Status] = c.N
	}
	return out, byStatus, nil
}

// ---- reminders ----

// AddReminders implements notify.Store.
func (s *NotifyStore) AddReminders(ctx context.Context, rs []notify.ReminderRecord) error {
	now := time.Now().UTC()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var notices []notify.Notice
		for _, r := range rs {
			res := createUnlessExists(tx, &notifyReminderRow{
				RegistrationID: r.RegistrationID, StartsAt: r.StartsAt.UTC(), Skipped: r.Notice == nil, CreatedAt: now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 && r.Notice != nil {
				notices = append(notices, *r.Notice)
			}
		}
		return AddNotices(tx, notices)
	})
	return translate(err, nil)
}

// Reminded reports whether a registration's session start has a reminder
// record (for ReminderSource implementations and tests).
func (s *NotifyStore) Reminded(ctx context.Context, registrationID int64, startsAt time.Time) (bool, error) {
	return exists(s.g(ctx).Model(&notifyReminderRow{}).Where("registration_id = ? AND starts_at = ?", registrationID, startsAt.UTC()))
}
