package main

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gongjian/config"
)

// The registrations of one group are written in one multi-row INSERT; their
// ids are read back, not assumed consecutive: on multi-primary MySQL
// (auto_increment_increment > 1) every attendee still gets their own row.
func TestGroupSignUpIdsWithAutoIncrementIncrement(t *testing.T) {
	w, _ := newRegWorld(t, func(c *config.Config) {
		if c.MySQL.DSN == "" {
			t.Skip("auto_increment_increment is a MySQL setting")
		}
		sep := "?"
		if strings.Contains(c.MySQL.DSN, "?") {
			sep = "&"
		}
		c.MySQL.DSN += sep + "auto_increment_increment=3&auto_increment_offset=2"
	})
	act := w.activity(w.admin, func(b map[string]any) {
		b["sessions"].([]map[string]any)[0]["capacity"] = 5
	})
	tok, _ := w.resident("mother", "李梅")
	kids := []int64{w.child(tok, "小明", 8), w.child(tok, "小红", 9)}
	r := w.register(tok, sessionID(act, 0), []map[string]any{{"self": true}, {"dependent_id": kids[0]}, {"dependent_id": kids[1]}}, nil)
	if r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	regs := r.Body["registrations"].([]any)
	if len(regs) != 3 {
		t.Fatalf("registrations %s", r.Raw)
	}
	for _, x := range regs {
		reg := x.(map[string]any)
		dep := num(reg["attendee"].(map[string]any)["dependent_id"])
		got := w.ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", num(reg["id"])), tok, nil)
		if got.Status != 200 || num(got.Body["attendee"].(map[string]any)["dependent_id"]) != dep {
			t.Fatalf("registration %v answered for dependent %d, read back as %d %s", reg["id"], dep, got.Status, got.Raw)
		}
	}
}

// /metrics is served only to the configured addresses (loopback by
// default), judged by the connection's own address: a forwarded header
// cannot open it.
func TestMetricsOnlyForConfiguredAddresses(t *testing.T) {
	ta := newTestApp(t)
	get := func(remote string, header ...string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		ta.app.handler.ServeHTTP(rec, req)
		return rec.Code
	}
	if c := get("127.0.0.1:5555"); c != 200 {
		t.Fatalf("loopback: %d", c)
	}
	if c := get("203.0.113.7:5555"); c != 404 {
		t.Fatalf("a public address read /metrics: %d", c)
	}
	if c := get("203.0.113.7:5555", "X-Forwarded-For", "127.0.0.1", "X-Real-Ip", "127.0.0.1"); c != 404 {
		t.Fatalf("a forged header opened /metrics: %d", c)
	}
	// A reverse proxy on the same host (the server listens on loopback by
	// default) forwards the public: a forwarded request is judged by the
	// client it was forwarded for, never by the proxy's address.
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip"} {
		if c := get("127.0.0.1:5555", h, "203.0.113.7"); c != 404 {
			t.Fatalf("a public client through a local proxy (%s) read /metrics: %d", h, c)
		}
	}
	behind := newTestApp(t, func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.1"}
		c.HTTP.MetricsAllow = []string{"10.1.2.0/24"}
	})
	for xff, want := range map[string]int{"203.0.113.7": 404, "10.1.2.9": 200} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr, req.Header["X-Forwarded-For"] = "127.0.0.1:5555", []string{xff}
		rec := httptest.NewRecorder()
		behind.app.handler.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("forwarded for %s by a trusted proxy: %d, want %d", xff, rec.Code, want)
		}
	}
	scraper := newTestApp(t, func(c *config.Config) { c.HTTP.MetricsAllow = []string{"10.1.2.0/24"} })
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.RemoteAddr = "10.1.2.9:9100"
	rec := httptest.NewRecorder()
	scraper.app.handler.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("the configured scraper: %d", rec.Code)
	}
}

