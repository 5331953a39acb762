package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/residence"
	"gongjian/internal/resident"
)

// confirmResidence makes community the user's confirmed residence (and
// profile community) as an approved application does, without a notice:
// rooms open to residents, team joins and proposal supports need it.
func (ta *testApp) confirmResidence(userID, community int64) {
	ta.t.Helper()
	ctx, st := context.Background(), mysqlstore.NewResidenceStore(ta.app.db)
	a := residence.Application{UserID: userID, CommunityID: community, Address: "幸福路88号阳光小区", Building: "3号楼", Unit: "2单元301"}
	if err := st.Create(ctx, &a); err != nil {
		ta.t.Fatal(err)
	}
	if ok, err := st.Approve(ctx, a.ID, 0, time.Now().UTC(), nil); err != nil || !ok {
		ta.t.Fatalf("confirm residence: %v %v", ok, err)
	}
}

// "Residents of this community only" trusts the residence the community
// confirmed, not the community picked in the profile: a resident applies,
// the community's staff (only theirs) reject with a reason or approve, and
// a newly confirmed residence elsewhere cancels the upcoming community-only
// registrations it no longer allows, telling the resident.
func TestResidenceIsConfirmedByTheCommunity(t *testing.T) {
	w, ta := newRegWorld(t)
	commB := w.newCommunity("和平社区")
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
	r := ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", third), staffB, nil)
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

// "Residents of the community" means confirmed residents everywhere, not
// only for activities: a resident whose profile names community A but
// whose residence nobody confirmed cannot book A's rooms open to
// residents, join A's teams or support A's proposals, and is told to apply
// on the residence page; once A confirms her residence she can, and
// changing her profile to another community afterwards changes nothing.
func TestConfirmedResidenceOpensRoomsTeamsAndSupports(t *testing.T) {
	w, ta := newRegWorld(t)
	commB := w.newCommunity("和平社区")
	room := func(community int64, name string) string {
		id := num(ta.must(ta.do("POST", "/api/v1/admin/rooms", w.admin, map[string]any{"community_id": community, "name": name, "kind": "reading_room",
			"place": "一楼", "capacity": 20, "rules": map[string]any{"slot_minutes": 60, "max_minutes": 180, "ahead_days": 60}}), 201, "room").Body["id"])
		return fmt.Sprintf("/api/v1/rooms/%d/bookings", id)
	}
	roomA, roomB := room(w.community, "阳光社区阅览室"), room(commB, "和平社区阅览室")
	day, hour := roomDay(3), 8
	booking := func() map[string]any {
		hour++
		return map[string]any{"starts_at": day.Add(time.Duration(hour) * time.Hour), "ends_at": day.Add(time.Duration(hour+1) * time.Hour), "purpose": "读书会", "attendance": 5}
	}
	leaderTok := roomResident(w, "res-leader")
	team := ta.must(ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光书画社", "kind": "calligraphy",
		"leader_id": num(ta.must(ta.do("GET", "/api/v1/me", leaderTok, nil), 200, "me").Body["id"])}), 201, "team")
	join := fmt.Sprintf("/api/v1/teams/%d/join", num(team.Body["id"]))
	proposal := ta.must(ta.do("POST", "/api/v1/proposals", leaderTok, map[string]any{"community_id": w.community, "title": "小区增设充电桩",
		"description": "电动车充电难，建议在车棚增设充电桩"}), 201, "proposal")
	support := fmt.Sprintf("/api/v1/proposals/%d/supports", num(proposal.Body["id"]))

	carol, _ := w.resident("res-carol", "赵敏") // profile: community A, not confirmed
	told := func(r resp, status int, code string) {
		t.Helper()
		expectError(t, r, status, code)
		if msg := r.str("message"); !strings.Contains(msg, "“我的—居住认证”") {
			t.Fatalf("%s does not send her to the residence page: %q", code, msg)
		}
	}
	told(ta.do("POST", roomA, carol, booking()), 403, "BOOKING_NOT_ALLOWED")
	told(ta.do("POST", join, carol, nil), 403, "NOT_IN_COMMUNITY")
	told(ta.do("POST", support, carol, nil), 403, "NOT_COMMUNITY_RESIDENT")

	app := num(ta.must(ta.do("POST", "/api/v1/me/residence/applications", carol, map[string]any{"community_id": w.community, "address": "幸福路88号阳光小区",
		"building": "3号楼", "unit": "2单元301"}), 201, "apply").Body["id"])
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", app), w.cStaf, nil), 200, "approve")
	ta.must(ta.do("POST", roomA, carol, booking()), 201, "booking as a confirmed resident")
	if r := ta.must(ta.do("POST", join, carol, nil), 200, "join as a confirmed resident"); r.str("status") != "requested" {
		t.Fatalf("join: %s", r.Raw)
	}
	ta.must(ta.do("POST", support, carol, nil), 201, "support as a confirmed resident")

	// Her profile says B now: A's room stays open to her, B's stays closed
	// (with the plain refusal: her residence is confirmed, elsewhere).
	ta.must(ta.do("PATCH", "/api/v1/me", carol, map[string]any{"community_id": commB}), 200, "profile B")
	ta.must(ta.do("POST", roomA, carol, booking()), 201, "booking of A after the profile says B")
	if r := ta.do("POST", roomB, carol, booking()); r.Status != 403 || r.str("code") != "BOOKING_NOT_ALLOWED" || strings.Contains(r.str("message"), "居住认证") {
		t.Fatalf("B's room with a residence confirmed in A: %d %s", r.Status, r.Raw)
	}
}

