package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/testenv"
	"gongjian/internal/wxemu"
)

// outageCall is one request a tester makes while a backing server is down.
type outageCall struct {
	name, method, path, token string
	body                      any
	headers                   []string
}

// probeOutage sends every call and checks the promise: every
// request is answered, quickly, and an error is a clear 503 (a JSON
// body with a machine code and a Chinese message), never a 500.
func probeOutage(t *testing.T, ta *testApp, what string, calls []outageCall) map[string]resp {
	t.Helper()
	hc := &http.Client{Timeout: 15 * time.Second}
	out := map[string]resp{}
	for _, c := range calls {
		start := time.Now()
		r, err := jsonhttp.Do(hc, c.method, ta.srv.URL+c.path, c.token, c.body, c.headers...)
		took := time.Since(start)
		if err != nil {
			t.Errorf("%s down: %s (%s %s): no answer after %v: %v", what, c.name, c.method, c.path, took, err)
			continue
		}
		out[c.name] = resp(r)
		t.Logf("%s down: %s: %d %s (%v)", what, c.name, r.Status, r.Str("code"), took.Round(time.Millisecond))
		switch {
		case r.Status >= 500 && r.Status != 503:
			t.Errorf("%s down: %s (%s %s): %d %s, want a clear 503", what, c.name, c.method, c.path, r.Status, r.Raw)
		case r.Status == 503 && (r.Str("code") == "" || !hasHan(r.Str("message"))):
			t.Errorf("%s down: %s: 503 without a machine code and a Chinese message: %s", what, c.name, r.Raw)
		}
		if took > 10*time.Second {
			t.Errorf("%s down: %s took %v", what, c.name, took)
		}
	}
	return out
}

// outageWorld builds what the calls need: an activity with a session
// under way soon (check-in) and one tomorrow (sign-ups), a resident
// signed up with a ticket, and staff of the host organisation.
type outageWorld struct {
	*ckWorld
	aliceTok, aliceRefresh, bobTok string
	aliceReg                       int64
	ticket                         string
}

func newOutageWorld(t *testing.T, opts ...appOption) (*outageWorld, *testApp) {
	w, ta := newCkWorld(t, opts...)
	ow := &outageWorld{ckWorld: w}
	a := ta.must(ta.loginAnswer("out-alice"), 200, "login")
	ow.aliceTok, ow.aliceRefresh = a.str("token"), a.str("refresh_token")
	w.must(ta.do("PATCH", "/api/v1/me", ow.aliceTok, map[string]any{"real_name": "张小花"}), 200)
	r := w.must(ta.do("POST", "/api/v1/registrations", ow.aliceTok, map[string]any{"session_id": w.clinicS1, "attendees": []map[string]any{{"self": true}}},
		"Idempotency-Key", testenv.RandomName("k")), 201)
	ow.aliceReg = num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
	ow.ticket = w.ticket(ow.aliceTok, ow.aliceReg)
	ow.bobTok, _ = ta.login("out-bob")
	w.must(ta.do("PATCH", "/api/v1/me", ow.bobTok, map[string]any{"real_name": "李大壮"}), 200)
	return ow, ta
}

