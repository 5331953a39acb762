package notify_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/wxemu"
)

func at(day, hour, min int) time.Time { return time.Date(2026, 5, day, hour, min, 0, 0, shanghai) }

func TestReminderDueTimes(t *testing.T) {
	p, err := notify.NewReminderPolicy(2*time.Hour, "18:00", "12:00", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	noEvening, _ := notify.NewReminderPolicy(2*time.Hour, "", "12:00", "Asia/Shanghai")
	cases := []struct {
		p           notify.ReminderPolicy
		start, want time.Time
	}{
		{p, at(9, 9, 0), at(8, 18, 0)},   // morning: the evening before
		{p, at(9, 11, 59), at(8, 18, 0)}, // still morning
		{p, at(9, 12, 0), at(9, 10, 0)},  // afternoon: 2 hours before
		{p, at(9, 19, 30), at(9, 17, 30)},
		{p, at(9, 0, 30), at(8, 18, 0)},       // after midnight: the evening before
		{p, at(9, 19, 0).UTC(), at(9, 17, 0)}, // zone of the input does not matter
		{noEvening, at(9, 9, 0), at(9, 7, 0)},
	}
	for _, c := range cases {
		if got := c.p.Due(c.start); !got.Equal(c.want) {
			t.Errorf("Due(%v) = %v, want %v", c.start, got, c.want)
		}
	}
}

// DueWindows(now) holds exactly the starts s with now < s and Due(s) <= now,
// which is what lets the scheduler query only due registrations.
func TestDueWindowsHoldExactlyTheDueStarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, evening := range []string{"18:00", ""} {
		p, _ := notify.NewReminderPolicy(2*time.Hour, evening, "12:00", "Asia/Shanghai")
		for range 3000 {
			now := at(1, 0, 0).Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
			start := now.Add(time.Duration(rng.Int64N(int64(48*time.Hour))) - time.Hour).Truncate(time.Minute)
			want := start.After(now) && !p.Due(start).After(now)
			in := false
			for _, w := range p.DueWindows(now) {
				if start.After(w.After) && !start.After(w.Until) {
					in = true
				}
			}
			if in != want {
				t.Fatalf("evening %q now %v start %v: in windows %v, due %v (Due %v)", evening, now, start, in, want, p.Due(start))
			}
		}
	}
}

// source is an in-memory registrations table for the scheduler: the
// ReminderSource contract over rows the test edits directly (the real
// registration tables are on another branch).
type source struct {
	mu    sync.Mutex
	regs  map[int64]notify.Attendance
	store *mysqlstore.NotifyStore
}

func (s *source) set(a notify.Attendance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.regs == nil {
		s.regs = map[int64]notify.Attendance{}
	}
	s.regs[a.RegistrationID] = a
}

func (s *source) all() []notify.Attendance {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []notify.Attendance
	for _, a := range s.regs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	return out
}

