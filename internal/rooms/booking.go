package rooms

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// Guest is the person desk staff book for: someone without an account
// (Name, Phone), or a registered resident by account (UserID: their name
// and phone come from the account, Name and Phone are not read).
type Guest struct {
	Name   string
	Phone  string
	Reason string
	UserID int64
}

// BookInput is one booking request.
type BookInput struct {
	RoomID     int64
	StartsAt   time.Time
	EndsAt     time.Time
	Purpose    string
	Attendance int
	TeamID     int64  // a team leader books for the team
	OrgID      int64  // a unit contact books for the unit
	OnBehalf   *Guest // desk staff book for a resident without a smartphone
	IdemKey    string // the Idempotency-Key header
}

var phoneRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// booker is who a booking is for and whether the caller may make it.
type booker struct {
	kind      string
	key       string // weekly counter
	teamID    int64
	orgID     int64
	guest     *Guest
	forUser   int64 // the registered resident desk staff book for
	sealed    string
	masked    string
	decides   bool // the caller owns the room: no approval needed
	unlimited bool // staff for the community's own use, a unit in its own room: no weekly limit
}

func (s *Service) bookerOf(ctx context.Context, u resident.User, r Room, in BookInput) (booker, error) {
	b := booker{decides: Owns(u, r)}
	n := 0
	for _, set := range []bool{in.OnBehalf != nil, in.TeamID != 0, in.OrgID != 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return b, errs.Invalid("ONE_BOOKER", "以队伍、单位或代他人预约只能选择一种")
	}
	switch {
	case in.OnBehalf != nil:
		if !IsDesk(u, r) {
			return b, errForbidden
		}
		g := *in.OnBehalf
		var err error
		if g.Reason, err = text("reason", "代约原因", g.Reason, 0, 200); err != nil {
			return b, err
		}
		if g.Reason == "" {
			return b, errReasonRequired
		}
		if g.UserID != 0 {
			return s.deskForResident(ctx, u, r, g, b)
		}
		if g.Name, err = text("guest_name", "被代约人姓名", g.Name, 1, 30); err != nil {
			return b, err
		}
		// A resident without a smartphone may have no phone at all: the
		// phone is optional, and without it the weekly hours count by the
		// name the desk gave.
		g.Phone = strings.TrimSpace(g.Phone)
		b.kind, b.guest, b.key = ForDesk, &g, "guest-name:"+s.box.Hash(g.Name)
		if g.Phone != "" {
			if !phoneRE.MatchString(g.Phone) {
				return b, errs.Invalid("INVALID_PHONE", "被代约人的手机号应为11位数字，没有手机可不填")
			}
			sealed, err := s.box.Seal(g.Phone)
			if err != nil {
				return b, errs.Internal(err)
			}
			b.sealed, b.masked, b.key = sealed, pii.MaskPhone(g.Phone), "guest:"+s.box.Hash(g.Phone)
		}
	case in.TeamID != 0:
		t, err := s.store.Team(ctx, in.TeamID)
		if err != nil {
			return b, err
		}
		if t.LeaderID != u.ID && !b.decides {
			return b, errs.Forbidden("NOT_TEAM_LEADER", "只有队长可以为队伍预约场地")
		}
		if !t.Active || t.CommunityID != r.CommunityID || !(r.Rules.Opens(AudienceTeams) || b.decides) {
			return b, errNotAllowed
		}
		b.kind, b.teamID, b.key = ForTeam, t.ID, fmt.Sprintf("team:%d", t.ID)
	case in.OrgID != 0:
		if !u.IsContactOf(in.OrgID) && !u.IsStaffOfOrg(in.OrgID) {
			return b, errs.Forbidden("NOT_UNIT_CONTACT", "只有该共建单位的联系人可以为单位预约")
		}
		if r.OrgID != in.OrgID {
			if !r.Rules.Opens(AudienceUnits) {
				return b, errNotAllowed
			}
			// Co-building units are tied to communities: a unit books
			// rooms of those communities only (and its own rooms).
			ok, err := s.unitServes(ctx, in.OrgID, r.CommunityID)
			if err != nil {
				return b, err
			}
			if !ok {
				return b, errUnitElsewhere
			}
		}
		b.kind, b.orgID, b.key = ForUnit, in.OrgID, fmt.Sprintf("unit:%d", in.OrgID)
		b.unlimited = r.OrgID == in.OrgID // a unit using its own room
	case IsDesk(u, r):
		b.kind, b.key, b.unlimited = ForStaff, fmt.Sprintf("user:%d", u.ID), true
	default:
		// Residents of the community: those whose residence it confirmed,
		// whatever their profile says.
		if !r.Rules.Opens(AudienceResidents) {
			return b, errNotAllowed
		}
		if err := s.residentOf(ctx, u, r.CommunityID, errNotAllowed, errNotResident); err != nil {
			return b, err
		}
		b.kind, b.key = ForSelf, fmt.Sprintf("user:%d", u.ID)
	}
	return b, nil
}

