package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"gopkg.in/yaml.v3"

	"gongjian/config"
	"gongjian/internal/httpapi"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
	"gongjian/internal/wxemu"
)

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// `gongjian migrate` on an empty database creates the schema and says
// nothing about missing tables; run again, it applies nothing.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := testenv.DSN(t)
	env := map[string]string{"GONGJIAN_DATA_DIR": dir, "GONGJIAN_MYSQL_DSN": dsn, "GONGJIAN_LOG_LEVEL": "info"}
	if testenv.RealRedis() {
		env["GONGJIAN_REDIS_ADDR"] = testenv.RedisAddr()
	}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	for i := range 2 {
		if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, logf); err != nil {
			t.Fatalf("migrate (run %d): %v", i+1, err)
		}
	}
	logs, _ := os.ReadFile(filepath.Join(dir, "log"))
	if strings.Contains(string(logs), "no registration tables") {
		t.Fatalf("migrate warned about the tables it creates: %s", logs)
	}
	db, err := mysqlstore.Open(context.Background(), mysqlstore.Options{DSN: dsn, SQLitePath: dir + "/gongjian.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.G.Table("schema_migrations").Count(&n).Error; err != nil || n < 10 {
		t.Fatalf("%d migrations recorded: %v", n, err)
	}
	if applied, err := db.Migrate(context.Background()); err != nil || len(applied) != 0 {
		t.Fatalf("after the command, migrating again applied %v: %v", applied, err)
	}
}

// The README's run command on a bare machine: no MySQL, Redis or WeChat
// configured. /readyz answers 200 and dev:alice logs in.
func TestEmbeddedServerStartsAndLogsIn(t *testing.T) {
	dir := t.TempDir()
	addr := freePort(t)
	env := map[string]string{"GONGJIAN_DATA_DIR": dir, "GONGJIAN_HTTP_ADDR": addr, "GONGJIAN_LOG_LEVEL": "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logf, _ := os.Create(filepath.Join(dir, "log"))
	defer logf.Close()
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logf) }()
	base := "http://" + addr
	var res *http.Response
	var err error
	for i := 0; i < 100; i++ {
		res, err = http.Get(base + "/readyz")
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz %d", res.StatusCode)
	}
	res, err = http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"code":"dev:alice"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, res)
	}
	res.Body.Close()
	// The embedded mode seeds demo communities.
	res, _ = http.Get(base + "/api/v1/communities")
	var n int
	if res != nil {
		b := make([]byte, 4096)
		k, _ := res.Body.Read(b)
		n = strings.Count(string(b[:k]), `"id"`)
		res.Body.Close()
	}
	if n < 3 {
		t.Fatalf("demo communities missing: %d", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	logs, _ := os.ReadFile(filepath.Join(dir, "log"))
	if !strings.Contains(string(logs), "EMBEDDED MODE") {
		t.Fatalf("embedded mode not announced in logs: %s", logs)
	}
	for _, f := range []string{"jwt_secret", "data_key", "gongjian.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s not kept under the data dir: %v", f, err)
		}
	}
}

func TestProductionRefusesEmbedded(t *testing.T) {
	env := map[string]string{"GONGJIAN_ENV": "production", "GONGJIAN_DATA_DIR": t.TempDir()}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, os.Stderr)
	if err == nil || !strings.Contains(err.Error(), "GONGJIAN_MYSQL_DSN") {
		t.Fatalf("production without MySQL must refuse to start naming the key, got %v", err)
	}
}

func TestLoginWeChatFailures(t *testing.T) {
	// Each failure is looked at alone here: the breaker stays out of the way
	// (TestLoginBreakerFailsFast covers it).
	ta := newTestApp(t, func(c *config.Config) { c.Login.BreakerFailures = 100 })
	cases := []struct {
		name   string
		fault  wxemu.Fault
		status int
		code   string
	}{
		{"invalid code", wxemu.Fault{ErrCode: 40029}, 401, "INVALID_CODE"},
		{"code used", wxemu.Fault{ErrCode: 40163}, 401, "INVALID_CODE"},
		{"minute quota", wxemu.Fault{ErrCode: 45011}, 429, "WECHAT_RATE_LIMITED"},
		{"risky user", wxemu.Fault{ErrCode: 40226}, 403, "WECHAT_USER_BLOCKED"},
		{"system busy", wxemu.Fault{ErrCode: -1}, 503, "WECHAT_UNAVAILABLE"},
		{"timeout", wxemu.Fault{Delay: 3 * time.Second}, 503, "WECHAT_UNAVAILABLE"},
		{"http 502", wxemu.Fault{Status: 502}, 503, "WECHAT_UNAVAILABLE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ta.tenant.ClearFaults()
			f := c.fault
			f.Times = 0
			ta.tenant.Fail(wxemu.EndpointCode2Session, f)
			start := time.Now()
			r := ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:bob"})
			expectError(t, r, c.status, c.code)
			if time.Since(start) > 2800*time.Millisecond {
				t.Fatalf("login took %v: must fail fast", time.Since(start))
			}
			if n := ta.count("users"); n != 0 {
				t.Fatalf("a failed login wrote %d users", n)
			}
			if n := ta.count("refresh_tokens"); n != 0 {
				t.Fatalf("a failed login wrote %d refresh tokens", n)
			}
		})
	}
	ta.tenant.ClearFaults()
	tok, _ := ta.login("bob")
	if tok == "" || ta.count("users") != 1 {
		t.Fatal("login after the faults cleared must work")
	}
}

