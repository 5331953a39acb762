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
