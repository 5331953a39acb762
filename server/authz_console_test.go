package main

import "fmt"

// consoleRows are the desk console's routes (issue 17) as the
// mini-program's bearer tokens see them. The console's own cookie
// sessions and the personas of two subdistricts are in
// TestConsoleScopeMatrix (console_scope_test.go).
func (w *authzWorld) consoleRows() []authzRow {
	ok := 200
	pub := st(ok, ok, ok, ok, ok, ok, ok)
	// Only console users (staff, admins, unit contacts) act on a desk's login code.
	consoleUsers := stu(st(401, 403, 403, ok, ok, ok, ok), ok, ok)
	ticket := func(action string) func(int) authzCall {
		return func(int) authzCall {
			return p2("/api/v1/console/qr/%s/%s", w.consoleTicket(), action)
		}
	}
	return []authzRow{
		{"GET /api/v1/console/login/options", pub, func(int) authzCall { return p2("/api/v1/console/login/options") }},
		{"POST /api/v1/console/login/qr", st(201, 201, 201, 201, 201, 201, 201), func(int) authzCall { return p2("/api/v1/console/login/qr") }},
		// Without the browser's binding cookie nobody collects a login.
		{"GET /api/v1/console/login/qr", st(404, 404, 404, 404, 404, 404, 404), func(int) authzCall { return p2("/api/v1/console/login/qr") }},
		// The development login is off here (an outside fake WeChat).
		{"POST /api/v1/console/login/dev", st(404, 404, 404, 404, 404, 404, 404), func(int) authzCall {
			return authzCall{path: "/api/v1/console/login/dev", body: map[string]string{"name": "admin"}}
		}},
		// A bearer token is no console session.
		{"GET /api/v1/console/session", st(401, 401, 401, 401, 401, 401, 401), func(int) authzCall { return p2("/api/v1/console/session") }},
		{"POST /api/v1/console/logout", st(401, 204, 204, 204, 204, 204, 204), func(int) authzCall { return p2("/api/v1/console/logout") }},
		{"POST /api/v1/console/qr/{ticket}/scan", consoleUsers, ticket("scan")},
		{"POST /api/v1/console/qr/{ticket}/confirm", consoleUsers, ticket("confirm")},
		{"POST /api/v1/console/qr/{ticket}/refuse", consoleUsers, ticket("refuse")},
		// Subdistricts and communities: every console user sees those in
		// scope; only district admins change them.
		{"GET /api/v1/console/subdistricts", consoleUsers, func(int) authzCall { return p2("/api/v1/console/subdistricts") }},
		{"POST /api/v1/console/subdistricts", st(401, 403, 403, 403, 403, 403, 201), func(int) authzCall {
			return authzCall{path: "/api/v1/console/subdistricts", body: map[string]string{"name": w.name("东湖街道")}}
		}},
		{"PATCH /api/v1/console/subdistricts/{id}", st(401, 403, 403, 403, 403, 403, ok), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/console/subdistricts/%d", w.subdistrict()), body: map[string]string{"name": w.name("西湖街道")}}
		}},
		{"GET /api/v1/console/communities", consoleUsers, func(int) authzCall { return p2("/api/v1/console/communities") }},
		{"PATCH /api/v1/console/communities/{id}", st(401, 403, 403, 403, 403, 403, ok), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/console/communities/%d", w.commA), body: map[string]string{"address": "人民路1号"}}
		}},
		// The dashboard: every console user, their scope's figures.
		{"GET /api/v1/console/dashboard", consoleUsers, func(int) authzCall { return p2("/api/v1/console/dashboard") }},
		{"GET /api/v1/console/dashboard/cobuild", consoleUsers, func(int) authzCall { return p2("/api/v1/console/dashboard/cobuild") }},
		// Narrowed to community A: refused unless the scope covers it.
		{"GET /api/v1/console/dashboard/rooms", stu(st(401, 403, 403, 403, ok, 403, ok), 403, 403), func(int) authzCall {
			return p2("/api/v1/console/dashboard/rooms?community_id=%d", w.commA)
		}},
		// Narrowed to another community: refused unless the scope covers it.
		{"GET /api/v1/console/alarms/stream", stu(st(401, 403, 403, 403, ok, 403, ok), 403, 403), func(int) authzCall {
			return p2("/api/v1/console/alarms/stream?community_id=%d&once=true", w.commA)
		}},
		// The registrations page: staff and admins, their scope's; narrowed
		// to community A: its staff and admins only (unit contacts serve no activity).
		{"GET /api/v1/console/registrations", stu(st(401, 403, 403, 403, ok, 403, ok), 403, 403), func(int) authzCall {
			return p2("/api/v1/console/registrations?community_id=%d", w.commA)
		}},
		// The people page: staff and admins, their scope's residents; narrowed to community A likewise.
		{"GET /api/v1/console/people", stu(st(401, 403, 403, 403, ok, 403, ok), 403, 403), func(int) authzCall {
			return p2("/api/v1/console/people?community_id=%d&q=%s", w.commA, "5678")
		}},
		// A person's service record: those whose people page lists the
		// owner (community A's); other staff are told there is no such person.
		{"GET /api/v1/console/people/{id}/record", stu(st(401, 403, 403, 404, ok, 404, ok), 403, 403), func(int) authzCall {
			return p2("/api/v1/console/people/%d/record", w.id[owner])
		}},
		// The audit log: admins only.
		{"GET /api/v1/console/audit", st(401, 403, 403, 403, 403, 403, ok), func(int) authzCall { return p2("/api/v1/console/audit") }},
		{"GET /api/v1/console/audit/export", st(401, 403, 403, 403, 403, 403, ok), func(int) authzCall { return p2("/api/v1/console/audit/export") }},
		{"GET /api/v1/console/audit/actions", st(401, 403, 403, 403, 403, 403, ok), func(int) authzCall { return p2("/api/v1/console/audit/actions") }},
	}
}

// subdistrict creates a subdistrict (as admin) and returns its id.
func (w *authzWorld) subdistrict() int64 {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/console/subdistricts", w.tok[admin], map[string]string{"name": w.name("南湖街道")}), 201, "subdistrict")
	return num(r.Body["id"])
}

// consoleTicket starts a fresh desk login and returns its ticket.
func (w *authzWorld) consoleTicket() string {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/console/login/qr", "", nil), 201, "console login code")
	t := r.str("ticket")
	if t == "" {
		w.t.Fatalf("no ticket: %s", r.Raw)
	}
	return t
}