// WeChat is slow (5 s): the first logins give up after the login budget
// with 503; once three have failed in a row, logins are refused at once
// without calling WeChat, while everything that does not need WeChat goes
// on; after the cool-down one login probes and, WeChat being back, logins
// work again.
func TestLoginBreakerFailsFast(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) {
		c.Login.WeChatTimeout, c.Login.BreakerFailures, c.Login.BreakerCooldown = 300*time.Millisecond, 3, time.Second
	})
	ta.tenant.Fail(wxemu.EndpointCode2Session, wxemu.Fault{Delay: 5 * time.Second})
	login := func(name string) (resp, time.Duration) {
		start := time.Now()
		r := ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:" + name})
		return r, time.Since(start)
	}
	for i := range 3 {
		r, took := login(fmt.Sprintf("slow-%d", i))
		expectError(t, r, 503, "WECHAT_UNAVAILABLE")
		if took < 250*time.Millisecond || took > 2*time.Second {
			t.Fatalf("login %d took %v: want the 300 ms budget, not WeChat's 5 s", i, took)
		}
	}
	for i := range 5 {
		r, took := login(fmt.Sprintf("fast-%d", i))
		expectError(t, r, 503, "WECHAT_UNAVAILABLE")
		if took > 100*time.Millisecond {
			t.Fatalf("login after the breaker opened took %v: must be refused at once", took)
		}
	}
	if n := ta.tenant.Count(wxemu.EndpointCode2Session); n != 3 {
		t.Fatalf("WeChat was asked %d times, want 3 (refused logins must not call it)", n)
	}
	if r := ta.do("GET", "/api/v1/activities", "", nil); r.Status != 200 {
		t.Fatalf("browsing while WeChat is away: %d %s", r.Status, r.Raw)
	}
	ta.tenant.ClearFaults()
	time.Sleep(1100 * time.Millisecond)
	if tok, _ := ta.login("back"); tok == "" {
		t.Fatal("the probe after the cool-down must log in")
	}
	if tok, _ := ta.login("back-2"); tok == "" {
		t.Fatal("logins after a successful probe must work")
	}
	if n := ta.count("users"); n != 2 {
		t.Fatalf("%d users, want only the 2 logged in after the outage", n)
	}
}

func TestPhoneBindingRetriesRefusedToken(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("carol")
	ta.remember("13812345678")
	// The first use of the access token is refused with 40001: the client
	// drops the cached token, fetches a new one and retries once.
	ta.tenant.Fail(wxemu.EndpointPhoneNumber, wxemu.Fault{ErrCode: 40001, Times: 1})
	r := ta.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": wxemu.PhoneCode("13812345678")})
	if r.Status != 200 || r.str("phone_masked") != "138****5678" {
		t.Fatalf("phone binding: %d %s", r.Status, r.Raw)
	}
	if n := ta.tenant.Count(wxemu.EndpointPhoneNumber); n != 2 {
		t.Fatalf("want one retry (2 calls), got %d", n)
	}
	if strings.Contains(string(r.Raw), "13812345678") {
		t.Fatal("an answer shows the whole phone number")
	}
	var sealed string
	ta.app.db.G.Table("users").Select("phone_sealed").Where("phone_masked <> ''").Scan(&sealed)
	if sealed == "" || strings.Contains(sealed, "1381234") {
		t.Fatalf("phone not stored encrypted: %q", sealed)
	}
	me := ta.do("GET", "/api/v1/me", tok, nil)
	if me.str("phone_masked") != "138****5678" {
		t.Fatalf("me: %s", me.Raw)
	}
	// A bad phone code is a 400, nothing changes.
	ta.tenant.Fail(wxemu.EndpointPhoneNumber, wxemu.Fault{ErrCode: 40029, Times: 1})
	r = ta.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": "bad"})
	expectError(t, r, 400, "INVALID_PHONE_CODE")
}

