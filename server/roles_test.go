package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Issue 13 point 7: the last admin stays (even when two admins remove each
// other at once), a staff role's breadth is asked for explicitly, and
// appointing someone who does not exist is 404.
func TestRolesLastAdminAndExplicitScope(t *testing.T) {
	w, ta := newCkWorld(t)
	roles := func(id int64) string { return fmt.Sprintf("/api/v1/admin/users/%d/roles", id) }

	// The only admin cannot remove their own admin role.
	expectError(t, ta.do("DELETE", roles(w.adminID), w.admin, map[string]any{"role": "admin"}), 409, "LAST_ADMIN")

	// Staff without a community or organisation: refused unless the whole
	// subdistrict is asked for explicitly; a scope contradicting the ids,
	// an admin with a community and an unknown scope are refused too.
	_, uid := ta.login("role-target")
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"role": "staff"}, 400, "SCOPE_REQUIRED"},
		{map[string]any{"role": "staff", "scope": "community"}, 400, "SCOPE_REQUIRED"},
		{map[string]any{"role": "staff", "scope": "subdistrict", "community_id": w.community}, 400, "SCOPE_CONFLICT"},
		{map[string]any{"role": "staff", "scope": "org", "community_id": w.community}, 400, "SCOPE_REQUIRED"},
		{map[string]any{"role": "admin", "community_id": w.community}, 400, "SCOPE_CONFLICT"},
		{map[string]any{"role": "staff", "scope": "city"}, 400, "INVALID_SCOPE"},
		// A unit contact's org_id is a co-building unit: not nothing, not
		// an organisation that only hosts activities.
		{map[string]any{"role": "unit_contact", "org_id": 987654321}, 400, "UNKNOWN_UNIT"},
		{map[string]any{"role": "unit_contact", "org_id": w.org}, 400, "UNKNOWN_UNIT"},
		// Any other role's org_id is an organisation that exists.
		{map[string]any{"role": "staff", "scope": "org", "org_id": 987654321}, 400, "UNKNOWN_ORGANIZATION"},
		{map[string]any{"role": "staff", "org_id": 987654321}, 400, "UNKNOWN_ORGANIZATION"},
	} {
		expectError(t, ta.do("POST", roles(uid), w.admin, tc.body), tc.status, tc.code)
	}
	if u, _ := ta.app.residents.Me(context.Background(), uid); len(u.Roles) != 0 {
		t.Fatalf("a refused grant left roles: %+v", u.Roles)
	}
	r := ta.do("POST", roles(uid), w.admin, map[string]any{"role": "staff", "scope": "subdistrict"})
	if r.Status != 200 {
		t.Fatalf("explicit subdistrict staff: %d %s", r.Status, r.Raw)
	}
	if u, _ := ta.app.residents.Me(context.Background(), uid); !u.IsStaffOf(w.community) || !u.IsStaffOf(w.community+1000) {
		t.Fatalf("subdistrict staff: %+v", u.Roles)
	}
	r = ta.do("POST", roles(uid), w.admin, map[string]any{"role": "staff", "scope": "community", "community_id": w.community})
	if r.Status != 200 {
		t.Fatalf("community staff: %d %s", r.Status, r.Raw)
	}
	unit := ta.do("POST", "/api/v1/admin/units", w.admin, map[string]any{"name": "区图书馆", "kind": "institution", "communities": []int64{w.community}})
	if unit.Status != 201 {
		t.Fatalf("unit: %d %s", unit.Status, unit.Raw)
	}
	if r := ta.do("POST", roles(uid), w.admin, map[string]any{"role": "unit_contact", "org_id": unit.Body["id"]}); r.Status != 200 {
		t.Fatalf("unit contact: %d %s", r.Status, r.Raw)
	}

	// Appointing someone who does not exist: 404, nothing created.
	const ghost = 987654321
	expectError(t, ta.do("POST", roles(ghost), w.admin, map[string]any{"role": "volunteer"}), 404, "USER_NOT_FOUND")
	expectError(t, ta.do("DELETE", roles(ghost), w.admin, map[string]any{"role": "volunteer"}), 404, "USER_NOT_FOUND")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.clinic), w.staff, map[string]any{"user_id": ghost}), 404, "USER_NOT_FOUND")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", w.volS), w.staff, map[string]any{"user_id": ghost}), 404, "USER_NOT_FOUND")
	if n := ta.count("checkin_checkers") + ta.count("volunteer_slots"); n != 0 {
		t.Fatalf("%d appointments of nobody", n)
	}
	// A real person is appointed as before.
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.clinic), w.staff, map[string]any{"user_id": uid}); r.Status != 201 {
		t.Fatalf("checker: %d %s", r.Status, r.Raw)
	}

	// Two admins removing each other at once: one succeeds, the other is
	// refused, and an admin remains (round after round).
	ctx := context.Background()
	_, second := ta.login("second-admin")
	for round := 0; round < 15; round++ {
		for _, id := range []int64{w.adminID, second} {
			if _, err := ta.app.residents.GrantRole(ctx, 0, id, resident.RoleChange{Role: "admin"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		codes := make([]string, 2)
		for i, id := range []int64{w.adminID, second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := ta.app.residents.RevokeRole(ctx, id, resident.RoleChange{Role: "admin"})
				codes[i] = errs.CodeOf(err)
				if err == nil {
					codes[i] = "OK"
				}
			}()
		}
		wg.Wait()
		var left int64
		if err := ta.app.db.G.Table("user_roles").Where("role = ?", "admin").Count(&left).Error; err != nil {
			t.Fatal(err)
		}
		ok := (codes[0] == "OK") != (codes[1] == "OK")
		if left != 1 || !ok || (codes[0] != "LAST_ADMIN" && codes[1] != "LAST_ADMIN") {
			t.Fatalf("round %d: %v, %d admins left", round, codes, left)
		}
	}
}

// The admin command grants roles by openid: a resident sees their own
// openid (login answer, GET /me) and an admin sees it on the user
// (GET /admin/users/{id}), as the README says; staff browsing residents in
// the console do not.
func TestOpenIDShownToItsOwnerAndAdmins(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("oid-admin")
	ta.grant("oid-admin", resident.RoleChange{Role: "admin"})
	r := ta.loginAnswer("oid-alice")
	want := ta.openID("oid-alice")
	if u, _ := r.Body["user"].(map[string]any); u["openid"] != want {
		t.Fatalf("login answer: user.openid = %v, want %s (%s)", u["openid"], want, r.Raw)
	}
	tok := r.str("token")
	id := int64(r.Body["user"].(map[string]any)["id"].(float64))
	if got := ta.do("GET", "/api/v1/me", tok, nil).str("openid"); got != want {
		t.Fatalf("GET /me: openid %q, want %s", got, want)
	}
	if got := ta.do("GET", fmt.Sprintf("/api/v1/admin/users/%d", id), adminTok, nil).str("openid"); got != want {
		t.Fatalf("GET /admin/users/{id}: openid %q, want %s", got, want)
	}
	if raw := string(ta.do("GET", "/api/v1/console/people", adminTok, nil).Raw); strings.Contains(raw, want) || strings.Contains(raw, `"openid"`) {
		t.Fatalf("the console's people list shows openids: %s", raw)
	}
}

// A role change applies to the next request: a volunteer or party member
// who loses the role carries on with the same token and no longer has it
// (only the roles that open staff doors end the tokens the user holds:
// TestRevocationReachesEveryProcess).
func TestRevokedResidentRoleAppliesOnNextRequest(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("rr-admin")
	ta.grant("rr-admin", resident.RoleChange{Role: "admin"})
	for _, role := range []string{"volunteer", "party_member"} {
		t.Run(role, func(t *testing.T) {
			tok, id := ta.login("rr-" + role)
			path := fmt.Sprintf("/api/v1/admin/users/%d/roles", id)
			ta.must(ta.do("POST", path, adminTok, map[string]any{"role": role}), 200, "grant")
			if me := ta.must(ta.do("GET", "/api/v1/me", tok, nil), 200, "me after the grant"); !strings.Contains(string(me.Raw), `"`+role+`"`) {
				t.Fatalf("granted %s not shown: %s", role, me.Raw)
			}
			ta.must(ta.do("DELETE", path, adminTok, map[string]any{"role": role}), 200, "revoke")
			me := ta.do("GET", "/api/v1/me", tok, nil)
			if me.Status != 200 || strings.Contains(string(me.Raw), `"`+role+`"`) {
				t.Fatalf("after revoking %s, the next request: %d %s", role, me.Status, me.Raw)
			}
		})
	}
}

// `gongjian admin revoke` ends a staff member's access tokens as the admin
// API does (TestRevocationReachesEveryProcess); a volunteer revoked there
// carries on without the role.
func TestAdminCommandRevokeEndsStaffTokens(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("cli-admin")
	ta.grant("cli-admin", resident.RoleChange{Role: "admin"})
	community := num(ta.must(ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "阳光社区"}), 201, "community").Body["id"])
	staffTok, _ := ta.login("cli-staff")
	volTok, _ := ta.login("cli-vol")
	ctx := context.Background()
	for _, args := range [][]string{
		{"grant", "--openid", ta.openID("cli-staff"), "--role", "staff", "--community", fmt.Sprint(community)},
		{"grant", "--openid", ta.openID("cli-vol"), "--role", "volunteer"},
	} {
		if err := adminCommand(ctx, ta.app, args); err != nil {
			t.Fatalf("admin %v: %v", args, err)
		}
	}
	ta.must(ta.do("GET", "/api/v1/admin/hours/claims", staffTok, nil), 200, "staff before the revocation")
	for _, args := range [][]string{
		{"revoke", "--openid", ta.openID("cli-staff"), "--role", "staff", "--community", fmt.Sprint(community)},
		{"revoke", "--openid", ta.openID("cli-vol"), "--role", "volunteer"},
	} {
		if err := adminCommand(ctx, ta.app, args); err != nil {
			t.Fatalf("admin %v: %v", args, err)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/me", staffTok, nil), 401, "TOKEN_REVOKED")
	if me := ta.do("GET", "/api/v1/me", volTok, nil); me.Status != 200 || strings.Contains(string(me.Raw), "volunteer") {
		t.Fatalf("the volunteer after the revocation: %d %s", me.Status, me.Raw)
	}
}