func (s *source) Unreminded(ctx context.Context, after, until time.Time, limit int) ([]notify.Attendance, error) {
	var out []notify.Attendance
	for _, a := range s.all() {
		if !a.Confirmed || !a.StartsAt.After(after) || a.StartsAt.After(until) {
			continue
		}
		done, err := s.store.Reminded(ctx, a.RegistrationID, a.StartsAt)
		if err != nil {
			return nil, err
		}
		if !done && len(out) < limit {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *source) Attendances(_ context.Context, ids []int64) (map[int64]notify.Attendance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]notify.Attendance{}
	for _, id := range ids {
		if a, ok := s.regs[id]; ok {
			out[id] = a
		}
	}
	return out, nil
}

func (s *source) UpcomingUnreminded(ctx context.Context, userID int64, now time.Time) (int, error) {
	n := 0
	for _, a := range s.all() {
		if a.UserID == userID && a.Confirmed && a.StartsAt.After(now) {
			done, err := s.store.Reminded(ctx, a.RegistrationID, a.StartsAt)
			if err != nil {
				return 0, err
			}
			if !done {
				n++
			}
		}
	}
	return n, nil
}

// registrations is what the reminder tests edit: the in-memory source, or
// rows of the registration tables read by mysqlstore.RegistrationReminders.
type registrations interface {
	set(a notify.Attendance)
}

type memoryRegs struct{ *source }

func (m memoryRegs) set(a notify.Attendance) { m.source.set(a) }

// sqlRegs writes registration rows directly, as the registration feature
// does (one session per registration, one activity).
type sqlRegs struct {
	t  *testing.T
	db *gorm.DB
}

// registrationDDL creates the registration tables' columns the source reads
// and the ones without default, when the registration feature's migrations
// are not in this build.
var registrationDDL = []string{
	`CREATE TABLE IF NOT EXISTS activities (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(100) NOT NULL, category VARCHAR(24) NOT NULL,
		community_id BIGINT NOT NULL, host_org_id BIGINT NOT NULL, address VARCHAR(200) NOT NULL DEFAULT '', status VARCHAR(16) NOT NULL,
		signup_opens_at DATETIME NOT NULL, signup_closes_at DATETIME NOT NULL, first_starts_at DATETIME NOT NULL, last_ends_at DATETIME NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS sessions (id BIGINT NOT NULL PRIMARY KEY, activity_id BIGINT NOT NULL, starts_at DATETIME NOT NULL,
		ends_at DATETIME NOT NULL, capacity BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS registrations (id BIGINT NOT NULL PRIMARY KEY, activity_id BIGINT NOT NULL, session_id BIGINT NOT NULL,
		group_key VARCHAR(32) NOT NULL, user_id BIGINT NOT NULL, dependent_id BIGINT NOT NULL DEFAULT 0, attendee_key VARCHAR(24) NOT NULL,
		status VARCHAR(12) NOT NULL, first_status VARCHAR(12) NOT NULL, created_at DATETIME NULL, promoted_at DATETIME NULL)`,
}

func newSQLRegs(t *testing.T, db *gorm.DB) sqlRegs {
	for _, ddl := range registrationDDL {
		if err := db.Exec(ddl).Error; err != nil {
			t.Fatal(err)
		}
	}
	return sqlRegs{t: t, db: db}
}

func (s sqlRegs) set(a notify.Attendance) {
	s.t.Helper()
	status := "confirmed"
	if !a.Confirmed {
		status = "cancelled"
	}
	t0 := a.StartsAt.UTC().Add(-72 * time.Hour)
	stmts := []struct {
		q    string
		args []any
	}{
		{"DELETE FROM activities WHERE id = ?", []any{a.ActivityID}},
		{`INSERT INTO activities (id, title, category, community_id, host_org_id, address, status, signup_opens_at, signup_closes_at, first_starts_at, last_ends_at)
			VALUES (?, ?, 'lecture', 1, 2, ?, 'published', ?, ?, ?, ?)`, []any{a.ActivityID, a.ActivityTitle, a.Place, t0, t0, t0, a.EndsAt.UTC()}},
		{"DELETE FROM sessions WHERE id = ?", []any{a.RegistrationID}},
		{"INSERT INTO sessions (id, activity_id, starts_at, ends_at, capacity) VALUES (?, ?, ?, ?, 30)",
			[]any{a.RegistrationID, a.ActivityID, a.StartsAt.UTC(), a.EndsAt.UTC()}},
		{"DELETE FROM registrations WHERE id = ?", []any{a.RegistrationID}},
		{`INSERT INTO registrations (id, activity_id, session_id, group_key, user_id, dependent_id, attendee_key, status, first_status, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?, 'confirmed', ?)`,
			[]any{a.RegistrationID, a.ActivityID, a.RegistrationID, fmt.Sprintf("g%d", a.RegistrationID), a.UserID, fmt.Sprintf("u%d", a.UserID), status, a.ConfirmedAt.UTC()}},
	}
	for _, st := range stmts {
		if err := s.db.Exec(st.q, st.args...).Error; err != nil {
			s.t.Fatal(err)
		}
	}
}

type reminderEnv struct {
	*env
	src    notify.ReminderSource
	regs   registrations
	r      *notify.Runner
	uid    int64
	openID string
}

// eachSource runs f against the in-memory source and against the SQL one
// over the registration tables.
func eachSource(t *testing.T, f func(t *testing.T, e *reminderEnv)) {
	for _, kind := range []string{"memory", "sql"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t)
			re := &reminderEnv{env: e}
			if kind == "memory" {
				src := &source{store: e.store}
				re.src, re.regs = src, memoryRegs{src}
			} else {
				re.regs = newSQLRegs(t, e.db.G)
				re.src = mysqlstore.NewRegistrationReminders(e.db)
			}
			re.uid, re.openID = e.user("parent")
			e.grant(re.uid, notify.ActivityReminder, 10)
			re.r = e.runner("w1", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Source = re.src })
			f(t, re)
		})
	}
}

