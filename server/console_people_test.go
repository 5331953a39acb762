package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"gongjian/internal/resident"
)

// TestConsolePeople: the console's people page finds the residents of the
// caller's scope by name or phone digits, newest first, keyset-paged, with
// their roles and only a masked phone.
func TestConsolePeople(t *testing.T) {
	sw, ta := newScopeWorld(t)
	wangTok, wang := sw.resident("ppl-wang", "王小明")
	ta.must(ta.do("POST", "/api/v1/me/phone", wangTok, map[string]string{"code": "dev:phone:13912345678"}), 200, "phone")
	ta.grant("ppl-wang", resident.RoleChange{Role: "volunteer"})
	_, li := sw.resident("ppl-li", "李四")
	zhaoTok, zhao := ta.login("ppl-zhao")
	ta.must(ta.do("PATCH", "/api/v1/me", zhaoTok, map[string]any{"community_id": sw.c3, "real_name": "赵六"}), 200, "profile")

	people := func(tok, query string) (ids []int64, items_ []map[string]any, next string) {
		t.Helper()
		r := ta.must(ta.do("GET", "/api/v1/console/people?"+query, tok, nil), 200, "people "+query)
		for _, it := range items(r) {
			ids = append(ids, num(it["id"]))
		}
		next, _ = r.Body["next_cursor"].(string)
		return ids, items(r), next
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	// The whole number a resident tells the desk finds them too (by its
	// masked form: the page never learns more of it).
	for _, q := range []string{"王小明", "小明", "5678", "139****5678", "13912345678"} {
		got, list, _ := people(sw.admin, "q="+url.QueryEscape(q))
		same("district admin searches "+q, got, wang)
		if len(list) == 1 {
			roles := fmt.Sprint(list[0]["roles"])
			if list[0]["phone_masked"] != "139****5678" || list[0]["real_name"] != "王小明" || !strings.Contains(roles, "volunteer") {
				t.Errorf("the person found: %v", list[0])
			}
		}
	}
	raw := string(ta.do("GET", "/api/v1/console/people?q=5678", sw.admin, nil).Raw)
	if strings.Contains(raw, "13912345678") {
		t.Error("the people page shows a full phone number")
	}
	// Scopes: each sees the residents of their communities only.
	sub1, _, _ := people(sw.sub1, "")
	same("subdistrict 1's admin", sub1, li, wang)
	sub2, _, _ := people(sw.sub2, "q="+url.QueryEscape("赵六"))
	same("subdistrict 2's admin", sub2, zhao)
	c3, _, _ := people(sw.staff3, "q="+url.QueryEscape("王小明"))
	same("community 3's staff search another community", c3)
	org, _, _ := people(sw.orgStaff, "")
	same("an organisation's staff (no community)", org)
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/console/people?community_id=%d", sw.c3), sw.cStaf, nil), 403, "FORBIDDEN")
	expectError(t, ta.do("GET", "/api/v1/console/people", wangTok, nil), 403, "FORBIDDEN")
	// Keyset pages.
	first, _, next := people(sw.cStaf, "limit=1")
	second, _, last := people(sw.cStaf, "limit=1&cursor="+url.QueryEscape(next))
	same("page 1", first, li)
	same("page 2", second, wang)
	if last != "" {
		t.Errorf("a cursor after the last page: %q", last)
	}
}
