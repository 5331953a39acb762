package main

import "testing"

// TestResidentLogout: POST /api/v1/auth/logout ends the mini-program login
// whose refresh token it is given (the refresh token is refused as a
// revoked login's is), retires the user's access tokens (TOKEN_REVOKED),
// leaves the user's other logins able to refresh, and answers 204 again
// when called a second time.
func TestResidentLogout(t *testing.T) {
	ta := newTestApp(t)
	a := ta.loginAnswer("lou")
	b := ta.loginAnswer("lou") // the same resident on a second phone
	if a.Status != 200 || b.Status != 200 {
		t.Fatalf("login: %d %d", a.Status, b.Status)
	}
	expectError(t, ta.do("POST", "/api/v1/auth/logout", "", nil), 401, "UNAUTHENTICATED")

	r := ta.do("POST", "/api/v1/auth/logout", a.str("token"), map[string]string{"refresh_token": a.str("refresh_token")})
	if r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": a.str("refresh_token")}), 401, "INVALID_REFRESH_TOKEN")
	expectError(t, ta.do("GET", "/api/v1/me", a.str("token"), nil), 401, "TOKEN_REVOKED")
	// Idempotent: again with the now revoked token.
	if r := ta.do("POST", "/api/v1/auth/logout", a.str("token"), map[string]string{"refresh_token": a.str("refresh_token")}); r.Status != 204 {
		t.Fatalf("second logout: %d %s", r.Status, r.Raw)
	}

	// The other phone's login goes on after one refresh.
	expectError(t, ta.do("GET", "/api/v1/me", b.str("token"), nil), 401, "TOKEN_REVOKED")
	b2 := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": b.str("refresh_token")})
	if b2.Status != 200 {
		t.Fatalf("other login's refresh: %d %s", b2.Status, b2.Raw)
	}
	if r := ta.do("GET", "/api/v1/me", b2.str("token"), nil); r.Status != 200 {
		t.Fatalf("other login after refresh: %d %s", r.Status, r.Raw)
	}

	// Another resident's refresh token cannot end that resident's login:
	// the caller's own logins end instead.
	c := ta.loginAnswer("cai")
	if r := ta.do("POST", "/api/v1/auth/logout", b2.str("token"), map[string]string{"refresh_token": c.str("refresh_token")}); r.Status != 204 {
		t.Fatalf("logout with a stranger's token: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": b2.str("refresh_token")}), 401, "INVALID_REFRESH_TOKEN")
	if r := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": c.str("refresh_token")}); r.Status != 200 {
		t.Fatalf("the stranger's login was ended: %d %s", r.Status, r.Raw)
	}

	// Without a body (or with {}) every login of the caller ends.
	d := ta.loginAnswer("dai")
	e := ta.loginAnswer("dai")
	if r := ta.do("POST", "/api/v1/auth/logout", d.str("token"), map[string]any{}); r.Status != 204 {
		t.Fatalf("logout with {}: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", "/api/v1/auth/logout", d.str("token"), nil); r.Status != 204 {
		t.Fatalf("second logout without a body: %d %s", r.Status, r.Raw)
	}
	for _, x := range []resp{d, e} {
		expectError(t, ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": x.str("refresh_token")}), 401, "INVALID_REFRESH_TOKEN")
	}
	// A new login works at once.
	f := ta.loginAnswer("dai")
	if r := ta.do("GET", "/api/v1/me", f.str("token"), nil); r.Status != 200 {
		t.Fatalf("login after logout: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", "/api/v1/auth/logout", f.str("token"), map[string]any{"refresh_token": 7}); r.Status != 400 {
		t.Fatalf("a malformed body: %d %s", r.Status, r.Raw)
	}
}
