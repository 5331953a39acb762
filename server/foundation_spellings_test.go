package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/cst"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// Issue 2 describes a family member by name, relation, birth date and
// gender, and a child under 14 by "the guardian's recorded consent
// (version + time)". A client written from that text may send the birth
// date as an RFC 3339 time, the gender in Chinese, and the consent with
// its time, as the answer's own "consent" object or as its version alone:
// each is accepted, and the answer keeps its one shape.
func TestDependentRequestSpellingsFromTheIssue(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("fiona")
	year := time.Now().In(cst.Zone).Year() - 6
	at := time.Now().UTC().Format(time.RFC3339)

	// A midnight in China given in UTC is the day before in UTC: the day
	// recorded is China's.
	r := ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{
		"name": "小雨", "relation": "child", "gender": "女",
		"birth_date":       fmt.Sprintf("%d-05-31T16:30:00Z", year),
		"guardian_consent": map[string]any{"version": resident.CurrentConsentVersion, "at": at},
	})
	if r.Status != 201 || r.str("birth_date") != fmt.Sprintf("%d-06-01", year) || r.str("gender") != "female" ||
		r.Body["usable"] != true || r.Body["consent"] == nil {
		t.Fatalf("guardian_consent with its time, RFC 3339 birth date, 女: %d %s", r.Status, r.Raw)
	}

	// The answer's consent object sent back.
	r = ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{
		"name": "小雷", "relation": "子女", "gender": "男", "birth_date": fmt.Sprintf("%d-02-03T00:00:00+08:00", year),
		"consent": map[string]any{"version": resident.CurrentConsentVersion, "at": at},
	})
	if r.Status != 201 || r.str("birth_date") != fmt.Sprintf("%d-02-03", year) || r.str("gender") != "male" ||
		r.str("relation") != "child" || r.Body["usable"] != true {
		t.Fatalf("consent object: %d %s", r.Status, r.Raw)
	}

	// Without consent, then consent given by its version alone.
	r = ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{
		"name": "小云", "relation": "child", "gender": "female", "birth_date": fmt.Sprintf("%d-07-08", year),
	})
	if r.Status != 201 || r.Body["usable"] != false {
		t.Fatalf("child without consent: %d %s", r.Status, r.Raw)
	}
	id := fmt.Sprint(int64(r.Body["id"].(float64)))
	r = ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"consent_version": resident.CurrentConsentVersion})
	if r.Status != 200 || r.Body["usable"] != true {
		t.Fatalf("consent_version: %d %s", r.Status, r.Raw)
	}

	// The rules stay: too long a version, a bad date, an unknown gender.
	expectError(t, ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"consent": map[string]any{"version": strings.Repeat("v", 33)}}), 400, "INVALID_CONSENT_VERSION")
	expectError(t, ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"birth_date": "2016-13-01T00:00:00Z"}), 400, "INVALID_BIRTH_DATE")
	expectError(t, ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"gender": "x"}), 400, "INVALID_GENDER")
	if n := ta.count("dependents"); n != 3 {
		t.Fatalf("want 3 family members, got %d", n)
	}
}

// "every response shows it masked (138****1234)": the user's phone is
// answered masked as phone (and phone_masked), never whole.
func TestPhoneShownMaskedAsPhone(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("gina")
	ta.remember("13812341234")
	r := ta.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": wxemu.PhoneCode("13812341234")})
	if r.Status != 200 || r.str("phone") != "138****1234" || r.str("phone_masked") != "138****1234" {
		t.Fatalf("phone binding: %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{"/api/v1/me"} {
		me := ta.do("GET", path, tok, nil)
		if me.str("phone") != "138****1234" || strings.Contains(string(me.Raw), "13812341234") {
			t.Fatalf("%s: %s", path, me.Raw)
		}
	}
	r = ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode("gina")})
	if u, _ := r.Body["user"].(map[string]any); r.Status != 200 || u["phone"] != "138****1234" {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
}

