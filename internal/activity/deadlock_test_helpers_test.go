package activity_test

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/activity"
)

// heavierTransaction begins a transaction that has written 200 rows into
// a table of its own: when it and an operation under test deadlock,
// MySQL rolls back the lighter one, the operation. The caller goes on to
// take the rows the deadlock needs, then commits; it is rolled back at
// the end of the test otherwise.
func (e *env) heavierTransaction(t *testing.T) *gorm.DB {
	t.Helper()
	g := e.db.G
	table := fmt.Sprintf("deadlock_ballast_%d", time.Now().UnixNano())
	if err := g.Exec("CREATE TABLE " + table + " (id INT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Exec("DROP TABLE " + table) })
	other := g.Begin()
	t.Cleanup(func() { other.Rollback() })
	for i := 0; i < 200; i++ {
		if err := other.Exec("INSERT INTO "+table+" (id) VALUES (?)", i).Error; err != nil {
			t.Fatal(err)
		}
	}
	return other
}

// lockCycle is a deadlock a heavier transaction builds around an
// operation under test: it takes one row (held), the operation takes
// another and then waits for the held one in a statement like waitsIn,
// and the heavier transaction asks for the operation's row (closing).
// held and closing are UPDATEs taking the time and a row's id.
type lockCycle struct {
	held      string
	heldID    int64
	waitsIn   string // a LIKE pattern
	closing   string
	closingID int64
}

const (
	touchSession      = "UPDATE sessions SET updated_at = ? WHERE id = ?"
	touchActivity     = "UPDATE activities SET updated_at = ? WHERE id = ?"
	touchRegistration = "UPDATE registrations SET updated_at = ? WHERE id = ?"
)

// promotionCycle is the cycle around a promotion (a cancellation's or a
// fill's): before the seat is reserved in Redis, the promotion waits for
// the session's row while it holds the activity's; after, for the
// waitlisted row it promotes while it holds the session's.
func promotionCycle(afterPrepare bool, aid, sid, waitID int64) lockCycle {
	if afterPrepare {
		return lockCycle{touchRegistration, waitID, "UPDATE `registrations`%promoted_at%", touchSession, sid}
	}
	return lockCycle{touchSession, sid, "SELECT%FROM `sessions`%FOR UPDATE", touchActivity, aid}
}

// deadlock is a lockCycle under way.
type deadlock struct {
	lockCycle
	t     *testing.T
	e     *env
	other *gorm.DB
	now   time.Time
}

// startDeadlock begins the heavier transaction and takes the cycle's
// held row in it.
func (e *env) startDeadlock(t *testing.T, c lockCycle) *deadlock {
	t.Helper()
	d := &deadlock{lockCycle: c, t: t, e: e, other: e.heavierTransaction(t), now: time.Now().UTC()}
	if err := d.other.Exec(c.held, d.now, c.heldID).Error; err != nil {
		t.Fatal(err)
	}
	return d
}

// close closes the cycle: MySQL rolls back the lighter transaction, the
// operation; the heavier one, which must survive, is committed.
func (d *deadlock) close() {
	d.t.Helper()
	if err := d.other.Exec(d.closing, d.now, d.closingID).Error; err != nil {
		d.t.Fatalf("the heavier transaction was the victim, the test proves nothing: %v", err)
	}
	if err := d.other.Commit().Error; err != nil {
		d.t.Fatal(err)
	}
}

// outcome is what an operation run in the background answered.
type outcome[T any] struct {
	res T
	err error
}

// inBackground runs op in a goroutine; its answer arrives on the channel.
func inBackground[T any](op func() (T, error)) <-chan outcome[T] {
	done := make(chan outcome[T], 1)
	go func() {
		var x outcome[T]
		x.res, x.err = op()
		done <- x
	}()
	return done
}

// awaitWaiting returns once the operation under test (who) waits for the
// held row (row): another connection of the test's database (its own:
// only the operation runs such a statement) runs a statement like the
// cycle's waitsIn. It fails the test when the operation answers on done
// first, or never gets there.
func awaitWaiting[T any](d *deadlock, who, row string, done <-chan outcome[T]) {
	d.t.Helper()
	deadline := time.Now().Add(40 * time.Second) // a loaded CI machine (every package at once) can take more than 10 s to get there
	for {
		var waiting int
		d.e.db.G.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE ?", d.waitsIn).Scan(&waiting)
		if waiting > 0 {
			return
		}
		select {
		case x := <-done:
			d.t.Fatalf("%s did not wait for %s: %+v %v", who, row, x.res, x.err)
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s never waited for %s", who, row)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertSeatReserved fails unless Redis holds exactly one pending
// reservation and the session counts confirmed seats.
func (e *env) assertSeatReserved(aid, sid int64, confirmed int) {
	e.t.Helper()
	st, err := e.quota.State(e.ctx, aid, []int64{sid})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(st.Pending) != 1 || st.Sessions[sid].Confirmed != confirmed {
		e.t.Fatalf("the seat was not reserved before the deadlock: %+v", st)
	}
}

// assertOneConfirmedNoneWaiting fails unless Redis counts one confirmed
// seat and nobody waiting in the session, with nothing pending.
func (e *env) assertOneConfirmedNoneWaiting(aid, sid int64) {
	e.t.Helper()
	st, err := e.quota.State(e.ctx, aid, []int64{sid})
	if err != nil {
		e.t.Fatal(err)
	}
	if c := st.Sessions[sid]; c.Confirmed != 1 || c.Waitlisted != 0 || len(st.Pending) != 0 {
		e.t.Fatalf("redis %+v (pending %v), want 1 confirmed, nobody waiting, nothing pending", c, st.Pending)
	}
}

// regRow is a registration as a promotion test reads it.
type regRow struct {
	ID         int64
	Status     string
	PromotedAt *time.Time
}

// registrationRows reads the activity's registrations in id order.
func (e *env) registrationRows(aid int64) []regRow {
	e.t.Helper()
	var rows []regRow
	if err := e.db.G.Table("registrations").Select("id, status, promoted_at").Where("activity_id = ?", aid).Order("id").Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// signUpAs signs the account holder up through svc and fails the test
// unless the registration is answered with status want.
func (e *env) signUpAs(t *testing.T, svc *activity.Service, uid, sid int64, want string) activity.RegisterResult {
	t.Helper()
	res, err := registerOn(e.ctx, svc, uid, sid)
	if err != nil || res.Registrations[0].Status != want {
		t.Fatalf("sign-up, want %s: %+v %v", want, res, err)
	}
	return res
}
