package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// TestAuditRecordsCobuildAndRoomsChanges: the changes staff and unit
// contacts make to co-building and rooms are in the audit log, in their
// transaction, naming the object (the new one's id for creations) and its
// community, without phone numbers; residents' own bookings are not.
func TestAuditRecordsCobuildAndRoomsChanges(t *testing.T) {
	w, ta := newRegWorld(t)
	unitID, needID, claimID, _ := w.claimedNeed("audit-unit-contact", false)

	room := ta.must(ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阅览室", "kind": "reading_room",
		"place": "二楼", "capacity": 20, "rules": map[string]any{"slot_minutes": 60, "max_minutes": 180, "ahead_days": 60}}), 201, "room")
	roomID := num(room.Body["id"])
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/rooms/%d", roomID), w.cStaf, map[string]any{"capacity": 25}), 200, "patch room")
	day := roomDay(4)
	resTok := roomResident(w, "audit-booker")
	own := ta.must(ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", roomID), resTok, map[string]any{"starts_at": day.Add(9 * time.Hour),
		"ends_at": day.Add(10 * time.Hour), "purpose": "读书会", "attendance": 5}), 201, "resident booking")
	ownID := num(own.Body["id"])
	desk := ta.must(ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", roomID), w.cStaf, map[string]any{"starts_at": day.Add(14 * time.Hour),
		"ends_at": day.Add(15 * time.Hour), "purpose": "老人读报", "attendance": 1,
		"on_behalf_of": map[string]string{"name": "李大爷", "phone": "13811112222", "reason": "没有智能手机"}}), 201, "desk booking")
	deskID := num(desk.Body["id"])
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", ownID), w.cStaf, map[string]string{"reason": "场地临时占用"}), 200, "staff cancel")
	team := ta.must(ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": "夕阳红舞蹈队", "kind": "dance",
		"leader_id": num(ta.must(ta.do("GET", "/api/v1/me", resTok, nil), 200, "me").Body["id"])}), 201, "team")
	teamID := num(team.Body["id"])
	// Residence decisions (issue 13 point 5).
	apply := func(name string) int64 {
		tok, _ := ta.login(name)
		return num(ta.must(ta.do("POST", "/api/v1/me/residence/applications", tok, map[string]any{"community_id": w.community,
			"address": "幸福路88号阳光小区", "building": "3号楼", "unit": "2单元301"}), 201, "residence application").Body["id"])
	}
	approvedID, rejectedID := apply("audit-resident-a"), apply("audit-resident-b")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", approvedID), w.cStaf, nil), 200, "approve residence")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/reject", rejectedID), w.cStaf, map[string]string{"reason": "地址不在本社区"}), 200, "reject residence")
	// A refused change is no change.
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/rooms/%d", roomID), resTok, map[string]any{"capacity": 1}), 403, "resident patch")

	list := ta.auditItems(w.admin, "")
	for _, want := range []struct {
		action, object, role string
		id                   int64
	}{
		{"unit.create", "unit", "admin", unitID}, {"need.publish", "need", "staff", needID},
		{"need.claim", "cobuild_claim", "unit_contact", claimID}, {"room.create", "room", "staff", roomID},
		{"room.update", "room", "staff", roomID}, {"booking.create", "booking", "staff", deskID},
		{"booking.cancel", "booking", "staff", ownID}, {"team.create", "team", "staff", teamID},
		{"residence.approve", "residence_application", "staff", approvedID}, {"residence.reject", "residence_application", "staff", rejectedID},
	} {
		e := findAudit(list, want.action, want.id)
		if e == nil {
			t.Errorf("no %s of %d in the audit log", want.action, want.id)
			continue
		}
		if e["object_type"] != want.object || e["actor_role"] != want.role || e["ip"] == "" || e["request_id"] == "" || e["action_label"] == want.action {
			t.Errorf("%s: incomplete entry %v", want.action, e)
		}
	}
	if e := findAudit(list, "room.create", roomID); e != nil && num(e["community_id"]) != w.community {
		t.Errorf("room.create is not placed in its community: %v", e)
	}
	if e := findAudit(list, "room.update", roomID); e != nil && num(e["changes"].(map[string]any)["capacity"]) != 25 {
		t.Errorf("room.update: what changed is not recorded: %v", e)
	}
	for _, e := range list {
		if e["action"] == "booking.create" && num(e["object_id"]) == ownID {
			t.Errorf("a resident's own booking was recorded as a staff change: %v", e)
		}
		if e["action"] == "room.update" && num(e["changes"].(map[string]any)["capacity"]) == 1 {
			t.Errorf("a refused change was recorded: %v", e)
		}
	}
	raw := string(ta.do("GET", "/api/v1/console/audit?limit=100", w.admin, nil).Raw)
	for _, phone := range []string{"13700001234", "13811112222"} {
		if strings.Contains(raw, phone) {
			t.Errorf("the audit log holds the phone number %s", phone)
		}
	}
}

// TestAuditCreationsNameTheirObject: entries of creations carry the new
// object's id (activities, organisations, communities, subdistricts).
func TestAuditCreationsNameTheirObject(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	sub := ta.must(ta.do("POST", "/api/v1/console/subdistricts", w.admin, map[string]string{"name": "审计街道"}), 201, "subdistrict")
	list := ta.auditItems(w.admin, "")
	for _, want := range []struct {
		action string
		id     int64
	}{{"activity.create", num(act["id"])}, {"organization.create", w.org}, {"community.create", w.community}, {"subdistrict.create", num(sub.Body["id"])}} {
		if want.id == 0 || findAudit(list, want.action, want.id) == nil {
			t.Errorf("no %s naming object %d: %v", want.action, want.id, findAudit(list, want.action, 0))
		}
	}
}

// claimedNeed registers a unit serving the world's community with a
// contact logged in as contactName, publishes a need of 100 portions
// (shareable or not) and has the contact claim 10 of them.
func (w *regWorld) claimedNeed(contactName string, shareable bool) (unitID, needID, claimID int64, contact string) {
	ta := w.ta
	unit := ta.must(ta.do("POST", "/api/v1/admin/units", w.admin, map[string]any{"name": "区图书馆", "kind": "hospital",
		"communities": []int64{w.community}, "contacts": []map[string]string{{"name": "周联络", "phone": "13700001234"}}}), 201, "unit")
	unitID = num(unit.Body["id"])
	contact, _ = ta.login(contactName)
	ta.grant(contactName, resident.RoleChange{Role: "unit_contact", OrgID: unitID})
	need := ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
		"title": "独居老人助餐", "description": "每日送餐", "quantity": 100, "quantity_unit": "份", "shareable": shareable}), 201, "need")
	needID = num(need.Body["id"])
	claim := ta.must(ta.do("POST", fmt.Sprintf("/api/v1/needs/%d/claims", needID), contact, map[string]any{"unit_id": unitID, "quantity": 10}), 201, "claim")
	return unitID, needID, num(claim.Body["id"]), contact
}
