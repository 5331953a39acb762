package main

import (
	"fmt"
	"testing"

	"gongjian/internal/resident"
)

// "Residents of this community only" trusts the residence the community
// confirmed, not the community picked in the profile: a resident applies,
// the community's staff (only theirs) reject with a reason or approve, and
// a newly confirmed residence elsewhere cancels the upcoming community-only
// registrations it no longer allows, telling the resident.
func TestResidenceIsConfirmedByTheCommunity(t *testing.T) {
	w, ta := newRegWorld(t)
	r := ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "和平社区"})
	if r.Status != 201 {
		t.Fatalf("community B: %d %s", r.Status, r.Raw)
	}
	commB := num(r.Body["id"])
	staffB, _ := ta.login("staff-b")
	ta.grant("staff-b", resident.RoleChange{Role: "staff", CommunityID: commB})
	onlyA := w.activity(w.admin, func(b map[string]any) { b["eligibility"] = map[string]any{"community_only": true} })
	alice, aliceID := w.resident("res-alice", "王丽") // profile: community A

	// The profile alone does not make her a resident.
	expectError(t, w.register(alice, sessionID(onlyA, 0), nil, nil), 422, "NOT_ELIGIBLE")

	apply := func(community int64) int64 {
		r := ta.do("POST", "/api/v1/me/residence/applications", alice, map[string]any{"community_id": community, "address": "幸福路88号阳光小区", "building": "3号楼", "unit": "2单元301"})
		if r.Status != 201 || r.str("status") != "pending" {
			t.Fatalf("apply: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["id"])
	}
	first := apply(w.community)
	expectError(t, ta.do("POST", "/api/v1/me/residence/applications", alice, map[string]any{"community_id": w.community, "address": "幸福路88号", "building": "3号楼", "unit": "2单元"}), 409, "RESIDENCE_APPLICATION_PENDING")
	expectError(t, ta.do("POST", "/api/v1/me/residence/applications", alice, map[string]any{"community_id": w.community, "address": "", "building": "3号楼", "unit": "2单元"}), 400, "ADDRESS_REQUIRED")

	// Another community's staff neither see nor decide it.
	if got := items(ta.do("GET", "/api/v1/admin/residence/applications?status=pending", staffB, nil)); len(got) != 0 {
		t.Fatalf("community B's staff see %d applications of A", len(got))
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", first), staffB, nil), 404, "RESIDENCE_APPLICATION_NOT_FOUND")
	// Its own staff see it with the applicant's name, and reject with a reason.
	list := items(ta.do("GET", "/api/v1/admin/residence/applications?status=pending", w.cStaf, nil))
	if len(list) != 1 || num(list[0]["id"]) != first || list[0]["user_name"] != "王丽" || list[0]["building"] != "3号楼" {
		t.Fatalf("community A's list: %v", list)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/reject", first), w.cStaf, map[string]string{"reason": ""}), 400, "REASON_REQUIRED")
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/reject", first), w.cStaf, map[string]string{"reason": "门牌号与登记不符"}); r.Status != 200 || r.str("status") != "rejected" {
		t.Fatalf("reject: %d %s", r.Status, r.Raw)
	}
	mine := ta.do("GET", "/api/v1/me/residence", alice, nil)
	if mine.Body["confirmed"] != nil || mine.Body["applications"].([]any)[0].(map[string]any)["reason"] != "门牌号与登记不符" {
		t.Fatalf("after rejection: %s", mine.Raw)
	}
	expectError(t, w.register(alice, sessionID(onlyA, 0), nil, nil), 422, "NOT_ELIGIBLE")

	// Approved: she may sign up, whatever her profile says afterwards.
	second := apply(w.community)
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", second), w.cStaf, nil); r.Status != 200 || num(r.Body["cancelled_registrations"]) != 0 {
		t.Fatalf("approve: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", second), w.cStaf, nil), 409, "RESIDENCE_APPLICATION_DECIDED")
	reg := w.register(alice, sessionID(onlyA, 0), nil, nil)
	if reg.Status != 201 {
		t.Fatalf("sign-up with a confirmed residence: %d %s", reg.Status, reg.Raw)
	}
	regID := num(reg.Body["registrations"].([]any)[0].(map[string]any)["id"])
	if r := ta.do("PATCH", "/api/v1/me", alice, map[string]any{"community_id": commB}); r.Status != 200 {
		t.Fatalf("profile: %d", r.Status)
	}
	orgB := ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "和平社区服务中心", "type": "co_building_unit", "community_ids": []int64{commB}})
	if orgB.Status != 201 {
		t.Fatalf("organisation B: %d %s", orgB.Status, orgB.Raw)
	}
	onlyB := w.activity(w.admin, func(b map[string]any) {
		b["community_id"], b["host_org_id"] = commB, num(orgB.Body["id"])
		b["eligibility"] = map[string]any{"community_only": true}
	})
	expectError(t, w.register(alice, sessionID(onlyB, 0), nil, nil), 422, "NOT_ELIGIBLE")

	// She moves: community B confirms; her community-A-only registration is
	// cancelled and she is told.
	third := apply(commB)
	r = ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", third), staffB, nil)
	if r.Status != 200 || num(r.Body["cancelled_registrations"]) != 1 {
		t.Fatalf("approve the move: %d %s", r.Status, r.Raw)
	}
	var status string
	ta.app.db.G.Table("registrations").Select("status").Where("id = ?", regID).Scan(&status)
	var told int64
	ta.app.db.G.Table("outbox").Where("user_id = ? AND registration_id = ? AND body LIKE ?", aliceID, regID, "%居住社区已变更%").Count(&told)
	if status != "cancelled" || told != 1 {
		t.Fatalf("after the move: registration %s, notices %d", status, told)
	}
	mine = ta.do("GET", "/api/v1/me/residence", alice, nil)
	if c, _ := mine.Body["confirmed"].(map[string]any); c == nil || num(c["community_id"]) != commB || len(mine.Body["applications"].([]any)) != 3 {
		t.Fatalf("residence after the move: %s", mine.Raw)
	}
	if r := w.register(alice, sessionID(onlyB, 0), nil, nil); r.Status != 201 {
		t.Fatalf("community B's activity after the move: %d %s", r.Status, r.Raw)
	}
	// A re-check finds nothing more to cancel; the superseded residence cannot be re-checked.
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/recheck", third), w.admin, nil); r.Status != 200 || num(r.Body["cancelled_registrations"]) != 0 {
		t.Fatalf("recheck: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/recheck", second), w.admin, nil), 422, "RESIDENCE_NOT_APPROVED")
}
