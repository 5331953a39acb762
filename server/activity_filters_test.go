package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// GET /activities filters "by category, community, date range, has
// seats" (issue 3) without naming the parameters: each filter answers to
// every reasonable spelling, and none is silently ignored.
func TestActivityListFilterSpellings(t *testing.T) {
	w, ta := newRegWorld(t)
	otherCommunity := w.newCommunity("明月社区")
	org := ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "明月志愿队", "type": "social_org", "community_ids": []int64{otherCommunity}})
	day := time.Now().In(cst.Zone).AddDate(0, 0, 3)
	soon := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, cst.Zone)
	later := soon.AddDate(0, 0, 10)
	at := func(start time.Time, capacity int) func(map[string]any) {
		return func(b map[string]any) {
			b["signup_closes_at"] = rfc(start.Add(-time.Hour))
			b["sessions"] = []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": capacity, "waitlist_capacity": 0}}
		}
	}
	near := num(w.activity(w.admin, at(soon, 5))["id"])
	far := num(w.activity(w.admin, func(b map[string]any) {
		at(later, 1)(b)
		b["community_id"], b["host_org_id"] = otherCommunity, num(org.Body["id"])
	})["id"])
	// The far one is full: its only seat is taken.
	alice, _ := w.resident("alice", "")
	act := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", far), "", nil)
	if r := w.register(alice, sessionID(act.Body, 0), nil, nil); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	ids := func(q string) []int64 {
		t.Helper()
		r := ta.do("GET", "/api/v1/activities?"+q, "", nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Raw)
		}
		var out []int64
		for _, it := range items(r) {
			out = append(out, num(it["id"]))
		}
		if int(num(r.Body["total"])) != len(out) {
			t.Fatalf("%s: total %v for %d items", q, r.Body["total"], len(out))
		}
		return out
	}
	if got := ids(""); len(got) != 2 {
		t.Fatalf("unfiltered: %v", got)
	}
	// has_seats follows a sign-up a moment after its commit (a store
	// goroutine refreshes it; documented): wait for it before the cases.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if got := ids("has_seats=true"); len(got) == 1 || time.Now().After(deadline) {
			break
		}
	}
	mid := soon.AddDate(0, 0, 5)
	cases := []struct {
		query string
		want  int64
	}{
		{fmt.Sprintf("community_id=%d", otherCommunity), far},
		{fmt.Sprintf("community=%d", otherCommunity), far},
		{fmt.Sprintf("community=%d", w.community), near},
		{"from=" + mid.Format("2006-01-02"), far},
		{"date_from=" + mid.Format("2006-01-02"), far},
		{"start_date=" + mid.Format("2006-01-02"), far},
		{"starts_after=" + rfc(mid), far},
		{"to=" + mid.Format("2006-01-02"), near},
		{"date_to=" + mid.Format("2006-01-02"), near},
		{"end_date=" + mid.Format("2006-01-02"), near},
		{"starts_before=" + rfc(mid), near},
		{"date_from=" + soon.Format("2006-01-02") + "&date_to=" + soon.Format("2006-01-02"), near},
		{"has_seats=true", near},
		{"available=true", near},
	}
	for _, c := range cases {
		if got := ids(c.query); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: got %v, want [%d]", c.query, got, c.want)
		}
	}
	// A bad value under any spelling is refused, not ignored.
	expectError(t, ta.do("GET", "/api/v1/activities?date_from=tomorrow", "", nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", "/api/v1/activities?community=x", "", nil), 400, "BAD_QUERY")
}

// GET /me/registrations shows "upcoming and past" (issue 3): the choice
// is ?scope=upcoming|past, and the same under when, filter or status;
// without one, both.
func TestMyRegistrationsScopeSpellings(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _, _, reg := w.signedUpForLecture("alice", "")
	// Cancelled: it is among the past ones.
	if c := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", reg), alice, nil); c.Status != 200 {
		t.Fatalf("cancel: %d %s", c.Status, c.Raw)
	}
	for _, q := range []string{"scope=past", "when=past", "filter=past", "status=past"} {
		it := items(ta.do("GET", "/api/v1/me/registrations?"+q, alice, nil))
		if len(it) != 1 || num(it[0]["id"]) != reg || it[0]["status"] != "cancelled" {
			t.Errorf("%s: %v", q, it)
		}
	}
	// Without a scope, upcoming and past together.
	if it := items(ta.do("GET", "/api/v1/me/registrations", alice, nil)); len(it) != 1 || num(it[0]["id"]) != reg {
		t.Errorf("no scope: %v", it)
	}
	for _, q := range []string{"scope=upcoming", "when=upcoming", "status=upcoming"} {
		if it := items(ta.do("GET", "/api/v1/me/registrations?"+q, alice, nil)); len(it) != 0 {
			t.Errorf("%s: %v", q, it)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/me/registrations?when=later", alice, nil), 400, "BAD_QUERY")
}
