package mysqlstore

import (
	"context"
	"encoding/json"
	"maps"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/notify"
	"gongjian/internal/page"
)

// hoursLedgerRow is one line of the append-only hours ledger. The store
// has no code path that updates or deletes one.
type hoursLedgerRow struct {
	ID                  int64     `gorm:"primaryKey;autoIncrement"`
	UserID              int64     `gorm:"not null;index:idx_ledger_user,priority:1"`
	ActivityID          int64     `gorm:"not null;default:0;index"`
	SessionID           int64     `gorm:"not null;default:0;index"`
	Minutes             int       `gorm:"not null"`
	Source              string    `gorm:"size:16;not null"`
	RecordedBy          int64     `gorm:"not null;default:0"`
	ApprovedBy          int64     `gorm:"not null;default:0"`
	ServedAt            time.Time `gorm:"not null;index:idx_ledger_user,priority:2;index:idx_ledger_served"`
	Reason              string    `gorm:"size:400;not null;default:''"`
	CreditKey           *string   `gorm:"size:80;uniqueIndex:uq_ledger_credit"`
	ReversesID          int64     `gorm:"not null;default:0;index"`
	ClaimID             int64     `gorm:"not null;default:0"`
	ActivityTitle       string    `gorm:"size:100;not null;default:''"`
	Content             string    `gorm:"size:200;not null;default:''"`
	Place               string    `gorm:"size:200;not null;default:''"`
	OrganiserName       string    `gorm:"size:100;not null;default:''"`
	HostOrgID           int64     `gorm:"not null;default:0"`
	ActivityCommunityID int64     `gorm:"not null;default:0"`
	OrgID               int64     `gorm:"not null;default:0;index"`
	CommunityID         int64     `gorm:"not null;default:0;index"`
	CreatedAt           time.Time `gorm:"not null"`
}

func (hoursLedgerRow) TableName() string { return "hours_ledger" }

type hourClaimRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	UserID         int64     `gorm:"not null;index:idx_claims_user,priority:1"`
	ActivityID     int64     `gorm:"not null;index:idx_claims_user,priority:2"`
	SessionID      int64     `gorm:"not null;default:0"`
	ActivityTitle  string    `gorm:"size:100;not null;default:''"`
	HostOrgID      int64     `gorm:"not null;default:0;index"`
	CommunityID    int64     `gorm:"not null;default:0;index"`
	ServedAt       time.Time `gorm:"not null"`
	Minutes        int       `gorm:"not null"`
	Description    string    `gorm:"size:2000;not null"`
	PhotoURLs      string    `gorm:"type:text"`
	Status         string    `gorm:"size:12;not null"` // indexed with id (idx_claims_status_id, 1273)
	ReviewedBy     int64     `gorm:"not null;default:0"`
	ReviewedAt     *time.Time
	GrantedMinutes int    `gorm:"not null;default:0"`
	RejectReason   string `gorm:"size:800;not null;default:''"`
	EntryID        int64  `gorm:"not null;default:0"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (hourClaimRow) TableName() string { return "hour_claims" }

type partyMembershipRow struct {
	UserID      int64 `gorm:"primaryKey;autoIncrement:false"`
	OrgID       int64 `gorm:"not null;index"`
	CommunityID int64 `gorm:"not null;default:0;index"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (partyMembershipRow) TableName() string { return "party_memberships" }

// volunteerIdentityRow is the ID number a service record carries.
type volunteerIdentityRow struct {
	UserID         int64  `gorm:"primaryKey;autoIncrement:false"`
	IDNumberSealed string `gorm:"size:255;not null"`
	IDNumberHash   string `gorm:"size:64;not null;index"`
	IDNumberMasked string `gorm:"size:24;not null"`
	UpdatedAt      time.Time
}

func (volunteerIdentityRow) TableName() string { return "volunteer_identities" }

var hoursMigrations = []Migration{
	{ID: "0300_hours", Up: createTables(&hoursLedgerRow{}, &hourClaimRow{}, &partyMembershipRow{}, &volunteerIdentityRow{})},
	// A person's totals per month read from the index alone (issue 14).
	{ID: "1262_hours_ledger_user_minutes", Up: createIndexes(index{"hours_ledger", "idx_ledger_user_minutes", "user_id, served_at, minutes"})},
}

// HoursStore implements hours.Store.
type HoursStore struct{ base }

