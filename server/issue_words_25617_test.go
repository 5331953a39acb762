package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"gongjian/internal/resident"
)

// Issues 2, 5, 6 and 17 read word by word, as a black-box test would be
// written from them: each name the text gives a field or a filter is
// accepted, and a filter is never silently ignored.

// Issue 2: "PATCH /api/v1/me (nickname, avatar URL, real name,
// community)", and `server admin grant ... [--community ID]` whose API
// twin grants and revokes roles. "community" is accepted beside
// community_id, and WeChat's own nickName/realName spellings beside
// nickname/real_name; the answer keeps its one shape.
func TestProfileAndRoleWordsFromIssue2(t *testing.T) {
	w, ta := newRegWorld(t)
	tok, id := ta.login("words-profile")

	r := ta.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community": w.community, "nickName": "小花", "realName": "王小花"}), 200, "profile")
	if num(r.Body["community_id"]) != w.community || r.str("nickname") != "小花" || r.str("real_name") != "王小花" {
		t.Fatalf("PATCH /me with community, nickName, realName: %s", r.Raw)
	}
	if me := ta.must(ta.do("GET", "/api/v1/me", tok, nil), 200, "me"); num(me.Body["community_id"]) != w.community {
		t.Fatalf("community not kept: %s", me.Raw)
	}

	hasStaff := func(r resp) bool {
		for _, x := range r.Body["roles"].([]any) {
			if m := x.(map[string]any); m["role"] == "staff" && num(m["community_id"]) == w.community {
				return true
			}
		}
		return false
	}
	path := fmt.Sprintf("/api/v1/admin/users/%d/roles", id)
	r = ta.must(ta.do("POST", path, w.admin, map[string]any{"role": "staff", "community": w.community}), 200, "grant with community")
	if !hasStaff(r) {
		t.Fatalf("grant staff with community: %s", r.Raw)
	}
	r = ta.must(ta.do("DELETE", path, w.admin, map[string]any{"role": "staff", "community": w.community}), 200, "revoke with community")
	if hasStaff(r) {
		t.Fatalf("revoke staff with community in the body: %s", r.Raw)
	}
	ta.must(ta.do("POST", path, w.admin, map[string]any{"role": "staff", "community_id": w.community}), 200, "grant again")
	r = ta.must(ta.do("DELETE", path+fmt.Sprintf("?role=staff&community=%d", w.community), w.admin, nil), 200, "revoke with ?community")
	if hasStaff(r) {
		t.Fatalf("revoke staff with ?community: %s", r.Raw)
	}
}

// Issue 17 point 4: the audit log records "who, which role, ..." and admins
// filter it: ?role= filters by the role the actor acted in, as actor_role
// does, instead of being ignored.
func TestAuditFilterByRoleWord(t *testing.T) {
	w, ta := newRegWorld(t)
	_, resID := ta.login("words-audit-resident")
	w.activity(w.cStaf, nil) // staff entries
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.admin, map[string]any{"role": "volunteer"}), 200, "grant")
	for _, role := range []string{"staff", "admin"} {
		got := ta.auditItems(w.admin, "role="+role)
		if len(got) == 0 {
			t.Errorf("role=%s: no entries", role)
		}
		for _, e := range got {
			if e["actor_role"] != role {
				t.Errorf("role=%s: entry of %v (%v)", role, e["actor_role"], e["action"])
			}
		}
	}
}

