// Command bench measures sign-ups against the running server and, in the
// same run, against a naive MySQL-only baseline (a hot-row UPDATE plus the
// same INSERTs per request, behind the same HTTP stack: see naive.go), and
// prints the figures and their ratios.
//
//	go run ./scripts/bench                      # builds ./server, starts it on a fresh database, runs every mode
//	go run ./scripts/bench -mode hot -n 2000 -seats 300
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
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

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
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "all", "hot | sustained | soldout | all")
	flag.StringVar(&o.addr, "addr", "", "base URL of a running server, or comma-separated URLs of several (default: build ./server and start it on a fresh database)")
	flag.IntVar(&o.n, "n", 2000, "residents in the hot release")
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
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
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
}

// measure runs fn (which returns how many requests it sent) and prints the
// CPU every process spent per request.
func (b *bench) measure(label string, fn func() int) {
	busy0, total0 := machineCPU()
	before := b.cpu.sample()
	t0 := time.Now()
	n := fn()
	b.cpu.report(label, before, b.cpu.sample(), n, time.Since(t0), busy0, total0)
}

func run(o options) (int, error) {
	b := &bench{o: o, client: &http.Client{Transport: newTransport(64), Timeout: 60 * time.Second}}
	secret := o.jwtSecret
	dsn := o.mysqlDSN
	var serverPIDs []int
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
	if b.naive, err = startNaive(dsn, []byte(secret), rdb, "gjbench-naive:"+randHex(4)+":"); err != nil {
		return 0, err
	}
	b.cpu = newCPUMeter(serverPIDs)
	defer b.naive.close()
	if b.admin, err = b.login(o.admin); err != nil {
		return 0, fmt.Errorf("admin login: %w", err)
	}
	need := o.n
	if o.mode == "all" || o.mode == "sustained" {
		need = max(need, o.sustainedN)
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
	for _, m := range []string{"hot", "sustained", "soldout"} {
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
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Minute)
	var act struct {
		ID       int64 `json:"id"`
		Sessions []struct {
			ID int64 `json:"id"`
		} `json:"sessions"`
	}
	body := map[string]any{
		"title": title, "category": "performance", "community_id": b.community, "host_org_id": orgID,
		"place": map[string]any{"address": "压测剧场"}, "signup_opens_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		"signup_closes_at": start.Add(-time.Hour).UTC().Format(time.RFC3339),
		"sessions":         []map[string]any{{"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).UTC().Format(time.RFC3339), "capacity": seats, "waitlist_capacity": waitlist}},
	}
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

// ---- modes ----

// round is one measured run of one side.
type round struct {
	s    stats
	took time.Duration
	rate float64 // per second (sustained: confirmed, sold out: refusals)
}

// rounds runs ours then the baseline, b.o.rounds times alternately (so a
// burst of other work on the machine does not fall on one side only), and
// returns every round of each.
func (b *bench) rounds(ours, naive func(i int) (round, error)) ([]round, []round, error) {
	var o, n []round
	for i := 0; i < b.o.rounds; i++ {
		r, err := ours(i)
		if err != nil {
			return nil, nil, err
		}
		o = append(o, r)
		time.Sleep(500 * time.Millisecond)
		r, err = naive(i)
		if err != nil {
			return nil, nil, err
		}
		n = append(n, r)
		time.Sleep(500 * time.Millisecond)
	}
	return o, n, nil
}

func best(rs []round, better func(a, b round) bool) round {
	out := rs[0]
	for _, r := range rs[1:] {
		if better(r, out) {
			out = r
		}
	}
	return out
}

func printRounds(label string, rs []round, show func(round) string) {
	var parts []string
	for _, r := range rs {
		parts = append(parts, show(r))
	}
	fmt.Printf("  %-6s rounds: %s\n", label, strings.Join(parts, ", "))
}

func (b *bench) hot() error {
	n, seats := b.o.n, b.o.seats
	fmt.Printf("\n== hot release: %d residents, one session of %d seats, all fired at the same instant (one connection each); %d rounds\n", n, seats, b.o.rounds)
	var total stats
	ours, naive, err := b.rounds(func(i int) (round, error) {
		aid, sid, err := b.session(fmt.Sprintf("热门演出 %d", i+1), seats, 0)
		if err != nil {
			return round{}, err
		}
		var rs []result
		b.measure("ours", func() int { rs, err = hotRelease(b.bases, b.tokens[:n], sid); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		got, err := b.confirmed(aid)
		if err != nil {
			return round{}, err
		}
		if st.confirmed > seats || got > seats {
			return round{}, fmt.Errorf("OVERSELL: %d confirmed (%d in the database) for %d seats", st.confirmed, got, seats)
		}
		if st.confirmed != seats || got != seats || st.other != 0 {
			total.other++
			fmt.Printf("  round %d: %d confirmed, %d in the database, %d other answers (%s)\n", i+1, st.confirmed, got, st.other, st.firstOther)
		}
		fmt.Printf("  round %d: %d confirmed in the answers %v (per server process), %d in the database\n", i+1, st.confirmed, confirmedPerServer(rs, len(b.bases)), got)
		total.confirmed += got
		return round{s: st}, nil
	}, func(i int) (round, error) {
		nsid, err := b.naive.session(seats)
		if err != nil {
			return round{}, err
		}
		var rs []result
		b.measure("naive, served by the bench process", func() int { rs, err = hotRelease([]string{b.naive.url}, b.tokens[:n], nsid); return len(rs) })
		if err != nil {
			return round{}, err
		}
		return round{s: summarize(rs)}, nil
	})
	if err != nil {
		return err
	}
	sooner := func(a, b round) bool { return a.s.max < b.s.max }
	o, t := best(ours, sooner), best(naive, sooner)
	show := func(r round) string { return "last answer " + ms(r.s.max) }
	printRounds("ours", ours, show)
	printRounds("naive", naive, show)
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, 0, 0)
	fmt.Printf("  last answer after the release: ours %s, naive %s (naive/ours = %.2f×)\n", ms(o.s.max), ms(t.s.max), ratio(t.s.max, o.s.max))
	b.check(total.other == 0 && total.confirmed == seats*b.o.rounds, "exactly %d confirmed in every round, every request answered 201 or 409 QUOTA_FULL", seats)
	b.check(o.s.max <= time.Second, "all answered within 1 s of the release (%s)", ms(o.s.max))
	b.check(ratio(t.s.max, o.s.max) >= 1.5, "answered at least 1.5× sooner than the naive baseline (%.2f×)", ratio(t.s.max, o.s.max))
	return nil
}

func (b *bench) sustained() error {
	n, conns := b.o.sustainedN, b.o.conns
	fmt.Printf("\n== sustained: one hot session with seats for everyone, %d sign-ups by distinct residents over %d connections; %d rounds\n", n, conns, b.o.rounds)
	bad := 0
	ours, naive, err := b.rounds(func(i int) (round, error) {
		aid, sid, err := b.session(fmt.Sprintf("大型讲座 %d", i+1), n+10, 0)
		if err != nil {
			return round{}, err
		}
		var rs []result
		var took time.Duration
		b.measure("ours", func() int { rs, took, err = sustained(b.bases, b.tokens[:n], sid, conns); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		got, err := b.confirmed(aid)
		if err != nil {
			return round{}, err
		}
		if st.confirmed != n || got != n || st.other != 0 {
			bad++
			fmt.Printf("  round %d: %d confirmed of %d, %d in the database, %d errors (%s)\n", i+1, st.confirmed, n, got, st.other, st.firstOther)
		}
		return round{s: st, took: took, rate: float64(st.confirmed) / took.Seconds()}, nil
	}, func(i int) (round, error) {
		nsid, err := b.naive.session(n + 10)
		if err != nil {
			return round{}, err
		}
		var rs []result
		var took time.Duration
		b.measure("naive, served by the bench process", func() int {
			rs, took, err = sustained([]string{b.naive.url}, b.tokens[:n], nsid, conns)
			return len(rs)
		})
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		return round{s: st, took: took, rate: float64(st.confirmed) / took.Seconds()}, nil
	})
	if err != nil {
		return err
	}
	faster := func(a, b round) bool { return a.rate > b.rate }
	o, t := best(ours, faster), best(naive, faster)
	show := func(r round) string { return fmt.Sprintf("%.0f/s p99 %s", r.rate, ms(r.s.p99)) }
	printRounds("ours", ours, show)
	printRounds("naive", naive, show)
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, o.rate, t.rate)
	fmt.Printf("  registrations/s: ours %.0f, naive %.0f (ours/naive = %.2f×); %s\n", o.rate, t.rate, o.rate/t.rate, b.batchSize())
	b.check(bad == 0, "every sign-up confirmed in every round (%d of %d per round)", o.s.confirmed, n)
	b.check(o.rate >= 3*t.rate, "at least 3× the naive baseline's registrations per second (%.2f×)", o.rate/t.rate)
	b.check(o.s.p99 <= 50*time.Millisecond, "p99 ≤ 50 ms (%s)", ms(o.s.p99))
	return nil
}

func (b *bench) soldOut() error {
	conns, d := b.o.conns, b.o.duration
	fmt.Printf("\n== sold out: a full session, %d connections for %s; %d rounds\n", conns, d, b.o.rounds)
	_, sid, err := b.session("已满场次", 1, 0)
	if err != nil {
		return err
	}
	if rs, _, err := sustained(b.bases, b.tokens[:1], sid, 1); err != nil || rs[0].status != 201 {
		return fmt.Errorf("filling the session: %v %+v", err, rs)
	}
	nsid, err := b.naive.session(0)
	if err != nil {
		return err
	}
	bad := 0
	ours, naive, err := b.rounds(func(i int) (round, error) {
		var rs []result
		var took time.Duration
		b.measure("ours", func() int { rs, took, err = soldOut(b.bases, b.tokens[1:], sid, conns, d); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		if st.confirmed != 0 || st.other != 0 {
			bad++
			fmt.Printf("  round %d: %d confirmed, %d other answers (%s)\n", i+1, st.confirmed, st.other, st.firstOther)
		}
		return round{s: st, took: took, rate: float64(st.full) / took.Seconds()}, nil
	}, func(i int) (round, error) {
		var rs []result
		var took time.Duration
		b.measure("naive, served by the bench process", func() int {
			rs, took, err = soldOut([]string{b.naive.url}, b.tokens[1:], nsid, conns, d)
			return len(rs)
		})
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		return round{s: st, took: took, rate: float64(st.full) / took.Seconds()}, nil
	})
	if err != nil {
		return err
	}
	faster := func(a, b round) bool { return a.rate > b.rate }
	o, t := best(ours, faster), best(naive, faster)
	show := func(r round) string { return fmt.Sprintf("%.0f/s", r.rate) }
	printRounds("ours", ours, show)
	printRounds("naive", naive, show)
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, o.rate, t.rate)
	fmt.Printf("  refusals/s: ours %.0f, naive %.0f (ours/naive = %.2f×)\n", o.rate, t.rate, o.rate/t.rate)
	b.check(bad == 0, "only QUOTA_FULL answers in every round")
	b.check(o.rate >= 8000, "at least 8,000 refusals per second (%.0f)", o.rate)
	return nil
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

// ---- the servers under test ----

// servers are the server processes under test: one binary, one fresh
// database, one Redis (the same key prefix), the same JWT secret, data and
// ticket keys, each process on its own port.
type servers struct {
	cmds      []*exec.Cmd
	bases     []string
	dsn       string
	jwtSecret string
	db        string
	prefix    string
	redisAddr string
	cluster   *redisCluster // -redis-cluster: the private cluster
	o         options
	dir       string
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startServers builds ./server, creates a fresh database and starts
// o.procs server processes on it with the built-in WeChat emulator and the
// local Redis (or, with -redis-cluster, a private 3-master Redis Cluster).
// On an error everything started so far is stopped again.
func startServers(o options) (*servers, error) {
	dir, err := os.MkdirTemp("", "gongjian-bench-")
	if err != nil {
		return nil, err
	}
	s := &servers{o: o, dir: dir, db: "gjbench_" + randHex(4), prefix: "gjbench:" + randHex(4) + ":", jwtSecret: randHex(32), redisAddr: o.redisAddr}
	if err := s.start(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *servers) start() error {
	bin := filepath.Join(s.dir, "gongjian")
	fmt.Println("building ./server …")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./server (run the bench from the repository root): %w", err)
	}
	if s.o.cluster {
		var err error
		if s.cluster, err = startRedisCluster(); err != nil {
			return err
		}
		s.redisAddr = s.cluster.addr()
	}
	if err := s.createDatabase(); err != nil {
		return err
	}
	env := s.env()
	grant := exec.Command(bin, "admin", "grant", "--openid", wxemu.OpenID("wxemulator0000000", s.o.admin), "--role", "admin")
	grant.Env = env
	if out, err := grant.CombinedOutput(); err != nil {
		return fmt.Errorf("grant admin: %v: %s", err, out)
	}
	ports, err := freePorts(s.o.procs)
	if err != nil {
		return err
	}
	for i, port := range ports {
		if err := s.startProcess(bin, env, i, "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			return err
		}
	}
	fmt.Printf("%d server process(es) on database %s, Redis %s\n", len(s.cmds), s.db, s.redisAddr)
	return nil
}

func (s *servers) createDatabase() error {
	admin, err := sql.Open("mysql", s.o.mysqlAdmin)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + s.db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	cfg, _ := mysqldrv.ParseDSN(s.o.mysqlAdmin)
	cfg.DBName = s.db
	s.dsn = cfg.FormatDSN()
	return nil
}

// env is the environment every server process shares (each adds its own
// GONGJIAN_HTTP_ADDR).
func (s *servers) env() []string {
	key, ticket := make([]byte, 32), make([]byte, 32)
	rand.Read(key)
	rand.Read(ticket)
	return append(os.Environ(),
		"GONGJIAN_ENV=development", "GONGJIAN_DATA_DIR="+s.dir,
		"GONGJIAN_MYSQL_DSN="+s.dsn, "GONGJIAN_REDIS_ADDR="+s.redisAddr, "GONGJIAN_REDIS_KEY_PREFIX="+s.prefix,
		"GONGJIAN_JWT_SECRET="+s.jwtSecret, "GONGJIAN_DATA_KEY="+base64.StdEncoding.EncodeToString(key),
		"GONGJIAN_TICKET_KEY="+base64.StdEncoding.EncodeToString(ticket),
		// The processes share the MariaDB pool one process would have (64
		// by default): the machine's MariaDB allows 151 connections and the
		// baseline takes 64 of them.
		"GONGJIAN_MYSQL_MAX_OPEN_CONNS="+strconv.Itoa(max(16, 64/s.o.procs)),
		"GONGJIAN_WECHAT_APP_ID=", "GONGJIAN_LOG_LEVEL=warn", "GONGJIAN_SEED_DEMO=never",
		"GONGJIAN_LOGIN_PER_IP_PER_MINUTE=100000000", "GONGJIAN_LOGIN_PER_USER_PER_MINUTE=1000",
		"GONGJIAN_HTTP_WRITE_TIMEOUT=120s",
		// Every simulated resident comes from 127.0.0.1: the per-address
		// limits meant for the real world would refuse the crowd.
		"GONGJIAN_LIMIT_REGISTRATION_PER_IP=0", "GONGJIAN_LIMIT_CHECKIN_PER_IP=0",
		// Notices are written with each sign-up (measured); sending them is
		// the messaging workers' job, which runs in its own processes when
		// it matters and would only blur the figures here.
		"GONGJIAN_NOTIFY_WORKERS=false",
	)
}

// startProcess starts server process i on addr and waits until it is ready.
func (s *servers) startProcess(bin string, env []string, i int, addr string) error {
	cmd := exec.Command(bin)
	cmd.Env = append(env[:len(env):len(env)], "GONGJIAN_HTTP_ADDR="+addr)
	logPath := filepath.Join(s.dir, fmt.Sprintf("server-%d.log", i))
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // gone with the bench, whatever happens
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmds = append(s.cmds, cmd)
	base := "http://" + addr
	ready := waitUntil(10*time.Second, func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	if !ready {
		return errors.New("the server did not become ready; see " + logPath)
	}
	s.bases = append(s.bases, base)
	fmt.Printf("server %d started on %s (pid %d, log %s)\n", i+1, base, cmd.Process.Pid, logPath)
	return nil
}

func (s *servers) pids() []int {
	out := make([]int, len(s.cmds))
	for i, cmd := range s.cmds {
		out[i] = cmd.Process.Pid
	}
	return out
}

// stop stops every server process (together: SIGTERM to all, then wait),
// then cleans up.
func (s *servers) stop() {
	var wg sync.WaitGroup
	for _, cmd := range s.cmds {
		wg.Add(1)
		go func() { defer wg.Done(); stopProcess(cmd, 30*time.Second) }()
	}
	wg.Wait()
	s.cleanup()
}

// cleanup drops the database and the Redis keys (unless -keep) and stops
// the private Redis Cluster (always: its keys go with it).
func (s *servers) cleanup() {
	if s.cluster != nil {
		defer s.cluster.stop()
	}
	if s.o.keep {
		fmt.Printf("kept database %s, Redis prefix %s and %s\n", s.db, s.prefix, s.dir)
		return
	}
	if admin, err := sql.Open("mysql", s.o.mysqlAdmin); err == nil {
		admin.Exec("DROP DATABASE IF EXISTS " + s.db)
		admin.Close()
	}
	if s.cluster == nil {
		deleteKeys(s.redisAddr, s.prefix)
	}
	os.RemoveAll(s.dir)
}

// deleteKeys deletes the keys under prefix on a Redis server, or on every
// master of a Redis Cluster (a comma-separated address list).
func deleteKeys(addr, prefix string) {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(addr, ",")})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		c.ForEachMaster(ctx, del)
	case *redis.Client:
		del(ctx, c)
	}
}
