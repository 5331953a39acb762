package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"gongjian/internal/wristband"
)

// TestAuditRecordsTheIssuesChanges: the changes issue 17 point 4 names
// that other tests do not already follow through the API — approving a
// claim, correcting hours, binding a wristband, revoking a role — are in
// the audit log, each naming its object, its actor and role, where and
// under which request it came, with no phone or identity number.
func TestAuditRecordsTheIssuesChanges(t *testing.T) {
	w := newAuthzWorld(t)
	ta, adm := w.ta, w.tok[admin]

	claim := w.freshClaim()
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", claim), adm, map[string]any{"minutes": 60}), 200, "approve")
	entry := w.freshEntry()
	corr := w.must(ta.do("POST", "/api/v1/admin/hours/corrections", adm, map[string]any{"entry_id": entry, "minutes": 30, "reason": "登记有误"}), 201, "correction")

	p := fmt.Sprintf("86%012d", w.seq.Add(1))
	imei := p + string(wristband.LuhnDigit(p))
	w.must(ta.do("POST", "/api/v1/admin/wristbands", adm, map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2026-01", "activation_code": activationOf(imei)}}}), 201, "device")
	_, elder := w.user("audit-elder")
	bound := w.must(ta.do("POST", "/api/v1/admin/wristbands/bind", adm, map[string]any{"imei": imei, "user_id": elder, "wearer": self,
		"consent": map[string]string{"version": wristband.ConsentVersion}, "reason": "老人不会用手机，电话13912345678"}), 201, "bind")
	device := num(bound.Body["device_id"])

	_, vol := w.user("audit-revoked")
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", vol), adm, map[string]any{"role": "volunteer"}), 200, "grant")
	w.must(ta.do("DELETE", fmt.Sprintf("/api/v1/admin/users/%d/roles", vol), adm, map[string]any{"role": "volunteer"}), 200, "revoke")

	for _, c := range []struct {
		action, objectType string
		objectID           int64
	}{
		{"claim.approve", "claim", claim},
		{"hours.correct", "hours_entry", 0},
		{"wristband.bind", "wristband", device},
		{"role.revoke", "user", vol},
	} {
		q := url.Values{"action": {c.action}, "object_type": {c.objectType}}
		if c.objectID != 0 {
			q.Set("object_id", fmt.Sprint(c.objectID))
		}
		e := findAudit(ta.auditItems(adm, q.Encode()), c.action, c.objectID)
		if e == nil {
			t.Errorf("%s of %s %d: not in the audit log", c.action, c.objectType, c.objectID)
			continue
		}
		if num(e["actor_id"]) != w.id[admin] || e["actor_role"] != "admin" || e["ip"] == "" || e["request_id"] == "" || e["at"] == "" {
			t.Errorf("%s: incomplete entry %v", c.action, e)
		}
		if c.action == "hours.correct" && num(e["changes"].(map[string]any)["entry_id"]) != entry {
			t.Errorf("hours.correct: the corrected entry is not named: %v (correction %s)", e, corr.Raw)
		}
	}
	raw := string(ta.do("GET", "/api/v1/console/audit?limit=100", adm, nil).Raw)
	for _, pii := range []string{"13912345678", authzPhone} {
		if strings.Contains(raw, pii) {
			t.Errorf("the audit log holds the phone number %s", pii)
		}
	}
}
