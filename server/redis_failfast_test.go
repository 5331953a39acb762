package main

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/testenv"
)

// redisDownBound is how long the first sign-up or check-in after Redis
// went away may take to be refused. The client fails over in tens of
// milliseconds (one retry, one dial each, redisstore.Open); the bound
// leaves a wide margin for a loaded 2-core machine under -race. Before,
// go-redis's defaults (3 retries × 5 dials 100 ms apart) took ≈1.7 s.
const redisDownBound = 1200 * time.Millisecond

// When Redis goes away, a sign-up and a check-in (each the first call to
// meet the dead connections) are refused with 503 UNAVAILABLE at once,
// not after the client's retries and dial back-offs.
func TestRedisDownFailsFast(t *testing.T) {
	if !testenv.RealRedis() {
		t.Skip("cuts the connection to a real Redis")
	}
	px := testenv.NewProxy(t, testenv.RedisAddr())
	w, ta := newOutageWorld(t, func(c *config.Config) { c.Redis.Addr = px.Addr() })
	hc := &http.Client{Timeout: 15 * time.Second}
	timed := func(what string, c outageCall, ok ...int) time.Duration {
		t.Helper()
		start := time.Now()
		r, err := jsonhttp.Do(hc, c.method, ta.srv.URL+c.path, c.token, c.body, c.headers...)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if (r.Status != 503 || r.Str("code") != "UNAVAILABLE") && !slices.Contains(ok, r.Status) {
			t.Errorf("%s while Redis is down: %d %s, want 503 UNAVAILABLE", what, r.Status, r.Raw)
		}
		t.Logf("%s while Redis is down: %d %s in %v", what, r.Status, r.Str("code"), took.Round(time.Millisecond))
		if took > redisDownBound {
			t.Errorf("%s while Redis is down took %v, want under %v", what, took.Round(time.Millisecond), redisDownBound)
		}
		return took
	}
	back := func() {
		t.Helper()
		px.Restore()
		ctx := context.Background()
		waitUntil(t, 20*time.Second, "Redis back", func() bool { return ta.app.redis.Client.Ping(ctx).Err() == nil })
		w.must(ta.do("GET", "/api/v1/me", w.bobTok, nil), 200)
	}
	calls := map[string]outageCall{}
	for _, c := range w.calls("fast") {
		calls[c.name] = c
	}

	px.Cut()
	timed("sign-up", calls["sign-up"])
	back()
	px.Cut()
	// A check-in may go through on MySQL alone (200) or be refused (503).
	timed("check-in", calls["check-in"], 200)
	back()
	// Redis works again at once: a pooled connection cut before is
	// retried once on a new one.
	w.signUpAfter()
}
