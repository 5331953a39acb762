package notify_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/testenv"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

var emu = testenv.SharedWeChat() // every test has its own AppID (tenant)

// clock is a fake clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// env is a database, a Redis key space, a WeChat client talking to its own
// emulator tenant (templates registered, so wrong fields fail with 47003)
// and the default templates with ids.
type env struct {
	t         *testing.T
	ctx       context.Context
	db        *mysqlstore.DB
	store     *mysqlstore.NotifyStore
	residents *mysqlstore.ResidentStore
	tenant    *wxemu.Tenant
	wc        *wechat.Client
	templates *notify.Templates
	clock     *clock
	metrics   *notify.Metrics
	policy    notify.ReminderPolicy
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	appID := testenv.RandomName("wxn")
	wc, err := wechat.New(wechat.Config{AppID: appID, AppSecret: "secret", APIBase: emu.Base, Timeout: 500 * time.Millisecond}, rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	tenant := emu.Tenant(appID)
	templates, err := testenv.NoticeTemplates(tenant)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := notify.NewReminderPolicy(2*time.Hour, "18:00", "12:00", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return &env{
		t: t, ctx: context.Background(), db: db, store: mysqlstore.NewNotifyStore(db),
		residents: mysqlstore.NewResidentStore(db), tenant: tenant, wc: wc, templates: templates,
		clock:   &clock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, shanghai)}, // a Monday
		metrics: notify.NewMetrics(nil), policy: policy,
	}
}

// runnerConfig is a small, quick configuration for tests.
func runnerConfig(worker string) notify.RunnerConfig {
	return notify.RunnerConfig{
		Worker: worker, PollInterval: 20 * time.Millisecond, BatchSize: 10, Concurrency: 2, MaxAttempts: 3,
		RetryBase: time.Minute, RetryMax: 10 * time.Minute, Lease: time.Minute, SendLease: 2 * time.Minute,
	}
}

func (e *env) runner(worker string, mod ...func(*notify.RunnerConfig, *notify.RunnerDeps)) *notify.Runner {
	cfg := runnerConfig(worker)
	deps := notify.RunnerDeps{Store: e.store, Templates: e.templates, Sender: wechat.Notifier{C: e.wc}, Policy: e.policy, Metrics: e.metrics, Now: e.clock.Now}
	for _, m := range mod {
		m(&cfg, &deps)
	}
	return notify.NewRunner(cfg, deps)
}

// user creates a user and returns its id and openid.
func (e *env) user(name string) (int64, string) {
	e.t.Helper()
	openID := wxemu.OpenID(e.tenant.AppID(), name)
	u, err := e.residents.EnsureUser(e.ctx, openID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, openID
}

// grant records n accepts of key for the user.
func (e *env) grant(userID int64, key string, n int) {
	e.t.Helper()
	for range n {
		if err := e.store.RecordGrants(e.ctx, userID, []notify.GrantResult{{TemplateKey: key, TemplateID: "tpl-" + key, Result: notify.ResultAccept}}, e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// subscriber is a user who accepted key n times.
func (e *env) subscriber(name, key string, n int) (int64, string) {
	e.t.Helper()
	uid, openID := e.user(name)
	e.grant(uid, key, n)
	return uid, openID
}

// balance returns the user's grants left for key.
func (e *env) balance(userID int64, key string) int {
	e.t.Helper()
	gs, err := e.store.Grants(e.ctx, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range gs {
		if g.TemplateKey == key {
			return g.Balance
		}
	}
	return 0
}

// add writes notices to the outbox in a transaction, as feature code does,
// and returns their ids in order.
func (e *env) add(ns ...notify.Notice) []int64 {
	e.t.Helper()
	for i := range ns {
		if ns[i].DueAt.IsZero() {
			ns[i].DueAt = e.clock.Now()
		}
	}
	if err := e.db.G.Transaction(func(tx *gorm.DB) error { return mysqlstore.AddNotices(tx, ns) }); err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		if err := e.db.G.Raw("SELECT id FROM outbox WHERE dedup_key = ?", n.DedupKey).Scan(&ids[i]).Error; err != nil || ids[i] == 0 {
			e.t.Fatalf("notice %s not written: %v", n.DedupKey, err)
		}
	}
	return ids
}

// notice is a registration_confirmed-like notice of key for a user.
func notice(userID int64, key, dedup, activity string) notify.Notice {
	return notify.Notice{
		UserID: userID, TemplateKey: key, DedupKey: dedup, Title: "报名成功", Body: "您已成功报名「" + activity + "」",
		Fields: map[string]string{
			"activity": activity, "time": "2026-05-09T09:00:00+08:00~2026-05-09T11:00:00+08:00", "place": "阳光社区党群服务中心",
			"attendee": "王小明", "note": "请提前十分钟到场", "status": "已取消",
		},
		ActivityID: 7,
	}
}

// row is the delivery state of one notice.
type row struct {
	ID        int64
	Status    string
	Attempts  int
	ErrCode   int
	LastError string
	MsgID     int64
	NextAt    *time.Time
	ReadAt    *time.Time
}

func (e *env) row(id int64) row {
	e.t.Helper()
	var r row
	if err := e.db.G.Raw("SELECT id, status, attempts, err_code, last_error, msg_id, next_at, read_at FROM outbox WHERE id = ?", id).Scan(&r).Error; err != nil {
		e.t.Fatal(err)
	}
	return r
}

// statuses counts notices by status.
func (e *env) statuses() map[string]int {
	e.t.Helper()
	var rs []struct {
		Status string
		N      int
	}
	if err := e.db.G.Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&rs).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rs {
		out[r.Status] = r.N
	}
	return out
}

// drain runs one Drain of r.
func (e *env) drain(r *notify.Runner) int {
	e.t.Helper()
	n, err := r.Drain(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
