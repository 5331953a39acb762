package faulttest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/jsonhttp"
	"gongjian/internal/wxemu"
)

// confirmedTemplate is the WeChat template id of sign-up confirmations.
const confirmedTemplate = "tpl-confirmed"

// deployment is one Gongjian installation: server processes on their own
// ports sharing a database, a Redis (standalone or Cluster) and a WeChat
// AppID on the emulator.
type deployment struct {
	t       *testing.T
	dir     string
	dbName  string
	db      *sql.DB // the test's own view of the database
	maria   *mariaDB
	appID   string
	tenant  *wxemu.Tenant
	env     []string
	servers []*server
	client  *http.Client
}

// server is one server process.
type server struct {
	proc
	base string
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newTwoServerDeployment starts a private Redis and, on it, a deployment
// of two server processes (extra as for newDeployment).
func newTwoServerDeployment(t *testing.T, extra ...string) (*deployment, *redisServer) {
	t.Helper()
	rds := startRedis(t, "redis", false)
	return newDeployment(t, rds.addr(), 2, extra...), rds
}

// newDeployment migrates a fresh database, makes "admin" an admin and
// starts n server processes. extra environment variables override the
// defaults (quick notice retries, a 1s WeChat timeout, a 1s reconciler).
func newDeployment(t *testing.T, redisAddr string, n int, extra ...string) *deployment {
	t.Helper()
	requireTools(t, "redis-server", "mariadbd", "mariadb-install-db")
	bin := serverBinary(t)
	m := privateMariaDB(t)
	d := &deployment{t: t, dir: t.TempDir(), maria: m, appID: "wxf" + randomHex(6)}
	d.dbName = m.createDB(t)
	d.tenant = emu.Tenant(d.appID)
	key := make([]byte, 32)
	rand.Read(key)
	env := map[string]string{
		"GONGJIAN_ENV": "development", "GONGJIAN_DATA_DIR": filepath.Join(d.dir, "data"),
		"GONGJIAN_MYSQL_DSN": m.dsn(d.dbName), "GONGJIAN_MYSQL_MAX_OPEN_CONNS": "32",
		"GONGJIAN_REDIS_ADDR": redisAddr, "GONGJIAN_REDIS_KEY_PREFIX": "gjf:",
		"GONGJIAN_WECHAT_APP_ID": d.appID, "GONGJIAN_WECHAT_APP_SECRET": "fault-secret", "GONGJIAN_WECHAT_API_BASE": emuBase,
		"GONGJIAN_WECHAT_TIMEOUT": "5s", "GONGJIAN_TEMPLATE_REGISTRATION_CONFIRMED": confirmedTemplate,
		"GONGJIAN_JWT_SECRET": randomHex(24), "GONGJIAN_DATA_KEY": base64.StdEncoding.EncodeToString(key),
		"GONGJIAN_SEED_DEMO": "never", "GONGJIAN_LOG_LEVEL": "info",
		"GONGJIAN_LOGIN_PER_IP_PER_MINUTE": "1000000", "GONGJIAN_LOGIN_PER_USER_PER_MINUTE": "1000",
		"GONGJIAN_LIMIT_REGISTRATION_PER_IP":   "0",   // every resident comes from 127.0.0.1 here
		"GONGJIAN_LIMIT_REGISTRATION_PER_USER": "600", // residents retry quickly here
		"GONGJIAN_NOTIFY_POLL_INTERVAL":        "100ms", "GONGJIAN_NOTIFY_LEASE": "2s", "GONGJIAN_NOTIFY_RETRY_BASE": "200ms",
		"GONGJIAN_NOTIFY_RETRY_MAX": "1s", "GONGJIAN_NOTIFY_RATE_PER_SECOND": "0", "GONGJIAN_NOTIFY_MAX_ATTEMPTS": "50",
		"GONGJIAN_RECONCILE_INTERVAL": "1s", "GONGJIAN_RECONCILE_STALE_AFTER": "2s",
		"GONGJIAN_HTTP_SHUTDOWN_TIMEOUT": "5s",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	for k, v := range env {
		d.env = append(d.env, k+"="+v)
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GORACE"} {
		if v := os.Getenv(k); v != "" {
			d.env = append(d.env, k+"="+v)
		}
	}
	var err error
	if d.db, err = m.open(d.dbName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.db.Close() })
	d.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}

	// Migrate and make the admin, as an operator would.
	cmd := exec.Command(bin, "admin", "grant", "--openid", wxemu.OpenID(d.appID, "admin"), "--role", "admin")
	cmd.Env = d.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin grant: %v\n%s", err, out)
	}
	for i := 0; i < n; i++ {
		port := freePort(t)
		s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
		s.proc = proc{name: fmt.Sprintf("server-%d", i), args: []string{bin}, logPath: filepath.Join(d.dir, fmt.Sprintf("server-%d.log", i)),
			env: append(append([]string{}, d.env...), "GONGJIAN_HTTP_ADDR="+fmt.Sprintf("127.0.0.1:%d", port))}
		d.servers = append(d.servers, s)
		d.startServer(i)
	}
	t.Cleanup(func() {
		for _, s := range d.servers {
			s.stop(10 * time.Second)
		}
		for _, s := range d.servers {
			log := s.log()
			if strings.Contains(log, "WARNING: DATA RACE") || strings.Contains(log, "panic:") {
				t.Errorf("%s reported a data race or a panic:\n%s", s.name, log)
			}
			// FAULTTEST_LOGS=/path/prefix keeps every server's log.
			if p := os.Getenv("FAULTTEST_LOGS"); p != "" {
				os.WriteFile(p+"-"+s.name, []byte(log), 0o644)
			}
			if t.Failed() {
				t.Logf("---- %s log (tail) ----\n%s", s.name, s.logTail(40))
			}
		}
	})
	return d
}

