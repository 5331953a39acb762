package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// A session cancelled by staff neither lists its activity for its date
// (?from=&to= in Beijing days) nor sorts it by its start: the public list
// goes by the first session still held, and next_starts_at (public and
// staff lists) agrees.
func TestActivityListIgnoresCancelledSessions(t *testing.T) {
	w, ta := newRegWorld(t)
	day := time.Now().In(cst.Zone).AddDate(0, 0, 3)
	d := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, cst.Zone)
	sessions := func(starts ...time.Time) func(map[string]any) {
		return func(b map[string]any) {
			b["signup_closes_at"] = rfc(starts[0].Add(-time.Hour))
			var ss []map[string]any
			for _, st := range starts {
				ss = append(ss, map[string]any{"starts_at": rfc(st), "ends_at": rfc(st.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 0})
			}
			b["sessions"] = ss
		}
	}
	moved := w.activity(w.orgStaff, sessions(d, d.AddDate(0, 0, 2)))
	plain := num(w.activity(w.orgStaff, sessions(d.AddDate(0, 0, 1)))["id"])
	mid := num(moved["id"])
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", mid, sessionID(moved, 0)), w.orgStaff, map[string]string{"reason": "场地检修"}); r.Status != 200 {
		t.Fatalf("cancel session: %d %s", r.Status, r.Raw)
	}
	list := func(path, q string) ([]int64, map[int64]string) {
		t.Helper()
		r := ta.do("GET", path+q, w.admin, nil)
		if r.Status != 200 {
			t.Fatalf("%s%s: %d %s", path, q, r.Status, r.Raw)
		}
		var ids []int64
		next := map[int64]string{}
		for _, it := range items(r) {
			ids = append(ids, num(it["id"]))
			next[num(it["id"])] = it["next_starts_at"].(string)
		}
		return ids, next
	}
	date := func(n int) string { return d.AddDate(0, 0, n).Format("2006-01-02") }
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{plain, mid}},
		{"?from=" + date(0) + "&to=" + date(0), nil},
		{"?date_from=" + date(0) + "&date_to=" + date(1), []int64{plain}},
		{"?from=" + date(2) + "&to=" + date(2), []int64{mid}},
		{"?to=" + date(0), nil},
	} {
		if got, _ := list("/api/v1/activities", c.query); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("GET /activities%s: %v, want %v", c.query, got, c.want)
		}
	}
	_, next := list("/api/v1/activities", "")
	_, staffNext := list("/api/v1/admin/activities", "")
	for _, n := range []map[int64]string{next, staffNext} {
		if got, _ := time.Parse(time.RFC3339, n[mid]); !got.Equal(d.AddDate(0, 0, 2)) {
			t.Errorf("next_starts_at of the activity whose first session is cancelled: %s", n[mid])
		}
	}
}
