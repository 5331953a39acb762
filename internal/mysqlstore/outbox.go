package mysqlstore

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"gongjian/internal/notify"
)

// outboxRow is one notice waiting for (or done with) delivery. It is written
// in the same transaction as the change that caused it.
type outboxRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	UserID         int64     `gorm:"not null"` // indexed with id (idx_outbox_user_id) and read_at (idx_outbox_user_unread)
	TemplateKey    string    `gorm:"size:40;not null"`
	DedupKey       string    `gorm:"size:120;not null;uniqueIndex:uq_outbox_dedup"`
	Title          string    `gorm:"size:100;not null;default:''"`
	Body           string    `gorm:"size:500;not null;default:''"`
	Fields         string    `gorm:"type:text"`
	Page           string    `gorm:"size:200;not null;default:''"`
	ActivityID     int64     `gorm:"not null;default:0;index"`
	RegistrationID int64     `gorm:"not null;default:0"`                                                   // read with the row, never searched (1272 dropped its index)
	Status         string    `gorm:"size:16;not null;default:'pending';index:idx_outbox_claim,priority:1"` // see notify.Status*
	DueAt          time.Time `gorm:"not null"`                                                             // read with user_id (idx_outbox_user_unread)
	Attempts       int       `gorm:"not null;default:0"`
	ClaimedBy      string    `gorm:"size:40;not null;default:''"`
	ClaimedUntil   *time.Time
	LastError      string `gorm:"size:200;not null;default:''"`
	MsgID          int64  `gorm:"not null;default:0"`
	SentAt         *time.Time
	ReadAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Added by 0200_notify_delivery.
	Priority  int        `gorm:"not null;default:1;index:idx_outbox_claim,priority:2"` // notify.Priority*
	NextAt    *time.Time `gorm:"index:idx_outbox_claim,priority:3"`                    // next attempt (due_at, later after a retry)
	ExpiresAt *time.Time // not sent after this (reminders: the session start)
	ErrCode   int        `gorm:"not null;default:0"`     // WeChat errcode of the last attempt
	GrantHeld bool       `gorm:"not null;default:false"` // the attempt under way spent a one-time grant
}

func (outboxRow) TableName() string { return "outbox" }

var outboxMigrations = []Migration{
	{ID: "0010_outbox", Up: createTables(&outboxRow{})},
}

// noticeChunk is the most notices one INSERT carries: 16,000 placeholders,
// well under MySQL's 65,535.
const noticeChunk = 1000

// AddNotices writes notices to the outbox inside tx (the caller's
// transaction). Notices whose DedupKey already exists are skipped.
func AddNotices(tx *gorm.DB, notices []notify.Notice) error {
	for len(notices) > noticeChunk {
		if err := addNotices(tx, notices[:noticeChunk]); err != nil {
			return err
		}
		notices = notices[noticeChunk:]
	}
	if len(notices) == 0 {
		return nil
	}
	return addNotices(tx, notices)
}

func addNotices(tx *gorm.DB, notices []notify.Notice) error {
	q, args, err := noticesInsert(notices, tx.Dialector.Name() == "mysql")
	if err != nil {
		return err
	}
	_, err = tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, args...)
	return err
}

// noticesInsert is the multi-row INSERT of at most 1,000 notices.
func noticesInsert(notices []notify.Notice, mysql bool) (string, []any, error) {
	// One hand-written multi-row statement: notices are written in every
	// sign-up's batch, and GORM's reflection over this wide row was a tenth
	// of the server's CPU in the sustained benchmark. A notice already in the
	// outbox (same dedup key) is skipped, as before.
	now := time.Now().UTC()
	var b strings.Builder
	b.WriteString(noticeColumns)
	placeholders(&b, len(notices), 16)
	if mysql {
		b.WriteString(" ON DUPLICATE KEY UPDATE id = id")
	} else {
		b.WriteString(" ON CONFLICT DO NOTHING")
	}
	args := make([]any, 0, 16*len(notices))
	for _, n := range notices {
		row, err := noticeRow(n, now)
		if err != nil {
			return "", nil, err
		}
		args = append(args, row[:]...)
	}
	return b.String(), args, nil
}

