package rooms_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

// TestBookingRules: each rule of a room refuses what breaks it with its code.
func TestBookingRules(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 120, AheadDays: 7})
	staffOnly := e.room(rooms.Rules{Audience: []string{rooms.AudienceStaff}})
	d := e.day(2)
	other := resident.User{ID: 99999, CommunityID: e.other}
	for _, tc := range []struct {
		name     string
		u        resident.User
		room     int64
		from, to time.Time
		att      int
		code     string
	}{
		{"on the slot boundaries", e.resident(), room.ID, at(d, "10:00"), at(d, "11:00"), 5, ""},
		{"off the boundaries", e.resident(), room.ID, at(d, "10:30"), at(d, "11:30"), 5, "NOT_ON_SLOT"},
		{"longer than the longest", e.resident(), room.ID, at(d, "12:00"), at(d, "15:00"), 5, "TOO_LONG"},
		{"ends before it starts", e.resident(), room.ID, at(d, "12:00"), at(d, "11:00"), 5, "INVALID_TIME"},
		{"in the past", e.resident(), room.ID, at(e.day(-1), "10:00"), at(e.day(-1), "11:00"), 5, "IN_PAST"},
		{"too far ahead", e.resident(), room.ID, at(e.day(9), "10:00"), at(e.day(9), "11:00"), 5, "TOO_FAR_AHEAD"},
		{"before opening", e.resident(), room.ID, at(d, "07:00"), at(d, "08:00"), 5, "OUTSIDE_OPENING_HOURS"},
		{"after closing", e.resident(), room.ID, at(d, "20:00"), at(d, "22:00"), 5, "OUTSIDE_OPENING_HOURS"},
		{"over capacity", e.resident(), room.ID, at(d, "13:00"), at(d, "14:00"), 41, "OVER_CAPACITY"},
		{"no attendance", e.resident(), room.ID, at(d, "13:00"), at(d, "14:00"), 0, "INVALID_ATTENDANCE"},
		{"resident of another community", other, room.ID, at(d, "13:00"), at(d, "14:00"), 5, "BOOKING_NOT_ALLOWED"},
		{"staff-only room", e.resident(), staffOnly.ID, at(d, "13:00"), at(d, "14:00"), 5, "BOOKING_NOT_ALLOWED"},
		{"staff book a staff-only room", e.staff(), staffOnly.ID, at(d, "13:00"), at(d, "14:00"), 5, ""},
		{"staff book beyond the ahead days", e.staff(), room.ID, at(e.day(9), "10:00"), at(e.day(9), "11:00"), 5, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := e.svc.Book(e.ctx, tc.u, rooms.BookInput{RoomID: tc.room, StartsAt: tc.from, EndsAt: tc.to, Purpose: "读书会", Attendance: tc.att})
			wantStatusOrCode(t, b.Status, err, rooms.StatusConfirmed, tc.code)
		})
	}
}

// TestSeriesAllOrNone: a series with one taken date is refused whole with
// that date named; two series racing for the same evenings: one gets every
// occurrence, the other none.
func TestSeriesAllOrNone(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 120})
	d := e.day(1)
	staff := e.staff()
	third := d.AddDate(0, 0, 14)
	e.mustBook(e.staff(), room.ID, at(third, "19:00"), at(third, "20:00"))
	in := rooms.SeriesInput{BookInput: rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "19:00"), EndsAt: at(d, "21:00"), Purpose: "合唱排练", Attendance: 20},
		Until: d.AddDate(0, 0, 35)}
	_, err := e.svc.BookSeries(e.ctx, staff, in)
	wantCode(t, err, "SLOT_TAKEN")
	if c := errs.As(err).Details["conflicts"].([]string); len(c) != 1 || c[0] != third.Format("2006-01-02") {
		t.Fatalf("conflicts %v, want [%s]", c, third.Format("2006-01-02"))
	}
	var n int64
	e.db.G.Table("room_bookings").Where("room_id = ? AND series_id <> 0", room.ID).Count(&n)
	if n != 0 {
		t.Fatalf("a refused series left %d bookings", n)
	}

	// Two series at once for overlapping evenings of another room.
	room2 := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 120})
	var wg sync.WaitGroup
	results := make([][]rooms.Booking, 2)
	errsOut := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := in
			x.RoomID = room2.ID
			x.StartsAt, x.EndsAt = at(d, "18:00").Add(time.Duration(i)*time.Hour), at(d, "20:00").Add(time.Duration(i)*time.Hour)
			results[i], errsOut[i] = e.svc.BookSeries(e.ctx, e.staff(), x)
		}()
	}
	wg.Wait()
	won := 0
	for i := range 2 {
		if errsOut[i] == nil {
			won++
			if len(results[i]) != 6 {
				t.Fatalf("the winner has %d occurrences, want 6", len(results[i]))
			}
		} else {
			wantCode(t, errsOut[i], "SLOT_TAKEN")
		}
	}
	e.db.G.Table("room_bookings").Where("room_id = ?", room2.ID).Count(&n)
	if won != 1 || n != 6 {
		t.Fatalf("%d series won, %d bookings written; want 1 and 6", won, n)
	}
}

