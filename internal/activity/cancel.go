package activity

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// CancelDeadline is the last moment a confirmed registration of the
// activity may be cancelled by the resident: CancelDeadlineMinutes before
// the session starts (a series: before its first session still held).
func CancelDeadline(a *Activity, sess Session) time.Time {
	return a.attendsFrom(sess).Add(-time.Duration(a.CancelDeadlineMinutes) * time.Minute)
}

var (
	errRegistrationNotFound = errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
	errAlreadyCancelled     = errs.Conflict("ALREADY_CANCELLED", "该报名已取消")
	errReasonRequired       = errs.Invalid("REASON_REQUIRED", "请填写原因（不超过200字）")
	// ErrRegistrationCheckedIn refuses to cancel or remove an attendance
	// that has been checked in (it happened; the check-in kit and the
	// hours rest on it).
	ErrRegistrationCheckedIn = errs.Conflict("REGISTRATION_CHECKED_IN", "该报名已签到，不能取消或移除")
)

// Cancel cancels one of the account's own registrations (for a series, the
// attendee's whole series). A waitlisted one can always leave the queue.
func (s *Service) Cancel(ctx context.Context, userID, regID int64) (CancelResult, error) {
	r, a, sess, err := s.loadRegistration(ctx, regID)
	if err != nil {
		return CancelResult{}, err
	}
	if r.UserID != userID {
		return CancelResult{}, errRegistrationNotFound
	}
	if !r.Live() {
		return CancelResult{}, errAlreadyCancelled
	}
	if r.Status == RegConfirmed && !s.now().Before(CancelDeadline(a, sess)) {
		return CancelResult{}, errs.Unprocessable("CANCEL_DEADLINE_PASSED",
			"已过取消截止时间（"+FormatTime(CancelDeadline(a, sess))+"），如需取消请联系活动组织方").
			With("deadline", CancelDeadline(a, sess).UTC().Format(time.RFC3339))
	}
	return s.cancel(ctx, a, r, 0, "本人取消", false)
}

// loadRegistration loads a registration with its activity's definition
// (from memory when recent).
func (s *Service) loadRegistration(ctx context.Context, regID int64) (Registration, *Activity, Session, error) {
	r, err := s.store.RegistrationRow(ctx, regID)
	if err != nil {
		return Registration{}, nil, Session{}, err
	}
	a, err := s.defs.get(ctx, r.ActivityID)
	if err != nil {
		return Registration{}, nil, Session{}, err
	}
	sess, ok := a.Session(r.SessionID)
	if !ok {
		if a, err = s.defs.reload(ctx, r.ActivityID); err != nil {
			return Registration{}, nil, Session{}, err
		}
		sess, _ = a.Session(r.SessionID)
	}
	return r, a, sess, nil
}

// Remove removes a registration by hand (staff), with a reason the
// resident is told.
func (s *Service) Remove(ctx context.Context, staff resident.User, regID int64, reason string) (CancelResult, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return CancelResult{}, errReasonRequired
	}
	r, a, _, err := s.loadRegistration(ctx, regID)
	if err != nil {
		return CancelResult{}, err
	}
	if !CanManage(staff, a) {
		return CancelResult{}, errRegistrationNotFound
	}
	if !r.Live() {
		return CancelResult{}, errAlreadyCancelled
	}
	return s.cancel(ctx, a, r, staff.ID, reason, true)
}

