package notify

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/periodic"
)

// SubscribeMessage is one subscribe message, ready to send.
type SubscribeMessage struct {
	ToUser           string            // the receiver's openid
	TemplateID       string            // the subscribe template
	Page             string            // the page the card opens
	Data             map[string]string // field key ("thing1") to value, cut to the field limits
	MiniprogramState string            // formal, trial or developer
}

// SendClass is what a failed send calls for.
type SendClass int

// Send failure classes.
const (
	SendFailed    SendClass = iota // permanent: the notice fails
	SendTransient                  // trying again later may succeed: retried with backoff
	SendNoGrant                    // the user has no subscription left (or refused)
	SendRejected                   // the message itself is wrong: retrying cannot help
)

// SendError is a failed send, classified by the Sender. An error that is
// not a *SendError counts as SendFailed.
type SendError struct {
	Class  SendClass
	Code   int    // the platform's error code (0: none, e.g. a network failure)
	Reason string // a short text for staff, no personal data
	Err    error
}

func (e *SendError) Error() string { return e.Reason }
func (e *SendError) Unwrap() error { return e.Err }

// Sender sends subscribe messages (the wechat package's Notifier).
type Sender interface {
	SendSubscribe(ctx context.Context, m SubscribeMessage) (int64, error)
}

// RateLimiter is a token bucket shared by every process.
type RateLimiter interface {
	// Take takes one token: it returns 0 when taken, else how long to wait
	// before trying again.
	Take(ctx context.Context) (time.Duration, error)
}

// RunnerConfig tunes delivery.
type RunnerConfig struct {
	Worker       string        // this process's name in claims; default host-pid-random
	PollInterval time.Duration // idle wait between looks for due notices
	BatchSize    int           // notices claimed at a time
	Concurrency  int           // parallel WeChat calls
	MaxAttempts  int           // WeChat calls per notice on transient errors
	RetryBase    time.Duration // first retry delay, doubled per attempt, with jitter
	RetryMax     time.Duration
	// Lease is how long a claimed notice stays reserved before another
	// worker may take it over (nothing has been sent for it).
	Lease time.Duration
	// SendLease is how long a "sending" notice stays reserved; after it,
	// the notice is marked uncertain, never resent. It must exceed the
	// WeChat call time limit by a safe margin.
	SendLease time.Duration
	// MiniprogramState is "formal" (default), "trial" or "developer".
	MiniprogramState string
	// ReminderInterval is how often ScheduleReminders runs in Run.
	ReminderInterval time.Duration
	// Weights are the guaranteed shares of a batch per priority
	// (urgent, normal, bulk); default 6:3:1.
	Weights []int
	// Retention: notices done with are deleted this long after they were
	// written (the in-app message list goes back as far); 0 keeps them.
	// PurgeInterval is how often Run looks for them (default 1 h).
	Retention     time.Duration
	PurgeInterval time.Duration
}

// RunnerDeps are what a Runner works with. Limiter and Source are optional.
type RunnerDeps struct {
	Store     Store
	Templates *Templates
	Sender    Sender
	Limiter   RateLimiter
	Source    ReminderSource
	Policy    ReminderPolicy
	Metrics   *Metrics
	Logger    *slog.Logger
	Now       func() time.Time // default time.Now
}