// People finds residents' accounts (the resident store): desk staff may
// name the resident they book for by account id.
type People interface {
	UserByID(ctx context.Context, id int64) (resident.User, error)
}

// UsePeople lets desk staff book for a registered resident by account id
// (wiring; without it such a booking is refused).
func (s *Service) UsePeople(p People) { s.people = p }

var errResidentUnknown = errs.NotFound("USER_NOT_FOUND", "没有找到这位居民的账号，请核对后重试")

// deskForResident is a desk booking for the registered resident g.UserID:
// the booking carries the name and (sealed) phone of their account, and
// counts against that resident's own weekly hours, as their own bookings
// do ("user:<id>"), so booking at the desk is no way round the limit.
// A resident whose community (confirmed residence, else profile) is one
// the caller does not serve is unknown to them, as an unknown id.
func (s *Service) deskForResident(ctx context.Context, u resident.User, r Room, g Guest, b booker) (booker, error) {
	if s.people == nil {
		return b, errs.Internal(fmt.Errorf("rooms: no resident store wired for desk bookings by account"))
	}
	p, err := s.people.UserByID(ctx, g.UserID)
	if errs.KindOf(err) == errs.KindNotFound {
		return b, errResidentUnknown
	}
	if err != nil {
		return b, err
	}
	home, err := s.homeOf(ctx, p)
	if err != nil {
		return b, err
	}
	if home == 0 {
		home = p.CommunityID
	}
	if home != 0 && home != r.CommunityID && !u.IsStaffOf(home) {
		return b, errResidentUnknown
	}
	g.Name, g.Phone = p.DisplayName(), ""
	b.kind, b.guest, b.sealed, b.masked = ForDesk, &g, p.PhoneSealed, p.PhoneMasked
	b.key, b.forUser = fmt.Sprintf("user:%d", p.ID), p.ID
	return b, nil
}

// prepare builds the booking of one request (not yet written).
func (s *Service) prepare(ctx context.Context, u resident.User, in BookInput) (Room, booker, *Booking, error) {
	r, err := s.store.Room(ctx, in.RoomID)
	if err != nil {
		return Room{}, booker{}, nil, err
	}
	if !r.Active {
		return r, booker{}, nil, errRoomClosed
	}
	bk, err := s.bookerOf(ctx, u, r, in)
	if err != nil {
		return r, bk, nil, err
	}
	purpose, err := text("purpose", "用途", in.Purpose, 1, 100)
	if err != nil {
		return r, bk, nil, err
	}
	if in.Attendance < 1 {
		return r, bk, nil, errs.Invalid("INVALID_ATTENDANCE", "请填写预计人数")
	}
	if in.Attendance > r.Capacity {
		return r, bk, nil, errOverCapacity.With("capacity", r.Capacity)
	}
	if in.IdemKey != "" && !activity.ValidIdemKey(in.IdemKey) {
		// The same rule and code as a sign-up's key.
		return r, bk, nil, errs.Invalid("INVALID_IDEMPOTENCY_KEY", "请求编号无效，请更新小程序后重试")
	}
	b := &Booking{RoomID: r.ID, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Purpose: purpose, Attendance: in.Attendance,
		For: bk.kind, BookedBy: u.ID, TeamID: bk.teamID, OrgID: bk.orgID, BookerKey: bk.key, IdemKey: in.IdemKey,
		Status: StatusConfirmed}
	if bk.guest != nil {
		b.GuestName, b.GuestPhoneSealed, b.GuestPhoneMasked, b.Reason = bk.guest.Name, bk.sealed, bk.masked, bk.guest.Reason
		b.ForUser = bk.forUser
	}
	if r.Rules.NeedsApproval && !bk.decides {
		b.Status = StatusPending
	}
	return r, bk, b, nil
}

