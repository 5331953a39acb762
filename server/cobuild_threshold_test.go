package main

import (
	"context"
	"fmt"
	"testing"

	"gongjian/internal/resident"
)

// Each community has its own 议事厅 support threshold (issue 15, point
// 2): its staff and the admins over it set it on the community (PATCH
// /console/communities/{id}, support_threshold or proposal_threshold),
// staff of another community cannot; supports, proposal answers, the
// report and the agenda use the proposal's own community's threshold; a
// lowered threshold puts the proposals that already have it on the agenda
// at once, a raised one takes nothing off it.
func TestPerCommunitySupportThreshold(t *testing.T) {
	sw, _ := newScopeWorld(t)
	w, ta := sw.regWorld, sw.ta
	c1, c3 := sw.c1, sw.c3
	path := func(id int64) string { return fmt.Sprintf("/api/v1/console/communities/%d", id) }
	community := func(tok string, id int64) map[string]any {
		for _, x := range items(ta.must(ta.do("GET", "/api/v1/console/communities", tok, nil), 200, "communities")) {
			if num(x["id"]) == id {
				return x
			}
		}
		t.Fatalf("community %d not listed", id)
		return nil
	}

	// Unset: the configured default.
	if x := community(w.admin, c1); num(x["support_threshold"]) != 10 || x["support_threshold_is_default"] != true {
		t.Fatalf("c1 before: %v", x)
	}

	// Who may set it.
	for _, c := range []struct {
		who, tok string
		id       int64
		body     map[string]any
		want     int
	}{
		{"c3's staff on c1", sw.staff3, c1, map[string]any{"support_threshold": 2}, 403},
		{"c3's staff on c1, a bad value", sw.staff3, c1, map[string]any{"support_threshold": 0}, 403},
		{"sub2's admin on c1", sw.sub2, c1, map[string]any{"support_threshold": 2}, 403},
		{"c1's staff on c3", w.cStaf, c3, map[string]any{"proposal_threshold": 2}, 403},
		{"c1's staff renaming c1", w.cStaf, c1, map[string]any{"name": "改名社区", "support_threshold": 2}, 403},
		{"sub1's admin on c1 (alias)", sw.sub1, c1, map[string]any{"proposal_threshold": 5}, 200},
		{"c1's staff on c1", w.cStaf, c1, map[string]any{"support_threshold": 2}, 200},
		{"c3's staff on c3", sw.staff3, c3, map[string]any{"support_threshold": "3"}, 200},
	} {
		r := ta.do("PATCH", path(c.id), c.tok, c.body)
		if r.Status != c.want {
			t.Fatalf("%s: want %d, got %d %s", c.who, c.want, r.Status, r.Raw)
		}
		if r.Status == 403 {
			expectError(t, r, 403, r.str("code"))
		}
	}
	if x := community(w.cStaf, c1); num(x["support_threshold"]) != 2 || x["support_threshold_is_default"] != false || x["name"] != "阳光社区" {
		t.Fatalf("c1 after: %v", x)
	}
	if x := community(w.admin, c3); num(x["support_threshold"]) != 3 {
		t.Fatalf("c3 after: %v", x)
	}

	// Validation: an integer 1..10000.
	for _, bad := range []any{0, -1, 10001, 2.5, "abc", "", true, []int{3}} {
		expectError(t, ta.do("PATCH", path(c1), w.cStaf, map[string]any{"support_threshold": bad}), 400, "INVALID_SUPPORT_THRESHOLD")
	}
	expectError(t, ta.do("PATCH", path(c1), w.cStaf, map[string]any{"proposal_threshold": 0}), 400, "INVALID_SUPPORT_THRESHOLD")
	if x := community(w.admin, c1); num(x["support_threshold"]) != 2 {
		t.Fatalf("a refused value changed c1: %v", x)
	}

	// Audited like the other community edits.
	if e := findAudit(ta.auditItems(w.admin, "action=community.update"), "community.update", c3); e == nil ||
		num(e["changes"].(map[string]any)["support_threshold"]) != 3 {
		t.Fatalf("audit entry of c3's threshold: %v", e)
	}

	// Residents of each community, and a proposal in each.
	resident := func(name string, comm int64) string {
		tok, id := w.resident(name, "")
		ta.confirmResidence(id, comm)
		return tok
	}
	propose := func(tok string, comm int64) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/proposals", tok, map[string]any{"community_id": comm, "title": "小区增设充电桩",
			"description": "电动车充电难，建议在车棚增设充电桩"}), 201, "proposal").Body["id"])
	}
	p1, p3 := propose(resident("c1-author", c1), c1), propose(resident("c3-author", c3), c3)
	support := func(p int64, name string, comm int64) map[string]any {
		return ta.must(ta.do("POST", fmt.Sprintf("/api/v1/proposals/%d/supports", p), resident(name, comm), nil), 201, "support").Body
	}
	if b := support(p1, "c1-a", c1); b["status"] != "open" || num(b["threshold"]) != 2 {
		t.Fatalf("c1's first support: %v", b)
	}
	if b := support(p1, "c1-b", c1); b["status"] != "agenda" || num(b["threshold"]) != 2 {
		t.Fatalf("c1's second support (threshold 2): %v", b)
	}
	for _, name := range []string{"c3-a", "c3-b"} {
		if b := support(p3, name, c3); b["status"] != "open" || num(b["threshold"]) != 3 {
			t.Fatalf("c3's support (threshold 3): %v", b)
		}
	}
	proposal := func(p int64) map[string]any {
		return ta.must(ta.do("GET", fmt.Sprintf("/api/v1/proposals/%d", p), "", nil), 200, "proposal").Body
	}
	if b := proposal(p3); num(b["threshold"]) != 3 || num(b["supports"]) != 2 {
		t.Fatalf("c3's proposal: %v", b)
	}
	for _, x := range items(ta.must(ta.do("GET", fmt.Sprintf("/api/v1/proposals?community_id=%d", c1), "", nil), 200, "proposals")) {
		if num(x["threshold"]) != 2 {
			t.Fatalf("c1's proposals list: %v", x)
		}
	}

	// The report and the agenda: what reached its own community's threshold.
	onAgenda := func(route, key string, comm int64) map[int64]int {
		q := route
		if comm != 0 {
			q = fmt.Sprintf("%s?community_id=%d", route, comm)
		}
		out := map[int64]int{}
		for _, x := range ta.must(ta.do("GET", q, w.admin, nil), 200, q).Body[key].([]any) {
			l := x.(map[string]any)
			out[num(l["id"])] = int(num(l["threshold"]))
		}
		return out
	}
	const report, agenda = "/api/v1/admin/cobuild/report", "/api/v1/admin/cobuild/agenda"
	if got := onAgenda(report, "proposals_on_agenda", 0); len(got) != 1 || got[p1] != 2 {
		t.Fatalf("the subdistrict's report: %v", got)
	}
	if got := onAgenda(agenda, "proposals", c3); len(got) != 0 {
		t.Fatalf("c3's agenda before lowering: %v", got)
	}

	// Lowering c3's threshold to 2 puts its proposal on the agenda now.
	ta.must(ta.do("PATCH", path(c3), sw.staff3, map[string]any{"proposal_threshold": 2}), 200, "lower c3")
	if b := proposal(p3); b["status"] != "agenda" || num(b["threshold"]) != 2 || b["agenda_at"] == nil {
		t.Fatalf("c3's proposal after lowering: %v", b)
	}
	if got := onAgenda(agenda, "proposals", c3); len(got) != 1 || got[p3] != 2 {
		t.Fatalf("c3's agenda after lowering: %v", got)
	}
	// Raising c1's takes nothing off the agenda; null is the default again.
	ta.must(ta.do("PATCH", path(c1), w.cStaf, map[string]any{"support_threshold": 50}), 200, "raise c1")
	if b := proposal(p1); b["status"] != "agenda" || num(b["threshold"]) != 50 {
		t.Fatalf("c1's proposal after raising: %v", b)
	}
	if got := onAgenda(report, "proposals_on_agenda", 0); len(got) != 2 || got[p1] != 50 || got[p3] != 2 {
		t.Fatalf("the subdistrict's report after raising: %v", got)
	}
	if x := ta.must(ta.do("PATCH", path(c1), w.cStaf, map[string]any{"support_threshold": nil}), 200, "reset c1").Body; num(x["support_threshold"]) != 10 || x["support_threshold_is_default"] != true {
		t.Fatalf("c1 reset: %v", x)
	}
}