func TestBadInputIsRefusedCleanly(t *testing.T) {
	ta := newTestApp(t)
	alice, _ := ta.login("alice")
	bob, _ := ta.login("bob")
	r := ta.do("POST", "/api/v1/me/dependents", bob, map[string]any{"name": "小明", "relation": "child", "birth_date": "2010-03-01", "gender": "male"})
	if r.Status != 201 {
		t.Fatalf("add dependent: %d %s", r.Status, r.Raw)
	}
	bobsChild := fmt.Sprint(int64(r.Body["id"].(float64)))

	secret, _ := os.ReadFile(filepath.Join(ta.app.cfg.DataDir, "jwt_secret"))
	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: "gongjian", Subject: "1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute)),
	}).SignedString([]byte(strings.TrimSpace(string(secret))))
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: "gongjian", Subject: "1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString([]byte("not-the-server-secret-not-the-server-secret"))
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwiaXNzIjoiZ29uZ2ppYW4ifQ."

	big := `{"name":"` + strings.Repeat("a", 1<<20+10) + `"}`
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"malformed json", "POST", "/api/v1/me/dependents", alice, `{"name":`, 400, "BAD_JSON"},
		{"two json values", "POST", "/api/v1/auth/login", "", `{"code":"x"}{"code":"y"}`, 400, "BAD_JSON"},
		{"empty body", "POST", "/api/v1/auth/login", "", ` `, 400, "EMPTY_BODY"},
		{"empty login code", "POST", "/api/v1/auth/login", "", `{"code":""}`, 401, "INVALID_CODE"},
		{"login code missing", "POST", "/api/v1/auth/login", "", `{}`, 401, "INVALID_CODE"},
		{"oversize login code", "POST", "/api/v1/auth/login", "", `{"code":"dev:` + strings.Repeat("a", 200) + `"}`, 401, "INVALID_CODE"},
		{"oversize body", "POST", "/api/v1/me/dependents", alice, big, 413, "BODY_TOO_LARGE"},
		{"unknown field", "POST", "/api/v1/me/dependents", alice, `{"name":"小红","relation":"child","birth_date":"2015-01-01","gender":"female","admin":true}`, 400, "UNKNOWN_FIELD"},
		{"wrong type", "PATCH", "/api/v1/me", alice, `{"community_id":"x"}`, 400, "BAD_FIELD"},
		{"no token", "GET", "/api/v1/me", "", nil, 401, "UNAUTHENTICATED"},
		{"expired token", "GET", "/api/v1/me", expired, nil, 401, "TOKEN_EXPIRED"},
		{"forged token", "GET", "/api/v1/me", forged, nil, 401, "INVALID_TOKEN"},
		{"alg none", "GET", "/api/v1/me", none, nil, 401, "INVALID_TOKEN"},
		{"garbage token", "GET", "/api/v1/me", "abc.def", nil, 401, "INVALID_TOKEN"},
		{"someone else's dependent (patch)", "PATCH", "/api/v1/me/dependents/" + bobsChild, alice, `{"name":"改名"}`, 404, "DEPENDENT_NOT_FOUND"},
		{"someone else's dependent (delete)", "DELETE", "/api/v1/me/dependents/" + bobsChild, alice, nil, 404, "DEPENDENT_NOT_FOUND"},
		{"bad id", "DELETE", "/api/v1/me/dependents/abc", alice, nil, 400, "BAD_ID"},
		{"bad id-number check digit", "POST", "/api/v1/me/dependents", alice, `{"name":"王奶奶","relation":"parent","birth_date":"1949-12-31","gender":"female","id_number":"110105194912310021"}`, 400, "INVALID_ID_NUMBER"},
		{"id number birth mismatch", "POST", "/api/v1/me/dependents", alice, `{"name":"王奶奶","relation":"parent","birth_date":"1950-12-31","gender":"female","id_number":"11010519491231002X"}`, 400, "ID_NUMBER_BIRTH_MISMATCH"},
		{"bad relation", "POST", "/api/v1/me/dependents", alice, `{"name":"小王","relation":"boss","birth_date":"2015-01-01","gender":"male"}`, 400, "INVALID_RELATION"},
		{"future birth", "POST", "/api/v1/me/dependents", alice, `{"name":"小王","relation":"child","birth_date":"2099-01-01","gender":"male"}`, 400, "INVALID_BIRTH_DATE"},
		{"bad date", "POST", "/api/v1/me/dependents", alice, `{"name":"小王","relation":"child","birth_date":"01/01/2015","gender":"male"}`, 400, "INVALID_BIRTH_DATE"},
		{"unknown community", "PATCH", "/api/v1/me", alice, `{"community_id":999999}`, 400, "UNKNOWN_COMMUNITY"},
		{"bad avatar", "PATCH", "/api/v1/me", alice, `{"avatar_url":"javascript:alert(1)"}`, 400, "INVALID_AVATAR_URL"},
		{"not admin", "POST", "/api/v1/admin/communities", alice, `{"name":"新社区"}`, 403, "FORBIDDEN"},
		{"unknown route", "GET", "/api/v1/nope", alice, nil, 404, "ROUTE_NOT_FOUND"},
		{"bad refresh", "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"x.y"}`, 401, "INVALID_REFRESH_TOKEN"},
		{"form body", "POST", "/api/v1/auth/login", "", "code=x", 400, "UNSUPPORTED_MEDIA_TYPE"},
	}
	users, deps := ta.count("users"), ta.count("dependents")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r resp
			if c.code == "UNSUPPORTED_MEDIA_TYPE" {
				r = ta.do(c.method, c.path, c.token, nil, "Content-Type", "application/x-www-form-urlencoded")
				req, _ := http.NewRequest(c.method, ta.srv.URL+c.path, strings.NewReader(c.body.(string)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 400 {
					t.Fatalf("form body: %d", res.StatusCode)
				}
				return
			}
			r = ta.do(c.method, c.path, c.token, c.body)
			expectError(t, r, c.status, c.code)
		})
	}
	if ta.count("users") != users || ta.count("dependents") != deps {
		t.Fatal("a refused request changed the database")
	}
	var name string
	ta.app.db.G.Table("dependents").Select("name").Where("id = ?", bobsChild).Scan(&name)
	if name != "小明" {
		t.Fatalf("bob's child was changed by alice: %q", name)
	}
}