// noticeRow is a notice's values in noticesInsert's column order.
func noticeRow(n notify.Notice, now time.Time) ([16]any, error) {
	fields, err := fieldsJSON(n.Fields)
	if err != nil {
		return [16]any{}, err
	}
	due := n.DueAt.UTC()
	if n.DueAt.IsZero() {
		due = now
	}
	var expires *time.Time
	if !n.ExpiresAt.IsZero() {
		e := n.ExpiresAt.UTC()
		expires = &e
	}
	return [16]any{n.UserID, n.TemplateKey, n.DedupKey, runeCut(n.Title, 100), runeCut(n.Body, 500), fields, n.Page,
		n.ActivityID, n.RegistrationID, "pending", due, notify.PriorityOf(n.TemplateKey), due, expires, now, now}, nil
}

// noticeColumns is noticesInsert's column list.
const noticeColumns = "INSERT INTO outbox (user_id, template_key, dedup_key, title, body, fields, page, activity_id, registration_id, status, due_at, priority, next_at, expires_at, created_at, updated_at) VALUES "

// withdrawnText replaces withdrawn data in a notice's text and fields.
const withdrawnText = "数据已删除"

// withdrawNotices withdraws the notices whose dedup key starts with prefix
// (no LIKE wildcards in it): those still pending are cancelled with why (a
// notice a worker has claimed is left to finish), and secret, when not
// empty, is taken out of every one's text and fields, sent or not.
func withdrawNotices(tx *gorm.DB, prefix, secret, why string) error {
	var rows []outboxRow
	if err := tx.Select("id", "status", "title", "body", "fields").Where("dedup_key LIKE ?", prefix+"%").Find(&rows).Error; err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, r := range rows {
		upd := map[string]any{}
		if r.Status == notify.StatusPending {
			upd["status"], upd["last_error"] = notify.StatusCancelled, why
		}
		if secret != "" {
			if strings.Contains(r.Title, secret) {
				upd["title"] = strings.ReplaceAll(r.Title, secret, withdrawnText)
			}
			if strings.Contains(r.Body, secret) {
				upd["body"] = strings.ReplaceAll(r.Body, secret, withdrawnText)
			}
			if strings.Contains(r.Fields, secret) {
				var m map[string]string
				if err := json.Unmarshal([]byte(r.Fields), &m); err != nil {
					return err
				}
				for k, v := range m {
					m[k] = strings.ReplaceAll(v, secret, withdrawnText)
				}
				f, err := fieldsJSON(m)
				if err != nil {
					return err
				}
				upd["fields"] = f
			}
		}
		if len(upd) == 0 {
			continue
		}
		upd["updated_at"] = now
		if err := tx.Model(&outboxRow{}).Where("id = ?", r.ID).Updates(upd).Error; err != nil {
			return err
		}
	}
	return nil
}

// fieldsJSON is the fields column of a notice: a JSON object that
// json.Unmarshal reads back as m (TestFieldsJSONReadsBack). The usual
// values (valid UTF-8 without quotes, backslashes or control characters)
// are written as they are, keys sorted as encoding/json sorts them, without
// its reflection (a notice is written with every sign-up); anything else
// goes through json.Marshal.
func fieldsJSON(m map[string]string) (string, error) {
	if m == nil {
		return "null", nil
	}
	keys := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		if !plainJSON(k) || !plainJSON(v) {
			b, err := json.Marshal(m)
			return string(b), err
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(k)
		b.WriteString(`":"`)
		b.WriteString(m[k])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// plainJSON reports whether s can stand between quotes in JSON as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// runeCut shortens s to at most n characters (the column's size).
func runeCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
