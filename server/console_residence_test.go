package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestConsoleResidence: the console's 居住认证 page as a community's staff
// member uses it, logged in with the console's cookie session: the session
// opens the page (permission "residence", which an organisation's staff
// lack), the list shows only their community's applications, newest first,
// a page at a time (limit one more than shown, then before_id), and they
// reject with a reason (the server's 200-character limit) and approve, the
// CSRF token on every change.
func TestConsoleResidence(t *testing.T) {
	sw, ta := newScopeWorld(t)
	apply := func(tok string, community int64, unit string) int64 {
		t.Helper()
		return num(ta.must(ta.do("POST", "/api/v1/me/residence/applications", tok, map[string]any{"community_id": community,
			"address": "幸福路88号阳光小区", "building": "3号楼", "unit": unit}), 201, "apply").Body["id"])
	}
	tokA, _ := sw.resident("res-a", "王丽")
	tokB, _ := sw.resident("res-b", "李强")
	tokC, _ := sw.resident("res-c", "赵敏")
	tokD, _ := sw.resident("res-d", "孙悦")
	a := apply(tokA, sw.c1, "1单元101")
	b := apply(tokB, sw.c1, "1单元102")
	c := apply(tokC, sw.c1, "1单元103")
	other := apply(tokD, sw.c3, "2单元201") // another subdistrict's community

	staff := ta.browser()
	s := staff.qrLogin(sw.cStaf).Body["session"].(map[string]any)
	if perms := fmt.Sprint(s["permissions"]); !strings.Contains(perms, "residence") {
		t.Fatalf("community staff's console session lacks the residence page: %s", perms)
	}
	orgStaff := ta.browser()
	orgPerms := orgStaff.qrLogin(sw.orgStaff).Body["session"].(map[string]any)["permissions"].([]any)
	if slices.Contains(orgPerms, any("residence")) {
		t.Errorf("an organisation's staff are shown the residence page: %v", orgPerms)
	}

	ids := func(r resp) []int64 {
		var out []int64
		for _, it := range items(r) {
			out = append(out, num(it["id"]))
		}
		return out
	}
	list := func(query string) resp {
		t.Helper()
		return ta.must(staff.do("GET", "/api/v1/admin/residence/applications?"+query, nil), 200, "list "+query)
	}
	// The page asks for one more than it shows: 2 of 3 shown, so a next page exists.
	first := list("status=pending&limit=3")
	if got := ids(first); fmt.Sprint(got) != fmt.Sprint([]int64{c, b, a}) {
		t.Fatalf("community A's pending applications, newest first: %v, want %v", got, []int64{c, b, a})
	}
	row := items(first)[0]
	if row["user_name"] != "赵敏" || num(row["community_id"]) != sw.c1 || row["address"] != "幸福路88号阳光小区" || row["building"] != "3号楼" ||
		row["unit"] != "1单元103" || row["status"] != "pending" || row["created_at"] == nil {
		t.Errorf("the row the page shows: %v", row)
	}
	if got := ids(list(fmt.Sprintf("status=pending&limit=3&before_id=%d", b))); fmt.Sprint(got) != fmt.Sprint([]int64{a}) {
		t.Errorf("the next page: %v, want [%d]", got, a)
	}
	for _, bad := range []string{"limit=0", "limit=101", "limit=x"} {
		expectError(t, staff.do("GET", "/api/v1/admin/residence/applications?"+bad, nil), 400, "BAD_QUERY")
	}
	// Another subdistrict's admin sees only theirs.
	if got := ids(ta.must(ta.do("GET", "/api/v1/admin/residence/applications?status=pending", sw.sub2, nil), 200, "sub2")); fmt.Sprint(got) != fmt.Sprint([]int64{other}) {
		t.Errorf("subdistrict 2's admin: %v, want [%d]", got, other)
	}

	// Reject: a reason is required and at most 200 characters; the CSRF token is required.
	path := func(id int64, verb string) string {
		return fmt.Sprintf("/api/v1/admin/residence/applications/%d/%s", id, verb)
	}
	expectError(t, staff.do("POST", path(a, "reject"), map[string]string{"reason": "  "}), 400, "REASON_REQUIRED")
	expectError(t, staff.do("POST", path(a, "reject"), map[string]string{"reason": strings.Repeat("号", 201)}), 400, "REASON_REQUIRED")
	expectError(t, staff.do("POST", path(a, "reject"), map[string]string{"reason": "门牌号与登记不符"}, "X-CSRF-Token", "forged"), 403, "CSRF_TOKEN_INVALID")
	if r := ta.must(staff.do("POST", path(a, "reject"), map[string]string{"reason": strings.Repeat("号", 200)}), 200, "reject"); r.str("status") != "rejected" {
		t.Fatalf("reject: %s", r.Raw)
	}
	if r := ta.must(staff.do("POST", path(b, "approve"), nil), 200, "approve"); r.Body["application"].(map[string]any)["status"] != "approved" {
		t.Fatalf("approve: %s", r.Raw)
	}
	expectError(t, staff.do("POST", path(b, "approve"), nil), 409, "RESIDENCE_APPLICATION_DECIDED")
	expectError(t, staff.do("POST", path(other, "approve"), nil), 404, "RESIDENCE_APPLICATION_NOT_FOUND")

	if got := ids(list("status=pending")); fmt.Sprint(got) != fmt.Sprint([]int64{c}) {
		t.Errorf("pending after the decisions: %v, want [%d]", got, c)
	}
	rejected := items(list("status=rejected"))
	if len(rejected) != 1 || num(rejected[0]["id"]) != a || rejected[0]["reason"] != strings.Repeat("号", 200) || rejected[0]["reviewed_at"] == nil {
		t.Errorf("the rejected list: %v", rejected)
	}
}
