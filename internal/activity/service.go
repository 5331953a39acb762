package activity

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/imageurl"
	"gongjian/internal/resident"
)

// People is what the services need to know about residents.
type People interface {
	Me(ctx context.Context, userID int64) (resident.User, error)
	// UsableDependent returns a dependent the user owns that may be signed
	// up now (NotFound for someone else's).
	UsableDependent(ctx context.Context, userID, id int64) (resident.Dependent, error)
	Communities(ctx context.Context) ([]resident.Community, error)
}

// Residence tells where a resident's residence is confirmed (0 = nowhere):
// "residents of this community only" looks at it.
type Residence interface {
	ConfirmedCommunity(ctx context.Context, userID int64) (int64, error)
}

// Unsealer opens encrypted personal data (phones) for staff allowed to see it.
type Unsealer interface {
	Open(sealed string) (string, error)
}

// Config tunes the services. Zero fields take the defaults.
type Config struct {
	NoShow NoShowPolicy
	// DefinitionTTL: how long an activity's definition is kept in memory
	// (a changed quota epoch reloads it at once).
	DefinitionTTL time.Duration
	// Writers and WriteBatch: goroutines writing registrations, and the most
	// sign-ups one of them puts in one transaction (group commit).
	Writers    int
	WriteBatch int
	// WriteTimeout bounds the MySQL half of a sign-up once a seat is reserved.
	WriteTimeout time.Duration
	// IdemTTL: how long Redis remembers an Idempotency-Key (MySQL keeps it).
	IdemTTL time.Duration
	// RebuildWait: how long a request waits for another one rebuilding the quota.
	RebuildWait time.Duration
	// StaleAfter: a reservation not acknowledged by then is examined by the reconciler.
	StaleAfter time.Duration
	// ReconcileInterval: how often the reconciler compares Redis with MySQL (0 = never).
	ReconcileInterval time.Duration
	// SweepBatch: open activities a reconciler pass compares besides those
	// that changed, so a full sweep spreads over many passes.
	SweepBatch int
	// ExportBatch: registrations an export reads per query.
	ExportBatch int
	// SoldOutMemo: how long a process answers an account's repeated sign-up
	// for a full session itself (see FollowQuota).
	SoldOutMemo time.Duration
}

func (c Config) withDefaults() Config {
	defaults.Fill(&c, Config{
		NoShow: DefaultNoShowPolicy, DefinitionTTL: 2 * time.Second, Writers: 1, WriteBatch: 200, WriteTimeout: 15 * time.Second,
		IdemTTL: 24 * time.Hour, RebuildWait: 5 * time.Second, StaleAfter: 30 * time.Second, SweepBatch: 100, ExportBatch: 1000,
		SoldOutMemo: 3 * time.Second,
	})
	return c
}

// Deps are the service's collaborators. Log and Now may be nil.
type Deps struct {
	Store  Store
	Quota  Quota
	People People
	Box    Unsealer
	Log    *slog.Logger
	Config Config
	Now    func() time.Time
}

// Service holds the rules about activities and registrations.
type Service struct {
	store  Store
	quota  Quota
	people People
	box    Unsealer
	log    *slog.Logger
	// residence confirms where residents live; without it (tests of other
	// rules) the profile's community stands in.
	residence Residence
	images    imageurl.Checker // nil: no cover accepted
	cfg       Config
	now       func() time.Time

	defs    *defCache
	totals  totals
	sessAct sync.Map // session id -> activity id (never changes)
	writer  *writer
	metrics *metrics

	rebuilds atomic.Int64
	closed   atomic.Bool
	sweep    sweepState
	// touchedIDs: activities this process reserved seats in since the last
	// reconciler pass.
	touchedIDs sync.Map
	// full remembers sold-out refusals (see FollowQuota).
	full *soldOut
	// countsInDecision: the quota counts a sign-up's rate limit in its
	// decision (RegisterInput.Count); overLimit remembers keys over theirs.
	countsInDecision bool
	overLimit        overLimits
}

// UseImages sets which addresses an activity's cover may be
// (imageurl.Policy: an https URL on a configured host or one of the
// editor's own uploads). Wiring; without it an activity takes no cover.
func (s *Service) UseImages(images imageurl.Checker) { s.images = images }

var errCoverURL = errs.Invalid("INVALID_COVER_URL", "封面图片地址无效，请上传图片，或使用允许的图片网站的安全链接")

// checkCover checks a cover address ("" is no cover) for the editor.
func (s *Service) checkCover(ctx context.Context, editorID int64, cover string) error {
	if cover == "" {
		return nil
	}
	return imageurl.Require(ctx, s.images, editorID, cover, errCoverURL)
}

// UseResidence makes community-only eligibility use confirmed residence
// (wiring: the residence service is built after this one).
func (s *Service) UseResidence(r Residence) { s.residence = r }

