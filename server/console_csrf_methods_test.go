package main

import "testing"

// TestConsoleCSRFOnEveryChangingMethod: a cookie session's PUT and DELETE
// are refused without the CSRF token as its POST and PATCH are (issue 17
// acceptance: "session cookies refused without the CSRF token"), before
// the route looks at anything else.
func TestConsoleCSRFOnEveryChangingMethod(t *testing.T) {
	ta := newTestApp(t)
	staffTok, _ := ta.staffUser("csrf-methods-staff")
	b := ta.browser()
	b.qrLogin(staffTok)
	b.csrf = ""
	for _, c := range []struct{ method, path string }{
		{"PUT", "/api/v1/me/hours/identity"},
		{"DELETE", "/api/v1/me/dependents/1"},
		{"DELETE", "/api/v1/admin/users/1/roles"},
		{"POST", "/api/v1/admin/activities"},
	} {
		expectError(t, b.do(c.method, c.path, map[string]any{}), 403, "CSRF_TOKEN_INVALID")
	}
}
