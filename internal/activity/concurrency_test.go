package activity_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// 500 residents sign up at once for 50 seats and 20 waitlist places.
func TestConcurrentSignUpsNeverOversell(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{50, 20})
	users := e.newUsers(500)
	codes := map[string]int{}
	positions := map[int]bool{}
	owners := map[int64]int64{} // registration id answered -> account
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, uid := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := e.register(e.ctx, uid, sid)
			mu.Lock()
			defer mu.Unlock()
			c := code(err)
			if err == nil {
				owners[res.Registrations[0].ID] = uid
				c = res.Registrations[0].Status
				if c == activity.RegWaitlisted {
					positions[res.Registrations[0].WaitlistPosition] = true
				}
			}
			codes[c]++
		}()
	}
	close(start)
	wg.Wait()
	if codes[activity.RegConfirmed] != 50 || codes[activity.RegWaitlisted] != 20 || codes["QUOTA_FULL"] != 430 {
		t.Fatalf("want 50 confirmed, 20 waitlisted, 430 QUOTA_FULL; got %v", codes)
	}
	for p := 1; p <= 20; p++ {
		if !positions[p] {
			t.Fatalf("waitlist positions are not 1..20: %v", positions)
		}
	}
	e.assertConsistent(a.ID)
	// The ids in the answers are the rows written (batched inserts).
	var rows []struct{ ID, UserID int64 }
	e.db.G.Table("registrations").Select("id, user_id").Where("activity_id = ?", a.ID).Scan(&rows)
	for _, r := range rows {
		if owners[r.ID] != r.UserID {
			t.Fatalf("registration %d belongs to %d, answered to %d", r.ID, r.UserID, owners[r.ID])
		}
	}
	if len(rows) != len(owners) {
		t.Fatalf("%d rows, %d answers", len(rows), len(owners))
	}
	// The quota does not outlive the activity for long.
	keys, _ := e.quota.ActivityKeys(e.ctx, a.ID)
	for _, k := range keys {
		if ttl := e.rdb.PTTL(e.ctx, k).Val(); ttl <= 0 || ttl > 11*24*time.Hour {
			t.Fatalf("%s expires in %v: every quota key must expire", k, ttl)
		}
	}
	if ttl := e.rdb.PTTL(e.ctx, e.quota.HashKey(a.ID)).Val(); ttl < 7*24*time.Hour {
		t.Fatalf("quota expiry %v: want a week after the last session", ttl)
	}
	if n := e.outbox("registration_confirmed", a.ID); n != 50 {
		t.Fatalf("want 50 confirmation notices in the outbox, got %d", n)
	}
	if n := e.outbox("registration_waitlisted", a.ID); n != 20 {
		t.Fatalf("want 20 waitlist notices, got %d", n)
	}
}

// Groups (the account holder with family members, and series over several
// sessions) are confirmed together, waitlisted together or refused.
func TestGroupsNeverSplit(t *testing.T) {
	e := newEnv(t, activity.Config{})
	single := e.publish(nil, sess{20, 10})
	series := e.publish(func(in *activity.ActivityInput) { in.Series = true; in.Title = "系列活动" }, sess{15, 6}, sess{12, 6}, sess{15, 6})
	users := e.newUsers(60)
	groups := make([][]activity.AttendeeRef, len(users))
	for i, uid := range users {
		groups[i] = []activity.AttendeeRef{{Self: true}}
		for j := 0; j < i%3; j++ {
			groups[i] = append(groups[i], activity.AttendeeRef{DependentID: e.dependent(uid, fmt.Sprintf("家人%d", j), time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC))})
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	answered := map[int64]activity.Registration{} // by id
	for i, uid := range users {
		for _, target := range []activity.Activity{single, series} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.register(e.ctx, uid, target.Sessions[0].ID, groups[i]...)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					outcomes[code(err)]++
					return
				}
				want := len(groups[i])
				if target.Series {
					want *= len(target.Sessions)
				}
				if len(res.Registrations) != want {
					t.Errorf("group of %d in %d sessions got %d registrations", len(groups[i]), len(target.Sessions), len(res.Registrations))
				}
				for _, r := range res.Registrations {
					if r.Status != res.Registrations[0].Status {
						t.Errorf("group split: %s and %s", r.Status, res.Registrations[0].Status)
					}
					answered[r.ID] = r
				}
				outcomes[res.Registrations[0].Status]++
			}()
		}
	}
	wg.Wait()
	if outcomes["QUOTA_FULL"] == 0 || outcomes[activity.RegConfirmed] == 0 || outcomes[activity.RegWaitlisted] == 0 {
		t.Fatalf("the test should fill seats and waitlists: %v", outcomes)
	}
	// In MySQL every group has one status.
	var rows []struct {
		GroupKey string
		N        int
	}
	e.db.G.Table("registrations").Select("group_key, COUNT(DISTINCT status) AS n").Group("group_key").Scan(&rows)
	for _, r := range rows {
		if r.N != 1 {
			t.Fatalf("group %s has %d statuses", r.GroupKey, r.N)
		}
	}
	// Every id answered is the row of that session and attendee (several
	// groups of several rows share one multi-row INSERT).
	var written []struct{ ID, SessionID, UserID, DependentID int64 }
	e.db.G.Table("registrations").Select("id, session_id, user_id, dependent_id").Scan(&written)
	if len(written) != len(answered) {
		t.Fatalf("%d rows written, %d distinct ids answered", len(written), len(answered))
	}
	for _, w := range written {
		r, ok := answered[w.ID]
		if !ok || r.SessionID != w.SessionID || r.UserID != w.UserID || r.DependentID != w.DependentID {
			t.Fatalf("row %+v was answered as %+v", w, r)
		}
	}
	e.assertConsistent(single.ID)
	e.assertConsistent(series.ID)
}

