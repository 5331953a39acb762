package main

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gongjian/config"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/redisstore"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

// notifyParts are the notice services build wires.
type notifyParts struct {
	service *notify.Service
	runner  *notify.Runner
	store   *mysqlstore.NotifyStore
}

// newNotify wires notice delivery: templates from config (in the embedded
// mode given invented ids and registered with the emulator tenant), the
// store, the shared rate limiter and the delivery runner.
//
// Reminders and the staff scope of an activity's notices are read from
// the registration tables (feature/registration). Until their migrations
// are in the build, the tables are missing: then no reminders are
// scheduled and only admins see an activity's notices. Once they are, the
// same binary picks them up at start (call it after migrating).
func newNotify(cfg config.Config, db *mysqlstore.DB, rdb redis.UniversalClient, prefix string, wc *wechat.Client,
	reg prometheus.Registerer, log *slog.Logger, emuTenant *wxemu.Tenant) (notifyParts, error) {
	var (
		source     notify.ReminderSource
		activities notify.ActivityDirectory
	)
	if db.HasRegistrationTables() {
		r := mysqlstore.NewRegistrationReminders(db)
		source, activities = r, r
	} else {
		log.Warn("notify: no registration tables yet: activity reminders are off and only admins see an activity's notices")
	}
	keys := make([]string, 0, len(cfg.WeChat.Templates))
	for k := range cfg.WeChat.Templates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ts []notify.Template
	var missing []string
	for _, key := range keys {
		t := cfg.WeChat.Templates[key]
		id := t.ID
		if id == "" && emuTenant != nil {
			id = "emu-" + key
		}
		if id == "" {
			missing = append(missing, key)
		}
		nt := notify.Template{Key: key, ID: id, Page: t.Page, Fields: t.Fields, LongTerm: t.LongTerm}
		if emuTenant != nil && id != "" {
			emuTenant.AddTemplate(id, nt.DataKeys()...)
		}
		ts = append(ts, nt)
	}
	if len(missing) > 0 {
		log.Warn("notify: templates without a WeChat template id are delivered in the in-app message list only; set GONGJIAN_TEMPLATE_<KEY>",
			slog.String("keys", strings.Join(missing, ",")))
	}
	templates, err := notify.NewTemplates(ts)
	if err != nil {
		return notifyParts{}, err
	}
	rc := cfg.Notify.Reminder
	policy, err := notify.NewReminderPolicy(rc.Lead, rc.EveningAt, rc.MorningUntil, rc.TimeZone)
	if err != nil {
		return notifyParts{}, err
	}
	store := mysqlstore.NewNotifyStore(db)
	var limiter notify.RateLimiter
	if cfg.Notify.RatePerSecond > 0 {
		limiter = redisstore.NewTokenBucket(rdb, prefix, "notify", cfg.Notify.RatePerSecond, cfg.Notify.Burst)
	}
	n := cfg.Notify
	runner := notify.NewRunner(notify.RunnerConfig{
		PollInterval: n.PollInterval, BatchSize: n.BatchSize, Concurrency: n.Concurrency, MaxAttempts: n.MaxAttempts,
		RetryBase: n.RetryBase, RetryMax: n.RetryMax, Lease: n.Lease,
		// A "sending" notice is only declared uncertain well after any
		// WeChat call of it must have ended.
		SendLease:        n.Lease + 2*cfg.WeChat.Timeout,
		MiniprogramState: n.MiniprogramState, ReminderInterval: rc.Interval, Retention: n.Retention,
	}, notify.RunnerDeps{
		Store: store, Templates: templates, Sender: wechat.Notifier{C: wc}, Limiter: limiter, Source: source, Policy: policy,
		Metrics: notify.NewMetrics(reg), Logger: log,
	})
	return notifyParts{
		service: notify.NewService(store, templates, source, activities, nil),
		runner:  runner,
		store:   store,
	}, nil
}

// startWorkers runs the notice workers (when enabled) until ctx ends or
// the returned stop is called; stop waits for them to finish gracefully.
func (a *App) startWorkers(ctx context.Context) (stop func()) {
	if a.notify.runner == nil || !a.cfg.Notify.Workers {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.notify.runner.Run(ctx)
	}()
	a.log.Info("notice workers started", slog.String("worker", a.notify.runner.Worker()))
	return func() {
		cancel()
		wg.Wait()
	}
}
