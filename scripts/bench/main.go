// Command bench measures sign-ups against the running server and, in the
// same run, against a naive MySQL-only baseline (a hot-row UPDATE plus the
// same INSERTs per request, behind the same HTTP stack: see naive.go), and
// prints the figures and their ratios.
//
//	go run ./scripts/bench                      # builds ./server, starts it on a fresh database, runs every mode
//	go run ./scripts/bench -mode hot -n 5000 -seats 300
//	go run ./scripts/bench -addr http://127.0.0.1:8080 -jwt-secret S -admin NAME -mysql-dsn DSN
//	go run ./scripts/bench -mode hot -procs 2 -redis-cluster
//	go run ./scripts/bench -addr http://127.0.0.1:8080,http://127.0.0.1:8081 -jwt-secret S -admin NAME -mysql-dsn DSN
//
// Several processes: -procs N starts N server processes on different ports
// on the same fresh database and Redis (same key prefix, JWT secret, data
// and ticket keys, admin grant; they share the MariaDB pool one process
// would have); -redis-cluster starts a private 3-master Redis Cluster on
// free loopback ports for them (stopped at the end, even on an error);
// -addr takes a comma-separated list of running servers. Logins, hot-release
// residents and the connections of the other modes are spread over the
// processes round-robin; the CPU meter counts them together. The baseline
// stays one handler inside the bench process.
//
// Modes: hot (N residents released onto C seats at the same instant),
// sustained (one hot session with seats for everyone, -conns connections)
// and soldout (refusals of a full session, -conns connections, -duration).
// Residents log in through the real login endpoint against the built-in
// WeChat emulator. Exit status: 1 on an error or an oversell, 2 when a
// figure misses its target.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/benchkit"
	"gongjian/internal/wxemu"
)

type options struct {
	mode       string
	addr       string
	n          int
	seats      int
	conns      int
	sustainedN int
	duration   time.Duration
	rounds     int
	mysqlAdmin string
	mysqlDSN   string
	redisAddr  string
	jwtSecret  string
	admin      string
	keep       bool
	procs      int
	cluster    bool
	profile    string
	doorScans  int
	doorRate   int
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "all", "hot | sustained | soldout | door | all")
	flag.StringVar(&o.profile, "profile", "", "directory: save CPU and allocation profiles of the server during each mode (started servers only)")
	flag.IntVar(&o.doorScans, "door-scans", 1000, "tickets scanned in the door mode (at -door-rate a second)")
	flag.IntVar(&o.doorRate, "door-rate", 200, "scans a second in the door mode")
	flag.StringVar(&o.addr, "addr", "", "base URL of a running server, or comma-separated URLs of several (default: build ./server and start it on a fresh database)")
	flag.IntVar(&o.n, "n", 5000, "residents in the hot release")
	flag.IntVar(&o.seats, "seats", 300, "seats in the hot release")
	flag.IntVar(&o.conns, "conns", 64, "connections for the sustained and sold-out modes")
	flag.IntVar(&o.sustainedN, "sustained-n", 12000, "sign-ups (distinct residents) in the sustained mode")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of the sold-out mode")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds of each mode (ours and the baseline alternately; the best round of each is compared)")
	flag.StringVar(&o.mysqlAdmin, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN without a database, to create the fresh one")
	flag.StringVar(&o.mysqlDSN, "mysql-dsn", "", "with -addr: the DSN of a database the baseline may use")
	flag.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis the started servers use (comma-separated: a Redis Cluster)")
	flag.StringVar(&o.jwtSecret, "jwt-secret", "", "with -addr: the server's GONGJIAN_JWT_SECRET (the baseline checks the same tokens)")
	flag.StringVar(&o.admin, "admin", "benchadmin", "with -addr: dev login name of a user holding the admin role")
	flag.BoolVar(&o.keep, "keep", false, "keep the fresh database and Redis keys (a private Redis Cluster is stopped all the same)")
	flag.IntVar(&o.procs, "procs", 1, "server processes to start on different ports (same database, Redis, secrets); the load is spread over them round-robin")
	flag.BoolVar(&o.cluster, "redis-cluster", false, "start a private 3-master Redis Cluster on free loopback ports for the servers (instead of -redis)")
	flag.Parse()
	code, err := run(o)
	benchkit.ExitOnError("bench", err)
	os.Exit(code)
}

type bench struct {
	o         options
	community int64
	base      string   // the first server: administration
	bases     []string // every server process: load and logins, round-robin
	client    *http.Client
	admin     string
	naive     *naive
	tokens    []string
	fails     int
	cpu       *cpuMeter
	rdb       redis.UniversalClient
	prof      *profiler // -profile: pprof of the server during each mode
}

// measure runs fn (which returns how many requests it sent), prints the
// CPU every process spent per request and returns it (the server's, and
// every measured process's together).
func (b *bench) measure(label string, fn func() int) cpuUse {
	busy0, total0 := machineCPU()
	before := b.cpu.sample()
	t0 := time.Now()
	n := fn()
	return b.cpu.report(label, before, b.cpu.sample(), n, time.Since(t0), busy0, total0)
}

