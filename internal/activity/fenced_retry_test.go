package activity_test

import (
	"testing"

	"gongjian/internal/activity"
)

// A staff change that MySQL picks as a deadlock's victim is run again,
// not answered "database unavailable": here another transaction, heavier
// (it has written 200 rows), holds the session's row while the change
// holds the activity's, and then asks for the activity's row.
func TestAStaffChangeSurvivesADeadlock(t *testing.T) {
	e := newEnv(t, activity.Config{})
	if e.db.Dialect != "mysql" {
		t.Skip("deadlocks are MySQL's; the embedded database has one writer")
	}
	a, sid := e.publishOne(sess{1, 2})
	// The heavier transaction holds the session's row; the change holds
	// the activity's and waits for the session's (only the change updates
	// sessions).
	d := e.startDeadlock(t, lockCycle{touchSession, sid, "UPDATE `sessions`%", touchActivity, a.ID})
	done := inBackground(func() (activity.Session, error) {
		s, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 3, WaitlistCapacity: 2})
		return s, err
	})
	awaitWaiting(d, "the change", "the session's row", done)
	d.close()
	if x := <-done; x.err != nil {
		t.Fatalf("the change was refused for a deadlock it lost: %v", x.err)
	}
	var capacity int
	e.db.G.Raw("SELECT capacity FROM sessions WHERE id = ?", sid).Scan(&capacity)
	if capacity != 3 {
		t.Fatalf("capacity %d, want 3", capacity)
	}
	e.assertConsistent(a.ID)
}
