package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// A series whose first session, starting soon, staff cancelled (issue 3):
// its cancellation deadline counts from its first session still held, so
// a resident signs up without being asked to confirm "no cancellation",
// sees that session's deadline in the answer of GET
// /api/v1/me/registrations, and may cancel; before the cancel the same
// sign-up was asked to confirm.
func TestSeriesDeadlineAfterItsFirstSessionIsCancelled(t *testing.T) {
	w, ta := newRegWorld(t)
	// The first session: within the 3-hour deadline, 30 minutes long and
	// inside one China-time day; the others on later days at 10:00.
	first := time.Now().Add(40 * time.Minute).Truncate(time.Minute)
	if end := first.Add(30 * time.Minute).In(cst.Zone); end.Day() != first.In(cst.Zone).Day() {
		first = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, cst.Zone)
	}
	day := time.Now().In(cst.Zone)
	second := time.Date(day.Year(), day.Month(), day.Day()+2, 10, 0, 0, 0, cst.Zone)
	act := w.activity(w.orgStaff, func(b map[string]any) {
		b["series"] = true
		b["cancel_deadline_minutes"] = 180
		b["signup_closes_at"] = rfc(second.Add(-24 * time.Hour))
		b["sessions"] = []map[string]any{
			{"starts_at": rfc(first), "ends_at": rfc(first.Add(30 * time.Minute)), "capacity": 5, "waitlist_capacity": 1},
			{"starts_at": rfc(second), "ends_at": rfc(second.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 1},
			{"starts_at": rfc(second.Add(24 * time.Hour)), "ends_at": rfc(second.Add(25 * time.Hour)), "capacity": 5, "waitlist_capacity": 1},
		}
	})
	aid, s1, s2 := num(act["id"]), sessionID(act, 0), sessionID(act, 1)
	alice, _ := w.resident("alice", "王丽")
	expectError(t, w.register(alice, s2, nil, nil), 422, "CANCEL_DEADLINE_CONFIRM")

	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", aid, s1), w.orgStaff, map[string]string{"reason": "老师请假"}); r.Status != 200 {
		t.Fatalf("cancel the first session: %d %s", r.Status, r.Raw)
	}
	r := w.register(alice, s2, nil, nil)
	if r.Status != 201 {
		t.Fatalf("sign-up after the first session was cancelled: %d %s", r.Status, r.Raw)
	}
	regs := r.Body["registrations"].([]any)
	if len(regs) != 2 {
		t.Fatalf("want the 2 sessions still held: %s", r.Raw)
	}
	mine := ta.do("GET", "/api/v1/me/registrations", alice, nil)
	items, _ := mine.Body["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("my registrations: %s", mine.Raw)
	}
	for _, x := range items {
		d, err := time.Parse(time.RFC3339, fmt.Sprint(x.(map[string]any)["cancel_deadline"]))
		if err != nil || !d.Equal(second.Add(-3*time.Hour)) {
			t.Fatalf("cancel_deadline %v (%v), want %v: %s", d, err, second.Add(-3*time.Hour), mine.Raw)
		}
	}
	regID := num(regs[0].(map[string]any)["id"])
	if c := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", regID), alice, nil); c.Status != 200 {
		t.Fatalf("cancel after the first session was cancelled: %d %s", c.Status, c.Raw)
	}
}
