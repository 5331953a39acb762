package main

import (
	"fmt"
	"testing"
)

// TestConsolePersonRecord: the desk reads a person's service record (issue
// 17 point 5, hours: "a person's service record") as the person reads
// their own, if its people page lists the person: the district's admins
// everyone's, a community's staff their community's residents'; staff of
// another community are told there is no such person.
func TestConsolePersonRecord(t *testing.T) {
	w := newAuthzWorld(t)
	ta := w.ta
	tok, id := w.user("record-volunteer")
	c := w.must(ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"activity_id": w.past, "minutes": 60, "description": "引导居民"}), 201, "claim")
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c.Body["id"])), w.tok[admin], map[string]any{"minutes": 60}), 200, "approve")
	own := w.must(ta.do("GET", "/api/v1/me/hours/record", tok, nil), 200, "own record")

	path := fmt.Sprintf("/api/v1/console/people/%d/record", id)
	for _, p := range []int{admin, staffA} {
		r := w.must(ta.do("GET", path, w.tok[p], nil), 200, personaNames[p]+"'s view")
		es, _ := r.Body["entries"].([]any)
		if num(r.Body["total_minutes"]) != 60 || len(es) != 1 || r.str("record_number") != own.str("record_number") || r.str("name") != own.str("name") {
			t.Errorf("%s sees %s, the person %s", personaNames[p], r.Raw, own.Raw)
		}
		if _, ok := r.Body["next_cursor"]; !ok {
			t.Errorf("%s: next_cursor left out: %s", personaNames[p], r.Raw)
		}
	}
	expectError(t, ta.do("GET", path, w.tok[staffB], nil), 404, "USER_NOT_FOUND")
	expectError(t, ta.do("GET", path, w.tok[other], nil), 403, "FORBIDDEN")
	expectError(t, ta.do("GET", "/api/v1/console/people/999999999/record", w.tok[admin], nil), 404, "USER_NOT_FOUND")
	expectError(t, ta.do("GET", path+"?limit=0", w.tok[admin], nil), 400, "BAD_LIMIT")
	for _, p := range []int{orgStaff, unitA} {
		if r := ta.do("GET", path, w.tok[p], nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("%s: %d %s", personaNames[p], r.Status, r.Raw)
		}
	}
}