// 200 cancellations and sign-ups at once keep Redis equal to MySQL, and a
// freed seat always goes to the waitlist first.
func TestCancelRegisterMixKeepsRedisEqualToMySQL(t *testing.T) {
	for _, fault := range []string{"none", "redis flushed midway", "mysql refusing writes midway"} {
		t.Run(fault, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			var refuse func(bool)
			if fault == "mysql refusing writes midway" {
				refuse = installWriteFault(t, e)
			}
			a, sid := e.publishOne(sess{40, 30})
			first := e.newUsers(100)
			var regs []activity.Registration
			for _, uid := range first {
				res, err := e.register(e.ctx, uid, sid)
				if err == nil {
					regs = append(regs, res.Registrations[0])
				}
			}
			if len(regs) != 70 {
				t.Fatalf("setup: %d registrations", len(regs))
			}
			newcomers := e.newUsers(100)
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes := map[string]int{}
			count := func(op string, err error) {
				mu.Lock()
				codes[op+":"+code(err)]++
				mu.Unlock()
			}
			start := make(chan struct{})
			for i := 0; i < 100; i++ {
				r := regs[rand.IntN(len(regs))]
				wg.Go(func() {
					<-start
					time.Sleep(time.Duration(i%50) * 4 * time.Millisecond)
					_, err := e.svc.Cancel(e.ctx, r.UserID, r.ID)
					if code(err) == "UNAVAILABLE" && refuse == nil {
						t.Log(err)
					}
					count("cancel", err)
				})
				wg.Go(func() {
					<-start
					time.Sleep(time.Duration(i) * 8 * time.Millisecond) // many come after seats were freed
					_, err := e.register(e.ctx, newcomers[i], sid)
					count("register", err)
				})
			}
			switch fault {
			case "redis flushed midway":
				wg.Go(func() {
					<-start
					time.Sleep(100 * time.Millisecond)
					e.flushActivity(a.ID)
				})
			case "mysql refusing writes midway":
				wg.Go(func() {
					<-start
					time.Sleep(100 * time.Millisecond)
					refuse(true)
					time.Sleep(100 * time.Millisecond)
					refuse(false)
				})
			}
			close(start)
			wg.Wait()
			for k := range codes {
				switch k {
				case "cancel:OK", "cancel:ALREADY_CANCELLED", "register:OK", "register:QUOTA_FULL":
				case "cancel:UNAVAILABLE", "register:UNAVAILABLE":
					if refuse == nil {
						t.Fatalf("unexpected outcome %s: %v", k, codes)
					}
				default:
					t.Fatalf("unexpected outcome %s: %v", k, codes)
				}
			}
			e.assertConsistent(a.ID)
			mysql, _ := e.store.SessionCounts(e.ctx, []int64{a.ID})
			if c := mysql[sid]; c.Confirmed < 40 && c.Waitlisted > 0 {
				t.Fatalf("free seats while residents wait: %+v", c)
			}
			var promoted int64
			e.db.G.Table("registrations").Where("activity_id = ? AND promoted_at IS NOT NULL", a.ID).Count(&promoted)
			total := 0
			for _, n := range codes {
				total += n
			}
			if total != 200 {
				t.Fatalf("every request must be answered: %v", codes)
			}
			t.Logf("outcomes: %v", codes)
			if n := e.outbox("waitlist_promoted", a.ID); n != promoted || promoted == 0 {
				t.Fatalf("%d promoted registrations, %d promotion notices", promoted, n)
			}
		})
	}
}