// Runner delivers the outbox: it claims due notices, sends them as
// subscribe messages and records each outcome, and schedules reminders.
//
// # Exactly once, and what is not guaranteed
//
// Claims are rows: a worker moves due notices from pending to claimed in a
// transaction (SELECT … FOR UPDATE SKIP LOCKED on MySQL/MariaDB; SQLite has
// one writer), so two processes never claim the same notice. Just before
// the WeChat call, BeginSend records the attempt durably — status sending,
// attempts+1 — and spends the user's grant, in one transaction; only then
// is WeChat called, and the outcome is recorded after.
//
// A crash before BeginSend leaves the notice claimed; when the claim's
// lease runs out any worker returns it to pending and it is sent (nothing
// went out). A crash after BeginSend leaves it sending; when SendLease runs
// out it is marked uncertain and is NOT sent again, because WeChat has no
// idempotency key and the message may already be on the phone. So a crash
// can never make a notice go out twice; it can, for the notices in flight
// at that moment, leave a WeChat message unsent (the notice still shows in
// the resident's in-app list, and staff see it as uncertain).
//
// A timeout is different: the process is alive, WeChat did not answer in
// time, and the issue asks for such sends to be retried. WeChat may in
// fact have delivered a timed-out message, so a retry after a timeout can
// duplicate it; that is the one at-least-once path. Other transient errors
// (-1, HTTP 5xx, 45009/45011) mean WeChat did not take the message.
type Runner struct {
	cfg       RunnerConfig
	store     Store
	templates *Templates
	sender    Sender
	limiter   RateLimiter
	source    ReminderSource
	policy    ReminderPolicy
	metrics   *Metrics
	log       *slog.Logger
	now       func() time.Time

	recoverMu   sync.Mutex
	lastRecover time.Time
}

// NewRunner builds a Runner, filling defaults.
func NewRunner(cfg RunnerConfig, d RunnerDeps) *Runner {
	if cfg.Worker == "" {
		cfg.Worker = WorkerName()
	}
	defaults.Fill(&cfg, RunnerConfig{
		PollInterval: time.Second, BatchSize: 20, Concurrency: 4, MaxAttempts: 6, RetryBase: 30 * time.Second,
		Lease: 2 * time.Minute, ReminderInterval: 30 * time.Second, Weights: []int{6, 3, 1}, PurgeInterval: time.Hour,
	})
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = cfg.RetryBase
	}
	if cfg.SendLease <= 0 {
		cfg.SendLease = cfg.Lease
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	if d.Policy.Loc == nil {
		d.Policy.Loc = time.UTC
	}
	if d.Policy.Lead <= 0 {
		d.Policy.Lead = 2 * time.Hour
	}
	return &Runner{
		cfg: cfg, store: d.Store, templates: d.Templates, sender: d.Sender, limiter: d.Limiter,
		source: d.Source, policy: d.Policy, metrics: d.Metrics, log: d.Logger, now: d.Now,
	}
}

// WorkerName names this process in claims: host, pid and a random suffix.
func WorkerName() string {
	host, _ := os.Hostname()
	if len(host) > 20 {
		host = host[:20]
	}
	b := make([]byte, 3)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Worker returns the runner's name in claims.
func (r *Runner) Worker() string { return r.cfg.Worker }

// Run delivers notices and schedules reminders until ctx ends, then stops
// gracefully: it claims nothing more, lets WeChat calls under way finish
// and be recorded, and returns claimed but unsent notices to pending.
func (r *Runner) Run(ctx context.Context) {
	jobs := make(chan Delivery)
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				r.deliver(ctx, d)
			}
		}()
	}
	periodic := func(interval time.Duration, what string, job func(context.Context) (int64, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.every(ctx, interval, what, job)
		}()
	}
	if r.source != nil {
		periodic(r.cfg.ReminderInterval, "scheduling reminders", func(ctx context.Context) (int64, error) {
			n, err := r.ScheduleReminders(ctx)
			return int64(n), err
		})
	}
	if r.cfg.Retention > 0 {
		periodic(r.cfg.PurgeInterval, "purging old notices", r.Purge)
	}
	r.claimLoop(ctx, jobs)
	close(jobs)
	wg.Wait()
}

// every runs job now and then every interval until ctx ends.
func (r *Runner) every(ctx context.Context, interval time.Duration, what string, job func(context.Context) (int64, error)) {
	periodic.Run(ctx, interval, true, job, func(err error) {
		r.log.Warn("notify: "+what+" failed", "err", err.Error())
	})
}

