package rooms_test

import (
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/rooms"
)

// TestCalendarShowsOthersOnlyBusyAndClosed: a resident's calendar of a
// room shows their own booking in full; of other people's bookings only
// the range and whether it is pending or held (a checked-in one shows as
// confirmed, a no-show not at all: its slots were released) — no id,
// purpose or booker; of a closure only when the room is closed (no
// reason, no id). The desk sees every booking and closure in full.
func TestCalendarShowsOthersOnlyBusyAndClosed(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{NeedsApproval: true})
	d := e.day(1)
	me, other, staff := e.resident(), e.resident(), e.staff()
	// left pending (it would expire at its start, after the releaser's pass below)
	pending := e.mustBook(other, room.ID, at(d, "18:00"), at(d, "19:00"))
	came := e.mustBook(other, room.ID, at(d, "10:00"), at(d, "11:00"))
	absent := e.mustBook(other, room.ID, at(d, "12:00"), at(d, "13:00"))
	held := e.mustBook(other, room.ID, at(d, "14:00"), at(d, "15:00"))
	mine := e.mustBook(me, room.ID, at(d, "16:00"), at(d, "17:00"))
	for _, b := range []rooms.Booking{came, absent, held, mine} {
		if _, err := e.svc.Decide(e.ctx, staff, b.ID, true, ""); err != nil {
			t.Fatalf("approve %d: %v", b.ID, err)
		}
	}
	closure, _, err := e.svc.AddClosure(e.ctx, staff, room.ID, at(d, "19:00"), at(d, "20:00"), "区里检查，暂停开放")
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.svc.Ticket(e.ctx, other, came.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.offset.Store(int64(at(d, "09:55").Sub(time.Now())))
	defer e.offset.Store(0)
	if _, err := e.svc.CheckIn(e.ctx, staff, tk.Ticket); err != nil {
		t.Fatalf("check-in: %v", err)
	}
	e.offset.Store(int64(at(d, "12:30").Sub(time.Now())))
	if _, err := e.svc.Release(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.offset.Store(0)
	hour := func(b rooms.Booking) int { return b.StartsAt.In(cst.Zone).Hour() }

	t.Run("a resident", func(t *testing.T) {
		cal, err := e.svc.Calendar(e.ctx, me, room.ID, d, d.AddDate(0, 0, 1))
		if err != nil || cal.Full {
			t.Fatalf("calendar: full %v, %v", cal.Full, err)
		}
		want := map[int]string{18: rooms.StatusPending, 10: rooms.StatusConfirmed, 14: rooms.StatusConfirmed, 16: rooms.StatusConfirmed}
		if len(cal.Bookings) != len(want) {
			t.Fatalf("%d bookings, want %d (the no-show left out): %+v", len(cal.Bookings), len(want), cal.Bookings)
		}
		for _, b := range cal.Bookings {
			h := hour(b)
			if b.Status != want[h] {
				t.Errorf("the %d:00 booking shows %q, want %q", h, b.Status, want[h])
			}
			if h == 16 {
				if b.ID != mine.ID || b.Purpose == "" || b.BookedBy != me.ID {
					t.Errorf("their own booking not in full: %+v", b)
				}
				continue
			}
			if b.ID != 0 || b.Purpose != "" || b.BookedBy != 0 || b.For != "" || b.Attendance != 0 {
				t.Errorf("someone else's %d:00 booking shows more than its busy range: %+v", h, b)
			}
		}
		if len(cal.Closures) != 1 {
			t.Fatalf("closures %+v, want the one", cal.Closures)
		}
		if c := cal.Closures[0]; c.ID != 0 || c.Reason != "" || c.CreatedBy != 0 || !c.StartsAt.Equal(at(d, "19:00")) || !c.EndsAt.Equal(at(d, "20:00")) {
			t.Errorf("the closure shows more than when the room is closed: %+v", c)
		}
	})

	t.Run("the desk", func(t *testing.T) {
		cal, err := e.svc.Calendar(e.ctx, staff, room.ID, d, d.AddDate(0, 0, 1))
		if err != nil || !cal.Full {
			t.Fatalf("calendar: full %v, %v", cal.Full, err)
		}
		want := map[int64]string{pending.ID: rooms.StatusPending, came.ID: rooms.StatusCheckedIn, absent.ID: rooms.StatusNoShow,
			held.ID: rooms.StatusConfirmed, mine.ID: rooms.StatusConfirmed}
		if len(cal.Bookings) != len(want) {
			t.Fatalf("%d bookings, want %d: %+v", len(cal.Bookings), len(want), cal.Bookings)
		}
		for _, b := range cal.Bookings {
			if s, ok := want[b.ID]; !ok || b.Status != s || b.Purpose == "" || b.BookedBy == 0 {
				t.Errorf("booking %d (%d:00) %q by %d, want %q in full", b.ID, hour(b), b.Status, b.BookedBy, s)
			}
		}
		if len(cal.Closures) != 1 || cal.Closures[0].ID != closure.ID || cal.Closures[0].Reason != "区里检查，暂停开放" {
			t.Errorf("the desk's closures %+v, want %d with its reason", cal.Closures, closure.ID)
		}
	})
}
