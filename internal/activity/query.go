package activity

import (
	"context"
	"time"

	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// SessionView is a session with its live counts.
type SessionView struct {
	Session
	Counts
}

// ActivityView is an activity with its sessions' live counts.
type ActivityView struct {
	Activity
	Sessions     []SessionView
	Remaining    int // seats left over the sessions not started yet
	NextStartsAt time.Time
}

// counts returns the live counts of the activities' sessions: from Redis,
// or from MySQL for an activity whose quota is not loaded.
func (s *Service) counts(ctx context.Context, acts []Activity) (map[int64]Counts, error) {
	want := map[int64][]int64{}
	for _, a := range acts {
		for _, x := range a.Sessions {
			want[a.ID] = append(want[a.ID], x.ID)
		}
	}
	live, err := s.quota.Counts(ctx, want)
	if err != nil {
		live = nil // Redis away: MySQL still knows
	}
	out := map[int64]Counts{}
	var missing []int64
	for aid, ss := range want {
		cs, ok := live[aid]
		if !ok {
			missing = append(missing, aid)
			continue
		}
		for _, sid := range ss {
			out[sid] = cs[sid]
		}
	}
	if len(missing) > 0 {
		cs, err := s.store.SessionCounts(ctx, missing)
		if err != nil {
			return nil, err
		}
		for sid, c := range cs {
			out[sid] = c
		}
	}
	return out, nil
}

func (s *Service) view(a Activity, counts map[int64]Counts) ActivityView {
	v := ActivityView{Activity: a}
	now := s.now()
	for _, x := range a.Sessions {
		c := counts[x.ID]
		c.Capacity, c.WaitlistCapacity = x.Capacity, x.WaitlistCapacity
		if x.Cancelled() {
			// A cancelled session has no place left (its Session keeps
			// the capacities it had).
			c.Capacity, c.WaitlistCapacity = 0, 0
		}
		v.Sessions = append(v.Sessions, SessionView{Session: x, Counts: c})
		if x.StartsAt.After(now) && !x.Cancelled() {
			v.Remaining += c.Remaining()
			if v.NextStartsAt.IsZero() || x.StartsAt.Before(v.NextStartsAt) {
				v.NextStartsAt = x.StartsAt
			}
		}
	}
	if v.NextStartsAt.IsZero() {
		// Nothing held lies ahead (a session under way, or only cancelled
		// ones left): the first session held, as the list sorts by
		// (every session cancelled: the first one).
		v.NextStartsAt = a.HeldStart()
	}
	if a.Series {
		// A series books every session: the seats left are the fewest of any.
		v.Remaining = -1
		for _, x := range v.Sessions {
			if x.Cancelled() {
				continue
			}
			if v.Remaining < 0 || x.Remaining() < v.Remaining {
				v.Remaining = x.Remaining()
			}
		}
		v.Remaining = max(v.Remaining, 0)
	}
	return v
}

// Get returns a published (or finished, or cancelled) activity with live
// counts; drafts only to those who manage them.
func (s *Service) Get(ctx context.Context, id int64, viewer *resident.User) (ActivityView, error) {
	a, err := s.defs.get(ctx, id)
	if err != nil {
		return ActivityView{}, err
	}
	if a.Status == StatusDraft && (viewer == nil || !CanManage(*viewer, a)) {
		return ActivityView{}, errActivityNotFound
	}
	counts, err := s.counts(ctx, []Activity{*a})
	if err != nil {
		return ActivityView{}, err
	}
	return s.view(*a, counts), nil
}

// AdminGet returns an activity the staff member manages.
func (s *Service) AdminGet(ctx context.Context, u resident.User, id int64) (ActivityView, error) {
	a, err := s.managed(ctx, u, id)
	if err != nil {
		return ActivityView{}, err
	}
	counts, err := s.counts(ctx, []Activity{a})
	if err != nil {
		return ActivityView{}, err
	}
	return s.view(a, counts), nil
}

// MyRegistrations lists the account's registrations: upcoming (sessions
// not over, not cancelled) or past.
func (s *Service) MyRegistrations(ctx context.Context, userID int64, upcoming bool, page, size int) ([]RegistrationDetail, int, error) {
	return s.store.UserRegistrations(ctx, userID, upcoming, s.now(), page, size)
}

// MyRegistrationsPage lists the account's registrations by keyset (a list
// that grows with every sign-up): upcoming soonest first, past latest
// first; next is the cursor of the following page ("" at the end).
func (s *Service) MyRegistrationsPage(ctx context.Context, userID int64, upcoming bool, req page.Request) ([]RegistrationDetail, string, error) {
	ds, err := s.store.UserRegistrationsAfter(ctx, userID, upcoming, s.now(), req.After, req.Limit+1)
	if err != nil {
		return nil, "", err
	}
	out, next := page.Trim(ds, req.Limit, func(d RegistrationDetail) page.Cursor {
		return page.Cursor{Key: d.Session.StartsAt.UnixMilli(), ID: d.Registration.ID}
	})
	return out, next, nil
}

// MyRegistration returns one of the account's registrations.
func (s *Service) MyRegistration(ctx context.Context, userID, id int64) (RegistrationDetail, error) {
	d, err := s.store.Registration(ctx, id)
	if err != nil {
		return RegistrationDetail{}, err
	}
	if d.Registration.UserID != userID {
		return RegistrationDetail{}, errRegistrationNotFound
	}
	return d, nil
}

// NoShowStatus is what a resident sees of their no-shows.
type NoShowStatus struct {
	NoShows        []time.Time // within the policy's look-back
	SuspendedUntil time.Time   // zero when not suspended
	Policy         NoShowPolicy
}

// NoShowStatus reports the account's no-shows and any suspension.
func (s *Service) NoShowStatus(ctx context.Context, userID int64) (NoShowStatus, error) {
	now := s.now()
	times, err := s.store.NoShowTimes(ctx, userID, now.Add(-s.cfg.NoShow.Lookback()))
	if err != nil {
		return NoShowStatus{}, err
	}
	return NoShowStatus{NoShows: times, SuspendedUntil: s.cfg.NoShow.SuspendedUntil(times, now), Policy: s.cfg.NoShow}, nil
}
