// Command bench-notify measures the delivery of a burst of notices — a
// cancelled performance: 5,000 "activity changed" notices at once — by
// several worker sets (as several server processes would run them) sharing
// one database and one Redis token bucket, against the WeChat emulator
// through the real client (silenceper over HTTP). While the burst drains,
// personal notices (sign-up confirmations) keep arriving; their latency
// shows whether the burst starves them.
//
//	go run ./scripts/bench-notify                       # embedded SQLite + in-process Redis
//	go run ./scripts/bench-notify -mysql 'root@tcp(127.0.0.1:3306)/' -redis 127.0.0.1:6379
//	go run ./scripts/bench-notify -notices 5000 -rate 200 -sets 2 -concurrency 8
//
// It prints the drain time, the achieved send rate, the busiest second
// (which must stay within rate + burst), duplicates (must be 0) and the
// latency of bulk and personal notices.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/benchkit"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

func main() {
	var (
		notices     = flag.Int("notices", 5000, "bulk notices in the burst (one per resident)")
		personal    = flag.Int("personal", 100, "personal notices arriving while the burst drains")
		rate        = flag.Int("rate", 200, "messages per second, all worker sets together (0 = no cap)")
		burst       = flag.Int("burst", 0, "token bucket burst (default: rate)")
		sets        = flag.Int("sets", 2, "worker sets (server processes) draining together")
		concurrency = flag.Int("concurrency", 8, "parallel WeChat calls per worker set")
		batch       = flag.Int("batch", 20, "notices claimed at a time")
		latency     = flag.Duration("wechat-latency", 20*time.Millisecond, "emulated WeChat answer time")
		mysqlDSN    = flag.String("mysql", "", "admin DSN of a MySQL/MariaDB server (a scratch database is created); empty = SQLite")
		redisAddr   = flag.String("redis", "", "Redis address; empty = in-process")
	)
	flag.Parse()
	if *burst <= 0 {
		*burst = max(1, *rate)
	}
	benchkit.ExitOnError("bench-notify", run(*notices, *personal, *rate, *burst, *sets, *concurrency, *batch, *latency, *mysqlDSN, *redisAddr))
}

