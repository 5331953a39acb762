package mysqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/audit"
	"gongjian/internal/errs"
)

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
		FirstStartsAt: a.HeldStart().UTC(), LastEndsAt: a.HeldEnd().UTC(), CancelReason: a.CancelReason,
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
	return activity.Session{ID: r.ID, ActivityID: r.ActivityID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Capacity: r.Capacity, WaitlistCapacity: r.WaitlistCapacity,
		CancelledAt: r.CancelledAt, CancelReason: r.CancelReason}
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
	// The helper's transaction: the audit entry of a staff member's
	// creation commits with it.
	err = s.db.transaction(ctx, func(tx *gorm.DB) error {
		r.ID = 0
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
			if err := newCounters(tx, sr); err != nil {
				return err
			}
		}
		return refreshSeats(ctx, tx, r.ID)
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
	names, err := orgNames(db.Session(&gorm.Session{NewDB: true}), orgIDs)
	if err != nil {
		return nil, err
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

// fenced runs fn in a transaction that first bumps the activity's quota
// epoch: the exclusive lock waits for every registration write holding the
// shared lock, and every later write made under the old epoch is refused.
// A deadlock victim or a lock wait timeout is run again whole (as
// transaction does): the staff change is not refused for a lock it lost.
func (s *ActivityStore) fenced(ctx context.Context, activityID int64, fn func(tx *gorm.DB, a *activityRow) error) error {
	var notes int
	err := retry(ctx, func() error {
		mark := audit.Savepoint(ctx)
		n, err := s.fencedOnce(ctx, activityID, fn)
		if err != nil {
			audit.Rollback(ctx, mark)
			return err
		}
		notes = n
		return nil
	})
	if err != nil {
		return translate(err, nil)
	}
	audit.Written(ctx, notes)
	return nil
}

// fencedOnce is one try of fenced; it returns the number of audit notes
// written, and errors untranslated (retry looks for MySQL's own).
func (s *ActivityStore) fencedOnce(ctx context.Context, activityID int64, fn func(tx *gorm.DB, a *activityRow) error) (int, error) {
	tx := s.begin(ctx, true)
	if tx.Error != nil {
		return 0, tx.Error
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback()
		}
	}()
	// The staff change's audit entry is written in this transaction too.
	before, err := auditStart(ctx, tx)
	if err != nil {
		return 0, err
	}
	res := tx.Exec("UPDATE activities SET quota_epoch = quota_epoch + 1 WHERE id = ?", activityID)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 {
		return 0, errActivityNotFound
	}
	var a activityRow
	if err := tx.First(&a, activityID).Error; err != nil {
		return 0, translate(err, errActivityNotFound)
	}
	if err := fn(tx, &a); err != nil {
		return 0, err
	}
	// The activity's row is locked here already: its seats are refreshed
	// in the change's own transaction.
	if err := refreshSeats(ctx, tx, activityID); err != nil {
		return 0, err
	}
	notes, err := auditFinish(ctx, tx, before)
	if err != nil {
		return 0, err
	}
	done = true
	if err := tx.Commit().Error; err != nil {
		return 0, err
	}
	return notes, nil
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

// CancelActivity cancels the activity and every live registration except
// those already checked in: an attendance that happened (an earlier session
// of a series, or people already at the door) stays on record, as removing
// one alone is refused (REGISTRATION_CHECKED_IN).
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
		var err error
		out, err = s.cancelLive(ctx, tx, id, by, reason, time.Time{}, notices)
		return err
	})
	return out, err
}

// CancelSession implements activity.Store: in one fenced transaction the
// session is marked cancelled and its live registrations not checked in
// are cancelled with their notices; the counters follow, first_starts_at
// moves to the first session still held (refreshSpan) and the fence
// refreshes seats_until (a cancelled session never has seats).
func (s *ActivityStore) CancelSession(ctx context.Context, activityID, sessionID, by int64, reason string, now time.Time, notices activity.NoticeFunc) ([]activity.Registration, error) {
	var out []activity.Registration
	err := s.fenced(ctx, activityID, func(tx *gorm.DB, a *activityRow) error {
		var cur sessionRow
		if err := tx.Where("id = ? AND activity_id = ?", sessionID, activityID).First(&cur).Error; err != nil {
			return translate(err, errSessionNotFound)
		}
		if cur.CancelledAt != nil {
			return activity.ErrSessionCancelled
		}
		if a.Status != activity.StatusDraft && a.Status != activity.StatusPublished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能取消场次")
		}
		if !cur.StartsAt.After(now) {
			return activity.ErrSessionStarted.With("starts_at", cur.StartsAt.UTC().Format(time.RFC3339))
		}
		at := time.Now().UTC()
		if err := tx.Model(&sessionRow{}).Where("id = ?", sessionID).Updates(map[string]any{
			"cancelled_at": at, "cancel_reason": reason, "cancelled_by": by, "updated_at": at,
		}).Error; err != nil {
			return err
		}
		var err error
		if out, err = s.cancelLiveWhere(ctx, tx, activityID, by, reason, notices, "session_id = ?", sessionID); err != nil {
			return err
		}
		// The activity's first session held may have moved.
		return s.refreshSpan(tx, activityID)
	})
	return out, err
}

