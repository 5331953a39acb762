// Command bench-wristband measures the wristband webhook's ingestion on a
// real MariaDB and Redis: N devices (default 2,000) bound to N residents,
// each reporting every minute (a location and a heart rate by default; 1 %
// of heart rates out of range, so alarms open and repeat).
//
// It creates a fresh database, seeds it, starts the real server binary
// (built from ./server) against it, then runs two phases:
//
//   - paced: the real rate (devices × pushes per minute / 60) for -paced,
//     reporting latency percentiles and errors;
//   - saturation: -workers concurrent senders as fast as possible for -burst,
//     reporting the throughput the server sustains, hence the headroom.
//
// It also reports the server's CPU time per 1,000 pushes and the bytes per
// stored reading, projected over the retention period. Everything it created
// (database, Redis keys, server process) is removed at the end.
//
//	go run ./scripts/bench-wristband -devices 2000 -paced 60s -burst 20s
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/benchkit"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

const (
	vendor = "bench"
	secret = "bench-webhook-secret-0123456789"
)

var storageRows int

func main() {
	mysqlDSN, redisAddr := benchkit.MySQLFlag(), benchkit.RedisFlag()
	devices := flag.Int("devices", 2000, "devices (one wearer each)")
	perMinute := flag.Int("per-minute", 2, "pushes per device per minute (location, heart rate alternating)")
	paced := flag.Duration("paced", 60*time.Second, "duration of the paced phase at the real rate")
	burst := flag.Duration("burst", 20*time.Second, "duration of the saturation phase")
	workers := flag.Int("workers", 32, "concurrent senders in the saturation phase")
	retention := flag.Int("retention-days", 180, "retention period for the storage projection")
	keep := flag.Bool("keep", false, "keep the database afterwards")
	flag.IntVar(&storageRows, "storage-rows", 500000, "grow the tables to about this many rows (copies) before measuring bytes per row; 0 skips")
	flag.Parse()
	benchkit.ExitOnError("bench-wristband", run(*mysqlDSN, *redisAddr, *devices, *perMinute, *paced, *burst, *workers, *retention, *keep))
}

func imeiOf(i int) string {
	p := fmt.Sprintf("86%012d", 500000000+i)
	return p + string(wristband.LuhnDigit(p))
}

func run(adminDSN, redisAddr string, nDev, perMinute int, paced, burst time.Duration, workers, retention int, keep bool) error {
	ctx := context.Background()
	// --- database ---
	scratch, err := benchkit.NewScratch(adminDSN)
	if err != nil {
		return err
	}
	if keep {
		defer scratch.Admin.Close()
	} else {
		defer scratch.Drop()
	}
	admin, dbName, dsn := scratch.Admin, scratch.Name, scratch.DSN
	db, err := mysqlstore.Open(ctx, mysqlstore.Options{DSN: dsn, MaxOpenConns: 16})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	prefix := "gjbench:" + benchkit.RandHex(4) + ":"
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() {
		redisstore.DeletePrefix(ctx, rdb, prefix)
		rdb.Close()
	}()

	// --- seed: residents, devices, bindings ---
	t0 := time.Now()
	if err := seed(ctx, db, nDev); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d residents, devices and bindings in %v\n", nDev, time.Since(t0).Round(time.Millisecond))

	// --- the real server ---
	srv, err := startServer(dsn, redisAddr, prefix)
	if err != nil {
		return err
	}
	defer srv.stop()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	s := &sender{client: client, url: srv.base + "/api/v1/wristbands/webhook", devices: nDev}

	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("machine: %d CPUs, load average %s (other processes share them)\n", runtime.NumCPU(), strings.Join(strings.Fields(string(la))[:3], " "))
	}
	rate := float64(nDev*perMinute) / 60
	fmt.Printf("\nrequired rate: %d devices × %d pushes/min = %.1f pushes/s\n", nDev, perMinute, rate)

	// Warm up connections and caches.
	s.pacedPhase(rate, 3*time.Second)

	cpu0 := srv.cpu()
	p := s.pacedPhase(rate, paced)
	cpuPaced := srv.cpu() - cpu0
	fmt.Printf("\npaced phase (%v at %.1f/s): %d sent, %d errors, achieved %.1f/s\n", paced, rate, p.n, p.errors, p.rate())
	fmt.Printf("  latency p50 %v  p95 %v  p99 %v  max %v\n", p.pct(50), p.pct(95), p.pct(99), p.pct(100))
	fmt.Printf("  server CPU %.2fs = %.1f%% of one core; %.2f ms CPU per push\n",
		cpuPaced.Seconds(), 100*cpuPaced.Seconds()/paced.Seconds(), 1000*cpuPaced.Seconds()/float64(max(p.n, 1)))

	cpu1 := srv.cpu()
	b := s.burstPhase(workers, burst)
	cpuBurst := srv.cpu() - cpu1
	fmt.Printf("\nsaturation phase (%d workers, %v): %d sent, %d errors, %.0f pushes/s\n", workers, burst, b.n, b.errors, b.rate())
	fmt.Printf("  latency p50 %v  p95 %v  p99 %v  max %v\n", b.pct(50), b.pct(95), b.pct(99), b.pct(100))
	fmt.Printf("  server CPU %.2fs = %.0f%% of one core; %.2f ms CPU per push\n", cpuBurst.Seconds(), 100*cpuBurst.Seconds()/burst.Seconds(),
		1000*cpuBurst.Seconds()/float64(max(b.n, 1)))
	fmt.Printf("\nheadroom: %.1f× the required rate (%.0f / %.1f pushes/s) = %d devices at %d pushes/min\n",
		b.rate()/rate, b.rate(), rate, int(b.rate()*60/float64(perMinute)), perMinute)

	// --- storage ---
	var events, readings, alarms, outbox int64
	db.G.Table("wristband_events").Count(&events)
	db.G.Table("wristband_readings").Count(&readings)
	db.G.Table("wristband_alarms").Count(&alarms)
	db.G.Table("outbox").Count(&outbox)
	fmt.Printf("\nstored: %d push records, %d readings, %d alarms, %d notices\n", events, readings, alarms, outbox)
	if storageRows > 0 {
		if err := storage(admin, db, dbName, storageRows, float64(nDev*perMinute)*60*24, retention); err != nil {
			return fmt.Errorf("storage: %w", err)
		}
	}
	return nil
}