// NewHoursStore returns the hours store.
func NewHoursStore(db *DB) *HoursStore { return &HoursStore{base{db}} }

var _ hours.Store = (*HoursStore)(nil)

var (
	errEntryNotFound = errs.NotFound("ENTRY_NOT_FOUND", "服务时长记录不存在")
	errClaimNotFound = errs.NotFound("CLAIM_NOT_FOUND", "申报不存在")
)

func fromEntry(e hours.Entry) hoursLedgerRow {
	r := hoursLedgerRow{
		ID: e.ID, UserID: e.UserID, ActivityID: e.ActivityID, SessionID: e.SessionID, Minutes: e.Minutes, Source: e.Source,
		RecordedBy: e.RecordedBy, ApprovedBy: e.ApprovedBy, ServedAt: e.ServedAt.UTC().Truncate(time.Second), Reason: e.Reason,
		ReversesID: e.ReversesID, ClaimID: e.ClaimID, ActivityTitle: e.ActivityTitle, Content: e.Content, Place: e.Place,
		OrganiserName: e.OrganiserName, HostOrgID: e.HostOrgID, ActivityCommunityID: e.ActivityCommunityID,
		OrgID: e.OrgID, CommunityID: e.CommunityID, CreatedAt: e.CreatedAt,
	}
	if e.CreditKey != "" {
		k := e.CreditKey
		r.CreditKey = &k
	}
	return r
}

func toEntry(r hoursLedgerRow) hours.Entry {
	e := hours.Entry{
		ID: r.ID, UserID: r.UserID, ActivityID: r.ActivityID, SessionID: r.SessionID, Minutes: r.Minutes, Source: r.Source,
		RecordedBy: r.RecordedBy, ApprovedBy: r.ApprovedBy, ServedAt: r.ServedAt.UTC(), Reason: r.Reason,
		ReversesID: r.ReversesID, ClaimID: r.ClaimID, ActivityTitle: r.ActivityTitle, Content: r.Content, Place: r.Place,
		OrganiserName: r.OrganiserName, HostOrgID: r.HostOrgID, ActivityCommunityID: r.ActivityCommunityID,
		OrgID: r.OrgID, CommunityID: r.CommunityID, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.CreditKey != nil {
		e.CreditKey = *r.CreditKey
	}
	return e
}

// appendLedger writes e inside tx: the person's party organisation and
// community are filled from their membership (else home community) as of
// now. With a credit key already used it writes nothing and returns the
// existing entry, false. The person's credit for e's session stays within
// e.SessionMinutes: e is clamped to what is left (e.Clamp; nothing left =
// nothing written, false) or refused. Every feature that credits hours goes
// through it; callers run it in creditTransaction.
func appendLedger(tx *gorm.DB, e hours.Entry) (hours.Entry, bool, error) {
	var m partyMembershipRow
	err := tx.Session(&gorm.Session{NewDB: true}).Where("user_id = ?", e.UserID).Limit(1).Find(&m).Error
	if err != nil {
		return hours.Entry{}, false, err
	}
	e.OrgID, e.CommunityID = m.OrgID, m.CommunityID
	if e.CommunityID == 0 {
		var u userRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Select("community_id").Where("id = ?", e.UserID).Limit(1).Find(&u).Error; err != nil {
			return hours.Entry{}, false, err
		}
		e.CommunityID = u.CommunityID
	}
	ok, err := capSessionCredit(tx, &e)
	if err != nil || !ok {
		return hours.Entry{}, false, err
	}
	return insertLedger(tx, e)
}

// insertLedger writes e as it is (dimensions included). When e's credit key
// is already used it returns created=false and a zero entry: the caller
// reads the existing one after its transaction (reading it inside would
// need a lock that deadlocks against the duplicate-key check's shared lock).
func insertLedger(tx *gorm.DB, e hours.Entry) (hours.Entry, bool, error) {
	r := fromEntry(e)
	r.ID = 0
	r.CreatedAt = time.Now().UTC()
	// A plain INSERT: MariaDB's INSERT … ON DUPLICATE KEY … RETURNING
	// reports the existing row as inserted.
	err := tx.Session(&gorm.Session{NewDB: true}).Create(&r).Error
	if err == nil {
		return toEntry(r), true, nil
	}
	if IsDuplicate(err) && r.CreditKey != nil {
		return hours.Entry{}, false, nil
	}
	return hours.Entry{}, false, err
}

func (s *HoursStore) byCreditKey(ctx context.Context, key string) (hours.Entry, error) {
	return firstAs(s.g(ctx).Where("credit_key = ?", key), errEntryNotFound, toEntry)
}

// Append writes one entry and its notices atomically.
func (s *HoursStore) Append(ctx context.Context, e hours.Entry, notices []notify.Notice) (hours.Entry, bool, error) {
	var out hours.Entry
	var created bool
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		var err error
		out, created, err = appendLedger(tx, e)
		if err != nil || !created {
			return err
		}
		return AddNotices(tx, notices)
	})
	if err != nil {
		return hours.Entry{}, false, translate(err, nil)
	}
	if !created {
		if e.CreditKey == "" {
			return hours.Entry{}, false, nil // nothing left to credit for the session
		}
		out, err = s.byCreditKey(ctx, e.CreditKey)
		if errs.KindOf(err) == errs.KindNotFound {
			return hours.Entry{}, false, nil // the session was full: nothing written
		}
		return out, false, err
	}
	return out, true, nil
}

