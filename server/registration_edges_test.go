package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/testenv"
)

// checkedInPair is two residents signed up for the clinic's first
// session: alice, checked in by a checker the staff appointed, and bob,
// not checked in.
type checkedInPair struct {
	aliceTok, alice, checkerTok string // alice is her ticket
	aliceReg, bobID, bobReg     int64
}

// oneCheckedIn signs up alice and bob (users named prefix-alice, …) and
// checks alice in.
func (w *ckWorld) oneCheckedIn(prefix string) checkedInPair {
	w.ta.t.Helper()
	var c checkedInPair
	c.aliceTok, _, c.aliceReg = w.resident(prefix+"-alice", "张小花", w.clinicS1)
	_, c.bobID, c.bobReg = w.resident(prefix+"-bob", "李大壮", w.clinicS1)
	c.alice = w.ticket(c.aliceTok, c.aliceReg)
	c.checkerTok = w.clinicChecker(prefix + "-checker")
	w.must(w.ta.do("POST", "/api/v1/checkins", c.checkerTok, scanBody(c.alice, prefix+"-n1")), 200)
	return c
}

// A checked-in attendance happened: staff cannot remove it and the resident
// cannot cancel it (409 REGISTRATION_CHECKED_IN); it stays confirmed and
// its ticket never enters the check-in kit's revoked list.
func TestRemovingACheckedInRegistrationIsRefused(t *testing.T) {
	w, ta := newCkWorld(t)
	c := w.oneCheckedIn("edge")
	aliceTok, aliceReg, bobReg, alice, checkerTok := c.aliceTok, c.aliceReg, c.bobReg, c.alice, c.checkerTok

	r := ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", aliceReg), w.staff, map[string]any{"reason": "名单调整"})
	expectError(t, r, 409, "REGISTRATION_CHECKED_IN")
	if d, _ := r.Body["details"].(map[string]any); d["checked_in_at"] == nil {
		t.Fatalf("the refusal says when the attendee was checked in: %s", r.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", aliceReg), aliceTok, nil), 409, "REGISTRATION_CHECKED_IN")
	var status string
	if err := ta.app.db.G.Table("registrations").Select("status").Where("id = ?", aliceReg).Scan(&status).Error; err != nil || status != "confirmed" {
		t.Fatalf("checked-in registration is %q (%v), want confirmed", status, err)
	}
	kit := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d/checkin-kit", w.clinic), checkerTok, nil), 200)
	for _, rv := range kit.Body["revoked"].([]any) {
		if rv == alice {
			t.Fatalf("the checked-in ticket is listed as revoked")
		}
	}
	// Someone not checked in is still removed as before.
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", bobReg), w.staff, map[string]any{"reason": "名单调整"}), 200)
}

// Cancelling a whole activity cancels the registrations not checked in yet
// and tells those residents; one already checked in stays confirmed (the
// attendance happened), as removing it alone is refused.
func TestCancellingAnActivityKeepsCheckedInAttendance(t *testing.T) {
	w, ta := newCkWorld(t)
	c := w.oneCheckedIn("cx")
	aliceReg, bobID, bobReg := c.aliceReg, c.bobID, c.bobReg

	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", w.clinic), w.staff, map[string]any{"reason": "场地维修"}), 200)
	status := func(id int64) string {
		var s string
		if err := ta.app.db.G.Table("registrations").Select("status").Where("id = ?", id).Scan(&s).Error; err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := status(aliceReg); got != "confirmed" {
		t.Fatalf("the checked-in registration is %q after the activity was cancelled, want confirmed", got)
	}
	if got := status(bobReg); got != "cancelled" {
		t.Fatalf("the registration not checked in is %q, want cancelled", got)
	}
	var told []int64
	if err := ta.app.db.G.Table("outbox").Where("dedup_key LIKE ?", "reg:%:cancelled%").Pluck("user_id", &told).Error; err != nil {
		t.Fatal(err)
	}
	if len(told) != 1 || told[0] != bobID {
		t.Fatalf("cancellation notices to %v, want only the resident not checked in (%d)", told, bobID)
	}
}

// A sign-up after the cancellation deadline is refused until the resident
// confirms they know it cannot be cancelled (422 CANCEL_DEADLINE_CONFIRM
// with the deadline); the same request with accept_no_cancel is accepted;
// before the deadline nothing is asked.
func TestSignupAfterCancelDeadlineIsConfirmedFirst(t *testing.T) {
	w, ta := newCkWorld(t)
	// Starts in 30 minutes, cancellations close 60 minutes before: passed.
	start := w.start
	act := w.must(ta.do("POST", "/api/v1/admin/activities", w.staff, map[string]any{
		"title": "社区读书会", "category": "lecture", "description": "读书", "community_id": w.community, "host_org_id": w.org,
		"place": ckPlace, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": start, "cancel_deadline_minutes": 60,
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(time.Hour), "capacity": 10}}}), 201)
	aid := num(act.Body["id"])
	sid := sessionID(act.Body, 0)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), w.staff, nil), 200)

	tok, _ := ta.login("edge-late")
	key := testenv.RandomName("k")
	body := map[string]any{"session_id": sid, "attendees": []map[string]any{{"self": true}}}
	r := ta.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", key)
	expectError(t, r, 422, "CANCEL_DEADLINE_CONFIRM")
	d, _ := r.Body["details"].(map[string]any)
	deadline, err := time.Parse(time.RFC3339, fmt.Sprint(d["deadline"]))
	if err != nil || !deadline.Equal(start.Add(-time.Hour)) {
		t.Fatalf("deadline in the answer: %v (%v), want %v", d["deadline"], err, start.Add(-time.Hour))
	}
	// The answer names the field to resend the sign-up with.
	if d["field"] != "accept_no_cancel" {
		t.Fatalf("details name no field to resend with: %s", r.Raw)
	}
	var n int64
	ta.app.db.G.Table("registrations").Where("activity_id = ?", aid).Count(&n)
	if n != 0 {
		t.Fatalf("%d registrations written before the resident confirmed", n)
	}
	body["accept_no_cancel"] = true
	reg := w.must(ta.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", key), 201)
	regID := num(reg.Body["registrations"].([]any)[0].(map[string]any)["id"])
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", regID), tok, nil), 422, "CANCEL_DEADLINE_PASSED")

	// Before the deadline (the clinic has none) nothing is asked.
	tok2, _ := ta.login("edge-early")
	w.must(ta.do("POST", "/api/v1/registrations", tok2, map[string]any{"session_id": w.clinicS2, "attendees": []map[string]any{{"self": true}}},
		"Idempotency-Key", testenv.RandomName("k")), 201)
}