// FinishActivity implements activity.Store.
func (s *ActivityStore) FinishActivity(ctx context.Context, id, by int64, now time.Time, reason string, notices activity.NoticeFunc) ([]activity.Registration, error) {
	var out []activity.Registration
	err := s.fenced(ctx, id, func(tx *gorm.DB, a *activityRow) error {
		if a.Status != activity.StatusPublished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能进行此操作")
		}
		if err := tx.Model(&activityRow{}).Where("id = ?", id).Updates(map[string]any{"status": activity.StatusFinished, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		var err error
		out, err = s.cancelLive(ctx, tx, id, by, reason, now, notices)
		return err
	})
	return out, err
}

// cancelLive cancels the activity's live registrations not checked in,
// of every session, or only of those starting after from when it is set,
// and writes their notices.
func (s *ActivityStore) cancelLive(ctx context.Context, tx *gorm.DB, id, by int64, reason string, from time.Time, notices activity.NoticeFunc) ([]activity.Registration, error) {
	if from.IsZero() {
		return s.cancelLiveWhere(ctx, tx, id, by, reason, notices, bySessionsOf, id)
	}
	return s.cancelLiveWhere(ctx, tx, id, by, reason, notices, "session_id IN (SELECT id FROM sessions WHERE activity_id = ? AND starts_at > ?)", id, from.UTC())
}

// cancelLiveWhere cancels the live registrations not checked in that
// where selects (of the activity id) and writes their notices.
func (s *ActivityStore) cancelLiveWhere(ctx context.Context, tx *gorm.DB, id, by int64, reason string, notices activity.NoticeFunc, where string, args ...any) ([]activity.Registration, error) {
	var out []activity.Registration
	err := func() error {
		now := time.Now().UTC()
		// A locking read: a scan writing its check-in holds its
		// registration's row (shared) until it commits, so what checkedIn
		// reads next is final for every row read here.
		var all []registrationRow
		q := s.db.forUpdate(tx.Session(&gorm.Session{NewDB: true})).Where("status IN ?", []string{activity.RegConfirmed, activity.RegWaitlisted}).
			Where(where, args...)
		if err := q.Order("id").Find(&all).Error; err != nil {
			return err
		}
		attended, err := checkedIn(tx, all)
		if err != nil {
			return err
		}
		rows := all[:0]
		for _, r := range all {
			if !attended[r.ID] {
				rows = append(rows, r)
			}
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
		d := counterDeltas{}
		for _, r := range rows {
			d.add(r.SessionID, r.Status, -1)
		}
		if err := d.apply(ctx, tx, func(int64) int64 { return id }); err != nil {
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
	}()
	return out, err
}

// refreshSpan writes the activity's span from its sessions held
// (activity.HeldStart and HeldEnd: when every session is cancelled, its
// first and last sessions all the same): first_starts_at, the start of its
// first one, and last_ends_at, the end of its last one. The public list
// sorts by first_starts_at from its indexes (migration 0800) and keeps only
// activities whose last_ends_at has not passed, so a session cancelled
// alone must neither keep its activity in front nor keep it listed once
// the rest is over: every change of a session (added, moved, cancelled)
// refreshes both in its transaction.
func (s *ActivityStore) refreshSpan(tx *gorm.DB, activityID int64) error {
	var ss []sessionRow
	if err := tx.Session(&gorm.Session{NewDB: true}).Where("activity_id = ?", activityID).Find(&ss).Error; err != nil {
		return err
	}
	a := activity.Activity{ID: activityID}
	for _, x := range ss {
		a.Sessions = append(a.Sessions, toSession(x))
	}
	return tx.Session(&gorm.Session{NewDB: true}).Model(&activityRow{}).Where("id = ?", activityID).
		Updates(map[string]any{"first_starts_at": a.HeldStart().UTC(), "last_ends_at": a.HeldEnd().UTC()}).Error
}

// spanBackfill rewrites one column of the span of the activities with a
// cancelled session from their sessions in SQL, as refreshSpan writes it:
// agg (MIN or MAX) of the sessions' col still held, or of all of them when
// every one is cancelled. Idempotent.
func spanBackfill(id, column, agg, col string) Migration {
	of := `(SELECT ` + agg + `(s.` + col + `) FROM sessions s WHERE s.activity_id = activities.id`
	return Migration{ID: id, Up: func(tx *gorm.DB) error {
		return tx.Session(&gorm.Session{NewDB: true}).Exec(`UPDATE activities SET ` + column + ` = COALESCE(
  ` + of + ` AND s.cancelled_at IS NULL),
  ` + of + `),
  ` + column + `)
WHERE id IN (SELECT c.activity_id FROM sessions c WHERE c.cancelled_at IS NOT NULL)`).Error
	}}
}

// firstHeldMigration rewrites first_starts_at: before it, a session
// cancelled alone left the activity's first_starts_at at that session's
// start, and the public list sorted the activity by a session that does
// not take place.
var firstHeldMigration = spanBackfill("1360_activities_first_held_start", "first_starts_at", "MIN", "starts_at")

// lastHeldMigration rewrites last_ends_at: before it, last_ends_at was the
// end of the last session, cancelled or not, and an activity whose last
// session was cancelled stayed on the public list of coming activities
// after the rest of it was over.
var lastHeldMigration = spanBackfill("1370_activities_last_held_end", "last_ends_at", "MAX", "ends_at")

// AddSession adds a session; to a series, with its attendees booked into
// it (see activity.Store).
func (s *ActivityStore) AddSession(ctx context.Context, ss *activity.Session, notices activity.NoticeFunc) ([]activity.Registration, error) {
	var booked []activity.Registration
	err := s.fenced(ctx, ss.ActivityID, func(tx *gorm.DB, a *activityRow) error {
		if a.Status != activity.StatusDraft && a.Status != activity.StatusPublished {
			return errs.Unprocessable("ACTIVITY_STATUS", "活动当前状态（"+statusName(a.Status)+"）不能添加场次")
		}
		// Under the fence's exclusive lock no registration changes state
		// (every write holds the activity row shared): what is read here
		// is what the new session must hold.
		var rows []registrationRow
		if a.Series {
			var err error
			if rows, err = seriesBookings(tx, ss.ActivityID); err != nil {
				return err
			}
			if err := seriesFits(rows, ss); err != nil {
				return err
			}
		}
		r := sessionRow{ActivityID: ss.ActivityID, StartsAt: ss.StartsAt.UTC(), EndsAt: ss.EndsAt.UTC(), Capacity: ss.Capacity, WaitlistCapacity: ss.WaitlistCapacity}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		ss.ID = r.ID
		if err := newCounters(tx, r); err != nil {
			return err
		}
		if len(rows) > 0 {
			for i := range rows {
				rows[i].SessionID = r.ID
			}
			if err := s.insertRegistrations(ctx, tx, rows, map[int64][2]time.Time{r.ID: {r.StartsAt, r.EndsAt}}); err != nil {
				return err
			}
			d := counterDeltas{}
			for _, x := range rows {
				d.add(x.SessionID, x.Status, 1)
			}
			if err := d.apply(ctx, tx, func(int64) int64 { return ss.ActivityID }); err != nil {
				return err
			}
			booked = toRegs(rows)
			if notices != nil {
				if err := AddNotices(tx, notices(activity.EventChanged, booked)); err != nil {
					return err
				}
			}
		}
		return s.refreshSpan(tx, ss.ActivityID)
	})
	if err != nil {
		return nil, err
	}
	return booked, nil
}

// seriesBookings lists the rows a new session of a series books, one per
// attendee of every live group: an attendee with a live row in the group
// and none cancelled (one who left, was removed or whose waitlist lapsed
// keeps no place, even with a past session checked in). Each row has the
// group's status (waitlisted while any of its rows waits), decision
// number, source and reason; the confirmed come first, then the waitlisted
// in waitlist order (decision, then their first row), numbered by their
// place in the new session's queue.
func seriesBookings(tx *gorm.DB, activityID int64) ([]registrationRow, error) {
	var all []registrationRow
	// The rows of a cancelled session say nothing of who left: staff
	// cancelled them all.
	if err := tx.Session(&gorm.Session{NewDB: true}).Where("session_id IN (SELECT id FROM sessions WHERE activity_id = ? AND cancelled_at IS NULL)", activityID).
		Order("id").Find(&all).Error; err != nil {
		return nil, err
	}
	type attendee struct {
		first            registrationRow // the attendee's first row in the group
		live, out, waits bool
	}
	type key struct{ group, attendee string }
	byKey := map[key]*attendee{}
	var order []key
	for _, r := range all {
		k := key{r.GroupKey, r.AttendeeKey}
		at, ok := byKey[k]
		if !ok {
			at = &attendee{first: r}
			byKey[k] = at
			order = append(order, k)
		}
		switch r.Status {
		case activity.RegConfirmed:
			at.live = true
		case activity.RegWaitlisted:
			at.live, at.waits = true, true
		default:
			at.out = true
		}
	}
	var confirmed, waiting []registrationRow
	seen := map[string]bool{} // an attendee is booked once (the unique key)
	for _, k := range order {
		at := byKey[k]
		if !at.live || at.out || seen[k.attendee] {
			continue
		}
		seen[k.attendee] = true
		f := at.first
		ak := f.AttendeeKey
		row := registrationRow{ActivityID: activityID, GroupKey: f.GroupKey, UserID: f.UserID, DependentID: f.DependentID, AttendeeKey: ak, LiveKey: &ak,
			Status: activity.RegConfirmed, FirstStatus: activity.RegConfirmed, Decision: f.Decision, Source: f.Source, Reason: f.Reason}
		if at.waits {
			row.Status, row.FirstStatus = activity.RegWaitlisted, activity.RegWaitlisted
			row.ID = f.ID // the order among equal decisions; cleared below
			waiting = append(waiting, row)
			continue
		}
		confirmed = append(confirmed, row)
	}
	sort.SliceStable(waiting, func(i, j int) bool {
		if waiting[i].Decision != waiting[j].Decision {
			return waiting[i].Decision < waiting[j].Decision
		}
		return waiting[i].ID < waiting[j].ID
	})
	for i := range waiting {
		waiting[i].ID, waiting[i].FirstPosition = 0, i+1
	}
	return append(confirmed, waiting...), nil
}

// seriesFits refuses a new session of a series that cannot hold the
// attendees it books: a series' group is never split.
func seriesFits(rows []registrationRow, ss *activity.Session) error {
	var confirmed, waitlisted int
	for _, r := range rows {
		if r.Status == activity.RegConfirmed {
			confirmed++
		} else {
			waitlisted++
		}
	}
	if confirmed > ss.Capacity {
		return errs.Conflict("SERIES_CAPACITY_SHORT", fmt.Sprintf("本系列活动已有 %d 人报名成功，每人都要参加新场次，新场次名额不能少于 %d", confirmed, confirmed)).
			With("confirmed", confirmed)
	}
	if waitlisted > ss.WaitlistCapacity {
		return errs.Conflict("SERIES_WAITLIST_SHORT", fmt.Sprintf("本系列活动有 %d 人正在候补，每人都要在新场次候补，新场次候补名额不能少于 %d", waitlisted, waitlisted)).
			With("waitlisted", waitlisted)
	}
	return nil
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
		Order(waitlistOrder).Limit(1000).Find(&rows).Error; err != nil {
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

// notStarted drops the candidates with a row in a session that has started
// by now (starts gives the sessions' starts): nobody is promoted into a
// session under way; such a group stays waitlisted.
func notStarted(cands []activity.Candidate, starts map[int64]time.Time, now time.Time) []activity.Candidate {
	out := cands[:0:0]
	for _, c := range cands {
		ok := true
		for sid := range c.Sizes {
			if st, known := starts[sid]; known && !st.After(now) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
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
	d := counterDeltas{}
	for _, r := range regs {
		d.add(r.SessionID, activity.RegWaitlisted, -1)
		d.add(r.SessionID, activity.RegConfirmed, 1)
	}
	if err := d.apply(tx.Statement.Context, tx, func(int64) int64 { return regs[0].ActivityID }); err != nil {
		return nil, err
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
		if cur.CancelledAt != nil {
			return activity.ErrSessionCancelled
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
		if timesChanged {
			if err := moveRegistrations(tx, ss.ID, ss.StartsAt, ss.EndsAt); err != nil {
				return err
			}
		}
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
		starts := map[int64]time.Time{}
		ids := make([]int64, 0, len(all))
		for _, x := range all {
			capacity, start := x.Capacity, x.StartsAt
			if x.ID == ss.ID {
				capacity, start = ss.Capacity, ss.StartsAt
			}
			starts[x.ID] = start
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
		cands = notStarted(cands, starts, now)
		var chosen []activity.Candidate
		for _, i := range activity.PickPromotions(cands, avail) {
			chosen = append(chosen, cands[i])
		}
		promoted, err = promote(tx, chosen, notices, now)
		return err
	})
	return promoted, err
}