// A community may be created with its own threshold (POST
// /admin/communities takes support_threshold or proposal_threshold as the
// community edit does); a bad value creates nothing.
func TestCommunityCreatedWithItsThreshold(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("admin1")
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), ta.openID("admin1"), resident.RoleChange{Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body      map[string]any
		want      int
		threshold int64
		isDefault bool
	}{
		{map[string]any{"name": "门槛社区一", "support_threshold": 6}, 201, 6, false},
		{map[string]any{"name": "门槛社区二", "proposal_threshold": "7"}, 201, 7, false},
		{map[string]any{"name": "门槛社区三", "support_threshold": nil}, 201, 10, true},
		{map[string]any{"name": "门槛社区四"}, 201, 10, true},
		{map[string]any{"name": "门槛社区五", "support_threshold": 0}, 400, 0, false},
		{map[string]any{"name": "门槛社区六", "support_threshold": 10001}, 400, 0, false},
		{map[string]any{"name": "门槛社区七", "proposal_threshold": "abc"}, 400, 0, false},
	} {
		r := ta.do("POST", "/api/v1/admin/communities", adminTok, c.body)
		if c.want == 400 {
			expectError(t, r, 400, "INVALID_SUPPORT_THRESHOLD")
			continue
		}
		if r.Status != c.want || num(r.Body["support_threshold"]) != c.threshold || r.Body["support_threshold_is_default"] != c.isDefault {
			t.Fatalf("%v: got %d %s", c.body, r.Status, r.Raw)
		}
	}
	names := map[string]bool{}
	for _, x := range items(ta.must(ta.do("GET", "/api/v1/communities", adminTok, nil), 200, "communities")) {
		names[x["name"].(string)] = true
		if x["name"] == "门槛社区一" && num(x["support_threshold"]) != 6 {
			t.Fatalf("listed: %v", x)
		}
	}
	for _, n := range []string{"门槛社区五", "门槛社区六", "门槛社区七"} {
		if names[n] {
			t.Fatalf("%s was created despite its bad threshold", n)
		}
	}
}
