package mysqlstore

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/rooms"
)

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
	dm, err := namesByID(s.g(ctx).Unscoped(), keys(depIDs), "id, name", func(d dependentRow) (int64, string) { return d.ID, d.Name })
	if err != nil {
		return err
	}
	for i := range regs {
		u := um[regs[i].UserID]
		if regs[i].DependentID != 0 {
			regs[i].AttendeeName = dm[regs[i].DependentID]
		} else {
			regs[i].AttendeeName = userName(u.RealName, u.Nickname)
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
	if err := s.g(ctx).Select("id", "session_id").Where("session_id IN ? AND status = ?", keys(sess), activity.RegWaitlisted).Order(waitlistOrder).Find(&rows).Error; err != nil {
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
	regs := []activity.Registration{toReg(r)}
	if err := s.fillCheckins(ctx, regs); err != nil {
		return activity.Registration{}, err
	}
	return regs[0], nil
}

// AttendeeRegistrations lists the live rows of an attendee in a group.
func (s *ActivityStore) AttendeeRegistrations(ctx context.Context, groupKey string, userID, dependentID int64) ([]activity.Registration, error) {
	rows, err := liveRegs(s.g(ctx), "user_id = ? AND group_key = ? AND attendee_key = ?", userID, groupKey, activity.AttendeeKey(userID, dependentID))
	if err != nil {
		return nil, translate(err, nil)
	}
	return toRegs(rows), nil
}

// Registrations lists a keyset page of registrations (staff): one
// activity's in sign-up order (its waitlist in waitlist order), or those of
// a scope's activities newest first. A deferred
// join: the page's ids are read from an index alone (indexes: migrations
// 0801 and 1240), then only those rows.
func (s *ActivityStore) Registrations(ctx context.Context, f activity.RegistrationFilter) ([]activity.RegistrationDetail, error) {
	q := s.g(ctx).Model(&registrationRow{})
	q = whereEq(q, "activity_id", f.ActivityID)
	q = whereEq(q, "session_id", f.SessionID)
	q = whereEq(q, "status", f.Status)
	if f.NoShow != nil {
		q = q.Where("no_show = ?", *f.NoShow)
	}
	if f.CheckedIn != nil {
		in := "id IN (?)"
		if !*f.CheckedIn {
			in = "id NOT IN (?)"
		}
		q = q.Where(in, s.g(ctx).Model(&checkinRow{}).Select("registration_id"))
	}
	if !f.ScopeAll {
		acts := activityScope(s.g(ctx).Model(&activityRow{}).Select("id"), f.ScopeCommunities, f.ScopeOrgs)
		q = q.Where("activity_id IN (?)", acts)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.Query != "" {
		var err error
		if q, err = s.whoMatches(ctx, q, f.Query); err != nil {
			return nil, err
		}
	}
	order := "id"
	switch {
	case f.Newest:
		order = "id DESC"
		if f.After != nil {
			q = q.Where("id < ?", f.After.ID)
		}
	case f.Status == activity.RegWaitlisted:
		// The waitlist in its own order: the quota's decisions (the
		// cursor's key is the decision number).
		order = waitlistOrder
		if f.After != nil {
			q = q.Where("(decision > ? OR (decision = ? AND id > ?))", f.After.Key, f.After.Key, f.After.ID)
		}
	case f.After != nil:
		q = q.Where("id > ?", f.After.ID)
	}
	var ids []int64
	if err := q.Order(order).Limit(max(f.Limit, 1)).Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(ids) == 0 {
		return []activity.RegistrationDetail{}, nil
	}
	var rows []registrationRow
	if err := s.g(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	sort.Slice(rows, func(i, j int) bool { return at[rows[i].ID] < at[rows[j].ID] })
	return s.details(ctx, rows, true)
}

// nameMatchCap bounds the accounts and family members a name search
// resolves before reading registrations through their user index; a name
// more have (a common surname) reads registrations in page order, where
// matches come quickly.
const nameMatchCap = 500

// whoMatches narrows q to registrations whose attendee is named like
// text (a family member by their name), or whose account's masked phone
// matches its digits (personMatch, on the phone_tail index). A name is
// looked up first: the page then reads only those people's registrations
// instead of testing every registration against the names found.
func (s *ActivityStore) whoMatches(ctx context.Context, q *gorm.DB, text string) (*gorm.DB, error) {
	text = strings.TrimSpace(text)
	users := func() *gorm.DB { return personMatch(s.g(ctx).Model(&userRow{}).Select("id"), text) }
	family := func() *gorm.DB {
		return s.g(ctx).Unscoped().Model(&dependentRow{}).Where("name LIKE ? ESCAPE '!'", likePattern(text))
	}
	var userIDs []int64
	if err := users().Limit(nameMatchCap+1).Pluck("id", &userIDs).Error; err != nil {
		return nil, translate(err, nil)
	}
	if phoneSearch(text) {
		// The accounts first (the phone_tail index), then their
		// registrations through the user index.
		if len(userIDs) > nameMatchCap {
			return q.Where("user_id IN (?)", users()), nil
		}
		return q.Where("user_id IN ?", append(userIDs, -1)), nil
	}
	var deps []dependentRow
	if err := family().Select("id, user_id").Limit(nameMatchCap + 1).Find(&deps).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(userIDs) > nameMatchCap || len(deps) > nameMatchCap {
		return q.Where("((dependent_id = 0 AND user_id IN (?)) OR (dependent_id <> 0 AND dependent_id IN (?)))",
			users(), family().Select("id")), nil
	}
	owners, depIDs := append([]int64{-1}, userIDs...), []int64{-1}
	for _, d := range deps {
		owners, depIDs = append(owners, d.UserID), append(depIDs, d.ID)
	}
	return q.Where("user_id IN ? AND ((dependent_id = 0 AND user_id IN ?) OR (dependent_id <> 0 AND dependent_id IN ?))",
		owners, append(userIDs, -1), depIDs), nil
}

// SetNoShow marks or clears a confirmed registration's no-show.
func (s *ActivityStore) SetNoShow(ctx context.Context, regID int64, noShow bool) error {
	return translate(fromStatus(s.g(ctx), &registrationRow{}, regID, activity.RegConfirmed, map[string]any{"no_show": noShow, "updated_at": time.Now().UTC()},
		errs.Unprocessable("NOT_CONFIRMED", "只有报名成功的记录才能标记未到场")), nil)
}

// NoShowTimes lists the start times of an account's no-shows since t.
func (s *ActivityStore) NoShowTimes(ctx context.Context, userID int64, since time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.g(ctx).Model(&registrationRow{}).Joins("JOIN sessions ON sessions.id = registrations.session_id").
		Where("registrations.user_id = ? AND registrations.no_show = ? AND sessions.starts_at >= ?", userID, true, since.UTC()).
		Order("sessions.starts_at").Pluck("sessions.starts_at", &out).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	// Room bookings released for want of a check-in count the same (the
	// booker's own, a team's and a unit's; not those desk staff made for
	// someone without an account).
	var booked []time.Time
	err = s.g(ctx).Model(&roomBookingRow{}).Where("booked_by = ? AND status = ? AND booked_for IN ? AND starts_at >= ?",
		userID, rooms.StatusNoShow, []string{rooms.ForSelf, rooms.ForTeam, rooms.ForUnit}, since.UTC()).Pluck("starts_at", &booked).Error
	if err != nil {
		return nil, translate(err, nil)
	}
	out = append(out, booked...)
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// PersonRegistered reports whether another family-member record with the
// same ID number holds a live registration in one of the sessions.
func (s *ActivityStore) PersonRegistered(ctx context.Context, sessionIDs []int64, idNumberHash string, dependentID int64) (bool, error) {
	var n int64
	err := s.g(ctx).Raw(`SELECT COUNT(*) FROM registrations r JOIN dependents d ON d.id = r.dependent_id
		WHERE r.session_id IN ? AND r.status IN ? AND d.id_number_hash = ? AND r.dependent_id <> ?`,
		sessionIDs, []string{activity.RegConfirmed, activity.RegWaitlisted}, idNumberHash, dependentID).Scan(&n).Error
	if err != nil {
		return false, translate(err, nil)
	}
	return n > 0, nil
}

// DependentRegistrations lists a family member's live registrations in
// sessions ending after t.
func (s *ActivityStore) DependentRegistrations(ctx context.Context, userID, dependentID int64, t time.Time) ([]activity.Registration, error) {
	rows, err := liveRegs(s.g(ctx), "user_id = ? AND dependent_id = ? AND session_id IN (SELECT id FROM sessions WHERE ends_at > ?)", userID, dependentID, t.UTC())
	if err != nil {
		return nil, translate(err, nil)
	}
	return toRegs(rows), nil
}

// OutsideResidence lists the account's live registrations in upcoming
// sessions of community-only activities of other communities.
func (s *ActivityStore) OutsideResidence(ctx context.Context, userID, communityID int64, t time.Time) ([]activity.Registration, error) {
	rows, err := liveRegs(s.g(ctx), `user_id = ? AND session_id IN (SELECT id FROM sessions WHERE ends_at > ?)
		AND activity_id IN (SELECT id FROM activities WHERE community_only = ? AND community_id <> ?)`, userID, t.UTC(), true, communityID)
	if err != nil {
		return nil, translate(err, nil)
	}
	return toRegs(rows), nil
}

// StartedWaitlists lists the waitlisted rows of up to limit groups that
// have a waitlisted row in a session started by now, with the groups'
// waitlisted rows in later sessions, oldest group first. The sessions are
// found through their counters (one row a session), not through the
// registrations of every past session.
func (s *ActivityStore) StartedWaitlists(ctx context.Context, now time.Time, limit int) ([]activity.Registration, error) {
	var groups []struct {
		UserID   int64
		GroupKey string
	}
	if err := s.g(ctx).Raw(`SELECT r.user_id, r.group_key FROM session_counters c
		JOIN sessions s ON s.id = c.session_id
		JOIN registrations r ON r.session_id = c.session_id AND r.status = ?
		WHERE c.waitlisted > 0 AND s.starts_at <= ?
		GROUP BY r.user_id, r.group_key ORDER BY MIN(r.id) LIMIT ?`, activity.RegWaitlisted, now.UTC(), limit).Scan(&groups).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(groups) == 0 {
		return nil, nil
	}
	type key struct {
		user  int64
		group string
	}
	want := make(map[key]bool, len(groups))
	users, keys := make([]int64, 0, len(groups)), make([]string, 0, len(groups))
	for _, g := range groups {
		want[key{g.UserID, g.GroupKey}] = true
		users, keys = append(users, g.UserID), append(keys, g.GroupKey)
	}
	var rows []registrationRow
	if err := s.g(ctx).Where("user_id IN ? AND group_key IN ? AND status = ?", users, keys, activity.RegWaitlisted).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := rows[:0]
	for _, r := range rows {
		if want[key{r.UserID, r.GroupKey}] {
			out = append(out, r)
		}
	}
	return toRegs(out), nil
}
