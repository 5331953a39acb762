package activity_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

// seriesRows reads the live rows of an activity by group and attendee:
// "group|attendee" -> session id -> status.
func (e *env) seriesRows(aid int64) map[string]map[int64]string {
	e.t.Helper()
	var rows []struct {
		GroupKey    string
		AttendeeKey string
		SessionID   int64
		Status      string
	}
	if err := e.db.G.Table("registrations").Select("group_key, attendee_key, session_id, status").
		Where("activity_id = ? AND status IN ?", aid, []string{"confirmed", "waitlisted"}).Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[string]map[int64]string{}
	for _, r := range rows {
		k := r.GroupKey + "|" + r.AttendeeKey
		if out[k] == nil {
			out[k] = map[int64]string{}
		}
		out[k][r.SessionID] = r.Status
	}
	return out
}

// assertSeriesWhole fails unless every live attendee of the series holds one
// row in each of its sessions, all with one status.
func (e *env) assertSeriesWhole(aid int64) map[string]int {
	e.t.Helper()
	a, err := e.store.Activity(e.ctx, aid)
	if err != nil {
		e.t.Fatal(err)
	}
	count := map[string]int{}
	for k, bySession := range e.seriesRows(aid) {
		if len(bySession) != len(a.Sessions) {
			e.t.Fatalf("attendee %s is booked into %d of the series' %d sessions: %v", k, len(bySession), len(a.Sessions), bySession)
		}
		var status string
		for _, s := range a.Sessions {
			st, ok := bySession[s.ID]
			if !ok {
				e.t.Fatalf("attendee %s has no row in session %d", k, s.ID)
			}
			if status != "" && st != status {
				e.t.Fatalf("attendee %s split: %v", k, bySession)
			}
			status = st
		}
		count[status]++
	}
	return count
}

