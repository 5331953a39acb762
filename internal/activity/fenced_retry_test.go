package activity_test

import (
	"testing"
	"time"

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
	g := e.db.G
	other := e.heavierTransaction(t)
	if err := other.Exec("UPDATE sessions SET updated_at = ? WHERE id = ?", time.Now().UTC(), sid).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 3, WaitlistCapacity: 2})
		done <- err
	}()
	// Wait until the change holds the activity's row and waits for the session's.
	deadline := time.Now().Add(40 * time.Second) // a loaded CI machine (every package at once) can take more than 10 s to get there
	for {
		var waiting int
		// (The test's database is its own: only the change updates sessions.)
		g.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'UPDATE `sessions`%'").Scan(&waiting)
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the change did not wait for the session's row: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the change never waited for the session's row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Closing the cycle: MySQL rolls back the lighter transaction, the change.
	if err := other.Exec("UPDATE activities SET updated_at = ? WHERE id = ?", time.Now().UTC(), a.ID).Error; err != nil {
		t.Fatalf("the heavier transaction was the victim, the test proves nothing: %v", err)
	}
	if err := other.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the change was refused for a deadlock it lost: %v", err)
	}
	var capacity int
	g.Raw("SELECT capacity FROM sessions WHERE id = ?", sid).Scan(&capacity)
	if capacity != 3 {
		t.Fatalf("capacity %d, want 3", capacity)
	}
	e.assertConsistent(a.ID)
}
