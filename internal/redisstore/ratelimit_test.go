package redisstore_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
)

// Counts from many requests at once, sent together in pipelines by two
// limiters (two processes), are each counted once: exactly the limit is
// allowed in a window, across both.
func TestLimiterExactUnderConcurrency(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	a, b := redisstore.NewLimiter(rdb, prefix), redisstore.NewLimiter(rdb, prefix)
	defer a.Close()
	defer b.Close()
	const limit, tries = 50, 400
	var allowed atomic.Int64
	fromTwo(tries, a, b, func(_ int, l *redisstore.Limiter) {
		countAllowed(t, l, limit, &allowed)
	})
	if n := allowed.Load(); n != limit {
		t.Fatalf("%d allowed of %d tries with a limit of %d", n, tries, limit)
	}
	a.Close()
	if _, err := a.Allow(t.Context(), "x", 1, time.Minute); err == nil {
		t.Fatal("a closed limiter counted")
	}
}

// countAllowed makes one attempt of account 1 against limit an hour and
// adds it to allowed when it is allowed.
func countAllowed(t *testing.T, l *redisstore.Limiter, limit int, allowed *atomic.Int64) {
	ok, err := l.Allow(t.Context(), "signup:u:1", limit, time.Hour)
	if err != nil {
		t.Error(err)
	}
	if ok {
		allowed.Add(1)
	}
}

// AllowAll checks a request against its user's limit, then its address's,
// in one round trip, as two Allow calls one after the other would: 400
// concurrent requests of 8 users from one address, from two limiters, are
// allowed exactly the address's 100 times; and, one after the other, an
// attempt refused by the user's limit is not counted against the address.
// (Under concurrency such an attempt holds one of the address's counts for
// the moment before it is taken back; the first part keeps every user
// within their limit so that the count allowed is exact.)
func TestLimiterAllowAllCountsInOrder(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	a, b := redisstore.NewLimiter(rdb, prefix), redisstore.NewLimiter(rdb, prefix)
	defer a.Close()
	defer b.Close()
	ctx := t.Context()
	const users, perUser, perIP, tries = 8, 60, 100, 400
	var allowed atomic.Int64
	byUser := make([]atomic.Int64, users)
	fromTwo(tries, a, b, func(i int, l *redisstore.Limiter) {
		u := i % users
		ok, err := l.AllowAll(ctx, []string{"signup:u:" + strconv.Itoa(u), "signup:ip:10.0.0.1"}, []int{perUser, perIP}, time.Hour)
		if err != nil {
			t.Error(err)
		}
		if ok {
			allowed.Add(1)
			byUser[u].Add(1)
		}
	})
	if n := allowed.Load(); n != perIP {
		t.Fatalf("%d allowed of %d tries: the address allows %d", n, tries, perIP)
	}
	for u := range byUser {
		if n := byUser[u].Load(); n > perUser {
			t.Fatalf("user %d allowed %d times, limit %d", u, n, perUser)
		}
	}
	// Every attempt was counted against its user: user 0 made 50.
	if ok, err := a.AllowAll(ctx, []string{"signup:u:0"}, []int{tries / users}, time.Hour); err != nil || ok {
		t.Fatalf("user 0 after %d tries is still under %d: %v, %v", tries/users, tries/users, ok, err)
	}
	// A user over their limit does not use up the address: 9 is over 1,
	// and the address (limit 2) still lets two more through.
	for i := 0; i < 3; i++ {
		ok, err := a.AllowAll(ctx, []string{"x:u:9", "x:ip:1"}, []int{1, 2}, time.Hour)
		if err != nil || ok != (i == 0) {
			t.Fatalf("user 9, try %d: allowed %v, %v", i, ok, err)
		}
	}
	for i := 0; i < 2; i++ {
		if ok, err := a.AllowAll(ctx, []string{"x:u:1" + strconv.Itoa(i), "x:ip:1"}, []int{1, 2}, time.Hour); err != nil || ok != (i == 0) {
			t.Fatalf("user 1%d: allowed %v, %v (the address had one left)", i, ok, err)
		}
	}
}

// A limiter built on a Quota sends its counts in the quota's pipelines, in
// among sign-up decisions: 400 counts from it and from a limiter of its
// own (another process), while 400 decisions run, are each counted once
// and every decision is answered. Closing the limiter leaves the quota's
// pipeline running; closing the quota stops both.
func TestLimiterSharesTheQuotaPipeline(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	q := redisstore.NewQuota(rdb, prefix)
	defer q.Close()
	shared, own := redisstore.NewLimiterWith(q, prefix), redisstore.NewLimiter(rdb, prefix)
	defer own.Close()
	const limit, tries = 50, 400
	var allowed, rebuild atomic.Int64
	fromTwo(2*tries, shared, own, func(i int, l *redisstore.Limiter) {
		if i%4 == 2 {
			// An activity Redis does not hold: the decision asks for a rebuild.
			r, err := q.Reserve(t.Context(), activity.Reservation{ActivityID: 900000 + int64(i), UserID: 1, GroupKey: "g" + strconv.Itoa(i),
				Sessions: []int64{1}, Attendees: []string{"u1"}, Now: time.Now()})
			if err != nil {
				t.Error(err)
			}
			if r.Outcome == activity.NeedsRebuild {
				rebuild.Add(1)
			}
			l = shared
		}
		countAllowed(t, l, limit, &allowed)
	})
	if n := allowed.Load(); n != limit {
		t.Fatalf("%d allowed of %d tries with a limit of %d", n, 2*tries, limit)
	}
	if n := rebuild.Load(); n != 2*tries/4 {
		t.Fatalf("%d of %d decisions answered", n, 2*tries/4)
	}
	shared.Close()
	if _, err := shared.Allow(t.Context(), "x", 1, time.Minute); err != nil {
		t.Fatalf("the quota's pipeline stopped with the limiter: %v", err)
	}
	q.Close()
	if _, err := shared.Allow(t.Context(), "x", 1, time.Minute); err == nil {
		t.Fatal("a limiter counted after its quota closed")
	}
}
