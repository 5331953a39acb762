package activity

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// ReconcileReport says what one pass of the reconciler found and repaired.
type ReconcileReport struct {
	Checked int
	Busy    int            // skipped: the quota changed while being compared
	Drift   map[string]int // repairs by kind: missing, orphan, count, epoch
	Seats   int            // seats and waitlist places Redis differed by
}

// RunReconciler reconciles every ReconcileInterval until ctx ends (it
// returns at once when the interval is 0).
func (s *Service) RunReconciler(ctx context.Context) {
	if s.cfg.ReconcileInterval <= 0 {
		return
	}
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Reconcile(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("reconcile failed", slog.String("err", err.Error()))
			}
		}
	}
}

// sweepState is where the reconciler's sweep is, and when its last pass began.
type sweepState struct {
	mu       sync.Mutex
	after    int64     // the last activity id the sweep compared
	lastPass time.Time // zero before the first pass
}

// touched remembers an activity this process reserved seats in, for the
// next pass (an orphan leaves no trace in MySQL).
func (s *Service) touched(activityID int64) { s.touchedIDs.Store(activityID, struct{}{}) }

// Reconcile compares the Redis quota with MySQL for the activities that
// changed since the last pass (their counters moved, or this process
// reserved seats in them) and for the next SweepBatch open activities, and
// repairs what differs by rebuilding from MySQL (fenced by a new epoch, so
// a write still in flight cannot land afterwards). The comparison is one
// pipelined Redis read and a few bounded queries a pass; only activities
// whose quick comparison differs get the full check. It is safe to run in
// several processes at once.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	rep := ReconcileReport{Drift: map[string]int{}}
	started := time.Now()
	now := s.now()
	s.sweep.mu.Lock()
	defer s.sweep.mu.Unlock()
	ids, err := s.passIDs(ctx, now)
	if err != nil {
		return rep, err
	}
	truths, err := s.store.QuotaTruths(ctx, ids)
	if err != nil {
		return rep, err
	}
	want := make(map[int64][]int64, len(truths))
	for id, t := range truths {
		if !t.Open || !t.LastEndAt.After(now.Add(-24*time.Hour)) {
			continue
		}
		for sid := range t.Sessions {
			want[id] = append(want[id], sid)
		}
	}
	states, err := s.quota.States(ctx, want)
	if err != nil {
		return rep, err
	}
	full := 0
	for _, id := range ids {
		if _, open := want[id]; !open {
			continue
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		// A quota not loaded has nothing to disagree with: the first
		// sign-up that needs it builds it from MySQL, lists read the counters.
		if st := states[id]; !st.Exists || agrees(st, truths[id]) {
			rep.Checked++
			continue
		}
		full++
		kind, seats, busy, err := s.reconcileOne(ctx, id)
		if err != nil {
			s.log.Warn("reconcile activity failed", slog.Int64("activity_id", id), slog.String("err", err.Error()))
			continue
		}
		rep.Checked++
		if busy {
			rep.Busy++
			s.touched(id) // look again next pass
		}
		if kind != "" {
			rep.Drift[kind]++
			rep.Seats += seats
			s.metrics.drift.WithLabelValues(kind).Inc()
			s.log.Warn("quota drift repaired", slog.Int64("activity_id", id), slog.String("kind", kind), slog.Int("seats", seats))
		}
	}
	s.sweep.lastPass = now
	s.metrics.driftSeat.Set(float64(rep.Seats))
	s.metrics.passChecked.Set(float64(len(want)))
	s.metrics.passFull.Set(float64(full))
	s.metrics.passSeconds.Set(time.Since(started).Seconds())
	s.metrics.passes.Inc()
	return rep, nil
}

