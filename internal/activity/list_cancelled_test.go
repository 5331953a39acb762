package activity_test

import (
	"slices"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// beijing is the residents' time zone (the list's dates are its days).
var beijing = time.FixedZone("CST", 8*3600)

// publishSessions publishes a single-session-booking activity with one
// one-hour session at each start, then cancels (staff, alone) the sessions
// whose index is in cancelled.
func (e *env) publishSessions(title string, starts []time.Time, cancelled ...int) activity.Activity {
	e.t.Helper()
	first := starts[0]
	for _, st := range starts {
		if st.Before(first) {
			first = st
		}
	}
	a := e.publish(func(in *activity.ActivityInput) {
		in.Title = title
		in.SignupClosesAt = first.Add(-time.Hour)
		in.Sessions = nil
		for _, st := range starts {
			in.Sessions = append(in.Sessions, activity.SessionInput{StartsAt: st, EndsAt: st.Add(time.Hour), Capacity: 5})
		}
	})
	for _, i := range cancelled {
		if _, _, _, err := e.svc.CancelSession(e.ctx, e.admin, a.ID, a.Sessions[i].ID, "场地检修"); err != nil {
			e.t.Fatalf("cancel session %d of %s: %v", i, title, err)
		}
	}
	return a
}

// titles names a page of the list by the activities' titles.
func titles(vs []activity.ActivityView) []string {
	return eachView(vs, func(v activity.ActivityView) string { return v.Title })
}

// The list's date filter (from/to) matches an activity only by a session
// that is held: one whose only session on the day was cancelled by staff
// is not listed for that day, nor one whose every session was cancelled.
func TestListDateFilterSkipsCancelledSessions(t *testing.T) {
	e := newEnv(t, activity.Config{})
	now := time.Now().In(beijing)
	d := time.Date(now.Year(), now.Month(), now.Day()+5, 0, 0, 0, 0, beijing) // a day well ahead, Beijing midnight
	at := func(day, hour int) time.Time { return d.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }

	// "held": its one session on day 0. "mixed": on day 0 one cancelled
	// and one held. "only-cancelled": its day-0 session cancelled, a held
	// one on day 2. "all-cancelled": every session (days 0 and 1)
	// cancelled. "next-day": a held session on day 1.
	e.publishSessions("held", []time.Time{at(0, 14)})
	e.publishSessions("mixed", []time.Time{at(0, 9), at(0, 15)}, 0)
	e.publishSessions("only-cancelled", []time.Time{at(0, 10), at(2, 10)}, 0)
	e.publishSessions("all-cancelled", []time.Time{at(0, 11), at(1, 11)}, 0, 1)
	e.publishSessions("next-day", []time.Time{at(1, 10)})

	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []string // in list order
	}{
		{"day 0", at(0, 0), at(1, 0), []string{"held", "mixed"}},
		{"day 1", at(1, 0), at(2, 0), []string{"next-day"}},
		{"day 2", at(2, 0), at(3, 0), []string{"only-cancelled"}},
		{"days 0 and 1", at(0, 0), at(2, 0), []string{"held", "mixed", "next-day"}},
		{"the hour of a cancelled session only", at(0, 10), at(0, 11), nil},
		{"from day 2 on", at(2, 0), time.Time{}, []string{"only-cancelled"}},
		{"up to day 1", time.Time{}, at(1, 0), []string{"held", "mixed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, total, err := e.svc.List(e.ctx, activity.ListQuery{From: tc.from, To: tc.to, Page: 1, PageSize: 20})
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(vs); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Fatalf("listed %v (total %d), want %v", got, total, tc.want)
			}
			// The same filter counted on a page of one (the total is
			// counted, not seen).
			if len(tc.want) > 1 {
				_, total, err := e.svc.List(e.ctx, activity.ListQuery{From: tc.from, To: tc.to, Page: 1, PageSize: 1})
				if err != nil || total != len(tc.want) {
					t.Fatalf("total on a page of one: %d, %v; want %d", total, err, len(tc.want))
				}
			}
		})
	}
}

