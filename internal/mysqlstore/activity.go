package mysqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
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
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (sessionRow) TableName() string { return "sessions" }

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
	UserID        int64   `gorm:"not null;index"`
	DependentID   int64   `gorm:"not null;default:0"`
	AttendeeKey   string  `gorm:"size:24;not null"`
	LiveKey       *string `gorm:"size:24;uniqueIndex:uq_registrations_live,priority:2"`
	Status        string  `gorm:"size:12;not null"`
	FirstStatus   string  `gorm:"size:12;not null"`
	FirstPosition int     `gorm:"not null;default:0"`
	NoShow        bool    `gorm:"not null;default:false"`
	Source        string  `gorm:"size:8;not null;default:'self'"`
	Reason        string  `gorm:"size:200;not null;default:''"`
	CancelReason  string  `gorm:"size:200;not null;default:''"`
	CancelledBy   int64   `gorm:"not null;default:0"`
	CancelledAt   *time.Time
	PromotedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (registrationRow) TableName() string { return "registrations" }

var activityMigrations = []Migration{
	{ID: "0100_activities", Up: createTables(&organizationRow{}, &orgCommunityRow{}, &activityRow{}, &sessionRow{}, &registrationGroupRow{}, &registrationRow{})},
}

// ActivityStore implements activity.Store.
type ActivityStore struct{ db *DB }

// NewActivityStore returns the store of activities and registrations.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

var _ activity.Store = (*ActivityStore)(nil)

var (
	errActivityNotFound     = errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	errSessionNotFound      = errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	errRegistrationNotFound = errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
	errOrgNotFound          = errs.NotFound("ORGANIZATION_NOT_FOUND", "组织不存在")
)

func (s *ActivityStore) g(ctx context.Context) *gorm.DB { return s.db.G.WithContext(ctx) }

func (s *ActivityStore) mysql() bool { return s.db.Dialect == "mysql" }

// shareLock is the suffix of a read that takes shared row locks (MySQL only:
// SQLite serialises writers anyway).
func (s *ActivityStore) shareLock() string {
	if s.mysql() {
		return " LOCK IN SHARE MODE"
	}
	return ""
}

func (s *ActivityStore) forUpdate(q *gorm.DB) *gorm.DB {
	if s.mysql() {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// begin starts a transaction; readCommitted on MySQL avoids gap locks for
// transactions that scan ranges while inserts go on.
func (s *ActivityStore) begin(ctx context.Context, readCommitted bool) *gorm.DB {
	if readCommitted && s.mysql() {
		return s.g(ctx).Begin(&sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	return s.g(ctx).Begin()
}

// ---- organisations ----

func toOrg(r organizationRow, communities []int64) activity.Organization {
	return activity.Organization{ID: r.ID, Name: r.Name, Type: r.Type, ParentID: r.ParentID, CommunityIDs: communities, CreatedAt: r.CreatedAt}
}

// CreateOrganization inserts an organisation with its communities.
func (s *ActivityStore) CreateOrganization(ctx context.Context, o *activity.Organization) error {
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		r := organizationRow{Name: o.Name, Type: o.Type, ParentID: o.ParentID}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		for _, c := range o.CommunityIDs {
			if err := tx.Create(&orgCommunityRow{OrgID: r.ID, CommunityID: c}).Error; err != nil {
				return err
			}
		}
		o.ID, o.CreatedAt = r.ID, r.CreatedAt
		return nil
	})
	if IsDuplicate(err) {
		return errs.Conflict("ORGANIZATION_EXISTS", "同名组织已存在")
	}
	return translate(err, nil)
}

func (s *ActivityStore) orgCommunities(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	var rows []orgCommunityRow
	if err := s.g(ctx).Where("org_id IN ?", ids).Order("community_id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.OrgID] = append(out[r.OrgID], r.CommunityID)
	}
	return out, nil
}

// Organization loads one organisation.
func (s *ActivityStore) Organization(ctx context.Context, id int64) (activity.Organization, error) {
	var r organizationRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return activity.Organization{}, translate(err, errOrgNotFound)
	}
	cs, err := s.orgCommunities(ctx, []int64{id})
	if err != nil {
		return activity.Organization{}, err
	}
	return toOrg(r, cs[id]), nil
}

// ListOrganizations lists every organisation.
func (s *ActivityStore) ListOrganizations(ctx context.Context) ([]activity.Organization, error) {
	var rows []organizationRow
	if err := s.g(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	cs, err := s.orgCommunities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]activity.Organization, 0, len(rows))
	for _, r := range rows {
		out = append(out, toOrg(r, cs[r.ID]))
	}
	return out, nil
}

// ---- activities ----

func fromActivity(a activity.Activity) (activityRow, error) {
	qs, err := json.Marshal(questionsJSON(a.Questions))
	if err != nil {
		return activityRow{}, err
	}
	return activityRow{
		ID: a.ID, Title: a.Title, Category: a.Category, Description: a.Description, CommunityID: a.CommunityID,
		HostOrgID: a.HostOrgID, Address: a.Place.Address, Lat: a.Place.Lat, Lng: a.Place.Lng, CoverURL: a.CoverURL,
		Status: a.Status, SignupOpensAt: a.SignupOpensAt.UTC(), SignupClosesAt: a.SignupClosesAt.UTC(),
		CancelDeadlineMinutes: a.CancelDeadlineMinutes, PerAccountLimit: a.PerAccountLimit, Series: a.Series, Popular: a.Popular,
		CommunityOnly: a.Eligibility.CommunityOnly, MinAge: a.Eligibility.MinAge, MaxAge: a.Eligibility.MaxAge,
		Roles: strings.Join(a.Eligibility.Roles, ","), Questions: string(qs),
		FirstStartsAt: a.FirstStart().UTC(), LastEndsAt: a.LastEnd().UTC(), CancelReason: a.CancelReason,
		QuotaEpoch: a.QuotaEpoch, CreatedBy: a.CreatedBy,
	}, nil
}

type questionJSON struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required"`
}

func questionsJSON(qs []activity.Question) []questionJSON {
	out := make([]questionJSON, 0, len(qs))
	for _, q := range qs {
		out = append(out, questionJSON{ID: q.ID, Type: q.Type, Title: q.Title, Options: q.Options, Required: q.Required})
	}
	return out
}