// timed sets a booking's times and its release times.
func (s *Service) timed(r Room, b *Booking, start, end time.Time) {
	b.StartsAt, b.EndsAt = start.UTC(), end.UTC()
	b.ReleaseAt = b.StartsAt.Add(time.Duration(r.Rules.GraceMinutes) * time.Minute)
	b.ExpiresAt = time.Time{}
	if b.Status == StatusPending {
		exp := s.now().UTC().Add(s.cfg.PendingTTL)
		if exp.After(b.StartsAt) {
			exp = b.StartsAt
		}
		b.ExpiresAt = exp
	}
}

func (s *Service) newBooking(r Room, bk booker, b *Booking) NewBooking {
	limit := 0
	if !bk.unlimited {
		limit = r.Rules.WeeklyHours * 60
	}
	return NewBooking{Booking: b, WeekStart: WeekStart(b.StartsAt).UTC(), LimitMinutes: limit}
}

// Book books a room for a time range. The answer is the booking,
// confirmed, or pending when the room's owner approves bookings; a range
// another booking or a closure holds is ErrSlotTaken with its date
// (details.conflicts, as a series names its dates). A repeated request
// with the same Idempotency-Key returns the first answer.
func (s *Service) Book(ctx context.Context, u resident.User, in BookInput) (Booking, error) {
	r, bk, b, err := s.prepare(ctx, u, in)
	if err != nil {
		return Booking{}, err
	}
	if err := r.checkRange(in.StartsAt, in.EndsAt, s.now(), bk.decides || bk.kind == ForStaff); err != nil {
		return Booking{}, err
	}
	s.timed(r, b, in.StartsAt, in.EndsAt)
	existing, err := s.store.CreateBookings(ctx, nil, []NewBooking{s.newBooking(r, bk, b)}, nil)
	if errs.CodeOf(err) == ErrSlotTaken.Code {
		return Booking{}, ErrSlotTaken.With("conflicts", []string{dateOf(b.StartsAt)})
	}
	if err != nil {
		return Booking{}, err
	}
	if len(existing) > 0 {
		if len(existing) != 1 || !sameBooking(existing[0], b, false) {
			return Booking{}, ErrIdemReused
		}
		return existing[0], nil
	}
	if in.IdemKey != "" {
		// Answered as stored, the first answer is the one a retry gets.
		if stored, err := s.store.Booking(ctx, b.ID); err == nil {
			return stored, nil
		}
	}
	return *b, nil
}

// sameBooking reports whether ex, the booking (the first occurrence of a
// series when series) an Idempotency-Key made earlier, answers the request
// that built b: the key's first answer is given again only to a repeat of
// its request, never to another one.
func sameBooking(ex Booking, b *Booking, series bool) bool {
	return ex.RoomID == b.RoomID && ex.StartsAt.Equal(b.StartsAt) && ex.EndsAt.Equal(b.EndsAt) && ex.Purpose == b.Purpose &&
		ex.Attendance == b.Attendance && ex.For == b.For && ex.TeamID == b.TeamID && ex.OrgID == b.OrgID && ex.GuestName == b.GuestName &&
		(ex.SeriesID != 0) == series
}

// visible loads a booking the user may see: its booker, the resident desk
// staff booked it for, the room's owners and the community's desk staff.
func (s *Service) visible(ctx context.Context, u resident.User, id int64) (Booking, Room, error) {
	b, err := s.store.Booking(ctx, id)
	if err != nil {
		return Booking{}, Room{}, err
	}
	r, err := s.store.Room(ctx, b.RoomID)
	if err != nil {
		return Booking{}, Room{}, err
	}
	if !b.HeldBy(u.ID) && !IsDesk(u, r) {
		return Booking{}, Room{}, ErrBookingNotFound
	}
	return b, r, nil
}

// Booking returns one booking to whoever may see it.
func (s *Service) Booking(ctx context.Context, u resident.User, id int64) (Booking, error) {
	b, _, err := s.visible(ctx, u, id)
	return b, err
}