// TestFreeingSlots: cancelling, rejecting, a closure, the release of a
// no-show after the grace period and the expiry of an undecided booking
// all free the slots at once.
func TestFreeingSlots(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{GraceMinutes: 15})
	d := e.day(1)
	u := e.resident()
	b := e.mustBook(u, room.ID, at(d, "09:00"), at(d, "10:00"))
	if e.slots(b.ID) != 4 {
		t.Fatalf("a booking of an hour holds %d granules", e.slots(b.ID))
	}
	if _, err := e.svc.Cancel(e.ctx, u, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	if e.slots(b.ID) != 0 {
		t.Fatal("cancelled, the slots stay held")
	}
	e.mustBook(e.resident(), room.ID, at(d, "09:00"), at(d, "10:00"))

	// A closure cancels what it overlaps and holds its range.
	b2 := e.mustBook(u, room.ID, at(d, "14:00"), at(d, "15:00"))
	_, cancelled, err := e.svc.AddClosure(e.ctx, e.admin, room.ID, at(d, "13:00"), at(d, "17:00"), "消防检查")
	if err != nil || len(cancelled) != 1 || cancelled[0].ID != b2.ID || cancelled[0].Status != rooms.StatusCancelled {
		t.Fatalf("closure: %+v %v, want booking %d cancelled", cancelled, err, b2.ID)
	}
	if got, _ := e.svc.Booking(e.ctx, u, b2.ID); got.Status != rooms.StatusCancelled || e.slots(b2.ID) != 0 {
		t.Fatalf("overlapped booking: %s, %d slots", got.Status, e.slots(b2.ID))
	}
	_, err = e.book(e.resident(), room.ID, at(d, "16:00"), at(d, "17:00"))
	wantCode(t, err, "SLOT_TAKEN")
	var notices int64
	e.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", u.ID, rooms.BookingDecided).Count(&notices)
	if notices != 1 {
		t.Fatalf("the booker got %d notices of the closure", notices)
	}

	// Not checked in within 15 minutes of its start: released, a no-show.
	b3 := e.mustBook(u, room.ID, at(d, "18:00"), at(d, "20:00"))
	e.offset.Store(int64(at(d, "18:14").Sub(time.Now())))
	if _, err := e.svc.Release(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Booking(e.ctx, u, b3.ID); got.Status != rooms.StatusConfirmed {
		t.Fatalf("released within the grace period: %s", got.Status)
	}
	e.offset.Store(int64(at(d, "18:16").Sub(time.Now())))
	if n, err := e.svc.Release(e.ctx); err != nil || n < 1 {
		t.Fatalf("release: %d %v", n, err)
	}
	if got, _ := e.svc.Booking(e.ctx, u, b3.ID); got.Status != rooms.StatusNoShow || e.slots(b3.ID) != 0 {
		t.Fatalf("after the grace period: %s, %d slots", got.Status, e.slots(b3.ID))
	}
	e.mustBook(e.resident(), room.ID, at(d, "18:30"), at(d, "20:00"))
	// The no-show counts toward the booker's strikes (the registration reads' count).
	times, err := mysqlstore.NewActivityStore(e.db).NoShowTimes(e.ctx, u.ID, time.Now().AddDate(0, 0, -1))
	if err != nil || len(times) != 1 || !times[0].Equal(b3.StartsAt) {
		t.Fatalf("no-show strikes: %v %v", times, err)
	}

	// An undecided booking expires at its start.
	e.offset.Store(0)
	approval := e.room(rooms.Rules{NeedsApproval: true})
	p := e.mustBook(u, approval.ID, at(d, "10:00"), at(d, "11:00"))
	if p.Status != rooms.StatusPending || e.slots(p.ID) != 4 {
		t.Fatalf("pending booking: %s, %d slots", p.Status, e.slots(p.ID))
	}
	e.offset.Store(int64(at(d, "10:01").Sub(time.Now())))
	if _, err := e.svc.Release(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Booking(e.ctx, u, p.ID); got.Status != rooms.StatusExpired || e.slots(p.ID) != 0 {
		t.Fatalf("undecided at its start: %s, %d slots", got.Status, e.slots(p.ID))
	}
}

// TestClosureKeepsWhatAlreadyHappened: a closure added during the day for
// the whole day cancels (and tells) the bookings that have not ended, not
// the morning's booking that was used and is over: it stays checked in,
// counted as used in the month's report.
func TestClosureKeepsWhatAlreadyHappened(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{})
	d := e.day(1)
	u := e.resident()
	used := e.mustBook(u, room.ID, at(d, "09:00"), at(d, "10:00"))
	later := e.mustBook(u, room.ID, at(d, "16:00"), at(d, "17:00"))
	tk, err := e.svc.Ticket(e.ctx, u, used.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.offset.Store(int64(at(d, "09:05").Sub(time.Now())))
	defer e.offset.Store(0)
	if _, err := e.svc.CheckIn(e.ctx, e.staff(), tk.Ticket); err != nil {
		t.Fatal(err)
	}
	e.offset.Store(int64(at(d, "12:00").Sub(time.Now())))
	_, cancelled, err := e.svc.AddClosure(e.ctx, e.admin, room.ID, at(d, "08:00"), at(d, "21:00"), "水管爆裂抢修")
	if err != nil || len(cancelled) != 1 || cancelled[0].ID != later.ID {
		t.Fatalf("closure: %+v %v, want only booking %d cancelled", cancelled, err, later.ID)
	}
	if got, _ := e.svc.Booking(e.ctx, u, used.ID); got.Status != rooms.StatusCheckedIn {
		t.Fatalf("the morning's used booking: %s", got.Status)
	}
	_, err = e.book(e.resident(), room.ID, at(d, "18:00"), at(d, "19:00"))
	wantCode(t, err, "SLOT_TAKEN")
	var notices int64
	e.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", u.ID, rooms.BookingDecided).Count(&notices)
	if notices != 1 {
		t.Fatalf("the booker got %d notices of the closure, want 1", notices)
	}
}

// TestOverlappingClosuresStayClosed: a room closed for a day that holds
// an earlier, shorter closure stays closed for the whole day when the
// shorter one is deleted.
func TestOverlappingClosuresStayClosed(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{})
	d := e.day(2)
	short, _, err := e.svc.AddClosure(e.ctx, e.admin, room.ID, at(d, "10:00"), at(d, "12:00"), "设备检修")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.AddClosure(e.ctx, e.admin, room.ID, at(d, "08:00"), at(d, "21:00"), "社区停电"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteClosure(e.ctx, e.admin, room.ID, short.ID); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"09:00", "10:00", "11:30"} {
		_, err := e.book(e.resident(), room.ID, at(d, from), at(d, from).Add(30*time.Minute))
		wantCode(t, err, "SLOT_TAKEN")
	}
	av, err := e.svc.Availability(e.ctx, room.ID, d, d.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range av.Slots {
		if s.State != rooms.SlotClosed {
			t.Fatalf("slot %v is %s during the day's closure", s.StartsAt, s.State)
		}
	}
}

// TestTicketCheckIn: a confirmed booking's ticket (session 0) is checked
// in by desk staff within its window, once; a pending one has none.
func TestTicketCheckIn(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{})
	d := e.day(1)
	u := e.resident()
	b := e.mustBook(u, room.ID, at(d, "10:00"), at(d, "11:00"))
	tk, err := e.svc.Ticket(e.ctx, u, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.keys.Verify(tk.Ticket)
	if err != nil || raw.SessionID != 0 || raw.RegistrationID != b.ID {
		t.Fatalf("ticket %+v %v", raw, err)
	}
	if _, err := e.svc.Ticket(e.ctx, e.resident(), b.ID); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("another resident's ticket: %v", err)
	}
	staff := e.staff()
	_, err = e.svc.CheckIn(e.ctx, staff, tk.Ticket)
	wantCode(t, err, "TOO_EARLY")
	_, err = e.svc.CheckIn(e.ctx, e.resident(), tk.Ticket)
	wantCode(t, err, "FORBIDDEN")
	e.offset.Store(int64(at(d, "09:45").Sub(time.Now())))
	got, err := e.svc.CheckIn(e.ctx, staff, tk.Ticket)
	if err != nil || got.Status != rooms.StatusCheckedIn {
		t.Fatalf("check-in: %v %v", got.Status, err)
	}
	_, err = e.svc.CheckIn(e.ctx, staff, tk.Ticket)
	wantCode(t, err, "ALREADY_CHECKED_IN")
	e.offset.Store(int64(at(d, "10:30").Sub(time.Now())))
	if _, err := e.svc.Release(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Booking(e.ctx, u, b.ID); got.Status != rooms.StatusCheckedIn || e.slots(b.ID) != 4 {
		t.Fatalf("a checked-in booking was released: %s", got.Status)
	}
	_, err = e.svc.CheckIn(e.ctx, staff, "not-a-ticket")
	wantCode(t, err, "BAD_TICKET")
}

// TestCheckInEndsWithTheGracePeriod: a ticket scanned after the grace
// period is refused even when the releaser has not yet come by: whether a
// late booker gets in does not depend on the releaser's timing.
func TestCheckInEndsWithTheGracePeriod(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{GraceMinutes: 15})
	d := e.day(1)
	u := e.resident()
	staff := e.staff()
	for _, tc := range []struct {
		name, from, scan, code string
	}{
		{"within the grace period", "10:00", "10:14", ""},
		{"after the grace period, not yet released", "12:00", "12:16", "TOO_LATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.mustBook(u, room.ID, at(d, tc.from), at(d, tc.from).Add(time.Hour))
			tk, err := e.svc.Ticket(e.ctx, u, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The ticket shows the window it is accepted in.
			if !tk.ValidUntil.Equal(b.StartsAt.Add(15 * time.Minute)) {
				t.Fatalf("ticket valid until %v, want the end of the grace period %v", tk.ValidUntil, b.StartsAt.Add(15*time.Minute))
			}
			e.offset.Store(int64(at(d, tc.scan).Sub(time.Now())))
			defer e.offset.Store(0)
			got, err := e.svc.CheckIn(e.ctx, staff, tk.Ticket)
			wantStatusOrCode(t, got.Status, err, rooms.StatusCheckedIn, tc.code)
		})
	}
}

// TestWeeklyLimitUnderConcurrency: a booker's 20 requests for different
// hours of one week at once, with a limit of 4 hours a week: exactly 4
// are confirmed (the limit is a conditional update, not a read-then-write
// check); cancelling one gives its hour back.
func TestWeeklyLimitUnderConcurrency(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, open(t))
			room := e.room(rooms.Rules{SlotMinutes: 60, WeeklyHours: 4, AheadDays: 30})
			d := e.day(8)
			d = rooms.WeekStart(d) // a Monday a week or two ahead
			u := e.resident()
			won, limited := bookTogether(t, 20, "WEEKLY_LIMIT", func(i int) (rooms.Booking, error) {
				day := d.AddDate(0, 0, i%5)
				from := at(day, "08:00").Add(time.Duration(i/5) * time.Hour)
				return e.book(u, room.ID, from, from.Add(time.Hour))
			})
			if len(won) != 4 || len(limited) != 16 {
				t.Fatalf("%d confirmed, %d refused for the limit; want 4 and 16", len(won), len(limited))
			}
			// Another booker has an allowance of their own.
			e.mustBook(e.resident(), room.ID, at(d, "18:00"), at(d, "19:00"))
			if _, err := e.svc.Cancel(e.ctx, u, won[0].ID, ""); err != nil {
				t.Fatal(err)
			}
			e.mustBook(u, room.ID, at(d, "19:00"), at(d, "20:00"))
			_, err := e.book(u, room.ID, at(d, "20:00"), at(d, "21:00"))
			wantCode(t, err, "WEEKLY_LIMIT")
		})
	}
}

