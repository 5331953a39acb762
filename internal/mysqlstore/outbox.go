package mysqlstore

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/notify"
)

// outboxRow is one notice waiting for (or done with) delivery. It is written
// in the same transaction as the change that caused it.
type outboxRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	UserID         int64     `gorm:"not null;index:idx_outbox_user,priority:1"`
	TemplateKey    string    `gorm:"size:40;not null"`
	DedupKey       string    `gorm:"size:120;not null;uniqueIndex:uq_outbox_dedup"`
	Title          string    `gorm:"size:100;not null;default:''"`
	Body           string    `gorm:"size:500;not null;default:''"`
	Fields         string    `gorm:"type:text"`
	Page           string    `gorm:"size:200;not null;default:''"`
	ActivityID     int64     `gorm:"not null;default:0;index"`
	RegistrationID int64     `gorm:"not null;default:0;index"`
	Status         string    `gorm:"size:16;not null;default:'pending';index:idx_outbox_due,priority:1;index:idx_outbox_claim,priority:1"` // see notify.Status*
	DueAt          time.Time `gorm:"not null;index:idx_outbox_due,priority:2"`
	Attempts       int       `gorm:"not null;default:0"`
	ClaimedBy      string    `gorm:"size:40;not null;default:''"`
	ClaimedUntil   *time.Time
	LastError      string `gorm:"size:200;not null;default:''"`
	MsgID          int64  `gorm:"not null;default:0"`
	SentAt         *time.Time
	ReadAt         *time.Time
	CreatedAt      time.Time `gorm:"index:idx_outbox_user,priority:2"`
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

// AddNotices writes notices to the outbox inside tx (the caller's
// transaction). Notices whose DedupKey already exists are skipped.
func AddNotices(tx *gorm.DB, notices []notify.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]outboxRow, 0, len(notices))
	for _, n := range notices {
		fields, err := json.Marshal(n.Fields)
		if err != nil {
			return err
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
		next := due
		rows = append(rows, outboxRow{
			UserID: n.UserID, TemplateKey: n.TemplateKey, DedupKey: n.DedupKey, Title: runeCut(n.Title, 100), Body: runeCut(n.Body, 500),
			Fields: string(fields), Page: n.Page, ActivityID: n.ActivityID, RegistrationID: n.RegistrationID,
			Status: "pending", DueAt: due,
			Priority: notify.PriorityOf(n.TemplateKey), NextAt: &next, ExpiresAt: expires,
		})
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// runeCut shortens s to at most n characters (the column's size).
func runeCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
