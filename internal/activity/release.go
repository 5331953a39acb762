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
		res, err := s.cancel(ctx, a, full, userID, ReasonDependentRemoved, true)
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
