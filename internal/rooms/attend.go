package rooms

import (
	"context"
	"log/slog"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/periodic"
	"gongjian/internal/resident"
)

// IssuedTicket is a booking's QR ticket with its window.
type IssuedTicket struct {
	Ticket     string
	ValidFrom  time.Time
	ValidUntil time.Time
}

// Ticket returns the signed ticket of a confirmed booking to its booker
// (and to the resident desk staff booked it for).
func (s *Service) Ticket(ctx context.Context, u resident.User, id int64) (IssuedTicket, error) {
	b, err := s.store.Booking(ctx, id)
	if err != nil {
		return IssuedTicket{}, err
	}
	if !b.HeldBy(u.ID) {
		return IssuedTicket{}, ErrBookingNotFound
	}
	if b.Status != StatusConfirmed && b.Status != StatusCheckedIn {
		return IssuedTicket{}, errNotConfirmed.With("status", b.Status)
	}
	// Valid until the grace period ends: CheckIn refuses it after that.
	until := b.EndsAt
	if !b.ReleaseAt.IsZero() && b.ReleaseAt.Before(until) {
		until = b.ReleaseAt
	}
	t := checkin.Normalize(checkin.Ticket{RegistrationID: b.ID, SessionID: 0, ValidFrom: b.StartsAt.Add(-s.cfg.OpenBefore), ValidUntil: until})
	return IssuedTicket{Ticket: s.tickets.Issue(t), ValidFrom: t.ValidFrom, ValidUntil: t.ValidUntil}, nil
}

// CheckIn admits a booking by its ticket: the room's owners and the
// community's desk staff scan it, from OpenBefore before its start until
// its grace period ends (its release time, whether or not the releaser has
// come by yet; a booking released as a no-show cannot be checked in).
func (s *Service) CheckIn(ctx context.Context, u resident.User, ticket string) (Booking, error) {
	t, err := s.tickets.Verify(ticket)
	if err != nil || t.SessionID != 0 {
		return Booking{}, errBadTicket
	}
	b, err := s.store.Booking(ctx, t.RegistrationID)
	if err != nil {
		return Booking{}, errs.NotFoundAs(err, errBadTicket)
	}
	r, err := s.store.Room(ctx, b.RoomID)
	if err != nil {
		return Booking{}, err
	}
	if !IsDesk(u, r) {
		return Booking{}, errForbidden
	}
	now := s.now().UTC()
	switch {
	case b.Status == StatusCheckedIn:
		return b, errAlreadyIn.With("checked_in_at", b.CheckedInAt)
	case b.Status != StatusConfirmed:
		return b, errs.Unprocessable("BOOKING_NOT_ACTIVE", "该预约已取消或已释放").With("status", b.Status)
	case now.Before(b.StartsAt.Add(-s.cfg.OpenBefore)):
		return b, errTooEarly.With("opens_at", b.StartsAt.Add(-s.cfg.OpenBefore))
	case !now.Before(b.EndsAt), !b.ReleaseAt.IsZero() && !now.Before(b.ReleaseAt):
		return b, errTooLate
	}
	out, err := s.store.SetStatus(ctx, b.ID, []string{StatusConfirmed}, StatusChange{To: StatusCheckedIn, By: u.ID, At: now}, nil)
	if errs.CodeOf(err) == ErrStateChanged.Code {
		return s.CheckIn(ctx, u, ticket) // a no-show release or a second scan won: answer by the new state
	}
	return out, err
}

// Release frees what ran out: confirmed bookings not checked in within
// their grace period become no-shows (counted against the booker like an
// activity's no-show), pending ones nobody decided expire. It returns how
// many it released.
func (s *Service) Release(ctx context.Context) (int, error) {
	now := s.now().UTC()
	n := 0
	due, err := s.store.DueNoShows(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	for _, b := range due {
		_, err := s.store.SetStatus(ctx, b.ID, []string{StatusConfirmed}, StatusChange{To: StatusNoShow, At: now, Note: "超过签到宽限时间未签到"}, nil)
		if err != nil && errs.CodeOf(err) != ErrStateChanged.Code {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	pending, err := s.store.DuePending(ctx, now, 500)
	if err != nil {
		return n, err
	}
	for _, b := range pending {
		r, err := s.store.Room(ctx, b.RoomID)
		if err != nil {
			return n, err
		}
		notices := []notify.Notice{bookingNotice(b, r.Name, "expired", "场地预约未获审批", "您预约的"+r.Name+"（"+when(b)+"）在开始前未获审批，已自动取消。", "已取消")}
		_, err = s.store.SetStatus(ctx, b.ID, []string{StatusPending}, StatusChange{To: StatusExpired, At: now, Refund: true}, notices)
		if err != nil && errs.CodeOf(err) != ErrStateChanged.Code {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	return n, nil
}

// RunReleaser releases what ran out every interval until ctx ends (every
// process may run it: each release is a conditional update).
func (s *Service) RunReleaser(ctx context.Context, interval time.Duration, log *slog.Logger) {
	periodic.Run(ctx, interval, false, s.Release, func(err error) {
		log.Warn("releasing room bookings failed", slog.String("error", err.Error()))
	})
}

// AddClosure closes a room for a time range (its owners): bookings
// overlapping it are cancelled and their bookers told.
func (s *Service) AddClosure(ctx context.Context, u resident.User, roomID int64, from, to time.Time, reason string) (Closure, []Booking, error) {
	r, err := s.owned(ctx, u, roomID)
	if err != nil {
		return Closure{}, nil, err
	}
	if reason, err = text("reason", "闭馆原因", reason, 1, 200); err != nil {
		return Closure{}, nil, err
	}
	if from.IsZero() || !to.After(from) || to.Sub(from) > 92*24*time.Hour {
		return Closure{}, nil, errs.Invalid("INVALID_TIME", "闭馆时间应为有效的时间段，最长92天")
	}
	// Whole granules: a closure covers every granule it touches.
	from = SlotTime(SlotOf(from))
	to = SlotTime(SlotOf(to.Add(Granule - time.Second)))
	c := Closure{RoomID: r.ID, StartsAt: from, EndsAt: to, Reason: reason, CreatedBy: u.ID}
	now := s.now().UTC()
	cancelled, err := s.store.AddClosure(ctx, &c, StatusChange{To: StatusCancelled, By: u.ID, At: now, Note: "场地闭馆：" + reason, Refund: true}, closureNotice(r, c))
	return c, cancelled, err
}

// Closures lists a room's closures overlapping [from, to).
func (s *Service) Closures(ctx context.Context, roomID int64, from, to time.Time) ([]Closure, error) {
	return s.store.Closures(ctx, roomID, from, to)
}

// DeleteClosure reopens what a closure closed (its owners). Cancelled
// bookings stay cancelled.
func (s *Service) DeleteClosure(ctx context.Context, u resident.User, roomID, id int64) error {
	if _, err := s.owned(ctx, u, roomID); err != nil {
		return err
	}
	return s.store.DeleteClosure(ctx, roomID, id)
}