func run(o options) (int, error) {
	b := &bench{o: o, client: &http.Client{Transport: newTransport(64), Timeout: 60 * time.Second}}
	secret := o.jwtSecret
	dsn := o.mysqlDSN
	var serverPIDs []int
	var debugAddrs []string
	redisAddr := o.redisAddr
	if o.addr == "" {
		if o.procs < 1 {
			return 0, errors.New("-procs must be at least 1")
		}
		srv, err := startServers(o)
		if err != nil {
			return 0, err
		}
		defer srv.stop()
		b.bases, secret, dsn, redisAddr = srv.bases, srv.jwtSecret, srv.dsn, srv.redisAddr
		serverPIDs = srv.pids()
		debugAddrs = srv.debugAddrs
	} else {
		if secret == "" || dsn == "" {
			return 0, errors.New("-addr needs -jwt-secret and -mysql-dsn (the baseline checks the same tokens in the same database)")
		}
		if o.procs != 1 || o.cluster {
			return 0, errors.New("-procs and -redis-cluster start servers: not with -addr")
		}
		if b.bases = splitURLs(o.addr); len(b.bases) == 0 {
			return 0, errors.New("-addr: no URL")
		}
	}
	b.base = b.bases[0]
	dsn, err := interpolated(dsn)
	if err != nil {
		return 0, err
	}
	// The baseline's rate-limit counters: in the servers' Redis, under a
	// prefix of their own (they expire within a minute).
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(redisAddr, ",")})
	defer rdb.Close()
	b.rdb = rdb
	if b.naive, err = startNaive(dsn, []byte(secret), rdb, "gjbench-naive:"+randHex(4)+":"); err != nil {
		return 0, err
	}
	b.cpu = newCPUMeter(serverPIDs)
	defer b.naive.close()
	if b.admin, err = b.login(o.admin); err != nil {
		return 0, fmt.Errorf("admin login: %w", err)
	}
	need := 0
	for m, n := range map[string]int{"hot": o.n, "sustained": o.sustainedN, "soldout": o.n, "door": o.doorScans} {
		if o.mode == "all" || o.mode == m {
			need = max(need, n)
		}
	}
	fmt.Printf("logging in %d residents through /api/v1/auth/login …\n", need)
	t0 := time.Now()
	if b.tokens, err = b.loginMany(need); err != nil {
		return 0, err
	}
	fmt.Printf("  %d logged in in %.1f s\n", need, time.Since(t0).Seconds())
	if err := b.warmUp(); err != nil {
		return 0, err
	}
	fmt.Printf("\nmachine: %d CPUs; server %s; baseline %s\n", numCPU(), strings.Join(b.bases, ", "), b.naive.url)
	if o.profile != "" {
		if len(debugAddrs) == 0 {
			return 0, errors.New("-profile needs servers the bench starts (not -addr)")
		}
		if b.prof, err = newProfiler(o.profile, debugAddrs); err != nil {
			return 0, err
		}
	}
	for _, m := range []string{"hot", "sustained", "soldout", "door"} {
		if o.mode != "all" && o.mode != m {
			continue
		}
		var err error
		switch m {
		case "hot":
			err = b.hot()
		case "sustained":
			err = b.sustained()
		case "soldout":
			err = b.soldOut()
		case "door":
			err = b.door()
		}
		if err != nil {
			return 0, err
		}
		time.Sleep(2 * time.Second) // let the machine settle between modes
	}
	if b.fails > 0 {
		fmt.Printf("\n%d target(s) missed\n", b.fails)
		return 2, nil
	}
	fmt.Println("\nall targets met")
	return 0, nil
}

// splitURLs splits -addr's comma-separated base URLs.
func splitURLs(list string) []string {
	var out []string
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}

func interpolated(dsn string) (string, error) {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	cfg.InterpolateParams = true
	cfg.ParseTime = true
	return cfg.FormatDSN(), nil
}

func (b *bench) check(ok bool, format string, args ...any) {
	mark := "PASS"
	if !ok {
		mark = "FAIL"
		b.fails++
	}
	fmt.Printf("  [%s] %s\n", mark, fmt.Sprintf(format, args...))
}

// ---- server API ----

func (b *bench) call(method, path, token string, body any, out any) (int, error) {
	return b.callAt(b.base, method, path, token, body, out)
}

// callAt is call on the server at base.
func (b *bench) callAt(base, method, path, token string, body any, out any) (int, error) {
	return b.send(base, method, path, token, "", body, out)
}

// callKeyed is call with an Idempotency-Key.
func (b *bench) callKeyed(method, path, token, key string, body any, out any) (int, error) {
	return b.send(b.base, method, path, token, key, body, out)
}