// A morning's crowd opening the mini-program behind one carrier NAT address
// is not refused: the per-address login limit is the sign-up one (3000 a
// minute by default), not 60.
func TestLoginLimitPerAddressFitsCarrierNAT(t *testing.T) {
	def := config.Defaults()
	if def.Login.PerIPPerMinute < def.Limits.RegistrationPerIP {
		t.Fatalf("login per address %d < sign-up per address %d", def.Login.PerIPPerMinute, def.Limits.RegistrationPerIP)
	}
	ta := newTestApp(t, func(c *config.Config) { c.Login.PerIPPerMinute = def.Login.PerIPPerMinute })
	for i := 0; i < 120; i++ {
		if r := ta.loginAnswer(fmt.Sprintf("nat-%d", i)); r.Status != 200 {
			t.Fatalf("login %d from one address: %d %s", i+1, r.Status, r.Raw)
		}
	}
	// The limit still holds where it is set.
	small := newTestApp(t, func(c *config.Config) { c.Login.PerIPPerMinute = 3 })
	for i := 0; i < 4; i++ {
		r := small.loginAnswer(fmt.Sprintf("few-%d", i))
		if i < 3 && r.Status != 200 || i == 3 && r.Status != 429 {
			t.Fatalf("login %d with a limit of 3: %d %s", i+1, r.Status, r.Raw)
		}
	}
}

// Revocation takes effect on every process within security.revocation_delay:
// a reused refresh token ends the login's access tokens, and so does
// revoking a staff role; a refresh then carries on under the new version.
func TestRevocationReachesEveryProcess(t *testing.T) {
	var cfg config.Config
	ta := newTestApp(t, func(c *config.Config) { c.Security.RevocationDelay = time.Second; cfg = *c })
	tb := startApp(t, cfg, ta.appID) // another process of the same deployment
	login := func(name string) (access, refresh string) {
		r := ta.loginAnswer(name)
		if r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Raw)
		}
		return r.str("token"), r.str("refresh_token")
	}
	access, refresh := login("alice")
	if r := tb.do("GET", "/api/v1/me", access, nil); r.Status != 200 {
		t.Fatalf("the token on the other process: %d %s", r.Status, r.Raw)
	}
	// Somebody replays a rotated refresh token: the login is revoked.
	if r := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}); r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}), 401, "REFRESH_TOKEN_REUSED")
	time.Sleep(1100 * time.Millisecond)
	expectError(t, tb.do("GET", "/api/v1/me", access, nil), 401, "TOKEN_REVOKED")
	expectError(t, ta.do("GET", "/api/v1/me", access, nil), 401, "TOKEN_REVOKED")

	// A staff member loses the role: the tokens they hold die everywhere.
	admin, adminID := ta.login("admin")
	ta.grantID(adminID, "admin", 0)
	community := num(ta.do("POST", "/api/v1/admin/communities", admin, map[string]string{"name": "阳光社区"}).Body["id"])
	staffAccess, staffRefresh := login("staff")
	me := tb.do("GET", "/api/v1/me", staffAccess, nil)
	ta.grantID(num(me.Body["id"]), "staff", community)
	if r := tb.do("GET", "/api/v1/admin/hours/claims", staffAccess, nil); r.Status != 200 {
		t.Fatalf("staff on the other process: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("DELETE", fmt.Sprintf("/api/v1/admin/users/%d/roles", num(me.Body["id"])), admin, map[string]any{"role": "staff", "community_id": community}); r.Status != 200 {
		t.Fatalf("revoke role: %d %s", r.Status, r.Raw)
	}
	time.Sleep(1100 * time.Millisecond)
	expectError(t, tb.do("GET", "/api/v1/me", staffAccess, nil), 401, "TOKEN_REVOKED")
	r := tb.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": staffRefresh})
	if r.Status != 200 {
		t.Fatalf("refresh after the revocation: %d %s", r.Status, r.Raw)
	}
	if got := tb.do("GET", "/api/v1/me", r.str("token"), nil); got.Status != 200 {
		t.Fatalf("the new token: %d %s", got.Status, got.Raw)
	}
	expectError(t, tb.do("GET", "/api/v1/admin/hours/claims", r.str("token"), nil), 403, "FORBIDDEN")
}