var errNetNegative = errs.Unprocessable("NET_NEGATIVE", "更正后这条记录的时长将小于0，请核对分钟数")

// Correct appends a correction of e.ReversesID, keeping the original's net
// ≥ 0 and the session's credit within its length.
func (s *HoursStore) Correct(ctx context.Context, e hours.Entry, notices []notify.Notice) (hours.Entry, error) {
	var out hours.Entry
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		var err error
		if out, err = correctIn(tx, s.db, e); err != nil {
			return err
		}
		return AddNotices(tx, notices)
	})
	if err != nil {
		return hours.Entry{}, translate(err, nil)
	}
	return out, nil
}

// Entry loads one entry.
func (s *HoursStore) Entry(ctx context.Context, id int64) (hours.Entry, error) {
	return byID(s.g(ctx), id, errEntryNotFound, toEntry)
}

// Entries lists a person's entries by id (tests read the ledger with it;
// the service reads records through RecordSummary and RecordLines).
func (s *HoursStore) Entries(ctx context.Context, userID int64) ([]hours.Entry, error) {
	return findAs(s.g(ctx).Where("user_id = ?", userID).Order("id"), toEntry)
}

// EntryPage lists a keyset page of a person's entries, newest served first
// (index idx_ledger_user: user_id, served_at, id).
func (s *HoursStore) EntryPage(ctx context.Context, userID int64, after *page.Cursor, limit int) ([]hours.Entry, error) {
	q := s.g(ctx).Where("user_id = ?", userID)
	if after != nil {
		at := time.UnixMilli(after.Key).UTC()
		q = q.Where("served_at < ? OR (served_at = ? AND id < ?)", at, at, after.ID)
	}
	return findAs(q.Order("served_at DESC, id DESC").Limit(limit), toEntry)
}

// MonthlyMinutes sums a person's minutes per month in the database, from
// the index (user_id, served_at, minutes) alone (migration 1262). China
// time is UTC+8 all year (no daylight saving since 1991).
func (s *HoursStore) MonthlyMinutes(ctx context.Context, userID int64) ([]hours.Month, error) {
	month := "DATE_FORMAT(DATE_ADD(served_at, INTERVAL 8 HOUR), '%Y-%m')"
	if s.db.G.Dialector.Name() != "mysql" {
		month = "strftime('%Y-%m', served_at, '+8 hours')"
	}
	var rows []struct {
		Month   string
		Minutes int
	}
	if err := s.g(ctx).Raw("SELECT "+month+" AS month, SUM(minutes) AS minutes FROM hours_ledger WHERE user_id = ? GROUP BY 1 ORDER BY 1", userID).
		Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]hours.Month, 0, len(rows))
	for _, r := range rows {
		out = append(out, hours.Month{Month: r.Month, Minutes: r.Minutes})
	}
	return out, nil
}

func (s *HoursStore) filtered(ctx context.Context, f hours.Filter) *gorm.DB {
	q := s.g(ctx).Model(&hoursLedgerRow{}).Where("served_at >= ? AND served_at < ?", f.From.UTC(), f.To.UTC())
	q = whereEq(q, "user_id", f.UserID)
	return inScope(q, "org_id", "community_id", f.All, f.OrgIDs, f.CommunityIDs)
}

// EntriesIn lists the entries a filter selects, by served time.
func (s *HoursStore) EntriesIn(ctx context.Context, f hours.Filter) ([]hours.Entry, error) {
	return findAs(s.filtered(ctx, f).Order("served_at, id"), toEntry)
}