// A decision on a residence application is told to the resident in their
// message list (opening the residence page): a rejection with the staff
// member's reason, an approval with the community's name; and an approval
// makes the confirmed community the resident's profile community.
func TestResidenceDecisionIsToldAndSetsTheProfile(t *testing.T) {
	w, ta := newRegWorld(t)
	commB := w.newCommunity("和平社区")
	dave, _ := w.resident("res-dave", "孙强") // profile: community A
	apply := func() int64 {
		return num(ta.must(ta.do("POST", "/api/v1/me/residence/applications", dave, map[string]any{"community_id": commB, "address": "和平路6号",
			"building": "5号楼", "unit": "1单元502"}), 201, "apply").Body["id"])
	}
	latest := func() map[string]any {
		t.Helper()
		list := items(ta.must(ta.do("GET", "/api/v1/me/messages", dave, nil), 200, "messages"))
		if len(list) == 0 {
			t.Fatal("no message")
		}
		m := list[0]
		if m["template_key"] != "residence_reviewed" || m["page"] != "pages/residence/index" {
			t.Fatalf("the decision's message: %v", m)
		}
		return m
	}

	first := apply()
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/reject", first), w.admin, map[string]string{"reason": "楼栋号与物业登记不符"}), 200, "reject")
	if m := latest(); m["title"] != "居住认证未通过" || !strings.Contains(m["body"].(string), "楼栋号与物业登记不符") {
		t.Fatalf("the rejection's message: %v", m)
	}
	if c := num(ta.must(ta.do("GET", "/api/v1/me", dave, nil), 200, "me").Body["community_id"]); c != w.community {
		t.Fatalf("a rejection changed the profile community to %d", c)
	}

	second := apply()
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", second), w.admin, nil), 200, "approve")
	if m := latest(); m["title"] != "居住认证已通过" || !strings.Contains(m["body"].(string), "和平社区") {
		t.Fatalf("the approval's message: %v", m)
	}
	if c := num(ta.must(ta.do("GET", "/api/v1/me", dave, nil), 200, "me").Body["community_id"]); c != commB {
		t.Fatalf("after the approval the profile community is %d, want the confirmed %d", c, commB)
	}
	var n int64
	ta.app.db.G.Table("outbox").Where("template_key = ? AND page = ?", "residence_reviewed", "pages/residence/index").Count(&n)
	if n != 2 {
		t.Fatalf("%d decision notices, want 2", n)
	}
}
