package rooms

import (
	"context"
	"sort"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// SeriesInput is a recurring booking: the first occurrence's range
// (BookInput's times), repeated every EveryWeeks weeks up to Until's date.
type SeriesInput struct {
	BookInput
	Until      time.Time
	EveryWeeks int
}

var errSeriesTooLong = errs.Unprocessable("SERIES_TOO_LONG", "重复预约次数过多，请缩短日期范围")

// occurrences lists the ranges of a series, keeping the wall-clock time in
// China Standard Time from week to week.
func occurrences(in SeriesInput, max int) ([][2]time.Time, error) {
	if in.EveryWeeks == 0 {
		in.EveryWeeks = 1
	}
	if in.EveryWeeks < 1 || in.EveryWeeks > 4 {
		return nil, errs.Invalid("INVALID_EVERY_WEEKS", "重复间隔应为1到4周")
	}
	if in.StartsAt.IsZero() || in.Until.IsZero() || !in.EndsAt.After(in.StartsAt) {
		return nil, errBadTime
	}
	last := in.Until.In(cst.Zone)
	lastDay := time.Date(last.Year(), last.Month(), last.Day(), 23, 59, 59, 0, cst.Zone)
	if lastDay.Before(in.StartsAt) {
		return nil, errs.Invalid("INVALID_UNTIL", "结束日期不能早于第一次预约")
	}
	length := in.EndsAt.Sub(in.StartsAt)
	var out [][2]time.Time
	for i := 0; ; i++ {
		s := in.StartsAt.In(cst.Zone).AddDate(0, 0, 7*in.EveryWeeks*i)
		if s.After(lastDay) {
			break
		}
		if len(out) == max {
			return nil, errSeriesTooLong.With("max", max)
		}
		out = append(out, [2]time.Time{s.UTC(), s.Add(length).UTC()})
	}
	return out, nil
}

// BookSeries books every occurrence of a recurring booking or none: when
// any occurrence is taken (another booking, a closure) the answer is
// SLOT_TAKEN with the conflicting dates (details.conflicts). Series are
// for teams, units and staff; the "how far ahead" rule does not apply to
// them (a team books its term), the other rules do, occurrence by
// occurrence.
func (s *Service) BookSeries(ctx context.Context, u resident.User, in SeriesInput) ([]Booking, error) {
	r, bk, proto, err := s.prepare(ctx, u, in.BookInput)
	if err != nil {
		return nil, err
	}
	if bk.kind == ForSelf {
		return nil, errs.Forbidden("SERIES_NOT_ALLOWED", "重复预约仅限文体队伍、共建单位和工作人员")
	}
	ranges, err := occurrences(in, s.cfg.MaxSeries)
	if err != nil {
		return nil, err
	}
	now := s.now()
	bs := make([]NewBooking, 0, len(ranges))
	for _, x := range ranges {
		if err := r.checkRange(x[0], x[1], now, true); err != nil {
			return nil, errs.As(err).With("date", dateOf(x[0]))
		}
		b := *proto
		s.timed(r, &b, x[0], x[1])
		bs = append(bs, s.newBooking(r, bk, &b))
	}
	// A request with an Idempotency-Key goes to the store even when the
	// dates look taken: they may be taken by its own first attempt, whose
	// occurrences are then the answer.
	if in.IdemKey == "" {
		if c, err := s.conflicts(ctx, r.ID, ranges); err != nil || len(c) > 0 {
			if err == nil {
				err = ErrSlotTaken.With("conflicts", c)
			}
			return nil, err
		}
	}
	ser := &Series{RoomID: r.ID, EveryWeeks: max(in.EveryWeeks, 1), Until: in.Until}
	existing, err := s.store.CreateBookings(ctx, ser, bs, nil)
	if errs.CodeOf(err) == ErrSlotTaken.Code {
		// Taken between the look-up and the write: name the dates now.
		c, cerr := s.conflicts(ctx, r.ID, ranges)
		if cerr != nil {
			return nil, cerr
		}
		return nil, ErrSlotTaken.With("conflicts", c)
	}
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		if !sameBooking(existing[0], bs[0].Booking, true) {
			return nil, ErrIdemReused
		}
		return existing, nil
	}
	if in.IdemKey != "" {
		// Answered as stored, the first answer is the one a retry gets.
		if stored, err := s.store.Bookings(ctx, BookingFilter{SeriesID: ser.ID}); err == nil && len(stored) == len(bs) {
			return stored, nil
		}
	}
	out := make([]Booking, 0, len(bs))
	for _, nb := range bs {
		out = append(out, *nb.Booking)
	}
	return out, nil
}

// conflicts lists the dates (CST, "2006-01-02") of the ranges any of whose
// granules is held.
func (s *Service) conflicts(ctx context.Context, roomID int64, ranges [][2]time.Time) ([]string, error) {
	if len(ranges) == 0 {
		return nil, nil
	}
	held, err := s.store.Occupied(ctx, roomID, ranges[0][0], ranges[len(ranges)-1][1])
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, x := range ranges {
		for g := SlotOf(x[0]); g < SlotOf(x[1]); g++ {
			if held[g] != 0 {
				out = append(out, dateOf(x[0]))
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
