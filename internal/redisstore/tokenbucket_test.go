package redisstore_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
)

// Many takers at once, from two "processes" (two buckets on one key):
// exactly the burst is granted at once (plus what refilled meanwhile), and
// everyone else is told to wait about one refill interval or less.
func TestTokenBucketIsSharedAndExact(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	const burst = 10
	a := redisstore.NewTokenBucket(rdb, prefix, "t", 1, burst)
	b := redisstore.NewTokenBucket(rdb, prefix, "t", 1, burst)
	var granted atomic.Int64
	start := time.Now()
	fromTwo(40, a, b, func(_ int, bucket *redisstore.TokenBucket) {
		wait, err := bucket.Take(t.Context())
		if err != nil {
			t.Error(err)
			return
		}
		if wait == 0 {
			granted.Add(1)
		} else if wait > time.Second {
			t.Errorf("told to wait %v at 1 token/s", wait)
		}
	})
	refilled := int64(time.Since(start).Seconds())
	if g := granted.Load(); g < burst || g > burst+refilled {
		t.Fatalf("%d tokens granted, want %d (+%d refilled)", g, burst, refilled)
	}
	// Another bucket name is independent.
	if wait, err := redisstore.NewTokenBucket(rdb, prefix, "other", 1, 1).Take(t.Context()); err != nil || wait != 0 {
		t.Fatalf("other bucket: %v %v", wait, err)
	}
}
