package activity_test

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/resident"
)

// Staff cancel one session: its live registrations (confirmed and
// waitlisted) are cancelled with the reason, each attendee is told (as
// when the activity is cancelled), the
// counters and the quota follow, and the session takes nobody afterwards;
// the activity and its other sessions go on.
func TestCancelSession(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(nil, sess{2, 2}, sess{2, 2}, sess{2, 2})
	s1, s2, s3 := a.Sessions[0].ID, a.Sessions[1].ID, a.Sessions[2].ID
	u := e.newUsers(4)
	dep := e.dependent(u[0], "王奶奶", time.Date(1950, 3, 1, 0, 0, 0, 0, time.UTC))
	// u0 and a family member (one group, confirmed), u1 and u2 waitlisted,
	// u3 in the second session.
	if _, err := e.register(e.ctx, u[0], s1, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: dep}); err != nil {
		t.Fatal(err)
	}
	for _, uid := range u[1:3] {
		if regs := mustRegister(t, e, uid, s1); regs[0].Status != activity.RegWaitlisted {
			t.Fatalf("want waitlisted: %+v", regs)
		}
	}
	mustRegister(t, e, u[3], s2)
	e.assertConsistent(a.ID)

	orgStaff := resident.User{ID: 99, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: e.org.ID}}}
	stranger := resident.User{ID: 98, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: e.org.ID + 1000}}}
	if _, _, _, err := e.svc.CancelSession(e.ctx, stranger, a.ID, s1, "场地检修"); code(err) != "ACTIVITY_NOT_FOUND" && code(err) != "FORBIDDEN" {
		t.Fatalf("staff of another organisation: %v", err)
	}
	if _, _, _, err := e.svc.CancelSession(e.ctx, orgStaff, a.ID, s1+1000, "场地检修"); code(err) != "SESSION_NOT_FOUND" {
		t.Fatalf("unknown session: %v", err)
	}
	before := e.outbox("activity_changed", a.ID)
	got, n, _, err := e.svc.CancelSession(e.ctx, orgStaff, a.ID, s1, "场地检修")
	if err != nil || n != 4 {
		t.Fatalf("cancel session: %v, %d cancelled", err, n)
	}
	if got.Status != activity.StatusPublished {
		t.Fatalf("the activity goes on: %s", got.Status)
	}
	if ss, _ := got.Session(s1); !ss.Cancelled() || ss.CancelReason != "场地检修" || ss.Status() != activity.SessionCancelled {
		t.Fatalf("session not marked cancelled: %+v", ss)
	}
	if n := e.outbox("activity_changed", a.ID) - before; n != 4 {
		t.Fatalf("one notice per attendee, as cancelling the activity writes: %d", n)
	}
	var rows []struct {
		Status       string
		CancelReason string
		CancelledBy  int64
	}
	if err := e.db.G.Table("registrations").Select("status, cancel_reason, cancelled_by").Where("session_id = ?", s1).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status != activity.RegCancelled || r.CancelReason != "场地检修" || r.CancelledBy != orgStaff.ID {
			t.Fatalf("row of the cancelled session: %+v", r)
		}
	}
	if live := e.liveRows(a.ID); len(live) != 1 {
		t.Fatalf("only the other session's registration stays: %v", live)
	}
	counts, err := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c := counts[s1]; c != (activity.Counts{}) {
		t.Fatalf("counters of the cancelled session: %+v", c)
	}
	e.assertConsistent(a.ID)
	v, err := e.svc.Get(e.ctx, a.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Sessions[0].Remaining() != 0 || v.Sessions[0].WaitlistRemaining() != 0 || v.Remaining != 2+1 {
		t.Fatalf("places shown: session %+v, activity %d", v.Sessions[0].Counts, v.Remaining)
	}

	// Afterwards: sign-up, staff addition and changes are refused; a second
	// cancellation changes nothing.
	if _, err := e.register(e.ctx, u[1], s1); code(err) != "SESSION_CANCELLED" {
		t.Fatalf("sign-up to a cancelled session: %v", err)
	}
	if _, err := e.svc.AddByStaff(e.ctx, orgStaff, a.ID, activity.RegisterInput{UserID: u[1], SessionID: s1,
		Attendees: []activity.AttendeeRef{{Self: true}}, Reason: "电话报名"}); code(err) != "SESSION_CANCELLED" {
		t.Fatalf("staff addition to a cancelled session: %v", err)
	}
	if _, _, err := e.svc.UpdateSession(e.ctx, orgStaff, a.ID, s1, activity.SessionInput{Capacity: 5, WaitlistCapacity: 2}); code(err) != "SESSION_CANCELLED" {
		t.Fatalf("change of a cancelled session: %v", err)
	}
	epoch := mustActivity(t, e, a.ID).QuotaEpoch
	notices := e.outbox("activity_changed", a.ID)
	if _, n, already, err := e.svc.CancelSession(e.ctx, orgStaff, a.ID, s1, "再次取消"); err != nil || n != 0 || !already {
		t.Fatalf("cancel again: %v %d", err, n)
	}
	if again := mustActivity(t, e, a.ID); again.QuotaEpoch != epoch || e.outbox("activity_changed", a.ID) != notices {
		t.Fatalf("a second cancellation wrote something: epoch %d->%d", epoch, again.QuotaEpoch)
	}
	if first := mustActivity(t, e, a.ID); first.Sessions[0].CancelReason != "场地检修" {
		t.Fatalf("the first reason stays: %q", first.Sessions[0].CancelReason)
	}
	// Other sessions still take sign-ups.
	if regs := mustRegister(t, e, u[1], s2); regs[0].Status != activity.RegConfirmed {
		t.Fatalf("other session: %+v", regs)
	}

	// A quota rebuilt from MySQL gives the cancelled session no place.
	e.flushActivity(a.ID)
	mustRegister(t, e, u[2], s3)
	st, err := e.quota.State(e.ctx, a.ID, []int64{s1})
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Sessions[s1]; c != (activity.Counts{}) {
		t.Fatalf("rebuilt quota of the cancelled session: %+v", c)
	}
	e.assertConsistent(a.ID)
	if _, err := e.register(e.ctx, u[3], s1); code(err) != "SESSION_CANCELLED" {
		t.Fatalf("sign-up after the rebuild: %v", err)
	}

	// A session under way is not cancelled.
	e.offset.Store(int64(a.Sessions[1].StartsAt.Sub(time.Now()) + time.Minute))
	if _, _, _, err := e.svc.CancelSession(e.ctx, orgStaff, a.ID, s2, "太晚了"); code(err) != "SESSION_STARTED" {
		t.Fatalf("cancel a started session: %v", err)
	}
	e.offset.Store(0)
	if cur := mustActivity(t, e, a.ID); cur.Sessions[1].Cancelled() {
		t.Fatal("a refused cancellation marked the session")
	}

	// Every session cancelled: the activity keeps its status.
	for _, sid := range []int64{s2, s3} {
		if _, _, _, err := e.svc.CancelSession(e.ctx, orgStaff, a.ID, sid, ""); err != nil {
			t.Fatal(err)
		}
	}
	last := mustActivity(t, e, a.ID)
	if ss, _ := last.Session(s3); ss.CancelReason == "" || last.Status != activity.StatusPublished {
		t.Fatalf("all sessions cancelled: %s, reason %q", last.Status, ss.CancelReason)
	}
	e.assertConsistent(a.ID)
	// The public "has seats" filter never counts a cancelled session.
	var seats struct{ SeatsUntil *time.Time }
	if err := e.db.G.Table("activities").Select("seats_until").Where("id = ?", a.ID).Scan(&seats).Error; err != nil {
		t.Fatal(err)
	}
	if seats.SeatsUntil != nil {
		t.Fatalf("seats_until of an activity with every session cancelled: %v", seats.SeatsUntil)
	}
}

