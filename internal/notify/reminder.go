package notify

import (
	"context"
	"fmt"
	"time"
)

// Attendance is one registration for one session, as reminders need it.
type Attendance struct {
	RegistrationID int64
	UserID         int64
	ActivityID     int64
	Confirmed      bool // false once cancelled (or no longer confirmed)
	ActivityTitle  string
	Place          string
	AttendeeName   string // the person attending (the user or a dependent)
	StartsAt       time.Time
	EndsAt         time.Time // zero if unknown
	ConfirmedAt    time.Time // when the place was confirmed (sign-up or promotion)
}

// ReminderSource reads registrations for reminders. It is implemented over
// the registration tables; reminders are derived from them by query, so the
// registration code needs no hook: a moved session shows a new StartsAt, a
// cancelled registration stops being confirmed.
type ReminderSource interface {
	// Unreminded returns up to limit confirmed registrations whose session
	// starts in (after, until] and that have no reminder record for that
	// start yet (Store.AddReminders), earliest start first.
	Unreminded(ctx context.Context, after, until time.Time, limit int) ([]Attendance, error)
	// Attendances returns the current state of registrations by id;
	// registrations that no longer exist are missing from the map.
	Attendances(ctx context.Context, ids []int64) (map[int64]Attendance, error)
	// UpcomingUnreminded counts the user's confirmed registrations that
	// start after now and have no reminder record yet (reminders the user
	// will need a grant for).
	UpcomingUnreminded(ctx context.Context, userID int64, now time.Time) (int, error)
}

// ReminderPolicy decides when a session is reminded of: sessions starting
// before MorningUntil (local time) the evening before at EveningAt, others
// Lead before the start — never later than Lead before the start.
type ReminderPolicy struct {
	Lead         time.Duration
	EveningAt    time.Duration // offset from local midnight; < 0 disables the evening rule
	MorningUntil time.Duration // offset from local midnight
	Loc          *time.Location
}

