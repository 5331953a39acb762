package activity_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// heldCommitStore holds the next sign-up write it is armed for: before it
// reaches MySQL (until proceed), and once committed before its answer
// (until answer), so that a test can place other work in between.
type heldCommitStore struct {
	activity.Store
	armed     atomic.Bool
	arrived   chan struct{}
	proceed   chan struct{}
	committed chan struct{}
	answer    chan struct{}
}

func newHeldCommitStore(inner activity.Store) *heldCommitStore {
	return &heldCommitStore{Store: inner, arrived: make(chan struct{}), proceed: make(chan struct{}),
		committed: make(chan struct{}), answer: make(chan struct{})}
}

func (s *heldCommitStore) CommitRegistrations(ctx context.Context, ws []activity.Write) []activity.WriteResult {
	if !s.armed.CompareAndSwap(true, false) {
		return s.Store.CommitRegistrations(ctx, ws)
	}
	close(s.arrived)
	<-s.proceed
	res := s.Store.CommitRegistrations(ctx, ws)
	close(s.committed)
	<-s.answer
	return res
}

// A seat freed while a waitlisted sign-up is being written is given to it
// by fillIfFree once the sign-up is written (the cancellation could not
// promote a row not yet in MySQL). When MySQL picks that fill as a
// deadlock's victim, it is run again whole, after giving back the seat its
// try reserved in Redis, not merely logged: the waitlisted resident is
// promoted once, told once, and Redis equals MySQL with nothing pending.
// The deadlock comes before the seat is reserved in Redis (the fill waits
// for the session's row while it holds the activity's) or after (it waits
// for the waitlisted row it promotes while it holds the session's).
func TestFillingAFreeSeatSurvivesADeadlock(t *testing.T) {
	for _, afterPrepare := range []bool{false, true} {
		name := "before the seat is reserved"
		if afterPrepare {
			name = "after the seat is reserved"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			if e.db.Dialect != "mysql" {
				t.Skip("deadlocks are MySQL's; the embedded database has one writer")
			}
			held := newHeldCommitStore(e.store)
			deps := e.deps
			deps.Store = held
			svc := activity.NewService(deps)
			t.Cleanup(svc.Close)

			a, sid := e.publishOne(sess{1, 1})
			users := e.newUsers(2)
			first, err := registerOn(e.ctx, svc, users[0], sid)
			if err != nil || first.Registrations[0].Status != activity.RegConfirmed {
				t.Fatalf("setup: %+v %v", first, err)
			}
			e.assertConsistent(a.ID)
			before := e.outboxByTemplate(a.ID)

			// The second resident is waitlisted in Redis; the write waits.
			held.armed.Store(true)
			type answer struct {
				res activity.RegisterResult
				err error
			}
			signedUp := make(chan answer, 1)
			go func() {
				var x answer
				x.res, x.err = registerOn(e.ctx, svc, users[1], sid)
				signedUp <- x
			}()
			select {
			case <-held.arrived:
			case x := <-signedUp:
				t.Fatalf("the sign-up was not written through the held store: %+v %v", x.res, x.err)
			case <-time.After(10 * time.Second):
				t.Fatal("the sign-up never reached its write")
			}
			// The first resident cancels: nobody to promote in MySQL yet.
			res, err := svc.Cancel(e.ctx, users[0], first.Registrations[0].ID)
			if err != nil || len(res.Promoted) != 0 {
				t.Fatalf("cancel: %+v %v", res, err)
			}
			close(held.proceed)
			<-held.committed
			var waitID int64
			e.db.G.Raw("SELECT id FROM registrations WHERE session_id = ? AND status = ?", sid, activity.RegWaitlisted).Scan(&waitID)
			if waitID == 0 {
				t.Fatal("the waitlisted row was not written")
			}

			g := e.db.G
			other := e.heavierTransaction(t)
			now := time.Now().UTC()
			// The row the other transaction takes first, the statement the
			// fill then waits in, and the row that closes the cycle.
			lock, waitsIn, closing := "UPDATE sessions SET updated_at = ? WHERE id = ?", "SELECT%FROM `sessions`%FOR UPDATE", "UPDATE activities SET updated_at = ? WHERE id = ?"
			lockID, closingID := sid, a.ID
			if afterPrepare {
				lock, waitsIn, closing = "UPDATE registrations SET updated_at = ? WHERE id = ?", "UPDATE `registrations`%promoted_at%", "UPDATE sessions SET updated_at = ? WHERE id = ?"
				lockID, closingID = waitID, sid
			}
			if err := other.Exec(lock, now, lockID).Error; err != nil {
				t.Fatal(err)
			}
			// The sign-up answers: its write is done, and it fills the free seat.
			close(held.answer)
			deadline := time.Now().Add(40 * time.Second) // a loaded CI machine (every package at once) can take more than 10 s to get there
			for {
				var waiting int
				// (The test's database is its own: only the fill runs this statement now.)
				g.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE ?", waitsIn).Scan(&waiting)
				if waiting > 0 {
					break
				}
				select {
				case x := <-signedUp:
					t.Fatalf("the fill did not wait for the held row: %+v %v", x.res, x.err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the fill never waited for the held row")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if afterPrepare {
				st, err := e.quota.State(e.ctx, a.ID, []int64{sid})
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Pending) != 1 || st.Sessions[sid].Confirmed != 1 {
					t.Fatalf("the seat was not reserved before the deadlock: %+v", st)
				}
			}
			// Closing the cycle: MySQL rolls back the lighter transaction, the fill.
			if err := other.Exec(closing, now, closingID).Error; err != nil {
				t.Fatalf("the heavier transaction was the victim, the test proves nothing: %v", err)
			}
			if err := other.Commit().Error; err != nil {
				t.Fatal(err)
			}
			x := <-signedUp
			if x.err != nil || len(x.res.Registrations) != 1 || x.res.Registrations[0].Status != activity.RegWaitlisted {
				t.Fatalf("the sign-up answers waitlisted, as decided: %+v %s %v", x.res, errs.CodeOf(x.err), x.err)
			}
			var rows []struct {
				ID         int64
				Status     string
				PromotedAt *time.Time
			}
			g.Table("registrations").Select("id, status, promoted_at").Where("activity_id = ?", a.ID).Order("id").Scan(&rows)
			if len(rows) != 2 || rows[0].Status != activity.RegCancelled ||
				rows[1].ID != waitID || rows[1].Status != activity.RegConfirmed || rows[1].PromotedAt == nil {
				t.Fatalf("the waitlisted resident was not promoted: %+v", rows)
			}
			e.assertConsistent(a.ID)
			st, err := e.quota.State(e.ctx, a.ID, []int64{sid})
			if err != nil {
				t.Fatal(err)
			}
			if c := st.Sessions[sid]; c.Confirmed != 1 || c.Waitlisted != 0 || len(st.Pending) != 0 {
				t.Fatalf("redis %+v (pending %v), want 1 confirmed, nobody waiting, nothing pending", c, st.Pending)
			}
			after := e.outboxByTemplate(a.ID)
			if n := after[notify.WaitlistPromoted] - before[notify.WaitlistPromoted]; n != 1 {
				t.Fatalf("promotion notices: %d, want 1 (before %v, after %v)", n, before, after)
			}
		})
	}
}
