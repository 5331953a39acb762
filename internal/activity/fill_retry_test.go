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
			first := e.signUpAs(t, svc, users[0], sid, activity.RegConfirmed)
			e.assertConsistent(a.ID)
			before := e.outboxByTemplate(a.ID)

			// The second resident is waitlisted in Redis; the write waits.
			held.armed.Store(true)
			signedUp := inBackground(func() (activity.RegisterResult, error) {
				return registerOn(e.ctx, svc, users[1], sid)
			})
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

			d := e.startDeadlock(t, promotionCycle(afterPrepare, a.ID, sid, waitID))
			// The sign-up answers: its write is done, and it fills the free seat.
			close(held.answer)
			awaitWaiting(d, "the fill", "the held row", signedUp)
			if afterPrepare {
				e.assertSeatReserved(a.ID, sid, 1)
			}
			d.close()
			x := <-signedUp
			if x.err != nil || len(x.res.Registrations) != 1 || x.res.Registrations[0].Status != activity.RegWaitlisted {
				t.Fatalf("the sign-up answers waitlisted, as decided: %+v %s %v", x.res, errs.CodeOf(x.err), x.err)
			}
			rows := e.registrationRows(a.ID)
			if len(rows) != 2 || rows[0].Status != activity.RegCancelled ||
				rows[1].ID != waitID || rows[1].Status != activity.RegConfirmed || rows[1].PromotedAt == nil {
				t.Fatalf("the waitlisted resident was not promoted: %+v", rows)
			}
			e.assertConsistent(a.ID)
			e.assertOneConfirmedNoneWaiting(a.ID, sid)
			after := e.outboxByTemplate(a.ID)
			if n := after[notify.WaitlistPromoted] - before[notify.WaitlistPromoted]; n != 1 {
				t.Fatalf("promotion notices: %d, want 1 (before %v, after %v)", n, before, after)
			}
		})
	}
}