// NewService builds the service and starts its registration writers; Close
// stops them. RunReconciler is the periodic reconciler (an app job).
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Service{store: d.Store, quota: d.Quota, people: d.People, box: d.Box, log: d.Log, cfg: d.Config.withDefaults(), now: d.Now}
	s.metrics = newMetrics()
	s.full = newSoldOut(s.cfg.SoldOutMemo, 100_000)
	s.defs = newDefCache(d.Store, s.cfg.DefinitionTTL, d.Now)
	s.writer = newWriter(d.Store, d.Quota, d.Log, s.cfg.Writers, s.cfg.WriteBatch, s.cfg.WriteTimeout, s.metrics)
	if cq, ok := d.Quota.(CountingQuota); ok {
		s.countsInDecision = cq.CountsInDecision()
	}
	return s
}

// Close stops the background work after the writes in flight are done.
func (s *Service) Close() {
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	s.writer.close()
}

// Collectors are the service's Prometheus metrics, for the registry.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.decisions, m.batch, m.rebuilds, m.drift, m.driftSeat, m.passChecked, m.passFull, m.passSeconds, m.passes}
}

// Rebuilds reports how many times this process rebuilt a quota from MySQL.
func (s *Service) Rebuilds() int64 { return s.rebuilds.Load() }

// keyPrefix makes this process's keys unique among processes; a counter
// makes them unique within it (no system call per key).
var (
	keyPrefix = func() string {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		return hex.EncodeToString(b)
	}()
	keySeq atomic.Uint64
)

// newKey returns a key unique across processes: 32 hex characters.
func newKey() string {
	var b [16]byte
	hex.Encode(b[:], binary.BigEndian.AppendUint64(nil, keySeq.Add(1)))
	return keyPrefix + string(b[:])
}

// detached keeps a started change alive whatever the client does.
func (s *Service) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.cfg.WriteTimeout+5*time.Second)
}

var errBusy = errs.New(errs.KindUnavailable, "UNAVAILABLE", "报名的人太多了，请稍后再试")

// ---- definitions cached in memory ----

type defEntry struct {
	a  *Activity
	at time.Time
}

type defCall struct {
	done chan struct{}
	a    *Activity
	err  error
}

// defCache keeps activity definitions in memory for a short time; loads of
// one activity are collapsed into one query.
type defCache struct {
	store Store
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	m     map[int64]defEntry
	calls map[int64]*defCall
}

func newDefCache(store Store, ttl time.Duration, now func() time.Time) *defCache {
	return &defCache{store: store, ttl: ttl, now: now, m: map[int64]defEntry{}, calls: map[int64]*defCall{}}
}

// get returns a definition not older than the TTL.
func (c *defCache) get(ctx context.Context, id int64) (*Activity, error) {
	if a, ok := c.cached(id); ok {
		return a, nil
	}
	return c.load(ctx, id, time.Time{})
}

// cached returns the definition get would, if it is in memory.
func (c *defCache) cached(id int64) (*Activity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok && c.now().Sub(e.at) < c.ttl {
		return e.a, true
	}
	return nil, false
}

// reload returns a definition loaded after since (a fresh one).
func (c *defCache) reload(ctx context.Context, id int64) (*Activity, error) {
	return c.load(ctx, id, c.now())
}

func (c *defCache) load(ctx context.Context, id int64, since time.Time) (*Activity, error) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && !since.IsZero() && !e.at.Before(since) {
		c.mu.Unlock()
		return e.a, nil
	}
	if call, ok := c.calls[id]; ok {
		c.mu.Unlock()
		<-call.done
		if call.err == nil || since.IsZero() {
			return call.a, call.err
		}
		return c.load(ctx, id, since)
	}
	call := &defCall{done: make(chan struct{})}
	c.calls[id] = call
	c.mu.Unlock()
	started := c.now()
	// Others wait for this load: one caller hanging up must not fail them.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	a, err := c.store.Activity(lctx, id)
	cancel()
	c.mu.Lock()
	delete(c.calls, id)
	if err == nil {
		call.a = &a
		c.m[id] = defEntry{a: &a, at: started}
	}
	call.err = err
	c.mu.Unlock()
	close(call.done)
	return call.a, err
}

