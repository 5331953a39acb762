package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// sessionOf finds the session id in an activity answer.
func sessionOf(t *testing.T, r resp, id int64) map[string]any {
	t.Helper()
	for _, x := range r.Body["sessions"].([]any) {
		if s := x.(map[string]any); num(s["id"]) == id {
			return s
		}
	}
	t.Fatalf("session %d not in %s", id, r.Raw)
	return nil
}

// Staff cancel one session of an activity (issue 3) by any of the three
// spellings: its registrations are cancelled with the reason and each
// resident is told, the session shows cancelled with no place left,
// sign-ups and changes are refused, a second cancellation changes nothing,
// and a session under way is not cancelled.
func TestSessionCancel(t *testing.T) {
	w, ta := newRegWorld(t)
	two := func(b map[string]any) {
		start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
		b["sessions"] = []map[string]any{
			{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 1, "waitlist_capacity": 1},
			{"starts_at": rfc(start.Add(24 * time.Hour)), "ends_at": rfc(start.Add(25 * time.Hour)), "capacity": 5, "waitlist_capacity": 1},
		}
	}
	act := w.activity(w.orgStaff, two)
	aid, s1, s2 := num(act["id"]), sessionID(act, 0), sessionID(act, 1)
	alice, aliceID := w.resident("alice", "王丽")
	bob, bobID := w.resident("bob", "李强")
	carol, _ := w.resident("carol", "")
	for _, tok := range []string{alice, bob} {
		if r := w.register(tok, s1, nil, nil); r.Status != 201 {
			t.Fatalf("register: %s", r.Raw)
		}
	}
	if r := w.register(carol, s2, nil, nil); r.Status != 201 {
		t.Fatalf("register: %s", r.Raw)
	}
	var told0 int64
	ta.app.db.G.Table("outbox").Where("user_id IN ? AND template_key = ?", []int64{aliceID, bobID}, "activity_changed").Count(&told0)

	// Staff of another organisation (and residents) cannot cancel it.
	otherOrg := ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "区文化馆", "type": "co_building_unit", "community_ids": []int64{w.community}})
	other, _ := ta.login("otherstaff")
	ta.grant("otherstaff", resident.RoleChange{Role: "staff", OrgID: num(otherOrg.Body["id"])})
	cancelPath := fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", aid, s1)
	expectError(t, ta.do("POST", cancelPath, other, map[string]string{"reason": "场地检修"}), 404, "ACTIVITY_NOT_FOUND")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/cancel", s1), other, map[string]string{"reason": "场地检修"}), 404, "ACTIVITY_NOT_FOUND")
	expectError(t, ta.do("POST", cancelPath, alice, map[string]string{"reason": "场地检修"}), 403, "FORBIDDEN")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", aid, s1+1000), w.orgStaff, nil), 404, "SESSION_NOT_FOUND")
	expectError(t, ta.do("POST", cancelPath, w.orgStaff, map[string]string{"reason": strings.Repeat("长", 201)}), 400, "REASON_REQUIRED")

	r := ta.do("POST", cancelPath, w.orgStaff, map[string]string{"reason": "场地检修"})
	if r.Status != 200 || r.str("status") != "published" {
		t.Fatalf("cancel session: %d %s", r.Status, r.Raw)
	}
	s := sessionOf(t, r, s1)
	if s["status"] != "cancelled" || s["cancel_reason"] != "场地检修" || s["cancelled_at"] == nil || num(s["remaining"]) != 0 ||
		num(s["waitlist_remaining"]) != 0 || num(s["confirmed"]) != 0 || num(s["waitlisted"]) != 0 {
		t.Fatalf("cancelled session: %v", s)
	}
	if o := sessionOf(t, r, s2); o["status"] != "open" || num(o["confirmed"]) != 1 {
		t.Fatalf("the other session goes on: %v", o)
	}
	// Each resident is told, and sees the registration cancelled with the reason.
	var told int64
	ta.app.db.G.Table("outbox").Where("user_id IN ? AND template_key = ?", []int64{aliceID, bobID}, "activity_changed").Count(&told)
	if told-told0 != 2 {
		t.Fatalf("alice and bob must be told: %d", told-told0)
	}
	for _, tok := range []string{alice, bob} {
		mine := ta.do("GET", "/api/v1/me/registrations?status=cancelled", tok, nil)
		if !strings.Contains(string(mine.Raw), `"cancel_reason":"场地检修"`) || strings.Contains(string(mine.Raw), `"status":"confirmed"`) {
			t.Fatalf("my registrations: %s", mine.Raw)
		}
	}
	var live int64
	ta.app.db.G.Table("registrations").Where("session_id = ? AND status IN ?", s1, []string{"confirmed", "waitlisted"}).Count(&live)
	if live != 0 {
		t.Fatalf("%d live registrations in the cancelled session", live)
	}
	// The public detail and list show it cancelled.
	pub := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", aid), carol, nil)
	if ps := sessionOf(t, pub, s1); ps["status"] != "cancelled" || num(ps["remaining"]) != 0 {
		t.Fatalf("public detail: %s", pub.Raw)
	}
	if num(pub.Body["remaining"]) != 4 {
		t.Fatalf("the activity's places count the open session only: %s", pub.Raw)
	}

	// Afterwards: sign-up and changes refused, a second cancellation is a no-op.
	expectError(t, w.register(carol, s1, nil, nil), 409, "SESSION_CANCELLED")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", aid), w.orgStaff,
		map[string]any{"session_id": s1, "user_id": aliceID, "reason": "电话报名"}), 409, "SESSION_CANCELLED")
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", aid, s1), w.orgStaff, map[string]int{"capacity": 3}), 409, "SESSION_CANCELLED")
	outbox := ta.count("outbox")
	var audited int64
	ta.app.db.G.Table("audit_log").Where("action = ?", "session.cancel").Count(&audited)
	if audited != 1 {
		t.Fatalf("audit entries of session.cancel: %d", audited)
	}
	for _, again := range []resp{
		ta.do("DELETE", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d?reason=%s", aid, s1, "again"), w.cStaf, nil),
		ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/cancel", s1), w.admin, map[string]string{"reason": "再取消一次"}),
	} {
		if again.Status != 200 || sessionOf(t, again, s1)["cancel_reason"] != "场地检修" {
			t.Fatalf("cancel again: %d %s", again.Status, again.Raw)
		}
	}
	if n := ta.count("outbox"); n != outbox {
		t.Fatalf("a second cancellation wrote %d notices", n-outbox)
	}
	if ta.app.db.G.Table("audit_log").Where("action = ?", "session.cancel").Count(&audited); audited != 1 {
		t.Fatalf("a second cancellation was recorded: %d entries", audited)
	}
	// Check-in into the cancelled session: no rotating code.
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", s1), w.cStaf, nil), 409, "SESSION_CANCELLED")

	// A session under way is not cancelled (DELETE, no body, by the
	// community's staff), nor is a draft's refused.
	ta.app.db.G.Exec("UPDATE sessions SET starts_at = ? WHERE id = ?", time.Now().Add(-time.Minute), s2)
	expectError(t, ta.do("DELETE", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", aid, s2), w.cStaf, nil), 409, "SESSION_STARTED")
	draft := ta.do("POST", "/api/v1/admin/activities", w.orgStaff, map[string]any{
		"title": "草稿", "category": "lecture", "description": "x", "community_id": w.community, "host_org_id": w.org,
		"place": map[string]any{"address": "活动室"}, "signup_opens_at": rfc(time.Now()), "signup_closes_at": rfc(time.Now().Add(47 * time.Hour)),
		"sessions": []map[string]any{{"starts_at": rfc(time.Now().Add(48 * time.Hour).Truncate(time.Minute)), "ends_at": rfc(time.Now().Add(49 * time.Hour).Truncate(time.Minute)), "capacity": 3}},
	})
	if draft.Status != 201 {
		t.Fatalf("draft: %s", draft.Raw)
	}
	d := ta.do("DELETE", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", num(draft.Body["id"]), sessionID(draft.Body, 0)), w.orgStaff, nil)
	if d.Status != 200 || d.str("status") != "draft" || sessionOf(t, d, sessionID(draft.Body, 0))["status"] != "cancelled" {
		t.Fatalf("cancel a draft's session: %d %s", d.Status, d.Raw)
	}
}

// Sign-ups racing the cancellation of their session over HTTP: whatever
// the order, no registration is left live in the cancelled session and the
// quota (Redis) agrees with MySQL.
func TestSessionCancelRacingSignUps(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.orgStaff, func(b map[string]any) {
		start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
		b["sessions"] = []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 60, "waitlist_capacity": 60}}
		b["per_account_limit"] = 1
	})
	aid, sid := num(act["id"]), sessionID(act, 0)
	toks := make([]string, 100)
	for i := range toks {
		toks[i], _ = w.resident(fmt.Sprintf("racer%d", i), "")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	start := make(chan struct{})
	for _, tok := range toks {
		wg.Go(func() {
			<-start
			r := w.register(tok, sid, nil, nil)
			c := fmt.Sprint(r.Status)
			if r.Status >= 300 {
				c = r.str("code")
			}
			mu.Lock()
			answers[c]++
			mu.Unlock()
		})
	}
	close(start)
	time.Sleep(20 * time.Millisecond)
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", aid, sid), w.orgStaff, map[string]string{"reason": "场地检修"}); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	wg.Wait()
	t.Logf("answers: %v", answers)
	for c := range answers {
		if c != "201" && c != "SESSION_CANCELLED" && c != "QUOTA_FULL" && c != "RATE_LIMITED" {
			t.Fatalf("unexpected answers: %v", answers)
		}
	}
	var live int64
	ta.app.db.G.Table("registrations").Where("session_id = ? AND status IN ?", sid, []string{"confirmed", "waitlisted"}).Count(&live)
	if live != 0 {
		t.Fatalf("%d live registrations in the cancelled session (answers %v)", live, answers)
	}
	d := ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.orgStaff, nil)
	if s := sessionOf(t, d, sid); num(s["confirmed"]) != 0 || num(s["waitlisted"]) != 0 || num(s["remaining"]) != 0 || s["status"] != "cancelled" {
		t.Fatalf("after the race: %v", s)
	}
	rec := ta.do("POST", "/api/v1/admin/quota/reconcile", w.admin, nil)
	if rec.Status != 200 || num(rec.Body["drift"]) != 0 || num(rec.Body["seats"]) != 0 {
		t.Fatalf("Redis and MySQL disagree: %s", rec.Raw)
	}
}

// Nobody checks into a cancelled session: its tickets are revoked, its
// rotating code is no longer given, and a code taken before (by a volunteer
// appointed to it, who has no registration to lose) is refused.
func TestSessionCancelStopsCheckIn(t *testing.T) {
	w, ta := newCkWorld(t)
	regTok, _, reg := w.resident("sc-resident", "赵敏", w.volS)
	ticket := w.ticket(regTok, reg)
	volTok, volID := ta.login("sc-vol")
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", w.volS), w.staff, map[string]any{"user_id": volID}); r.Status >= 300 {
		t.Fatalf("appoint: %d %s", r.Status, r.Raw)
	}
	code := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), w.staff, nil), 200).str("code")

	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/cancel", w.volS), w.staff, map[string]string{"reason": "暴雨预警"}), 200)
	expectError(t, ta.do("POST", "/api/v1/checkins", w.staff, scanBody(ticket, "sc-1")), 422, "REVOKED")
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), w.staff, nil), 409, "SESSION_CANCELLED")
	expectError(t, ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "in"}), 409, "SESSION_CANCELLED")
}
