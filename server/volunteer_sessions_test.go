package main

import (
	"fmt"
	"testing"
	"time"
)

// TestAppointedVolunteerSessions: GET /me/volunteer-sessions lists the
// sessions staff appointed the caller to serve in (they did not sign up,
// so /me/registrations does not), latest first, with ended once the
// session is over; the volunteer claims hours for such a session; a
// withdrawn appointment is no longer listed, and nobody else sees them.
func TestAppointedVolunteerSessions(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, volID := ta.login("ck-appointed")
	otherTok, _ := ta.login("ck-other")
	for _, s := range []int64{w.clinicS1, w.volS} {
		w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", s), w.staff, map[string]any{"user_id": volID}), 201)
	}
	list := func(tok string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, x := range w.must(ta.do("GET", "/api/v1/me/volunteer-sessions", tok, nil), 200).Body["items"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	if got := list(volTok); len(got) != 2 {
		t.Fatalf("appointed to two sessions, listed %v", got)
	}
	if got := list(otherTok); len(got) != 0 {
		t.Fatalf("someone appointed nowhere sees %v", got)
	}
	if regs := w.must(ta.do("GET", "/api/v1/me/registrations", volTok, nil), 200).Body["items"].([]any); len(regs) != 0 {
		t.Fatalf("the appointed volunteer has registrations: %v", regs)
	}

	// The clinic's first session is over: listed first (latest start) and ended.
	w.shiftSessions(w.clinic, -5*time.Hour)
	got := list(volTok)
	if len(got) != 2 {
		t.Fatalf("after the session: %v", got)
	}
	var clinic map[string]any
	for _, x := range got {
		if num(x["session_id"]) == w.clinicS1 {
			clinic = x
		} else if x["ended"] != false || num(x["activity_id"]) != w.vol {
			t.Errorf("the session not over yet: %v", x)
		}
	}
	if clinic == nil || clinic["ended"] != true || num(clinic["activity_id"]) != w.clinic || clinic["activity_title"] != "健康义诊" ||
		clinic["activity_status"] != "published" || clinic["starts_at"] == nil || clinic["ends_at"] == nil {
		t.Fatalf("the ended session: %v", clinic)
	}
	if num(got[0]["session_id"]) != w.volS {
		t.Errorf("not latest first: %v", got)
	}
	c := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.clinic, "session_id": w.clinicS1,
		"minutes": 120, "description": "义诊现场引导老人排队"}), 201)
	if c.str("status") != "pending" {
		t.Errorf("claim: %s", c.Raw)
	}

	// A withdrawn appointment is gone from the list.
	w.must(ta.do("DELETE", fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers/%d", w.volS, volID), w.staff, nil), 204)
	if got := list(volTok); len(got) != 1 || num(got[0]["session_id"]) != w.clinicS1 {
		t.Errorf("after withdrawing one appointment: %v", got)
	}
}