// storage grows the readings and push-record tables by copying their rows
// (InnoDB's size figures of a small table are dominated by page rounding),
// then reports bytes per row and projects them over the retention periods.
func storage(admin *sql.DB, db *mysqlstore.DB, dbName string, target int, perDay float64, retention int) error {
	copies := map[string]string{
		"wristband_readings": "INSERT INTO wristband_readings (binding_id, kind, measured_at, lat, lng, heart_rate, systolic, diastolic, glucose_tenths) " +
			"SELECT binding_id, kind, measured_at, lat, lng, heart_rate, systolic, diastolic, glucose_tenths FROM wristband_readings",
		"wristband_events": "INSERT INTO wristband_events (vendor, event_id, device_id, binding_id, outcome, received_at) " +
			"SELECT vendor, CONCAT(event_id, '.r%d'), device_id, binding_id, outcome, received_at FROM wristband_events",
	}
	perRow := map[string]float64{}
	for _, tb := range []string{"wristband_readings", "wristband_events"} {
		var n int64
		for round := 1; ; round++ {
			if err := db.G.Table(tb).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 || n >= int64(target) {
				break
			}
			q := copies[tb]
			if strings.Contains(q, "%d") {
				q = fmt.Sprintf(q, round) // copied event ids stay unique
			}
			if err := db.G.Exec(q).Error; err != nil {
				return err
			}
		}
		if _, err := admin.Exec("ANALYZE TABLE " + dbName + "." + tb); err != nil {
			return err
		}
		var data, idx int64
		if err := admin.QueryRow("SELECT data_length, index_length FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", dbName, tb).Scan(&data, &idx); err != nil {
			return err
		}
		if n > 0 {
			perRow[tb] = float64(data+idx) / float64(n)
		}
		fmt.Printf("storage: %s at %d rows: %.0f B/row (data %.0f + indexes %.0f)\n", tb, n, perRow[tb], float64(data)/float64(n), float64(idx)/float64(n))
	}
	readingsGB := perRow["wristband_readings"] * perDay * float64(retention) / 1e9
	eventsGB := perRow["wristband_events"] * perDay * 7 / 1e9
	fmt.Printf("  at %.0f pushes/day: readings over %d days ≈ %.0f million rows ≈ %.0f GB; push records over 7 days ≈ %.1f GB\n",
		perDay, retention, perDay*float64(retention)/1e6, readingsGB, eventsGB)
	return nil
}