// purgeBatch is how many notices one DELETE removes.
const purgeBatch = 1000

// Purge deletes the notices done with that are older than the retention
// (none when it is 0) and returns how many. Pending and in-flight notices
// stay, however old. Every process may run it.
func (r *Runner) Purge(ctx context.Context) (int64, error) {
	if r.cfg.Retention <= 0 {
		return 0, nil
	}
	n, err := r.store.Purge(ctx, r.now().Add(-r.cfg.Retention), purgeBatch)
	if n > 0 {
		r.log.Info("notify: old notices purged", "count", n)
	}
	return n, err
}

func (r *Runner) claimLoop(ctx context.Context, jobs chan<- Delivery) {
	for ctx.Err() == nil {
		r.recover(ctx, false)
		ds, err := r.claim(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("notify: claiming notices failed", "err", err.Error())
			}
		}
		for i, d := range ds {
			select {
			case jobs <- d:
			case <-ctx.Done():
				r.release(ds[i:])
				return
			}
		}
		if len(ds) < r.cfg.BatchSize || err != nil {
			if !sleep(ctx, r.cfg.PollInterval) {
				return
			}
		}
	}
}

// Drain delivers, one by one, every notice that is due now, until none is
// left (notices scheduled for a later retry stay). It returns how many
// notices it handled. Tools and tests use it; servers use Run.
func (r *Runner) Drain(ctx context.Context) (int, error) {
	n := 0
	r.recover(ctx, true)
	for {
		ds, err := r.claim(ctx)
		if err != nil {
			return n, err
		}
		if len(ds) == 0 {
			return n, nil
		}
		for _, d := range ds {
			r.deliver(ctx, d)
			n++
		}
	}
}

// recover runs Store.Recover at most once per poll interval (always when force).
func (r *Runner) recover(ctx context.Context, force bool) {
	now := r.now()
	r.recoverMu.Lock()
	if !force && now.Sub(r.lastRecover) < r.cfg.PollInterval && now.After(r.lastRecover) {
		r.recoverMu.Unlock()
		return
	}
	r.lastRecover = now
	r.recoverMu.Unlock()
	requeued, uncertain, err := r.store.Recover(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("notify: recovering expired claims failed", "err", err.Error())
		}
		return
	}
	if requeued > 0 {
		r.metrics.recovered.WithLabelValues("requeued").Add(float64(requeued))
		r.log.Info("notify: claims of a stopped worker returned to the queue", "notices", requeued)
	}
	if uncertain > 0 {
		r.metrics.recovered.WithLabelValues(StatusUncertain).Add(float64(uncertain))
		r.log.Warn("notify: a worker stopped during WeChat calls; those notices are marked uncertain and not resent", "notices", uncertain)
	}
}

// claim takes the next batch, fairly across priorities, and drops
// reminders that no longer apply.
func (r *Runner) claim(ctx context.Context) ([]Delivery, error) {
	ds, err := r.store.Claim(ctx, ClaimRequest{
		Worker: r.cfg.Worker, Now: r.now(), Lease: r.cfg.Lease,
		Shares: shares(r.cfg.BatchSize, r.cfg.Weights), Limit: r.cfg.BatchSize,
	})
	if err != nil {
		return nil, err
	}
	return r.checkReminders(ctx, ds), nil
}

// shares splits a batch of n by weights: each lane with a positive weight
// is guaranteed at least one place while places remain.
func shares(n int, weights []int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	out := make([]int, len(weights))
	left := n
	for i, w := range weights {
		if w <= 0 || left == 0 {
			continue
		}
		s := max(1, n*w/total)
		s = min(s, left)
		out[i] = s
		left -= s
	}
	return out
}