// A series books all its sessions at once: a session added to a series
// residents have signed up for books each of them into it, confirmed ones
// confirmed and waitlisted ones waitlisted in their order, in the add's
// own transaction, and tells them; a session too small for them is refused
// and nothing is written.
func TestAddingASessionBooksTheSeries(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(func(in *activity.ActivityInput) { in.Series = true; in.Title = "陶艺营" }, sess{3, 3}, sess{3, 3})
	u := e.newUsers(5)
	adult := time.Date(1960, 5, 1, 0, 0, 0, 0, time.UTC)
	family := mustRegister(t, e, u[0], a.Sessions[0].ID, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[0], "王阿姨", adult)})
	one := mustRegister(t, e, u[1], a.Sessions[0].ID)
	left := mustRegister(t, e, u[2], a.Sessions[0].ID)
	first := mustRegister(t, e, u[3], a.Sessions[0].ID)
	second := mustRegister(t, e, u[4], a.Sessions[0].ID)
	if family[0].Status != activity.RegConfirmed || one[0].Status != activity.RegConfirmed || left[0].Status != activity.RegWaitlisted ||
		first[0].Status != activity.RegWaitlisted || second[0].Status != activity.RegWaitlisted {
		t.Fatalf("setup: %s %s %s %s %s", family[0].Status, one[0].Status, left[0].Status, first[0].Status, second[0].Status)
	}
	// The first in the queue leaves it: nothing of theirs follows into a new session.
	if _, err := e.svc.Cancel(e.ctx, u[2], left[0].ID); err != nil {
		t.Fatal(err)
	}
	start := a.Sessions[1].StartsAt.Add(7 * 24 * time.Hour)
	add := func(capacity, wait int) (activity.Session, error) {
		return e.svc.AddSession(e.ctx, e.admin, a.ID, activity.SessionInput{StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: capacity, WaitlistCapacity: wait})
	}
	// Three confirmed and two waiting: a session with fewer places is refused.
	for _, c := range []struct {
		capacity, wait int
		code, says     string
	}{
		{2, 2, "SERIES_CAPACITY_SHORT", "3"},
		{3, 1, "SERIES_WAITLIST_SHORT", "2"},
	} {
		_, err := add(c.capacity, c.wait)
		if code(err) != c.code || errs.KindOf(err) != errs.KindConflict || !strings.Contains(errs.As(err).Message, c.says) {
			t.Fatalf("a session of %d+%d places: %v", c.capacity, c.wait, err)
		}
	}
	if got, _ := e.store.Activity(e.ctx, a.ID); len(got.Sessions) != 2 {
		t.Fatalf("a refused session was written: %d sessions", len(got.Sessions))
	}
	e.assertConsistent(a.ID)
	before := e.outbox("activity_changed", a.ID)

	ss, err := add(3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.assertSeriesWhole(a.ID); got["confirmed"] != 3 || got["waitlisted"] != 2 {
		t.Fatalf("attendees by status: %v", got)
	}
	e.assertConsistent(a.ID)
	// The waitlist of the new session keeps the series' order.
	var queue []struct {
		UserID        int64
		FirstPosition int
	}
	e.db.G.Table("registrations").Select("user_id, first_position").Where("session_id = ? AND status = ?", ss.ID, "waitlisted").
		Order("decision, id").Scan(&queue)
	if len(queue) != 2 || queue[0].UserID != u[3] || queue[1].UserID != u[4] || queue[0].FirstPosition != 1 || queue[1].FirstPosition != 2 {
		t.Fatalf("the new session's waitlist: %+v", queue)
	}
	// Each group hears of it once.
	if n := e.outbox("activity_changed", a.ID) - before; n != 4 {
		t.Fatalf("%d notices of the new session, want one per group (4)", n)
	}
	var body string
	e.db.G.Table("outbox").Select("body").Where("activity_id = ? AND user_id = ? AND template_key = ?", a.ID, u[3], "activity_changed").
		Order("id DESC").Limit(1).Scan(&body)
	if !strings.Contains(body, "新增") || !strings.Contains(body, activity.FormatTime(start)) {
		t.Fatalf("the notice: %q", body)
	}
	// The quota follows: the new session's waitlist is full, and a freed place goes to the
	// next group in every session, the new one included.
	if _, err := e.register(e.ctx, e.newUsers(1)[0], a.Sessions[0].ID); code(err) != "QUOTA_FULL" {
		t.Fatalf("a full series: %v", err)
	}
	if _, err := e.svc.Cancel(e.ctx, u[1], one[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.assertSeriesWhole(a.ID); got["confirmed"] != 3 || got["waitlisted"] != 1 {
		t.Fatalf("after a cancellation: %v", got)
	}
	e.assertConsistent(a.ID)
}

// Sign-ups of a series racing sessions being added to it: every group
// ends up in every session (none is left without the new one, none
// oversells it), and Redis equals MySQL.
func TestAddingSessionsWhileTheSeriesSignsUp(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(func(in *activity.ActivityInput) { in.Series = true }, sess{20, 10}, sess{20, 10})
	early := e.newUsers(4)
	for _, uid := range early {
		mustRegister(t, e, uid, a.Sessions[0].ID)
	}
	users := e.newUsers(40)
	start := a.Sessions[1].StartsAt.Add(7 * 24 * time.Hour)
	var mu sync.Mutex
	var added []int64
	var addErrs []error
	answered := map[string]bool{} // attendee keys answered confirmed or waitlisted
	for _, uid := range early {
		answered[activity.AttendeeKey(uid, 0)] = true
	}
	counts := tally(len(users), func(i int) string {
		time.Sleep(time.Duration(i%20) * 3 * time.Millisecond)
		res, err := e.register(e.ctx, users[i], a.Sessions[0].ID)
		if err != nil {
			return code(err)
		}
		mu.Lock()
		answered[activity.AttendeeKey(users[i], 0)] = true
		mu.Unlock()
		return res.Registrations[0].Status
	}, func() {
		for k := range 3 {
			time.Sleep(15 * time.Millisecond)
			at := start.Add(time.Duration(k) * 24 * time.Hour)
			ss, err := e.svc.AddSession(e.ctx, e.admin, a.ID, activity.SessionInput{StartsAt: at, EndsAt: at.Add(time.Hour), Capacity: 20, WaitlistCapacity: 10})
			mu.Lock()
			if err != nil {
				addErrs = append(addErrs, err)
			} else {
				added = append(added, ss.ID)
			}
			mu.Unlock()
		}
	})
	if len(addErrs) > 0 || len(added) != 3 {
		t.Fatalf("adding sessions: %v", addErrs)
	}
	// A sign-up fenced off by change after change may run out of fresh
	// decisions and be told to try again (UNAVAILABLE); while its place was
	// reserved, others may have been refused. Otherwise the places all go.
	for c := range counts {
		if c != activity.RegConfirmed && c != activity.RegWaitlisted && c != "QUOTA_FULL" && c != "UNAVAILABLE" {
			t.Fatalf("answers: %v", counts)
		}
	}
	if counts["UNAVAILABLE"] == 0 && (counts[activity.RegConfirmed] != 16 || counts[activity.RegWaitlisted] != 10) {
		t.Fatalf("answers: %v", counts)
	}
	got := e.assertSeriesWhole(a.ID)
	if got["confirmed"] != len(early)+counts[activity.RegConfirmed] || got["waitlisted"] != counts[activity.RegWaitlisted] {
		t.Fatalf("attendees by status %v, answers %v", got, counts)
	}
	e.assertConsistent(a.ID)
	// Exactly those answered hold the places (in every session, as checked).
	booked := map[string]bool{}
	for k := range e.seriesRows(a.ID) {
		booked[k[strings.Index(k, "|")+1:]] = true
	}
	if len(booked) != len(answered) {
		t.Fatalf("%d attendees booked, %d answered", len(booked), len(answered))
	}
	for k := range answered {
		if !booked[k] {
			t.Fatalf("attendee %s was answered but holds no place", k)
		}
	}
}

// A refused change writes nothing, and the quota stays as it is: dropping
// and rebuilding it would fence off every sign-up reserved under it for
// nothing. A change made is followed at once.
func TestARefusedChangeKeepsTheQuota(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{2, 0})
	u := e.newUsers(3)
	mustRegister(t, e, u[0], sid)
	mustRegister(t, e, u[1], sid)
	epoch := func() int64 {
		t.Helper()
		ep, ok, err := e.quota.Epoch(e.ctx, a.ID)
		if err != nil || !ok {
			t.Fatalf("quota epoch: %v %v", ok, err)
		}
		return ep
	}
	before, rebuilds := epoch(), e.svc.Rebuilds()
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 1}); code(err) != "CAPACITY_BELOW_CONFIRMED" {
		t.Fatalf("lowering below the confirmed: %v", err)
	}
	if after := epoch(); after != before || e.svc.Rebuilds() != rebuilds {
		t.Fatalf("a refused change rebuilt the quota: epoch %d -> %d, %d rebuilds", before, after, e.svc.Rebuilds()-rebuilds)
	}
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 3}); err != nil {
		t.Fatal(err)
	}
	if epoch() == before {
		t.Fatal("the quota was not rebuilt after a change")
	}
	if r := mustRegister(t, e, u[2], sid); r[0].Status != activity.RegConfirmed {
		t.Fatalf("the raised capacity: %+v", r)
	}
	e.assertConsistent(a.ID)
}

