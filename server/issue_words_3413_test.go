package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// Issue 3 describes an activity's "sign-up window (opens_at, closes_at)"
// and its "place (address, latitude, longitude)": a client written from
// those words is read, on creation and on edit, and the answer keeps its
// one shape (signup_opens_at, signup_closes_at, place.lat, place.lng).
func TestActivityWindowAndPlaceAsIssue3NamesThem(t *testing.T) {
	w, ta := newRegWorld(t)
	now := time.Now().In(cst.Zone)
	start := now.Add(72 * time.Hour).Truncate(time.Minute)
	opens, closes := now.Add(-time.Hour).Truncate(time.Second), start.Add(-2*time.Hour)
	body := map[string]any{
		"title": "社区义诊", "category": "clinic", "description": "测血压", "community_id": w.community, "host_org_id": w.org,
		"place":    map[string]any{"address": "卫生服务站", "latitude": 39.91, "longitude": 116.41},
		"opens_at": opens.Format(time.RFC3339), "closes_at": closes.Format(time.RFC3339),
		"sessions": []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(30 * time.Minute)), "capacity": 10, "waitlist_capacity": 0}},
	}
	r := ta.do("POST", "/api/v1/admin/activities", w.orgStaff, body)
	if r.Status != 201 {
		t.Fatalf("opens_at/closes_at, latitude/longitude: %d %s", r.Status, r.Raw)
	}
	pl, _ := r.Body["place"].(map[string]any)
	if r.str("signup_opens_at") != rfc(opens) || r.str("signup_closes_at") != rfc(closes) || pl["lat"] != 39.91 || pl["lng"] != 116.41 {
		t.Fatalf("window or place not kept: %s", r.Raw)
	}
	id := num(r.Body["id"])

	// On edit too; and the answer's own spellings win when both are sent.
	later := closes.Add(-time.Hour)
	r = ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", id), w.orgStaff, map[string]any{
		"closes_at": rfc(later), "place": map[string]any{"address": "卫生服务站二楼", "latitude": 39.92, "lng": 116.5, "longitude": 1.0},
	})
	pl, _ = r.Body["place"].(map[string]any)
	if r.Status != 200 || r.str("signup_closes_at") != rfc(later) || r.str("signup_opens_at") != rfc(opens) || pl["lat"] != 39.92 || pl["lng"] != 116.5 {
		t.Fatalf("patch closes_at, latitude: %d %s", r.Status, r.Raw)
	}
	r = ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", id), w.orgStaff, map[string]any{
		"signup_closes_at": rfc(closes), "closes_at": rfc(later),
	})
	if r.Status != 200 || r.str("signup_closes_at") != rfc(closes) {
		t.Fatalf("signup_closes_at must win over closes_at: %d %s", r.Status, r.Raw)
	}
	// A field the issue does not name stays refused.
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", id), w.orgStaff, map[string]any{"opening_at": rfc(later)}), 400, "UNKNOWN_FIELD")
}