// cancel runs the cancellation: MySQL first (cancelled rows, promotions,
// notices in one transaction, with the promotions' seats reserved in Redis
// before the commit), then Redis frees the cancelled seats. It runs to its
// end whatever the caller's context does.
func (s *Service) cancel(ctx context.Context, a *Activity, r Registration, by int64, reason string, byStaff bool) (CancelResult, error) {
	if r.CheckedInAt != nil {
		return CancelResult{}, ErrRegistrationCheckedIn.With("checked_in_at", r.CheckedInAt.UTC().Format(time.RFC3339))
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	targets := []int64{r.ID}
	if a.Series {
		rows, err := s.store.AttendeeRegistrations(dctx, r.GroupKey, r.UserID, r.DependentID)
		if err != nil {
			return CancelResult{}, err
		}
		targets = targets[:0]
		for _, x := range rows {
			targets = append(targets, x.ID)
		}
		if len(targets) == 0 {
			return CancelResult{}, errAlreadyCancelled
		}
	}
	event := ""
	if byStaff {
		event = EventCancelled
	}
	return s.cancelRows(dctx, a, CancelOp{RegIDs: targets, By: by, Reason: reason, NoticeEvent: event})
}

// cancelRows runs the cancellation of the rows in.RegIDs of a (by
// in.By, for in.Reason; the resident told of in.NoticeEvent unless empty;
// in.StartedBy as CancelOp says): MySQL first (cancelled rows, promotions,
// notices in one transaction, with the promotions' seats reserved in Redis
// before the commit), then Redis frees the cancelled places. ctx should not
// end midway (see detached).
//
// A transaction that lost a deadlock or a lock wait (ErrLockLost) is run
// again whole, here and not in the store: prepare, inside the transaction,
// has already reserved in Redis the seats of the candidates that try read,
// under its operation key. Running only the MySQL transaction again could
// read other candidates (a sign-up joined the queue, another cancellation
// promoted) and would call prepare a second time under the same key, which
// reserves the seats again while unprepare gives them back once. So the
// prepared seats are given back (nothing was committed: no seat was freed,
// nobody promoted, no notice written) and the operation starts afresh with
// the current epoch and a new key, as after ErrFenced; apply then frees the
// cancelled seats and moves the promoted attendees once, for the one try
// that committed.
func (s *Service) cancelRows(dctx context.Context, a *Activity, in CancelOp) (CancelResult, error) {
	targets := in.RegIDs
	var lost error // the last try's ErrLockLost, answered when no try is left
	for attempt := 0; attempt < 6; attempt++ {
		lost = nil
		epoch, exists, err := s.quota.Epoch(dctx, a.ID)
		if err != nil {
			return CancelResult{}, err
		}
		if !exists {
			if err := s.rebuild(dctx, a.ID); err != nil {
				return CancelResult{}, err
			}
			continue
		}
		opKey := newKey()
		op := CancelOp{ActivityID: a.ID, RegIDs: targets, By: in.By, Reason: in.Reason, Epoch: epoch,
			Notices: noticesFor(a, in.Reason), NoticeCancelled: in.NoticeEvent != "", NoticeEvent: in.NoticeEvent, StartedBy: in.StartedBy}
		p := s.preparer(dctx, a.ID, epoch, opKey)
		res, err := s.store.CancelRegistrations(dctx, op, p.prepare)
		prepared, needRebuild := p.prepared, p.needRebuild
		switch {
		case err == nil:
			if len(res.Cancelled) == 0 {
				if prepared {
					s.apply(dctx, a.ID, epoch, opKey, res)
				}
				return res, errAlreadyCancelled
			}
			s.apply(dctx, a.ID, epoch, opKey, res)
			s.fillIfFree(dctx, a)
			return res, nil
		case errors.Is(err, ErrFenced):
			if prepared {
				s.unprepare(dctx, a.ID, epoch, opKey, res.Chosen)
			}
			if needRebuild {
				if err := s.rebuild(dctx, a.ID); err != nil {
					return CancelResult{}, err
				}
			} else if cur, exists, _ := s.quota.Epoch(dctx, a.ID); exists && cur == epoch {
				// MySQL moved on but Redis did not: drop the stale quota.
				_ = s.quota.Invalidate(dctx, a.ID, epoch)
			}
			continue
		case errors.Is(err, ErrLockLost):
			if prepared {
				s.unprepare(dctx, a.ID, epoch, opKey, res.Chosen)
			}
			lost = err
			backOff(attempt)
			continue
		case errors.Is(err, ErrUnclear):
			done, oerr := s.store.CancelOutcome(dctx, targets)
			if oerr != nil {
				// Leave the prepared seats pending: the reconciler rebuilds.
				return CancelResult{}, errs.Unavailable(err, "取消结果暂时无法确认，请稍后在“我的报名”中查看")
			}
			if done {
				s.apply(dctx, a.ID, epoch, opKey, res)
				return res, nil
			}
			if prepared {
				s.unprepare(dctx, a.ID, epoch, opKey, res.Chosen)
			}
			return CancelResult{}, errs.Unavailable(err, "取消失败，请稍后再试")
		default:
			if prepared {
				s.unprepare(dctx, a.ID, epoch, opKey, res.Chosen)
			}
			if errs.KindOf(err) == errs.KindInternal {
				return CancelResult{}, errs.Unavailable(err, "取消失败，请稍后再试")
			}
			return CancelResult{}, err
		}
	}
	if lost != nil {
		return CancelResult{}, lost
	}
	return CancelResult{}, errBusy
}

// backOff pauses before the next try of an operation that lost a lock: a
// short growing pause with jitter, so that the transactions it collided with
// finish first.
func backOff(attempt int) {
	time.Sleep(time.Duration(3*(attempt+1)+rand.IntN(10*(attempt+1))) * time.Millisecond)
}

func seatsOf(regs []Registration) []Seat {
	out := make([]Seat, 0, len(regs))
	for _, r := range regs {
		out = append(out, Seat{SessionID: r.SessionID, AttendeeKey: r.AttendeeKey(), UserID: r.UserID, Status: r.Status})
	}
	return out
}

func (s *Service) apply(ctx context.Context, activityID, epoch int64, opKey string, res CancelResult) {
	if err := s.quota.Apply(ctx, activityID, epoch, opKey, seatsOf(res.Cancelled), seatsOf(res.Promoted)); err != nil {
		// Redis still counts the cancelled seats (never too few): the
		// reconciler finds the operation pending and rebuilds.
		s.log.Warn("quota apply failed; the reconciler will repair it", slog.Int64("activity_id", activityID), slog.String("err", err.Error()))
	}
}

func (s *Service) unprepare(ctx context.Context, activityID, epoch int64, opKey string, chosen []Candidate) {
	if err := s.quota.Unprepare(ctx, activityID, epoch, opKey, chosen); err != nil {
		s.log.Warn("quota unprepare failed; the reconciler will repair it", slog.Int64("activity_id", activityID), slog.String("err", err.Error()))
	}
}

// preparation runs the Redis half of a cancellation inside its MySQL
// transaction and remembers what it did.
type preparation struct {
	s                     *Service
	ctx                   context.Context
	activityID, epoch     int64
	opKey                 string
	prepared, needRebuild bool
}

func (s *Service) preparer(ctx context.Context, activityID, epoch int64, opKey string) *preparation {
	return &preparation{s: s, ctx: ctx, activityID: activityID, epoch: epoch, opKey: opKey}
}

func (p *preparation) prepare(freed map[int64]int, cands []Candidate) ([]int, error) {
	p.s.touched(p.activityID)
	out, chosen, err := p.s.quota.Prepare(p.ctx, p.activityID, p.epoch, p.opKey, freed, cands, p.s.now())
	if err != nil {
		return nil, err
	}
	switch out {
	case Reserved:
		p.prepared = true
		return chosen, nil
	case NeedsRebuild:
		p.needRebuild = true
	}
	return nil, ErrFenced
}

// fillTries bounds fillIfFree's transactions (fenced or lock lost), as
// cancelRows is bounded.
const fillTries = 6

// fillIfFree gives seats left free while residents wait to the waitlist.
// A cancellation can free a seat while a waitlisted sign-up is still being
// written (it is not yet a candidate); whichever of the two finishes last
// finds the free seat and the waiting resident in Redis and promotes.
//
// A transaction that lost a deadlock or a lock wait (ErrLockLost) is run
// again whole, as cancelRows runs a cancellation again: nothing was
// committed, so the seats prepare reserved in Redis under the try's key
// are given back first, and the next try reads the candidates afresh under
// a new key. Nobody else would fill the seat soon otherwise (the next
// cancellation, or the reconciler).
func (s *Service) fillIfFree(ctx context.Context, a *Activity) {
	want := make([]int64, 0, len(a.Sessions))
	now := s.now()
	for _, x := range a.Sessions {
		if x.StartsAt.After(now) {
			want = append(want, x.ID)
		}
	}
	if len(want) == 0 {
		return
	}
	live, err := s.quota.Counts(ctx, map[int64][]int64{a.ID: want})
	if err != nil {
		return
	}
	free := false
	for _, c := range live[a.ID] {
		if c.Confirmed < c.Capacity && c.Waitlisted > 0 {
			free = true
		}
	}
	if !free {
		return
	}
	var lost error // the last try's ErrLockLost, logged when no try is left
	for attempt := 0; attempt < fillTries; attempt++ {
		lost = nil
		epoch, exists, err := s.quota.Epoch(ctx, a.ID)
		if err != nil || !exists {
			return // a rebuild reads MySQL afresh; nothing to give now
		}
		opKey := newKey()
		op := CancelOp{ActivityID: a.ID, Epoch: epoch, Notices: noticesFor(a, ""), FillSessions: want}
		p := s.preparer(ctx, a.ID, epoch, opKey)
		res, err := s.store.CancelRegistrations(ctx, op, p.prepare)
		switch {
		case err == nil:
			if p.prepared {
				s.apply(ctx, a.ID, epoch, opKey, res)
			}
			return
		case errors.Is(err, ErrFenced):
			if p.prepared {
				s.unprepare(ctx, a.ID, epoch, opKey, res.Chosen)
			}
			continue
		case errors.Is(err, ErrLockLost):
			if p.prepared {
				s.unprepare(ctx, a.ID, epoch, opKey, res.Chosen)
			}
			lost = err
			backOff(attempt)
			continue
		default:
			if p.prepared && !errors.Is(err, ErrUnclear) {
				s.unprepare(ctx, a.ID, epoch, opKey, res.Chosen)
			}
			s.log.Warn("giving free seats to the waitlist failed; the next cancellation or the reconciler tries again", slog.Int64("activity_id", a.ID), slog.String("err", err.Error()))
			return
		}
	}
	if lost != nil {
		s.log.Warn("giving free seats to the waitlist lost its locks on every try; the next cancellation or the reconciler tries again", slog.Int64("activity_id", a.ID), slog.String("err", lost.Error()))
	}
}