func (e *reminderEnv) attendance(id int64, start time.Time) notify.Attendance {
	return notify.Attendance{
		RegistrationID: id, UserID: e.uid, ActivityID: 9, Confirmed: true, ActivityTitle: "四点半学校·书法课",
		Place: "阳光社区活动室", AttendeeName: "王小明", StartsAt: start, EndsAt: start.Add(90 * time.Minute),
		ConfirmedAt: at(1, 20, 0),
	}
}

// scheduleAt moves the clock to now and schedules reminders, failing
// unless want of them are written.
func (e *reminderEnv) scheduleAt(now time.Time, want int) {
	e.t.Helper()
	e.clock.Set(now)
	if n := e.schedule(); n != want {
		e.t.Fatalf("%d reminders at %v, want %d", n, now, want)
	}
}

func (e *reminderEnv) schedule() int {
	e.t.Helper()
	n, err := e.r.ScheduleReminders(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// The server was down when the reminder was due: it goes out on the next
// start, once; never once the session has begun.
func TestReminderMissedWhileDown(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		e.regs.set(e.attendance(1, at(7, 15, 0))) // due 13:00
		e.regs.set(e.attendance(2, at(7, 9, 0)))  // due the evening before; already begun at 14:30
		e.scheduleAt(at(7, 14, 30), 1)            // back up
		e.drain(e.r)
		sent := e.tenant.SentTo(e.openID)
		if len(sent) != 1 || sent[0].TemplateID != "tpl-"+notify.ActivityReminder || sent[0].Data["time2"] != "2026年5月7日 15:00~16:30" {
			t.Fatalf("sent %+v", sent)
		}
		if n := e.schedule(); n != 0 {
			t.Fatalf("scheduled again: %d", n)
		}
		e.drain(e.r)
		if len(e.tenant.SentTo(e.openID)) != 1 {
			t.Fatal("reminded twice")
		}
	})
}

// A reminder written before the session but not sent by its start (workers
// down) is dropped, not sent late.
func TestReminderNeverAfterStart(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		e.regs.set(e.attendance(1, at(7, 15, 0)))
		e.scheduleAt(at(7, 13, 5), 1)
		e.clock.Set(at(7, 15, 0)) // the workers come back as it starts
		e.drain(e.r)
		if len(e.tenant.SentTo(e.openID)) != 0 {
			t.Fatal("a reminder was sent after the session began")
		}
		if st := e.statuses(); st[notify.StatusExpired] != 1 {
			t.Fatalf("statuses %v", st)
		}
	})
}

// The session moves: a reminder not yet sent is dropped, and a new one is
// sent at the new reminder time with the new time.
func TestReminderRescheduledWhenSessionMoves(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		e.regs.set(e.attendance(1, at(7, 15, 0)))
		// Moved before its reminder time: nothing at the old time.
		e.regs.set(e.attendance(2, at(7, 16, 0)))
		e.scheduleAt(at(7, 13, 30), 1)            // registration 1 only (2 is due at 14:00)
		e.regs.set(e.attendance(1, at(8, 19, 0))) // moved after its reminder was written, before it was sent
		e.regs.set(e.attendance(2, at(9, 19, 0))) // moved before its reminder time
		e.drain(e.r)
		if len(e.tenant.SentTo(e.openID)) != 0 {
			t.Fatal("a reminder for the old time was sent")
		}
		e.scheduleAt(at(7, 14, 30), 0) // none at the old time of registration 2
		e.scheduleAt(at(8, 17, 0), 1)  // 1's new reminder time
		e.drain(e.r)
		sent := e.tenant.SentTo(e.openID)
		if len(sent) != 1 || sent[0].Data["time2"] != "2026年5月8日 19:00~20:30" {
			t.Fatalf("sent %+v", sent)
		}
		e.clock.Set(at(9, 17, 0))
		e.schedule()
		e.drain(e.r)
		if got := e.tenant.SentTo(e.openID); len(got) != 2 || got[1].Data["time2"] != "2026年5月9日 19:00~20:30" {
			t.Fatalf("sent %+v", got)
		}
	})
}

// A cancelled registration is not reminded, whether it was cancelled
// before the reminder time or after the reminder was written.
func TestReminderDroppedWhenCancelled(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		a1, a2 := e.attendance(1, at(7, 15, 0)), e.attendance(2, at(7, 15, 0))
		e.regs.set(a1)
		e.regs.set(a2)
		a1.Confirmed = false // cancelled before its reminder time
		e.regs.set(a1)
		e.scheduleAt(at(7, 13, 0), 1)
		a2.Confirmed = false // cancelled after the reminder was written
		e.regs.set(a2)
		e.drain(e.r)
		if len(e.tenant.SentTo(e.openID)) != 0 {
			t.Fatal("a cancelled registration was reminded")
		}
		ms, _, err := e.store.Messages(e.ctx, e.uid, e.clock.Now(), 0, 10)
		if err != nil || len(ms) != 0 {
			t.Fatalf("in-app messages %v %v: a dropped reminder must not show", ms, err)
		}
	})
}