// NewReminderPolicy builds a policy from "HH:MM" clock times and a time
// zone name; evening "" disables the evening-before rule.
func NewReminderPolicy(lead time.Duration, evening, morningUntil, zone string) (ReminderPolicy, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return ReminderPolicy{}, fmt.Errorf("notify: time zone %q: %w", zone, err)
	}
	p := ReminderPolicy{Lead: lead, EveningAt: -1, Loc: loc}
	clock := func(s string) (time.Duration, error) {
		t, err := time.Parse("15:04", s)
		if err != nil {
			return 0, fmt.Errorf("notify: %q is not HH:MM", s)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	if p.MorningUntil, err = clock(morningUntil); err != nil {
		return p, err
	}
	if evening != "" {
		if p.EveningAt, err = clock(evening); err != nil {
			return p, err
		}
	}
	if lead <= 0 {
		return p, fmt.Errorf("notify: reminder lead must be positive")
	}
	return p, nil
}

func (p ReminderPolicy) midnight(t time.Time) time.Time {
	t = t.In(p.Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, p.Loc)
}

// morning reports whether a session starting at start is a morning session.
func (p ReminderPolicy) morning(start time.Time) bool {
	return p.EveningAt >= 0 && start.Sub(p.midnight(start)) < p.MorningUntil
}

// Due returns when the reminder of a session starting at start is sent.
func (p ReminderPolicy) Due(start time.Time) time.Time {
	byLead := start.Add(-p.Lead)
	if !p.morning(start) {
		return byLead
	}
	evening := p.midnight(start).AddDate(0, 0, -1).Add(p.EveningAt)
	if evening.After(byLead) {
		return byLead
	}
	return evening
}

// Window is a range of session starts (After, Until].
type Window struct{ After, Until time.Time }

// DueWindows returns the ranges of session starts whose reminder is due at
// now and whose session has not begun: exactly the starts s > now with
// Due(s) <= now.
func (p ReminderPolicy) DueWindows(now time.Time) []Window {
	ws := []Window{{After: now, Until: now.Add(p.Lead)}}
	if p.EveningAt < 0 {
		return ws
	}
	// Morning sessions of day D are due from D-1 at EveningAt: the latest
	// such day is today before EveningAt, tomorrow from then.
	day := p.midnight(now)
	if now.Sub(day) >= p.EveningAt {
		day = day.AddDate(0, 0, 1)
	}
	after := ws[0].Until
	if before := day.Add(-time.Nanosecond); before.After(after) {
		after = before
	}
	until := day.Add(p.MorningUntil - time.Nanosecond)
	if until.After(after) {
		ws = append(ws, Window{After: after, Until: until})
	}
	return ws
}

// reminderBatch bounds one query of the scheduler.
const reminderBatch = 500

// ScheduleReminders writes the reminders that are due at now: one notice
// per confirmed registration whose reminder time has come and whose session
// has not begun — also those whose time passed while no process ran, and
// those confirmed after their reminder time (reminded at once). It returns
// the number of reminder notices
// written. Several processes may run it at once: records and notices are
// deduplicated by (registration, start).
func (r *Runner) ScheduleReminders(ctx context.Context) (int, error) {
	if r.source == nil {
		return 0, nil
	}
	now := r.now()
	written := 0
	for _, w := range r.policy.DueWindows(now) {
		for {
			as, err := r.source.Unreminded(ctx, w.After, w.Until, reminderBatch)
			if err != nil {
				return written, err
			}
			var recs []ReminderRecord
			for _, a := range as {
				due := r.policy.Due(a.StartsAt)
				if due.After(now) || !a.StartsAt.After(now) || !a.Confirmed {
					continue // outside the window's promise: never happens with a correct source
				}
				// Everyone is reminded, also a place confirmed after its
				// reminder time (sign-up at 20:00 for tomorrow 9:00, a late
				// promotion): at once, as long as the session has not begun.
				n := reminderNotice(a, now, r.policy.Loc)
				recs = append(recs, ReminderRecord{RegistrationID: a.RegistrationID, StartsAt: a.StartsAt, Notice: &n})
				written++
			}
			if len(recs) > 0 {
				if err := r.store.AddReminders(ctx, recs); err != nil {
					return written, err
				}
			}
			if len(as) < reminderBatch || len(recs) == 0 {
				break
			}
		}
	}
	if written > 0 {
		r.metrics.reminders.Add(float64(written))
	}
	return written, nil
}

// reminderNotice is the reminder of one attendance.
func reminderNotice(a Attendance, now time.Time, loc *time.Location) Notice {
	when := a.StartsAt.Format(time.RFC3339)
	if !a.EndsAt.IsZero() {
		when += "~" + a.EndsAt.Format(time.RFC3339)
	}
	place := a.Place
	if place == "" {
		place = "详见活动页面"
	}
	return Notice{
		UserID:      a.UserID,
		TemplateKey: ActivityReminder,
		DedupKey:    fmt.Sprintf("reminder:%d:%d", a.RegistrationID, a.StartsAt.Unix()),
		Title:       "活动即将开始",
		Body: fmt.Sprintf("您报名的「%s」将于%s开始，地点：%s。请准时参加，如不能参加请提前取消报名。",
			a.ActivityTitle, a.StartsAt.In(loc).Format("1月2日 15:04"), place),
		Fields: map[string]string{
			"activity": a.ActivityTitle, "time": when, "place": place, "attendee": a.AttendeeName,
			"note": "请准时参加，不能参加请提前取消",
		},
		Page:           "pages/registrations/index",
		ActivityID:     a.ActivityID,
		RegistrationID: a.RegistrationID,
		DueAt:          now,
		ExpiresAt:      a.StartsAt,
	}
}

// checkReminders cancels claimed reminders whose registration is no
// longer confirmed or whose session moved (the scheduler writes a new
// reminder for the new start when it is due), and returns the others.
// A cancelled reminder forgets its record and frees its dedup key in the
// same transaction: should the session move back to that start (or the
// registration be confirmed again), the scheduler reminds it anew. The
// settle is conditional on this worker's claim, so with several runners
// one record is forgotten once, and the scheduler's record (primary key)
// still lets one reminder be written per start.
func (r *Runner) checkReminders(ctx context.Context, ds []Delivery) []Delivery {
	if r.source == nil {
		return ds
	}
	var ids []int64
	for _, d := range ds {
		if d.TemplateKey == ActivityReminder && d.RegistrationID != 0 {
			ids = append(ids, d.RegistrationID)
		}
	}
	if len(ids) == 0 {
		return ds
	}
	cur, err := r.source.Attendances(ctx, ids)
	if err != nil {
		// Cannot check now: send nothing unchecked; the claims lapse and
		// the reminders are tried again.
		r.log.Warn("notify: cannot check reminders", "err", err.Error())
		kept := ds[:0]
		for _, d := range ds {
			if d.TemplateKey != ActivityReminder || d.RegistrationID == 0 {
				kept = append(kept, d)
			}
		}
		return kept
	}
	kept := ds[:0]
	for _, d := range ds {
		if d.TemplateKey != ActivityReminder || d.RegistrationID == 0 {
			kept = append(kept, d)
			continue
		}
		a, ok := cur[d.RegistrationID]
		reason := ""
		switch {
		case !ok || !a.Confirmed:
			reason = "registration no longer confirmed"
		case !d.ExpiresAt.IsZero() && !a.StartsAt.Truncate(time.Second).Equal(d.ExpiresAt.Truncate(time.Second)):
			reason = "session moved"
		}
		if reason == "" {
			kept = append(kept, d)
			continue
		}
		r.settle(ctx, d, Outcome{Status: StatusCancelled, Reason: reason, ForgetReminder: true})
	}
	return kept
}