func toActivity(r activityRow, sessions []sessionRow, hostName string) activity.Activity {
	a := activity.Activity{
		ID: r.ID, Title: r.Title, Category: r.Category, Description: r.Description, CommunityID: r.CommunityID,
		HostOrgID: r.HostOrgID, HostOrgName: hostName, Place: activity.Place{Address: r.Address, Lat: r.Lat, Lng: r.Lng},
		CoverURL: r.CoverURL, Status: r.Status, SignupOpensAt: r.SignupOpensAt, SignupClosesAt: r.SignupClosesAt,
		CancelDeadlineMinutes: r.CancelDeadlineMinutes, PerAccountLimit: r.PerAccountLimit, Series: r.Series, Popular: r.Popular,
		Eligibility:  activity.Eligibility{CommunityOnly: r.CommunityOnly, MinAge: r.MinAge, MaxAge: r.MaxAge},
		CancelReason: r.CancelReason, QuotaEpoch: r.QuotaEpoch, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.Roles != "" {
		a.Eligibility.Roles = strings.Split(r.Roles, ",")
	}
	var qs []questionJSON
	if r.Questions != "" {
		_ = json.Unmarshal([]byte(r.Questions), &qs)
	}
	for _, q := range qs {
		a.Questions = append(a.Questions, activity.Question{ID: q.ID, Type: q.Type, Title: q.Title, Options: q.Options, Required: q.Required})
	}
	for _, sr := range sessions {
		a.Sessions = append(a.Sessions, toSession(sr))
	}
	return a
}

func toSession(r sessionRow) activity.Session {
	return activity.Session{ID: r.ID, ActivityID: r.ActivityID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Capacity: r.Capacity, WaitlistCapacity: r.WaitlistCapacity}
}

// CreateActivity inserts the activity and its sessions.
func (s *ActivityStore) CreateActivity(ctx context.Context, a *activity.Activity) error {
	if a.QuotaEpoch == 0 {
		a.QuotaEpoch = 1
	}
	r, err := fromActivity(*a)
	if err != nil {
		return errs.Internal(err)
	}
	r.ID = 0
	err = s.g(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		for i := range a.Sessions {
			sr := sessionRow{ActivityID: r.ID, StartsAt: a.Sessions[i].StartsAt.UTC(), EndsAt: a.Sessions[i].EndsAt.UTC(),
				Capacity: a.Sessions[i].Capacity, WaitlistCapacity: a.Sessions[i].WaitlistCapacity}
			if err := tx.Create(&sr).Error; err != nil {
				return err
			}
			a.Sessions[i].ID, a.Sessions[i].ActivityID = sr.ID, r.ID
		}
		return nil
	})
	if err != nil {
		return translate(err, nil)
	}
	a.ID, a.CreatedAt, a.UpdatedAt = r.ID, r.CreatedAt, r.UpdatedAt
	return nil
}

func (s *ActivityStore) loadActivities(db *gorm.DB, rows []activityRow) ([]activity.Activity, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(rows))
	orgIDs := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
		orgIDs = append(orgIDs, r.HostOrgID)
	}
	var sess []sessionRow
	if err := db.Session(&gorm.Session{NewDB: true}).Where("activity_id IN ?", ids).Order("starts_at, id").Find(&sess).Error; err != nil {
		return nil, err
	}
	byAct := map[int64][]sessionRow{}
	for _, x := range sess {
		byAct[x.ActivityID] = append(byAct[x.ActivityID], x)
	}
	var orgs []organizationRow
	if err := db.Session(&gorm.Session{NewDB: true}).Where("id IN ?", orgIDs).Find(&orgs).Error; err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	out := make([]activity.Activity, 0, len(rows))
	for _, r := range rows {
		out = append(out, toActivity(r, byAct[r.ID], names[r.HostOrgID]))
	}
	return out, nil
}

// Activity loads one activity.
func (s *ActivityStore) Activity(ctx context.Context, id int64) (activity.Activity, error) {
	var r activityRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return activity.Activity{}, translate(err, errActivityNotFound)
	}
	as, err := s.loadActivities(s.g(ctx), []activityRow{r})
	if err != nil {
		return activity.Activity{}, translate(err, nil)
	}
	return as[0], nil
}

// SessionActivity returns the activity of a session.
func (s *ActivityStore) SessionActivity(ctx context.Context, sessionID int64) (int64, error) {
	var r sessionRow
	if err := s.g(ctx).Select("id", "activity_id").First(&r, sessionID).Error; err != nil {
		return 0, translate(err, errSessionNotFound)
	}
	return r.ActivityID, nil
}

// ListActivities lists activities matching f, soonest first.
func (s *ActivityStore) ListActivities(ctx context.Context, f activity.ActivityFilter) ([]activity.Activity, error) {
	q := s.g(ctx).Model(&activityRow{})
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.CommunityID != 0 {
		q = q.Where("community_id = ?", f.CommunityID)
	}
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
		q = q.Where("EXISTS (SELECT 1 FROM sessions s WHERE s.activity_id = activities.id AND s.starts_at >= ? AND s.starts_at < ?)", from.UTC(), to.UTC())
	}
	if !f.ScopeAll {
		if len(f.ScopeCommunities) == 0 && len(f.ScopeOrgs) == 0 {
			return nil, nil
		}
		switch {
		case len(f.ScopeCommunities) > 0 && len(f.ScopeOrgs) > 0:
			q = q.Where("community_id IN ? OR host_org_id IN ?", f.ScopeCommunities, f.ScopeOrgs)
		case len(f.ScopeCommunities) > 0:
			q = q.Where("community_id IN ?", f.ScopeCommunities)
		default:
			q = q.Where("host_org_id IN ?", f.ScopeOrgs)
		}
	}
	var rows []activityRow
	if err := q.Order("first_starts_at, id").Limit(2000).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out, err := s.loadActivities(s.g(ctx), rows)
	return out, translate(err, nil)
}

// fenced runs fn in a transaction that first bumps the activity's quota
// epoch: the exclusive lock waits for every registration write holding the
// shared lock, and every later write made under the old epoch is refused.
func (s *ActivityStore) fenced(ctx context.Context, activityID int64, fn func(tx *gorm.DB, a *activityRow) error) error {
	tx := s.begin(ctx, true)
	if tx.Error != nil {
		return translate(tx.Error, nil)
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback()
		}
	}()
	res := tx.Exec("UPDATE activities SET quota_epoch = quota_epoch + 1 WHERE id = ?", activityID)
	if res.Error != nil {
		return translate(res.Error, nil)
	}
	if res.RowsAffected == 0 {
		return errActivityNotFound
	}
	var a activityRow
	if err := tx.First(&a, activityID).Error; err != nil {
		return translate(err, errActivityNotFound)
	}
	if err := fn(tx, &a); err != nil {
		return translate(err, nil)
	}
	done = true
	return translate(tx.Commit().Error, nil)
}

// bySessionsOf selects an activity's registrations through the unique
// key's first column.
const bySessionsOf = "session_id IN (SELECT id FROM sessions WHERE activity_id = ?)"

func liveRegs(tx *gorm.DB, where string, args ...any) ([]registrationRow, error) {
	var rows []registrationRow
	err := tx.Session(&gorm.Session{NewDB: true}).Where("status IN ?", []string{activity.RegConfirmed, activity.RegWaitlisted}).
		Where(where, args...).Order("id").Find(&rows).Error
	return rows, err
}