// The list is sorted by the first session still held: a cancelled first
// session does not move an activity up. An activity whose every session is
// cancelled sorts by its first session all the same. Each item's
// next_starts_at agrees with that order, on the public and the staff list.
func TestListSortsByFirstHeldSession(t *testing.T) {
	e := newEnv(t, activity.Config{})
	base := time.Now().Add(96 * time.Hour).Truncate(time.Hour)
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }

	type item struct {
		title     string
		starts    []time.Time
		cancelled []int
		next      time.Time // its next_starts_at
	}
	items := []item{
		{"first-cancelled", []time.Time{h(0), h(30)}, []int{0}, h(30)},
		{"all-cancelled", []time.Time{h(5), h(50)}, []int{0, 1}, h(5)},
		{"plain", []time.Time{h(10)}, nil, h(10)},
		{"second-cancelled", []time.Time{h(20), h(25)}, []int{1}, h(20)},
		{"later", []time.Time{h(40)}, nil, h(40)},
		{"first-two-cancelled", []time.Time{h(1), h(2), h(45)}, []int{0, 1}, h(45)},
	}
	next := map[string]time.Time{}
	for _, it := range items {
		e.publishSessions(it.title, it.starts, it.cancelled...)
		next[it.title] = it.next
	}
	want := []string{"all-cancelled", "plain", "second-cancelled", "first-cancelled", "later", "first-two-cancelled"}

	vs, total, err := e.svc.List(e.ctx, activity.ListQuery{Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(vs); !slices.Equal(got, want) || total != len(want) {
		t.Fatalf("order %v (total %d), want %v", got, total, want)
	}
	// Paged one by one, the order is the same (it is the database's).
	var paged []string
	for p := 1; p <= len(want); p++ {
		vs, _, err := e.svc.List(e.ctx, activity.ListQuery{Page: p, PageSize: 1})
		if err != nil || len(vs) != 1 {
			t.Fatalf("page %d: %d items, %v", p, len(vs), err)
		}
		paged = append(paged, vs[0].Title)
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged order %v, want %v", paged, want)
	}
	for i, v := range vs {
		if !v.NextStartsAt.Equal(next[v.Title]) {
			t.Errorf("%s: next_starts_at %v, want %v", v.Title, v.NextStartsAt, next[v.Title])
		}
		if i > 0 && v.NextStartsAt.Before(vs[i-1].NextStartsAt) {
			t.Errorf("%s (next %v) listed after %s (next %v)", v.Title, v.NextStartsAt, vs[i-1].Title, vs[i-1].NextStartsAt)
		}
	}
	staff, _, err := e.svc.AdminList(e.ctx, e.admin, activity.AdminQuery{}, 1, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range staff {
		if !v.NextStartsAt.Equal(next[v.Title]) {
			t.Errorf("staff list, %s: next_starts_at %v, want %v", v.Title, v.NextStartsAt, next[v.Title])
		}
	}

	// A session cancelled now moves its activity at once: "plain" gains a
	// later session and loses its first.
	p := vs[1]
	if p.Title != "plain" {
		t.Fatalf("want plain second: %s", p.Title)
	}
	if _, err := e.svc.AddSession(e.ctx, e.admin, p.ID, activity.SessionInput{StartsAt: h(48), EndsAt: h(49), Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.CancelSession(e.ctx, e.admin, p.ID, p.Sessions[0].ID, "讲师请假"); err != nil {
		t.Fatal(err)
	}
	vs, _, err = e.svc.List(e.ctx, activity.ListQuery{Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"all-cancelled", "second-cancelled", "first-cancelled", "later", "first-two-cancelled", "plain"}
	if got := titles(vs); !slices.Equal(got, want) {
		t.Fatalf("after cancelling plain's first session: %v, want %v", got, want)
	}
	if last := vs[len(vs)-1]; !last.NextStartsAt.Equal(h(48)) {
		t.Fatalf("plain's next_starts_at: %v", last.NextStartsAt)
	}

	// While its only held session is under way (nothing held lies ahead),
	// an activity shows that session's start, not its cancelled first one.
	e.offset.Store(int64(h(30).Add(30 * time.Minute).Sub(time.Now())))
	vs, _, err = e.svc.List(e.ctx, activity.ListQuery{Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range vs {
		if v.Title == "first-cancelled" {
			found = true
			if !v.NextStartsAt.Equal(h(30)) {
				t.Fatalf("under way: next_starts_at %v, want %v", v.NextStartsAt, h(30))
			}
		}
	}
	if !found {
		t.Fatalf("first-cancelled not listed while under way: %v", titles(vs))
	}
}
