package main

import (
	"fmt"
	"testing"

	"gongjian/internal/resident"
)

// TestConsoleScopeMatrix: one deployment, two subdistricts. District admins
// see and change everything; a subdistrict's admin everything of theirs and
// nothing of the other; community staff their community; only district
// admins create subdistricts, change communities and grant roles.
// scopeWorld is one deployment of two subdistricts: 默认街道 (s1) with
// community c1 (w.community) and 东湖街道 (s2) with community c3; their
// admins sub1 and sub2, c3's staff, and an activity of c1 and one of c3.
type scopeWorld struct {
	*regWorld
	s1, s2, c1, c3     int64
	sub1, sub2, staff3 string
	act1, act3         map[string]any
}

func newScopeWorld(t *testing.T) (*scopeWorld, *testApp) {
	rw, ta := newRegWorld(t) // admin (district), community "阳光社区" in 默认街道
	w := &scopeWorld{regWorld: rw}
	w.s2 = num(ta.must(ta.do("POST", "/api/v1/console/subdistricts", w.admin, map[string]string{"name": "东湖街道"}), 201, "subdistrict").Body["id"])
	w.c3 = num(ta.must(ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]any{"name": "东湖社区", "subdistrict_id": w.s2}), 201, "community").Body["id"])
	w.c1 = w.community
	for _, s := range items(ta.must(ta.do("GET", "/api/v1/console/subdistricts", w.admin, nil), 200, "subs")) {
		if s["name"] == "默认街道" {
			w.s1 = num(s["id"])
		}
	}
	persona := func(name string, rc resident.RoleChange) string {
		tok, id := ta.login(name)
		if _, err := ta.app.residents.GrantRole(t.Context(), 0, id, rc); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w.sub1 = persona("sub1-admin", resident.RoleChange{Role: "admin", SubdistrictID: w.s1})
	w.sub2 = persona("sub2-admin", resident.RoleChange{Role: "admin", SubdistrictID: w.s2})
	w.staff3 = persona("c3-staff", resident.RoleChange{Role: "staff", CommunityID: w.c3})
	// One activity in each subdistrict, by its community's staff.
	w.act1 = w.activity(w.cStaf, nil)
	org3 := num(ta.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "东湖志愿队", "type": "co_building_unit", "community_ids": []int64{w.c3}}), 201, "org").Body["id"])
	w.act3 = w.activity(w.staff3, func(b map[string]any) { b["community_id"], b["host_org_id"] = w.c3, org3 })
	return w, ta
}