// UpdateActivity saves the editable fields.
func (s *ActivityStore) UpdateActivity(ctx context.Context, a activity.Activity, notices activity.NoticeFunc, notifyChange bool) error {
	r, err := fromActivity(a)
	if err != nil {
		return errs.Internal(err)
	}
	return s.fenced(ctx, a.ID, func(tx *gorm.DB, cur *activityRow) error {
		upd := map[string]any{
			"title": r.Title, "category": r.Category, "description": r.Description, "address": r.Address, "lat": r.Lat, "lng": r.Lng,
			"cover_url": r.CoverURL, "signup_opens_at": r.SignupOpensAt, "signup_closes_at": r.SignupClosesAt,
			"cancel_deadline_minutes": r.CancelDeadlineMinutes, "per_account_limit": r.PerAccountLimit, "popular": r.Popular,
			"community_only": r.CommunityOnly, "min_age": r.MinAge, "max_age": r.MaxAge, "roles": r.Roles, "questions": r.Questions,
			"updated_at": time.Now().UTC(),
		}
		if err := tx.Model(&activityRow{}).Where("id = ?", a.ID).Updates(upd).Error; err != nil {
			return err
		}
		if !notifyChange || notices == nil {
			return nil
		}
		rows, err := liveRegs(tx, bySessionsOf, a.ID)
		if err != nil {
			return err
		}
		return AddNotices(tx, notices(activity.EventChanged, toRegs(rows)))
	})
}

// SetStatus moves the activity's status.
func (s *ActivityStore) SetStatus(ctx context.Context, id int64, from []string, status string) error {
	return s.fenced(ctx, id, func(tx *gorm.DB, a *activityRow) error {
		res := tx.Model(&activityRow{}).Where("id = ? AND status IN ?", id, from).Updates(map[string]any{"status": status, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能进行此操作")
		}
		return nil
	})
}

func statusName(s string) string {
	switch s {
	case activity.StatusDraft:
		return "草稿"
	case activity.StatusPublished:
		return "已发布"
	case activity.StatusFinished:
		return "已结束"
	case activity.StatusCancelled:
		return "已取消"
	}
	return s
}

// CancelActivity cancels the activity and every live registration.
func (s *ActivityStore) CancelActivity(ctx context.Context, id, by int64, reason string, notices activity.NoticeFunc) ([]activity.Registration, error) {
	var out []activity.Registration
	err := s.fenced(ctx, id, func(tx *gorm.DB, a *activityRow) error {
		if a.Status != activity.StatusDraft && a.Status != activity.StatusPublished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能取消")
		}
		now := time.Now().UTC()
		if err := tx.Model(&activityRow{}).Where("id = ?", id).Updates(map[string]any{"status": activity.StatusCancelled, "cancel_reason": reason, "updated_at": now}).Error; err != nil {
			return err
		}
		rows, err := liveRegs(tx, bySessionsOf, id)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, 0, len(rows))
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		if err := tx.Model(&registrationRow{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": activity.RegCancelled, "live_key": nil, "cancel_reason": reason, "cancelled_by": by, "cancelled_at": now, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		out = toRegs(rows)
		for i := range out {
			out[i].CancelReason, out[i].CancelledBy = reason, by
		}
		if notices != nil {
			return AddNotices(tx, notices(activity.EventCancelled, out))
		}
		return nil
	})
	return out, err
}

func (s *ActivityStore) refreshSpan(tx *gorm.DB, activityID int64) error {
	var span struct {
		First time.Time
		Last  time.Time
	}
	var ss []sessionRow
	if err := tx.Session(&gorm.Session{NewDB: true}).Where("activity_id = ?", activityID).Find(&ss).Error; err != nil {
		return err
	}
	for _, x := range ss {
		if span.First.IsZero() || x.StartsAt.Before(span.First) {
			span.First = x.StartsAt
		}
		if x.EndsAt.After(span.Last) {
			span.Last = x.EndsAt
		}
	}
	return tx.Session(&gorm.Session{NewDB: true}).Model(&activityRow{}).Where("id = ?", activityID).
		Updates(map[string]any{"first_starts_at": span.First.UTC(), "last_ends_at": span.Last.UTC()}).Error
}

// AddSession adds a session.
func (s *ActivityStore) AddSession(ctx context.Context, ss *activity.Session) error {
	return s.fenced(ctx, ss.ActivityID, func(tx *gorm.DB, a *activityRow) error {
		if a.Status != activity.StatusDraft && a.Status != activity.StatusPublished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能添加场次")
		}
		r := sessionRow{ActivityID: ss.ActivityID, StartsAt: ss.StartsAt.UTC(), EndsAt: ss.EndsAt.UTC(), Capacity: ss.Capacity, WaitlistCapacity: ss.WaitlistCapacity}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		ss.ID = r.ID
		return s.refreshSpan(tx, ss.ActivityID)
	})
}

type sessionCount struct {
	SessionID int64
	Status    string
	N         int
}

