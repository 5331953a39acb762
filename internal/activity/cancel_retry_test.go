package activity_test

import (
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// A cancellation (the resident's own or a staff removal) that MySQL picks
// as a deadlock's victim is run again whole, not answered "database
// unavailable": another transaction, heavier (it has written 200 rows),
// holds a row the cancellation needs while the cancellation holds another,
// then asks for the cancellation's row. The deadlock comes either before
// the promotion's seat is reserved in Redis (the cancellation waits for the
// session's row while it holds the activity's) or after (it waits for the
// waitlisted row it promotes while it holds the session's): either way the
// registration is cancelled once, the waitlisted one promoted once, Redis
// equals MySQL with nothing left pending, and each notice is written once.
func TestACancellationSurvivesADeadlock(t *testing.T) {
	type when int
	const (
		beforePrepare when = iota
		afterPrepare
	)
	for _, tc := range []struct {
		name    string
		staff   bool
		when    when
		notices map[string]int64 // outbox rows the cancellation adds, by template
	}{
		{"resident, before the seat is reserved", false, beforePrepare, map[string]int64{notify.WaitlistPromoted: 1}},
		{"resident, after the seat is reserved", false, afterPrepare, map[string]int64{notify.WaitlistPromoted: 1}},
		{"staff removal, before the seat is reserved", true, beforePrepare, map[string]int64{notify.WaitlistPromoted: 1, notify.ActivityChanged: 1}},
		{"staff removal, after the seat is reserved", true, afterPrepare, map[string]int64{notify.WaitlistPromoted: 1, notify.ActivityChanged: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			if e.db.Dialect != "mysql" {
				t.Skip("deadlocks are MySQL's; the embedded database has one writer")
			}
			a, sid := e.publishOne(sess{1, 1})
			users := e.newUsers(2)
			first, err := e.register(e.ctx, users[0], sid)
			if err != nil || first.Registrations[0].Status != activity.RegConfirmed {
				t.Fatalf("setup: %+v %v", first, err)
			}
			second, err := e.register(e.ctx, users[1], sid)
			if err != nil || second.Registrations[0].Status != activity.RegWaitlisted {
				t.Fatalf("setup: %+v %v", second, err)
			}
			regID, waitID := first.Registrations[0].ID, second.Registrations[0].ID
			e.assertConsistent(a.ID) // the sign-ups are acknowledged: nothing pending
			before := e.outboxByTemplate(a.ID)

			g := e.db.G
			other := e.heavierTransaction(t)
			now := time.Now().UTC()
			// The row the other transaction takes first, the statement the
			// cancellation then waits in, and the row that closes the cycle.
			held, waitsIn, closing := "UPDATE sessions SET updated_at = ? WHERE id = ?", "SELECT%FROM `sessions`%FOR UPDATE", "UPDATE activities SET updated_at = ? WHERE id = ?"
			heldID, closingID := sid, a.ID
			if tc.when == afterPrepare {
				held, waitsIn, closing = "UPDATE registrations SET updated_at = ? WHERE id = ?", "UPDATE `registrations`%promoted_at%", "UPDATE sessions SET updated_at = ? WHERE id = ?"
				heldID, closingID = waitID, sid
			}
			if err := other.Exec(held, now, heldID).Error; err != nil {
				t.Fatal(err)
			}
			type answer struct {
				res activity.CancelResult
				err error
			}
			done := make(chan answer, 1)
			go func() {
				var x answer
				if tc.staff {
					x.res, x.err = e.svc.Remove(e.ctx, e.admin, regID, "场地调整")
				} else {
					x.res, x.err = e.svc.Cancel(e.ctx, users[0], regID)
				}
				done <- x
			}()
			deadline := time.Now().Add(40 * time.Second) // a loaded CI machine (every package at once) can take more than 10 s to get there
			for {
				var waiting int
				// (The test's database is its own: only the cancellation runs this statement.)
				g.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE ?", waitsIn).Scan(&waiting)
				if waiting > 0 {
					break
				}
				select {
				case x := <-done:
					t.Fatalf("the cancellation did not wait for the held row: %+v %v", x.res, x.err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the cancellation never waited for the held row")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if tc.when == afterPrepare {
				// Redis was told: the promotion's seat is reserved, pending.
				st, err := e.quota.State(e.ctx, a.ID, []int64{sid})
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Pending) != 1 || st.Sessions[sid].Confirmed != 2 {
					t.Fatalf("the seat was not reserved before the deadlock: %+v", st)
				}
			}
			// Closing the cycle: MySQL rolls back the lighter transaction, the cancellation.
			if err := other.Exec(closing, now, closingID).Error; err != nil {
				t.Fatalf("the heavier transaction was the victim, the test proves nothing: %v", err)
			}
			if err := other.Commit().Error; err != nil {
				t.Fatal(err)
			}
			x := <-done
			if x.err != nil {
				t.Fatalf("the cancellation was refused for a deadlock it lost: %s %v", errs.CodeOf(x.err), x.err)
			}
			if len(x.res.Cancelled) != 1 || x.res.Cancelled[0].ID != regID || len(x.res.Promoted) != 1 || x.res.Promoted[0].ID != waitID {
				t.Fatalf("answer: %+v", x.res)
			}
			var rows []struct {
				ID         int64
				Status     string
				PromotedAt *time.Time
			}
			g.Table("registrations").Select("id, status, promoted_at").Where("activity_id = ?", a.ID).Order("id").Scan(&rows)
			if len(rows) != 2 || rows[0].ID != regID || rows[0].Status != activity.RegCancelled ||
				rows[1].ID != waitID || rows[1].Status != activity.RegConfirmed || rows[1].PromotedAt == nil {
				t.Fatalf("registrations: %+v", rows)
			}
			e.assertConsistent(a.ID)
			st, err := e.quota.State(e.ctx, a.ID, []int64{sid})
			if err != nil {
				t.Fatal(err)
			}
			if c := st.Sessions[sid]; c.Confirmed != 1 || c.Waitlisted != 0 {
				t.Fatalf("redis counts %+v, want 1 confirmed and nobody waiting", c)
			}
			after := e.outboxByTemplate(a.ID)
			for k := range after {
				if after[k]-before[k] != tc.notices[k] {
					t.Fatalf("notices added: before %v, after %v, want %v more", before, after, tc.notices)
				}
			}
			for k, n := range tc.notices {
				if after[k]-before[k] != n {
					t.Fatalf("notices added: before %v, after %v, want %v more", before, after, tc.notices)
				}
			}
		})
	}
}

// outboxByTemplate counts the activity's outbox rows by template.
func (e *env) outboxByTemplate(aid int64) map[string]int64 {
	e.t.Helper()
	var rows []struct {
		TemplateKey string
		N           int64
	}
	if err := e.db.G.Table("outbox").Select("template_key, COUNT(*) AS n").Where("activity_id = ?", aid).Group("template_key").Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.TemplateKey] = r.N
	}
	return out
}