// TestApprovalByOwningUnitOnly: a unit's room needing approval: residents'
// bookings wait; community staff may neither approve nor reject them (they
// may book on a resident's behalf), the unit's contact decides, and the
// booker is told.
func TestApprovalByOwningUnitOnly(t *testing.T) {
	e := newEnv(t)
	contact := e.contact()
	room, err := e.svc.CreateRoom(e.ctx, contact, rooms.Room{CommunityID: e.community, OrgID: e.unit, Name: "实验小学体育馆", Kind: rooms.KindSports,
		Capacity: 80, Rules: rooms.Rules{NeedsApproval: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateRoom(e.ctx, e.staff(), rooms.Room{CommunityID: e.community, OrgID: e.unit, Name: "冒名会议室", Kind: rooms.KindMeeting, Capacity: 8}); errs.CodeOf(err) != "FORBIDDEN" {
		t.Fatalf("community staff add a unit's room: %v", err)
	}
	d := e.day(2)
	u := e.resident()
	b := e.mustBook(u, room.ID, at(d, "15:00"), at(d, "17:00"))
	if b.Status != rooms.StatusPending {
		t.Fatalf("want pending, got %s", b.Status)
	}
	staff := e.staff()
	_, err = e.svc.Decide(e.ctx, staff, b.ID, true, "")
	wantCode(t, err, "NOT_ROOM_OWNER")
	_, err = e.svc.Decide(e.ctx, e.resident(), b.ID, true, "")
	wantCode(t, err, "BOOKING_NOT_FOUND")
	// Staff book for a resident without a smartphone: it waits too.
	desk, err := e.svc.Book(e.ctx, staff, rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "18:00"), EndsAt: at(d, "19:00"), Purpose: "乒乓球", Attendance: 4,
		OnBehalf: &rooms.Guest{Name: "赵大爷", Phone: "13800138000", Reason: "老人不会用手机"}})
	if err != nil || desk.Status != rooms.StatusPending {
		t.Fatalf("desk booking of a unit's room: %v %v", desk.Status, err)
	}
	got, err := e.svc.Decide(e.ctx, contact, b.ID, true, "请爱护场地")
	if err != nil || got.Status != rooms.StatusConfirmed || got.DecidedBy != contact.ID {
		t.Fatalf("the unit approves: %+v %v", got, err)
	}
	_, err = e.svc.Decide(e.ctx, contact, b.ID, false, "")
	wantCode(t, err, "NOT_PENDING")
	rej, err := e.svc.Decide(e.ctx, e.admin, desk.ID, false, "当天有校内活动")
	if err != nil || rej.Status != rooms.StatusRejected || e.slots(desk.ID) != 0 {
		t.Fatalf("admins decide too: %+v %v", rej.Status, err)
	}
	var notices []struct{ Title string }
	e.db.G.Table("outbox").Select("title").Where("user_id = ?", u.ID).Scan(&notices)
	if len(notices) != 1 || notices[0].Title != "场地预约已通过" {
		t.Fatalf("the booker's notices: %+v", notices)
	}
	// The unit's contact needs no approval for their own room.
	own, err := e.svc.Book(e.ctx, contact, rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "09:00"), EndsAt: at(d, "10:00"), Purpose: "校队训练", Attendance: 20, OrgID: e.unit})
	if err != nil || own.Status != rooms.StatusConfirmed {
		t.Fatalf("the owner's own booking: %v %v", own.Status, err)
	}
}

