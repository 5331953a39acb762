package activity_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
	"gongjian/internal/resident"
)

func statuses(t *testing.T, e *env, regs ...activity.Registration) []string {
	t.Helper()
	var out []string
	for _, r := range regs {
		d, err := e.store.Registration(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Registration.Status)
	}
	return out
}

func mustRegister(t *testing.T, e *env, uid, sid int64, atts ...activity.AttendeeRef) []activity.Registration {
	t.Helper()
	res, err := e.register(e.ctx, uid, sid, atts...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Registrations
}

// A freed seat goes to the first waitlisted group that fits whole; a
// group too large waits for enough seats.
func TestCancellationPromotesFirstGroupThatFits(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{3, 10})
	u := e.newUsers(4)
	adult := time.Date(1960, 5, 1, 0, 0, 0, 0, time.UTC)
	ra := mustRegister(t, e, u[0], sid)
	rb := mustRegister(t, e, u[1], sid, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[1], "李阿姨", adult)})
	rc := mustRegister(t, e, u[2], sid, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[2], "王叔叔", adult)})
	rd := mustRegister(t, e, u[3], sid)
	if rc[0].Status != activity.RegWaitlisted || rc[0].WaitlistPosition != 1 || rc[1].WaitlistPosition != 2 || rd[0].WaitlistPosition != 3 {
		t.Fatalf("waitlist: %+v %+v", rc, rd)
	}
	// One seat: the pair C does not fit, D does.
	res, err := e.svc.Cancel(e.ctx, u[0], ra[0].ID)
	if err != nil || len(res.Promoted) != 1 || res.Promoted[0].ID != rd[0].ID {
		t.Fatalf("cancel A: %v %+v", err, res)
	}
	if got := statuses(t, e, rc...); !reflect.DeepEqual(got, []string{"waitlisted", "waitlisted"}) {
		t.Fatalf("C: %v", got)
	}
	e.assertConsistent(a.ID)
	// B leaves one by one: the second seat lets the pair in.
	if res, err = e.svc.Cancel(e.ctx, u[1], rb[0].ID); err != nil || len(res.Promoted) != 0 {
		t.Fatalf("cancel B1: %v %+v", err, res)
	}
	if res, err = e.svc.Cancel(e.ctx, u[1], rb[1].ID); err != nil || len(res.Promoted) != 2 {
		t.Fatalf("cancel B2: %v %+v", err, res)
	}
	if got := statuses(t, e, append(rc, rd...)...); !reflect.DeepEqual(got, []string{"confirmed", "confirmed", "confirmed"}) {
		t.Fatalf("after promotions: %v", got)
	}
	// D alone, then the pair C together: one notice per group.
	if n := e.outbox("waitlist_promoted", a.ID); n != 2 {
		t.Fatalf("want 2 promotion notices (D, and C's pair as one), got %d", n)
	}
	if _, err := e.svc.Cancel(e.ctx, u[1], rb[1].ID); code(err) != "ALREADY_CANCELLED" {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := e.svc.Cancel(e.ctx, u[0], rc[0].ID); code(err) != "REGISTRATION_NOT_FOUND" {
		t.Fatalf("someone else's registration: %v", err)
	}
	e.assertConsistent(a.ID)
	// The cancelled attendee may sign up again.
	if r := mustRegister(t, e, u[0], sid); r[0].Status != activity.RegWaitlisted {
		t.Fatalf("sign up again: %+v", r)
	}
	// Past the deadline a confirmed registration stays; a waitlisted one may leave.
	e.offset.Store(int64(72*time.Hour - 30*time.Minute))
	if _, err := e.svc.Cancel(e.ctx, u[3], rd[0].ID); code(err) != "CANCEL_DEADLINE_PASSED" {
		t.Fatalf("after the deadline: %v", err)
	}
	left := e.liveRows(a.ID)
	var waiting activity.Registration
	ds, _, _ := e.store.UserRegistrations(e.ctx, u[0], true, time.Now(), 1, 10)
	for _, d := range ds {
		if d.Registration.Status == activity.RegWaitlisted {
			waiting = d.Registration
		}
	}
	if _, err := e.svc.Cancel(e.ctx, u[0], waiting.ID); err != nil {
		t.Fatalf("leaving the waitlist after the deadline: %v (%v)", err, left)
	}
	e.assertConsistent(a.ID)
}