// The mini-program's family page records the guardian's consent with the
// version of the text it shows, the one the server holds in force.
func TestMiniProgramSendsTheGuardianConsentVersion(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "miniprogram", "src", "pages", "family", "edit.js"))
	if err != nil {
		t.Skipf("no mini-program sources: %v", err)
	}
	m := regexp.MustCompile(`const CONSENT_VERSION = '([^']*)'`).FindSubmatch(src)
	if m == nil {
		t.Fatal("family/edit.js declares no CONSENT_VERSION")
	}
	if got := string(m[1]); got != resident.CurrentConsentVersion {
		t.Fatalf("the mini-program sends guardian consent version %q, the server accepts %q", got, resident.CurrentConsentVersion)
	}
}

func TestDependentsAndConsent(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("dora")
	ta.remember("11010519491231002X")
	child := fmt.Sprintf("%d-01-15", time.Now().Year()-8)
	r := ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "小花", "relation": "child", "birth_date": child, "gender": "female"})
	if r.Status != 201 || r.Body["needs_consent"] != true || r.Body["usable"] != false {
		t.Fatalf("child without consent: %d %s", r.Status, r.Raw)
	}
	id := fmt.Sprint(int64(r.Body["id"].(float64)))
	r = ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"guardian_consent": map[string]string{"version": strings.Repeat("v", 33)}})
	expectError(t, r, 400, "INVALID_CONSENT_VERSION")
	// The client learns the text and version in force from the server.
	consent := ta.do("GET", "/api/v1/me/dependents/consent", tok, nil)
	if consent.Status != 200 || consent.str("version") != resident.CurrentConsentVersion || consent.str("text") != resident.ConsentText {
		t.Fatalf("consent in force: %d %s", consent.Status, consent.Raw)
	}
	r = ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"guardian_consent": map[string]string{"version": consent.str("version")}})
	if r.Status != 200 || r.Body["usable"] != true || r.Body["consent"] == nil {
		t.Fatalf("consent: %d %s", r.Status, r.Raw)
	}
	r = ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "王奶奶", "relation": "parent", "birth_date": "1949-12-31", "gender": "female", "id_number": "11010519491231002X"})
	if r.Status != 201 || r.str("id_number_masked") != "110***********002X" || r.Body["usable"] != true {
		t.Fatalf("parent: %d %s", r.Status, r.Raw)
	}
	if strings.Contains(string(r.Raw), "11010519491231002X") {
		t.Fatal("answer shows the whole ID number")
	}
	r = ta.do("GET", "/api/v1/me/dependents", tok, nil)
	if items := r.Body["items"].([]any); len(items) != 2 {
		t.Fatalf("list: %s", r.Raw)
	}
	r = ta.do("DELETE", "/api/v1/me/dependents/"+id, tok, nil)
	if r.Status != 200 || r.Body["released"] == nil {
		t.Fatalf("delete: %d", r.Status)
	}
	r = ta.do("GET", "/api/v1/me/dependents", tok, nil)
	if items := r.Body["items"].([]any); len(items) != 1 {
		t.Fatalf("after delete: %s", r.Raw)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	ta := newTestApp(t)
	r := ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:erin"})
	rt1 := r.str("refresh_token")
	r2 := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": rt1})
	if r2.Status != 200 || r2.str("refresh_token") == rt1 || r2.str("token") == "" {
		t.Fatalf("refresh: %d %s", r2.Status, r2.Raw)
	}
	rt2 := r2.str("refresh_token")
	// Reusing the rotated token revokes the whole login, the new token included.
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": rt1}), 401, "REFRESH_TOKEN_REUSED")
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": rt2}), 401, "INVALID_REFRESH_TOKEN")
	var stored []string
	ta.app.db.G.Table("refresh_tokens").Pluck("hash", &stored)
	for _, h := range stored {
		if strings.Contains(rt1, h) || strings.Contains(rt2, h) {
			t.Fatal("refresh tokens are stored in clear")
		}
	}
}

