package main

import (
	"fmt"
	"testing"
)

// Self check-in (issue 5): "the mini-program sends the code and the
// phone's location", and checks out "the same way". The location may come
// as wx.getLocation gives it (latitude/longitude) or nested under
// location; the action as in/out or checkin/check_out and the like, and
// none is a check-in.
func TestSelfCheckinRequestSpellings(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, _, _ := w.resident("sp-vol", "周志愿", w.volS)
	code := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), w.staff, nil), 200).str("code")
	steps := []struct {
		body   map[string]any
		action string
	}{
		{map[string]any{"code": code, "latitude": 31.2305, "longitude": 121.4737}, "in"},
		{map[string]any{"code": code, "location": map[string]any{"lat": 31.2305, "lng": 121.4737}, "action": "check_out"}, "out"},
		{map[string]any{"code": code, "location": map[string]any{"latitude": 31.2305, "longitude": 121.4737}, "action": "checkin"}, "in"},
		{map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "CHECK-OUT"}, "out"},
		{map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "check_in"}, "in"},
		{map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "checkout"}, "out"},
	}
	for i, s := range steps {
		r := ta.do("POST", "/api/v1/self-checkins", volTok, s.body)
		if r.Status != 200 || r.str("action") != s.action || num(r.Body["session_id"]) != w.volS {
			t.Fatalf("step %d %v: %d %s", i, s.body, r.Status, r.Raw)
		}
	}
	expectError(t, ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "sideways"}), 400, "BAD_ACTION")
	expectError(t, ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": code, "latitude": 31.2305}), 400, "BAD_LOCATION")
	expectError(t, ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": code, "location": map[string]any{"lat": 31.2305}}), 400, "BAD_LOCATION")
}
