package activity_test

import (
	"testing"

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
			first := e.signUpAs(t, e.svc, users[0], sid, activity.RegConfirmed)
			second := e.signUpAs(t, e.svc, users[1], sid, activity.RegWaitlisted)
			regID, waitID := first.Registrations[0].ID, second.Registrations[0].ID
			e.assertConsistent(a.ID) // the sign-ups are acknowledged: nothing pending
			before := e.outboxByTemplate(a.ID)

			d := e.startDeadlock(t, promotionCycle(tc.when == afterPrepare, a.ID, sid, waitID))
			done := inBackground(func() (activity.CancelResult, error) {
				if tc.staff {
					return e.svc.Remove(e.ctx, e.admin, regID, "场地调整")
				}
				return e.svc.Cancel(e.ctx, users[0], regID)
			})
			awaitWaiting(d, "the cancellation", "the held row", done)
			if tc.when == afterPrepare {
				// Redis was told: the promotion's seat is reserved, pending.
				e.assertSeatReserved(a.ID, sid, 2)
			}
			d.close()
			x := <-done
			if x.err != nil {
				t.Fatalf("the cancellation was refused for a deadlock it lost: %s %v", errs.CodeOf(x.err), x.err)
			}
			if len(x.res.Cancelled) != 1 || x.res.Cancelled[0].ID != regID || len(x.res.Promoted) != 1 || x.res.Promoted[0].ID != waitID {
				t.Fatalf("answer: %+v", x.res)
			}
			rows := e.registrationRows(a.ID)
			if len(rows) != 2 || rows[0].ID != regID || rows[0].Status != activity.RegCancelled ||
				rows[1].ID != waitID || rows[1].Status != activity.RegConfirmed || rows[1].PromotedAt == nil {
				t.Fatalf("registrations: %+v", rows)
			}
			e.assertConsistent(a.ID)
			e.assertOneConfirmedNoneWaiting(a.ID, sid)
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
