package main

import (
	"fmt"
	"testing"
	"time"
)

// TestConsoleRegistrationsNoShowFilter: the registrations page filters by
// no-show (issue 17 point 5: "registrations with filters, … no-show"), and
// marking one is in the audit log as registration.no_show of that
// registration.
func TestConsoleRegistrationsNoShowFilter(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	aid := num(act["id"])
	var regs []int64
	for _, name := range []string{"noshow-a", "noshow-b"} {
		tok, _ := w.resident(name, "")
		r := w.register(tok, sessionID(act, 0), nil, nil)
		if r.Status != 201 && r.Status != 200 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
		regs = append(regs, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"]))
	}
	past := time.Now().Add(-3 * time.Hour)
	ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", past, past.Add(time.Hour), sessionID(act, 0))
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/no-show", regs[0]), w.cStaf, map[string]bool{"no_show": true}), 200, "no-show")

	for q, want := range map[string][]int64{"no_show=true": {regs[0]}, "no_show=false": {regs[1]}, "": {regs[1], regs[0]}} {
		r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/console/registrations?activity_id=%d&%s", aid, q), w.cStaf, nil), 200, q)
		var got []int64
		for _, it := range items(r) {
			got = append(got, num(it["id"]))
			if (it["no_show"] == true) != (num(it["id"]) == regs[0]) {
				t.Errorf("%s: no_show of %v is %v", q, it["id"], it["no_show"])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
	e := findAudit(ta.auditItems(w.admin, "action=registration.no_show"), "registration.no_show", regs[0])
	if e == nil || e["object_type"] != "registration" || e["actor_role"] != "staff" {
		t.Fatalf("no-show audit entry: %v", e)
	}
}
