package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gongjian/internal/benchkit"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/wxemu"
)

// client sends the bench's requests over keep-alive connections.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns + 4, MaxIdleConnsPerHost: conns + 4, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

func (c *client) do(method, path, tok string, body any, headers ...string) (int, []byte, error) {
	req, err := jsonhttp.NewRequest(method, c.base+path, tok, body, headers...)
	if err != nil {
		return 0, nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (c *client) call(method, path, tok string, body, out any) error {
	code, raw, err := c.do(method, path, tok, body)
	if err != nil {
		return err
	}
	if code >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, code, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (c *client) getJSON(path, tok string, out any) error { return c.call("GET", path, tok, nil, out) }

func (c *client) login(name string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := c.call("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(name)}, &out)
	return out.Token, err
}

// fig is one measured figure.
type fig struct {
	p50, p99 time.Duration
	rps      float64
	errs     int
}

// sequential sends n requests one after the other.
func (c *client) sequential(path, tok string, n int) fig {
	ds := make([]time.Duration, 0, n)
	errs := 0
	for i := 0; i < n; i++ {
		t := time.Now()
		code, _, err := c.do("GET", path, tok, nil)
		if err != nil || code != 200 {
			errs++
		}
		ds = append(ds, time.Since(t))
	}
	return fig{p50: percentile(ds, 0.5), p99: percentile(ds, 0.99), errs: errs}
}

// concurrent keeps conns requests in flight for d.
func (c *client) concurrent(path, tok string, conns int, d time.Duration) fig {
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				t := time.Now()
				code, _, err := c.do("GET", path, tok, nil)
				if err != nil || code != 200 {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	start := time.Now()
	wg.Wait()
	return fig{p50: percentile(all, 0.5), p99: percentile(all, 0.99), rps: float64(len(all)) / time.Since(start).Seconds(), errs: int(errs.Load())}
}

// activity creates and publishes a one-session activity.
func (c *client) activity(admin string, community, org int64, title string, start time.Time, seats int) (int64, int64, error) {
	var act benchkit.Activity
	body := benchkit.ActivityBody(title, "lecture", "社区活动室", community, org, start.Add(-time.Hour), start, seats, 0)
	if err := c.call("POST", "/api/v1/admin/activities", admin, body, &act); err != nil {
		return 0, 0, err
	}
	if err := c.call("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", act.ID), admin, nil, nil); err != nil {
		return 0, 0, err
	}
	return act.ID, act.Sessions[0].ID, nil
}

// signUps logs in n residents and signs them up one after the other on a
// new activity; it returns the p50 of the sign-ups.
func (c *client) signUps(admin string, community, org int64, title, who string, n int) (time.Duration, error) {
	_, sid, err := c.activity(admin, community, org, title, time.Now().Add(72*time.Hour), n+10)
	if err != nil {
		return 0, err
	}
	toks := make([]string, n)
	for i := range toks {
		if toks[i], err = c.login(fmt.Sprintf("%s-%d", who, i)); err != nil {
			return 0, err
		}
	}
	ds := make([]time.Duration, 0, n)
	for i, tok := range toks {
		body := map[string]any{"session_id": sid, "attendees": []map[string]any{{"self": true}}}
		t := time.Now()
		code, raw, err := c.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", fmt.Sprintf("%s-%d-%s", who, i, randHex(4)))
		if err != nil || code != 201 {
			return 0, fmt.Errorf("sign-up: %d %s %v", code, raw, err)
		}
		ds = append(ds, time.Since(t))
	}
	return percentile(ds, 0.5), nil
}

// lastCursor walks a keyset list to its last page and returns that page's cursor.
func (c *client) lastCursor(path, tok string) (string, int, error) {
	cursor, pages := "", 0
	for {
		var out struct {
			NextCursor *string `json:"next_cursor"`
		}
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.getJSON(p, tok, &out); err != nil {
			return "", pages, err
		}
		pages++
		if out.NextCursor == nil {
			return url.QueryEscape(cursor), pages, nil
		}
		cursor = *out.NextCursor
	}
}

// export downloads the file while sampling the server's resident memory;
// it returns the time, the peak growth of the memory and the file's size.
func (c *client) export(path, tok string, pid int) (time.Duration, int64, int, error) {
	before := rss(pid)
	peak := atomic.Int64{}
	peak.Store(before)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				if r := rss(pid); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	t := time.Now()
	code, raw, err := c.do("GET", path, tok, nil)
	took := time.Since(t)
	close(done)
	if err == nil && code != 200 {
		err = fmt.Errorf("export: %d %.200s", code, raw)
	}
	return took, peak.Load() - before, len(raw), err
}

// rss is a process's resident memory in bytes.
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(sc.Text())[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// metric reads one value of the server's /metrics.
func (c *client) metric(name string) (string, error) {
	_, raw, err := c.do("GET", "/metrics", "", nil)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" "), nil
		}
	}
	return "?", nil
}

// cpuTicks is a process's user+system time in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// mariadbPID finds the MariaDB server process.
func mariadbPID() int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		switch strings.TrimSpace(string(comm)) {
		case "mariadbd", "mysqld":
			return pid
		}
	}
	return 0
}

// idleCPU measures the CPU the server and MariaDB use over d, in percent
// of one core (100 ticks a second).
func idleCPU(pid int, d time.Duration) (server, db float64) {
	dbPID := mariadbPID()
	s0, d0 := cpuTicks(pid), cpuTicks(dbPID)
	time.Sleep(d)
	s1, d1 := cpuTicks(pid), cpuTicks(dbPID)
	secs := d.Seconds()
	return float64(s1-s0) / secs, float64(d1-d0) / secs
}