// passIDs is what one pass compares: the activities changed since the last
// pass (with a margin for commits that were in flight) and the sweep's next
// slice, which starts over when it reaches the end.
func (s *Service) passIDs(ctx context.Context, now time.Time) ([]int64, error) {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	s.touchedIDs.Range(func(k, _ any) bool {
		s.touchedIDs.Delete(k)
		add(k.(int64))
		return true
	})
	if !s.sweep.lastPass.IsZero() {
		margin := s.cfg.WriteTimeout + time.Minute
		changed, err := s.store.ChangedActivities(ctx, s.sweep.lastPass.Add(-margin), 5*s.cfg.SweepBatch)
		if err != nil {
			return nil, err
		}
		for _, id := range changed {
			add(id)
		}
	}
	slice, err := s.store.OpenActivityIDs(ctx, now.Add(-24*time.Hour), s.sweep.after, s.cfg.SweepBatch)
	if err != nil {
		return nil, err
	}
	for _, id := range slice {
		add(id)
	}
	if len(slice) < s.cfg.SweepBatch {
		s.sweep.after = 0
	} else {
		s.sweep.after = slice[len(slice)-1]
	}
	return ids, nil
}

// agrees is the quick comparison: the quota exists under MySQL's epoch,
// nothing is pending, and every session's counts and capacities match.
func agrees(st QuotaState, t QuotaTruth) bool {
	if !st.Exists || st.Epoch != t.Epoch || len(st.Pending) > 0 || len(st.Sessions) != len(t.Sessions) {
		return false
	}
	for sid, m := range t.Sessions {
		if r, ok := st.Sessions[sid]; !ok || r != m {
			return false
		}
	}
	return true
}

func (s *Service) repair(ctx context.Context, id, epoch int64) error {
	if err := s.quota.Invalidate(ctx, id, epoch); err != nil {
		return err
	}
	return s.rebuild(ctx, id)
}

// reconcileOne checks one activity. Reservations not yet acknowledged are
// in flight unless older than StaleAfter; a stale one whose group MySQL
// holds was committed (its acknowledgement got lost), otherwise it is an
// orphan (the process died between Redis and MySQL).
func (s *Service) reconcileOne(ctx context.Context, id int64) (kind string, seats int, busy bool, err error) {
	a, err := s.store.Activity(ctx, id)
	if err != nil {
		return "", 0, false, err
	}
	sess := make([]int64, 0, len(a.Sessions))
	for _, x := range a.Sessions {
		sess = append(sess, x.ID)
	}
	st1, err := s.quota.State(ctx, id, sess)
	if err != nil {
		return "", 0, false, err
	}
	if !st1.Exists {
		return "missing", 0, false, s.rebuild(ctx, id)
	}
	stale := s.now().Add(-s.cfg.StaleAfter)
	var acked []string
	for key, at := range st1.Pending {
		if at.After(stale) {
			continue
		}
		ok, err := s.store.GroupExists(ctx, key)
		if err != nil {
			return "", 0, false, err
		}
		if !ok {
			return "orphan", 0, false, s.repair(ctx, id, st1.Epoch)
		}
		acked = append(acked, key)
	}
	if len(acked) > 0 {
		if err := s.quota.Ack(ctx, id, acked); err != nil {
			return "", 0, false, err
		}
		for _, k := range acked {
			delete(st1.Pending, k)
		}
	}
	if len(st1.Pending) > 0 {
		return "", 0, true, nil
	}
	mysql, err := s.store.SessionCounts(ctx, []int64{id})
	if err != nil {
		return "", 0, false, err
	}
	cur, err := s.store.Activity(ctx, id)
	if err != nil {
		return "", 0, false, err
	}
	st2, err := s.quota.State(ctx, id, sess)
	if err != nil {
		return "", 0, false, err
	}
	if !st2.Exists || st2.Version != st1.Version || len(st2.Pending) > 0 || st2.Epoch != st1.Epoch {
		return "", 0, true, nil
	}
	if cur.QuotaEpoch != st1.Epoch || len(cur.Sessions) != len(a.Sessions) {
		return "epoch", 0, false, s.repair(ctx, id, st1.Epoch)
	}
	for _, sid := range sess {
		r, m := st1.Sessions[sid], mysql[sid]
		seats += abs(r.Confirmed-m.Confirmed) + abs(r.Waitlisted-m.Waitlisted)
		if r.Capacity != m.Capacity || r.WaitlistCapacity != m.WaitlistCapacity {
			seats++
		}
	}
	if seats == 0 {
		return "", 0, false, nil
	}
	return "count", seats, false, s.repair(ctx, id, st1.Epoch)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
