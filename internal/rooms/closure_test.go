package rooms_test

import (
	"strings"
	"testing"
	"time"

	"gongjian/internal/rooms"
)

// TestClosureOfABookingUnderWay: a closure added while a booking is under
// way keeps what already happened: a checked-in booking (or a confirmed one
// whose check-in time is over before the room closes) ends where the
// closure begins (its status kept, its later slots freed to the closure)
// and its booker is told it ends early; a booking whose use has not begun
// by then is cancelled as before.
func TestClosureOfABookingUnderWay(t *testing.T) {
	e := newEnv(t)
	d := e.day(1)
	type tc struct {
		name             string
		from, to         string // the booking
		checkIn          bool   // checked in at from + 5 minutes
		closeFrom        string // the closure, until 21:00
		status           string // afterwards
		endsAt           string // afterwards
		cancelled        bool   // among the closure's cancelled bookings
		noticeSays       string
		laterSlotRefusal string // a booking of the next hour after it ends
	}
	cases := []tc{
		{"checked in, closed from before now", "09:00", "11:00", true, "09:30", rooms.StatusCheckedIn, "09:45", false, "提前", "10:00"},
		{"confirmed, closed after its check-in time", "09:30", "11:30", false, "10:00", rooms.StatusConfirmed, "10:00", false, "提前", "10:00"},
		{"confirmed, still in its check-in time", "09:30", "10:30", false, "09:00", rooms.StatusCancelled, "10:30", true, "已取消", ""},
		{"not started", "14:00", "15:00", false, "09:00", rooms.StatusCancelled, "15:00", true, "已取消", ""},
	}
	defer e.offset.Store(0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.offset.Store(0)
			room := e.room(rooms.Rules{GraceMinutes: 15})
			u := e.resident()
			b := e.mustBook(u, room.ID, at(d, c.from), at(d, c.to))
			if c.checkIn {
				tk, err := e.svc.Ticket(e.ctx, u, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				e.offset.Store(int64(at(d, c.from).Add(5 * time.Minute).Sub(time.Now())))
				if _, err := e.svc.CheckIn(e.ctx, e.staff(), tk.Ticket); err != nil {
					t.Fatal(err)
				}
			}
			e.offset.Store(int64(at(d, "09:40").Sub(time.Now())))
			_, cancelled, err := e.svc.AddClosure(e.ctx, e.admin, room.ID, at(d, c.closeFrom), at(d, "21:00"), "电路检修")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cancelled) == 1 && cancelled[0].ID == b.ID; got != c.cancelled || len(cancelled) > 1 {
				t.Fatalf("cancelled %+v, want the booking cancelled: %v", cancelled, c.cancelled)
			}
			got, err := e.svc.Booking(e.ctx, u, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.status || !got.EndsAt.Equal(at(d, c.endsAt)) {
				t.Fatalf("booking %s until %v, want %s until %s", got.Status, got.EndsAt, c.status, c.endsAt)
			}
			wantSlots := 0
			if c.status != rooms.StatusCancelled {
				wantSlots = int(at(d, c.endsAt).Sub(at(d, c.from)) / rooms.Granule)
			}
			if n := e.slots(b.ID); n != wantSlots {
				t.Fatalf("the booking holds %d slots, want %d", n, wantSlots)
			}
			var bodies []string
			e.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", u.ID, rooms.BookingDecided).Pluck("body", &bodies)
			if len(bodies) != 1 || !strings.Contains(bodies[0], c.noticeSays) {
				t.Fatalf("the booker was told %q, want one notice saying %q", bodies, c.noticeSays)
			}
			if c.laterSlotRefusal != "" {
				from := at(d, c.laterSlotRefusal)
				_, err := e.book(e.resident(), room.ID, from, from.Add(time.Hour))
				wantCode(t, err, "SLOT_TAKEN")
			}
		})
	}
}