// TestNoDecisionAfterExpiry: a pending booking nobody decided before its
// expiry (its start here) can no longer be approved, even before the
// releaser has expired it: an approval does not revive a booking that
// already began.
func TestNoDecisionAfterExpiry(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{NeedsApproval: true})
	d := e.day(1)
	u := e.resident()
	for _, tc := range []struct {
		name, from, decide, code string
	}{
		{"before its start", "10:00", "09:59", ""},
		{"after its start, not yet expired by the releaser", "14:00", "14:01", "NOT_PENDING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.mustBook(u, room.ID, at(d, tc.from), at(d, tc.from).Add(time.Hour))
			if b.Status != rooms.StatusPending {
				t.Fatalf("want pending, got %s", b.Status)
			}
			e.offset.Store(int64(at(d, tc.decide).Sub(time.Now())))
			defer e.offset.Store(0)
			got, err := e.svc.Decide(e.ctx, e.admin, b.ID, true, "")
			wantStatusOrCode(t, got.Status, err, rooms.StatusConfirmed, tc.code)
		})
	}
}

// TestDeskBooksOnBehalf: desk staff book for a person without an account:
// name and reason kept, the phone sealed and masked; a reason is required
// and residents cannot book on behalf of others.
func TestDeskBooksOnBehalf(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{WeeklyHours: 1})
	d := e.day(1)
	staff := e.staff()
	in := rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "09:00"), EndsAt: at(d, "10:00"), Purpose: "象棋", Attendance: 2,
		OnBehalf: &rooms.Guest{Name: "钱奶奶", Phone: "13912345678", Reason: "到前台预约，没有智能手机"}}
	b, err := e.svc.Book(e.ctx, staff, in)
	if err != nil || b.For != rooms.ForDesk || b.GuestName != "钱奶奶" || b.GuestPhoneMasked != "139****5678" || b.BookedBy != staff.ID {
		t.Fatalf("desk booking: %+v %v", b, err)
	}
	var sealed string
	e.db.G.Table("room_bookings").Select("guest_phone_sealed").Where("id = ?", b.ID).Scan(&sealed)
	if sealed == "" || sealed == "13912345678" {
		t.Fatalf("the phone is stored as %q", sealed)
	}
	// The guest's weekly hour is theirs, whoever books for them.
	in.StartsAt, in.EndsAt = at(d, "10:00"), at(d, "11:00")
	_, err = e.svc.Book(e.ctx, e.staff(), in)
	wantCode(t, err, "WEEKLY_LIMIT")
	in.OnBehalf = &rooms.Guest{Name: "钱奶奶", Phone: "13912345678"}
	_, err = e.svc.Book(e.ctx, staff, in)
	wantCode(t, err, "REASON_REQUIRED")
	in.OnBehalf = &rooms.Guest{Name: "钱奶奶", Phone: "13912345678", Reason: "代约"}
	_, err = e.svc.Book(e.ctx, e.resident(), in)
	wantCode(t, err, "FORBIDDEN")
	if got, err := e.svc.Cancel(e.ctx, e.staff(), b.ID, "本人来电取消"); err != nil || got.Status != rooms.StatusCancelled {
		t.Fatalf("desk staff cancel: %v %v", got.Status, err)
	}
}

