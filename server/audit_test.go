package main

import (
	"fmt"
	"strings"
	"testing"

	"gongjian/internal/resident"
)

// auditItems lists the audit log as token sees it (optionally filtered).
func (ta *testApp) auditItems(token, query string) []map[string]any {
	ta.t.Helper()
	return items(ta.must(ta.do("GET", "/api/v1/console/audit?limit=100&"+query, token, nil), 200, "audit list"))
}

func findAudit(list []map[string]any, action string, objectID int64) map[string]any {
	for _, e := range list {
		if e["action"] == action && (objectID == 0 || num(e["object_id"]) == objectID) {
			return e
		}
	}
	return nil
}

// signUpAsStaffSee signs tok up for act's first session and returns the
// registration, the first in the list the community's staff see.
func (w *regWorld) signUpAsStaffSee(tok string, act map[string]any) int64 {
	w.ta.t.Helper()
	if r := w.register(tok, sessionID(act, 0), nil, nil); r.Status != 201 && r.Status != 200 {
		w.ta.t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	regs := w.ta.must(w.ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", num(act["id"])), w.cStaf, nil), 200, "regs")
	return num(items(regs)[0]["id"])
}

func TestAuditRecordsStaffChanges(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil) // created and published by the community's staff
	aid := num(act["id"])
	resTok, resID := ta.login("audit-resident")
	ta.must(ta.do("POST", "/api/v1/me/phone", resTok, map[string]string{"code": "dev:phone:13912345678"}), 200, "phone")
	regID := w.signUpAsStaffSee(resTok, act)
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", regID), w.cStaf, map[string]string{"reason": "重复报名"}), 200, "remove")
	ta.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations/export", aid), w.cStaf, nil), 200, "export")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.admin, map[string]any{"role": "volunteer"}), 200, "grant")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", aid), w.cStaf, map[string]string{"reason": "场地维修"}), 200, "cancel")
	// A refused change is no change: nothing is recorded for it.
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.cStaf, map[string]any{"role": "admin"}), 403, "staff grant")

	list := ta.auditItems(w.admin, "")
	for _, want := range []struct {
		action string
		object int64
		role   string
	}{
		{"activity.create", aid, "staff"}, {"activity.publish", aid, "staff"}, {"registration.remove", regID, "staff"},
		{"registration.export", aid, "staff"}, {"role.grant", resID, "admin"}, {"activity.cancel", aid, "staff"},
	} {
		e := findAudit(list, want.action, want.object)
		if e == nil {
			t.Errorf("no %s of %d in the audit log", want.action, want.object)
			continue
		}
		if e["actor_role"] != want.role || num(e["actor_id"]) == 0 || e["ip"] == "" || e["request_id"] == "" || e["action_label"] == want.action {
			t.Errorf("%s: incomplete entry %v", want.action, e)
		}
	}
	// An entry whose request names no community belongs to the actor's
	// (docs/console-api.md §4), not to none.
	if e := findAudit(list, "registration.export", aid); e != nil && num(e["community_id"]) != w.community {
		t.Errorf("export: community_id %v, want the staff member's %d", e["community_id"], w.community)
	}
	if e := findAudit(list, "activity.cancel", aid); e != nil && e["changes"].(map[string]any)["reason"] != "场地维修" {
		t.Errorf("cancel: what changed is not recorded: %v", e)
	}
	for _, e := range list {
		if e["action"] == "role.grant" && e["changes"].(map[string]any)["role"] == "admin" {
			t.Errorf("a refused grant was recorded: %v", e)
		}
	}
	raw := string(ta.do("GET", "/api/v1/console/audit?limit=100", w.admin, nil).Raw)
	if strings.Contains(raw, "13912345678") {
		t.Error("the audit log holds a phone number")
	}
	// Filters.
	if got := ta.auditItems(w.admin, "action=activity.publish"); len(got) != 1 || num(got[0]["object_id"]) != aid {
		t.Errorf("filter by action: %v", got)
	}
	// Only admins browse it.
	expectError(t, ta.do("GET", "/api/v1/console/audit", w.cStaf, nil), 403, "FORBIDDEN")
	// Exporting it is itself recorded.
	ex := ta.must(ta.do("GET", "/api/v1/console/audit/export", w.admin, nil), 200, "audit export")
	if !strings.HasPrefix(string(ex.Raw), "PK") {
		t.Fatalf("not an XLSX: %.60q", ex.Raw)
	}
	if findAudit(ta.auditItems(w.admin, "action=audit.export"), "audit.export", 0) == nil {
		t.Error("the audit export is not recorded")
	}
}

func TestAuditInTheChangesTransaction(t *testing.T) {
	w, ta := newRegWorld(t)
	_, resID := ta.login("tx-resident")
	// The audit log cannot take the entry: the change must not happen either.
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log RENAME TO audit_log_away").Error; err != nil {
		t.Fatal(err)
	}
	r := ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.admin, map[string]any{"role": "volunteer"})
	act := ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "无日志社区"})
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log_away RENAME TO audit_log").Error; err != nil {
		t.Fatal(err)
	}
	if r.Status < 500 || act.Status < 500 {
		t.Fatalf("changes went through without their audit entries: %d %s / %d %s", r.Status, r.Raw, act.Status, act.Raw)
	}
	u, err := ta.app.residents.Me(t.Context(), resID)
	if err != nil {
		t.Fatal(err)
	}
	if u.HasRole(resident.RoleVolunteer) {
		t.Fatal("the role was granted although its audit entry was not written")
	}
	var n int64
	ta.app.db.G.Table("communities").Where("name = ?", "无日志社区").Count(&n)
	if n != 0 {
		t.Fatal("the community was created although its audit entry was not written")
	}
	// And with the log back, change and entry arrive together.
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.admin, map[string]any{"role": "volunteer"}), 200, "grant")
	if findAudit(ta.auditItems(w.admin, "action=role.grant"), "role.grant", resID) == nil {
		t.Fatal("no entry for the grant")
	}
}

func TestAuditAppendOnly(t *testing.T) {
	w, ta := newRegWorld(t)
	if len(ta.auditItems(w.admin, "")) == 0 {
		t.Fatal("no entries to try")
	}
	for _, q := range []string{
		"UPDATE audit_log SET action = 'x'",
		"DELETE FROM audit_log",
		"UPDATE audit_log SET changes = '' WHERE id = (SELECT id FROM (SELECT MIN(id) AS id FROM audit_log) m)",
	} {
		if err := ta.app.db.G.Exec(q).Error; err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	if findAudit(ta.auditItems(w.admin, ""), "x", 0) != nil {
		t.Fatal("an entry was changed")
	}
	// No route edits or deletes entries.
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		expectError(t, ta.do(m, "/api/v1/console/audit", w.admin, nil), 405, "METHOD_NOT_ALLOWED")
	}
}