// "an admin API lets admins grant and revoke roles": a revocation may name
// the role in the query, as clients that send no body with DELETE do.
func TestRevokeRoleNamedInTheQuery(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("hadmin")
	_, userID := ta.login("hvol")
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), ta.openID("hadmin"), resident.RoleChange{Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	roles := fmt.Sprintf("/api/v1/admin/users/%d/roles", userID)
	if r := ta.do("POST", roles, adminTok, map[string]any{"role": "volunteer"}); r.Status != 200 || !strings.Contains(string(r.Raw), `"volunteer"`) {
		t.Fatalf("grant: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("DELETE", roles+"?role=volunteer&community_id=x", adminTok, nil), 400, "BAD_QUERY")
	r := ta.do("DELETE", roles+"?role=volunteer", adminTok, nil)
	if r.Status != 200 || strings.Contains(string(r.Raw), `"volunteer"`) {
		t.Fatalf("revoke by query: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("DELETE", roles+"?role=king", adminTok, nil), 400, "INVALID_ROLE")
}

// "A dependent under 14 needs the guardian's recorded consent (version +
// time) before it can be used anywhere": signing such a child up is
// refused (422 CONSENT_REQUIRED, nothing written) until the consent is
// recorded, then accepted.
func TestChildWithoutConsentCannotBeSignedUp(t *testing.T) {
	w, ta := newRegWorld(t)
	_, sid := w.lecture()
	tok, _ := w.resident("ivy", "李艾")
	birth := time.Now().In(cst.Zone).AddDate(-8, 0, -30).Format("2006-01-02")
	r := ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "李小艾", "relation": "child", "birth_date": birth, "gender": "female"})
	if r.Status != 201 || r.Body["usable"] != false {
		t.Fatalf("child: %d %s", r.Status, r.Raw)
	}
	kid := num(r.Body["id"])
	regs := ta.count("registrations")
	expectError(t, w.register(tok, sid, []map[string]any{{"dependent_id": kid}}, nil), 422, "CONSENT_REQUIRED")
	if ta.count("registrations") != regs {
		t.Fatal("a refused sign-up wrote a registration")
	}
	r = ta.do("PATCH", fmt.Sprintf("/api/v1/me/dependents/%d", kid), tok, map[string]any{"guardian_consent": map[string]string{"version": resident.CurrentConsentVersion}})
	if r.Status != 200 || r.Body["usable"] != true {
		t.Fatalf("consent: %d %s", r.Status, r.Raw)
	}
	if r = w.register(tok, sid, []map[string]any{{"dependent_id": kid}}, nil); r.Status != 201 {
		t.Fatalf("sign-up after consent: %d %s", r.Status, r.Raw)
	}
}

// "a reused (already rotated) refresh token revokes that login": the access
// tokens the login holds stop working too, not only its refresh token,
// while another login of the same user can still refresh.
func TestRefreshReuseEndsTheLoginsAccessTokens(t *testing.T) {
	ta := newTestApp(t)
	first := ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode("jack")})
	other := ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode("jack")})
	rotated := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.str("refresh_token")})
	if rotated.Status != 200 {
		t.Fatalf("refresh: %d %s", rotated.Status, rotated.Raw)
	}
	if r := ta.do("GET", "/api/v1/me", rotated.str("token"), nil); r.Status != 200 {
		t.Fatalf("me before reuse: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.str("refresh_token")}), 401, "REFRESH_TOKEN_REUSED")
	if r := ta.do("GET", "/api/v1/me", rotated.str("token"), nil); r.Status != 401 {
		t.Fatalf("the revoked login's access token still works: %d %s", r.Status, r.Raw)
	}
	// Another login of the same user keeps its refresh token (its access
	// tokens end too: revocation is per user, by token version).
	if r := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": other.str("refresh_token")}); r.Status != 200 {
		t.Fatalf("the other login's refresh: %d %s", r.Status, r.Raw)
	}
}

// "WeChat unreachable → 503": with nothing listening at the WeChat API
// base, a login is 503 WECHAT_UNAVAILABLE and writes nothing.
func TestLoginWeChatUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	ta := newTestApp(t, func(c *config.Config) { c.WeChat.APIBase = closed })
	expectError(t, ta.do("POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:kim"}), 503, "WECHAT_UNAVAILABLE")
	if n := ta.count("users"); n != 0 {
		t.Fatalf("a failed login wrote %d users", n)
	}
}
