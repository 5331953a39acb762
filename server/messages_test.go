package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/testenv"
)

// An unsupported method answers 405 with Allow and the error body.
func TestMethodNotAllowedCarriesAllow(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("method-resident")
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/activities", "GET"},
		{"PUT", "/api/v1/me", "PATCH"},
		{"GET", "/api/v1/uploads", "POST"},
	} {
		r := ta.do(c.method, c.path, tok, nil)
		expectError(t, r, 405, "METHOD_NOT_ALLOWED")
		if allow := r.Header.Get("Allow"); !strings.Contains(allow, c.allow) || strings.Contains(allow, c.method) {
			t.Errorf("%s %s: Allow %q, want it to list %s", c.method, c.path, allow, c.allow)
		}
	}
}

// A resident without a real name is shown to staff as their nickname
// marked 「（未实名）」, or 「未实名居民」 without a nickname either.
func TestResidentNameShownTheSameWay(t *testing.T) {
	w, ta := newCkWorld(t)
	named, _ := ta.login("name-real")
	w.must(ta.do("PATCH", "/api/v1/me", named, map[string]any{"real_name": "钱多多", "nickname": "多多"}), 200)
	nick, _ := ta.login("name-nick")
	w.must(ta.do("PATCH", "/api/v1/me", nick, map[string]any{"nickname": "小明"}), 200)
	none, _ := ta.login("name-none")
	for _, tok := range []string{named, nick, none} {
		w.must(ta.do("POST", "/api/v1/registrations", tok, map[string]any{"session_id": w.clinicS1, "attendees": []map[string]any{{"self": true}}},
			"Idempotency-Key", testenv.RandomName("k")), 201)
	}
	list := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", w.clinic), w.staff, nil), 200)
	got := map[string]bool{}
	for _, it := range items(list) {
		got[it["attendee"].(map[string]any)["name"].(string)] = true
	}
	// Staff see names masked; the marks stay readable.
	for _, want := range []string{"钱**", "小*（未实名）", "未实名居民"} {
		if !got[want] {
			t.Errorf("staff list names %v, want %q among them", got, want)
		}
	}
}

// A claim for a cancelled activity says so (it said 「活动还没有开始」).
func TestClaimForCancelledActivity(t *testing.T) {
	w, ta := newCkWorld(t)
	tok, _ := ta.login("claim-cancelled")
	act, _, _ := w.activity("社区清扫", "volunteer_service", w.start)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", act), w.staff, map[string]string{"reason": "下雨"}), 200)
	r := ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"activity_id": act, "minutes": 60, "description": "打扫楼道"})
	expectError(t, r, 422, "CLAIM_ACTIVITY_CANCELLED")
}

// Issue 13 point 2 speaks of claiming "the same session": a claim naming
// only its session_id is read as that session's activity (it was 400
// ACTIVITY_REQUIRED), checked like any other claim (a session already
// credited is refused as with activity_id); an unknown session is 404.
func TestClaimBySessionAlone(t *testing.T) {
	w, ta := newCkWorld(t)
	tok, _ := ta.login("claim-by-session")
	w.shiftSessions(w.vol, -4*time.Hour) // the 3-hour session is over
	body := map[string]any{"session_id": w.volS, "minutes": 60, "description": "分类宣传"}
	r := w.must(ta.do("POST", "/api/v1/hours/claims", tok, body), 201)
	if num(r.Body["activity_id"]) != w.vol || num(r.Body["session_id"]) != w.volS {
		t.Fatalf("claim by session: %s", r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/hours/claims", tok, body), 409, "CLAIM_PENDING")
	expectError(t, ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"session_id": 987654321, "minutes": 60, "description": "分类宣传"}), 404, "SESSION_NOT_FOUND")
	expectError(t, ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"minutes": 60, "description": "分类宣传"}), 400, "ACTIVITY_REQUIRED")
}

// A wrong type is named in details by the field the body gave: fields of
// a handler's embedded part were named through its Go type
// (claimedTime.minutes, selfLocation.lat).
func TestBadFieldNamedAsSent(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("bad-field")
	for _, c := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/hours/claims", map[string]any{"session_id": 1, "minutes": "ten", "description": "打扫楼道"}, "minutes"},
		{"/api/v1/hours/claims", map[string]any{"session_id": 1, "hours": "x", "description": "打扫楼道"}, "hours"},
		{"/api/v1/self-checkins", map[string]any{"code": "x", "lat": "north", "lng": 116.4}, "lat"},
		{"/api/v1/self-checkins", map[string]any{"code": "x", "location": map[string]any{"lat": "north", "lng": 116.4}}, "location.lat"},
	} {
		r := ta.do("POST", c.path, tok, c.body)
		expectError(t, r, 400, "BAD_FIELD")
		if d, _ := r.Body["details"].(map[string]any); d == nil || d["field"] != c.field {
			t.Errorf("%s %v: details %v, want field %q", c.path, c.body, r.Body["details"], c.field)
		}
	}
}
