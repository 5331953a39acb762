package activity_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

// countingQuota counts the sign-up decisions a process asks of the quota.
type countingQuota struct {
	activity.Quota
	reserves atomic.Int64
}

func (q *countingQuota) Reserve(ctx context.Context, r activity.Reservation) (activity.ReserveResult, error) {
	q.reserves.Add(1)
	return q.Quota.Reserve(ctx, r)
}

// signalled passes a QuotaChanges through and says when it listens.
type signalled struct {
	activity.QuotaChanges
	ready chan struct{}
}

func (w signalled) Watch(ctx context.Context, ready func(), freed func(int64), lost func()) {
	w.QuotaChanges.Watch(ctx, func() {
		ready()
		select {
		case w.ready <- struct{}{}:
		default:
		}
	}, freed, lost)
}

// process is another server process of the same deployment (same MySQL,
// same Redis) following the quota's changes, with its quota calls counted.
func (e *env) process(cfg activity.Config) (*activity.Service, *countingQuota) {
	e.t.Helper()
	q := &countingQuota{Quota: e.quota}
	d := e.deps
	d.Quota, d.Config = q, cfg
	svc := activity.NewService(d)
	ctx, stop := context.WithCancel(e.ctx)
	done := make(chan struct{})
	w := signalled{QuotaChanges: e.quota, ready: make(chan struct{}, 1)}
	go func() { defer close(done); svc.FollowQuota(ctx, w) }()
	e.t.Cleanup(func() { stop(); <-done; svc.Close() })
	select {
	case <-w.ready:
	case <-time.After(5 * time.Second):
		e.t.Fatal("the process did not start listening to quota changes")
	}
	return svc, q
}

// An account refused as full and asking again is answered by the process
// without asking the quota; another account, or one that holds a seat, is
// still decided by the quota; a cancellation in another process makes the
// next attempt a real decision again (the memory lasts an hour here: only
// the change heard can end it).
func TestSoldOutRefusalsAnsweredLocallyUntilAPlaceFrees(t *testing.T) {
	e := newEnv(t, activity.Config{})
	cfg := activity.Config{SoldOutMemo: time.Hour}
	procA, qa := e.process(cfg)
	procB, _ := e.process(cfg)
	a := e.publish(nil, sess{1, 0})
	sid := a.Sessions[0].ID
	u := e.newUsers(3)

	held, err := registerOn(e.ctx, procB, u[0], sid)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		who       int64
		want      string
		reserves  int64 // decisions asked of the quota by process A so far
		rationale string
	}{
		{u[1], "QUOTA_FULL", 1, "first refusal: decided by the quota"},
		{u[1], "QUOTA_FULL", 1, "same account again: answered by the process"},
		{u[1], "QUOTA_FULL", 1, "and again"},
		{u[2], "QUOTA_FULL", 2, "another account: decided by the quota"},
		{u[0], "ALREADY_REGISTERED", 3, "the seat holder: decided by the quota"},
	}
	for _, s := range steps {
		_, err := registerOn(e.ctx, procA, s.who, sid)
		if code(err) != s.want || qa.reserves.Load() != s.reserves {
			t.Fatalf("%s: got %s with %d quota decisions, want %s with %d", s.rationale, code(err), qa.reserves.Load(), s.want, s.reserves)
		}
	}

	if _, err := procB.Cancel(e.ctx, u[0], held.Registrations[0].ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		res, err := registerOn(e.ctx, procA, u[1], sid)
		if err == nil {
			if res.Registrations[0].Status != activity.RegConfirmed {
				t.Fatalf("the freed seat: got %s", res.Registrations[0].Status)
			}
			break
		}
		if code(err) != "QUOTA_FULL" || time.Now().After(deadline) {
			t.Fatalf("after a cancellation in another process: %s (the freed seat is not offered)", code(err))
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.assertConsistent(a.ID)
}

// Residents keep retrying a sold-out session on one process while seats are
// cancelled one by one on another: every freed seat goes to one of them
// (none stays hidden behind a remembered refusal) and nothing is oversold.
func TestSoldOutMemoNeverHidesAFreedSeat(t *testing.T) {
	e := newEnv(t, activity.Config{})
	cfg := activity.Config{SoldOutMemo: time.Hour}
	procA, qa := e.process(cfg)
	procB, _ := e.process(cfg)
	const seats = 5
	a := e.publish(nil, sess{seats, 0})
	sid := a.Sessions[0].ID
	holders := e.newUsers(seats)
	var held []activity.Registration
	for _, uid := range holders {
		res, err := registerOn(e.ctx, procB, uid, sid)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, res.Registrations[0])
	}

	crowd := e.newUsers(20)
	var won, attempts atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, uid := range crowd {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := registerOn(e.ctx, procA, uid, sid)
				attempts.Add(1)
				switch code(err) {
				case "OK":
					won.Add(1)
					return
				case "QUOTA_FULL":
				default:
					t.Errorf("crowd: %s", code(err))
					return
				}
			}
		}()
	}
	for i, r := range held {
		if _, err := procB.Cancel(e.ctx, r.UserID, r.ID); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for won.Load() < int64(i+1) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		if won.Load() != int64(i+1) {
			close(stop)
			wg.Wait()
			t.Fatalf("after %d cancellations %d seats went to the crowd", i+1, won.Load())
		}
	}
	close(stop)
	wg.Wait()
	if won.Load() != seats {
		t.Fatalf("%d of %d freed seats taken", won.Load(), seats)
	}
	// The crowd's retries were mostly answered without the quota.
	if n, all := qa.reserves.Load(), attempts.Load(); n == 0 || n*4 > all {
		t.Fatalf("%d of the crowd's %d attempts asked the quota", n, all)
	}
	e.assertConsistent(a.ID)
}