func countLive(tx *gorm.DB, where string, args ...any) (map[int64]activity.Counts, error) {
	var rows []sessionCount
	err := tx.Session(&gorm.Session{NewDB: true}).Model(&registrationRow{}).Select("session_id, status, COUNT(*) AS n").
		Where("status IN ?", []string{activity.RegConfirmed, activity.RegWaitlisted}).Where(where, args...).
		Group("session_id, status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[int64]activity.Counts{}
	for _, r := range rows {
		c := out[r.SessionID]
		if r.Status == activity.RegConfirmed {
			c.Confirmed = r.N
		} else {
			c.Waitlisted = r.N
		}
		out[r.SessionID] = c
	}
	return out, nil
}

// candidates lists the waitlisted groups of the sessions in FIFO order (by
// their first row), each with every waitlisted row it has.
func candidates(tx *gorm.DB, sessionIDs []int64, exclude map[int64]bool) ([]activity.Candidate, error) {
	var rows []registrationRow
	if err := tx.Session(&gorm.Session{NewDB: true}).Where("session_id IN ? AND status = ?", sessionIDs, activity.RegWaitlisted).
		Order("id").Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []activity.Candidate
	idx := map[string]int{}
	for _, r := range rows {
		if exclude[r.ID] {
			continue
		}
		i, ok := idx[r.GroupKey]
		if !ok {
			i = len(out)
			idx[r.GroupKey] = i
			out = append(out, activity.Candidate{GroupKey: r.GroupKey, Sizes: map[int64]int{}})
		}
		out[i].Sizes[r.SessionID]++
		out[i].Regs = append(out[i].Regs, toReg(r))
	}
	return out, nil
}

// promote turns the chosen candidates' rows to confirmed and adds the notices.
func promote(tx *gorm.DB, chosen []activity.Candidate, notices activity.NoticeFunc, now time.Time) ([]activity.Registration, error) {
	var ids []int64
	var regs []activity.Registration
	for _, c := range chosen {
		for _, r := range c.Regs {
			ids = append(ids, r.ID)
			r.Status, r.PromotedAt = activity.RegConfirmed, &now
			regs = append(regs, r)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	res := tx.Session(&gorm.Session{NewDB: true}).Model(&registrationRow{}).Where("id IN ? AND status = ?", ids, activity.RegWaitlisted).
		Updates(map[string]any{"status": activity.RegConfirmed, "promoted_at": now, "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if int(res.RowsAffected) != len(ids) {
		return nil, fmt.Errorf("promote: %d of %d waitlisted rows changed under us", res.RowsAffected, len(ids))
	}
	if notices != nil {
		if err := AddNotices(tx, notices(activity.EventPromoted, regs)); err != nil {
			return nil, err
		}
	}
	return regs, nil
}

// UpdateSession changes a session; a raised capacity promotes at once.
func (s *ActivityStore) UpdateSession(ctx context.Context, ss activity.Session, notices activity.NoticeFunc) ([]activity.Registration, error) {
	var promoted []activity.Registration
	err := s.fenced(ctx, ss.ActivityID, func(tx *gorm.DB, a *activityRow) error {
		var cur sessionRow
		if err := tx.Where("id = ? AND activity_id = ?", ss.ID, ss.ActivityID).First(&cur).Error; err != nil {
			return translate(err, errSessionNotFound)
		}
		if a.Status == activity.StatusCancelled || a.Status == activity.StatusFinished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能修改场次")
		}
		counts, err := countLive(tx, bySessionsOf, ss.ActivityID)
		if err != nil {
			return err
		}
		c := counts[ss.ID]
		if ss.Capacity < c.Confirmed {
			return errs.Unprocessable("CAPACITY_BELOW_CONFIRMED", fmt.Sprintf("名额不能少于已报名的 %d 人", c.Confirmed)).With("confirmed", c.Confirmed)
		}
		if ss.WaitlistCapacity < c.Waitlisted {
			return errs.Unprocessable("WAITLIST_BELOW_QUEUED", fmt.Sprintf("候补名额不能少于正在候补的 %d 人", c.Waitlisted)).With("waitlisted", c.Waitlisted)
		}
		now := time.Now().UTC()
		if err := tx.Model(&sessionRow{}).Where("id = ?", ss.ID).Updates(map[string]any{
			"starts_at": ss.StartsAt.UTC(), "ends_at": ss.EndsAt.UTC(), "capacity": ss.Capacity, "waitlist_capacity": ss.WaitlistCapacity, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if err := s.refreshSpan(tx, ss.ActivityID); err != nil {
			return err
		}
		timesChanged := !cur.StartsAt.Equal(ss.StartsAt) || !cur.EndsAt.Equal(ss.EndsAt)
		if timesChanged && notices != nil {
			rows, err := liveRegs(tx, "session_id = ?", ss.ID)
			if err != nil {
				return err
			}
			if err := AddNotices(tx, notices(activity.EventChanged, toRegs(rows))); err != nil {
				return err
			}
		}
		if ss.Capacity <= cur.Capacity {
			return nil
		}
		// Seats available per session of the activity (a series group
		// needs a seat in each of its sessions).
		var all []sessionRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Where("activity_id = ?", ss.ActivityID).Find(&all).Error; err != nil {
			return err
		}
		avail := map[int64]int{}
		ids := make([]int64, 0, len(all))
		for _, x := range all {
			capacity := x.Capacity
			if x.ID == ss.ID {
				capacity = ss.Capacity
			}
			avail[x.ID] = capacity - counts[x.ID].Confirmed
			ids = append(ids, x.ID)
		}
		cands, err := candidates(tx, []int64{ss.ID}, nil)
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			return nil
		}
		// A candidate's rows in other sessions are waitlisted too (series).
		full, err := candidates(tx, ids, nil)
		if err != nil {
			return err
		}
		byKey := map[string]activity.Candidate{}
		for _, c := range full {
			byKey[c.GroupKey] = c
		}
		for i, c := range cands {
			if f, ok := byKey[c.GroupKey]; ok {
				cands[i] = f
			}
		}
		var chosen []activity.Candidate
		for _, i := range activity.PickPromotions(cands, avail) {
			chosen = append(chosen, cands[i])
		}
		promoted, err = promote(tx, chosen, notices, now)
		return err
	})
	return promoted, err
}

// ---- registrations: writes ----

func toReg(r registrationRow) activity.Registration {
	return activity.Registration{
		ID: r.ID, ActivityID: r.ActivityID, SessionID: r.SessionID, GroupKey: r.GroupKey, UserID: r.UserID, DependentID: r.DependentID,
		Status: r.Status, FirstStatus: r.FirstStatus, FirstPosition: r.FirstPosition, NoShow: r.NoShow, Source: r.Source, Reason: r.Reason,
		CancelReason: r.CancelReason, CancelledBy: r.CancelledBy, CancelledAt: r.CancelledAt, PromotedAt: r.PromotedAt, CreatedAt: r.CreatedAt,
	}
}

func toRegs(rows []registrationRow) []activity.Registration {
	out := make([]activity.Registration, 0, len(rows))
	for _, r := range rows {
		out = append(out, toReg(r))
	}
	return out
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func groupRow(g activity.Group) (registrationGroupRow, error) {
	answers := ""
	if len(g.Answers) > 0 {
		b, err := json.Marshal(g.Answers)
		if err != nil {
			return registrationGroupRow{}, err
		}
		answers = string(b)
	}
	return registrationGroupRow{
		GroupKey: g.Key, UserID: g.UserID, IdemKey: strPtr(g.IdemKey), ActivityID: g.ActivityID, Fingerprint: g.Fingerprint,
		Answers: answers, Source: g.Source, CreatedBy: g.CreatedBy, Reason: g.Reason,
	}, nil
}

func toGroup(r registrationGroupRow) activity.Group {
	g := activity.Group{Key: r.GroupKey, UserID: r.UserID, ActivityID: r.ActivityID, Fingerprint: r.Fingerprint,
		Source: r.Source, CreatedBy: r.CreatedBy, Reason: r.Reason}
	if r.IdemKey != nil {
		g.IdemKey = *r.IdemKey
	}
	if r.Answers != "" {
		_ = json.Unmarshal([]byte(r.Answers), &g.Answers)
	}
	return g
}

// errCommit marks a failure of COMMIT itself: the outcome is unclear.
type errCommit struct{ err error }

func (e errCommit) Error() string { return "commit: " + e.err.Error() }
func (e errCommit) Unwrap() error { return e.err }

// CommitRegistrations writes a batch of reserved sign-ups in one
// transaction (group commit). A refused statement makes every write retry
// alone so that one bad write does not fail the others; a failed COMMIT is
// settled write by write against the group's primary key.
func (s *ActivityStore) CommitRegistrations(ctx context.Context, ws []activity.Write) []activity.WriteResult {
	res := make([]activity.WriteResult, len(ws))
	err := s.commitBatch(ctx, ws, res)
	if err == nil {
		return res
	}
	var ce errCommit
	if errors.As(err, &ce) {
		for i, w := range ws {
			if res[i].Err != nil {
				continue
			}
			ok, regs, serr := s.SettleGroup(context.WithoutCancel(ctx), w.Group)
			switch {
			case serr != nil:
				res[i].Err = serr
			case ok:
				res[i].Regs = regs
			default:
				res[i].Err = translate(ce.err, nil)
			}
		}
		return res
	}
	if len(ws) == 1 {
		res[0].Err = classifyWrite(err)
		return res
	}
	for i := range ws {
		if res[i].Err != nil {
			continue
		}
		one := make([]activity.WriteResult, 1)
		if err := s.commitBatch(ctx, ws[i:i+1], one); err != nil {
			if errors.As(err, &ce) {
				ok, regs, serr := s.SettleGroup(context.WithoutCancel(ctx), ws[i].Group)
				switch {
				case serr != nil:
					one[0].Err = serr
				case ok:
					one[0] = activity.WriteResult{Regs: regs}
				default:
					one[0].Err = translate(ce.err, nil)
				}
			} else {
				one[0].Err = classifyWrite(err)
			}
		}
		res[i] = one[0]
	}
	return res
}

func classifyWrite(err error) error {
	if IsDuplicate(err) {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "live"):
			return activity.ErrDuplicateAttendee
		case strings.Contains(msg, "idem"):
			return activity.ErrDuplicateIdem
		}
	}
	return translate(err, nil)
}

func (s *ActivityStore) commitBatch(ctx context.Context, ws []activity.Write, res []activity.WriteResult) error {
	tx := s.g(ctx).Begin()
	if tx.Error != nil {
		return tx.Error
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	ids := make([]int64, 0, 1)
	seen := map[int64]bool{}
	for _, w := range ws {
		if !seen[w.Group.ActivityID] {
			seen[w.Group.ActivityID] = true
			ids = append(ids, w.Group.ActivityID)
		}
	}
	epoch, err := s.lockEpochs(ctx, tx, ids)
	if err != nil {
		return err
	}
	var okIdx []int
	var groups []registrationGroupRow
	var regs []registrationRow
	for i, w := range ws {
		if epoch[w.Group.ActivityID] != w.Epoch {
			res[i].Err = activity.ErrFenced
			continue
		}
		gr, err := groupRow(w.Group)
		if err != nil {
			return err
		}
		okIdx = append(okIdx, i)
		groups = append(groups, gr)
		for _, r := range w.Regs {
			ak := r.AttendeeKey()
			regs = append(regs, registrationRow{
				ActivityID: r.ActivityID, SessionID: r.SessionID, GroupKey: w.Group.Key, UserID: r.UserID, DependentID: r.DependentID,
				AttendeeKey: ak, LiveKey: &ak, Status: r.Status, FirstStatus: r.Status, FirstPosition: r.FirstPosition,
				Source: w.Group.Source, Reason: w.Group.Reason,
			})
		}
	}
	if len(okIdx) == 0 {
		return nil
	}
	if err := s.insertGroups(ctx, tx, groups); err != nil {
		return err
	}
	if err := s.insertRegistrations(ctx, tx, regs); err != nil {
		return err
	}
	var notices []notify.Notice
	k := 0
	for _, i := range okIdx {
		w := ws[i]
		out := make([]activity.Registration, len(w.Regs))
		for j := range w.Regs {
			out[j] = toReg(regs[k])
			out[j].Answers = w.Group.Answers
			k++
		}
		res[i].Regs = out
		if w.Notices != nil && len(out) > 0 {
			ev := activity.EventConfirmed
			if out[0].Status == activity.RegWaitlisted {
				ev = activity.EventWaitlisted
			}
			notices = append(notices, w.Notices(ev, out)...)
		}
	}
	if err := AddNotices(tx, notices); err != nil {
		return err
	}
	if err := tx.Commit().Error; err != nil {
		committed = true // nothing to roll back: the connection decides
		for _, i := range okIdx {
			res[i].Regs = nil
		}
		return errCommit{err}
	}
	committed = true
	return nil
}

// lockEpochs reads the activities' quota epochs under a shared lock: a
// rebuild or a staff change (exclusive lock, epoch bump) waits for this
// transaction, and this one sees theirs.
func (s *ActivityStore) lockEpochs(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]int64, error) {
	q := "SELECT id, quota_epoch FROM activities WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")" + s.shareLock()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]int64, len(ids))
	for rows.Next() {
		var id, e int64
		if err := rows.Scan(&id, &e); err != nil {
			return nil, err
		}
		out[id] = e
	}
	return out, rows.Err()
}

// The hot inserts are written by hand: building a multi-row INSERT costs a
// fraction of GORM's reflection, and these run for every sign-up.

func placeholders(b *strings.Builder, rows, cols int) {
	row := "(" + strings.Repeat("?,", cols-1) + "?)"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
}

func (s *ActivityStore) insertGroups(ctx context.Context, tx *gorm.DB, rows []registrationGroupRow) error {
	var b strings.Builder
	b.WriteString("INSERT INTO registration_groups (group_key, user_id, idem_key, activity_id, fingerprint, answers, source, created_by, reason, void, created_at) VALUES ")
	placeholders(&b, len(rows), 11)
	now := time.Now().UTC()
	args := make([]any, 0, 11*len(rows))
	for _, r := range rows {
		var idem any
		if r.IdemKey != nil {
			idem = *r.IdemKey
		}
		args = append(args, r.GroupKey, r.UserID, idem, r.ActivityID, r.Fingerprint, r.Answers, r.Source, r.CreatedBy, r.Reason, false, now)
	}
	_, err := tx.Statement.ConnPool.ExecContext(ctx, b.String(), args...)
	return err
}

// insertRegistrations inserts the rows in one statement and sets their IDs:
// one multi-row INSERT gets consecutive ids (MySQL reports the first, SQLite
// the last).
func (s *ActivityStore) insertRegistrations(ctx context.Context, tx *gorm.DB, rows []registrationRow) error {
	var b strings.Builder
	b.WriteString("INSERT INTO registrations (activity_id, session_id, group_key, user_id, dependent_id, attendee_key, live_key, status, first_status, first_position, no_show, source, reason, cancel_reason, cancelled_by, created_at, updated_at) VALUES ")
	placeholders(&b, len(rows), 17)
	now := time.Now().UTC()
	args := make([]any, 0, 17*len(rows))
	for i := range rows {
		r := &rows[i]
		r.CreatedAt, r.UpdatedAt = now, now
		args = append(args, r.ActivityID, r.SessionID, r.GroupKey, r.UserID, r.DependentID, r.AttendeeKey, *r.LiveKey, r.Status, r.FirstStatus,
			r.FirstPosition, false, r.Source, r.Reason, "", 0, now, now)
	}
	res, err := tx.Statement.ConnPool.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if !s.mysql() {
		id -= int64(len(rows) - 1)
	}
	for i := range rows {
		rows[i].ID = id + int64(i)
	}
	return nil
}

// SettleGroup decides an unclear write by the group's primary key: a
// tombstone insert either succeeds (the write never committed, and now never
// will) or collides with the committed group. The insert waits for a
// transaction still holding the key, so the answer is final.
func (s *ActivityStore) SettleGroup(ctx context.Context, g activity.Group) (bool, []activity.Registration, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
		}
		tomb := registrationGroupRow{GroupKey: g.Key, UserID: g.UserID, ActivityID: g.ActivityID, Void: true}
		err := s.g(ctx).Create(&tomb).Error
		if err == nil {
			return false, nil, nil
		}
		if !IsDuplicate(err) {
			lastErr = err
			continue
		}
		gr, regs, err := s.RegistrationsByGroup(ctx, g.Key)
		if err != nil {
			lastErr = err
			continue
		}
		if gr.Key == "" {
			return false, nil, nil // a void tombstone: never committed
		}
		return true, regs, nil
	}
	return false, nil, fmt.Errorf("%w: %v", activity.ErrUnclear, lastErr)
}