func run(notices, personal, rate, burst, sets, concurrency, batch int, latency time.Duration, mysqlDSN, redisAddr string) error {
	ctx := context.Background()
	db, backend, cleanup, err := openDB(ctx, mysqlDSN)
	if err != nil {
		return err
	}
	defer cleanup()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	rconn, err := redisstore.Open(ctx, redisstore.Options{Addr: redisAddr})
	if err != nil {
		return err
	}
	defer rconn.Close()
	prefix := "gjbench:" + benchkit.RandHex(4) + ":"
	defer redisstore.DeletePrefix(ctx, rconn.Client, prefix)
	redisName := "in-process"
	if redisAddr != "" {
		redisName = "Redis " + redisAddr
	}

	// The fake WeChat, strict about templates, answering after latency.
	emu := wxemu.New(wxemu.Options{})
	base, closeEmu := emu.Start()
	defer closeEmu()
	appID := "wxbench" + benchkit.RandHex(4)
	tenant := emu.Tenant(appID)
	if latency > 0 {
		tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Delay: latency})
	}
	wc, err := wechat.New(wechat.Config{AppID: appID, AppSecret: "bench", APIBase: base, Timeout: 5 * time.Second}, rconn.Client, prefix)
	if err != nil {
		return err
	}
	templates, err := testenv.NoticeTemplates(tenant)
	if err != nil {
		return err
	}

	// Residents, each with grants, and the burst.
	fmt.Printf("setting up %d residents and %d notices on %s + %s…\n", notices, notices, backend, redisName)
	store := mysqlstore.NewNotifyStore(db)
	residents := mysqlstore.NewResidentStore(db)
	uids := make([]int64, notices)
	for i := range uids {
		u, err := residents.EnsureUser(ctx, fmt.Sprintf("obench%023d", i))
		if err != nil {
			return err
		}
		uids[i] = u.ID
		gs := []notify.GrantResult{
			{TemplateKey: notify.ActivityChanged, TemplateID: "tpl-" + notify.ActivityChanged, Result: notify.ResultAccept},
			{TemplateKey: notify.RegistrationConfirmed, TemplateID: "tpl-" + notify.RegistrationConfirmed, Result: notify.ResultAccept},
		}
		if err := store.RecordGrants(ctx, u.ID, gs, time.Now()); err != nil {
			return err
		}
	}
	var bulk []notify.Notice
	for i, uid := range uids {
		bulk = append(bulk, notify.Notice{
			UserID: uid, TemplateKey: notify.ActivityChanged, DedupKey: fmt.Sprintf("bench:cancel:%d", i),
			Title: "演出取消", Body: "您报名的迎新春文艺演出因故取消，给您带来不便，敬请谅解。",
			Fields: map[string]string{"activity": "迎新春文艺演出", "status": "已取消", "time": "2026-02-01T19:30:00+08:00",
				"place": "街道文化中心大剧场", "note": "给您带来不便，敬请谅解"},
			ActivityID: 1,
		})
	}

	// The worker sets, as separate processes would have them.
	metrics := notify.NewMetrics(nil)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for s := range sets {
		var limiter notify.RateLimiter
		if rate > 0 {
			limiter = redisstore.NewTokenBucket(rconn.Client, prefix, "notify", rate, burst)
		}
		r := notify.NewRunner(notify.RunnerConfig{
			Worker: fmt.Sprintf("bench-%d", s), PollInterval: 100 * time.Millisecond, BatchSize: batch, Concurrency: concurrency,
			MaxAttempts: 6, RetryBase: time.Second, RetryMax: 10 * time.Second, Lease: 2 * time.Minute, SendLease: 3 * time.Minute,
		}, notify.RunnerDeps{
			Store: mysqlstore.NewNotifyStore(db), Templates: templates, Sender: wechat.Notifier{C: wc}, Limiter: limiter, Metrics: metrics,
			Logger: slog.New(slog.DiscardHandler),
		})
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(runCtx) }()
	}

	start := time.Now()
	if err := db.G.Transaction(func(tx *gorm.DB) error {
		for i := 0; i < len(bulk); i += 500 {
			if err := mysqlstore.AddNotices(tx, bulk[i:min(i+500, len(bulk))]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	// Personal notices trickle in while the burst drains.
	expectedDrain := time.Duration(0)
	if rate > 0 {
		expectedDrain = time.Duration(float64(notices) / float64(rate) * float64(time.Second))
	}
	gap := max(expectedDrain/2/time.Duration(max(personal, 1)), 5*time.Millisecond)
	for i := range personal {
		n := notify.Notice{
			UserID: uids[i%len(uids)], TemplateKey: notify.RegistrationConfirmed, DedupKey: fmt.Sprintf("bench:reg:%d", i),
			Title: "报名成功", Body: "您已成功报名四点半学校书法课。",
			Fields:     map[string]string{"activity": "四点半学校·书法课", "time": "2026-02-03T16:30:00+08:00", "place": "阳光社区活动室", "attendee": "王小明"},
			ActivityID: 2,
		}
		if err := db.G.Transaction(func(tx *gorm.DB) error { return mysqlstore.AddNotices(tx, []notify.Notice{n}) }); err != nil {
			return err
		}
		time.Sleep(gap)
	}
	total := notices + personal
	for {
		var done int64
		if err := db.G.Raw("SELECT COUNT(*) FROM outbox WHERE status NOT IN ('pending','claimed','sending')").Scan(&done).Error; err != nil {
			return err
		}
		if int(done) == total {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stop()
	wg.Wait()

	// Figures.
	sent := tenant.Sent()
	seen := map[string]int{}
	var times []time.Time
	for _, m := range sent {
		seen[m.ToUser+"/"+m.TemplateID]++
		times = append(times, m.At)
	}
	dups := 0
	for _, n := range seen {
		dups += n - 1
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	busiest, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Second {
			j++
		}
		busiest = max(busiest, i-j+1)
	}
	var statuses []struct {
		Status string
		N      int
	}
	db.G.Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status").Scan(&statuses)
	lat := func(key string) (p50, p99, worst time.Duration) {
		var rows []struct{ CreatedAt, SentAt time.Time }
		db.G.Raw("SELECT created_at, sent_at FROM outbox WHERE template_key = ? AND sent_at IS NOT NULL", key).Scan(&rows)
		var ds []time.Duration
		for _, r := range rows {
			ds = append(ds, r.SentAt.Sub(r.CreatedAt))
		}
		if len(ds) == 0 {
			return 0, 0, 0
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1]
	}
	fmt.Printf("\nbackend            %s + %s, WeChat emulator answering in %v\n", backend, redisName, latency)
	fmt.Printf("setup              %d bulk + %d personal notices, %d worker sets × %d calls, batch %d, rate %d/s burst %d\n",
		notices, personal, sets, concurrency, batch, rate, burst)
	fmt.Printf("drained in         %v\n", elapsed.Round(time.Millisecond))
	fmt.Printf("messages sent      %d (%.1f/s overall)\n", len(sent), float64(len(sent))/elapsed.Seconds())
	fmt.Printf("busiest second     %d messages (limit: rate + burst = %d)\n", busiest, rate+burst)
	fmt.Printf("duplicates         %d\n", dups)
	fmt.Printf("outcomes           %v\n", statuses)
	b50, b99, bmax := lat(notify.ActivityChanged)
	p50, p99, pmax := lat(notify.RegistrationConfirmed)
	fmt.Printf("bulk latency       p50 %v  p99 %v  max %v\n", b50.Round(time.Millisecond), b99.Round(time.Millisecond), bmax.Round(time.Millisecond))
	fmt.Printf("personal latency   p50 %v  p99 %v  max %v (created during the burst)\n", p50.Round(time.Millisecond), p99.Round(time.Millisecond), pmax.Round(time.Millisecond))
	if dups > 0 || (rate > 0 && busiest > rate+burst) {
		return fmt.Errorf("FAILED: duplicates or rate exceeded")
	}
	return nil
}

// openDB opens a scratch database: a new MySQL database dropped at the end,
// or an SQLite file in a temporary directory.
func openDB(ctx context.Context, adminDSN string) (*mysqlstore.DB, string, func(), error) {
	if adminDSN == "" {
		dir, err := os.MkdirTemp("", "bench-notify")
		if err != nil {
			return nil, "", nil, err
		}
		db, err := mysqlstore.Open(ctx, mysqlstore.Options{SQLitePath: filepath.Join(dir, "bench.db")})
		if err != nil {
			return nil, "", nil, err
		}
		return db, "SQLite", func() { db.Close(); os.RemoveAll(dir) }, nil
	}
	scratch, err := benchkit.NewScratch(adminDSN)
	if err != nil {
		return nil, "", nil, err
	}
	db, err := mysqlstore.Open(ctx, mysqlstore.Options{DSN: scratch.DSN, MaxOpenConns: 64})
	if err != nil {
		scratch.Drop()
		return nil, "", nil, err
	}
	return db, "MariaDB/MySQL", func() {
		db.Close()
		scratch.Drop()
	}, nil
}