// Raising a capacity promotes at once; lowering below the confirmed count
// is refused.
func TestCapacityChanges(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{2, 5})
	var regs []activity.Registration
	for _, uid := range e.newUsers(5) {
		regs = append(regs, mustRegister(t, e, uid, sid)...)
	}
	in := activity.SessionInput{Capacity: 4, WaitlistCapacity: 5}
	_, promoted, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, in)
	if err != nil || len(promoted) != 2 || promoted[0].ID != regs[2].ID || promoted[1].ID != regs[3].ID {
		t.Fatalf("raise: %v %+v", err, promoted)
	}
	e.assertConsistent(a.ID)
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 3, WaitlistCapacity: 5}); code(err) != "CAPACITY_BELOW_CONFIRMED" {
		t.Fatalf("lower below confirmed: %v", err)
	}
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 4, WaitlistCapacity: 0}); code(err) != "WAITLIST_BELOW_QUEUED" {
		t.Fatalf("lower waitlist below queued: %v", err)
	}
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 4, WaitlistCapacity: 2}); err != nil {
		t.Fatalf("lower the waitlist: %v", err)
	}
	e.assertConsistent(a.ID)
	// The quota follows at once: one waitlist place, no seat.
	u := e.newUsers(2)
	if r := mustRegister(t, e, u[0], sid); r[0].Status != activity.RegWaitlisted {
		t.Fatalf("%+v", r)
	}
	if _, err := e.register(e.ctx, u[1], sid); code(err) != "QUOTA_FULL" {
		t.Fatalf("want QUOTA_FULL, got %v", err)
	}
	if n := e.outbox("waitlist_promoted", a.ID); n != 2 {
		t.Fatalf("promotion notices: %d", n)
	}
	e.assertConsistent(a.ID)
}

// A series books every session at once: all confirmed, all waitlisted, or refused.
func TestSeriesAllOrNothing(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(func(in *activity.ActivityInput) { in.Series = true }, sess{3, 2}, sess{2, 2})
	s1, s2 := a.Sessions[0].ID, a.Sessions[1].ID
	u := e.newUsers(4)
	ra := mustRegister(t, e, u[0], s2, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[0], "张奶奶", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC))})
	if len(ra) != 4 {
		t.Fatalf("a pair in two sessions makes 4 registrations: %+v", ra)
	}
	rb := mustRegister(t, e, u[1], s1) // seat left in session 1, none in 2
	if rb[0].Status != activity.RegWaitlisted || rb[1].Status != activity.RegWaitlisted {
		t.Fatalf("B must wait in both sessions: %+v", rb)
	}
	mustRegister(t, e, u[2], s1)
	if _, err := e.register(e.ctx, u[3], s1); code(err) != "QUOTA_FULL" {
		t.Fatalf("waitlist of session 2 is full: %v", err)
	}
	// A leaves (the whole series): B is promoted in both sessions; C still
	// waits (one seat in session 1 is not a seat in every session).
	res, err := e.svc.Cancel(e.ctx, u[0], ra[0].ID)
	if err != nil || len(res.Cancelled) != 2 || len(res.Promoted) != 2 {
		t.Fatalf("cancel A: %v cancelled %d promoted %d", err, len(res.Cancelled), len(res.Promoted))
	}
	if got := statuses(t, e, rb...); !reflect.DeepEqual(got, []string{"confirmed", "confirmed"}) {
		t.Fatalf("B: %v", got)
	}
	counts, _ := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if counts[s1].Confirmed != 2 || counts[s2].Confirmed != 2 || counts[s1].Waitlisted != 1 || counts[s2].Waitlisted != 1 {
		t.Fatalf("counts: %+v", counts)
	}
	e.assertConsistent(a.ID)
}

// The same Idempotency-Key never makes a second registration, even sent
// many times at once or after Redis lost everything.
func TestIdempotentRetries(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(nil, sess{10, 0}, sess{10, 0})
	sid := a.Sessions[0].ID
	uid := e.newUsers(1)[0]
	in := activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}, IdemKey: "retry-1"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[int64]int{}
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.svc.Register(e.ctx, in)
			if err != nil {
				t.Errorf("retry: %v", err)
				return
			}
			mu.Lock()
			ids[res.Registrations[0].ID]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(ids) != 1 {
		t.Fatalf("want one registration for one key, got %v", ids)
	}
	var groups int64
	e.db.G.Table("registration_groups").Where("user_id = ? AND void = ?", uid, false).Count(&groups)
	if groups != 1 {
		t.Fatalf("%d groups written", groups)
	}
	e.flushActivity(a.ID)
	res, err := e.svc.Register(e.ctx, in)
	if err != nil || !res.Replayed || ids[res.Registrations[0].ID] == 0 {
		t.Fatalf("after Redis lost everything: %v %+v", err, res)
	}
	other := in
	other.SessionID = a.Sessions[1].ID
	if _, err := e.svc.Register(e.ctx, other); code(err) != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("same key, other session: %v", err)
	}
	e.assertConsistent(a.ID)
}

