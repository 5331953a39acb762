package activity_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
)

// The hand-written check accepts exactly what the documented pattern does.
func TestValidIdemKeyMatchesItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_\-:.]{1,64}$`)
	cases := []string{
		"", "a", "A-b_c:d.e", "k1", strings.Repeat("x", 64), strings.Repeat("x", 65),
		"with space", "tab\t", "line\n", "key\n", "中文", "k/1", "k+1", "k=1", "k%1", "é", "0123456789", "-_:.", "a\x00b",
	}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, string([]byte{'k', c}))
	}
	for _, k := range cases {
		if got, want := activity.ValidIdemKey(k), pattern.MatchString(k); got != want {
			t.Errorf("ValidIdemKey(%q) = %v, the pattern says %v", k, got, want)
		}
	}
}

// An Idempotency-Key that Redis has forgotten is still caught by MySQL's
// unique key on the group: the batch's insert of the group fails, nothing
// of the batch is written, the seat goes back, and a different body under
// the used key is refused as a reused key.
func TestIdemKeyForgottenByRedisIsCaughtByTheGroupsKey(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{5, 0})
	uid := e.newUsers(1)[0]
	in := activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}, IdemKey: fmt.Sprintf("forgotten-%d", time.Now().UnixNano())} // Redis is shared: a key of its own
	if _, err := e.svc.Register(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	keys, err := e.rdb.Keys(e.ctx, fmt.Sprintf("*{a%d}:i:%d:%s", a.ID, uid, in.IdemKey)).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("idempotency keys in Redis: %v (%v)", keys, err)
	}
	if err := e.rdb.Del(e.ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	dep := e.dependent(uid, "王秀兰", time.Date(1948, 3, 1, 0, 0, 0, 0, cst.Zone))
	in.Attendees = []activity.AttendeeRef{{DependentID: dep}}
	_, err = e.svc.Register(e.ctx, in)
	if errs.CodeOf(err) != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("a new body under a used key: %v, want IDEMPOTENCY_KEY_REUSED", err)
	}
	if rows := e.liveRows(a.ID); len(rows) != 1 {
		t.Fatalf("live rows %v, want the first sign-up alone", rows)
	}
	e.assertConsistent(a.ID)
}

// Redis loses everything and the quota is rebuilt from MySQL: a retried
// sign-up with the first answer's Idempotency-Key gets that answer again,
// whether or not the session has filled since, and takes no second place.
// A different body under the key is still refused as a reused key.
func TestIdemReplayAfterRedisLossAndRebuild(t *testing.T) {
	type rebuildBy int
	const (
		byReconciler  rebuildBy = iota // the reconciler's pass finds the quota missing
		byReplay                       // the replay itself finds it missing
		byOtherSignup                  // another resident's sign-up finds it missing
	)
	cases := []struct {
		name    string
		places  sess
		before  int // sign-ups by others before the one with the key
		after   int // sign-ups by others after it (filling the session)
		status  string
		cancel  bool // the resident cancels the first sign-up before the others sign up
		rebuild rebuildBy
	}{
		{"confirmed, full, reconciler", sess{2, 0}, 0, 1, activity.RegConfirmed, false, byReconciler},
		{"confirmed, full, replay", sess{2, 0}, 0, 1, activity.RegConfirmed, false, byReplay},
		{"confirmed, full, other sign-up", sess{2, 0}, 0, 1, activity.RegConfirmed, false, byOtherSignup},
		{"confirmed, full with waitlist, reconciler", sess{1, 1}, 0, 1, activity.RegConfirmed, false, byReconciler},
		{"confirmed, not full, reconciler", sess{4, 0}, 0, 1, activity.RegConfirmed, false, byReconciler},
		{"confirmed then cancelled, full, replay", sess{1, 0}, 0, 1, activity.RegConfirmed, true, byReplay},
		{"confirmed then cancelled, not full, replay", sess{3, 0}, 0, 1, activity.RegConfirmed, true, byReplay},
		{"waitlisted, full, reconciler", sess{1, 2}, 1, 1, activity.RegWaitlisted, false, byReconciler},
		{"waitlisted, full, replay", sess{1, 2}, 1, 1, activity.RegWaitlisted, false, byReplay},
		{"waitlisted, not full, replay", sess{1, 4}, 1, 1, activity.RegWaitlisted, false, byReplay},
		{"waitlisted then cancelled, full, reconciler", sess{1, 1}, 1, 1, activity.RegWaitlisted, true, byReconciler},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			a, sid := e.publishOne(c.places)
			users := e.newUsers(1 + c.before + c.after + 1)
			uid, others, late := users[0], users[1:1+c.before+c.after], users[len(users)-1]
			for _, o := range others[:c.before] {
				if _, err := e.register(e.ctx, o, sid); err != nil {
					t.Fatal(err)
				}
			}
			in := activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}},
				IdemKey: fmt.Sprintf("lost-%d", time.Now().UnixNano())}
			first, err := e.svc.Register(e.ctx, in)
			if err != nil || len(first.Registrations) != 1 || first.Registrations[0].Status != c.status {
				t.Fatalf("first sign-up: %v %+v, want %s", err, first, c.status)
			}
			kept := 1
			if c.cancel {
				if _, err := e.svc.Cancel(e.ctx, uid, first.Registrations[0].ID); err != nil {
					t.Fatal(err)
				}
				kept = 0
			}
			for _, o := range others[c.before:] {
				if _, err := e.register(e.ctx, o, sid); err != nil {
					t.Fatal(err)
				}
			}
			full := c.places.capacity+c.places.wait == kept+c.before+c.after
			if _, err := e.register(e.ctx, late, sid); full != (code(err) == "QUOTA_FULL") {
				t.Fatalf("a late sign-up: %v, session full: %v", err, full)
			}
			live := e.liveRows(a.ID)
			e.assertConsistent(a.ID)

			e.flushActivity(a.ID)
			switch c.rebuild {
			case byReconciler:
				if _, err := e.svc.Reconcile(e.ctx); err != nil {
					t.Fatal(err)
				}
			case byOtherSignup:
				if _, err := e.register(e.ctx, late, sid); full != (code(err) == "QUOTA_FULL") {
					t.Fatalf("a late sign-up after the loss: %v, session full: %v", err, full)
				}
			}

			again, err := e.svc.Register(e.ctx, in)
			if err != nil {
				t.Fatalf("replay after the rebuild: %v, want the first answer", err)
			}
			if !again.Replayed || len(again.Registrations) != 1 {
				t.Fatalf("replay after the rebuild: %+v", again)
			}
			g, w := again.Registrations[0], first.Registrations[0]
			if g.ID != w.ID || g.Status != w.Status || g.WaitlistPosition != w.WaitlistPosition {
				t.Fatalf("replay answered %+v, first answer %+v", g, w)
			}
			other := in
			other.Attendees = []activity.AttendeeRef{{DependentID: e.dependent(uid, "王秀兰", time.Date(1948, 3, 1, 0, 0, 0, 0, cst.Zone))}}
			if _, err := e.svc.Register(e.ctx, other); code(err) != "IDEMPOTENCY_KEY_REUSED" {
				t.Fatalf("a new body under the key after the rebuild: %v, want IDEMPOTENCY_KEY_REUSED", err)
			}
			if got := e.liveRows(a.ID); fmt.Sprint(got) != fmt.Sprint(live) {
				t.Fatalf("live rows %v after the replay, %v before", got, live)
			}
			e.assertConsistent(a.ID)
		})
	}
}
