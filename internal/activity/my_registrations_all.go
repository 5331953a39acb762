package activity

import (
	"context"
	"strings"

	"gongjian/internal/page"
)

// The account's whole list ("upcoming and past", issue 3): the upcoming
// registrations (soonest first), then the past and cancelled ones (latest
// first), paged as one list.

// MyAllRegistrations is a numbered page (1-based) of the whole list and
// the number of registrations in it.
func (s *Service) MyAllRegistrations(ctx context.Context, userID int64, pg, size int) ([]RegistrationDetail, int, error) {
	now := s.now()
	up, nUp, err := s.store.UserRegistrations(ctx, userID, true, now, pg, size)
	if err != nil {
		return nil, 0, err
	}
	// The past rows this page shows: from pastOff on, want of them.
	pastOff, want := max(0, (pg-1)*size-nUp), size-len(up)
	if want == 0 {
		_, nPast, err := s.store.UserRegistrations(ctx, userID, false, now, 1, 1)
		return up, nUp + nPast, err
	}
	at := pastOff/size + 1
	past, nPast, err := s.store.UserRegistrations(ctx, userID, false, now, at, size)
	if err != nil {
		return nil, 0, err
	}
	if skip := pastOff % size; skip > 0 {
		past = past[min(skip, len(past)):]
		if len(past) < want && at*size < nPast {
			more, _, err := s.store.UserRegistrations(ctx, userID, false, now, at+1, size)
			if err != nil {
				return nil, 0, err
			}
			past = append(past, more...)
		}
	}
	return append(up, past[:min(want, len(past))]...), nUp + nPast, nil
}

// pastPhase marks a cursor of the whole list that stands in its past part
// (what follows is a page.Cursor there, or nothing: its start).
const pastPhase = "past."

// MyAllRegistrationsPage is a keyset page of the whole list: at most limit
// registrations after cursor ("" for the first page) and the cursor of the
// next page ("" at the end). The cursor says which part it stands in.
func (s *Service) MyAllRegistrationsPage(ctx context.Context, userID int64, cursor string, limit int) ([]RegistrationDetail, string, error) {
	now := s.now()
	at := func(d RegistrationDetail) page.Cursor {
		return page.Cursor{Key: d.Session.StartsAt.UnixMilli(), ID: d.Registration.ID}
	}
	var out []RegistrationDetail
	var pastAfter *page.Cursor
	if rest, ok := strings.CutPrefix(cursor, pastPhase); ok {
		after, err := page.Decode(rest)
		if err != nil {
			return nil, "", err
		}
		pastAfter = after
	} else {
		after, err := page.Decode(cursor)
		if err != nil {
			return nil, "", err
		}
		up, err := s.store.UserRegistrationsAfter(ctx, userID, true, now, after, limit+1)
		if err != nil {
			return nil, "", err
		}
		if len(up) > limit {
			out, next := page.Trim(up, limit, at)
			return out, next, nil
		}
		out = up
	}
	want := limit - len(out)
	past, err := s.store.UserRegistrationsAfter(ctx, userID, false, now, pastAfter, want+1)
	if err != nil {
		return nil, "", err
	}
	switch {
	case len(past) <= want:
		return append(out, past...), "", nil
	case want == 0:
		// This page ends with the upcoming part; the past part follows.
		return out, pastPhase, nil
	}
	out = append(out, past[:want]...)
	return out, pastPhase + at(past[want-1]).Encode(), nil
}
