package activity

import (
	"context"
	"log/slog"
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

// Reconcile compares the Redis quota of every open activity with MySQL and
// repairs what differs by rebuilding from MySQL (fenced by a new epoch, so
// a write still in flight cannot land afterwards). It is safe to run in
// several processes at once.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	rep := ReconcileReport{Drift: map[string]int{}}
	ids, err := s.store.OpenActivityIDs(ctx, s.now().Add(-24*time.Hour))
	if err != nil {
		return rep, err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		kind, seats, busy, err := s.reconcileOne(ctx, id)
		if err != nil {
			s.log.Warn("reconcile activity failed", slog.Int64("activity_id", id), slog.String("err", err.Error()))
			continue
		}
		rep.Checked++
		if busy {
			rep.Busy++
		}
		if kind != "" {
			rep.Drift[kind]++
			rep.Seats += seats
			s.metrics.drift.WithLabelValues(kind).Inc()
			s.log.Warn("quota drift repaired", slog.Int64("activity_id", id), slog.String("kind", kind), slog.Int("seats", seats))
		}
	}
	s.metrics.driftSeat.Set(float64(rep.Seats))
	return rep, nil
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
