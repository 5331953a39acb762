package activity

import (
	"context"
	"errors"
)

// ReasonDependentRemoved is told to the resident with each registration
// cancelled because the family member was removed.
const ReasonDependentRemoved = "家庭成员已删除"

// ReleaseDependent cancels the upcoming registrations (confirmed and
// waitlisted, in sessions not yet over) of a family member the account
// removes: waitlists are promoted and the resident is told of each
// cancellation. An attendance already checked in is kept. It returns the
// registrations cancelled.
func (s *Service) ReleaseDependent(ctx context.Context, userID, dependentID int64) ([]Registration, error) {
	regs, err := s.store.DependentRegistrations(ctx, userID, dependentID, s.now())
	if err != nil {
		return nil, err
	}
	return s.cancelAll(ctx, userID, regs, ReasonDependentRemoved)
}

// cancelAll cancels registrations on the account's behalf (a series once),
// telling the resident why; checked-in and already cancelled ones are
// skipped.
func (s *Service) cancelAll(ctx context.Context, userID int64, regs []Registration, reason string) ([]Registration, error) {
	var out []Registration
	done := map[int64]bool{}
	for _, r := range regs {
		if done[r.ID] {
			continue // cancelled with its series
		}
		full, a, _, err := s.loadRegistration(ctx, r.ID)
		if err != nil {
			return out, err
		}
		if !full.Live() {
			continue
		}
		res, err := s.cancel(ctx, a, full, userID, reason, true)
		switch {
		case errors.Is(err, ErrRegistrationCheckedIn), errors.Is(err, errAlreadyCancelled):
			continue
		case err != nil:
			return out, err
		}
		for _, c := range res.Cancelled {
			done[c.ID] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// ReasonResidenceChanged is told with each registration a new confirmed
// residence no longer allows.
const ReasonResidenceChanged = "您的居住社区已变更，不再符合本活动“仅限本社区居民”的报名条件"

// RecheckResidence cancels the account's upcoming registrations (its own
// and its family members') in community-only activities of communities
// other than the confirmed one, telling the resident of each and promoting
// waitlists. It returns how many were cancelled.
func (s *Service) RecheckResidence(ctx context.Context, userID, communityID int64) (int, error) {
	regs, err := s.store.OutsideResidence(ctx, userID, communityID, s.now())
	if err != nil {
		return 0, err
	}
	out, err := s.cancelAll(ctx, userID, regs, ReasonResidenceChanged)
	return len(out), err
}
