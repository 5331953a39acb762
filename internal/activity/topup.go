package activity

import (
	"context"
	"errors"
	"log/slog"
)

// topUp promotes into seats a cancellation left free. A cancellation
// reserves seats for the waitlist before it commits and frees its own
// seats after; one prepared between another's commit and its freeing sees
// that seat as still taken and promotes nobody. After each cancellation,
// a session with a free seat and people waiting is promoted once more
// (best effort: it changes nothing when the seats are gone meanwhile).
func (s *Service) topUp(ctx context.Context, a *Activity, cancelled []Registration) {
	var sessions []int64
	seen := map[int64]bool{}
	for _, r := range cancelled {
		if r.Status == RegConfirmed && !seen[r.SessionID] {
			seen[r.SessionID] = true
			sessions = append(sessions, r.SessionID)
		}
	}
	if len(sessions) == 0 {
		return
	}
	st, err := s.quota.State(ctx, a.ID, sessions)
	if err != nil || !st.Exists {
		return
	}
	var free []int64
	for _, id := range sessions {
		if c := st.Sessions[id]; c.Confirmed < c.Capacity && c.Waitlisted > 0 {
			free = append(free, id)
		}
	}
	if len(free) == 0 {
		return
	}
	if a.Series {
		// A series group waits in every session: it needs a seat in each.
		free = free[:0]
		for _, x := range a.Sessions {
			free = append(free, x.ID)
		}
	}
	opKey := newKey()
	epoch := st.Epoch
	prepared := false
	op := CancelOp{ActivityID: a.ID, Epoch: epoch, Notices: noticesFor(a, ""), TopUp: free}
	res, err := s.store.CancelRegistrations(ctx, op, func(freed map[int64]int, cands []Candidate) ([]int, error) {
		out, chosen, err := s.quota.Prepare(ctx, a.ID, epoch, opKey, freed, cands, s.now())
		if err != nil {
			return nil, err
		}
		if out != Reserved {
			return nil, ErrFenced
		}
		prepared = true
		return chosen, nil
	})
	if err != nil {
		// An unclear commit keeps its reservation: the reconciler finds
		// the operation pending and rebuilds from MySQL.
		if prepared && !errors.Is(err, ErrUnclear) {
			s.unprepare(ctx, a.ID, epoch, opKey, res.Chosen)
		}
		s.log.Debug("waitlist top-up skipped", slog.Int64("activity_id", a.ID), slog.String("err", err.Error()))
		return
	}
	if prepared {
		s.apply(ctx, a.ID, epoch, opKey, res)
	}
}