// Staff remove a registration or cancel the whole activity: residents get
// a notice with the reason, and the activity takes no more sign-ups.
func TestStaffRemovalAndActivityCancel(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{2, 2})
	u := e.newUsers(4)
	var regs []activity.Registration
	for _, uid := range u[:3] {
		regs = append(regs, mustRegister(t, e, uid, sid)...)
	}
	orgStaff := resident.User{ID: 99, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: e.org.ID}}}
	stranger := resident.User{ID: 98, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: e.org.ID + 1000}}}
	if _, err := e.svc.Remove(e.ctx, stranger, regs[0].ID, "名额调整"); code(err) != "REGISTRATION_NOT_FOUND" {
		t.Fatalf("staff of another organisation: %v", err)
	}
	if _, err := e.svc.Remove(e.ctx, orgStaff, regs[0].ID, " "); code(err) != "REASON_REQUIRED" {
		t.Fatalf("no reason: %v", err)
	}
	res, err := e.svc.Remove(e.ctx, orgStaff, regs[0].ID, "重复报名")
	if err != nil || len(res.Promoted) != 1 || res.Promoted[0].ID != regs[2].ID {
		t.Fatalf("remove: %v %+v", err, res)
	}
	if n := e.outbox("activity_changed", a.ID); n != 1 {
		t.Fatalf("the removed resident must hear of it: %d notices", n)
	}
	added, err := e.svc.AddByStaff(e.ctx, orgStaff, a.ID, activity.RegisterInput{UserID: u[3], SessionID: sid,
		Attendees: []activity.AttendeeRef{{Self: true}}, Reason: "电话报名"})
	if err != nil || added.Registrations[0].Status != activity.RegWaitlisted {
		t.Fatalf("add by hand: %v %+v", err, added)
	}
	e.assertConsistent(a.ID)
	_, n, err := e.svc.CancelActivity(e.ctx, orgStaff, a.ID, "天气原因")
	if err != nil || n != 3 {
		t.Fatalf("cancel activity: %v %d", err, n)
	}
	if n := e.outbox("activity_changed", a.ID); n != 4 {
		t.Fatalf("every resident must hear of the cancellation: %d notices", n)
	}
	if _, err := e.register(e.ctx, u[0], sid); code(err) != "SIGNUP_CLOSED" {
		t.Fatalf("sign up to a cancelled activity: %v", err)
	}
	e.assertConsistent(a.ID)
}

// The Lua script promotes exactly the groups the Go rule does.
func TestLuaPromotionMatchesGoRule(t *testing.T) {
	e := newEnv(t, activity.Config{})
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		aid := int64(900000 + round)
		snap := activity.Snapshot{ActivityID: aid, Epoch: 7, Open: true}
		avail := map[int64]int{}
		for s := int64(1); s <= 3; s++ {
			capacity, confirmed := 2+rnd.IntN(6), rnd.IntN(5)
			snap.Sessions = append(snap.Sessions, activity.SessionQuota{ID: s, Capacity: capacity, WaitlistCapacity: 10, Confirmed: confirmed})
			avail[s] = capacity - confirmed
		}
		freed := map[int64]int{1: rnd.IntN(3), 2: rnd.IntN(2)}
		for s, f := range freed {
			avail[s] += f
		}
		var cands []activity.Candidate
		for i := range 2 + rnd.IntN(6) {
			c := activity.Candidate{GroupKey: fmt.Sprintf("g%d", i), Sizes: map[int64]int{}}
			for s := int64(1); s <= 3; s++ {
				if rnd.IntN(2) == 0 {
					c.Sizes[s] = 1 + rnd.IntN(3)
				}
			}
			if len(c.Sizes) == 0 {
				c.Sizes[1] = 1
			}
			cands = append(cands, c)
		}
		if ok, err := e.quota.Lock(e.ctx, aid, "t", time.Minute); err != nil || !ok {
			t.Fatal(err)
		}
		if ok, err := e.quota.Load(e.ctx, "t", snap); err != nil || !ok {
			t.Fatal(err)
		}
		out, got, err := e.quota.Prepare(e.ctx, aid, 7, "op", freed, cands, time.Now())
		if err != nil || out != activity.Reserved {
			t.Fatal(out, err)
		}
		want := activity.PickPromotions(cands, avail)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: lua chose %v, Go chose %v (avail %v, candidates %+v)", round, got, want, avail, cands)
		}
		if err := e.quota.Invalidate(e.ctx, aid, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNoShowPolicy(t *testing.T) {
	p := activity.DefaultNoShowPolicy
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return now.AddDate(0, 0, d) }
	cases := []struct {
		name  string
		times []time.Time
		until time.Time
	}{
		{"none", nil, time.Time{}},
		{"two strikes", []time.Time{day(-10), day(-5)}, time.Time{}},
		{"three within 90 days", []time.Time{day(-80), day(-40), day(-3)}, day(27)},
		{"three spread over more than 90 days", []time.Time{day(-100), day(-40), day(-3)}, time.Time{}},
		{"suspension over", []time.Time{day(-60), day(-50), day(-40)}, time.Time{}},
		{"latest strike counts", []time.Time{day(-89), day(-20), day(-10), day(-1)}, day(29)},
		{"unsorted", []time.Time{day(-1), day(-80), day(-40)}, day(29)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := p.SuspendedUntil(c.times, now); !got.Equal(c.until) {
				t.Fatalf("got %v, want %v", got, c.until)
			}
		})
	}
}

