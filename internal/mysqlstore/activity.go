package mysqlstore

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

type organizationRow struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	Name      string `gorm:"size:100;not null;uniqueIndex:uq_organizations_name"`
	Type      string `gorm:"size:24;not null"`
	ParentID  int64  `gorm:"not null;default:0;index"`
	CreatedAt time.Time
}

func (organizationRow) TableName() string { return "organizations" }

type orgCommunityRow struct {
	OrgID       int64 `gorm:"primaryKey;autoIncrement:false"`
	CommunityID int64 `gorm:"primaryKey;autoIncrement:false;index"`
}

func (orgCommunityRow) TableName() string { return "organization_communities" }

type activityRow struct {
	ID                    int64  `gorm:"primaryKey;autoIncrement"`
	Title                 string `gorm:"size:100;not null"`
	Category              string `gorm:"size:24;not null;index"`
	Description           string `gorm:"type:text"`
	CommunityID           int64  `gorm:"not null;index"`
	HostOrgID             int64  `gorm:"not null;index"`
	Address               string `gorm:"size:200;not null;default:''"`
	Lat                   float64
	Lng                   float64
	CoverURL              string    `gorm:"size:512;not null;default:''"`
	Status                string    `gorm:"size:16;not null;index:idx_activities_list,priority:1"`
	SignupOpensAt         time.Time `gorm:"not null"`
	SignupClosesAt        time.Time `gorm:"not null"`
	CancelDeadlineMinutes int       `gorm:"not null;default:0"`
	PerAccountLimit       int       `gorm:"not null;default:0"`
	Series                bool      `gorm:"not null;default:false"`
	Popular               bool      `gorm:"not null;default:false"`
	CommunityOnly         bool      `gorm:"not null;default:false"`
	MinAge                int       `gorm:"not null;default:0"`
	MaxAge                int       `gorm:"not null;default:0"`
	Roles                 string    `gorm:"size:200;not null;default:''"`
	Questions             string    `gorm:"type:text"`
	FirstStartsAt         time.Time `gorm:"not null;index:idx_activities_list,priority:2"`
	LastEndsAt            time.Time `gorm:"not null"`
	CancelReason          string    `gorm:"size:200;not null;default:''"`
	QuotaEpoch            int64     `gorm:"not null;default:1"`
	CreatedBy             int64     `gorm:"not null;default:0"`
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (activityRow) TableName() string { return "activities" }

type sessionRow struct {
	ID               int64     `gorm:"primaryKey;autoIncrement"`
	ActivityID       int64     `gorm:"not null;index"`
	StartsAt         time.Time `gorm:"not null"`
	EndsAt           time.Time `gorm:"not null"`
	Capacity         int       `gorm:"not null"`
	WaitlistCapacity int       `gorm:"not null;default:0"`
	// Set when staff cancelled the session alone (CancelSession).
	CancelledAt  *time.Time
	CancelReason string `gorm:"size:200;not null;default:''"`
	CancelledBy  int64  `gorm:"not null;default:0"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// sessionCancelMigration adds the columns of a cancelled session (on a
// database created before them; a new one has them from 0100).
var sessionCancelMigration = Migration{ID: "1330_sessions_cancelled", Up: func(tx *gorm.DB) error {
	m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
	for _, f := range []string{"CancelledAt", "CancelReason", "CancelledBy"} {
		if m.HasColumn(&sessionRow{}, f) {
			continue
		}
		if err := m.AddColumn(&sessionRow{}, f); err != nil {
			return err
		}
	}
	return nil
}}

// registrationGroupRow is one sign-up request. A void row is a tombstone
// written when settling a write whose commit was unclear: it makes sure the
// original can never appear afterwards.
type registrationGroupRow struct {
	GroupKey    string  `gorm:"primaryKey;size:32"`
	UserID      int64   `gorm:"not null;uniqueIndex:uq_registration_groups_idem,priority:1"`
	IdemKey     *string `gorm:"size:64;uniqueIndex:uq_registration_groups_idem,priority:2"`
	ActivityID  int64   `gorm:"not null;default:0"`
	Fingerprint string  `gorm:"size:64;not null;default:''"`
	Answers     string  `gorm:"type:text"`
	Source      string  `gorm:"size:8;not null;default:'self'"`
	CreatedBy   int64   `gorm:"not null;default:0"`
	Reason      string  `gorm:"size:200;not null;default:''"`
	Void        bool    `gorm:"not null;default:false"`
	CreatedAt   time.Time
}

func (registrationGroupRow) TableName() string { return "registration_groups" }

// registrationRow is one attendee in one session. LiveKey equals AttendeeKey
// while the registration is confirmed or waitlisted and is NULL once
// cancelled: the unique key (session_id, live_key) is the last guard against
// registering one attendee twice, and lets a cancelled attendee sign up again.
// Every insert pays for each index, so there are two besides it: queries by
// activity go through its sessions (the unique key's first column), queries
// by group through the account (user_id).
type registrationRow struct {
	ID            int64   `gorm:"primaryKey;autoIncrement"`
	ActivityID    int64   `gorm:"not null"`
	SessionID     int64   `gorm:"not null;uniqueIndex:uq_registrations_live,priority:1"`
	GroupKey      string  `gorm:"size:32;not null"`
	UserID        int64   `gorm:"not null"` // indexed with starts_at (idx_registrations_user_starts) and ends_at
	DependentID   int64   `gorm:"not null;default:0"`
	AttendeeKey   string  `gorm:"size:24;not null"`
	LiveKey       *string `gorm:"size:24;uniqueIndex:uq_registrations_live,priority:2"`
	Status        string  `gorm:"size:12;not null"`
	FirstStatus   string  `gorm:"size:12;not null"`
	FirstPosition int     `gorm:"not null;default:0"`
	// Decision is the quota's decision number (rows from before 0700: 0): the
	// waitlist is ordered by (decision, id). Added by 0700.
	Decision     int64  `gorm:"not null;default:0"`
	NoShow       bool   `gorm:"not null;default:false"`
	Source       string `gorm:"size:8;not null;default:'self'"`
	Reason       string `gorm:"size:200;not null;default:''"`
	CancelReason string `gorm:"size:200;not null;default:''"`
	CancelledBy  int64  `gorm:"not null;default:0"`
	CancelledAt  *time.Time
	PromotedAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (registrationRow) TableName() string { return "registrations" }

var activityMigrations = []Migration{
	{ID: "0100_activities", Up: createTables(&organizationRow{}, &orgCommunityRow{}, &activityRow{}, &sessionRow{}, &registrationGroupRow{}, &registrationRow{})},
	sessionCancelMigration,
	firstHeldMigration,
	lastHeldMigration,
}

// ActivityStore implements activity.Store.
type ActivityStore struct {
	base
	seats *seatsRefresher
}

// NewActivityStore returns the store of activities and registrations.
func NewActivityStore(db *DB) *ActivityStore {
	return &ActivityStore{base: base{db}, seats: &seatsRefresher{db: db, dirty: map[int64]struct{}{}}}
}

var _ activity.Store = (*ActivityStore)(nil)

var (
	errActivityNotFound     = errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	errSessionNotFound      = errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	errRegistrationNotFound = errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
	errOrgNotFound          = errs.NotFound("ORGANIZATION_NOT_FOUND", "组织不存在")
)

func (s *ActivityStore) mysql() bool { return s.db.Dialect == "mysql" }

// shareLock is the suffix of a read that takes shared row locks (MySQL only:
// SQLite serialises writers anyway).
func (s *ActivityStore) shareLock() string { return s.db.shareLock() }

// begin starts a transaction; readCommitted on MySQL avoids gap locks for
// transactions that scan ranges while inserts go on.
func (s *ActivityStore) begin(ctx context.Context, readCommitted bool) *gorm.DB {
	if readCommitted && s.mysql() {
		return s.g(ctx).Begin(&sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	return s.g(ctx).Begin()
}