// CancelRegistrations cancels live rows and promotes from the waitlist, in
// one transaction that holds the session rows: cancellations and promotions
// of a session are serialised, sign-ups (inserts) go on beside them.
func (s *ActivityStore) CancelRegistrations(ctx context.Context, op activity.CancelOp, prepare activity.PrepareFunc) (activity.CancelResult, error) {
	var out activity.CancelResult
	tx := s.begin(ctx, true)
	if tx.Error != nil {
		return out, translate(tx.Error, nil)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	var epoch int64
	if err := tx.Raw("SELECT quota_epoch FROM activities WHERE id = ?"+s.shareLock(), op.ActivityID).Scan(&epoch).Error; err != nil {
		return out, translate(err, nil)
	}
	if epoch != op.Epoch {
		return out, activity.ErrFenced
	}
	var targets []registrationRow
	if err := tx.Where("id IN ? AND activity_id = ?", op.RegIDs, op.ActivityID).Order("id").Find(&targets).Error; err != nil {
		return out, translate(err, nil)
	}
	sessSet := map[int64]bool{}
	for _, t := range targets {
		sessSet[t.SessionID] = true
	}
	sessIDs := make([]int64, 0, len(sessSet))
	for id := range sessSet {
		sessIDs = append(sessIDs, id)
	}
	sort.Slice(sessIDs, func(i, j int) bool { return sessIDs[i] < sessIDs[j] })
	if len(sessIDs) == 0 {
		committed = true
		tx.Rollback()
		return out, nil
	}
	var locked []sessionRow
	if err := s.forUpdate(tx.Session(&gorm.Session{NewDB: true})).Where("id IN ?", sessIDs).Order("id").Find(&locked).Error; err != nil {
		return out, translate(err, nil)
	}
	// Re-read the targets now that the sessions are ours.
	targets = nil
	if err := s.forUpdate(tx.Session(&gorm.Session{NewDB: true})).Where("id IN ?", op.RegIDs).Order("id").Find(&targets).Error; err != nil {
		return out, translate(err, nil)
	}
	freed := map[int64]int{}
	var live []registrationRow
	exclude := map[int64]bool{}
	for _, t := range targets {
		if t.Status != activity.RegConfirmed && t.Status != activity.RegWaitlisted {
			continue
		}
		live = append(live, t)
		exclude[t.ID] = true
		if t.Status == activity.RegConfirmed {
			freed[t.SessionID]++
		}
	}
	if len(live) == 0 {
		committed = true
		tx.Rollback()
		return out, nil
	}
	now := time.Now().UTC()
	ids := make([]int64, 0, len(live))
	for _, t := range live {
		ids = append(ids, t.ID)
	}
	if err := tx.Session(&gorm.Session{NewDB: true}).Model(&registrationRow{}).Where("id IN ?", ids).Updates(map[string]any{
		"status": activity.RegCancelled, "live_key": nil, "cancel_reason": op.Reason, "cancelled_by": op.By, "cancelled_at": now, "updated_at": now,
	}).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, t := range live {
		r := toReg(t)
		r.CancelReason, r.CancelledBy = op.Reason, op.By
		out.Cancelled = append(out.Cancelled, r)
	}
	cands, err := candidates(tx, sessIDs, exclude)
	if err != nil {
		return out, translate(err, nil)
	}
	chosenIdx, err := prepare(freed, cands)
	if err != nil {
		return out, err
	}
	for _, i := range chosenIdx {
		out.Chosen = append(out.Chosen, cands[i])
	}
	promoted, err := promote(tx, out.Chosen, op.Notices, now)
	if err != nil {
		return out, translate(err, nil)
	}
	out.Promoted = promoted
	if op.NoticeCancelled && op.Notices != nil {
		if err := AddNotices(tx, op.Notices(activity.EventCancelled, out.Cancelled)); err != nil {
			return out, translate(err, nil)
		}
	}
	committed = true
	if err := tx.Commit().Error; err != nil {
		return out, fmt.Errorf("%w: %v", activity.ErrUnclear, err)
	}
	return out, nil
}

// CancelOutcome reads the targets with a locking read (waiting for any
// transaction still holding them) and reports whether all are cancelled.
func (s *ActivityStore) CancelOutcome(ctx context.Context, regIDs []int64) (bool, error) {
	var rows []registrationRow
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		return s.forUpdate(tx).Where("id IN ?", regIDs).Find(&rows).Error
	})
	if err != nil {
		return false, translate(err, nil)
	}
	for _, r := range rows {
		if r.Status != activity.RegCancelled {
			return false, nil
		}
	}
	return len(rows) > 0, nil
}