// Sums totals the selected entries per person, organisation and community.
func (s *HoursStore) Sums(ctx context.Context, f hours.Filter) ([]hours.Sum, error) {
	var rows []struct {
		UserID      int64
		OrgID       int64
		CommunityID int64
		Minutes     int
		Entries     int
	}
	err := s.filtered(ctx, f).Select("user_id, org_id, community_id, SUM(minutes) AS minutes, COUNT(*) AS entries").
		Group("user_id, org_id, community_id").Order("user_id, org_id, community_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	out := make([]hours.Sum, 0, len(rows))
	for _, r := range rows {
		out = append(out, hours.Sum{UserID: r.UserID, OrgID: r.OrgID, CommunityID: r.CommunityID, Minutes: r.Minutes, Entries: r.Entries})
	}
	return out, nil
}

// ---- claims ----

func toClaim(r hourClaimRow) hours.Claim {
	c := hours.Claim{
		ID: r.ID, UserID: r.UserID, ActivityID: r.ActivityID, SessionID: r.SessionID, ActivityTitle: r.ActivityTitle,
		HostOrgID: r.HostOrgID, CommunityID: r.CommunityID, ServedAt: r.ServedAt.UTC(), Minutes: r.Minutes,
		Description: r.Description, Status: r.Status, ReviewedBy: r.ReviewedBy, ReviewedAt: r.ReviewedAt,
		GrantedMinutes: r.GrantedMinutes, RejectReason: r.RejectReason, EntryID: r.EntryID, CreatedAt: r.CreatedAt.UTC(),
	}
	_ = json.Unmarshal([]byte(r.PhotoURLs), &c.PhotoURLs)
	if c.PhotoURLs == nil {
		c.PhotoURLs = []string{}
	}
	return c
}

// CreateClaim inserts a pending claim, unless the user has one pending for
// the session already (hours.ErrClaimPending): the check and the insert run
// under the person's credit lock of the session, so copies of one claim sent
// at once queue there and only the first is stored.
func (s *HoursStore) CreateClaim(ctx context.Context, c *hours.Claim) error {
	photos, err := json.Marshal(c.PhotoURLs)
	if err != nil {
		return errs.Internal(err)
	}
	r := hourClaimRow{
		UserID: c.UserID, ActivityID: c.ActivityID, SessionID: c.SessionID, ActivityTitle: c.ActivityTitle,
		HostOrgID: c.HostOrgID, CommunityID: c.CommunityID, ServedAt: c.ServedAt.UTC().Truncate(time.Second),
		Minutes: c.Minutes, Description: c.Description, PhotoURLs: string(photos), Status: hours.ClaimPending,
	}
	err = s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		if _, err := lockSessionCredit(tx, c.UserID, c.SessionID); err != nil {
			return err
		}
		pending, err := exists(tx.Session(&gorm.Session{NewDB: true}).Model(&hourClaimRow{}).
			Where("user_id = ? AND activity_id = ? AND session_id = ? AND status = ?", c.UserID, c.ActivityID, c.SessionID, hours.ClaimPending))
		if err != nil {
			return err
		}
		if pending {
			return hours.ErrClaimPending
		}
		return tx.Session(&gorm.Session{NewDB: true}).Create(&r).Error
	})
	if err != nil {
		return translate(err, nil)
	}
	*c = toClaim(r)
	return nil
}

// Claim loads one claim.
func (s *HoursStore) Claim(ctx context.Context, id int64) (hours.Claim, error) {
	return byID(s.g(ctx), id, errClaimNotFound, toClaim)
}

// Claims lists claims, newest first.
func (s *HoursStore) Claims(ctx context.Context, f hours.ClaimFilter) ([]hours.Claim, error) {
	return findAs(reviewQuery(whereEq(s.g(ctx).Model(&hourClaimRow{}), "user_id", f.UserID), f), toClaim)
}

// reviewQuery selects, newest first, the claims or corrections of a
// review filter (its status and the reviewer's scope), before its BeforeID
// (a keyset page: idx_claims_status_id and idx_corrections_status_id serve
// a status, the primary key any status).
func reviewQuery(q *gorm.DB, f hours.ClaimFilter) *gorm.DB {
	q = whereEq(q, "status", f.Status)
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	q = inScope(q, "host_org_id", "community_id", f.All, f.OrgIDs, f.CommunityIDs)
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return q.Order("id DESC")
}