// An age rule is checked on the day the attendee attends, in China's
// calendar: the chosen session's date (a series: its first session's),
// not the activity's first session's, and not the UTC date of a session
// that starts before 08:00 China time.
func TestAgeCheckedOnTheSessionDayInChinaTime(t *testing.T) {
	// D is a China date a few days ahead; never 29 February (six years
	// earlier it may not exist).
	today := time.Now().In(cst.Zone)
	d := time.Date(today.Year(), today.Month(), today.Day()+3, 0, 0, 0, 0, cst.Zone)
	if d.Month() == time.February && d.Day() == 29 {
		d = d.AddDate(0, 0, 1)
	}
	at := func(day time.Time, hour int) time.Time { return day.Add(time.Duration(hour) * time.Hour) }
	cases := []struct {
		name     string
		series   bool
		starts   []time.Time // session starts (one hour each)
		pick     int         // the session signed up for
		birthday time.Time   // the China date the child turns 6
		want     string      // "OK" = signed up, else the refusal's code
	}{
		{"sixth birthday on the day of an early-morning session", false, []time.Time{at(d, 7)}, 0, d, "OK"},
		{"sixth birthday the day after the session", false, []time.Time{at(d, 7)}, 0, d.AddDate(0, 0, 1), "NOT_ELIGIBLE"},
		{"six by the later session chosen", false, []time.Time{at(d, 10), at(d.AddDate(0, 0, 20), 10)}, 1, d.AddDate(0, 0, 10), "OK"},
		{"not six by the earlier session chosen", false, []time.Time{at(d, 10), at(d.AddDate(0, 0, 20), 10)}, 0, d.AddDate(0, 0, 10), "NOT_ELIGIBLE"},
		{"a series: not six by its first session", true, []time.Time{at(d, 10), at(d.AddDate(0, 0, 20), 10)}, 1, d.AddDate(0, 0, 10), "NOT_ELIGIBLE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			a := e.publish(func(in *activity.ActivityInput) {
				in.Series = tc.series
				in.Eligibility = activity.Eligibility{MinAge: 6}
				in.Sessions = nil
				for _, st := range tc.starts {
					in.Sessions = append(in.Sessions, activity.SessionInput{StartsAt: st, EndsAt: st.Add(time.Hour), Capacity: 5, WaitlistCapacity: 5})
				}
				in.SignupClosesAt = tc.starts[0].Add(-time.Hour)
			})
			uid := e.newUsers(1)[0]
			b := tc.birthday.AddDate(-6, 0, 0)
			child := e.dependent(uid, "小明", time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC))
			_, err := e.register(e.ctx, uid, a.Sessions[tc.pick].ID, activity.AttendeeRef{DependentID: child})
			if got := code(err); got != tc.want {
				t.Fatalf("want %q, got %q (%v)", tc.want, got, err)
			}
		})
	}
}

// An attendee who was checked in came: staff cannot mark them a no-show
// (a strike toward a suspension), as they cannot remove them.
func TestCheckedInAttendeeIsNoNoShow(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{5, 0})
	u := e.newUsers(2)
	came := mustRegister(t, e, u[0], sid)[0]
	absent := mustRegister(t, e, u[1], sid)[0]
	e.offset.Store(int64(a.Sessions[0].StartsAt.Add(10 * time.Minute).Sub(time.Now())))
	now := time.Now().UTC()
	if err := e.db.G.Exec("INSERT INTO checkins (registration_id, session_id, activity_id, user_id, checker_id, nonce, checked_in_at, offline, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		came.ID, sid, a.ID, u[0], e.admin.ID, "n1", now, false, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.MarkNoShow(e.ctx, e.admin, came.ID, true); code(err) != "REGISTRATION_CHECKED_IN" {
		t.Fatalf("marking a checked-in attendee a no-show: %v", err)
	}
	if r, err := e.svc.MarkNoShow(e.ctx, e.admin, absent.ID, true); err != nil || !r.NoShow {
		t.Fatalf("marking an absent attendee: %v %+v", err, r)
	}
	if r, err := e.svc.MarkNoShow(e.ctx, e.admin, came.ID, false); err != nil || r.NoShow {
		t.Fatalf("clearing stays allowed: %v %+v", err, r)
	}
	st, err := e.svc.NoShowStatus(e.ctx, u[0])
	if err != nil || len(st.NoShows) != 0 {
		t.Fatalf("the attendee who came has no-shows: %v %+v", err, st)
	}
}