// TestCalendarFreeSlotsAndUtilisation: the availability of a day counts
// open, booked and closed minutes; the free-room search finds only rooms
// free for the whole range; residents see no bookers in a calendar.
func TestCalendarFreeSlotsAndUtilisation(t *testing.T) {
	e := newEnv(t)
	hours := []rooms.DayHours{}
	for wd := 1; wd <= 7; wd++ {
		hours = append(hours, rooms.DayHours{Weekday: wd, Opens: "09:00", Closes: "17:00"})
	}
	mk := func(name string, capacity int) rooms.Room {
		r, err := e.svc.CreateRoom(e.ctx, e.admin, rooms.Room{CommunityID: e.community, Name: name, Kind: rooms.KindReadingRoom, Capacity: capacity, Hours: hours, Rules: rooms.Rules{SlotMinutes: 60, MaxMinutes: 240}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := mk("阅览室A", 20), mk("阅览室B", 60)
	d := e.day(1)
	u := e.resident()
	e.mustBook(u, a.ID, at(d, "09:00"), at(d, "11:00"))
	if _, _, err := e.svc.AddClosure(e.ctx, e.admin, a.ID, at(d, "16:00"), at(d, "17:00"), "保洁"); err != nil {
		t.Fatal(err)
	}
	av, err := e.svc.Availability(e.ctx, a.ID, d, d.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, s := range av.Slots {
		states[s.State]++
	}
	if av.OpenMinutes != 480 || av.BookedMinutes != 120 || av.ClosedMinutes != 60 || states["free"] != 5 || states["booked"] != 2 || states["closed"] != 1 {
		t.Fatalf("availability %+v %v", av, states)
	}
	if u := av.Utilisation(); u != 0.25 {
		t.Fatalf("utilisation %v, want 0.25", u)
	}
	free, err := e.svc.FreeRooms(e.ctx, rooms.FreeQuery{CommunityID: e.community, StartsAt: at(d, "10:00"), EndsAt: at(d, "12:00")})
	if err != nil || len(free) != 1 || free[0].ID != b.ID {
		t.Fatalf("free at 10–12: %v %v", free, err)
	}
	free, _ = e.svc.FreeRooms(e.ctx, rooms.FreeQuery{CommunityID: e.community, MinCapacity: 30, StartsAt: at(d, "12:00"), EndsAt: at(d, "13:00")})
	if len(free) != 1 || free[0].ID != b.ID {
		t.Fatalf("free for 30 people: %v", free)
	}
	cal, err := e.svc.Calendar(e.ctx, e.resident(), a.ID, d, d.AddDate(0, 0, 7))
	if err != nil || len(cal.Bookings) != 1 || cal.Bookings[0].BookedBy != 0 || cal.Full || len(cal.Closures) != 1 {
		t.Fatalf("a resident's calendar: %+v %v", cal.Bookings, err)
	}
	cal, _ = e.svc.Calendar(e.ctx, e.staff(), a.ID, d, d.AddDate(0, 0, 7))
	if !cal.Full || cal.Bookings[0].BookedBy != u.ID {
		t.Fatalf("the desk's calendar: %+v", cal.Bookings)
	}
}

// TestSlotsCountFromOpening: a room opening off the hour with hour-long
// slots (08:30–20:30) is booked on the slots its availability lists, from
// its opening time: each listed free slot can be booked, a booking on the
// clock's hours (09:00–10:00) is off the room's slots, and the free-room
// search finds the room for a listed slot.
func TestSlotsCountFromOpening(t *testing.T) {
	e := newEnv(t)
	hours := []rooms.DayHours{}
	for wd := 1; wd <= 7; wd++ {
		hours = append(hours, rooms.DayHours{Weekday: wd, Opens: "08:30", Closes: "20:30"})
	}
	r, err := e.svc.CreateRoom(e.ctx, e.admin, rooms.Room{CommunityID: e.community, Name: "半点开门的活动室", Kind: rooms.KindActivity, Capacity: 20, Hours: hours,
		Rules: rooms.Rules{SlotMinutes: 60, MaxMinutes: 120}})
	if err != nil {
		t.Fatal(err)
	}
	d := e.day(2)
	av, err := e.svc.Availability(e.ctx, r.ID, d, d.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(av.Slots) != 12 || !av.Slots[0].StartsAt.Equal(at(d, "08:30")) {
		t.Fatalf("slots %+v", av.Slots)
	}
	free, err := e.svc.FreeRooms(e.ctx, rooms.FreeQuery{CommunityID: e.community, StartsAt: at(d, "10:30"), EndsAt: at(d, "11:30")})
	if err != nil || len(free) != 1 || free[0].ID != r.ID {
		t.Fatalf("free at 10:30–11:30: %v %v", free, err)
	}
	u := e.resident()
	for _, s := range []int{0, 11} { // the first and the last slot of the day
		if _, err := e.book(u, r.ID, av.Slots[s].StartsAt, av.Slots[s].EndsAt); err != nil {
			t.Fatalf("listed slot %v–%v: %v", av.Slots[s].StartsAt, av.Slots[s].EndsAt, err)
		}
	}
	_, err = e.book(u, r.ID, at(d, "12:00"), at(d, "13:00"))
	wantCode(t, err, "NOT_ON_SLOT")
}

// TestMonthlyReport: the month's booked and used hours, no-show rate and
// top bookers per room and community, and the same in XLSX.
func TestMonthlyReport(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 180})
	d := e.day(1)
	alice, bob := e.resident(), e.resident()
	a1 := e.mustBook(alice, room.ID, at(d, "09:00"), at(d, "11:00"))
	e.mustBook(bob, room.ID, at(d, "12:00"), at(d, "13:00"))
	e.mustBook(alice, room.ID, at(d, "15:00"), at(d, "18:00"))
	tk, _ := e.svc.Ticket(e.ctx, alice, a1.ID)
	staff := e.staff()
	e.offset.Store(int64(at(d, "09:05").Sub(time.Now())))
	if _, err := e.svc.CheckIn(e.ctx, staff, tk.Ticket); err != nil {
		t.Fatal(err)
	}
	e.offset.Store(int64(at(d, "13:00").Sub(time.Now())))
	if _, err := e.svc.Release(e.ctx); err != nil { // bob's booking: a no-show
		t.Fatal(err)
	}
	rep, err := e.svc.Report(e.ctx, staff, d, e.community)
	if err != nil || len(rep.Rooms) != 1 || len(rep.Communities) != 1 {
		t.Fatalf("report %+v %v", rep, err)
	}
	u := rep.Rooms[0]
	days := d.AddDate(0, 1, -d.Day()+1).AddDate(0, 0, -1).Day() // days in the month
	if u.BookedMinutes != 360 || u.UsedMinutes != 120 || u.NoShows != 1 || u.CheckedIn != 1 || u.NoShowRate() != 0.5 || u.OpenMinutes != days*13*60 {
		t.Fatalf("room use %+v (days %d)", u, days)
	}
	if len(rep.TopBookers) != 2 || rep.TopBookers[0].Minutes != 300 || rep.TopBookers[1].Minutes != 60 {
		t.Fatalf("top bookers %+v", rep.TopBookers)
	}
	if none, _ := e.svc.Report(e.ctx, resident.User{ID: 5, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: e.other}}}, d, 0); len(none.Rooms) != 0 {
		t.Fatalf("another community's staff see %d rooms", len(none.Rooms))
	}
	b, err := rooms.ReportXLSX(rep, map[int64]string{e.community: "阳光社区"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("场地")
	if len(rows) != 3 || rows[2][0] != room.Name || rows[2][4] != "6" || rows[2][5] != "2" || rows[2][10] != "50.0%" {
		t.Fatalf("sheet 场地: %v", rows)
	}
}

// TestIdempotencyKeyAnswersOnlyItsRequest: a repeated request with its
// Idempotency-Key gets the first booking again; the same key sent with
// another request (another room, other times, a series) is refused
// instead of answered with a booking that request did not ask for.
func TestIdempotencyKeyAnswersOnlyItsRequest(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 120})
	other := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 120})
	d := e.day(2)
	u := e.staff()
	in := rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "10:00"), EndsAt: at(d, "11:00"), Purpose: "读书会", Attendance: 5, IdemKey: "k-1"}
	first, err := e.svc.Book(e.ctx, u, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Book(e.ctx, u, in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("repeat: %+v %v, want booking %d", again, err, first.ID)
	}
	otherRoom, otherTime := in, in
	otherRoom.RoomID = other.ID
	otherTime.StartsAt, otherTime.EndsAt = at(d, "12:00"), at(d, "13:00")
	for name, x := range map[string]rooms.BookInput{"another room": otherRoom, "other times": otherTime} {
		if b, err := e.svc.Book(e.ctx, u, x); errs.CodeOf(err) != "IDEMPOTENCY_KEY_REUSED" {
			t.Fatalf("%s: %+v %v, want IDEMPOTENCY_KEY_REUSED", name, b, err)
		}
	}
	_, err = e.svc.BookSeries(e.ctx, u, rooms.SeriesInput{BookInput: in, Until: d.AddDate(0, 0, 14)})
	wantCode(t, err, "IDEMPOTENCY_KEY_REUSED")

	// A series' key: a single booking with it is refused too.
	ser := rooms.SeriesInput{BookInput: rooms.BookInput{RoomID: other.ID, StartsAt: at(d, "19:00"), EndsAt: at(d, "20:00"), Purpose: "合唱", Attendance: 5,
		IdemKey: "k-2"}, Until: d.AddDate(0, 0, 14)}
	if _, err := e.svc.BookSeries(e.ctx, u, ser); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Book(e.ctx, u, ser.BookInput)
	wantCode(t, err, "IDEMPOTENCY_KEY_REUSED")

	// A malformed key: the code sign-ups answer.
	for _, k := range []string{strings.Repeat("k", 65), "bad key!", "钥匙"} {
		bad := in
		bad.IdemKey, bad.StartsAt, bad.EndsAt = k, at(d, "15:00"), at(d, "16:00")
		_, err = e.svc.Book(e.ctx, u, bad)
		wantCode(t, err, "INVALID_IDEMPOTENCY_KEY")
	}
}

