package activity_test

import (
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

// publishAt publishes an activity whose first session starts at start.
func (e *env) publishAt(start time.Time, series bool, sessions ...sess) activity.Activity {
	e.t.Helper()
	return e.publish(func(in *activity.ActivityInput) {
		in.Series = series
		in.SignupClosesAt = start.Add(-time.Hour)
		for i := range in.Sessions {
			st := start.Add(time.Duration(i) * 24 * time.Hour)
			in.Sessions[i].StartsAt, in.Sessions[i].EndsAt = st, st.Add(time.Hour)
		}
	}, sessions...)
}

// ids names a page of the list by the activities' ids.
func ids(vs []activity.ActivityView) []int64 {
	return eachView(vs, func(v activity.ActivityView) int64 { return v.ID })
}

// eachView is field of every activity of a page of the list, in order.
func eachView[T any](vs []activity.ActivityView, field func(activity.ActivityView) T) []T {
	out := make([]T, 0, len(vs))
	for _, v := range vs {
		out = append(out, field(v))
	}
	return out
}

// The public list pages in the database: every page is in first-session
// order, every activity is reachable, the total is true on every page
// (also right after a change), and has_seats leaves out the full ones.
func TestPublicListPagesInDatabase(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	const n = 45
	var want []int64
	// Created in reverse order of their first session: creation order must not leak into the list.
	created := map[int64]activity.Activity{}
	for i := n - 1; i >= 0; i-- {
		a := e.publishAt(base.Add(time.Duration(i)*time.Hour), false, sess{1, 0})
		created[int64(i)] = a
	}
	for i := 0; i < n; i++ {
		want = append(want, created[int64(i)].ID)
	}
	draft, err := e.svc.CreateActivity(e.ctx, e.admin, activity.ActivityInput{
		Title: "草稿", Category: activity.CategoryLecture, CommunityID: e.community.ID, HostOrgID: e.org.ID,
		Place: activity.Place{Address: "x"}, SignupOpensAt: time.Now(), SignupClosesAt: base,
		Sessions: []activity.SessionInput{{StartsAt: base, EndsAt: base.Add(time.Hour), Capacity: 5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for p := 1; p <= 3; p++ {
		vs, total, err := e.svc.List(e.ctx, activity.ListQuery{Page: p, PageSize: 20})
		if err != nil {
			t.Fatal(err)
		}
		if total != n {
			t.Fatalf("page %d: total %d, want %d", p, total, n)
		}
		got = append(got, ids(vs)...)
	}
	if len(got) != n {
		t.Fatalf("reached %d of %d activities", len(got), n)
	}
	for i := range want {
		if got[i] != want[i] || got[i] == draft.ID {
			t.Fatalf("position %d: got %d, want %d (list %v)", i, got[i], want[i], got)
		}
	}
	// A deep page past the end is empty and still tells the truth.
	vs, total, err := e.svc.List(e.ctx, activity.ListQuery{Page: 9, PageSize: 20})
	if err != nil || len(vs) != 0 || total != n {
		t.Fatalf("page past the end: %d items, total %d, %v", len(vs), total, err)
	}

	// Filling the first activity's only seat takes it out of has_seats.
	first := created[0]
	uid := e.newUsers(1)[0]
	mustRegister(t, e, uid, first.Sessions[0].ID)
	vs, total = seatsList(t, e, 50, func(vs []activity.ActivityView, total int) bool { return total == n-1 })
	if total != n-1 || len(vs) != n-1 || vs[0].ID != want[1] {
		t.Fatalf("has_seats: total %d, %d items, first %d; want %d, first %d", total, len(vs), vs[0].ID, n-1, want[1])
	}
	// The page's counts are live: the full activity shows 0 left.
	vs, _, err = e.svc.List(e.ctx, activity.ListQuery{Page: 1, PageSize: 1})
	if err != nil || len(vs) != 1 || vs[0].ID != first.ID || vs[0].Remaining != 0 {
		t.Fatalf("first item: %+v, %v", vs, err)
	}

	// A new activity counts at once (the cached total is forgotten).
	e.publishAt(base.Add(-time.Hour), false, sess{3, 0})
	vs, total, err = e.svc.List(e.ctx, activity.ListQuery{Page: 3, PageSize: 20})
	if err != nil || total != n+1 || len(vs) != 6 {
		t.Fatalf("after publishing one more: total %d, %d items on page 3, %v", total, len(vs), err)
	}
}

// A series has seats only when every session has one.
func TestHasSeatsSeries(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	series := e.publishAt(base, true, sess{2, 0}, sess{1, 0})
	single := e.publishAt(base.Add(time.Hour), false, sess{1, 0}, sess{1, 0})
	users := e.newUsers(2)
	mustRegister(t, e, users[0], series.Sessions[0].ID) // a series books both sessions: the second is full
	mustRegister(t, e, users[1], single.Sessions[0].ID) // the single's second session still has a seat
	vs, total := seatsList(t, e, 20, func(vs []activity.ActivityView, total int) bool { return total == 1 })
	if total != 1 || len(vs) != 1 || vs[0].ID != single.ID {
		t.Fatalf("has_seats: %v (total %d), want only %d", ids(vs), total, single.ID)
	}
}

// has_seats follows every change of what is left: a cancellation gives the
// seat back, a raised capacity adds one, a session that has started no
// longer counts.
func TestHasSeatsFollowsCancellationAndCapacity(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	a := e.publishAt(base, false, sess{1, 0})
	hasSeats := func(want bool) {
		t.Helper()
		vs, total := seatsList(t, e, 20, func(vs []activity.ActivityView, total int) bool { return (total == 1) == want })
		if got := total == 1 && len(vs) == 1 && vs[0].ID == a.ID; got != want || (!want && total != 0) {
			t.Fatalf("has_seats: %v (total %d), want listed=%v", ids(vs), total, want)
		}
	}
	hasSeats(true)
	users := e.newUsers(2)
	regs := mustRegister(t, e, users[0], a.Sessions[0].ID)
	hasSeats(false)
	if _, err := e.svc.Cancel(e.ctx, users[0], regs[0].ID); err != nil {
		t.Fatal(err)
	}
	hasSeats(true)
	mustRegister(t, e, users[1], a.Sessions[0].ID)
	hasSeats(false)
	s := a.Sessions[0]
	if _, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, s.ID, activity.SessionInput{StartsAt: s.StartsAt, EndsAt: s.EndsAt, Capacity: 2}); err != nil {
		t.Fatal(err)
	}
	hasSeats(true)
}

// Staff see what they manage newest first, with a true total.
func TestAdminListNewestFirst(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	var made []int64
	for i := 0; i < 7; i++ {
		made = append(made, e.publishAt(base.Add(time.Duration(-i)*time.Hour), false, sess{5, 0}).ID)
	}
	var got []int64
	for p := 1; p <= 3; p++ {
		vs, total, err := e.svc.AdminList(e.ctx, e.admin, activity.AdminQuery{}, p, 3)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(made) {
			t.Fatalf("page %d: total %d, want %d", p, total, len(made))
		}
		got = append(got, ids(vs)...)
	}
	for i := range made {
		if got[i] != made[len(made)-1-i] {
			t.Fatalf("staff list %v, want newest first of %v", got, made)
		}
	}
	if _, total, err := e.svc.AdminList(e.ctx, e.admin, activity.AdminQuery{Status: activity.StatusDraft}, 1, 3); err != nil || total != 0 {
		t.Fatalf("drafts: total %d, %v", total, err)
	}
}

// An activity's registrations page by keyset: every row once, in sign-up
// order, a next cursor until the last page, filters applied in SQL.
func TestStaffRegistrationsKeyset(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(nil, sess{150, 100}, sess{100, 0})
	users := e.newUsers(260)
	var want []int64
	for i, uid := range users {
		sid := a.Sessions[0].ID
		if i%5 == 4 {
			sid = a.Sessions[1].ID
		}
		res, err := e.register(e.ctx, uid, sid)
		if err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
		want = append(want, res.Registrations[0].ID)
	}
	walk := func(f activity.RegistrationFilter, limit int) ([]activity.StaffRegistration, int) {
		t.Helper()
		var all []activity.StaffRegistration
		req := page.Request{Limit: limit}
		pages := 0
		for {
			rs, next, err := e.svc.ActivityRegistrations(e.ctx, e.admin, a.ID, f, req)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(rs) > limit {
				t.Fatalf("page of %d rows, limit %d", len(rs), limit)
			}
			all = append(all, rs...)
			if next == "" {
				return all, pages
			}
			if req.After, err = page.Decode(next); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, pages := walk(activity.RegistrationFilter{}, 100)
	if pages != 3 || len(all) != len(users) {
		t.Fatalf("%d rows in %d pages, want %d in 3", len(all), pages, len(users))
	}
	for i, r := range all {
		if r.Registration.ID != want[i] {
			t.Fatalf("row %d: id %d, want %d (sign-up order)", i, r.Registration.ID, want[i])
		}
	}
	wl, _ := walk(activity.RegistrationFilter{Status: activity.RegWaitlisted}, 7)
	if len(wl) != 58 { // 208 asked for the first session's 150 seats
		t.Fatalf("%d waitlisted, want 58", len(wl))
	}
	for _, r := range wl {
		if r.Registration.Status != activity.RegWaitlisted || r.Registration.SessionID != a.Sessions[0].ID {
			t.Fatalf("status filter let through %+v", r.Registration)
		}
	}
	second, _ := walk(activity.RegistrationFilter{SessionID: a.Sessions[1].ID}, 100)
	if len(second) != 52 {
		t.Fatalf("%d in the second session, want 52", len(second))
	}
	if _, err := page.Parse("AAAA", 10, 10); errs.CodeOf(err) != "BAD_CURSOR" {
		t.Fatalf("tampered cursor: %v", err)
	}
}

// seatsList lists the activities with seats left once the "has seats"
// summary has caught up with the last change (it is refreshed right after
// the writers commit): until check accepts the page, or 5 s.
func seatsList(t *testing.T, e *env, pageSize int, check func(vs []activity.ActivityView, total int) bool) ([]activity.ActivityView, int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		vs, total, err := e.svc.List(e.ctx, activity.ListQuery{Page: 1, PageSize: pageSize, HasSeats: true})
		if err != nil {
			t.Fatal(err)
		}
		if check(vs, total) || time.Now().After(deadline) {
			return vs, total
		}
		time.Sleep(20 * time.Millisecond)
	}
}
