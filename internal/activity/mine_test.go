package activity_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

// A resident's own registrations page by keyset in session order: upcoming
// soonest first, every one once, a moved session moves its registrations,
// a cancelled one goes to the past tab; the offset pages agree.
func TestMyRegistrationsKeysetFollowsSessionTimes(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	uid := e.newUsers(1)[0]
	var acts []activity.Activity
	var regs []activity.Registration
	// Published in reverse order of their start: ids do not follow time.
	for i := 4; i >= 0; i-- {
		a := e.publishAt(base.Add(time.Duration(i)*time.Hour), false, sess{5, 0})
		acts = append([]activity.Activity{a}, acts...)
		regs = append([]activity.Registration{mustRegister(t, e, uid, a.Sessions[0].ID)[0]}, regs...)
	}
	walk := func(upcoming bool) []int64 {
		t.Helper()
		var got []int64
		req := page.Request{Limit: 2}
		for pages := 0; ; pages++ {
			ds, next, err := e.svc.MyRegistrationsPage(e.ctx, uid, upcoming, req)
			if err != nil || pages > 10 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, d := range ds {
				got = append(got, d.Registration.ID)
			}
			if next == "" {
				return got
			}
			if req.After, err = page.Decode(next); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []int64{regs[0].ID, regs[1].ID, regs[2].ID, regs[3].ID, regs[4].ID}
	if got := walk(true); !slices.Equal(got, want) {
		t.Fatalf("upcoming %v, want %v", got, want)
	}
	// The first activity's session moves after the last one's.
	s := acts[0].Sessions[0]
	later := base.Add(10 * time.Hour)
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, acts[0].ID, s.ID, activity.SessionInput{StartsAt: later, EndsAt: later.Add(time.Hour), Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	want = []int64{regs[1].ID, regs[2].ID, regs[3].ID, regs[4].ID, regs[0].ID}
	if got := walk(true); !slices.Equal(got, want) {
		t.Fatalf("after the move: upcoming %v, want %v", got, want)
	}
	ds, total, err := e.svc.MyRegistrations(e.ctx, uid, true, 2, 2)
	if err != nil || total != 5 || len(ds) != 2 || ds[0].Registration.ID != regs[3].ID || ds[1].Registration.ID != regs[4].ID {
		t.Fatalf("offset page 2: total %d, %d items, %v", total, len(ds), err)
	}
	// A cancellation moves to the past tab.
	if _, err := e.svc.Cancel(e.ctx, uid, regs[2].ID); err != nil {
		t.Fatal(err)
	}
	if got := walk(true); !slices.Equal(got, []int64{regs[1].ID, regs[3].ID, regs[4].ID, regs[0].ID}) {
		t.Fatalf("after cancelling: upcoming %v", got)
	}
	if got := walk(false); !slices.Equal(got, []int64{regs[2].ID}) {
		t.Fatalf("past %v, want the cancelled %d", got, regs[2].ID)
	}
}

// Sign-ups written while staff move their session keep no stale time: each
// registration carries its session's times as last committed, whichever of
// a sign-up batch and a move commits first (a move raises the quota epoch
// under the activity's lock; a batch reads the times under that lock and
// writes only for the epoch it reserved in).
func TestSignUpsRacingSessionMovesCarryTheFinalTimes(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{200, 0})
	uids := e.newUsers(120)
	start := a.Sessions[0].StartsAt
	var wg sync.WaitGroup
	var written atomic.Int64
	errc := make(chan error, len(uids))
	next := atomic.Int64{}
	for w := 0; w < 8; w++ { // a steady stream of sign-ups
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(uids)); i = next.Add(1) - 1 {
				_, err := e.register(e.ctx, uids[i], sid)
				switch {
				case err == nil:
					written.Add(1)
				case errs.KindOf(err) != errs.KindUnavailable: // fenced by move after move: asked to retry
					errc <- err
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var final time.Time
	moves := 0
	for moving := true; moving; moves++ { // moves all along the stream
		final = start.Add(time.Duration(moves+1) * 10 * time.Minute)
		if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{StartsAt: final, EndsAt: final.Add(time.Hour), Capacity: 200}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			moving = false
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(errc)
	for err := range errc {
		t.Fatalf("sign-up: %v", err)
	}
	var rows, stale int64
	if err := e.db.SQL().QueryRow("SELECT COUNT(*), COALESCE(SUM(CASE WHEN starts_at = ? AND ends_at = ? THEN 0 ELSE 1 END), 0) FROM registrations WHERE session_id = ?",
		final.UTC(), final.Add(time.Hour).UTC(), sid).Scan(&rows, &stale); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sign-ups written during %d moves", rows, moves)
	if rows != written.Load() || rows == 0 || stale != 0 {
		t.Fatalf("%d rows for %d sign-ups answered, %d of them with a time other than the final %s", rows, written.Load(), stale, final)
	}
	e.assertConsistent(a.ID)
}