// A place confirmed after the reminder time (a sign-up at 20:00 for the
// next morning, a late promotion) is reminded at once — the issue: everyone
// must be reminded before the session starts — and only once.
func TestReminderAtOnceWhenConfirmedAfterItsTime(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		a := e.attendance(1, at(8, 9, 0)) // due 7th 18:00
		a.ConfirmedAt = at(7, 20, 0)      // signed up at 20:00: still reminded
		e.regs.set(a)
		e.scheduleAt(at(7, 20, 1), 1)
		if n := e.schedule(); n != 0 {
			t.Fatalf("written again: %d", n)
		}
		if done, _ := e.store.Reminded(e.ctx, 1, a.StartsAt); !done {
			t.Fatal("the reminder was not recorded")
		}
		if n, _ := e.src.UpcomingUnreminded(e.ctx, e.uid, e.clock.Now()); n != 0 {
			t.Fatalf("still upcoming: %d", n)
		}
	})
}

// Two schedulers at once write each reminder once.
func TestConcurrentSchedulersWriteOnce(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		for i := range 30 {
			e.regs.set(e.attendance(int64(i+1), at(7, 15, i)))
		}
		e.clock.Set(at(7, 14, 0))
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.r.ScheduleReminders(e.ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if st := e.statuses(); st[notify.StatusPending] != 30 {
			t.Fatalf("statuses %v, want 30 reminders", st)
		}
	})
}

// clockLimiter hands out its token only once the clock has moved on by
// wait: the shared rate limit held the send back (a burst of notices).
type clockLimiter struct {
	clock *clock
	wait  time.Duration
}

func (l clockLimiter) Take(context.Context) (time.Duration, error) {
	l.clock.Add(l.wait)
	return 0, nil
}

// A reminder claimed just before its session starts but held back by the
// rate limit past the start is dropped, not sent after the session began.
func TestReminderHeldByRateLimitPastStartIsNotSent(t *testing.T) {
	eachSource(t, func(t *testing.T, e *reminderEnv) {
		e.regs.set(e.attendance(1, at(7, 15, 0)))
		e.scheduleAt(at(7, 14, 59), 1)
		r := e.runner("w2", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) {
			d.Source = e.src
			d.Limiter = clockLimiter{clock: e.clock, wait: 2 * time.Minute}
		})
		e.drain(r)
		if len(e.tenant.SentTo(e.openID)) != 0 {
			t.Fatal("a reminder was sent after the session began")
		}
		if st := e.statuses(); st[notify.StatusExpired] != 1 {
			t.Fatalf("statuses %v", st)
		}
		if b := e.balance(e.uid, notify.ActivityReminder); b != 10 {
			t.Fatalf("grants left %d, want 10 (nothing spent)", b)
		}
	})
}

