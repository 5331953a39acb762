// Command bench-console measures the desk console's registrations page on a
// big activity: it builds ./server, starts it on a fresh MariaDB database
// (development console login, built-in WeChat emulator), logs in as the
// district admin through the console's cookie session, creates and
// publishes an activity, loads -n registrations (100,000 by default) with
// their people straight into the database, then requests keyset pages of
// GET /api/v1/console/registrations — the first page, deep pages (a cursor
// anywhere in the list), filtered by status, session, no-show, community,
// phone digits, name and sign-up day — and the activity's own staff list
// at deep cursors, from -conns connections, and prints p50/p99 per kind and
// overall.
//
//	go run ./scripts/bench-console                  # 100,000 registrations, 1,000 requests
//	go run ./scripts/bench-console -n 20000 -requests 200
//
// Exit status: 1 on an error, 2 when the overall p99 misses -target (200 ms).
package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"gongjian/internal/benchkit"
	"gongjian/internal/cst"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/page"
)

func main() {
	n := flag.Int("n", 100000, "registrations to load")
	requests := flag.Int("requests", 1000, "list requests to time")
	conns := flag.Int("conns", 4, "concurrent connections")
	admin, redisAddr := benchkit.MySQLFlag(), benchkit.RedisFlag()
	target := flag.Duration("target", 200*time.Millisecond, "p99 target")
	flag.BoolVar(&keep, "keep", false, "keep the database (its name is printed) to look at the queries")
	flag.Parse()
	err := run(*n, *requests, *conns, *admin, *redisAddr, *target)
	if errors.Is(err, errMissed) {
		fmt.Println(err)
		os.Exit(2)
	}
	benchkit.ExitOnError("bench-console", err)
}

// errMissed is an overall p99 above the target: run returns it, so that its
// deferred clean-up (the server stopped, the database dropped) is done, and
// main exits with status 2.
var errMissed = errors.New("p99 misses the target")

var keep bool

var randHex = benchkit.RandHex

