package activity_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/notify"
)

// startedAgo moves the session's start (and its rows' copy of it) to ago
// before now: the session is under way.
func (e *env) startedAgo(sid int64, ago time.Duration) {
	e.t.Helper()
	start := time.Now().Add(-ago).UTC()
	if err := e.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", start, start.Add(time.Hour), sid).Error; err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.G.Exec("UPDATE registrations SET starts_at = ?, ends_at = ? WHERE session_id = ?", start, start.Add(time.Hour), sid).Error; err != nil {
		e.t.Fatal(err)
	}
}

// Once a session has started nobody is promoted into it, so its waitlist
// ends: every group still waitlisted in it (a family, a series with all
// its sessions) is cancelled with the reason 「活动已开始，候补未能转为正
// 式报名」 and told once — also when two processes run the job at once and
// when it runs again. Confirmed places and the waitlist of a session not
// started stay; a waitlist of a session that started long ago (left from
// before the job) ends without a notice. Redis, the counters and the rows
// stay equal.
func TestStartedSessionsWaitlistsEndAndAreToldOnce(t *testing.T) {
	e := newEnv(t, activity.Config{})
	u := e.newUsers(9)
	adult := time.Date(1960, 5, 1, 0, 0, 0, 0, time.UTC)

	// A: one session under way; a family of two and a lone resident wait.
	a, aSess := e.publishOne(sess{1, 4})
	aConfirmed := mustRegister(t, e, u[0], aSess)
	family := mustRegister(t, e, u[1], aSess, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[1], "王阿姨", adult)})
	lone := mustRegister(t, e, u[2], aSess)
	// B: a series whose first session is under way: the waiting series
	// group can never be promoted, its later session's row ends too.
	b := e.publish(func(in *activity.ActivityInput) { in.Series = true; in.Title = "书法班" }, sess{1, 2}, sess{1, 2})
	bConfirmed := mustRegister(t, e, u[3], b.Sessions[0].ID)
	series := mustRegister(t, e, u[4], b.Sessions[0].ID)
	// C: not started: its waitlist stays.
	c, cSess := e.publishOne(sess{1, 2})
	mustRegister(t, e, u[5], cSess)
	cWaiting := mustRegister(t, e, u[6], cSess)
	// D: started eight days ago, its waitlist never ended.
	d, dSess := e.publishOne(sess{1, 2})
	mustRegister(t, e, u[7], dSess)
	old := mustRegister(t, e, u[8], dSess)

	ended := append(append(append(append([]activity.Registration{}, family...), lone...), series...), old...)
	if len(family) != 2 || len(series) != 2 {
		t.Fatalf("setup: family %d rows, series %d rows", len(family), len(series))
	}
	for _, r := range append(append([]activity.Registration{}, ended...), cWaiting...) {
		if r.Status != activity.RegWaitlisted {
			t.Fatalf("setup: registration %d is %s, want waitlisted", r.ID, r.Status)
		}
	}
	e.startedAgo(aSess, 10*time.Minute)
	e.startedAgo(b.Sessions[0].ID, 10*time.Minute)
	e.startedAgo(dSess, 8*24*time.Hour)

	// Two processes at once, then one again.
	other := activity.NewService(e.deps)
	t.Cleanup(other.Close)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, svc := range []*activity.Service{e.svc, other} {
		wg.Go(func() {
			n, err := svc.EndStartedWaitlists(e.ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if again, err := e.svc.EndStartedWaitlists(e.ctx); err != nil || again != 0 {
		t.Fatalf("a second pass ended %d (%v), want 0", again, err)
	}
	if total != len(ended) {
		t.Fatalf("the two passes ended %d registrations, want %d", total, len(ended))
	}

	for _, r := range ended {
		var row struct {
			Status       string
			CancelReason string
		}
		if err := e.db.G.Table("registrations").Select("status, cancel_reason").Where("id = ?", r.ID).Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.Status != activity.RegCancelled || row.CancelReason != activity.ReasonWaitlistLapsed {
			t.Errorf("registration %d: %s %q, want cancelled %q", r.ID, row.Status, row.CancelReason, activity.ReasonWaitlistLapsed)
		}
	}
	kept := append(append(append([]activity.Registration{}, aConfirmed...), bConfirmed...), cWaiting...)
	want := []string{activity.RegConfirmed, activity.RegConfirmed, activity.RegConfirmed, activity.RegWaitlisted}
	if got := statuses(t, e, kept...); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("confirmed and not-started registrations: %v, want %v", got, want)
	}

	// One notice a group, saying why; none for C, none for D's old waitlist.
	bodies := func(uid, aid int64) []string {
		var out []string
		if err := e.db.G.Table("outbox").Where("template_key = ? AND user_id = ? AND activity_id = ?", notify.ActivityChanged, uid, aid).Pluck("body", &out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		uid, aid int64
		notices  int
		says     []string
	}{
		{"the family", u[1], a.ID, 1, []string{activity.ReasonWaitlistLapsed, "为 2 人", "测试活动"}},
		{"the lone resident", u[2], a.ID, 1, []string{activity.ReasonWaitlistLapsed}},
		{"the series", u[4], b.ID, 1, []string{activity.ReasonWaitlistLapsed, "共 2 场", "书法班"}},
		{"the waitlist of a session not started", u[6], c.ID, 0, nil},
		{"a waitlist of a session started long ago", u[8], d.ID, 0, nil},
	} {
		got := bodies(tc.uid, tc.aid)
		if len(got) != tc.notices {
			t.Errorf("%s: %d notices, want %d: %q", tc.name, len(got), tc.notices, got)
			continue
		}
		for _, w := range tc.says {
			if !strings.Contains(got[0], w) {
				t.Errorf("%s: %q does not say %q", tc.name, got[0], w)
			}
		}
	}
	for _, x := range []int64{a.ID, b.ID, c.ID, d.ID} {
		e.assertConsistent(x)
	}

	// A group picked while its session had started, whose session was then
	// moved later, keeps its place: the store judges the start under the
	// session's lock.
	epoch, _, err := e.quota.Epoch(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.store.CancelRegistrations(e.ctx, activity.CancelOp{ActivityID: c.ID, RegIDs: []int64{cWaiting[0].ID}, Epoch: epoch,
		Reason: activity.ReasonWaitlistLapsed, StartedBy: time.Now()}, func(map[int64]int, []activity.Candidate) ([]int, error) { return nil, nil })
	if err != nil || len(res.Cancelled) != 0 {
		t.Fatalf("ending the waitlist of a session not started: %+v %v", res, err)
	}
	if got := statuses(t, e, cWaiting...); got[0] != activity.RegWaitlisted {
		t.Fatalf("the waitlist of a session not started ended: %v", got)
	}
}