// A session moved and moved back: the resident is reminded once, for the
// start that finally holds — whether the reminder of the original start was
// already dropped as moved (its record and dedup key must not block a new
// one) or was still waiting (it is sent; no second one is written) — also
// with two runners scheduling and delivering at once.
func TestReminderAfterSessionMovedBack(t *testing.T) {
	cases := []struct {
		name string
		// dropFirst drains while the session is moved, so the reminder of
		// the original start is dropped before the session comes back.
		dropFirst bool
	}{
		{name: "moved back after its reminder was dropped", dropFirst: true},
		{name: "moved back before its reminder was sent", dropFirst: false},
	}
	for _, tc := range cases {
		for _, runners := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d runners", tc.name, runners), func(t *testing.T) {
				eachSource(t, func(t *testing.T, e *reminderEnv) {
					orig, moved := at(7, 15, 0), at(7, 16, 0)
					e.regs.set(e.attendance(1, orig))
					e.scheduleAt(at(7, 13, 30), 1) // for the original start
					e.regs.set(e.attendance(1, moved))
					if tc.dropFirst {
						e.drain(e.r)
						if st := e.statuses(); st[notify.StatusCancelled] != 1 {
							t.Fatalf("statuses %v: the reminder of the old start was not dropped", st)
						}
					}
					e.scheduleAt(at(7, 14, 10), 1)    // the moved start's reminder is due
					e.regs.set(e.attendance(1, orig)) // moved back
					rs := []*notify.Runner{e.r}
					if runners == 2 {
						rs = append(rs, e.runner("w2", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Source = e.src }))
					}
					var wg sync.WaitGroup
					for _, r := range rs {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for range 3 {
								if _, err := r.ScheduleReminders(e.ctx); err != nil {
									t.Error(err)
								}
								if _, err := r.Drain(e.ctx); err != nil {
									t.Error(err)
								}
							}
						}()
					}
					wg.Wait()
					sent := e.tenant.SentTo(e.openID)
					if len(sent) != 1 || sent[0].Data["time2"] != "2026年5月7日 15:00~16:30" {
						t.Fatalf("sent %+v, want one reminder for 15:00", sent)
					}
					if st := e.statuses(); st[notify.StatusSent] != 1 || st[notify.StatusPending]+st[notify.StatusClaimed]+st[notify.StatusSending] != 0 {
						t.Fatalf("statuses %v", st)
					}
					if done, err := e.store.Reminded(e.ctx, 1, orig); err != nil || !done {
						t.Fatalf("the start that holds is not recorded as reminded: %v %v", done, err)
					}
					// Nothing more later, until the session begins.
					for _, now := range []time.Time{at(7, 14, 30), at(7, 14, 59)} {
						e.scheduleAt(now, 0) // no more reminders
						e.drain(e.r)
					}
					if got := e.tenant.SentTo(e.openID); len(got) != 1 {
						t.Fatalf("reminded %d times", len(got))
					}
					ms, _, err := e.store.Messages(e.ctx, e.uid, e.clock.Now(), 0, 10)
					if err != nil || len(ms) != 1 {
						t.Fatalf("in-app messages %+v %v, want the one reminder", ms, err)
					}
				})
			})
		}
	}
}

// A reminder that WeChat never took before the session began stays in the
// resident's in-app list (expired) when the resident was entitled to it;
// only a reminder that no longer applies (registration cancelled, session
// moved) vanishes (cancelled).
func TestExpiredReminderVisibility(t *testing.T) {
	cases := []struct {
		name    string
		change  func(e *reminderEnv, a notify.Attendance) // what happens before the start (nil: nothing)
		status  string
		visible bool
	}{
		{name: "still confirmed", status: notify.StatusExpired, visible: true},
		{name: "registration cancelled", change: func(e *reminderEnv, a notify.Attendance) {
			a.Confirmed = false
			e.regs.set(a)
		}, status: notify.StatusCancelled},
		{name: "session moved", change: func(e *reminderEnv, a notify.Attendance) {
			e.regs.set(e.attendance(a.RegistrationID, at(9, 15, 0)))
		}, status: notify.StatusCancelled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachSource(t, func(t *testing.T, e *reminderEnv) {
				a := e.attendance(1, at(7, 15, 0))
				e.regs.set(a)
				e.scheduleAt(at(7, 13, 30), 1)
				e.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: -1}) // busy until further notice
				defer e.tenant.ClearFaults()
				e.drain(e.r)
				if st := e.statuses(); st[notify.StatusPending] != 1 {
					t.Fatalf("statuses %v, want the reminder waiting for a retry", st)
				}
				if tc.change != nil {
					tc.change(e, a)
				}
				e.clock.Set(at(7, 15, 0)) // the session begins; WeChat still fails
				e.drain(e.r)
				if st := e.statuses(); st[tc.status] != 1 || len(st) != 1 {
					t.Fatalf("statuses %v, want one %s", st, tc.status)
				}
				if len(e.tenant.SentTo(e.openID)) != 0 {
					t.Fatal("a reminder was sent")
				}
				if b := e.balance(e.uid, notify.ActivityReminder); b != 10 {
					t.Fatalf("grants left %d, want 10 (the failed attempt gave its grant back)", b)
				}
				ms, unread, err := e.store.Messages(e.ctx, e.uid, e.clock.Now(), 0, 10)
				if err != nil {
					t.Fatal(err)
				}
				if got := len(ms) == 1 && ms[0].TemplateKey == notify.ActivityReminder && unread == 1; got != tc.visible {
					t.Fatalf("in-app messages %+v (unread %d), want visible=%v", ms, unread, tc.visible)
				}
				_, counts, err := e.store.ActivityMessages(e.ctx, a.ActivityID, 0, 10, nil)
				if err != nil || counts[tc.status] != 1 {
					t.Fatalf("staff counts %v %v, want one %s", counts, err, tc.status)
				}
			})
		})
	}
}
