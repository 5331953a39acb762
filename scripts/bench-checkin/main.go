// Command bench-checkin measures check-in:
//
//  1. ticket verification in-process (Ed25519 verify + decode), and
//  2. online check-in over HTTP against the real server binary on a real
//     MariaDB/MySQL and Redis: a door of N scans (default 200) by a few
//     checker phones at once, every scan timed from request to answer.
//
// Run from the repository root (MariaDB and Redis running):
//
//	go run ./scripts/bench-checkin [-scans 200] [-phones 4] [-mysql root@tcp(127.0.0.1:3306)/] [-redis 127.0.0.1:6379]
//
// It builds the server, starts it on a fresh database (dropped at the end)
// and a private Redis key prefix (deleted at the end), signs N residents up
// for a clinic session through the API, and scans their tickets. The goal
// is p99 ≤ 100 ms per scan.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/benchkit"
	"gongjian/internal/checkin"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/redisstore"
	"gongjian/internal/wxemu"
)

func main() {
	scans := flag.Int("scans", 200, "tickets scanned at the door")
	phones := flag.Int("phones", 4, "checker phones scanning at once")
	verifyN := flag.Int("verify", 200000, "in-process verifications")
	mysqlDSN, redisAddr := benchkit.MySQLFlag(), benchkit.RedisFlag()
	flag.Parse()

	benchVerify(*verifyN)
	benchkit.ExitOnError("bench-checkin", benchHTTP(*mysqlDSN, *redisAddr, *scans, *phones))
}

// ---- 1. in-process ----

func benchVerify(n int) {
	seed := make([]byte, 32)
	rand.Read(seed)
	keys, _ := checkin.NewKeys(seed)
	now := time.Now()
	tickets := make([]string, 1000)
	for i := range tickets {
		tickets[i] = keys.Issue(checkin.Ticket{RegistrationID: int64(100000 + i), SessionID: 4321, ValidFrom: now, ValidUntil: now.Add(4 * time.Hour)})
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := keys.Verify(tickets[i%len(tickets)]); err != nil {
			panic(err)
		}
	}
	el := time.Since(start)
	issueStart := time.Now()
	for i := 0; i < n/10; i++ {
		keys.Issue(checkin.Ticket{RegistrationID: int64(i + 1), SessionID: 4321, ValidFrom: now, ValidUntil: now.Add(time.Hour)})
	}
	issueEl := time.Since(issueStart)
	fmt.Printf("== ticket verification (in-process, one core)\n")
	fmt.Printf("ticket length: %d characters\n", len(tickets[0]))
	fmt.Printf("verify: %d in %v = %.1f µs/op, %.0f ops/s\n", n, el.Round(time.Millisecond), float64(el.Microseconds())/float64(n), float64(n)/el.Seconds())
	fmt.Printf("issue:  %d in %v = %.1f µs/op\n\n", n/10, issueEl.Round(time.Millisecond), float64(issueEl.Microseconds())/float64(n/10))
}

// ---- 2. over HTTP ----

type client struct {
	base string
	hc   *http.Client
}

func (c *client) do(method, path, token string, body any, headers ...string) (int, map[string]any, error) {
	r, err := jsonhttp.Do(c.hc, method, c.base+path, token, body, headers...)
	if err != nil {
		return 0, nil, err
	}
	out := r.Body
	if r.Status >= 300 && out == nil {
		out = map[string]any{"raw": string(r.Raw)}
	}
	return r.Status, out, nil
}

func (c *client) must(method, path, token string, body any, want int, headers ...string) map[string]any {
	st, out, err := c.do(method, path, token, body, headers...)
	if err != nil || st != want {
		panic(fmt.Sprintf("%s %s: %d %v %v", method, path, st, out, err))
	}
	return out
}

func (c *client) login(name string) (string, int64) {
	out := c.must("POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:" + name}, 200)
	return out["token"].(string), int64(out["user"].(map[string]any)["id"].(float64))
}

