package mysqlstore

import (
	"time"

	"gorm.io/gorm"
)

// Co-building (issue 15): units, the three lists, claims, projects,
// wishes, proposals, report-ins. GORM rows only; the stores are in
// cobuild_*.go.

type cbUnitRow struct {
	OrgID      int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind       string `gorm:"size:24;not null;index"`
	PartyOrgID int64  `gorm:"not null;default:0;index"`
	Status     string `gorm:"size:12;not null"`
	CreatedBy  int64  `gorm:"not null;default:0"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (cbUnitRow) TableName() string { return "cobuild_units" }

type cbContactRow struct {
	ID          int64  `gorm:"primaryKey;autoIncrement"`
	OrgID       int64  `gorm:"not null;index"`
	Name        string `gorm:"size:64;not null"`
	PhoneSealed string `gorm:"size:255;not null;default:''"`
	PhoneHash   string `gorm:"size:64;not null;default:'';index"`
	PhoneMasked string `gorm:"size:20;not null;default:''"`
	CreatedAt   time.Time
}

func (cbContactRow) TableName() string { return "cobuild_unit_contacts" }

type cbAgreementRow struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	OrgID       int64     `gorm:"not null;index"`
	CommunityID int64     `gorm:"not null;index"`
	StartsOn    time.Time `gorm:"type:date;not null"`
	EndsOn      time.Time `gorm:"type:date;not null"`
	Content     string    `gorm:"size:1000;not null;default:''"`
	DocumentRef string    `gorm:"size:100;not null;default:''"`
	CreatedAt   time.Time
}

func (cbAgreementRow) TableName() string { return "cobuild_agreements" }

type cbNeedRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	CommunityID   int64  `gorm:"not null;index:idx_cb_needs_comm,priority:1"`
	Category      string `gorm:"size:24;not null;index"`
	Title         string `gorm:"size:100;not null"`
	Description   string `gorm:"type:text"`
	Place         string `gorm:"size:200;not null;default:''"`
	Quantity      int    `gorm:"not null"`
	QuantityUnit  string `gorm:"size:20;not null"`
	Claimed       int    `gorm:"not null;default:0"`
	Beneficiaries string `gorm:"size:400;not null;default:''"`
	Deadline      *time.Time
	Shareable     bool      `gorm:"not null;default:false"`
	Status        string    `gorm:"size:12;not null;index"`
	Source        string    `gorm:"size:12;not null;default:'staff'"`
	SourceID      int64     `gorm:"not null;default:0"`
	ProjectID     int64     `gorm:"not null;default:0"`
	CreatedBy     int64     `gorm:"not null;default:0"`
	CreatedAt     time.Time `gorm:"index:idx_cb_needs_comm,priority:2"`
	UpdatedAt     time.Time
}

func (cbNeedRow) TableName() string { return "cobuild_needs" }

type cbClaimRow struct {
	ID          int64  `gorm:"primaryKey;autoIncrement"`
	NeedID      int64  `gorm:"not null;default:0;index"`
	ResourceID  int64  `gorm:"not null;default:0;index"`
	UnitID      int64  `gorm:"not null;index"`
	CommunityID int64  `gorm:"not null;default:0;index"`
	Quantity    int    `gorm:"not null"`
	Plan        string `gorm:"type:text"`
	ProjectID   int64  `gorm:"not null;index"`
	Status      string `gorm:"size:12;not null"`
	ClaimedBy   int64  `gorm:"not null"`
	WithdrawnBy int64  `gorm:"not null;default:0"`
	WithdrawnAt *time.Time
	CreatedAt   time.Time
}

func (cbClaimRow) TableName() string { return "cobuild_claims" }

// cbRefusalRow: a unit refused for lack of quantity, told when it returns.
type cbRefusalRow struct {
	NeedID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UnitID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"not null"`
	CreatedAt time.Time
}

func (cbRefusalRow) TableName() string { return "cobuild_refusals" }

