package main

import (
	"fmt"
	"testing"
	"time"
)

// Claims (issue 5): "a volunteer claims hours ... staff approve (with the
// hours they grant)": a claim and a grant may be given in hours as well as
// in minutes.
func TestClaimAndGrantInHours(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, _, _ := w.resident("cl-vol", "周志愿", w.volS)
	w.shiftSessions(w.vol, -6*time.Hour) // the service took place
	c := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "hours": 1.5, "description": "在小区门口宣传垃圾分类"}), 201)
	if num(c.Body["minutes"]) != 90 {
		t.Fatalf("a claim of 1.5 hours: %s", c.Raw)
	}
	a := w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c.Body["id"])), w.staff, map[string]any{"hours": 1}), 200)
	if a.str("status") != "approved" || num(a.Body["granted_minutes"]) != 60 {
		t.Fatalf("a grant of 1 hour: %s", a.Raw)
	}
	me := w.must(ta.do("GET", "/api/v1/me/hours", volTok, nil), 200)
	if num(me.Body["total_minutes"]) != 60 {
		t.Fatalf("credited: %s", me.Raw)
	}
	// Minutes still work, and win when both are given; a length out of range is refused.
	c2 := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "minutes": 20, "hours": 5, "description": "整理宣传材料"}), 201)
	if num(c2.Body["minutes"]) != 20 {
		t.Fatalf("minutes win: %s", c2.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c2.Body["id"])), w.staff, map[string]any{"hours": 30}), 400, "INVALID_MINUTES")
	expectError(t, ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "hours": -1, "description": "x"}), 400, "INVALID_MINUTES")
}
