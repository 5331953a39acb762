package activity_test

import (
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
)

// heldSeries publishes a series of three daily sessions (10:00-11:00 China
// time) starting tomorrow, and returns it with tomorrow's 10:00. No session
// crosses a China-time midnight whatever the hour the test runs.
func heldSeries(e *env, closes time.Duration, cancelMinutes int) (activity.Activity, time.Time) {
	e.t.Helper()
	now := time.Now().In(cst.Zone)
	first := time.Date(now.Year(), now.Month(), now.Day()+1, 10, 0, 0, 0, cst.Zone)
	a := e.publish(func(in *activity.ActivityInput) {
		in.Series, in.Title = true, "陶艺营"
		in.SignupClosesAt = first.Add(closes)
		in.CancelDeadlineMinutes = cancelMinutes
		in.Sessions = nil
		for i := range 3 {
			st := first.Add(time.Duration(i) * 24 * time.Hour)
			in.Sessions = append(in.Sessions, activity.SessionInput{StartsAt: st, EndsAt: st.Add(time.Hour), Capacity: 5, WaitlistCapacity: 2})
		}
	})
	return a, first
}

// at sets the service's clock to t.
func (e *env) at(t time.Time) { e.offset.Store(int64(time.Until(t))) }

// A series whose first session staff cancelled begins with its first
// session still held: the cancellation deadline counts back from that one,
// so a resident may still sign up without confirming "no cancellation"
// and cancel afterwards, in this process (its cached definition was
// dropped by the cancel) and in another one (its cached definition is
// reloaded within DefinitionTTL), without a restart.
func TestSeriesCancelDeadlineFollowsFirstHeldSession(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, first := heldSeries(e, 22*time.Hour, 120) // sign-up closes the next morning at 08:00
	s1, s2 := a.Sessions[0].ID, a.Sessions[1].ID
	u := e.newUsers(3)
	early := mustRegister(t, e, u[0], s1)
	if len(early) != 3 {
		t.Fatalf("series sign-up books 3 sessions: %+v", early)
	}
	other := activity.NewService(e.deps) // a second process on the same MySQL and Redis
	t.Cleanup(other.Close)

	// 09:30 on the first day: inside the first session's deadline (08:00).
	e.at(first.Add(-30 * time.Minute))
	if _, err := e.register(e.ctx, u[1], s2); code(err) != "CANCEL_DEADLINE_CONFIRM" {
		t.Fatalf("before the cancel, inside the first session's deadline: %v", err)
	}
	if _, err := registerOn(e.ctx, other, u[2], s2); code(err) != "CANCEL_DEADLINE_CONFIRM" {
		t.Fatalf("before the cancel, other process: %v", err)
	}
	if _, err := e.svc.Cancel(e.ctx, u[0], early[1].ID); code(err) != "CANCEL_DEADLINE_PASSED" {
		t.Fatalf("before the cancel, cancelling: %v", err)
	}

	if _, n, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, s1, "老师请假"); err != nil || n != 1 {
		t.Fatalf("cancel the first session: %v %d", err, n)
	}

	// The same process, at once: sign up without confirming, then cancel.
	res, err := e.register(e.ctx, u[1], s2)
	if err != nil {
		t.Fatalf("sign-up after the first session was cancelled: %v", err)
	}
	if len(res.Registrations) != 2 || res.Registrations[0].Status != activity.RegConfirmed {
		t.Fatalf("want the 2 sessions left, confirmed: %+v", res.Registrations)
	}
	for _, r := range res.Registrations {
		if r.SessionID == s1 {
			t.Fatalf("booked into the cancelled session: %+v", r)
		}
	}
	if c, err := e.svc.Cancel(e.ctx, u[1], res.Registrations[0].ID); err != nil || len(c.Cancelled) != 2 {
		t.Fatalf("cancel after the first session was cancelled: %v %+v", err, c)
	}
	if c, err := e.svc.Cancel(e.ctx, u[0], early[1].ID); err != nil || len(c.Cancelled) != 2 {
		t.Fatalf("the early resident cancels: %v %+v", err, c)
	}
	// What a registration answers as its cancel_deadline.
	held := first.Add(24 * time.Hour)
	fresh := mustActivity(t, e, a.ID)
	if got, want := activity.CancelDeadline(&fresh, fresh.Sessions[1]), held.Add(-2*time.Hour); !got.Equal(want) {
		t.Fatalf("cancel deadline %v, want %v (the first held session's)", got, want)
	}
	if got := fresh.HeldStart(); !got.Equal(held) {
		t.Fatalf("held start %v, want %v", got, held)
	}
	// The other process sees it too, within its definition's TTL.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := registerOn(e.ctx, other, u[2], s2)
		if err == nil {
			break
		}
		if code(err) != "CANCEL_DEADLINE_CONFIRM" || time.Now().After(deadline) {
			t.Fatalf("other process after the cancel: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.assertConsistent(a.ID)

	// The first held session's deadline still holds.
	e.at(held.Add(-90 * time.Minute))
	ds, _, err := e.store.UserRegistrations(e.ctx, u[2], true, first, 1, 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("u2's registrations: %v %d", err, len(ds))
	}
	if _, err := e.svc.Cancel(e.ctx, u[2], ds[0].Registration.ID); code(err) != "CANCEL_DEADLINE_PASSED" {
		t.Fatalf("past the first held session's deadline: %v", err)
	}
}

// Sign-up to a series closes when its first session still held starts (or
// at its sign-up close, if sooner): a first session cancelled by staff
// does not close it when its time comes. With every session cancelled the
// series takes nobody, as before.
func TestSeriesSignupCloseFollowsFirstHeldSession(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, first := heldSeries(e, 22*time.Hour, 60) // sign-up closes the next morning at 08:00
	s1, s2, s3 := a.Sessions[0].ID, a.Sessions[1].ID, a.Sessions[2].ID
	u := e.newUsers(3)

	e.at(first.Add(-time.Hour))
	if _, n, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, s1, "场地检修"); err != nil || n != 0 {
		t.Fatalf("cancel the first session: %v %d", err, n)
	}
	// 10:30: the cancelled first session's time has come, the others are ahead.
	e.at(first.Add(30 * time.Minute))
	res, err := e.register(e.ctx, u[0], s2)
	if err != nil {
		t.Fatalf("sign-up once the cancelled first session's time has passed: %v", err)
	}
	if len(res.Registrations) != 2 || res.Registrations[0].Status != activity.RegConfirmed {
		t.Fatalf("want the 2 sessions left, confirmed: %+v", res.Registrations)
	}
	v, err := e.svc.Get(e.ctx, a.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.NextStartsAt.Equal(first.Add(24 * time.Hour)) {
		t.Fatalf("next_starts_at %v: the first session still held", v.NextStartsAt)
	}
	e.assertConsistent(a.ID)

	// Past the sign-up close: closed.
	e.at(first.Add(22*time.Hour + time.Minute))
	if _, err := e.register(e.ctx, u[1], s2); code(err) != "SIGNUP_CLOSED" {
		t.Fatalf("after signup_closes_at: %v", err)
	}
	// Every session cancelled: refused as no session left.
	e.at(first.Add(30 * time.Minute))
	for _, sid := range []int64{s2, s3} {
		if _, _, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, sid, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.register(e.ctx, u[2], s2); code(err) != "SESSION_CANCELLED" {
		t.Fatalf("every session cancelled: %v", err)
	}
}