// startServer starts (or restarts) server i and waits until it is ready.
func (d *deployment) startServer(i int) {
	d.t.Helper()
	s := d.servers[i]
	if err := s.start(); err != nil {
		d.t.Fatal(err)
	}
	ok := waitFor(90*time.Second, func() bool {
		if !s.alive() {
			return false
		}
		r, err := d.client.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == 200
	})
	if !ok {
		d.t.Fatalf("%s did not become ready:\n%s", s.name, s.logTail(40))
	}
}

// resp is an answer (its body decoded when it is a JSON object).
type resp jsonhttp.Response

func (r resp) str(k string) string { return jsonhttp.Response(r).Str(k) }

func (r resp) num(k string) int64 { return jsonhttp.Response(r).Num(k) }

// call sends a request to server i; err is set when no answer came (the
// connection failed or was cut).
func (d *deployment) call(i int, method, path, token string, body any, headers ...string) (resp, error) {
	req, err := jsonhttp.NewRequest(method, d.servers[i].base+path, token, body, headers...)
	if err != nil {
		return resp{}, err
	}
	res, err := d.client.Do(req)
	if err != nil {
		return resp{}, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	out, err := jsonhttp.Read(res)
	if err != nil {
		return resp{}, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	return resp(out), nil
}

// must sends a request that has to succeed with want.
func (d *deployment) must(i int, want int, method, path, token string, body any) resp {
	d.t.Helper()
	r, err := d.call(i, method, path, token, body)
	if err != nil || r.Status != want {
		d.t.Fatalf("%s %s on %s: want %d, got %d %s %v", method, path, d.servers[i].name, want, r.Status, r.Raw, err)
	}
	return r
}

// resident is a logged-in resident who allowed sign-up confirmations.
type resident struct {
	name   string
	id     int64
	openID string
	token  string
}

// login logs name in on server i.
func (d *deployment) login(i int, name string) resident {
	d.t.Helper()
	r := d.must(i, 200, "POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(name)})
	u, _ := r.Body["user"].(map[string]any)
	id, _ := u["id"].(float64)
	return resident{name: name, id: int64(id), openID: wxemu.OpenID(d.appID, name), token: r.str("token")}
}

// residents logs n residents in, spread over the servers, each accepting
// grants sign-up confirmation messages (one per activity they will try).
func (d *deployment) residents(prefix string, n, grants int) []resident {
	d.t.Helper()
	out := make([]resident, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			srv := i % len(d.servers)
			out[i] = d.login(srv, fmt.Sprintf("%s%03d", prefix, i))
			for range grants {
				d.must(srv, 200, "POST", "/api/v1/subscriptions", out[i].token, map[string]any{"results": map[string]string{"registration_confirmed": "accept"}})
			}
		}()
	}
	wg.Wait()
	return out
}

// hotActivity creates and publishes, as admin, a popular activity (title:
// at most 20 characters, unique in the deployment) whose one
// session has capacity seats and waitlist places, open for sign-up now.
func (d *deployment) hotActivity(admin resident, title string, capacity, waitlist int) (activityID, sessionID int64) {
	d.t.Helper()
	community := d.must(0, 201, "POST", "/api/v1/admin/communities", admin.token, map[string]string{"name": "幸福社区" + randomHex(2)}).num("id")
	org := d.must(0, 201, "POST", "/api/v1/admin/organizations", admin.token, map[string]any{
		"name": "区文化馆" + randomHex(2), "type": "co_building_unit", "community_ids": []int64{community}}).num("id")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	r := d.must(0, 201, "POST", "/api/v1/admin/activities", admin.token, map[string]any{
		"title": title, "category": "performance", "community_id": community, "host_org_id": org, "popular": true,
		"place":           map[string]any{"address": "幸福社区文化广场", "lat": 39.9, "lng": 116.4},
		"signup_opens_at": rfc(time.Now().Add(-time.Minute)), "signup_closes_at": rfc(start.Add(-time.Hour)), "per_account_limit": 1,
		"sessions": []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(2 * time.Hour)), "capacity": capacity, "waitlist_capacity": waitlist}},
	})
	activityID = r.num("id")
	sessions, _ := r.Body["sessions"].([]any)
	sessionID = int64(sessions[0].(map[string]any)["id"].(float64))
	d.must(0, 200, "POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", activityID), admin.token, nil)
	return activityID, sessionID
}

// sql helpers

func (d *deployment) count(query string, args ...any) int {
	d.t.Helper()
	var n int
	if err := d.db.QueryRow(query, args...).Scan(&n); err != nil {
		d.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (d *deployment) waitCtx(timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), timeout)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
