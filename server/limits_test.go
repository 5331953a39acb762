package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/testenv"
)

// withinOneMinute waits for the next clock minute when less than need is
// left of this one, so that the next need of the test runs within one
// clock minute (limits count per clock minute).
func withinOneMinute(need time.Duration) {
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < need {
		time.Sleep(left)
	}
}

// twoProcesses starts two server processes of one deployment (the same
// database, the same Redis), configured by opt, and returns their
// configuration; without a real Redis the test is skipped, as the embedded
// one is per process.
func twoProcesses(t *testing.T, opt appOption) (a, b *testApp, cfg config.Config) {
	t.Helper()
	if !testenv.RealRedis() {
		t.Skip("two processes share limits through a real Redis; the embedded one is per process")
	}
	a = newTestApp(t, func(c *config.Config) {
		opt(c)
		cfg = *c
	})
	return a, startApp(t, cfg, a.appID), cfg
}

// Sign-up limits are counted in Redis: two server processes of one
// deployment share them. Over the per-account limit an account gets 429
// RATE_LIMITED with Retry-After, other accounts go on; over the per-address
// limit every account from that address is refused. A forged
// X-Forwarded-For does not give a fresh address unless it comes from a
// trusted load balancer.
func TestSignUpLimitsHoldAcrossProcesses(t *testing.T) {
	// b is a second process: same database, same Redis.
	a, b, cfg := twoProcesses(t, func(c *config.Config) { c.Limits = config.Limits{RegistrationPerUser: 3, RegistrationPerIP: 8} })
	procs := []*testApp{a, b}
	// The limits count per clock minute: start where the test ends within one.
	withinOneMinute(10 * time.Second)
	try := func(p *testApp, tok string, headers ...string) resp {
		t.Helper()
		return p.do("POST", "/api/v1/registrations", tok, map[string]any{"session_id": 999999, "attendees": []map[string]any{{"self": true}}},
			append([]string{"Idempotency-Key", fmt.Sprintf("k%d", regKey.Add(1))}, headers...)...)
	}
	alice, _ := a.login("alice")
	for i := 0; i < 3; i++ {
		expectError(t, try(procs[i%2], alice), 404, "SESSION_NOT_FOUND")
	}
	r := try(b, alice)
	expectError(t, r, 429, "RATE_LIMITED")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	expectError(t, a.do("POST", "/api/v1/registrations/1/cancel", alice, map[string]any{}), 429, "RATE_LIMITED")
	// Another account goes on, until the address has used its 8.
	bob, _ := b.login("bob")
	for i := 0; i < 3; i++ {
		expectError(t, try(procs[i%2], bob), 404, "SESSION_NOT_FOUND")
	}
	// (refused requests are not counted against the address)
	carol, _ := a.login("carol")
	expectError(t, try(a, carol), 404, "SESSION_NOT_FOUND")                                   // 7th from 127.0.0.1
	expectError(t, try(b, carol, "X-Forwarded-For", "203.0.113.7"), 404, "SESSION_NOT_FOUND") // 8th
	// A forged header does not give a fresh address.
	expectError(t, try(b, carol, "X-Forwarded-For", "203.0.113.8"), 429, "RATE_LIMITED")

	// Behind a trusted load balancer the forwarded address counts.
	lb := cfg
	lb.HTTP.TrustedProxies = []string{"127.0.0.1"}
	c := startApp(t, lb, a.appID)
	dave, _ := c.login("dave")
	expectError(t, try(c, dave, "X-Forwarded-For", "203.0.113.9"), 404, "SESSION_NOT_FOUND")
	expectError(t, try(c, dave), 429, "RATE_LIMITED")
}

// Slow clients are cut off: one that sends its headers a byte at a time
// (slow loris) and one that trickles its body, while a normal client on
// another connection is served.
func TestSlowClientsAreCutOff(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) {
		c.HTTP.ReadHeaderTimeout = 300 * time.Millisecond
		c.HTTP.ReadTimeout = time.Second
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ta.app.serveOn(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := ln.Addr().String()

	// trickle writes head at once, then tail one byte per 100 ms, and
	// reports how much of tail was written when the server hung up.
	trickle := func(head, tail string) (int, string) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		closed := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(conn) // returns when the server closes
			closed <- string(b)
		}()
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(tail); i++ {
			select {
			case answer := <-closed:
				return i, answer
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{tail[i]}); err != nil {
				return i, <-closed
			}
		}
		return len(tail), <-closed
	}

	headers := "X-Slow: " + strings.Repeat("a", 50) + "\r\n\r\n"
	if sent, _ := trickle("GET /api/v1/communities HTTP/1.1\r\nHost: gongjian\r\n", headers); sent == len(headers) {
		t.Fatal("a client sending its headers for 5 s was not cut off")
	}
	body := `{"code":"` + strings.Repeat("x", 60) + `"}`
	sent, answer := trickle(fmt.Sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: gongjian\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)), body)
	if sent == len(body) {
		t.Fatal("a client trickling its body for 6 s was not cut off")
	}
	if strings.Contains(answer, " 200 ") || strings.Contains(answer, " 500 ") {
		t.Fatalf("a cut-off body was answered %q", answer)
	}

	// A normal client is served meanwhile.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: gongjian\r\n\r\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(line, "200") {
		t.Fatalf("healthz: %q", line)
	}
}