// A draft's session may be cancelled too (nobody signed up).
func TestCancelSessionOfDraft(t *testing.T) {
	e := newEnv(t, activity.Config{})
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	a, err := e.svc.CreateActivity(e.ctx, e.admin, activity.ActivityInput{
		Title: "草稿活动", Category: activity.CategoryLecture, CommunityID: e.community.ID, HostOrgID: e.org.ID,
		Place: activity.Place{Address: "活动室"}, SignupOpensAt: time.Now(), SignupClosesAt: start.Add(-time.Hour),
		Sessions: []activity.SessionInput{{StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 5}, {StartsAt: start.Add(24 * time.Hour), EndsAt: start.Add(25 * time.Hour), Capacity: 5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, n, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, a.Sessions[0].ID, "")
	if err != nil || n != 0 || got.Status != activity.StatusDraft || !got.Sessions[0].Cancelled() {
		t.Fatalf("cancel a draft's session: %v %d %+v", err, n, got)
	}
}

// A series: cancelling one session cancels only that session's rows; the
// series goes on with its other sessions (a new sign-up books those, a
// new session books the attendees still in).
func TestCancelSessionOfSeries(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(func(in *activity.ActivityInput) { in.Series = true }, sess{3, 1}, sess{3, 1}, sess{3, 1})
	s1, s2 := a.Sessions[0].ID, a.Sessions[1].ID
	u := e.newUsers(3)
	mustRegister(t, e, u[0], s1)
	mustRegister(t, e, u[1], s1)
	before := e.outbox("activity_changed", a.ID)
	if _, n, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, s2, "老师请假"); err != nil || n != 2 {
		t.Fatalf("cancel a series' session: %v %d", err, n)
	}
	if n := e.outbox("activity_changed", a.ID) - before; n != 2 {
		t.Fatalf("one notice per group: %d", n)
	}
	for k, bySession := range e.seriesRows(a.ID) {
		if len(bySession) != 2 || bySession[s2] != "" {
			t.Fatalf("attendee %s: %v", k, bySession)
		}
	}
	// A new sign-up (naming any session) books the sessions still held.
	regs := mustRegister(t, e, u[2], s1)
	if len(regs) != 2 {
		t.Fatalf("series sign-up after a cancelled session: %+v", regs)
	}
	for _, r := range regs {
		if r.SessionID == s2 {
			t.Fatalf("booked into the cancelled session: %+v", r)
		}
	}
	e.assertConsistent(a.ID)
	start := a.Sessions[2].StartsAt.Add(24 * time.Hour)
	ns, err := e.svc.AddSession(e.ctx, e.admin, a.ID, activity.SessionInput{StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 3, WaitlistCapacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for k, bySession := range e.seriesRows(a.ID) {
		if bySession[ns.ID] == "" {
			t.Fatalf("attendee %s not booked into the new session: %v", k, bySession)
		}
	}
	e.assertConsistent(a.ID)
}

// Sign-ups racing the cancellation of their session: whatever the order,
// none is left live in the cancelled session, and Redis agrees with MySQL.
func TestCancelSessionRacingSignUps(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			a := e.publish(nil, sess{40, 40}, sess{40, 0})
			s1 := a.Sessions[0].ID
			users := e.newUsers(100)
			start := make(chan struct{})
			counts := tally(len(users), func(i int) string {
				<-start
				_, err := e.register(e.ctx, users[i], s1)
				return code(err)
			}, func() {
				close(start)
				time.Sleep(time.Duration(round*3) * time.Millisecond)
				if _, _, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, s1, "场地检修"); err != nil {
					t.Error(err)
				}
			})
			for c := range counts {
				if c != "OK" && c != "SESSION_CANCELLED" && c != "QUOTA_FULL" {
					t.Fatalf("unexpected answers: %v", counts)
				}
			}
			for k := range e.liveRows(a.ID) {
				t.Fatalf("live registration %s in the cancelled session (answers %v)", k, counts)
			}
			e.assertConsistent(a.ID)
			t.Logf("answers: %v", counts)
		})
	}
}

func mustActivity(t *testing.T, e *env, id int64) activity.Activity {
	t.Helper()
	a, err := e.store.Activity(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
