package rooms

import (
	"context"
	"errors"
	"slices"
	"time"

	"gongjian/internal/resident"
)

// unitServes reports whether the co-building unit orgID is tied to the
// community.
func (s *Service) unitServes(ctx context.Context, orgID, communityID int64) (bool, error) {
	cs, err := s.store.UnitCommunities(ctx, orgID)
	if err != nil {
		return false, err
	}
	return slices.Contains(cs, communityID), nil
}

// bookable says which rooms one caller may book in some way (the
// free-room search lists only those); bookerOf is the rule it follows.
type bookable struct {
	u     *resident.User // nil: a visitor without a token
	home  int64          // the community the caller lives in
	teams map[int64]bool // communities of the active teams the caller leads
	units map[int64]bool // communities of the units the caller books for
	orgs  map[int64]bool // the units the caller books for
}

// bookableFor gathers what bookable needs about u (nil: a visitor).
func (s *Service) bookableFor(ctx context.Context, u *resident.User) (bookable, error) {
	b := bookable{u: u, teams: map[int64]bool{}, units: map[int64]bool{}, orgs: map[int64]bool{}}
	if u == nil {
		return b, nil
	}
	home, err := s.homeOf(ctx, *u)
	if err != nil {
		return b, err
	}
	if home == 0 {
		// Not confirmed yet: the rooms of the community they chose (a
		// booking then tells them how to have their residence confirmed).
		home = u.CommunityID
	}
	b.home = home
	ts, err := s.store.Teams(ctx, 0, u.ID)
	if err != nil {
		return b, err
	}
	for _, t := range ts {
		if t.Active && t.LeaderID == u.ID {
			b.teams[t.CommunityID] = true
		}
	}
	for _, r := range u.Roles {
		if r.OrgID == 0 || r.Role != resident.RoleUnitContact && r.Role != resident.RoleStaff || b.orgs[r.OrgID] {
			continue
		}
		b.orgs[r.OrgID] = true
		cs, err := s.store.UnitCommunities(ctx, r.OrgID)
		if err != nil && !errors.Is(err, ErrUnitNotFound) {
			return b, err
		}
		for _, c := range cs {
			b.units[c] = true
		}
	}
	return b, nil
}

// desk reports whether the caller books r as its staff or owner.
func (b bookable) desk(r Room) bool { return b.u != nil && IsDesk(*b.u, r) }

// allows reports whether the caller may book r in some way.
func (b bookable) allows(r Room) bool {
	if b.u == nil {
		return r.Rules.Opens(AudienceResidents)
	}
	if b.desk(r) || r.OrgID != 0 && b.orgs[r.OrgID] {
		return true
	}
	// A resident who has not chosen a community yet (and books for no unit
	// or desk) sees the rooms open to residents as a visitor does; booking
	// then asks for their residence.
	newcomer := b.home == 0 && !b.u.IsAnyStaff() && !b.u.HasRole(resident.RoleUnitContact)
	return r.Rules.Opens(AudienceResidents) && (b.home == r.CommunityID || newcomer) ||
		r.Rules.Opens(AudienceTeams) && b.teams[r.CommunityID] ||
		r.Rules.Opens(AudienceUnits) && b.units[r.CommunityID]
}

// bookableRooms lists the active rooms matching f that viewer (nil: a
// visitor) may book in some way, and the rule that chose them. The room
// directory and the free-room search both list through it.
func (s *Service) bookableRooms(ctx context.Context, viewer *resident.User, f RoomFilter) ([]Room, bookable, error) {
	f.WithClosed = false
	rs, err := s.store.Rooms(ctx, f)
	if err != nil {
		return nil, bookable{}, err
	}
	who, err := s.bookableFor(ctx, viewer)
	if err != nil {
		return nil, bookable{}, err
	}
	out := []Room{}
	for _, r := range rs {
		if who.allows(r) {
			out = append(out, r)
		}
	}
	return out, who, nil
}

// RoomFor returns one room to viewer (nil: a visitor without a token): a
// room the directory lists them (bookableRooms' rule: active and open to
// them), one they run the desk of (staff and admins in scope, its owners;
// inactive ones too), or one they hold a booking of (the resident's
// bookings keep their room's page). Any other room is ROOM_NOT_FOUND, as
// if it did not exist: staff-only rooms and other communities' rooms are
// not shown by id either.
func (s *Service) RoomFor(ctx context.Context, viewer *resident.User, id int64) (Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return Room{}, err
	}
	who, err := s.bookableFor(ctx, viewer)
	if err != nil {
		return Room{}, err
	}
	if who.desk(r) || r.Active && who.allows(r) {
		return r, nil
	}
	if viewer != nil {
		// A room the viewer holds a booking of (made, or made for them).
		for _, f := range []BookingFilter{{BookedBy: viewer.ID}, {ForUser: viewer.ID}} {
			f.RoomIDs, f.Limit = []int64{r.ID}, 1
			bs, err := s.store.Bookings(ctx, f)
			if err != nil {
				return Room{}, err
			}
			if len(bs) > 0 {
				return r, nil
			}
		}
	}
	return Room{}, ErrRoomNotFound
}

// AvailabilityFor is Availability of a room viewer may see (RoomFor);
// any other room is ROOM_NOT_FOUND.
func (s *Service) AvailabilityFor(ctx context.Context, viewer *resident.User, id int64, from, to time.Time) (Availability, error) {
	if _, err := s.RoomFor(ctx, viewer, id); err != nil {
		return Availability{}, err
	}
	return s.Availability(ctx, id, from, to)
}
