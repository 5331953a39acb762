package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"gongjian/config"
)

// Issue 8's request-body limit holds on the routes it names (login,
// registration, check-in) and on the wristband webhook, whether the client
// says how long its body is or streams it (chunked): 413 BODY_TOO_LARGE
// with a Chinese message, never a 500 and never a body read without end.
func TestOversizeBodiesRefusedOnLoginSignUpCheckin(t *testing.T) {
	w, ta := newCkWorld(t)
	tok, _ := ta.login("big-body")
	big := `{"code":"` + strings.Repeat("a", 1<<20+10) + `"}`
	for _, c := range []struct{ name, path, token string }{
		{"login", "/api/v1/auth/login", ""},
		{"refresh", "/api/v1/auth/refresh", ""},
		{"sign-up", "/api/v1/registrations", tok},
		{"check-in", "/api/v1/checkins", w.staff},
		{"check-in batch", "/api/v1/checkins/batch", w.staff},
		{"self check-in", "/api/v1/self-checkins", tok},
		{"wristband webhook", "/api/v1/wristbands/webhook", ""},
	} {
		for _, chunked := range []bool{false, true} {
			var body any = big
			if chunked {
				body = io.MultiReader(strings.NewReader(big)) // length unknown: sent chunked
			}
			r := ta.do("POST", c.path, c.token, body, "Idempotency-Key", "big-body-key")
			if r.Status != 413 || r.str("code") != "BODY_TOO_LARGE" || !hasHan(r.str("message")) {
				t.Errorf("%s (chunked %v): %d %.200s, want 413 BODY_TOO_LARGE", c.name, chunked, r.Status, r.Raw)
			}
		}
	}
}

// The per-address login limit is counted in Redis too: logins of
// different users from one address through two server processes share one
// count, and the one over it is 429 RATE_LIMITED with Retry-After.
func TestLoginAddressLimitHoldsAcrossProcesses(t *testing.T) {
	a, b, _ := twoProcesses(t, func(c *config.Config) { c.Login.PerIPPerMinute = 4 })
	withinOneMinute(5 * time.Second)
	for i, p := range []*testApp{a, b, a, b} {
		if r := p.loginAnswer(fmt.Sprintf("nat-user-%d", i)); r.Status != 200 {
			t.Fatalf("login %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	for _, p := range []*testApp{a, b} {
		r := p.loginAnswer("nat-user-late")
		expectError(t, r, 429, "RATE_LIMITED")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
}