// Redis loses everything: the quota is rebuilt from MySQL once, however
// many requests find it missing at the same time.
func TestRebuildExactlyOnceAfterRedisLoss(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{30, 10})
	for _, uid := range e.newUsers(25) {
		if _, err := e.register(e.ctx, uid, sid); err != nil {
			t.Fatal(err)
		}
	}
	e.assertConsistent(a.ID)
	e.flushActivity(a.ID)
	before := e.svc.Rebuilds()
	users := e.newUsers(100)
	codes := tally(len(users), func(i int) string {
		res, err := e.register(e.ctx, users[i], sid)
		if err != nil {
			return code(err)
		}
		return res.Registrations[0].Status
	}, nil)
	if got := e.svc.Rebuilds() - before; got != 1 {
		t.Fatalf("quota rebuilt %d times, want exactly once", got)
	}
	if codes[activity.RegConfirmed] != 5 || codes[activity.RegWaitlisted] != 10 || codes["QUOTA_FULL"] != 85 {
		t.Fatalf("after the rebuild: %v", codes)
	}
	e.assertConsistent(a.ID)
}

// MySQL refuses writes for a moment: every request is answered, nothing is
// oversold and no reservation is left behind.
func TestMySQLRefusingWrites(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{60, 20})
	fault := installWriteFault(t, e)
	users := e.newUsers(300)
	wave := func(uids []int64, during func()) map[string]int {
		return tally(len(uids), func(i int) string {
			_, err := e.register(e.ctx, uids[i], sid)
			return code(err)
		}, during)
	}
	// While MySQL refuses, every sign-up is answered 503 and its seat given back.
	fault(true)
	codes := wave(users[:100], nil)
	// Seats held by writes about to fail make some see the session full.
	if codes["UNAVAILABLE"] < 80 || codes["UNAVAILABLE"]+codes["QUOTA_FULL"] != 100 {
		t.Fatalf("with writes refused want every sign-up refused, got %v", codes)
	}
	e.assertConsistent(a.ID)
	fault(false)
	// MySQL refuses for a moment in the middle of a burst.
	codes = wave(users[100:], func() {
		time.Sleep(3 * time.Millisecond)
		fault(true)
		time.Sleep(15 * time.Millisecond)
		fault(false)
	})
	total := 0
	for k, n := range codes {
		total += n
		switch k {
		case "OK", "QUOTA_FULL", "UNAVAILABLE":
		default:
			t.Fatalf("unexpected outcome %s: %v", k, codes)
		}
	}
	if total != 200 {
		t.Fatalf("every request must be answered: %v", codes)
	}
	e.assertConsistent(a.ID)
	// The refused ones try again and the seats fill exactly.
	for _, uid := range users {
		if _, err := e.register(e.ctx, uid, sid); err != nil && code(err) != "ALREADY_REGISTERED" && code(err) != "QUOTA_FULL" {
			t.Fatalf("retry: %v", err)
		}
	}
	mysql, _ := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if c := mysql[sid]; c.Confirmed != 60 || c.Waitlisted != 20 {
		t.Fatalf("after retries: %+v", c)
	}
	e.assertConsistent(a.ID)
}

// installWriteFault adds triggers that refuse new sign-ups and changes of
// registrations while the fault is on (this test's database only).
func installWriteFault(t *testing.T, e *env) func(on bool) {
	t.Helper()
	return installFault(t, e, "write_fault", "writes refused", "INSERT ON registration_groups", "UPDATE ON registrations")
}

