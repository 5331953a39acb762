package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Issue 14: the public activity list is unchanged when Redis has lost the
// quotas: every activity's remaining seats and the has_seats filter read
// the same before and after every key of the deployment is gone, and a
// sign-up afterwards (which rebuilds the quota it needs) is counted.
func TestPublicListUnchangedWhenRedisLostTheQuotas(t *testing.T) {
	w, ta := newRegWorld(t)
	open := w.activity(w.cStaf, nil) // 2 seats: one taken below
	full := w.activity(w.cStaf, nil) // 2 seats: both taken below
	for i, sid := range []int64{sessionID(open, 0), sessionID(full, 0), sessionID(full, 0)} {
		tok, _ := w.resident(fmt.Sprintf("lost-%d", i), fmt.Sprintf("居民%d", i))
		ta.must(w.register(tok, sid, nil, nil), 201, "sign-up")
	}
	list := func(q string) map[int64]int64 {
		t.Helper()
		r := ta.must(ta.do("GET", "/api/v1/activities?page_size=100"+q, "", nil), 200, "list"+q)
		out := map[int64]int64{}
		for _, it := range items(r) {
			out[num(it["id"])] = num(it["remaining"])
		}
		if num(r.Body["total"]) != int64(len(out)) {
			t.Fatalf("list%s: total %v for %d items", q, r.Body["total"], len(out))
		}
		return out
	}
	// has_seats may lag a sign-up by a moment (it is refreshed right after
	// the writers commit): wait for it before taking the picture.
	var before, seats map[int64]int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		before, seats = list(""), list("&has_seats=true")
		if len(seats) == 1 || time.Now().After(deadline) {
			break
		}
	}
	if before[num(open["id"])] != 1 || before[num(full["id"])] != 0 || len(seats) != 1 || seats[num(open["id"])] != 1 {
		t.Fatalf("before: remaining %v, with seats %v", before, seats)
	}

	ctx := context.Background()
	rdb := ta.app.redis.Client
	keys, err := rdb.Keys(ctx, ta.app.cfg.Redis.KeyPrefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no Redis keys under the test's prefix: the test would prove nothing")
	}
	if err := rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	after, seatsAfter := list(""), list("&has_seats=true")
	if fmt.Sprint(after) != fmt.Sprint(before) || fmt.Sprint(seatsAfter) != fmt.Sprint(seats) {
		t.Fatalf("after Redis lost its keys: remaining %v (was %v), with seats %v (was %v)", after, before, seatsAfter, seats)
	}

	// The next sign-up takes the last seat of the open activity.
	tok, _ := w.resident("lost-last", "居民末")
	ta.must(w.register(tok, sessionID(open, 0), nil, nil), 201, "sign-up after the loss")
	if got := list(""); got[num(open["id"])] != 0 {
		t.Fatalf("after the rebuild: remaining %v", got)
	}
}