type cbProjectRow struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	NeedID       int64  `gorm:"not null;default:0;index"`
	ResourceID   int64  `gorm:"not null;default:0;index"`
	CommunityID  int64  `gorm:"not null;index"`
	Title        string `gorm:"size:100;not null"`
	Category     string `gorm:"size:24;not null;default:''"`
	Quantity     int    `gorm:"not null;default:0"`
	QuantityUnit string `gorm:"size:20;not null;default:''"`
	Plan         string `gorm:"type:text"`
	Status       string `gorm:"size:12;not null;index"`
	DueAt        *time.Time
	Milestones   string `gorm:"type:text"`
	Evidence     string `gorm:"type:text"`
	Served       int    `gorm:"not null;default:0"`
	ActivityIDs  string `gorm:"size:400;not null;default:''"`
	UnitRating   int    `gorm:"not null;default:0"`
	UnitComment  string `gorm:"size:400;not null;default:''"`
	StartedAt    *time.Time
	DeliveredAt  *time.Time
	EvaluatedAt  *time.Time
	ClosedAt     *time.Time
	RemindedAt   *time.Time
	// Version counts UpdateProject's writes (optimistic concurrency).
	Version   int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (cbProjectRow) TableName() string { return "cobuild_projects" }

type cbPartyRow struct {
	ProjectID int64 `gorm:"primaryKey;autoIncrement:false"`
	UnitID    int64 `gorm:"primaryKey;autoIncrement:false;index"`
	Quantity  int   `gorm:"not null"`
	ClaimID   int64 `gorm:"not null"`
	CreatedAt time.Time
}

func (cbPartyRow) TableName() string { return "cobuild_project_parties" }

type cbRatingRow struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	ProjectID int64  `gorm:"not null;uniqueIndex:uq_cb_rating,priority:1"`
	UserID    int64  `gorm:"not null;uniqueIndex:uq_cb_rating,priority:2"`
	Score     int    `gorm:"not null"`
	Comment   string `gorm:"size:600;not null;default:''"`
	CreatedAt time.Time
}

func (cbRatingRow) TableName() string { return "cobuild_ratings" }

type cbWishRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	UserID        int64  `gorm:"not null;index"`
	CommunityID   int64  `gorm:"not null;index"`
	Title         string `gorm:"size:100;not null"`
	Description   string `gorm:"size:2000;not null;default:''"`
	Photos        string `gorm:"type:text"`
	ContactName   string `gorm:"size:64;not null;default:''"`
	PhoneSealed   string `gorm:"size:255;not null;default:''"`
	PhoneMasked   string `gorm:"size:20;not null;default:''"`
	Status        string `gorm:"size:12;not null;index"`
	SecStatus     string `gorm:"size:12;not null"`
	NeedID        int64  `gorm:"not null;default:0;index"`
	DeclineReason string `gorm:"size:400;not null;default:''"`
	ReviewedBy    int64  `gorm:"not null;default:0"`
	ReviewedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (cbWishRow) TableName() string { return "cobuild_wishes" }

// cbMediaCheckRow is one photo sent to mediaCheckAsync, by WeChat's trace id.
type cbMediaCheckRow struct {
	TraceID   string `gorm:"primaryKey;size:64"`
	UploadID  string `gorm:"size:40;not null;index"`
	Kind      string `gorm:"size:12;not null"`
	ObjectID  int64  `gorm:"not null;index"`
	Status    string `gorm:"size:12;not null"`
	CreatedAt time.Time
	CheckedAt *time.Time
}

func (cbMediaCheckRow) TableName() string { return "cobuild_media_checks" }

// cbMediaRow records which co-building object an upload belongs to (for
// who may read it and so the purge of unattached uploads keeps it).
type cbMediaRow struct {
	UploadID    string `gorm:"primaryKey;size:40"`
	Kind        string `gorm:"size:12;not null"`
	ObjectID    int64  `gorm:"not null"`
	CommunityID int64  `gorm:"not null;default:0"`
	UnitID      int64  `gorm:"not null;default:0"`
	Public      bool   `gorm:"not null;default:false"`
	CreatedAt   time.Time
}

func (cbMediaRow) TableName() string { return "cobuild_media" }

type cbProposalRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	UserID        int64  `gorm:"not null;index"`
	CommunityID   int64  `gorm:"not null;index"`
	Title         string `gorm:"size:100;not null"`
	Description   string `gorm:"size:4000;not null;default:''"`
	Status        string `gorm:"size:12;not null;index"`
	SecStatus     string `gorm:"size:12;not null"`
	Supports      int    `gorm:"not null;default:0"`
	NeedID        int64  `gorm:"not null;default:0"`
	DeclineReason string `gorm:"size:400;not null;default:''"`
	AgendaAt      *time.Time
	ReviewedBy    int64 `gorm:"not null;default:0"`
	ReviewedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (cbProposalRow) TableName() string { return "cobuild_proposals" }

type cbSupportRow struct {
	ProposalID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt  time.Time
}

func (cbSupportRow) TableName() string { return "cobuild_supports" }

type cbResourceRow struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	UnitID       int64  `gorm:"not null;index"`
	Kind         string `gorm:"size:16;not null;index"`
	Title        string `gorm:"size:100;not null"`
	Description  string `gorm:"size:2000;not null;default:''"`
	Quantity     int    `gorm:"not null"`
	QuantityUnit string `gorm:"size:20;not null"`
	Claimed      int    `gorm:"not null;default:0"`
	Communities  string `gorm:"size:400;not null;default:''"`
	RoomID       int64  `gorm:"not null;default:0"`
	ValidFrom    time.Time
	ValidTo      time.Time
	Status       string `gorm:"size:12;not null;index"`
	CreatedBy    int64  `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (cbResourceRow) TableName() string { return "cobuild_resources" }

type cbReportInRow struct {
	UserID         int64  `gorm:"primaryKey;autoIncrement:false"`
	CommunityID    int64  `gorm:"not null;index"`
	WorkplaceOrgID int64  `gorm:"not null;index"`
	Status         string `gorm:"size:12;not null;index"`
	ReviewedBy     int64  `gorm:"not null;default:0"`
	ReviewedAt     *time.Time
	Note           string `gorm:"size:400;not null;default:''"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (cbReportInRow) TableName() string { return "cobuild_report_ins" }

var cobuildMigrations = []Migration{
	{ID: "0900_cobuild_units", Up: createTables(&cbUnitRow{}, &cbContactRow{}, &cbAgreementRow{})},
	{ID: "0901_cobuild_needs_projects", Up: createTables(&cbNeedRow{}, &cbClaimRow{}, &cbRefusalRow{}, &cbProjectRow{}, &cbPartyRow{}, &cbRatingRow{})},
	{ID: "0902_cobuild_wishes_proposals", Up: createTables(&cbWishRow{}, &cbMediaCheckRow{}, &cbMediaRow{}, &cbProposalRow{}, &cbSupportRow{})},
	{ID: "0903_cobuild_resources_report_ins", Up: createTables(&cbResourceRow{}, &cbReportInRow{})},
	// The staff's report-ins page newest change first, of one community
	// (by status or all of them); the primary key user_id closes each.
	{ID: "1281_report_ins_page_indexes", Up: createIndexes(
		index{"cobuild_report_ins", "idx_report_ins_community_status_updated", "community_id, status, updated_at, user_id"},
		index{"cobuild_report_ins", "idx_report_ins_community_updated", "community_id, updated_at, user_id"},
	)},
	// Keyset pages newest first (issue 14): a community's wishes or
	// proposals of one status (the staff's review queue, 议事厅 by status)
	// read only their own rows, however many were decided before.
	{ID: "1287_cobuild_wishes_proposals_list_indexes", Up: createIndexes(
		index{"cobuild_wishes", "idx_cb_wishes_community_status", "community_id, status, id"},
		index{"cobuild_proposals", "idx_cb_proposals_community_status", "community_id, status, id"},
	)},
	// A project's progress is written over the version it was read at
	// (two updates at once never overwrite each other silently).
	{ID: "1312_cobuild_projects_version", Up: func(tx *gorm.DB) error {
		if m := tx.Migrator(); !m.HasColumn(&cbProjectRow{}, "Version") {
			return m.AddColumn(&cbProjectRow{}, "Version")
		}
		return nil
	}},
}