func (c *defCache) invalidate(id int64) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// activityOf returns the activity id of a session (cached forever: a
// session never moves).
func (s *Service) activityOf(ctx context.Context, sessionID int64) (int64, error) {
	if v, ok := s.sessAct.Load(sessionID); ok {
		return v.(int64), nil
	}
	aid, err := s.store.SessionActivity(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	s.sessAct.Store(sessionID, aid)
	return aid, nil
}

// ---- metrics ----

type metrics struct {
	decisions *prometheus.CounterVec
	batch     prometheus.Histogram
	rebuilds  prometheus.Counter
	drift     *prometheus.CounterVec
	driftSeat prometheus.Gauge
	// One reconciler pass: activities compared, those needing the full
	// check, and its duration (bounded by SweepBatch plus what changed).
	passChecked prometheus.Gauge
	passFull    prometheus.Gauge
	passSeconds prometheus.Gauge
	passes      prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_registration_decisions_total", Help: "Sign-up decisions by outcome.",
		}, []string{"outcome"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gongjian_registration_write_batch_size", Help: "Sign-ups written per MySQL transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongjian_quota_rebuilds_total", Help: "Quotas rebuilt in Redis from MySQL.",
		}),
		drift: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_quota_drift_total", Help: "Differences between Redis and MySQL found and repaired by the reconciler, by kind (missing, orphan, count, epoch).",
		}, []string{"kind"}),
		driftSeat: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongjian_quota_drift_seats", Help: "Seats and waitlist places by which Redis differed from MySQL in the last reconciliation.",
		}),
		passChecked: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongjian_reconcile_pass_activities", Help: "Activities the last reconciler pass compared (changed ones plus one slice of the sweep).",
		}),
		passFull: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongjian_reconcile_pass_full_checks", Help: "Activities the last reconciler pass examined in full (their quick comparison differed).",
		}),
		passSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongjian_reconcile_pass_seconds", Help: "How long the last reconciler pass took.",
		}),
		passes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongjian_reconcile_pass_total", Help: "Reconciler passes run.",
		}),
	}
	return m
}

// ---- group commit ----

type writeJob struct {
	w   Write
	res chan WriteResult
}

// writer collects reserved sign-ups from many requests and writes them in
// few transactions: each writer goroutine takes whatever is queued (up to
// the batch size) without waiting, so an idle server writes one at a time
// and a busy one writes many per commit.
type writer struct {
	store   Store
	quota   Quota
	log     *slog.Logger
	jobs    chan *writeJob
	batch   int
	timeout time.Duration
	metrics *metrics
	mu      sync.RWMutex
	closed  bool
	wg      sync.WaitGroup
	// acks carries committed batches' reservations to the acker, so that a
	// writer starts its next batch without waiting for Redis.
	acks    chan map[int64][]string
	ackDone chan struct{}
}

func newWriter(store Store, quota Quota, log *slog.Logger, n, batch int, timeout time.Duration, m *metrics) *writer {
	w := &writer{store: store, quota: quota, log: log, jobs: make(chan *writeJob, 4096), batch: batch, timeout: timeout, metrics: m,
		acks: make(chan map[int64][]string, 256), ackDone: make(chan struct{})}
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go w.loop()
	}
	go w.acker()
	return w
}

var errClosing = errs.New(errs.KindUnavailable, "UNAVAILABLE", "服务正在重启，请稍后再试")

// write queues w and waits for its outcome. It does not watch the
// caller's context: a reserved sign-up is always written or settled.
func (w *writer) write(wr Write) WriteResult {
	job := &writeJob{w: wr, res: make(chan WriteResult, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return WriteResult{Err: errClosing}
	}
	w.jobs <- job
	w.mu.RUnlock()
	return <-job.res
}

// loop writes whatever is queued when the last batch ends (up to the batch
// size) in one transaction, without waiting for more: while a batch is
// being written the next one gathers, so batches grow with the load.
// (Writers once lingered a millisecond for more sign-ups; since a batch
// takes three round trips, not seven, a wait only added to every answer.)
func (w *writer) loop() {
	defer w.wg.Done()
	for job := range w.jobs {
		batch := []*writeJob{job}
	drain:
		for len(batch) < w.batch {
			select {
			case j, ok := <-w.jobs:
				if !ok {
					break drain
				}
				batch = append(batch, j)
			default:
				break drain
			}
		}
		ws := make([]Write, len(batch))
		for i, j := range batch {
			ws[i] = j.w
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
		res := w.store.CommitRegistrations(ctx, ws)
		cancel()
		w.metrics.batch.Observe(float64(len(batch)))
		acked := map[int64][]string{}
		for i, j := range batch {
			j.res <- res[i]
			if res[i].Err == nil {
				acked[j.w.Group.ActivityID] = append(acked[j.w.Group.ActivityID], j.w.Group.Key)
			}
		}
		if len(acked) > 0 {
			w.acks <- acked
		}
	}
}

// acker acknowledges committed batches, those that queued up meanwhile
// together.
func (w *writer) acker() {
	defer close(w.ackDone)
	for merged := range w.acks {
	more:
		for {
			select {
			case m, ok := <-w.acks:
				if !ok {
					break more
				}
				for aid, keys := range m {
					merged[aid] = append(merged[aid], keys...)
				}
			default:
				break more
			}
		}
		w.ack(merged)
	}
}

// ack tells the quota that the batch's reservations are written (after
// the answers went out): they stop looking in flight to the reconciler.
// A lost acknowledgement is harmless: the reconciler finds the group in
// MySQL and drops it.
func (w *writer) ack(byActivity map[int64][]string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for aid, keys := range byActivity {
		if err := w.quota.Ack(ctx, aid, keys); err != nil {
			w.log.Warn("quota ack failed; the reconciler will settle it", slog.Int64("activity_id", aid), slog.String("err", err.Error()))
		}
	}
}

func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	w.mu.Unlock()
	w.wg.Wait()
	close(w.acks) // the service closes its writer once
	<-w.ackDone
}