func seed(ctx context.Context, db *mysqlstore.DB, n int) error {
	people := mysqlstore.NewResidentStore(db)
	box, err := pii.NewBox([]byte(benchkit.RandHex(16)))
	if err != nil {
		return err
	}
	res := resident.NewService(people, box, nil, nil)
	store := mysqlstore.NewWristbandStore(db)
	svc := wristband.NewService(wristband.Config{Vendors: map[string]string{vendor: secret}}, store, res, nil, nil)
	c, err := people.EnsureCommunity(ctx, "压测社区")
	if err != nil {
		return err
	}
	devs := make([]wristband.Device, 0, n)
	for i := 0; i < n; i++ {
		devs = append(devs, wristband.Device{IMEI: imeiOf(i), Model: "BENCH-1", Vendor: vendor, Batch: "bench"})
	}
	if err := store.CreateDevices(ctx, devs); err != nil {
		return err
	}
	errc := make(chan error, 8)
	benchkit.Workers(8, func(w int) {
		for i := w; i < n; i += 8 {
			u, err := people.EnsureUser(ctx, fmt.Sprintf("bench-%d", i))
			if err == nil {
				name, cid := fmt.Sprintf("老人%d", i), c.ID
				err = people.UpdateProfile(ctx, u.ID, resident.ProfilePatch{RealName: &name, CommunityID: &cid})
			}
			if err == nil {
				_, err = svc.Bind(ctx, wristband.GuardianActor(u), wristband.BindInput{IMEI: imeiOf(i), Wearer: wristband.WearerRef{Self: true}, ConsentVersion: wristband.ConsentVersion})
			}
			if err != nil {
				errc <- err
				return
			}
		}
	})
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// ---- server process ----

type server struct {
	cmd  *exec.Cmd
	base string
	dir  string
}

func startServer(dsn, redisAddr, prefix string) (*server, error) {
	dir, bin, err := benchkit.BuildServerInTemp("gjbench")
	if err != nil {
		return nil, err
	}
	cmd, base, err := benchkit.StartServerOnFreeAddr(bin, append(os.Environ(),
		"GONGJIAN_MYSQL_DSN="+dsn, "GONGJIAN_REDIS_ADDR="+redisAddr, "GONGJIAN_REDIS_KEY_PREFIX="+prefix,
		"GONGJIAN_DATA_DIR="+dir, "GONGJIAN_LOG_LEVEL=warn", "GONGJIAN_SEED_DEMO=never",
		"GONGJIAN_WRISTBAND_VENDOR_SECRETS="+vendor+":"+secret,
	), filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: base, dir: dir}
	if benchkit.WaitReady(s.base, 10*time.Second) {
		return s, nil
	}
	s.stop()
	return nil, fmt.Errorf("server did not become ready; see %s/server.log", dir)
}

// cpu returns the server process's user+system CPU time so far.
func (s *server) cpu() time.Duration { return benchkit.ProcCPU(s.cmd.Process.Pid) }

func (s *server) stop() {
	benchkit.StopProcess(s.cmd, 20*time.Second)
	os.RemoveAll(s.dir)
}

// ---- load ----

type sender struct {
	client  *http.Client
	url     string
	devices int
	seq     atomic.Int64
}

// next builds the next push: devices in turn, location and heart rate
// alternating, 1 % of heart rates out of range.
func (s *sender) next() ([]byte, string) {
	n := s.seq.Add(1)
	dev := int(n % int64(s.devices))
	typ, data := "location", map[string]any{"lat": 30.5 + float64(dev%1000)/10000, "lng": 114.3 + float64(dev/1000)/10000}
	if (n/int64(s.devices))%2 == 1 {
		hr := 60 + int(n%40)
		if n%100 == 7 {
			hr = 130
		}
		typ, data = "heart_rate", map[string]any{"heart_rate": hr}
	}
	body, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("b-%d", n), "imei": imeiOf(dev), "type": typ,
		"at": time.Now().UTC().Format(time.RFC3339Nano), "data": data})
	return body, typ
}

func (s *sender) send() (time.Duration, bool) {
	body, _ := s.next()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest("POST", s.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wristband.HeaderVendor, vendor)
	req.Header.Set(wristband.HeaderTimestamp, ts)
	req.Header.Set(wristband.HeaderSignature, wristband.Sign(secret, ts, body))
	start := time.Now()
	res, err := s.client.Do(req)
	d := time.Since(start)
	if err != nil {
		return d, false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return d, res.StatusCode == 200
}

type result struct {
	mu      sync.Mutex
	lat     []time.Duration
	n       int
	errors  int
	elapsed time.Duration
}

func (r *result) add(d time.Duration, ok bool) {
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.n++
	if !ok {
		r.errors++
	}
	r.mu.Unlock()
}

func (r *result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r *result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	i := (len(r.lat)*p)/100 - 1
	i = max(0, min(i, len(r.lat)-1))
	return r.lat[i].Round(100 * time.Microsecond)
}

// pacedPhase sends at rate per second, each push on its own goroutine
// (bounded), like devices that do not wait for each other.
func (s *sender) pacedPhase(rate float64, d time.Duration) *result {
	r := &result{}
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, 512)
	var wg sync.WaitGroup
	start := time.Now()
	for next := start; time.Since(start) < d; next = next.Add(interval) {
		time.Sleep(time.Until(next))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.add(s.send())
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}

// burstPhase runs workers closed-loop senders for d.
func (s *sender) burstPhase(workers int, d time.Duration) *result {
	r := &result{}
	start := time.Now()
	benchkit.Workers(workers, func(int) {
		for time.Since(start) < d {
			r.add(s.send())
		}
	})
	r.elapsed = time.Since(start)
	return r
}
