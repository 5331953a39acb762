package activity

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gongjian/internal/periodic"
)

// ReasonWaitlistLapsed is why a waitlist ends when its session starts: the
// cancel reason of the rows, and what the resident is told.
const ReasonWaitlistLapsed = "活动已开始，候补未能转为正式报名"

// Bounds of EndStartedWaitlists.
const (
	// waitlistEndBatch groups are read at a time, at most
	// waitlistEndBatches times a pass (the next pass goes on).
	waitlistEndBatch   = 100
	waitlistEndBatches = 5
	// waitlistEndNoticeWindow: a group whose first session started longer
	// ago than this (waitlists left from before this job ran, or from a long
	// outage) is ended without a notice: news about a session weeks past
	// helps nobody.
	waitlistEndNoticeWindow = 7 * 24 * time.Hour
)

// EndStartedWaitlists ends the waitlists nobody can leave any more: once a
// session has started nobody is promoted into it, so each group still
// waitlisted in a started session (a series' group with all its sessions:
// it waits whole) is cancelled, with ReasonWaitlistLapsed as the reason,
// and told once (one notice a group, EventWaitlistEnded). Each group is
// one cancellation (MySQL first, then its waitlist places are freed in
// Redis), so Redis, the session counters and the rows stay equal. Several
// processes may run it at once: a group already ended is skipped under
// its sessions' locks, and a session moved later meanwhile keeps its
// waitlist (CancelOp.StartedBy). It returns the registrations ended.
func (s *Service) EndStartedWaitlists(ctx context.Context) (int, error) {
	dctx, cancel := s.detached(ctx)
	defer cancel()
	ended := 0
	var firstErr error
	for batch := 0; batch < waitlistEndBatches && ctx.Err() == nil; batch++ {
		now := s.now()
		regs, err := s.store.StartedWaitlists(ctx, now, waitlistEndBatch)
		if err != nil {
			return ended, err
		}
		groups := groupsOf(regs)
		done := 0
		defs := map[int64]*Activity{} // read afresh once a pass: the starts decide
		for _, g := range groups {
			a, ok := defs[g[0].ActivityID]
			if !ok {
				if a, err = s.defs.reload(dctx, g[0].ActivityID); err != nil {
					return ended, err
				}
				defs[a.ID] = a
			}
			n, err := s.endWaitlist(dctx, a, g, now)
			if err != nil {
				s.log.Warn("ending a started session's waitlist failed; the next pass tries again",
					slog.Int64("activity_id", g[0].ActivityID), slog.String("group", g[0].GroupKey), slog.String("err", err.Error()))
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			ended += n
			done++
		}
		if len(groups) < waitlistEndBatch || done == 0 {
			break
		}
	}
	return ended, firstErr
}

// endWaitlist cancels one group's waitlisted rows g of a, telling the
// resident unless its first session started long ago.
func (s *Service) endWaitlist(ctx context.Context, a *Activity, g []Registration, now time.Time) (int, error) {
	var first time.Time
	ids := make([]int64, 0, len(g))
	for _, r := range g {
		ids = append(ids, r.ID)
		if x, ok := a.Session(r.SessionID); ok && (first.IsZero() || x.StartsAt.Before(first)) {
			first = x.StartsAt
		}
	}
	event := EventWaitlistEnded
	if now.Sub(first) > waitlistEndNoticeWindow {
		event = ""
	}
	res, err := s.cancelRows(ctx, a, CancelOp{RegIDs: ids, Reason: ReasonWaitlistLapsed, NoticeEvent: event, StartedBy: now})
	if errors.Is(err, errAlreadyCancelled) {
		return 0, nil // ended by another process, or its session moved later
	}
	return len(res.Cancelled), err
}

// RunWaitlistEnder runs EndStartedWaitlists every interval until ctx ends
// (every process may run it).
func (s *Service) RunWaitlistEnder(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, true, s.EndStartedWaitlists, func(err error) {
		s.log.Warn("ending started sessions' waitlists failed", slog.String("err", err.Error()))
	})
}