func TestRolesApplyOnNextRequest(t *testing.T) {
	ta := newTestApp(t)
	adminTok, adminID := ta.login("admin1")
	staffTok, staffID := ta.login("staff1")
	expectError(t, ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "新华社区"}), 403, "FORBIDDEN")
	// The CLI path: grant by openid (also creating a user that never logged in).
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), ta.openID("admin1"), resident.RoleChange{Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), "o-never-logged-in", resident.RoleChange{Role: "volunteer"}); err != nil {
		t.Fatal(err)
	}
	r := ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "新华社区", "address": "新华路1号"})
	if r.Status != 201 || r.Body["id"] == nil {
		t.Fatalf("create community: %d %s", r.Status, r.Raw)
	}
	cid := int64(r.Body["id"].(float64))
	expectError(t, ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "新华社区"}), 409, "COMMUNITY_EXISTS")
	r = ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", staffID), adminTok, map[string]any{"role": "staff", "community_id": cid})
	if r.Status != 200 {
		t.Fatalf("grant: %d %s", r.Status, r.Raw)
	}
	me := ta.do("GET", "/api/v1/me", staffTok, nil)
	if !strings.Contains(string(me.Raw), `"staff"`) {
		t.Fatalf("role not visible on next request: %s", me.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", staffID), adminTok, map[string]any{"role": "king"}), 400, "INVALID_ROLE")
	// The only admin cannot remove their own admin role (issue 13 point 7);
	// once a second admin exists, they can.
	expectError(t, ta.do("DELETE", fmt.Sprintf("/api/v1/admin/users/%d/roles", adminID), adminTok, map[string]any{"role": "admin"}), 409, "LAST_ADMIN")
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), "o-second-admin", resident.RoleChange{Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	r = ta.do("DELETE", fmt.Sprintf("/api/v1/admin/users/%d/roles", adminID), adminTok, map[string]any{"role": "admin"})
	if r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	// Revoking a role also ends the access tokens the user holds (on every
	// process); the mini-program refreshes and carries on without the role.
	expectError(t, ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "又一个"}), 401, "TOKEN_REVOKED")
	r = ta.do("GET", "/api/v1/communities", "", nil)
	if !strings.Contains(string(r.Raw), "新华社区") {
		t.Fatalf("communities: %s", r.Raw)
	}
}

func TestHealthMetricsAndOpenAPI(t *testing.T) {
	ta := newTestApp(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/openapi.yaml"} {
		if r := ta.do("GET", p, "", nil); r.Status != 200 {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	if r := ta.do("GET", "/metrics", "", nil); !strings.Contains(string(r.Raw), "gongjian_http_requests_total") {
		t.Fatal("metrics lack request counters")
	}
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// Every route the server serves is in the OpenAPI document, and the document
// lists no route the server lacks.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ta := newTestApp(t)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				documented[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	served := map[string]bool{}
	var missing []string
	for _, r := range ta.app.handler.(*gin.Engine).Routes() {
		k := r.Method + " " + ginParam.ReplaceAllString(r.Path, "{$1}")
		served[k] = true
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	var extra []string
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("openapi.yaml out of date:\n missing: %v\n not served: %v", missing, extra)
	}
}