var errAlreadyReviewed = errs.Conflict("CLAIM_ALREADY_REVIEWED", "这条申报已经审核过了")

// reviewClaim moves a pending claim to status inside tx; errAlreadyReviewed when
// someone else did first.
func reviewClaim(tx *gorm.DB, id int64, upd map[string]any) error {
	return review(tx, &hourClaimRow{}, id, hours.ClaimPending, upd, errClaimNotFound, errAlreadyReviewed)
}

// ApproveClaim approves a pending claim, appends its entry and notices.
func (s *HoursStore) ApproveClaim(ctx context.Context, id, by int64, e hours.Entry, notices []notify.Notice) (hours.Claim, error) {
	now := time.Now().UTC()
	err := s.db.creditTransaction(ctx, func(tx *gorm.DB) error {
		if err := reviewClaim(tx, id, map[string]any{"status": hours.ClaimApproved, "reviewed_by": by, "reviewed_at": now,
			"granted_minutes": e.Minutes, "updated_at": now}); err != nil {
			return err
		}
		got, created, err := appendLedger(tx, e)
		if err != nil {
			return err
		}
		if !created {
			return errAlreadyReviewed
		}
		if err := tx.Session(&gorm.Session{NewDB: true}).Model(&hourClaimRow{}).Where("id = ?", id).Update("entry_id", got.ID).Error; err != nil {
			return err
		}
		return AddNotices(tx, notices)
	})
	if err != nil {
		return hours.Claim{}, translate(err, nil)
	}
	return s.Claim(ctx, id)
}

// RejectClaim rejects a pending claim and queues the notice.
func (s *HoursStore) RejectClaim(ctx context.Context, id, by int64, reason string, notices []notify.Notice) (hours.Claim, error) {
	now := time.Now().UTC()
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		if err := reviewClaim(tx, id, map[string]any{"status": hours.ClaimRejected, "reviewed_by": by, "reviewed_at": now,
			"reject_reason": reason, "updated_at": now}); err != nil {
			return err
		}
		return AddNotices(tx, notices)
	})
	if err != nil {
		return hours.Claim{}, translate(err, nil)
	}
	return s.Claim(ctx, id)
}

// ---- memberships and identities ----

// SetMembership creates or replaces the user's party membership.
func (s *HoursStore) SetMembership(ctx context.Context, m hours.Membership) error {
	now := time.Now().UTC()
	r := partyMembershipRow{UserID: m.UserID, OrgID: m.OrgID, CommunityID: m.CommunityID, CreatedAt: now, UpdatedAt: now}
	return translate(s.g(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"org_id", "community_id", "updated_at"}),
	}).Create(&r).Error, nil)
}

// Membership loads the user's membership.
func (s *HoursStore) Membership(ctx context.Context, userID int64) (hours.Membership, error) {
	var r partyMembershipRow
	if err := s.g(ctx).Where("user_id = ?", userID).First(&r).Error; err != nil {
		return hours.Membership{}, translate(err, errs.NotFound("NO_PARTY_MEMBERSHIP", "尚未登记所属党组织"))
	}
	return hours.Membership{UserID: r.UserID, OrgID: r.OrgID, CommunityID: r.CommunityID, UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// SetIdentity stores the sealed ID number.
func (s *HoursStore) SetIdentity(ctx context.Context, userID int64, sealed, hash, masked string) error {
	r := volunteerIdentityRow{UserID: userID, IDNumberSealed: sealed, IDNumberHash: hash, IDNumberMasked: masked, UpdatedAt: time.Now().UTC()}
	return translate(s.g(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"id_number_sealed", "id_number_hash", "id_number_masked", "updated_at"}),
	}).Create(&r).Error, nil)
}

// IdentityMasked returns the masked ID number ("" when none).
func (s *HoursStore) IdentityMasked(ctx context.Context, userID int64) (string, error) {
	var r volunteerIdentityRow
	if err := s.g(ctx).Where("user_id = ?", userID).Limit(1).Find(&r).Error; err != nil {
		return "", translate(err, nil)
	}
	return r.IDNumberMasked, nil
}

// Names returns display names of users.
func (s *HoursStore) Names(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		names, err := userNames(s.g(ctx), ids[start:min(start+1000, len(ids))])
		if err != nil {
			return nil, err
		}
		maps.Copy(out, names)
	}
	return out, nil
}