func (b *bench) send(base, method, path, token, key string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		return res.StatusCode, json.Unmarshal(raw, out)
	}
	return res.StatusCode, nil
}

func (b *bench) login(name string) (string, error) {
	return b.loginAt(b.base, name)
}

func (b *bench) loginAt(base, name string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	_, err := b.callAt(base, "POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(name)}, &out)
	return out.Token, err
}

func (b *bench) loginMany(n int) ([]string, error) {
	tokens := make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t, err := b.loginAt(b.bases[i%len(b.bases)], fmt.Sprintf("bench-resident-%d", i))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				tokens[i] = t
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return tokens, first
}

var orgID int64

// session creates and publishes an activity with one session of seats
// places, open for sign-up now, and returns the session id.
func (b *bench) session(title string, seats, waitlist int) (int64, int64, error) {
	return b.sessionAt(title, seats, waitlist, time.Now().Add(7*24*time.Hour).Truncate(time.Minute))
}

// sessionAt is session with the session starting at start.
func (b *bench) sessionAt(title string, seats, waitlist int, start time.Time) (int64, int64, error) {
	if orgID == 0 {
		var c struct {
			ID int64 `json:"id"`
		}
		if _, err := b.call("POST", "/api/v1/admin/communities", b.admin, map[string]string{"name": "压测社区-" + randHex(3)}, &c); err != nil {
			return 0, 0, err
		}
		var org struct {
			ID int64 `json:"id"`
		}
		if _, err := b.call("POST", "/api/v1/admin/organizations", b.admin, map[string]any{"name": "压测单位-" + randHex(3), "type": "co_building_unit", "community_ids": []int64{c.ID}}, &org); err != nil {
			return 0, 0, err
		}
		orgID = org.ID
		b.community = c.ID
	}
	closes := start.Add(-time.Hour)
	if closes.Before(time.Now().Add(time.Minute)) {
		closes = start // a session soon (the door): sign-up runs until it starts
	}
	var act benchkit.Activity
	body := benchkit.ActivityBody(title, "performance", "压测剧场", b.community, orgID, closes, start, seats, waitlist)
	if _, err := b.call("POST", "/api/v1/admin/activities", b.admin, body, &act); err != nil {
		return 0, 0, err
	}
	if _, err := b.call("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", act.ID), b.admin, nil, nil); err != nil {
		return 0, 0, err
	}
	return act.ID, act.Sessions[0].ID, nil
}

func (b *bench) confirmed(activityID int64) (int, error) {
	var out struct {
		Sessions []struct {
			Confirmed int `json:"confirmed"`
		} `json:"sessions"`
	}
	if _, err := b.call("GET", fmt.Sprintf("/api/v1/admin/activities/%d", activityID), b.admin, nil, &out); err != nil {
		return 0, err
	}
	return out.Sessions[0].Confirmed, nil
}

// warmUp runs a little of every path on both servers (scripts loaded,
// pools filled) before anything is measured.
func (b *bench) warmUp() error {
	_, sid, err := b.session("预热", 200, 0)
	if err != nil {
		return err
	}
	nsid, err := b.naive.session(200)
	if err != nil {
		return err
	}
	k := min(400, len(b.tokens))
	if _, _, err := sustained(b.bases, b.tokens[:k], sid, 16); err != nil {
		return err
	}
	_, _, err = sustained([]string{b.naive.url}, b.tokens[:k], nsid, 16)
	return err
}

// batchSize reads the group-commit figure from every server's /metrics.
func (b *bench) batchSize() string {
	var sum, count float64
	for _, base := range b.bases {
		s, c := b.batchMetric(base)
		sum += s
		count += c
	}
	if count == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f sign-ups per MySQL transaction on average", sum/count)
}

// batchMetric reads the sum and count of the write batch size histogram.
func (b *bench) batchMetric(base string) (sum, count float64) {
	res, err := b.client.Get(base + "/metrics")
	if err != nil {
		return 0, 0
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "gongjian_registration_write_batch_size_sum "); ok {
			fmt.Sscan(v, &sum)
		}
		if v, ok := strings.CutPrefix(line, "gongjian_registration_write_batch_size_count "); ok {
			fmt.Sscan(v, &count)
		}
	}
	return sum, count
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func printTable(ours, theirs stats, rate, nrate float64) {
	fmt.Printf("  %-8s %7s %9s %7s %6s %10s %10s %10s %10s", "", "requests", "confirmed", "full", "other", "p50", "p95", "p99", "max")
	if rate > 0 {
		fmt.Printf(" %10s", "per second")
	}
	fmt.Println()
	row := func(name string, s stats, r float64) {
		fmt.Printf("  %-8s %7d %9d %7d %6d %10s %10s %10s %10s", name, s.n, s.confirmed, s.full, s.other, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max))
		if r > 0 {
			fmt.Printf(" %10.0f", r)
		}
		fmt.Println()
	}
	row("ours", ours, rate)
	row("naive", theirs, nrate)
}