// TestSeriesRepeatedWithItsKey: a recurring booking sent again with its
// Idempotency-Key (a retry after a lost answer) gets its occurrences
// again, not SLOT_TAKEN for the dates its first attempt took.
func TestSeriesRepeatedWithItsKey(t *testing.T) {
	e := newEnv(t)
	room := e.room(rooms.Rules{SlotMinutes: 60, MaxMinutes: 120})
	d := e.day(2)
	u := e.staff()
	ser := rooms.SeriesInput{BookInput: rooms.BookInput{RoomID: room.ID, StartsAt: at(d, "19:00"), EndsAt: at(d, "20:00"), Purpose: "合唱", Attendance: 5,
		IdemKey: "series-1"}, Until: d.AddDate(0, 0, 14)}
	bs, err := e.svc.BookSeries(e.ctx, u, ser)
	if err != nil || len(bs) != 3 {
		t.Fatalf("series: %d %v", len(bs), err)
	}
	again, err := e.svc.BookSeries(e.ctx, u, ser)
	if err != nil || len(again) != 3 || again[0].ID != bs[0].ID {
		t.Fatalf("repeated series: %d %v, want its 3 occurrences", len(again), err)
	}
	for i := range bs {
		if fmt.Sprintf("%+v", bs[i]) != fmt.Sprintf("%+v", again[i]) {
			t.Fatalf("occurrence %d answered\n%+v\nfirst, then\n%+v", i, bs[i], again[i])
		}
	}
	// Without a key the same request is refused with the dates named.
	ser.IdemKey = ""
	_, err = e.svc.BookSeries(e.ctx, u, ser)
	wantCode(t, err, "SLOT_TAKEN")
	if c := errs.As(err).Details["conflicts"].([]string); len(c) != 3 {
		t.Fatalf("conflicts %v, want 3 dates", c)
	}
}