// Issue 17 point 5: "people (residents search by masked phone or name,
// roles)": ?name= and ?phone= search as ?q= does (the console's
// registrations list reads them too), and ?role= lists the holders of a
// role.
func TestConsolePeopleByNameAndPhoneWords(t *testing.T) {
	sw, ta := newScopeWorld(t)
	wangTok, wang := sw.resident("words-wang", "王小明")
	ta.must(ta.do("POST", "/api/v1/me/phone", wangTok, map[string]string{"code": "dev:phone:13912345678"}), 200, "phone")
	_, li := sw.resident("words-li", "李四")
	ta.grant("words-wang", resident.RoleChange{Role: "volunteer"})
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"name=" + url.QueryEscape("王小明"), wang},
		{"name=" + url.QueryEscape("李四"), li},
		{"phone=5678", wang},
		{"phone=" + url.QueryEscape("139****5678"), wang},
		{"role=volunteer", wang},
		{"role=volunteer&name=" + url.QueryEscape("李四"), 0},
		// The console's 姓名 and 手机号 boxes given together: each narrows.
		{"name=" + url.QueryEscape("王") + "&phone=5678", wang},
		{"name=" + url.QueryEscape("李四") + "&phone=5678", 0},
		{"q=" + url.QueryEscape("李四") + "&phone=5678", 0},
	} {
		list := items(ta.must(ta.do("GET", "/api/v1/console/people?"+c.query, sw.admin, nil), 200, "people "+c.query))
		if c.want == 0 && len(list) == 0 {
			continue
		}
		if len(list) != 1 || num(list[0]["id"]) != c.want {
			var ids []string
			for _, it := range list {
				ids = append(ids, fmt.Sprint(it["id"]))
			}
			t.Errorf("people?%s: got [%s], want %d", c.query, strings.Join(ids, " "), c.want)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/console/people?role=emperor", sw.admin, nil), 400, "BAD_QUERY")
}

// Issue 17 point 5: registrations "with filters, waitlist, remove,
// no-show, check-in state": ?checked_in=true|false narrows an activity's
// registrations and the console's list to those checked in or not.
func TestRegistrationsCheckedInFilter(t *testing.T) {
	w, ta := newCkWorld(t)
	aliceTok, _, aliceReg := w.resident("words-ck-alice", "张小花", w.clinicS1)
	_, _, bobReg := w.resident("words-ck-bob", "李大壮", w.clinicS1)
	w.must(ta.do("POST", "/api/v1/checkins", w.staff, scanBody(w.ticket(aliceTok, aliceReg), "words-n-1")), 200)

	ids := func(tok, path string) []int64 {
		t.Helper()
		var got []int64
		for _, it := range items(w.must(ta.do("GET", path, tok, nil), 200)) {
			got = append(got, num(it["id"]))
		}
		return got
	}
	for _, c := range []struct {
		tok, path string
		want      []int64
	}{
		{w.staff, fmt.Sprintf("/api/v1/admin/activities/%d/registrations?checked_in=true", w.clinic), []int64{aliceReg}},
		{w.staff, fmt.Sprintf("/api/v1/admin/activities/%d/registrations?checked_in=false", w.clinic), []int64{bobReg}},
		{w.staff, fmt.Sprintf("/api/v1/admin/activities/%d/registrations", w.clinic), []int64{aliceReg, bobReg}},
		{w.admin, fmt.Sprintf("/api/v1/console/registrations?activity_id=%d&checked_in=true", w.clinic), []int64{aliceReg}},
		{w.admin, fmt.Sprintf("/api/v1/console/registrations?activity_id=%d&checked_in=false", w.clinic), []int64{bobReg}},
	} {
		if got := ids(c.tok, c.path); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.path, got, c.want)
		}
	}
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations?checked_in=maybe", w.clinic), w.staff, nil), 400, "BAD_QUERY")
}

// Issue 17 point 2: "In the embedded/development mode a `dev:<name>`
// login is also offered": the console's development login reads it as the
// mini-program's login sends it, {"code": "dev:<name>"}, beside {"name"}.
func TestConsoleDevLoginByCode(t *testing.T) {
	ta := newTestApp(t, devConsole)
	r := ta.must(ta.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"code": "dev:admin"}), 200, "dev login by code")
	if r.Body["scope"].(map[string]any)["level"] != "district" || setCookie(r, "gj_console") == nil || r.str("csrf_token") == "" {
		t.Fatalf("{code: dev:admin}: %s", r.Raw)
	}
	expectError(t, ta.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"code": "dev:nobody"}), 403, "CONSOLE_FORBIDDEN")
	expectError(t, ta.browser().do("POST", "/api/v1/console/login/dev", map[string]string{"code": ""}), 400, "INVALID_NAME")
}
