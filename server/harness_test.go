package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/testenv"
	"gongjian/internal/wxemu"
)

var emu = testenv.SharedWeChat() // every test has its own AppID (tenant)

// syncBuffer collects log output safely from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testApp is the real application (built by build, the composition root)
// serving over HTTP against the test database, Redis and the fake WeChat.
type testApp struct {
	t      *testing.T
	app    *App
	srv    *httptest.Server
	appID  string
	tenant *wxemu.Tenant
	logs   *syncBuffer
	// secrets seen in answers; none may appear in a log line.
	mu      sync.Mutex
	secrets []string
}

type appOption func(*config.Config)

// testConfig is a test app's configuration: its own database, Redis key
// prefix and WeChat AppID (returned), no demo data and login limits out of
// the way; opts apply last.
func testConfig(tb testing.TB, opts ...appOption) (config.Config, string) {
	tb.Helper()
	cfg := config.Defaults()
	cfg.DataDir = tb.TempDir()
	cfg.MySQL.DSN = testenv.DSN(tb)
	if testenv.RealRedis() {
		cfg.Redis.Addr = testenv.RedisAddr()
	}
	cfg.Redis.KeyPrefix = testenv.RandomName("gjt:") + ":"
	appID := testenv.RandomName("wxt")
	cfg.WeChat.AppID, cfg.WeChat.AppSecret, cfg.WeChat.APIBase = appID, "test-secret", emu.Base
	cfg.WeChat.Timeout = 2 * time.Second
	cfg.Seed.Demo = "never"
	cfg.Login.PerIPPerMinute, cfg.Login.PerUserPerMinute = 10000, 10000
	cfg.Wristband.BindAttempts = 10000
	for _, o := range opts {
		o(&cfg)
	}
	return cfg, appID
}

func newTestApp(t *testing.T, opts ...appOption) *testApp {
	t.Helper()
	cfg, appID := testConfig(t, opts...)
	return startApp(t, cfg, appID)
}

// startApp serves the composition root on cfg (another process of the same
// deployment when cfg shares a database and Redis with a running app).
func startApp(t *testing.T, cfg config.Config, appID string) *testApp {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app, err := build(context.Background(), cfg, log, true)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	ta := &testApp{t: t, app: app, srv: httptest.NewServer(app.handler), appID: appID, tenant: emu.Tenant(appID), logs: logs}
	t.Cleanup(func() {
		ta.srv.Close()
		app.Close()
		ta.checkLogs()
	})
	return ta
}

// checkLogs fails the test if any secret seen in an answer was logged.
func (ta *testApp) checkLogs() {
	out := ta.logs.String()
	ta.mu.Lock()
	defer ta.mu.Unlock()
	for _, s := range ta.secrets {
		if s != "" && strings.Contains(out, s) {
			ta.t.Errorf("a log line contains a secret or personal datum %q", s)
		}
	}
}

func (ta *testApp) remember(s ...string) {
	ta.mu.Lock()
	ta.secrets = append(ta.secrets, s...)
	ta.mu.Unlock()
}

// resp is an answer (its body decoded when it is a JSON object).
type resp jsonhttp.Response

func (r resp) str(k string) string { return jsonhttp.Response(r).Str(k) }

// do sends a JSON request (see jsonhttp.NewRequest for body).
func (ta *testApp) do(method, path, token string, body any, headers ...string) resp {
	ta.t.Helper()
	out, err := jsonhttp.Do(http.DefaultClient, method, ta.srv.URL+path, token, body, headers...)
	if err != nil {
		ta.t.Fatalf("%s %s: %v", method, path, err)
	}
	if t, ok := out.Body["token"].(string); ok {
		ta.remember(t)
	}
	if t, ok := out.Body["refresh_token"].(string); ok {
		ta.remember(t)
	}
	return resp(out)
}

// openID is the OpenID the fake WeChat gives name in this app.
func (ta *testApp) openID(name string) string { return wxemu.OpenID(ta.appID, name) }

// loginAnswer is the answer to logging name in through the fake WeChat.
func (ta *testApp) loginAnswer(name string) resp {
	ta.t.Helper()
	return ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(name)})
}

// login logs name in through the fake WeChat and returns the access token and user id.
func (ta *testApp) login(name string) (string, int64) {
	ta.t.Helper()
	r := ta.loginAnswer(name)
	if r.Status != 200 {
		ta.t.Fatalf("login %s: %d %s", name, r.Status, r.Raw)
	}
	u := r.Body["user"].(map[string]any)
	return r.str("token"), int64(u["id"].(float64))
}

// expectError asserts a 4xx/5xx with the code and a Chinese message.
func expectError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.Status != status || r.str("code") != code {
		t.Fatalf("want %d %s, got %d %s", status, code, r.Status, r.Raw)
	}
	msg := r.str("message")
	if !hasHan(msg) {
		t.Fatalf("message %q is not in Chinese", msg)
	}
	if r.str("request_id") == "" {
		t.Fatalf("no request_id in %s", r.Raw)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// onEachDatabase runs test as subtests "configured" (on the configured
// database) and "embedded" (on the embedded SQLite); opt selects it.
func onEachDatabase(t *testing.T, test func(t *testing.T, opt appOption)) {
	for name, opt := range map[string]appOption{
		"configured": func(*config.Config) {},
		"embedded":   func(c *config.Config) { c.MySQL.DSN = "" },
	} {
		t.Run(name, func(t *testing.T) { test(t, opt) })
	}
}

// atTheSameInstant calls f(0) … f(n-1) each in its own goroutine, all
// released at the same instant, and returns when every call has.
func atTheSameInstant(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// count returns the number of rows in table.
func (ta *testApp) count(table string) int64 {
	var n int64
	if err := ta.app.db.G.Table(table).Count(&n).Error; err != nil {
		ta.t.Fatal(err)
	}
	return n
}

// items returns the "items" list of a JSON answer.
func items(r resp) []map[string]any {
	list, _ := r.Body["items"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}
