package notify_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"gongjian/internal/notify"
)

// Notices done with leave the outbox after the retention; pending ones and
// recent ones stay. Two processes purging at once delete each notice once
// and never one they should keep.
func TestPurgeKeepsWhatIsNotDoneWith(t *testing.T) {
	e := newEnv(t)
	uid, _ := e.user("purge")
	e.grant(uid, notify.RegistrationConfirmed, 1)
	ids := e.add(
		notice(uid, notify.RegistrationConfirmed, "p:sent", "活动"),    // sent
		notice(uid, notify.RegistrationWaitlisted, "p:inapp", "活动"),  // in_app
		notice(uid, notify.RegistrationConfirmed, "p:nogrant", "活动"), // no_grant (the one grant is spent)
		notice(uid, notify.RegistrationConfirmed, "p:recent", "活动"),  // done with, but recent
	)
	later := notice(uid, notify.RegistrationConfirmed, "p:pending", "活动")
	later.DueAt = e.clock.Now().Add(10 * 365 * 24 * time.Hour) // still waiting, however old the row
	pending := e.add(later)[0]
	// 2,500 more sent notices, to purge in several batches.
	bulk := make([]notify.Notice, 2500)
	for i := range bulk {
		bulk[i] = notice(uid, notify.ActivityChanged, fmt.Sprintf("p:bulk:%d", i), "活动")
		bulk[i].DueAt = later.DueAt
	}
	for i := 0; i < len(bulk); i += 500 {
		e.add(bulk[i : i+500]...)
	}
	e.drain(e.runner("w1"))
	if err := e.db.G.Exec("UPDATE outbox SET status = ? WHERE dedup_key LIKE 'p:bulk:%'", notify.StatusSent).Error; err != nil {
		t.Fatal(err)
	}
	st := e.statuses()
	if st[notify.StatusSent] != 2501 || st[notify.StatusInApp] != 1 || st[notify.StatusNoGrant] != 2 || st[notify.StatusPending] != 1 {
		t.Fatalf("before purging: %v", st)
	}

	// A year and a month later; the "recent" notice was written 10 days ago.
	now := time.Now().Add(395 * 24 * time.Hour)
	e.clock.Set(now)
	if err := e.db.G.Exec("UPDATE outbox SET created_at = ? WHERE id = ?", now.Add(-10*24*time.Hour).UTC(), ids[3]).Error; err != nil {
		t.Fatal(err)
	}
	keep := func(c *notify.RunnerConfig, _ *notify.RunnerDeps) { c.Retention = 365 * 24 * time.Hour }
	runners := []*notify.Runner{e.runner("w1", keep), e.runner("w2", keep)}
	var wg sync.WaitGroup
	deleted := make([]int64, len(runners))
	for i, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := r.Purge(e.ctx)
			if err != nil {
				t.Error(err)
			}
			deleted[i] = n
		}()
	}
	wg.Wait()
	if got := deleted[0] + deleted[1]; got != 2503 {
		t.Fatalf("deleted %v = %d notices, want 2503 (2,501 sent, 1 in-app, 1 no-grant)", deleted, got)
	}
	left := e.statuses()
	if len(left) != 2 || left[notify.StatusPending] != 1 || left[notify.StatusNoGrant] != 1 {
		t.Fatalf("after purging: %v", left)
	}
	if e.row(pending).Status != notify.StatusPending || e.row(ids[3]).Status != notify.StatusNoGrant {
		t.Fatal("the pending notice or the recent one was purged")
	}

	// Retention 0 keeps everything.
	if n, err := e.runner("w3").Purge(e.ctx); err != nil || n != 0 {
		t.Fatalf("without retention: %d deleted, %v", n, err)
	}
}