// Cancel cancels a booking (its booker, the resident desk staff booked it
// for, desk staff, the room's owners):
// its slots are free at once. Cancelled before its start, it gives its
// hours back to the weekly limit.
func (s *Service) Cancel(ctx context.Context, u resident.User, id int64, reason string) (Booking, error) {
	b, r, err := s.visible(ctx, u, id)
	if err != nil {
		return Booking{}, err
	}
	reason, err = text("reason", "取消原因", reason, 0, 200)
	if err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	if (b.Status != StatusPending && b.Status != StatusConfirmed) || !b.EndsAt.After(now) {
		return Booking{}, errNotCancellable
	}
	var notices = s.cancelNotice(u, b, r, reason)
	return s.store.SetStatus(ctx, id, []string{StatusPending, StatusConfirmed},
		StatusChange{To: StatusCancelled, By: u.ID, At: now, Note: reason, Refund: b.StartsAt.After(now)}, notices)
}

// Decide approves or rejects a pending booking: the room's owners only.
func (s *Service) Decide(ctx context.Context, u resident.User, id int64, approve bool, note string) (Booking, error) {
	b, err := s.store.Booking(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	r, err := s.store.Room(ctx, b.RoomID)
	if err != nil {
		return Booking{}, err
	}
	if !Owns(u, r) {
		if IsDesk(u, r) {
			return Booking{}, errNotApprover
		}
		return Booking{}, ErrBookingNotFound
	}
	if note, err = text("note", "审批意见", note, 0, 200); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	// Undecided by its expiry (at the latest its start), it is expired
	// whether or not the releaser has come by yet.
	if b.Status != StatusPending || !b.ExpiresAt.IsZero() && !now.Before(b.ExpiresAt) {
		return Booking{}, errNotPending
	}
	ch := StatusChange{To: StatusConfirmed, By: u.ID, At: now, Note: note}
	if !approve {
		ch.To, ch.Refund = StatusRejected, true
	}
	out, err := s.store.SetStatus(ctx, id, []string{StatusPending}, ch, s.decisionNotice(b, r, approve, note))
	if errs.CodeOf(err) == ErrStateChanged.Code {
		return Booking{}, errNotPending
	}
	return out, err
}

// Mine lists a page of the user's bookings, newest first, and the cursor
// of the next page ("" on the last): those they made and those desk staff
// made for them (ForUser). Each list reads its own index page; the page
// is the newest of both.
func (s *Service) Mine(ctx context.Context, userID int64, statuses []string, req page.Request) ([]Booking, string, error) {
	limit := page.Within(req.Limit, 50)
	var all []Booking
	seen := map[int64]bool{}
	for _, f := range []BookingFilter{{BookedBy: userID}, {ForUser: userID}} {
		f.Statuses, f.After, f.Limit = statuses, req.After, limit+1
		bs, err := s.store.Bookings(ctx, f)
		if err != nil {
			return nil, "", err
		}
		for _, b := range bs {
			if !seen[b.ID] { // desk staff booking for themself by account
				seen[b.ID] = true
				all = append(all, b)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].StartsAt.Equal(all[j].StartsAt) {
			return all[i].StartsAt.After(all[j].StartsAt)
		}
		return all[i].ID > all[j].ID
	})
	bs, next := page.Trim(all, limit, func(b Booking) page.Cursor { return page.Cursor{Key: b.StartsAt.UnixMicro(), ID: b.ID} })
	return bs, next, nil
}

// bookingPage reads one keyset page of f's list: at most req.Limit rows
// (default 50, at most page.MaxLimit) after req.After, and the cursor of
// the next page ("" on the last, also when it is exactly full).
func (s *Service) bookingPage(ctx context.Context, f BookingFilter, req page.Request) ([]Booking, string, error) {
	limit := page.Within(req.Limit, 50)
	f.After, f.Limit = req.After, limit+1
	bs, err := s.store.Bookings(ctx, f)
	if err != nil {
		return nil, "", err
	}
	bs, next := page.Trim(bs, limit, func(b Booking) page.Cursor { return page.Cursor{Key: b.StartsAt.UnixMicro(), ID: b.ID} })
	return bs, next, nil
}

// dateOf is the CST date of t ("2006-01-02").
func dateOf(t time.Time) string { return t.In(cst.Zone).Format("2006-01-02") }
