package rooms

import (
	"context"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Slot states in an availability answer.
const (
	SlotFree   = "free"
	SlotBooked = "booked"
	SlotClosed = "closed"
	SlotPast   = "past"
)

// Slot is one bookable slot of a room.
type Slot struct {
	StartsAt time.Time
	EndsAt   time.Time
	State    string
}

// Availability is a room's slots in a time range with their use.
type Availability struct {
	Room          Room
	Slots         []Slot
	OpenMinutes   int // opening time in the range
	BookedMinutes int // of which held by bookings
	ClosedMinutes int // of which closed
}

// Utilisation is the share of the opening time held by bookings (0..1).
func (a Availability) Utilisation() float64 {
	if a.OpenMinutes == 0 {
		return 0
	}
	return float64(a.BookedMinutes) / float64(a.OpenMinutes)
}

// MaxRange is the longest range availability and calendars answer for.
const MaxRange = 31 * 24 * time.Hour

var errBadRange = errs.Invalid("INVALID_RANGE", "请选择有效的时间范围（开始早于结束，最长31天）")

// dayStart is 00:00 CST of t's day.
func dayStart(t time.Time) time.Time {
	l := t.In(cst.Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
}

// Availability lists the room's slots in [from, to) within its opening
// hours: free, booked (held by a booking, pending ones included), closed, or past.
func (s *Service) Availability(ctx context.Context, roomID int64, from, to time.Time) (Availability, error) {
	if from.IsZero() || !to.After(from) || to.Sub(from) > MaxRange {
		return Availability{}, errBadRange
	}
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return Availability{}, err
	}
	held, err := s.store.Occupied(ctx, r.ID, from, to)
	if err != nil {
		return Availability{}, err
	}
	out := Availability{Room: r, Slots: []Slot{}}
	now := s.now()
	step := time.Duration(r.Rules.SlotMinutes) * time.Minute
	for d := dayStart(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		open, closes, ok := r.dayWindow(d)
		if !ok {
			continue
		}
		for t := open; t.Add(step).Compare(closes) <= 0; t = t.Add(step) {
			if t.Before(from) || t.Add(step).After(to) {
				continue
			}
			st := SlotFree
			for g := SlotOf(t); g < SlotOf(t.Add(step)); g++ {
				if h := held[g]; h > 0 {
					st = SlotBooked
				} else if h < 0 && st == SlotFree {
					st = SlotClosed
				}
			}
			mins := int(step / time.Minute)
			out.OpenMinutes += mins
			switch st {
			case SlotBooked:
				out.BookedMinutes += mins
			case SlotClosed:
				out.ClosedMinutes += mins
			}
			if st == SlotFree && !t.After(now) {
				st = SlotPast
			}
			out.Slots = append(out.Slots, Slot{StartsAt: t.UTC(), EndsAt: t.Add(step).UTC(), State: st})
		}
	}
	return out, nil
}

// Calendar is a room's bookings in a range (a day or a week) with its availability.
type Calendar struct {
	Availability
	Bookings []Booking
	Closures []Closure
	// Full: the caller sees what each booking is for and who booked
	// (desk staff in scope, the room's owners); others see only when the
	// room is taken, and their own bookings in full.
	Full bool
}

// Calendar returns a room's calendar to u if u may see the room (RoomFor:
// any other room is ROOM_NOT_FOUND). Desk staff in scope and the room's
// owners see every booking and closure in full. Others see their own
// bookings in full and, of everything else, only when the room is taken
// (busyOnly) and when it is closed (closedOnly).
func (s *Service) Calendar(ctx context.Context, u resident.User, roomID int64, from, to time.Time) (Calendar, error) {
	if _, err := s.RoomFor(ctx, &u, roomID); err != nil {
		return Calendar{}, err
	}
	av, err := s.Availability(ctx, roomID, from, to)
	if err != nil {
		return Calendar{}, err
	}
	bs, err := s.store.Bookings(ctx, BookingFilter{RoomIDs: []int64{roomID}, Statuses: []string{StatusPending, StatusConfirmed, StatusCheckedIn, StatusNoShow}, From: from, To: to})
	if err != nil {
		return Calendar{}, err
	}
	cs, err := s.store.Closures(ctx, roomID, from, to)
	if err != nil {
		return Calendar{}, err
	}
	full := IsDesk(u, av.Room)
	if !full {
		shown := bs[:0]
		for _, b := range bs {
			if b.HeldBy(u.ID) {
				shown = append(shown, b)
			} else if b, ok := busyOnly(b); ok {
				shown = append(shown, b)
			}
		}
		bs = shown
		for i := range cs {
			cs[i] = closedOnly(cs[i])
		}
	}
	return Calendar{Availability: av, Bookings: bs, Closures: cs, Full: full}, nil
}

// busyOnly is what a calendar shows of someone else's booking to a caller
// who is not at the room's desk: the range it holds and whether it is
// pending or held (confirmed, also once checked in) — no id (nothing a
// resident may do with another's booking), purpose, team, unit or booker.
// A no-show is left out (ok false): its slots were released, and whether
// someone came is theirs.
func busyOnly(b Booking) (Booking, bool) {
	st := b.Status
	switch st {
	case StatusNoShow:
		return Booking{}, false
	case StatusCheckedIn:
		st = StatusConfirmed
	}
	return Booking{RoomID: b.RoomID, StartsAt: b.StartsAt, EndsAt: b.EndsAt, Status: st}, true
}

// closedOnly is what a calendar shows of a closure to a caller who is not
// at the room's desk: that the room is closed and when. Its reason is
// written by staff for staff (a booker whose booking it cancels is told
// it in their notice) and its id serves only the desk.
func closedOnly(c Closure) Closure {
	return Closure{RoomID: c.RoomID, StartsAt: c.StartsAt, EndsAt: c.EndsAt}
}

// FreeQuery is a free-slot search across rooms.
type FreeQuery struct {
	// Viewer is who searches (nil: a visitor without a token): only the
	// rooms they may book are listed.
	Viewer      *resident.User
	CommunityID int64
	Kind        string
	MinCapacity int
	StartsAt    time.Time
	EndsAt      time.Time
}

// FreeRooms lists the active rooms matching q that are free for the whole
// range, whose rules allow it (opening hours, slot boundaries, length, how
// far ahead) and that q.Viewer may book: residents their community's rooms
// open to residents, team leaders and units the rooms open to them in
// their communities, staff the rooms of their scope; a visitor without a
// token the rooms open to residents.
func (s *Service) FreeRooms(ctx context.Context, q FreeQuery) ([]Room, error) {
	if q.StartsAt.IsZero() || !q.EndsAt.After(q.StartsAt) || q.EndsAt.Sub(q.StartsAt) > 24*time.Hour {
		return nil, errBadRange
	}
	rs, who, err := s.bookableRooms(ctx, q.Viewer, RoomFilter{CommunityID: q.CommunityID, Kind: q.Kind, MinCapacity: q.MinCapacity})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Room{}
	for _, r := range rs {
		if r.checkRange(q.StartsAt, q.EndsAt, now, who.desk(r)) != nil {
			continue
		}
		c, err := s.conflicts(ctx, r.ID, [][2]time.Time{{q.StartsAt, q.EndsAt}})
		if err != nil {
			return nil, err
		}
		if len(c) == 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