func TestConsoleScopeMatrix(t *testing.T) {
	sw, _ := newScopeWorld(t)
	w, ta := sw.regWorld, sw.ta
	s1, s2, c1, c3, sub1, sub2, staff3 := sw.s1, sw.s2, sw.c1, sw.c3, sw.sub1, sw.sub2, sw.staff3
	act1, act3 := num(sw.act1["id"]), num(sw.act3["id"])

	type check struct {
		who    string
		tok    string
		method string
		path   string
		body   any
		want   int
	}
	// Another scope's object answers as if it did not exist (404).
	aPath := func(id int64) string { return fmt.Sprintf("/api/v1/admin/activities/%d", id) }
	checks := []check{
		{"district", w.admin, "GET", aPath(act3), nil, 200},
		{"sub1", sub1, "GET", aPath(act1), nil, 200},
		{"sub1", sub1, "GET", aPath(act3), nil, 404},
		{"sub2", sub2, "GET", aPath(act3), nil, 200},
		{"sub2", sub2, "GET", aPath(act1), nil, 404},
		{"staffC1", w.cStaf, "GET", aPath(act3), nil, 404},
		{"staffC3", staff3, "GET", aPath(act1), nil, 404},
		{"sub1", sub1, "POST", "/api/v1/console/subdistricts", map[string]string{"name": "西湖街道"}, 403},
		{"sub1", sub1, "PATCH", fmt.Sprintf("/api/v1/console/communities/%d", c1), map[string]string{"address": "一号"}, 403},
		{"district", w.admin, "PATCH", fmt.Sprintf("/api/v1/console/communities/%d", c3), map[string]string{"address": "东湖路1号"}, 200},
		{"sub1", sub1, "POST", "/api/v1/admin/communities", map[string]any{"name": "新社区", "subdistrict_id": s1}, 403},
		{"sub1", sub1, "POST", "/api/v1/admin/users/1/roles", map[string]any{"role": "volunteer"}, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/dashboard?subdistrict_id=%d", s2), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/dashboard?subdistrict_id=%d", s1), nil, 200},
		{"district", w.admin, "GET", fmt.Sprintf("/api/v1/console/dashboard?subdistrict_id=%d", s2), nil, 200},
		{"staffC1", w.cStaf, "GET", fmt.Sprintf("/api/v1/console/dashboard?community_id=%d", c3), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/dashboard/cobuild?subdistrict_id=%d", s2), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/dashboard/rooms?subdistrict_id=%d", s1), nil, 200},
		{"staffC1", w.cStaf, "GET", fmt.Sprintf("/api/v1/console/dashboard/rooms?community_id=%d", c3), nil, 403},
		{"sub1", sub1, "GET", "/api/v1/console/audit", nil, 200},
		{"staffC1", w.cStaf, "GET", "/api/v1/console/audit", nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/audit?subdistrict_id=%d", s2), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/audit?community_id=%d", c3), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/audit?community_id=%d", c1), nil, 200},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/registrations?subdistrict_id=%d", s2), nil, 403},
		{"staffC1", w.cStaf, "GET", fmt.Sprintf("/api/v1/console/registrations?community_id=%d", c3), nil, 403},
		{"staffC3", staff3, "GET", fmt.Sprintf("/api/v1/console/registrations?community_id=%d", c3), nil, 200},
		{"district", w.admin, "GET", fmt.Sprintf("/api/v1/console/registrations?subdistrict_id=%d", s2), nil, 200},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/communities?subdistrict_id=%d", s2), nil, 403},
		{"sub1", sub1, "GET", fmt.Sprintf("/api/v1/console/communities?subdistrict_id=%d", s1), nil, 200},
		{"staffC1", w.cStaf, "GET", fmt.Sprintf("/api/v1/console/communities?subdistrict_id=%d", s1), nil, 200},
		{"staffC1", w.cStaf, "GET", fmt.Sprintf("/api/v1/console/communities?subdistrict_id=%d", s2), nil, 403},
		{"district", w.admin, "GET", fmt.Sprintf("/api/v1/console/communities?subdistrict_id=%d", s2), nil, 200},
	}
	for _, c := range checks {
		r := ta.do(c.method, c.path, c.tok, c.body)
		if r.Status != c.want {
			t.Errorf("%s %s as %s: want %d, got %d %.200s", c.method, c.path, c.who, c.want, r.Status, r.Raw)
		}
	}
	// Lists hold only what the scope covers.
	names := func(tok, path string) map[string]bool {
		out := map[string]bool{}
		for _, x := range items(ta.must(ta.do("GET", path, tok, nil), 200, path)) {
			out[fmt.Sprint(x["name"], x["title"])] = true
		}
		return out
	}
	if got := names(sub1, "/api/v1/console/subdistricts"); !got["默认街道<nil>"] || got["东湖街道<nil>"] {
		t.Errorf("sub1's subdistricts: %v", got)
	}
	if got := names(sub2, "/api/v1/console/communities"); len(got) != 1 || !got["东湖社区<nil>"] {
		t.Errorf("sub2's communities: %v", got)
	}
	if got := names(w.admin, "/api/v1/console/communities"); len(got) != 2 {
		t.Errorf("the district's communities: %v", got)
	}
	for _, x := range items(ta.must(ta.do("GET", "/api/v1/console/communities", w.admin, nil), 200, "communities")) {
		want := map[string]string{"东湖社区": "东湖街道"}[fmt.Sprint(x["name"])]
		if want == "" {
			want = "默认街道"
		}
		if x["subdistrict_name"] != want {
			t.Errorf("community %v: subdistrict_name %v, want %s", x["name"], x["subdistrict_name"], want)
		}
	}
	if got := names(sub1, "/api/v1/admin/activities"); len(got) != 1 {
		t.Errorf("sub1's activities: %v", got)
	}
	// The audit log: a subdistrict's admin sees its entries only.
	for _, e := range ta.auditItems(sub1, "action=activity.publish") {
		if num(e["object_id"]) == act3 {
			t.Errorf("sub1 sees the other subdistrict's entry %v", e)
		}
	}
	if findAudit(ta.auditItems(sub1, "action=activity.publish"), "activity.publish", act1) == nil {
		t.Error("sub1 does not see its own subdistrict's entry")
	}
	if findAudit(ta.auditItems(w.admin, "action=activity.publish"), "activity.publish", act3) == nil {
		t.Error("the district admin does not see every entry")
	}
	// Narrowing the log to a subdistrict or a community.
	for _, q := range []string{fmt.Sprintf("subdistrict_id=%d", s2), fmt.Sprintf("community_id=%d", c3)} {
		got := ta.auditItems(w.admin, "action=activity.publish&"+q)
		if findAudit(got, "activity.publish", act3) == nil || findAudit(got, "activity.publish", act1) != nil {
			t.Errorf("audit narrowed by %s: %v", q, got)
		}
	}
}