// The rate limit (RegisterInput.Admit) counts every attempt except a retry
// the process answers from memory: that answer costs less than the count.
// What memory cannot answer is counted, and a refusal by the limit stops
// the sign-up before the quota is asked.
func TestRetriesAnsweredFromMemoryAreNotCounted(t *testing.T) {
	e := newEnv(t, activity.Config{})
	proc, q := e.process(activity.Config{SoldOutMemo: time.Hour})
	a := e.publish(nil, sess{1, 0})
	sid := a.Sessions[0].ID
	u := e.newUsers(3)
	if _, err := registerOn(e.ctx, proc, u[0], sid); err != nil {
		t.Fatal(err)
	}
	var admitted atomic.Int64
	count := func(context.Context) error { admitted.Add(1); return nil }
	limited := errs.New(errs.KindRateLimited, "RATE_LIMITED", "操作太频繁，请稍后再试")
	in := func(uid, sid int64, key string, admit func(context.Context) error) activity.RegisterInput {
		return activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}, IdemKey: key, Admit: admit}
	}
	steps := []struct {
		in       activity.RegisterInput
		want     string
		admitted int64 // attempts counted so far
		reserves int64 // quota decisions so far (the seat holder's included)
		why      string
	}{
		{in(u[1], sid, "a1", count), "QUOTA_FULL", 1, 2, "first refusal: counted, decided by the quota"},
		{in(u[1], sid, "a2", count), "QUOTA_FULL", 1, 2, "the retry: answered from memory, not counted"},
		{in(u[1], sid, "a3", count), "QUOTA_FULL", 1, 2, "and again"},
		{in(u[1], sid, "bad key!", count), "INVALID_IDEMPOTENCY_KEY", 2, 2, "a bad request is counted"},
		{in(u[1], sid+1000000, "a4", count), "SESSION_NOT_FOUND", 3, 2, "another session is counted"},
		{in(u[2], sid, "a5", count), "QUOTA_FULL", 4, 3, "another account is counted"},
		{in(u[2], sid, "a6", func(context.Context) error { admitted.Add(1); return limited }), "QUOTA_FULL", 4, 3, "its retry is not"},
		{in(u[0], sid, "a7", func(context.Context) error { admitted.Add(1); return limited }), "RATE_LIMITED", 5, 3, "over the limit: refused before the quota"},
	}
	for _, s := range steps {
		_, err := proc.Register(e.ctx, s.in)
		if code(err) != s.want || admitted.Load() != s.admitted || q.reserves.Load() != s.reserves {
			t.Fatalf("%s: got %s, %d counted, %d quota decisions; want %s, %d, %d",
				s.why, code(err), admitted.Load(), q.reserves.Load(), s.want, s.admitted, s.reserves)
		}
	}
}