// installFault adds triggers that refuse the statements (such as "INSERT
// ON outbox") with message while the fault is on; table holds the switch.
func installFault(t *testing.T, e *env, table, message string, statements ...string) func(on bool) {
	t.Helper()
	g := e.db.G
	must := func(sql string) {
		if err := g.Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	must("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY)")
	for _, on := range statements {
		name := "refuse_" + strings.Fields(on)[0] + "_" + strings.Fields(on)[2]
		if e.db.Dialect == "mysql" {
			must(`CREATE TRIGGER ` + name + ` BEFORE ` + on + ` FOR EACH ROW
BEGIN IF (SELECT COUNT(*) FROM ` + table + `) > 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '` + message + `'; END IF; END`)
		} else {
			must(`CREATE TRIGGER ` + name + ` BEFORE ` + on + `
BEGIN SELECT RAISE(ABORT, '` + message + `') WHERE EXISTS (SELECT 1 FROM ` + table + `); END`)
		}
	}
	return func(on bool) {
		if on {
			must("INSERT INTO " + table + " (id) VALUES (1)")
		} else {
			must("DELETE FROM " + table)
		}
	}
}

// Clients hanging up at any moment never undo a committed registration.
func TestClientHangUpNeverUndoesCommittedRows(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{80, 20})
	users := e.newUsers(200)
	codes := tally(len(users), func(i int) string {
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		if i%4 != 0 { // a quarter never hang up
			go func() {
				time.Sleep(time.Duration(i%40) * 500 * time.Microsecond)
				cancel()
			}()
		}
		_, err := e.register(ctx, users[i], sid)
		if code(err) != "OK" && code(err) != "QUOTA_FULL" && code(err) != "CANCELLED" {
			t.Errorf("unexpected answer: %v", err)
		}
		return code(err)
	}, nil)
	t.Logf("outcomes: %v", codes)
	e.assertConsistent(a.ID)
	mysql, _ := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if c := mysql[sid]; c.Confirmed+c.Waitlisted == 0 {
		t.Fatal("nothing was registered")
	}
}

// The process dies between the Redis reservation and the MySQL write: the
// reconciler finds the orphan once it is stale and repairs Redis from MySQL.
func TestReconcilerRepairsOrphanReservation(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{3, 0})
	users := e.newUsers(4)
	if _, err := e.register(e.ctx, users[0], sid); err != nil {
		t.Fatal(err)
	}
	// Reserve two seats the way Register does, then "die" before writing.
	for _, uid := range users[1:3] {
		res, err := e.quota.Reserve(e.ctx, activity.Reservation{ActivityID: a.ID, UserID: uid, GroupKey: fmt.Sprintf("%032d", uid),
			Sessions: []int64{sid}, Attendees: []string{activity.AttendeeKey(uid, 0)}, Now: time.Now()})
		if err != nil || res.Outcome != activity.Reserved {
			t.Fatalf("reserve: %v %+v", err, res)
		}
	}
	if _, err := e.register(e.ctx, users[3], sid); code(err) != "QUOTA_FULL" {
		t.Fatalf("orphans hold the seats, want QUOTA_FULL: %v", err)
	}
	// Fresh orphans look like writes in flight: left alone.
	rep, err := e.svc.Reconcile(e.ctx)
	if err != nil || len(rep.Drift) != 0 || rep.Busy != 1 {
		t.Fatalf("young reservations must be left alone: %+v %v", rep, err)
	}
	e.offset.Store(int64(31 * time.Second))
	rep, err = e.svc.Reconcile(e.ctx)
	if err != nil || rep.Drift["orphan"] != 1 {
		t.Fatalf("want one orphan repair: %+v %v", rep, err)
	}
	e.assertConsistent(a.ID)
	if _, err := e.register(e.ctx, users[3], sid); err != nil {
		t.Fatalf("after repair the seat is free again: %v", err)
	}
	e.assertConsistent(a.ID)
	// Counts tampered with (drift) are found and repaired too.
	if err := e.rdb.HIncrBy(e.ctx, e.quota.HashKey(a.ID), fmt.Sprintf("n:%d", sid), -5).Err(); err != nil {
		t.Fatal(err)
	}
	rep, err = e.svc.Reconcile(e.ctx)
	if err != nil || rep.Drift["count"] != 1 || rep.Seats != 5 {
		t.Fatalf("want one count repair of 5 seats: %+v %v", rep, err)
	}
	e.assertConsistent(a.ID)
	rep, _ = e.svc.Reconcile(e.ctx)
	if len(rep.Drift) != 0 {
		t.Fatalf("nothing left to repair: %+v", rep)
	}
}
