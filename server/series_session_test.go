package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A session added to a series (POST /api/v1/admin/activities/{id}/sessions)
// books everyone signed up for the series into it, as confirmed or
// waitlisted as they were, and tells them; a session too small for them is
// refused with 409 and nothing is written. Moving a session so that sign-up
// would close after the activity ends is refused as on creation.
func TestAddingASessionToASeries(t *testing.T) {
	w, ta := newRegWorld(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	act := w.activity(w.orgStaff, func(b map[string]any) {
		b["title"], b["series"] = "陶艺营", true
		b["sessions"] = []map[string]any{
			{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 2, "waitlist_capacity": 1},
			{"starts_at": rfc(start.Add(24 * time.Hour)), "ends_at": rfc(start.Add(25 * time.Hour)), "capacity": 2, "waitlist_capacity": 1},
		}
	})
	aid, s0 := num(act["id"]), sessionID(act, 0)
	var ids []int64
	for i, name := range []string{"alice", "bob", "carol"} {
		tok, id := w.resident(name, "")
		ids = append(ids, id)
		r := w.register(tok, s0, nil, nil)
		want := "confirmed"
		if i == 2 {
			want = "waitlisted"
		}
		if r.Status != 201 || len(r.Body["registrations"].([]any)) != 2 || !strings.Contains(string(r.Raw), want) {
			t.Fatalf("%s signs up for the series: %d %s", name, r.Status, r.Raw)
		}
	}
	path := fmt.Sprintf("/api/v1/admin/activities/%d/sessions", aid)
	next := start.Add(7 * 24 * time.Hour)
	body := func(capacity, wait int) map[string]any {
		return map[string]any{"starts_at": rfc(next), "ends_at": rfc(next.Add(time.Hour)), "capacity": capacity, "waitlist_capacity": wait}
	}
	r := ta.do("POST", path, w.orgStaff, body(1, 1))
	expectError(t, r, 409, "SERIES_CAPACITY_SHORT")
	if d, _ := r.Body["details"].(map[string]any); num(d["confirmed"]) != 2 {
		t.Fatalf("the refusal says how many are confirmed: %s", r.Raw)
	}
	expectError(t, ta.do("POST", path, w.orgStaff, body(2, 0)), 409, "SERIES_WAITLIST_SHORT")
	if n := ta.count("sessions"); n != 2 {
		t.Fatalf("%d sessions after the refusals, want 2", n)
	}

	r = ta.do("POST", path, w.orgStaff, body(2, 1))
	if r.Status != 201 || len(r.Body["sessions"].([]any)) != 3 {
		t.Fatalf("add a session: %d %s", r.Status, r.Raw)
	}
	added := r.Body["sessions"].([]any)[2].(map[string]any)
	if num(added["confirmed"]) != 2 || num(added["waitlisted"]) != 1 || num(added["remaining"]) != 0 || num(added["waitlist_remaining"]) != 0 {
		t.Fatalf("the new session as staff see it: %v", added)
	}
	// Residents see it among their registrations and were told.
	for i, name := range []string{"alice", "bob", "carol"} {
		tok, _ := ta.login(name)
		mine := ta.do("GET", "/api/v1/me/registrations", tok, nil)
		if n := strings.Count(string(mine.Raw), fmt.Sprintf(`"session_id":%d`, num(added["id"]))); mine.Status != 200 || n != 1 {
			t.Fatalf("%s's registrations list the new session %d times: %s", name, n, mine.Raw)
		}
		var bodies []string
		ta.app.db.G.Table("outbox").Where("user_id = ? AND activity_id = ? AND template_key = ?", ids[i], aid, "activity_changed").Pluck("body", &bodies)
		if len(bodies) != 1 || !strings.Contains(bodies[0], "新增场次") {
			t.Fatalf("%s's notices of the new session: %q", name, bodies)
		}
	}
	// The quota in Redis agrees with MySQL: the series is full.
	if r := ta.do("POST", "/api/v1/admin/quota/reconcile", w.admin, nil); r.Status != 200 || len(r.Body["drift"].(map[string]any)) != 0 {
		t.Fatalf("reconcile: %d %s", r.Status, r.Raw)
	}
	dave, _ := w.resident("dave", "")
	expectError(t, w.register(dave, s0, nil, nil), 409, "QUOTA_FULL")

	// Moving the only session of a lecture to end before its sign-up closes.
	lecture, sid := w.lecture()
	early := start.Add(-3 * time.Hour)
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", lecture, sid), w.orgStaff,
		map[string]any{"starts_at": rfc(early), "ends_at": rfc(early.Add(time.Hour))}), 400, "INVALID_SIGNUP_WINDOW")
}