func benchHTTP(adminDSN, redisAddr string, n, phones int) (err error) {
	ctx := context.Background()
	tmp, bin, err := benchkit.BuildServerInTemp("bench-checkin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// A fresh database and a private Redis prefix, both removed at the end.
	scratch, err := benchkit.NewScratch(adminDSN)
	if err != nil {
		return err
	}
	defer scratch.Drop()
	prefix := "gjbench:" + benchkit.RandHex(4) + ":"
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	defer redisstore.DeletePrefix(ctx, rdb, prefix)

	env := append(os.Environ(),
		"GONGJIAN_DATA_DIR="+tmp, "GONGJIAN_MYSQL_DSN="+scratch.DSN,
		"GONGJIAN_REDIS_ADDR="+redisAddr, "GONGJIAN_REDIS_KEY_PREFIX="+prefix, "GONGJIAN_SEED_DEMO=never",
		"GONGJIAN_LOG_LEVEL=info", "GONGJIAN_LOG_FORMAT=json", "GONGJIAN_LOGIN_PER_IP_PER_MINUTE=100000", "GONGJIAN_LOGIN_PER_USER_PER_MINUTE=100000",
		"GONGJIAN_WECHAT_APP_ID=", "GONGJIAN_SEED_COMMUNITIES=阳光社区")
	srv, base, err := benchkit.StartServerOnFreeAddr(bin, env, filepath.Join(tmp, "server.log"))
	if err != nil {
		return err
	}
	defer func() {
		benchkit.StopProcess(srv, 10*time.Second)
		if err != nil {
			b, _ := os.ReadFile(filepath.Join(tmp, "server.log"))
			fmt.Fprintf(os.Stderr, "server log:\n%s\n", b)
		}
	}()
	c := &client{base: base, hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if !benchkit.WaitReady(c.base, 30*time.Second) {
		return fmt.Errorf("the server did not come up (log in %s)", tmp)
	}

	// The admin: log in once (creates the user), grant admin with the CLI.
	adminTok, _ := c.login("bench-admin")
	if err := benchkit.ServerCommand(bin, env, "admin", "grant", "--openid", wxemu.OpenID("wxemulator0000000", "bench-admin"), "--role", "admin"); err != nil {
		return err
	}

	fx, err := setUp(c, adminTok, n)
	if err != nil {
		return err
	}

	// Checker phones: volunteers appointed for the activity.
	checkers, err := appoint(c, adminTok, fx.activityID, phones)
	if err != nil {
		return err
	}

	// Server-side time of every scan comes from the access log ("ms" of
	// each POST /api/v1/checkins line); the client-side time includes this
	// program's own scheduling on a shared machine.
	logPath := filepath.Join(tmp, "server.log")
	fmt.Printf("== online check-in over HTTP (server binary on MariaDB + Redis; %d CPUs, load average %s)\n", runtime.NumCPU(), loadavg())
	half := len(fx.tickets) / 2
	// A real door: each phone scans a ticket every 600 ms (200 people in 30 s with 4 phones… and then some).
	pid := srv.Process.Pid
	phase := func(name string, tickets []string, tag string, pace time.Duration) {
		mark, cpu := countLines(logPath), benchkit.ProcCPU(pid)
		lat, outc := door(c, checkers, tickets, tag, pace)
		report(name, lat, outc, serverMs(logPath, mark), benchkit.ProcCPU(pid)-cpu)
	}
	// A real door: each phone scans a ticket every 600 ms.
	phase(fmt.Sprintf("paced door (a scan per phone every 600 ms): %d scans", half), fx.tickets[:half], "p", 600*time.Millisecond)
	// A burst: the phones scanning as fast as they can (the worst case).
	phase(fmt.Sprintf("burst (phones back to back): %d scans", len(fx.tickets)-half), fx.tickets[half:], "b", 0)
	// Every ticket again: all ALREADY_CHECKED_IN (409).
	phase(fmt.Sprintf("repeat scans, burst: %d scans", len(fx.tickets)), fx.tickets, "r", 0)
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// serverMs reads the server-side milliseconds of the check-in requests
// logged after line skip.
func serverMs(path string, skip int) []time.Duration {
	b, _ := os.ReadFile(path)
	lines := bytes.Split(b, []byte("\n"))
	var out []time.Duration
	for _, l := range lines[min(skip, len(lines)):] {
		var e struct {
			Msg, Route, Method string
			Ms                 int64
		}
		if json.Unmarshal(l, &e) == nil && e.Msg == "http" && e.Route == "/api/v1/checkins" && e.Method == "POST" {
			out = append(out, time.Duration(e.Ms)*time.Millisecond)
		}
	}
	return out
}

type fixture struct {
	activityID int64
	sessionID  int64
	tickets    []string
}

// setUp creates an organisation, a published clinic session starting in 30
// minutes, signs n residents up and fetches their tickets, through the API.
func setUp(c *client, adminTok string, n int) (fx fixture, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("set-up: %v", r)
		}
	}()
	cs := c.must("GET", "/api/v1/communities", "", nil, 200)["items"].([]any)
	community := int64(cs[0].(map[string]any)["id"].(float64))
	org := c.must("POST", "/api/v1/admin/organizations", adminTok, map[string]any{
		"name": "幸福街道社区卫生服务中心-" + benchkit.RandHex(3), "type": "co_building_unit", "community_ids": []int64{community}}, 201)
	orgID := int64(org["id"].(float64))
	start := time.Now().Add(30 * time.Minute).Truncate(time.Minute)
	act := c.must("POST", "/api/v1/admin/activities", adminTok, map[string]any{
		"title": "健康义诊", "category": "clinic", "description": "免费测血压、血糖", "community_id": community, "host_org_id": orgID,
		"place":           map[string]any{"address": "阳光社区活动中心", "lat": 31.2304, "lng": 121.4737},
		"signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": start,
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(3 * time.Hour), "capacity": n + 10}},
	}, 201)
	fx.activityID = int64(act["id"].(float64))
	fx.sessionID = int64(act["sessions"].([]any)[0].(map[string]any)["id"].(float64))
	c.must("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", fx.activityID), adminTok, nil, 200)

	fx.tickets = make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 8)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("%v", r)
					}
					mu.Unlock()
				}
			}()
			tok, _ := c.login(fmt.Sprintf("bench-resident-%d", i))
			c.must("PATCH", "/api/v1/me", tok, map[string]any{"real_name": fmt.Sprintf("居民%03d", i)}, 200)
			reg := c.must("POST", "/api/v1/registrations", tok, map[string]any{"session_id": fx.sessionID, "attendees": []map[string]any{{"self": true}}},
				201, "Idempotency-Key", benchkit.RandHex(8))
			id := int64(reg["registrations"].([]any)[0].(map[string]any)["id"].(float64))
			t := c.must("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", id), tok, nil, 200)
			fx.tickets[i] = t["ticket"].(string)
		}(i)
	}
	wg.Wait()
	return fx, firstErr
}