func run(n, requests, conns int, adminDSN, redisAddr string, target time.Duration) error {
	dbName := "gjbench_console_" + randHex(4)
	cfg, err := benchkit.CreateDatabase(adminDSN, dbName)
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("database:", dbName)
	} else {
		defer benchkit.DropDatabase(adminDSN, dbName)
	}
	cfg.ParseTime = true
	cfg.InterpolateParams = true
	dsn := cfg.FormatDSN()

	dir, bin, err := benchkit.BuildServerInTemp("bench-console")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logPath := filepath.Join(dir, "server.log")
	srv, base, err := benchkit.StartServerOnFreeAddr(bin, append(os.Environ(), "GONGJIAN_MYSQL_DSN="+dsn, "GONGJIAN_REDIS_ADDR="+redisAddr,
		"GONGJIAN_REDIS_KEY_PREFIX=gjbc"+randHex(3)+":", "GONGJIAN_DATA_DIR="+dir,
		"GONGJIAN_SEED_DEMO=never", "GONGJIAN_LOG_LEVEL=warn", "GONGJIAN_WECHAT_APP_ID="), logPath)
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	if !benchkit.WaitReady(base, 30*time.Second) {
		logs, _ := os.ReadFile(logPath)
		return fmt.Errorf("the server did not get ready\n%s", logs)
	}

	c := newClient(base)
	if _, err := c.call("POST", "/api/v1/console/login/dev", map[string]string{"name": "admin"}, 200); err != nil {
		return err
	}
	comm, err := c.call("POST", "/api/v1/admin/communities", map[string]string{"name": "压测社区"}, 201)
	if err != nil {
		return err
	}
	cid := int64(comm["id"].(float64))
	org, err := c.call("POST", "/api/v1/admin/organizations", map[string]any{"name": "压测志愿队", "type": "co_building_unit", "community_ids": []int64{cid}}, 201)
	if err != nil {
		return err
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute).UTC()
	act, err := c.call("POST", "/api/v1/admin/activities", map[string]any{
		"title": "万人健步走", "category": "volunteer_service", "description": "压测", "community_id": cid, "host_org_id": org["id"],
		"place":           map[string]any{"address": "压测广场", "lat": 39.9, "lng": 116.4},
		"signup_opens_at": time.Now().Add(-time.Hour).UTC(), "signup_closes_at": start.Add(-time.Hour),
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(2 * time.Hour), "capacity": n, "waitlist_capacity": 0}},
	}, 201)
	if err != nil {
		return err
	}
	aid := int64(act["id"].(float64))
	sid := int64(act["sessions"].([]any)[0].(map[string]any)["id"].(float64))
	if _, err := c.call("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), nil, 200); err != nil {
		return err
	}

	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	t0 := time.Now()
	if err := load(db, n, aid, sid, cid); err != nil {
		return err
	}
	fmt.Printf("loaded %d registrations (and their people) in %s\n", n, time.Since(t0).Round(time.Millisecond))

	var minID, maxID int64
	if err := db.QueryRow("SELECT MIN(id), MAX(id) FROM registrations WHERE activity_id = ?", aid).Scan(&minID, &maxID); err != nil {
		return err
	}
	// deep is the cursor of a page anywhere in the list (the server's
	// cursors are opaque positions: the id of the last row served).
	deep := func() string { return "&cursor=" + page.Cursor{ID: minID + rand.Int64N(maxID-minID+1)}.Encode() }
	day := func(t time.Time) string { return t.In(cst.Zone).Format("2006-01-02") }
	const list = "/api/v1/console/registrations?limit=20"
	kinds := []struct {
		name  string
		query func() string
	}{
		{"first page", func() string { return list }},
		{"deep page", func() string { return list + deep() }},
		{"status deep", func() string { return list + "&status=waitlisted" + deep() }},
		{"session+status", func() string { return fmt.Sprintf("%s&session_id=%d&status=confirmed%s", list, sid, deep()) }},
		{"no_show", func() string { return list + "&no_show=true" }},
		{"community", func() string { return fmt.Sprintf("%s&community_id=%d%s", list, cid, deep()) }},
		{"phone digits", func() string { return fmt.Sprintf("%s&q=%04d", list, rand.IntN(10000)) }},
		{"name", func() string {
			return fmt.Sprintf("%s&q=%s", list, url.QueryEscape(fmt.Sprintf("压测%d", rand.IntN(n))))
		}},
		{"date range", func() string {
			from := time.Now().Add(-time.Duration(rand.IntN(n)) * time.Second)
			return fmt.Sprintf("%s&from=%s&to=%s", list, day(from), day(from))
		}},
		{"activity deep", func() string { return fmt.Sprintf("/api/v1/admin/activities/%d/registrations?limit=20%s", aid, deep()) }},
	}
	// Warm up (connections, caches) before timing.
	for i := 0; i < 10; i++ {
		if _, _, err := c.timed(kinds[i%len(kinds)].query()); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	byKind := map[string][]time.Duration{}
	var all []time.Duration
	var wg sync.WaitGroup
	var firstErr error
	jobs := make(chan int)
	for range conns {
		wg.Go(func() {
			cc := c.clone()
			for i := range jobs {
				k := kinds[i%len(kinds)]
				d, rows, err := cc.timed(k.query())
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if rows == 0 && k.name == "first page" && err == nil {
					firstErr = fmt.Errorf("the list is empty")
				}
				byKind[k.name] = append(byKind[k.name], d)
				all = append(all, d)
				mu.Unlock()
			}
		})
	}
	for i := range requests {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("console registrations page (GET /api/v1/console/registrations, keyset cursor, 20 rows) over %d registrations, %d requests over %d connections (cookie session, real server, MariaDB):\n", n, requests, conns)
	for _, k := range kinds {
		p50, p99 := pct(byKind[k.name], 50), pct(byKind[k.name], 99)
		fmt.Printf("  %-18s n=%-4d p50=%-8s p99=%s\n", k.name, len(byKind[k.name]), p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond))
	}
	p99 := pct(all, 99)
	fmt.Printf("  %-18s n=%-4d p50=%-8s p99=%s (target %s)\n", "overall", len(all), pct(all, 50).Round(100*time.Microsecond), p99.Round(100*time.Microsecond), target)
	if p99 > target {
		return errMissed
	}
	return nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// insert is a multi-row INSERT INTO table (columns) of k rows shaped row.
func insert(tableColumns, row string, k int) string {
	return "INSERT INTO " + tableColumns + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", k), ",")
}

// load inserts n people, one sign-up group each, and their registrations:
// 90% confirmed (1% of them no-shows), 5% waitlisted, 5% cancelled.
func load(db *sql.DB, n int, aid, sid, cid int64) error {
	const batch = 2000
	now := time.Now().UTC()
	var firstUser int64
	for from := 0; from < n; from += batch {
		k := min(batch, n-from)
		args := make([]any, 0, k*7)
		for i := 0; i < k; i++ {
			j := from + i
			args = append(args, fmt.Sprintf("obench%08d", j), fmt.Sprintf("居民%d", j), fmt.Sprintf("压测%d", j), cid, fmt.Sprintf("139****%04d", j%10000), now, now)
		}
		res, err := db.Exec(insert("users (open_id, nickname, real_name, community_id, phone_masked, created_at, updated_at)", "(?, ?, ?, ?, ?, ?, ?)", k), args...)
		if err != nil {
			return fmt.Errorf("users: %w", err)
		}
		id, _ := res.LastInsertId()
		if from == 0 {
			firstUser = id
		}
	}
	for from := 0; from < n; from += batch {
		k := min(batch, n-from)
		var ga, ra []any
		for i := 0; i < k; i++ {
			j := from + i
			gk := fmt.Sprintf("bench%027d", j)
			uid := firstUser + int64(j)
			at := fmt.Sprintf("u%d", uid)
			status, live, noShow := "confirmed", any(at), j%100 == 7
			switch j % 20 {
			case 3:
				status = "waitlisted"
			case 11:
				status, live, noShow = "cancelled", nil, false
			}
			ts := now.Add(-time.Duration(n-j) * time.Second)
			ga = append(ga, gk, uid, aid, ts)
			ra = append(ra, aid, sid, gk, uid, at, live, status, status, noShow, ts, ts)
		}
		if _, err := db.Exec(insert("registration_groups (group_key, user_id, activity_id, fingerprint, answers, source, created_at)", "(?, ?, ?, '', '{}', 'self', ?)", k), ga...); err != nil {
			return fmt.Errorf("groups: %w", err)
		}
		if _, err := db.Exec(insert("registrations (activity_id, session_id, group_key, user_id, attendee_key, live_key, status, first_status, no_show, source, created_at, updated_at)",
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, 'self', ?, ?)", k), ra...); err != nil {
			return fmt.Errorf("registrations: %w", err)
		}
	}
	return nil
}

type client struct {
	base string
	http *http.Client
	csrf string
}

func newClient(base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// clone shares the session (cookie jar, CSRF token) on a connection of its own.
func (c *client) clone() *client {
	return &client{base: c.base, csrf: c.csrf, http: &http.Client{Jar: c.http.Jar, Timeout: c.http.Timeout, Transport: &http.Transport{}}}
}

func (c *client) call(method, path string, body any, want int) (map[string]any, error) {
	req, err := jsonhttp.NewRequest(method, c.base+path, "", body)
	if err != nil {
		return nil, err
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if t, ok := out["csrf_token"].(string); ok {
		c.csrf = t
	}
	return out, nil
}

func (c *client) timed(path string) (time.Duration, int, error) {
	t := time.Now()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		return 0, 0, err
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t)
	if res.StatusCode != 200 {
		return d, 0, fmt.Errorf("GET %s: %d %s", path, res.StatusCode, raw)
	}
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	_ = json.Unmarshal(raw, &out)
	return d, len(out.Items), nil
}
