package redisstore_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
)

// Two processes (two stores on one Redis): a raise made by one reaches
// the other within maxAge and not before (each trusts its snapshot), the
// raising process sees it at once, Current is always fresh, and concurrent
// raises of one user are all counted.
func TestTokenVersionsSnapshot(t *testing.T) {
	ctx := t.Context()
	rdb, prefix := testenv.Redis(t)
	const maxAge = 300 * time.Millisecond
	a := redisstore.NewTokenVersions(rdb, prefix, maxAge)
	b := redisstore.NewTokenVersions(rdb, prefix, maxAge)
	version := func(s *redisstore.TokenVersions, uid int64) int64 {
		t.Helper()
		v, err := s.Version(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := version(b, 7); v != 0 {
		t.Fatalf("never raised: %d", v)
	}
	if v, err := a.Bump(ctx, 7); err != nil || v != 1 {
		t.Fatalf("bump: %d %v", v, err)
	}
	if v := version(a, 7); v != 1 {
		t.Fatalf("the raising process: %d", v)
	}
	if v := version(b, 7); v != 0 {
		t.Fatalf("the other process within maxAge trusts its snapshot: %d", v)
	}
	if v, err := b.Current(ctx, 7); err != nil || v != 1 {
		t.Fatalf("Current: %d %v", v, err)
	}
	time.Sleep(maxAge + 50*time.Millisecond)
	if v := version(b, 7); v != 1 {
		t.Fatalf("after maxAge: %d", v)
	}
	if v := version(b, 8); v != 0 {
		t.Fatalf("another user: %d", v)
	}

	var failed atomic.Bool
	fromTwo(50, a, b, func(_ int, s *redisstore.TokenVersions) {
		if _, err := s.Bump(ctx, 9); err != nil {
			failed.Store(true)
		}
	})
	if failed.Load() {
		t.Fatal("a bump failed")
	}
	if v, err := a.Current(ctx, 9); err != nil || v != 50 {
		t.Fatalf("50 concurrent raises: %d %v", v, err)
	}
	time.Sleep(maxAge + 50*time.Millisecond)
	if v := version(b, 9); v != 50 {
		t.Fatalf("snapshot after the raises: %d", v)
	}
}