// deliver sends one claimed notice and records the outcome.
func (r *Runner) deliver(ctx context.Context, d Delivery) {
	if r.expired(ctx, d) {
		return
	}
	tpl, ok := r.templates.Get(d.TemplateKey)
	if !ok || tpl.ID == "" {
		r.settle(ctx, d, Outcome{Status: StatusInApp, Reason: "no WeChat template for " + d.TemplateKey})
		return
	}
	if d.OpenID == "" {
		r.settle(ctx, d, Outcome{Status: StatusFailed, Reason: "the user has no openid"})
		return
	}
	if err := r.wait(ctx); err != nil {
		r.release([]Delivery{d})
		return
	}
	// The rate limit may have held the send back past the notice's expiry
	// (a reminder must never arrive after its session began).
	if r.expired(ctx, d) {
		return
	}
	// From here on the work is finished even if ctx ends (graceful stop):
	// a begun attempt must be recorded.
	wctx := context.WithoutCancel(ctx)
	now := r.now()
	res, err := r.store.BeginSend(wctx, d, r.cfg.Worker, Grant{TemplateID: tpl.ID, LongTerm: tpl.LongTerm}, now, r.cfg.SendLease)
	if err != nil {
		// Nothing was sent. The attempt may have been recorded all the same
		// (the database went away while committing): undo it, or the
		// notice would end "uncertain" though WeChat was never called. If
		// it was not recorded, this does nothing and the claim lapses.
		r.log.Warn("notify: recording an attempt failed; nothing sent", "notice", d.ID, "err", err.Error())
		r.record(wctx, d, Outcome{Status: StatusPending, NextAt: r.now().Add(r.backoff(d.Attempts + 1)), Reason: "the attempt could not be recorded; nothing was sent", Refund: true})
		return
	}
	switch res {
	case Lost:
		return
	case NoGrant:
		r.metrics.outcome(d.TemplateKey, StatusNoGrant)
		return
	}
	page := d.Page
	if page == "" {
		page = tpl.Page
	}
	msg := SubscribeMessage{
		ToUser: d.OpenID, TemplateID: tpl.ID, Page: page,
		Data:             tpl.Data(d.Fields, d.DueAt, r.policy.Loc),
		MiniprogramState: r.cfg.MiniprogramState,
	}
	start := time.Now()
	msgID, sendErr := r.sender.SendSubscribe(wctx, msg)
	r.metrics.sendSeconds.Observe(time.Since(start).Seconds())
	o := r.outcome(d, msgID, sendErr)
	if !r.record(wctx, d, o) {
		return
	}
	if o.Status == StatusPending {
		r.metrics.outcome(d.TemplateKey, "retry")
	} else {
		r.metrics.outcome(d.TemplateKey, o.Status)
	}
}

// expired settles d as expired when its expiry has come, and reports
// whether it did. The resident keeps it in the in-app list: reminders that
// no longer apply (cancelled registration, moved session) were dropped as
// cancelled at the claim (checkReminders), so what expires here is one the
// resident was entitled to and WeChat did not take in time.
func (r *Runner) expired(ctx context.Context, d Delivery) bool {
	if d.ExpiresAt.IsZero() || r.now().Before(d.ExpiresAt) {
		return false
	}
	r.settle(ctx, d, Outcome{Status: StatusExpired, Reason: "expired before it could be sent"})
	return true
}

// recordPatience is how long a worker keeps trying to record an outcome
// while the database is away (a restart).
const recordPatience = time.Minute

// record records the outcome of this worker's attempt at d. While the
// database is away it keeps trying for a while — a late record still wins
// over "uncertain" (only this worker's attempt can match) — rather than
// leave a notice uncertain whose fate is known. It reports whether the
// outcome was recorded; if not, the notice becomes uncertain after
// SendLease and is never resent.
func (r *Runner) record(ctx context.Context, d Delivery, o Outcome) bool {
	var err error
	patience := time.Now().Add(recordPatience)
	for i := 0; ; i++ {
		if err = r.store.Finish(ctx, d, r.cfg.Worker, o, r.now()); err == nil {
			return true
		}
		if i >= 2 && (errs.KindOf(err) != errs.KindUnavailable || time.Now().After(patience)) {
			break
		}
		time.Sleep(min(time.Duration(100<<i)*time.Millisecond, 2*time.Second))
	}
	r.log.Error("notify: recording an outcome failed", "notice", d.ID, "status", o.Status, "err", err.Error())
	return false
}

