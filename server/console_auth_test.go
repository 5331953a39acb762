package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/resident"
)

// browser is a console user's browser: it keeps cookies and sends the
// CSRF token it was given on every change (unless csrf is cleared).
type browser struct {
	ta   *testApp
	c    *http.Client
	csrf string
}

func (ta *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{ta: ta, c: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path string, body any, headers ...string) resp {
	b.ta.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.ta.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.ta.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// cookie returns the Set-Cookie header of name in r ("" when none).
func setCookie(r resp, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// devConsole turns the development login on (these tests use an outside
// fake WeChat, where it is off by default).
func devConsole(c *config.Config) { c.Console.DevLogin = "on" }

// staffUser logs name in on the phone and makes them staff of a new community.
func (ta *testApp) staffUser(name string) (string, int64) {
	ta.t.Helper()
	tok, id := ta.login(name)
	comm, err := ta.app.residents.AddCommunity(ta.t.Context(), name+"社区", "")
	if err != nil {
		ta.t.Fatal(err)
	}
	if _, err := ta.app.residents.GrantRole(ta.t.Context(), 0, id, resident.RoleChange{Role: "staff", CommunityID: comm.ID}); err != nil {
		ta.t.Fatal(err)
	}
	return tok, id
}

// qrLogin runs the whole QR login of b as the phone user token.
func (b *browser) qrLogin(phoneToken string) resp {
	t := b.ta.t
	t.Helper()
	start := b.do("POST", "/api/v1/console/login/qr", nil)
	if start.Status != 201 || !strings.HasPrefix(start.str("image"), "data:image/jpeg;base64,") {
		t.Fatalf("start: %d %s", start.Status, start.Raw)
	}
	ticket := start.str("ticket")
	b.ta.must(b.ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", phoneToken, nil), 200, "confirm")
	r := b.do("GET", "/api/v1/console/login/qr", nil)
	if r.Status != 200 || r.str("status") != "confirmed" {
		t.Fatalf("poll: %d %s", r.Status, r.Raw)
	}
	s := r.Body["session"].(map[string]any)
	b.csrf = s["csrf_token"].(string)
	return r
}

func (ta *testApp) must(r resp, status int, what string) resp {
	ta.t.Helper()
	if r.Status != status {
		ta.t.Fatalf("%s: want %d, got %d %s", what, status, r.Status, r.Raw)
	}
	return r
}

func TestConsoleQRLogin(t *testing.T) {
	ta := newTestApp(t)
	staffTok, staffID := ta.staffUser("qr-staff")
	residentTok, _ := ta.login("qr-resident")
	b := ta.browser()

	start := ta.must(b.do("POST", "/api/v1/console/login/qr", nil), 201, "start")
	ticket := start.str("ticket")
	qc := setCookie(start, "gj_console_qr")
	if qc == nil || !qc.HttpOnly || qc.SameSite != http.SameSiteStrictMode {
		t.Fatalf("binding cookie: %+v", qc)
	}
	// The code is a real wxacode made through WeChat for the login page and scene.
	if got := ta.must(b.do("GET", "/api/v1/console/login/qr", nil), 200, "poll").str("status"); got != "waiting" {
		t.Fatalf("status %q, want waiting", got)
	}
	// A resident cannot let a browser in.
	expectError(t, ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", residentTok, nil), 403, "CONSOLE_FORBIDDEN")
	scan := ta.must(ta.do("POST", "/api/v1/console/qr/"+ticket+"/scan", staffTok, nil), 200, "scan")
	if scan.str("ip") == "" {
		t.Fatalf("the phone is not told where the login was asked: %s", scan.Raw)
	}
	if p := ta.must(b.do("GET", "/api/v1/console/login/qr", nil), 200, "poll"); p.str("status") != "scanned" || p.str("nickname") == "" {
		t.Fatalf("after the scan: %s", p.Raw)
	}
	// Another staff member cannot take over a code someone scanned.
	otherTok, _ := ta.staffUser("qr-other-staff")
	expectError(t, ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", otherTok, nil), 409, "QR_ALREADY_USED")

	// Another browser without the binding cookie learns nothing and gets no session.
	thief := ta.browser()
	expectError(t, thief.do("GET", "/api/v1/console/login/qr", nil), 404, "QR_NOT_FOUND")

	ta.must(ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", staffTok, nil), 200, "confirm")
	expectError(t, thief.do("GET", "/api/v1/console/login/qr", nil), 404, "QR_NOT_FOUND")
	p := ta.must(b.do("GET", "/api/v1/console/login/qr", nil), 200, "poll")
	if p.str("status") != "confirmed" {
		t.Fatalf("after confirm: %s", p.Raw)
	}
	sc := setCookie(p, "gj_console")
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Value == "" {
		t.Fatalf("session cookie: %+v", sc)
	}
	sess := p.Body["session"].(map[string]any)
	if sess["csrf_token"] == "" || int64(sess["user"].(map[string]any)["id"].(float64)) != staffID {
		t.Fatalf("session: %s", p.Raw)
	}
	// The code is spent: a second poll (or the same code again) gives nothing.
	expectError(t, b.do("GET", "/api/v1/console/login/qr", nil), 404, "QR_NOT_FOUND")
	expectError(t, ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", staffTok, nil), 404, "QR_NOT_FOUND")
	me := ta.must(b.do("GET", "/api/v1/console/session", nil), 200, "session")
	if me.Body["scope"].(map[string]any)["level"] != "community" {
		t.Fatalf("scope: %s", me.Raw)
	}
	// The cookie works on the staff API the mini-program uses too.
	ta.must(b.do("GET", "/api/v1/admin/activities", nil), 200, "admin list by cookie")

	// Refused and expired codes.
	b2 := ta.browser()
	t2 := ta.must(b2.do("POST", "/api/v1/console/login/qr", nil), 201, "start").str("ticket")
	ta.must(ta.do("POST", "/api/v1/console/qr/"+t2+"/refuse", staffTok, nil), 200, "refuse")
	if s := ta.must(b2.do("GET", "/api/v1/console/login/qr", nil), 200, "poll").str("status"); s != "refused" {
		t.Fatalf("refused code: %s", s)
	}
	expectError(t, ta.do("POST", "/api/v1/console/qr/"+t2+"/confirm", staffTok, nil), 409, "QR_ALREADY_USED")
}

func TestConsoleQRExpires(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Console.QRTTL = 10 * time.Second })
	staffTok, _ := ta.staffUser("qr-late")
	b := ta.browser()
	ticket := ta.must(b.do("POST", "/api/v1/console/login/qr", nil), 201, "start").str("ticket")
	time.Sleep(10*time.Second + 100*time.Millisecond)
	if s := ta.must(b.do("GET", "/api/v1/console/login/qr", nil), 200, "poll").str("status"); s != "expired" {
		t.Fatalf("status %q, want expired", s)
	}
	expectError(t, ta.do("POST", "/api/v1/console/qr/"+ticket+"/confirm", staffTok, nil), 409, "QR_EXPIRED")
}

func TestConsoleCookieAuthAndCSRF(t *testing.T) {
	ta := newTestApp(t)
	staffTok, _ := ta.staffUser("csrf-staff")
	b := ta.browser()
	expectError(t, b.do("GET", "/api/v1/console/session", nil), 401, "UNAUTHENTICATED")
	b.qrLogin(staffTok)
	token := b.csrf

	// A change without the token, or with another one, is refused; reads need none.
	b.csrf = ""
	expectError(t, b.do("PATCH", "/api/v1/me", map[string]any{"nickname": "新名字"}), 403, "CSRF_TOKEN_INVALID")
	expectError(t, b.do("PATCH", "/api/v1/me", map[string]any{"nickname": "新名字"}, "X-CSRF-Token", "forged"), 403, "CSRF_TOKEN_INVALID")
	expectError(t, b.do("POST", "/api/v1/console/logout", nil), 403, "CSRF_TOKEN_INVALID")
	ta.must(b.do("GET", "/api/v1/me", nil), 200, "read without token")
	if me := ta.must(b.do("GET", "/api/v1/me", nil), 200, "me"); me.str("nickname") == "新名字" {
		t.Fatal("a change without the CSRF token went through")
	}
	b.csrf = token
	if me := ta.must(b.do("PATCH", "/api/v1/me", map[string]any{"nickname": "新名字"}), 200, "with token"); me.str("nickname") != "新名字" {
		t.Fatalf("change: %s", me.Raw)
	}
	// The token of one session does not work for another.
	b2 := ta.browser()
	b2.qrLogin(staffTok)
	b2.csrf = token
	expectError(t, b2.do("PATCH", "/api/v1/me", map[string]any{"nickname": "别的"}), 403, "CSRF_TOKEN_INVALID")

	// Logout ends the session at once.
	b.csrf = token
	r := ta.must(b.do("POST", "/api/v1/console/logout", nil), 204, "logout")
	if c := setCookie(r, "gj_console"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("logout keeps the cookie: %+v", c)
	}
	expectError(t, b.do("GET", "/api/v1/console/session", nil), 401, "UNAUTHENTICATED")
}

func TestConsoleSessionEnds(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) {
		c.Console.IdleTimeout = 2 * time.Second
		c.Console.MaxLifetime = 5 * time.Second
	})
	staffTok, staffID := ta.staffUser("ends-staff")

	for _, c := range []struct {
		name  string
		uses  int           // requests, one a second, that find it alive
		pause time.Duration // then this long without use ends it
	}{
		// Use keeps it alive past the idle timeout.
		{"idle", 3, 2100 * time.Millisecond},
		// In use every second, it still ends 5 s after it opened.
		{"absolute", 4, 1200 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := ta.browser()
			b.qrLogin(staffTok)
			for range c.uses {
				time.Sleep(time.Second)
				ta.must(b.do("GET", "/api/v1/console/session", nil), 200, "in use")
			}
			time.Sleep(c.pause)
			expectError(t, b.do("GET", "/api/v1/console/session", nil), 401, "SESSION_EXPIRED")
		})
	}
	t.Run("role revoked", func(t *testing.T) {
		b := ta.browser()
		b.qrLogin(staffTok)
		u, err := ta.app.residents.Me(t.Context(), staffID)
		if err != nil {
			t.Fatal(err)
		}
		rc := resident.RoleChange{Role: "staff", CommunityID: u.Roles[0].CommunityID}
		if _, err := ta.app.residents.RevokeRole(t.Context(), staffID, rc); err != nil {
			t.Fatal(err)
		}
		expectError(t, b.do("GET", "/api/v1/admin/activities", nil), 401, "SESSION_REVOKED")
		expectError(t, b.do("GET", "/api/v1/console/session", nil), 401, "UNAUTHENTICATED")
		if _, err := ta.app.residents.GrantRole(t.Context(), 0, staffID, rc); err != nil {
			t.Fatal(err)
		}
		// A new grant also ends sessions opened under the old roles.
		b2 := ta.browser()
		b2.qrLogin(staffTok)
		if _, err := ta.app.residents.GrantRole(t.Context(), 0, staffID, resident.RoleChange{Role: "volunteer"}); err != nil {
			t.Fatal(err)
		}
		expectError(t, b2.do("GET", "/api/v1/console/session", nil), 401, "SESSION_REVOKED")
	})
}

func TestConsoleDevLogin(t *testing.T) {
	off := newTestApp(t)
	expectError(t, off.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"name": "admin"}), 404, "ROUTE_NOT_FOUND")
	if o := off.must(off.do("GET", "/api/v1/console/login/options", "", nil), 200, "options"); o.Body["dev"] != false {
		t.Fatalf("options: %s", o.Raw)
	}

	ta := newTestApp(t, devConsole)
	if o := ta.must(ta.do("GET", "/api/v1/console/login/options", "", nil), 200, "options"); o.Body["dev"] != true {
		t.Fatalf("options: %s", o.Raw)
	}
	admin := ta.browser()
	r := ta.must(admin.do("POST", "/api/v1/console/login/dev", map[string]string{"name": "admin"}), 200, "dev admin")
	if r.Body["scope"].(map[string]any)["level"] != "district" || setCookie(r, "gj_console") == nil {
		t.Fatalf("dev:admin: %s", r.Raw)
	}
	if ta.app.store == nil {
		t.Fatal("no store")
	}
	u, err := ta.app.store.UserByOpenID(t.Context(), ta.openID("admin"))
	if err != nil || !u.IsAdmin() {
		t.Fatalf("dev:admin is not the emulator's user dev:admin: %v %+v", err, u)
	}
	// The login is named as the mini-program's code: "dev:admin" is admin too.
	r = ta.must(ta.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"name": "dev:admin"}), 200, "dev:admin spelled whole")
	if r.Body["scope"].(map[string]any)["level"] != "district" || num(r.Body["user"].(map[string]any)["id"]) != u.ID {
		t.Fatalf("dev:admin spelled whole: %s", r.Raw)
	}
	// A user without a console role does not get in.
	expectError(t, ta.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"name": "nobody"}), 403, "CONSOLE_FORBIDDEN")
	// Production never offers it, whatever the setting.
	cfg := config.Defaults()
	cfg.Env, cfg.Console.DevLogin = "production", "auto"
	cfg.WeChat.AppID = ""
	if cfg.DevConsoleLogin() {
		t.Fatal("the development login is offered in production")
	}
}