// ---- quota support ----

// QuotaSnapshot bumps the epoch and reads the quota state in one transaction.
func (s *ActivityStore) QuotaSnapshot(ctx context.Context, activityID int64) (activity.Snapshot, error) {
	var snap activity.Snapshot
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE activities SET quota_epoch = quota_epoch + 1 WHERE id = ?", activityID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errActivityNotFound
		}
		var a activityRow
		if err := tx.Session(&gorm.Session{NewDB: true}).First(&a, activityID).Error; err != nil {
			return err
		}
		var ss []sessionRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Where("activity_id = ?", activityID).Order("id").Find(&ss).Error; err != nil {
			return err
		}
		var regs []registrationRow
		if err := tx.Session(&gorm.Session{NewDB: true}).Select("session_id", "attendee_key", "user_id", "status").
			Where(bySessionsOf+" AND status IN ?", activityID, []string{activity.RegConfirmed, activity.RegWaitlisted}).Find(&regs).Error; err != nil {
			return err
		}
		snap = activity.Snapshot{ActivityID: activityID, Epoch: a.QuotaEpoch, Open: a.Status == activity.StatusPublished,
			ExpiresAt: a.LastEndsAt.Add(7 * 24 * time.Hour)}
		counts := map[int64]*activity.SessionQuota{}
		for _, x := range ss {
			snap.Sessions = append(snap.Sessions, activity.SessionQuota{ID: x.ID, Capacity: x.Capacity, WaitlistCapacity: x.WaitlistCapacity})
		}
		for i := range snap.Sessions {
			counts[snap.Sessions[i].ID] = &snap.Sessions[i]
		}
		for _, r := range regs {
			snap.Members = append(snap.Members, activity.Member{SessionID: r.SessionID, AttendeeKey: r.AttendeeKey, UserID: r.UserID, Status: r.Status})
			if c := counts[r.SessionID]; c != nil {
				if r.Status == activity.RegConfirmed {
					c.Confirmed++
				} else {
					c.Waitlisted++
				}
			}
		}
		return nil
	})
	return snap, translate(err, errActivityNotFound)
}

