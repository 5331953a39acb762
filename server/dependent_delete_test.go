package main

import (
	"fmt"
	"testing"
	"time"
)

// Removing a family member ends what hangs on them: their upcoming
// registration is cancelled (the waitlist promoted, the resident told, the
// ticket revoked), their wristband binding ends (kept as history, the open
// SOS alarm closed); the answer lists what was released.
func TestDeletingADependentCancelsAndUnbinds(t *testing.T) {
	w := newWristbandApp(t)
	community := w.community("阳光社区")
	org := w.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "区青少年宫", "type": "co_building_unit", "community_ids": []int64{community}})
	if org.Status != 201 {
		t.Fatalf("org: %d %s", org.Status, org.Raw)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	act := w.do("POST", "/api/v1/admin/activities", w.admin, map[string]any{
		"title": "老年健康讲座", "category": "lecture", "description": "讲座", "community_id": community, "host_org_id": num(org.Body["id"]),
		"place": map[string]any{"address": "阳光社区活动室"}, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": start.Add(-time.Hour),
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(time.Hour), "capacity": 1, "waitlist_capacity": 2}}})
	if act.Status != 201 {
		t.Fatalf("activity: %d %s", act.Status, act.Raw)
	}
	aid, sid := num(act.Body["id"]), sessionID(act.Body, 0)
	if r := w.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), w.admin, nil); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Raw)
	}
	son, sonID := w.resident("王小明", community)
	grandma := w.dependent(son, "王奶奶")
	other, otherID := w.resident("李阿姨", community)
	signup := func(tok string, attendee map[string]any) int64 {
		r := w.do("POST", "/api/v1/registrations", tok, map[string]any{"session_id": sid, "attendees": []map[string]any{attendee}}, "Idempotency-Key", fmt.Sprintf("dd-%d", w.seq.Add(1)))
		if r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
	}
	grandmaReg := signup(son, map[string]any{"dependent_id": grandma})
	otherReg := signup(other, map[string]any{"self": true}) // waitlisted
	imei := w.device()
	band := w.bind(son, imei, map[string]any{"dependent_id": grandma})
	w.push(imei, "sos", nil)

	r := w.do("DELETE", fmt.Sprintf("/api/v1/me/dependents/%d", grandma), son, nil)
	if r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	rel := r.Body["released"].(map[string]any)
	regs, bands := rel["registrations"].([]any), rel["wristbands"].([]any)
	if len(regs) != 1 || num(regs[0].(map[string]any)["id"]) != grandmaReg || regs[0].(map[string]any)["status_was"] != "confirmed" {
		t.Fatalf("released registrations: %s", r.Raw)
	}
	if len(bands) != 1 || num(bands[0].(map[string]any)["alarms_closed"]) != 1 {
		t.Fatalf("released wristbands: %s", r.Raw)
	}

	status := func(id int64) string {
		var s string
		w.app.db.G.Table("registrations").Select("status").Where("id = ?", id).Scan(&s)
		return s
	}
	if status(grandmaReg) != "cancelled" || status(otherReg) != "confirmed" {
		t.Fatalf("after delete: grandma %s, waiting resident %s", status(grandmaReg), status(otherReg))
	}
	expectError(t, w.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", grandmaReg), son, nil), 422, "REVOKED")
	var told, promoted int64
	w.app.db.G.Table("outbox").Where("user_id = ? AND registration_id = ? AND body LIKE ?", sonID, grandmaReg, "%家庭成员已删除%").Count(&told)
	w.app.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", otherID, "waitlist_promoted").Count(&promoted)
	if told != 1 || promoted != 1 {
		t.Fatalf("notices: cancellation %d, promotion %d", told, promoted)
	}
	// The binding is history: ended, not deleted; no open alarm; the band is
	// gone from the son's list and may be bound again.
	var ended, open int64
	w.app.db.G.Table("wristband_bindings").Where("wearer_dependent_id = ? AND ended_at IS NOT NULL", grandma).Count(&ended)
	w.app.db.G.Table("wristband_alarms").Where("status IN ?", []string{"open", "acked", "escalated"}).Count(&open)
	if ended != 1 || open != 0 {
		t.Fatalf("binding ended %d, open alarms %d", ended, open)
	}
	if items := okItems(t, w.do("GET", "/api/v1/me/wristbands", son, nil)); len(items) != 0 {
		t.Fatalf("the son still sees %d bands", len(items))
	}
	expectError(t, w.do("GET", band+"/readings", son, nil), 404, "WRISTBAND_NOT_FOUND")
	w.bind(son, imei, self)
	// Gone: a second delete is 404.
	expectError(t, w.do("DELETE", fmt.Sprintf("/api/v1/me/dependents/%d", grandma), son, nil), 404, "DEPENDENT_NOT_FOUND")
}