// appoint appoints checkers, turning a failed request into an error.
func appoint(c *client, adminTok string, activityID int64, phones int) (toks []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("appoint checkers: %v", r)
		}
	}()
	for i := 0; i < phones; i++ {
		tok, id := c.login(fmt.Sprintf("bench-checker-%d", i))
		c.must("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", activityID), adminTok, map[string]int64{"user_id": id}, 201)
		toks = append(toks, tok)
	}
	return toks, nil
}

// door scans every ticket once, the phones taking turns from one queue,
// each waiting pace between its scans.
func door(c *client, phones []string, tickets []string, tag string, pace time.Duration) ([]time.Duration, map[string]int) {
	queue := make(chan int, len(tickets))
	for i := range tickets {
		queue <- i
	}
	close(queue)
	var mu sync.Mutex
	var lat []time.Duration
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for p, tok := range phones {
		wg.Add(1)
		go func(p int, tok string) {
			defer wg.Done()
			for i := range queue {
				body := map[string]any{"ticket": tickets[i], "nonce": fmt.Sprintf("%s-%d-%d", tag, p, i), "scanned_at": time.Now().UTC().Format(time.RFC3339Nano)}
				t0 := time.Now()
				st, out, err := c.do("POST", "/api/v1/checkins", tok, body)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				switch {
				case err != nil:
					outcomes["transport error"]++
				case st == 200:
					outcomes["200 checked_in"]++
				default:
					outcomes[fmt.Sprintf("%d %v", st, out["code"])]++
				}
				mu.Unlock()
				time.Sleep(pace)
			}
		}(p, tok)
	}
	wg.Wait()
	return lat, outcomes
}

func percentiles(lat []time.Duration) (p50, p90, p99, top, mean time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return r(pct(0.5)), r(pct(0.9)), r(pct(0.99)), r(lat[len(lat)-1]), r(sum / time.Duration(len(lat)))
}

func report(name string, client []time.Duration, outcomes map[string]int, server []time.Duration, cpu time.Duration) {
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, fmt.Sprintf("%s×%d", k, outcomes[k]))
	}
	sort.Strings(keys)
	fmt.Printf("%s  [%s]\n", name, strings.Join(keys, ", "))
	c50, c90, c99, cmax, cmean := percentiles(client)
	fmt.Printf("   client-observed: p50 %v  p90 %v  p99 %v  max %v  mean %v\n", c50, c90, c99, cmax, cmean)
	s50, s90, s99, smax, smean := percentiles(server)
	verdict := "OK (p99 ≤ 100 ms)"
	if s99 > 100*time.Millisecond {
		verdict = "OVER the 100 ms p99 goal"
	}
	fmt.Printf("   server (access log, whole ms, %d requests): p50 %v  p90 %v  p99 %v  max %v  mean %v  %s\n", len(server), s50, s90, s99, smax, smean, verdict)
	if len(client) > 0 {
		fmt.Printf("   server process CPU: %v in all, %v per scan (10 ms resolution; excludes MariaDB and Redis)\n", cpu, cpu/time.Duration(len(client)))
	}
}
