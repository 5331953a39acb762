package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	var wg sync.WaitGroup
	for i := range tries {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Go(func() {
			ok, err := l.Allow(context.Background(), "signup:u:1", limit, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != limit {
		t.Fatalf("%d allowed of %d tries with a limit of %d", n, tries, limit)
	}
	a.Close()
	if _, err := a.Allow(context.Background(), "x", 1, time.Minute); err == nil {
		t.Fatal("a closed limiter counted")
	}
}