// outcome turns the result of a send into the notice's outcome.
func (r *Runner) outcome(d Delivery, msgID int64, err error) Outcome {
	if err == nil {
		return Outcome{Status: StatusSent, MsgID: msgID}
	}
	se, ok := errors.AsType[*SendError](err)
	if !ok {
		se = &SendError{Class: SendFailed, Reason: reason(err), Err: err}
	}
	code, why := se.Code, reasonCut(se.Reason)
	switch se.Class {
	case SendNoGrant:
		return Outcome{Status: StatusNoGrant, ErrCode: code, Reason: why, ZeroGrant: true}
	case SendRejected:
		r.metrics.rejected.WithLabelValues(d.TemplateKey, fmt.Sprint(code)).Inc()
		return Outcome{Status: StatusFailed, ErrCode: code, Reason: why, Refund: true}
	case SendTransient:
		attempt := d.Attempts + 1
		if attempt >= r.cfg.MaxAttempts {
			return Outcome{Status: StatusFailed, ErrCode: code, Reason: reasonCut("gave up after " + fmt.Sprint(attempt) + " attempts: " + se.Reason), Refund: true}
		}
		return Outcome{Status: StatusPending, NextAt: r.now().Add(r.backoff(attempt)), ErrCode: code, Reason: why, Refund: true}
	}
	if code != 0 {
		r.metrics.rejected.WithLabelValues(d.TemplateKey, fmt.Sprint(code)).Inc()
	}
	return Outcome{Status: StatusFailed, ErrCode: code, Reason: why, Refund: true}
}

// backoff is the delay before attempt n+1: RetryBase·2^(n-1), capped at
// RetryMax, of which a random half ("equal jitter"), so notices failed
// together do not come back together.
func (r *Runner) backoff(n int) time.Duration {
	d := r.cfg.RetryBase
	for i := 1; i < n && d < r.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, r.cfg.RetryMax)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// reason is a short, safe text of an error no Sender classified.
func reason(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return err.Error()
}

// reasonCut keeps a reason within its column.
func reasonCut(s string) string {
	if len(s) > 190 {
		s = strings.ToValidUTF8(s[:190], "")
	}
	return s
}

// settle records the outcome of a notice that needs no WeChat call.
func (r *Runner) settle(ctx context.Context, d Delivery, o Outcome) {
	if err := r.store.Settle(context.WithoutCancel(ctx), d, r.cfg.Worker, o, r.now()); err != nil {
		r.log.Warn("notify: recording an outcome failed; the claim will lapse", "notice", d.ID, "err", err.Error())
		return
	}
	r.metrics.outcome(d.TemplateKey, o.Status)
}

// release returns claimed notices to pending.
func (r *Runner) release(ds []Delivery) {
	if len(ds) == 0 {
		return
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.store.Release(ctx, r.cfg.Worker, ids); err != nil {
		r.log.Warn("notify: releasing claims failed; they will lapse", "err", err.Error())
	}
}

// wait takes a token from the shared rate limiter, waiting as needed.
func (r *Runner) wait(ctx context.Context) error {
	if r.limiter == nil {
		return ctx.Err()
	}
	for {
		d, err := r.limiter.Take(ctx)
		if err == nil && d <= 0 {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Without the shared limiter nothing is sent: waiting is
			// safer than exceeding WeChat's limits.
			r.log.Warn("notify: rate limiter unavailable; waiting", "err", err.Error())
			d = r.cfg.PollInterval
		}
		if !sleep(ctx, d) {
			return ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