// Moving a session is held to the rules of creating the activity: its
// sign-up may not close after its last session ends (400
// INVALID_SIGNUP_WINDOW, as on creation); one session of several moved
// before sign-up closes is accepted, as it would be on creation.
func TestMovingASessionKeepsTheSignupWindow(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{5, 0})
	s := a.Sessions[0]
	early := a.SignupClosesAt.Add(-2 * time.Hour)
	_, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{StartsAt: early, EndsAt: early.Add(time.Hour), Capacity: 5})
	if code(err) != "INVALID_SIGNUP_WINDOW" || errs.KindOf(err) != errs.KindInvalid || errs.As(err).Message != "报名截止时间不能晚于活动结束时间" {
		t.Fatalf("a session moved to end before sign-up closes: %v", err)
	}
	if got, _ := e.store.Activity(e.ctx, a.ID); !got.Sessions[0].StartsAt.Equal(s.StartsAt) {
		t.Fatalf("the refused move was written: %v", got.Sessions[0].StartsAt)
	}
	// Ending only with the end moved is held to the same rule.
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{StartsAt: early, EndsAt: a.SignupClosesAt.Add(-time.Minute), Capacity: 5}); code(err) != "INVALID_SIGNUP_WINDOW" {
		t.Fatalf("a session ending a minute before sign-up closes: %v", err)
	}
	// Starting before sign-up closes is fine while it ends after.
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{StartsAt: early, EndsAt: a.SignupClosesAt.Add(time.Hour), Capacity: 5}); err != nil {
		t.Fatalf("a session spanning the close of sign-up: %v", err)
	}
	// A clinic's early slot may end before sign-up closes: a later one ends after.
	c := e.publish(nil, sess{3, 0}, sess{3, 0})
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, c.ID, c.Sessions[0].ID, activity.SessionInput{StartsAt: early, EndsAt: early.Add(time.Hour), Capacity: 3}); err != nil {
		t.Fatalf("moving the early slot of two: %v", err)
	}
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, c.ID, c.Sessions[1].ID, activity.SessionInput{StartsAt: early.Add(time.Hour), EndsAt: early.Add(90 * time.Minute), Capacity: 3}); code(err) != "INVALID_SIGNUP_WINDOW" {
		t.Fatalf("moving the last slot too: %v", err)
	}
}