// Check-in scans (single, batch and self check-in share one count) are
// limited per account too: a runaway scanner gets 429, another checker
// at the same door goes on.
func TestCheckinLimits(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Limits = config.Limits{CheckinPerUser: 3} })
	withinOneMinute(5 * time.Second)
	checker, _ := ta.login("checker")
	for _, p := range []string{"/api/v1/checkins", "/api/v1/checkins/batch", "/api/v1/self-checkins"} {
		if r := ta.do("POST", p, checker, `{"ticket":1}`); r.Status != 400 {
			t.Fatalf("%s: %d %s", p, r.Status, r.Raw)
		}
	}
	expectError(t, ta.do("POST", "/api/v1/checkins", checker, `{"ticket":"x"}`), 429, "RATE_LIMITED")
	other, _ := ta.login("other-checker")
	if r := ta.do("POST", "/api/v1/checkins", other, `{"ticket":1}`); r.Status != 400 {
		t.Fatalf("another checker: %d %s", r.Status, r.Raw)
	}
}

// The per-address check-in limit is counted in Redis too: scans from one
// address through two server processes, by two checkers, share one count.
func TestCheckinAddressLimitHoldsAcrossProcesses(t *testing.T) {
	a, b, _ := twoProcesses(t, func(c *config.Config) { c.Limits = config.Limits{CheckinPerIP: 4} })
	withinOneMinute(5 * time.Second)
	one, _ := a.login("door-1")
	two, _ := b.login("door-2")
	for i, p := range []*testApp{a, b, a, b} {
		tok := []string{one, two}[i/2]
		if r := p.do("POST", "/api/v1/checkins", tok, `{"ticket":1}`); r.Status != 400 {
			t.Fatalf("scan %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	expectError(t, a.do("POST", "/api/v1/checkins", two, `{"ticket":1}`), 429, "RATE_LIMITED")
	expectError(t, b.do("POST", "/api/v1/self-checkins", one, `{"ticket":1}`), 429, "RATE_LIMITED")
}

// The per-account login limit is counted in Redis: one WeChat user logging
// in through two server processes is refused (429 RATE_LIMITED with
// Retry-After) after login.per_user_per_minute logins, while another user
// from the same address goes on.
func TestLoginAccountLimitHoldsAcrossProcesses(t *testing.T) {
	a, b, _ := twoProcesses(t, func(c *config.Config) { c.Login.PerUserPerMinute = 3 })
	withinOneMinute(5 * time.Second)
	for i, p := range []*testApp{a, b, a} {
		if r := p.loginAnswer("lina"); r.Status != 200 {
			t.Fatalf("login %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r := b.loginAnswer("lina")
	expectError(t, r, 429, "RATE_LIMITED")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if r := a.loginAnswer("mei"); r.Status != 200 {
		t.Fatalf("another user: %d %s", r.Status, r.Raw)
	}
}

// A sign-up refused before it reaches the registrar (no Idempotency-Key, a
// body that does not decode) still counts against the account's limit.
func TestRefusedSignUpsAreCounted(t *testing.T) {
	if !testenv.RealRedis() {
		t.Skip("limits are counted in a real Redis")
	}
	a := newTestApp(t, func(c *config.Config) { c.Limits = config.Limits{RegistrationPerUser: 2} })
	withinOneMinute(5 * time.Second)
	erin, _ := a.login("erin")
	expectError(t, a.do("POST", "/api/v1/registrations", erin, map[string]any{"session_id": 1, "attendees": []map[string]any{{"self": true}}}), 400, "IDEMPOTENCY_KEY_REQUIRED")
	expectError(t, a.do("POST", "/api/v1/registrations", erin, `{"session_id":`, "Idempotency-Key", "bad-body"), 400, "BAD_JSON")
	expectError(t, a.do("POST", "/api/v1/registrations", erin, `{"session_id":`, "Idempotency-Key", "bad-body-2"), 429, "RATE_LIMITED")
}