// SessionCounts counts live registrations per session.
func (s *ActivityStore) SessionCounts(ctx context.Context, activityIDs []int64) (map[int64]activity.Counts, error) {
	if len(activityIDs) == 0 {
		return map[int64]activity.Counts{}, nil
	}
	counts, err := countLive(s.g(ctx), "session_id IN (SELECT id FROM sessions WHERE activity_id IN ?)", activityIDs)
	if err != nil {
		return nil, translate(err, nil)
	}
	var ss []sessionRow
	if err := s.g(ctx).Where("activity_id IN ?", activityIDs).Find(&ss).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make(map[int64]activity.Counts, len(ss))
	for _, x := range ss {
		c := counts[x.ID]
		c.Capacity, c.WaitlistCapacity = x.Capacity, x.WaitlistCapacity
		out[x.ID] = c
	}
	return out, nil
}

// OpenActivityIDs lists published activities not over by endsAfter.
func (s *ActivityStore) OpenActivityIDs(ctx context.Context, endsAfter time.Time) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&activityRow{}).Where("status = ? AND last_ends_at > ?", activity.StatusPublished, endsAfter.UTC()).Order("id").Pluck("id", &ids).Error
	return ids, translate(err, nil)
}

// GroupExists reports whether a committed (non-void) group exists.
func (s *ActivityStore) GroupExists(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.g(ctx).Model(&registrationGroupRow{}).Where("group_key = ? AND void = ?", key, false).Count(&n).Error
	return n > 0, translate(err, nil)
}

// ---- registrations: reads ----

// RegistrationsByGroup loads a group and its rows; a missing or void group
// gives an empty Group.
func (s *ActivityStore) RegistrationsByGroup(ctx context.Context, key string) (activity.Group, []activity.Registration, error) {
	var g registrationGroupRow
	err := s.g(ctx).Where("group_key = ?", key).First(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return activity.Group{}, nil, nil
	}
	if err != nil {
		return activity.Group{}, nil, translate(err, nil)
	}
	if g.Void {
		return activity.Group{}, nil, nil
	}
	return s.groupRegs(ctx, g)
}

func (s *ActivityStore) groupRegs(ctx context.Context, g registrationGroupRow) (activity.Group, []activity.Registration, error) {
	var rows []registrationRow
	if err := s.g(ctx).Where("user_id = ? AND group_key = ?", g.UserID, g.GroupKey).Order("id").Find(&rows).Error; err != nil {
		return activity.Group{}, nil, translate(err, nil)
	}
	grp := toGroup(g)
	regs := toRegs(rows)
	for i := range regs {
		regs[i].Answers = grp.Answers
	}
	if err := s.fillNames(ctx, regs, false); err != nil {
		return activity.Group{}, nil, err
	}
	return grp, regs, nil
}

// GroupByIdem finds the group made with an Idempotency-Key.
func (s *ActivityStore) GroupByIdem(ctx context.Context, userID int64, idemKey string) (activity.Group, []activity.Registration, error) {
	var g registrationGroupRow
	err := s.g(ctx).Where("user_id = ? AND idem_key = ? AND void = ?", userID, idemKey, false).First(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return activity.Group{}, nil, nil
	}
	if err != nil {
		return activity.Group{}, nil, translate(err, nil)
	}
	return s.groupRegs(ctx, g)
}