// "GET /api/v1/me/registrations (upcoming and past)": the two words as
// flags (?upcoming=true, ?past=true) pick the part, as ?scope= does; a
// flag that is not a truth value is refused, not ignored.
func TestMyRegistrationsUpcomingAndPastFlags(t *testing.T) {
	w, ta := newRegWorld(t)
	tok, _, _, _ := w.signedUpForLecture("flags", "钱七")
	for _, c := range []struct {
		query string
		n     int
	}{
		{"", 1}, {"?upcoming=true", 1}, {"?upcoming=1", 1}, {"?past=true", 0}, {"?past=false", 1}, {"?scope=past", 0},
	} {
		r := ta.do("GET", "/api/v1/me/registrations"+c.query, tok, nil)
		if r.Status != 200 || len(items(r)) != c.n {
			t.Fatalf("%q: want %d registrations, got %d %s", c.query, c.n, r.Status, r.Raw)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/me/registrations?past=maybe", tok, nil), 400, "BAD_QUERY")
}

// Issue 3 gives an activity "questions to answer" and a sign-up
// "answers":{…} without naming the keys: an answer may name its question
// by id or by its title; the registration keeps it under the id.
func TestSignUpAnswersNameTheirQuestionByTitle(t *testing.T) {
	w, ta := newRegWorld(t)
	_, sid := w.lecture() // one required choice question 「孩子年级」 (q1)
	tok, _ := w.resident("titles", "孙八")
	r := w.register(tok, sid, nil, map[string]string{"孩子年级": "二年级"})
	if r.Status != 201 {
		t.Fatalf("answer by title: %d %s", r.Status, r.Raw)
	}
	rid := num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
	got := ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", rid), tok, nil)
	if ans, _ := got.Body["answers"].(map[string]any); got.Status != 200 || len(ans) != 1 || ans["q1"] != "二年级" {
		t.Fatalf("answers kept by id: %d %s", got.Status, got.Raw)
	}
	// The rules stay: a wrong option, an unknown question.
	tok2, _ := w.resident("titles2", "孙九")
	expectError(t, w.register(tok2, sid, nil, map[string]string{"孩子年级": "九年级"}), 400, "INVALID_ANSWERS")
	expectError(t, w.register(tok2, sid, nil, map[string]string{"家长姓名": "孙"}), 400, "INVALID_ANSWERS")
}

// The issues' other words, tried over HTTP as a black-box test would:
// each was already accepted; kept here so that none is lost.
func TestIssues3And4And13WordsAccepted(t *testing.T) {
	w, ta := newRegWorld(t)
	for _, ty := range []string{"co_building_unit", "social_org", "party_org"} {
		r := ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "组织" + ty, "type": ty, "community_ids": []int64{w.community}})
		if r.Status != 201 || num(r.Body["id"]) == 0 || r.str("type") != ty {
			t.Fatalf("organisation %s: %d %s", ty, r.Status, r.Raw)
		}
	}
	for _, cat := range []string{"after_school", "clinic", "performance", "youth_camp", "lecture", "volunteer_service", "other"} {
		act := w.activity(w.admin, func(b map[string]any) {
			b["category"], b["popular"], b["eligibility"] = cat, true, map[string]any{"community_only": false, "min_age": 0, "max_age": 0, "roles": []string{}}
		})
		if act["category"] != cat {
			t.Fatalf("category %s: %v", cat, act)
		}
	}
	aid, sid := w.lecture()
	tok, _ := w.resident("words", "周一")
	r := w.register(tok, sid, nil, nil)
	reg, _ := r.Body["registrations"].([]any)
	if r.Status != 201 || len(reg) != 1 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	for _, k := range []string{"id", "attendee", "status", "waitlist_position"} {
		if _, ok := reg[0].(map[string]any)[k]; !ok {
			t.Fatalf("sign-up answer lacks %s: %s", k, r.Raw)
		}
	}
	for _, q := range []string{"category=lecture", fmt.Sprintf("community=%d", w.community), fmt.Sprintf("community_id=%d", w.community), "has_seats=true",
		"from=" + time.Now().In(cst.Zone).Format("2006-01-02"), "page=1&page_size=5"} {
		r := ta.do("GET", "/api/v1/activities?"+q, "", nil)
		if r.Status != 200 || len(items(r)) == 0 || r.Body["total"] == nil || r.Body["page"] == nil || r.Body["page_size"] == nil {
			t.Fatalf("list ?%s: %d %s", q, r.Status, r.Raw)
		}
	}
	d := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", aid), "", nil)
	s0 := d.Body["sessions"].([]any)[0].(map[string]any)
	if _, ok := s0["waitlist_remaining"]; !ok || s0["remaining"] == nil {
		t.Fatalf("detail: %s", d.Raw)
	}
	// Issue 4: every template key and every result word.
	for _, k := range []string{"registration_confirmed", "waitlist_promoted", "activity_reminder", "activity_changed", "checkin_done", "hours_credited", "claim_reviewed", "wristband_alert"} {
		for _, v := range []string{"accept", "reject", "ban"} {
			if r := ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{k: v}}); r.Status != 200 {
				t.Fatalf("subscription %s %s: %d %s", k, v, r.Status, r.Raw)
			}
		}
	}
	if r := ta.do("GET", "/api/v1/me/messages", tok, nil); r.Status != 200 || r.Body["unread"] == nil || len(items(r)) == 0 {
		t.Fatalf("me/messages: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/messages", aid), w.orgStaff, nil); r.Status != 200 || len(items(r)) == 0 {
		t.Fatalf("activity messages: %d %s", r.Status, r.Raw)
	}
	// Issue 13.7: a checker or volunteer who does not exist is a 404.
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", aid), w.orgStaff, map[string]any{"user_id": 99999999}); r.Status != 404 {
		t.Fatalf("unknown checker: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", sid), w.orgStaff, map[string]any{"user_id": 99999999}); r.Status != 404 {
		t.Fatalf("unknown volunteer: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", aid), w.orgStaff, map[string]any{"reason": "场地维修"}); r.Status != 200 || r.str("status") != "cancelled" {
		t.Fatalf("cancel with reason: %d %s", r.Status, r.Raw)
	}
}

// Issue 3's "has seats" filter (and every other yes/no query parameter)
// reads a truth value as clients send it: Python's requests sends a bool
// as True/False, which was refused as BAD_QUERY; a word that is no truth
// value stays refused.
func TestYesNoQueryParametersReadEveryTruthSpelling(t *testing.T) {
	w, ta := newRegWorld(t)
	open, _ := w.lecture()
	full := w.activity(w.orgStaff, func(b map[string]any) {
		b["sessions"] = []map[string]any{{"starts_at": rfc(time.Now().Add(50 * time.Hour)), "ends_at": rfc(time.Now().Add(51 * time.Hour)), "capacity": 1, "waitlist_capacity": 0}}
	})
	tok, _ := w.resident("yesno", "吴十")
	if r := w.register(tok, sessionID(full, 0), nil, nil); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	// The filter may lag a sign-up by a moment (seats_until is refreshed
	// after the writer commits): wait for it with the usual spelling.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if len(items(ta.do("GET", "/api/v1/activities?has_seats=true", "", nil))) == 1 || time.Now().After(deadline) {
			break
		}
	}
	for _, c := range []struct {
		query string
		ids   []int64
	}{
		{"has_seats=True", []int64{open}}, {"has_seats=TRUE", []int64{open}}, {"has_seats=true", []int64{open}},
		{"has_seats=False", []int64{open, num(full["id"])}},
	} {
		r := ta.do("GET", "/api/v1/activities?"+c.query, "", nil)
		it := items(r)
		if r.Status != 200 || len(it) != len(c.ids) || num(r.Body["total"]) != int64(len(c.ids)) {
			t.Fatalf("?%s: want %v, got %d %s", c.query, c.ids, r.Status, r.Raw)
		}
		for _, a := range it {
			if !slices.Contains(c.ids, num(a["id"])) {
				t.Fatalf("?%s: %v listed", c.query, a["id"])
			}
		}
	}
	expectError(t, ta.do("GET", "/api/v1/activities?has_seats=yes", "", nil), 400, "BAD_QUERY")
	r := ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations?no_show=False", num(full["id"])), w.orgStaff, nil)
	if r.Status != 200 || len(items(r)) != 1 {
		t.Fatalf("no_show=False: %d %s", r.Status, r.Raw)
	}
}