// calls is what a tester would send during an outage: logging in and
// refreshing, browsing, one's own data, signing up (the hot path),
// cancelling, checking in at the door, and the staff's list.
func (w *outageWorld) calls(phase string) []outageCall {
	return []outageCall{
		{name: "healthz", method: "GET", path: "/healthz"},
		{name: "login", method: "POST", path: "/api/v1/auth/login", body: map[string]string{"code": wxemu.LoginCode("out-new-" + phase)}},
		{name: "refresh", method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": w.aliceRefresh}},
		{name: "communities", method: "GET", path: "/api/v1/communities"},
		{name: "activities", method: "GET", path: "/api/v1/activities"},
		{name: "activity", method: "GET", path: fmt.Sprintf("/api/v1/activities/%d", w.clinic)},
		{name: "me", method: "GET", path: "/api/v1/me", token: w.aliceTok},
		{name: "my registrations", method: "GET", path: "/api/v1/me/registrations", token: w.aliceTok},
		{name: "registration", method: "GET", path: fmt.Sprintf("/api/v1/registrations/%d", w.aliceReg), token: w.aliceTok},
		{name: "ticket", method: "GET", path: fmt.Sprintf("/api/v1/registrations/%d/ticket", w.aliceReg), token: w.aliceTok},
		{name: "messages", method: "GET", path: "/api/v1/me/messages", token: w.aliceTok},
		{name: "subscriptions", method: "POST", path: "/api/v1/subscriptions", token: w.bobTok,
			body: map[string]any{"results": map[string]string{"registration_confirmed": "accept"}}},
		{name: "sign-up", method: "POST", path: "/api/v1/registrations", token: w.bobTok,
			body:    map[string]any{"session_id": w.clinicS2, "attendees": []map[string]any{{"self": true}}},
			headers: []string{"Idempotency-Key", "out-bob-" + phase}},
		{name: "cancel", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/cancel", w.aliceReg), token: w.aliceTok},
		{name: "check-in", method: "POST", path: "/api/v1/checkins", token: w.staff, body: scanBody(w.ticket, "out-"+phase)},
		{name: "staff list", method: "GET", path: fmt.Sprintf("/api/v1/admin/activities/%d/registrations", w.clinic), token: w.staff},
	}
}

// Redis goes away in the middle of a release and comes back empty (its
// keys lost): while it is away every request is answered at once — the
// sign-up with a clear 503 UNAVAILABLE and nothing written — and
// afterwards the quota is rebuilt from MySQL, sign-ups go through and the
// seats left are right.
func TestRedisDownEveryRequestAnsweredClearly(t *testing.T) {
	if !testenv.RealRedis() {
		t.Skip("cuts the connection to a real Redis")
	}
	px := testenv.NewProxy(t, testenv.RedisAddr())
	w, ta := newOutageWorld(t, func(c *config.Config) { c.Redis.Addr = px.Addr() })
	regs := ta.count("registrations")

	px.Cut()
	got := probeOutage(t, ta, "Redis", w.calls("redis"))
	if r := got["sign-up"]; r.Status != 503 || r.str("code") != "UNAVAILABLE" {
		t.Errorf("sign-up while Redis is down: %d %s, want 503 UNAVAILABLE", r.Status, r.Raw)
	}
	if n := ta.count("registrations"); n != regs {
		t.Errorf("%d registrations written while Redis was down", n-regs)
	}
	if r := got["healthz"]; r.Status != 200 {
		t.Errorf("healthz while Redis is down: %d", r.Status)
	}
	checkReady(t, ta, "Redis", 503)
	probeOutage(t, ta, "Redis", w.everyRoute(t, false))

	// Redis comes back empty.
	ctx := context.Background()
	rdb := ta.app.redis.Client
	px.Restore()
	waitUntil(t, 20*time.Second, "Redis back", func() bool { return rdb.Ping(ctx).Err() == nil })
	keys, err := rdb.Keys(ctx, ta.app.cfg.Redis.KeyPrefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
	r := w.signUpAfter()
	checkReady(t, ta, "Redis (back)", 200)
	if s := r.Body["registrations"].([]any)[0].(map[string]any)["status"]; s != "confirmed" {
		t.Fatalf("sign-up after Redis came back: %s", r.Raw)
	}
	act := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", w.clinic), "", nil), 200)
	for _, s := range act.Body["sessions"].([]any) {
		s := s.(map[string]any)
		if num(s["id"]) == w.clinicS2 && num(s["remaining"]) != 99 {
			t.Errorf("session tomorrow after Redis came back: remaining %v, want 99 (one of 100 taken)", s["remaining"])
		}
	}
}

// MariaDB goes away and comes back: the same promise.
func TestMariaDBDownEveryRequestAnsweredClearly(t *testing.T) {
	dsn := testenv.DSN(t)
	if dsn == "" || !strings.Contains(dsn, "tcp(") {
		t.Skip("cuts the connection to a real MariaDB")
	}
	host := dsn[strings.Index(dsn, "tcp(")+4:]
	host = host[:strings.Index(host, ")")]
	px := testenv.NewProxy(t, host)
	w, ta := newOutageWorld(t, func(c *config.Config) {
		c.MySQL.DSN = strings.Replace(c.MySQL.DSN, "tcp("+host+")", "tcp("+px.Addr()+")", 1)
		c.Registration.ReconcileInterval, c.Registration.StaleAfter = time.Second, time.Second
	})
	px.Cut()
	got := probeOutage(t, ta, "MariaDB", w.calls("mariadb"))
	if r := got["sign-up"]; r.Status != 503 || r.str("code") != "UNAVAILABLE" {
		t.Errorf("sign-up while MariaDB is down: %d %s, want 503 UNAVAILABLE", r.Status, r.Raw)
	}
	checkReady(t, ta, "MariaDB", 503)
	probeOutage(t, ta, "MariaDB", w.everyRoute(t, true))
	px.Restore()
	waitUntil(t, 30*time.Second, "MariaDB back", func() bool { return ta.app.db.G.Exec("SELECT 1").Error == nil })
	w.must(ta.do("GET", "/api/v1/me", w.aliceTok, nil), 200)

	// Nothing half-written: the refused sign-up left no row, and its seat
	// (reserved in Redis before the write failed) is free again.
	remaining := func() int64 {
		act := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", w.clinic), "", nil), 200)
		for _, s := range act.Body["sessions"].([]any) {
			if s := s.(map[string]any); num(s["id"]) == w.clinicS2 {
				return num(s["remaining"])
			}
		}
		return -1
	}
	var n int64
	ta.app.db.G.Table("registrations").Where("session_id = ?", w.clinicS2).Count(&n)
	if n != 0 {
		t.Errorf("%d registrations for the session tomorrow after a sign-up refused while MariaDB was down", n)
	}
	waitUntil(t, 20*time.Second, "the seat of the refused sign-up is free again", func() bool { return remaining() == 100 })
	w.signUpAfter()
	checkReady(t, ta, "MariaDB (back)", 200)
	if r := remaining(); r != 99 {
		t.Errorf("after one sign-up: remaining %d, want 99", r)
	}
}

// signUpAfter signs Bob up for tomorrow's session once the server is
// back, retrying (with the same Idempotency-Key, as the mini-program does)
// while a pooled connection of before the outage still answers 503.
func (w *outageWorld) signUpAfter() resp {
	w.ta.t.Helper()
	var r resp
	for i := 0; i < 10; i++ {
		r = w.ta.do("POST", "/api/v1/registrations", w.bobTok, map[string]any{"session_id": w.clinicS2, "attendees": []map[string]any{{"self": true}}},
			"Idempotency-Key", "out-bob-after")
		if r.Status != 503 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	return w.must(r, 201)
}

// checkReady: the load balancer's check says whether the process can
// serve (503 while a backing server is down).
func checkReady(t *testing.T, ta *testApp, what string, want int) {
	t.Helper()
	if r := ta.do("GET", "/readyz", "", nil); r.Status != want {
		t.Errorf("readyz, %s: %d %s, want %d", what, r.Status, r.Raw, want)
	}
}

// everyRoute is every route of the OpenAPI document, called anonymously
// (and as the admin with asAdmin) with 1 for every path parameter and an
// empty JSON object as the body (of those that take one): a tester poking
// at the whole API during an outage. (With Redis down, every token is
// refused with 503 before a handler runs: only anonymous calls reach one.)
func (w *outageWorld) everyRoute(t *testing.T, asAdmin bool) []outageCall {
	var out []outageCall
	for _, route := range documentedRoutes(t) {
		method, pattern, _ := strings.Cut(route, " ")
		if pattern == "/readyz" { // a health report for the balancer: checkReady
			continue
		}
		path := authzParam.ReplaceAllString(pattern, "1")
		var body any
		if method != "GET" && method != "DELETE" {
			body = map[string]any{}
		}
		callers := map[string]string{"anon": ""}
		if asAdmin {
			callers["admin"] = w.admin
		}
		for who, tok := range callers {
			out = append(out, outageCall{name: route + " as " + who, method: method, path: path, token: tok, body: body,
				headers: []string{"Idempotency-Key", "every-route"}})
		}
	}
	return out
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}