// fillNames sets attendee names (and, for staff, the account's phone).
func (s *ActivityStore) fillNames(ctx context.Context, regs []activity.Registration, phones bool) error {
	if len(regs) == 0 {
		return nil
	}
	userIDs := map[int64]bool{}
	depIDs := map[int64]bool{}
	for _, r := range regs {
		userIDs[r.UserID] = true
		if r.DependentID != 0 {
			depIDs[r.DependentID] = true
		}
	}
	var users []userRow
	if err := s.g(ctx).Select("id", "nickname", "real_name", "phone_masked", "phone_sealed").Where("id IN ?", keys(userIDs)).Find(&users).Error; err != nil {
		return translate(err, nil)
	}
	um := map[int64]userRow{}
	for _, u := range users {
		um[u.ID] = u
	}
	dm := map[int64]string{}
	if len(depIDs) > 0 {
		var deps []dependentRow
		if err := s.g(ctx).Unscoped().Select("id", "name").Where("id IN ?", keys(depIDs)).Find(&deps).Error; err != nil {
			return translate(err, nil)
		}
		for _, d := range deps {
			dm[d.ID] = d.Name
		}
	}
	for i := range regs {
		u := um[regs[i].UserID]
		if regs[i].DependentID != 0 {
			regs[i].AttendeeName = dm[regs[i].DependentID]
		} else if u.RealName != "" {
			regs[i].AttendeeName = u.RealName
		} else {
			regs[i].AttendeeName = u.Nickname
		}
		if phones {
			regs[i].PhoneMasked, regs[i].PhoneSealed = u.PhoneMasked, u.PhoneSealed
		}
	}
	return nil
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// fillPositions sets the waitlist position of waitlisted registrations.
func (s *ActivityStore) fillPositions(ctx context.Context, regs []activity.Registration) error {
	sess := map[int64]bool{}
	for _, r := range regs {
		if r.Status == activity.RegWaitlisted {
			sess[r.SessionID] = true
		}
	}
	if len(sess) == 0 {
		return nil
	}
	var rows []registrationRow
	if err := s.g(ctx).Select("id", "session_id").Where("session_id IN ? AND status = ?", keys(sess), activity.RegWaitlisted).Order("id").Find(&rows).Error; err != nil {
		return translate(err, nil)
	}
	pos := map[int64]int{}
	next := map[int64]int{}
	for _, r := range rows {
		next[r.SessionID]++
		pos[r.ID] = next[r.SessionID]
	}
	for i := range regs {
		if regs[i].Status == activity.RegWaitlisted {
			regs[i].WaitlistPosition = pos[regs[i].ID]
		}
	}
	return nil
}

// details joins registrations with their sessions, activities and groups.
func (s *ActivityStore) details(ctx context.Context, rows []registrationRow, phones bool) ([]activity.RegistrationDetail, error) {
	regs := toRegs(rows)
	if err := s.fillNames(ctx, regs, phones); err != nil {
		return nil, err
	}
	if err := s.fillPositions(ctx, regs); err != nil {
		return nil, err
	}
	if err := s.fillCheckins(ctx, regs); err != nil {
		return nil, err
	}
	actIDs := map[int64]bool{}
	groupKeys := map[string]bool{}
	for _, r := range rows {
		actIDs[r.ActivityID] = true
		groupKeys[r.GroupKey] = true
	}
	var arows []activityRow
	if err := s.g(ctx).Where("id IN ?", keys(actIDs)).Find(&arows).Error; err != nil {
		return nil, translate(err, nil)
	}
	acts, err := s.loadActivities(s.g(ctx), arows)
	if err != nil {
		return nil, translate(err, nil)
	}
	am := map[int64]activity.Activity{}
	for _, a := range acts {
		am[a.ID] = a
	}
	gks := make([]string, 0, len(groupKeys))
	for k := range groupKeys {
		gks = append(gks, k)
	}
	var groups []registrationGroupRow
	if len(gks) > 0 {
		if err := s.g(ctx).Where("group_key IN ?", gks).Find(&groups).Error; err != nil {
			return nil, translate(err, nil)
		}
	}
	gm := map[string]activity.Group{}
	for _, g := range groups {
		gm[g.GroupKey] = toGroup(g)
	}
	out := make([]activity.RegistrationDetail, 0, len(regs))
	for _, r := range regs {
		a := am[r.ActivityID]
		sess, _ := a.Session(r.SessionID)
		r.Answers = gm[r.GroupKey].Answers
		out = append(out, activity.RegistrationDetail{Registration: r, Session: sess, Activity: a})
	}
	return out, nil
}

// fillCheckins sets when each registration's attendee was checked in.
func (s *ActivityStore) fillCheckins(ctx context.Context, regs []activity.Registration) error {
	ids := make([]int64, 0, len(regs))
	for _, r := range regs {
		if r.Status == activity.RegConfirmed {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		RegistrationID int64
		CheckedInAt    time.Time
	}
	if err := s.g(ctx).Model(&checkinRow{}).Select("registration_id, checked_in_at").Where("registration_id IN ?", ids).Find(&rows).Error; err != nil {
		return translate(err, nil)
	}
	at := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		at[r.RegistrationID] = r.CheckedInAt
	}
	for i := range regs {
		if t, ok := at[regs[i].ID]; ok {
			regs[i].CheckedInAt = &t
		}
	}
	return nil
}

// Registration loads one registration with its session and activity; the
// check-in feature reads registrations through it.
func (s *ActivityStore) Registration(ctx context.Context, id int64) (activity.RegistrationDetail, error) {
	var r registrationRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return activity.RegistrationDetail{}, translate(err, errRegistrationNotFound)
	}
	ds, err := s.details(ctx, []registrationRow{r}, false)
	if err != nil {
		return activity.RegistrationDetail{}, err
	}
	return ds[0], nil
}

// RegistrationRow loads one registration alone.
func (s *ActivityStore) RegistrationRow(ctx context.Context, id int64) (activity.Registration, error) {
	var r registrationRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return activity.Registration{}, translate(err, errRegistrationNotFound)
	}
	return toReg(r), nil
}

// AttendeeRegistrations lists the live rows of an attendee in a group.
func (s *ActivityStore) AttendeeRegistrations(ctx context.Context, groupKey string, userID, dependentID int64) ([]activity.Registration, error) {
	rows, err := liveRegs(s.g(ctx), "user_id = ? AND group_key = ? AND attendee_key = ?", userID, groupKey, activity.AttendeeKey(userID, dependentID))
	if err != nil {
		return nil, translate(err, nil)
	}
	return toRegs(rows), nil
}

// UserRegistrations lists an account's registrations.
func (s *ActivityStore) UserRegistrations(ctx context.Context, userID int64, upcoming bool, now time.Time, page, pageSize int) ([]activity.RegistrationDetail, int, error) {
	q := s.g(ctx).Model(&registrationRow{}).Joins("JOIN sessions ON sessions.id = registrations.session_id").Where("registrations.user_id = ?", userID)
	order := "sessions.starts_at DESC, registrations.id DESC"
	if upcoming {
		q = q.Where("sessions.ends_at >= ? AND registrations.status <> ?", now.UTC(), activity.RegCancelled)
		order = "sessions.starts_at, registrations.id"
	} else {
		q = q.Where("sessions.ends_at < ? OR registrations.status = ?", now.UTC(), activity.RegCancelled)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	var rows []registrationRow
	if err := q.Select("registrations.*").Order(order).Offset((page - 1) * pageSize).Limit(pageSize).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	ds, err := s.details(ctx, rows, false)
	return ds, int(total), err
}

// ActivityRegistrations lists an activity's registrations (staff).
func (s *ActivityStore) ActivityRegistrations(ctx context.Context, activityID int64, f activity.RegistrationFilter) ([]activity.RegistrationDetail, int, error) {
	q := s.g(ctx).Model(&registrationRow{}).Where(bySessionsOf, activityID)
	if f.SessionID != 0 {
		q = q.Where("session_id = ?", f.SessionID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.NoShow != nil {
		q = q.Where("no_show = ?", *f.NoShow)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	q = q.Order("session_id, id")
	if f.PageSize > 0 {
		q = q.Offset((max(f.Page, 1) - 1) * f.PageSize).Limit(f.PageSize)
	}
	var rows []registrationRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, 0, translate(err, nil)
	}
	ds, err := s.details(ctx, rows, true)
	return ds, int(total), err
}

// SetNoShow marks or clears a confirmed registration's no-show.
func (s *ActivityStore) SetNoShow(ctx context.Context, regID int64, noShow bool) error {
	res := s.g(ctx).Model(&registrationRow{}).Where("id = ? AND status = ?", regID, activity.RegConfirmed).
		Updates(map[string]any{"no_show": noShow, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return translate(res.Error, nil)
	}
	if res.RowsAffected == 0 {
		return errs.Unprocessable("NOT_CONFIRMED", "只有报名成功的记录才能标记未到场")
	}
	return nil
}

// NoShowTimes lists the start times of an account's no-shows since t.
func (s *ActivityStore) NoShowTimes(ctx context.Context, userID int64, since time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.g(ctx).Model(&registrationRow{}).Joins("JOIN sessions ON sessions.id = registrations.session_id").
		Where("registrations.user_id = ? AND registrations.no_show = ? AND sessions.starts_at >= ?", userID, true, since.UTC()).
		Order("sessions.starts_at").Pluck("sessions.starts_at", &out).Error
	return out, translate(err, nil)
}
