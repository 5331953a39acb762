package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Issues 14 and 7 read word by word, as a black-box test would be written
// from them.
//
// Issue 14 point 1: "Every list paged in the database … keyset (cursor)
// paging where a list grows without end (registrations, hours, messages,
// audit), offset paging only where a total is cheap and bounded; at most
// 100 a page; a true `total` or a `next_cursor`." The page's size is asked
// by the spellings clients use for it (limit, page_size, size, per_page)
// on every list, keyset or numbered; a size over 100 stays refused under
// the list's own name (the lists' rule since issue 14 landed) and is
// served as 100 under the others; a numbered page tells its true total,
// a keyset page its next_cursor (null on the last page).
func TestIssue14ListsPageByEverySizeSpelling(t *testing.T) {
	w, ta := newRegWorld(t)
	a1, s1 := w.lecture() // capacity 2
	_, s2 := w.lecture()
	tok, _ := w.resident("p147a", "李一")
	tok2, _ := w.resident("p147b", "李二")
	for _, c := range []struct {
		tok string
		sid int64
	}{{tok, s1}, {tok, s2}, {tok2, s1}} {
		if r := w.register(c.tok, c.sid, nil, nil); r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
	}
	regs := fmt.Sprintf("/api/v1/admin/activities/%d/registrations", a1)
	for _, l := range []struct {
		path, tok string
		keyset    bool // a keyset list (next_cursor), else numbered (total)
	}{
		// "public activity list (every resident's home page)"
		{"/api/v1/activities", "", false},
		// "staff activity list"
		{"/api/v1/admin/activities", w.orgStaff, false},
		// "staff registrations of a … activity"
		{regs, w.orgStaff, true},
		// "my registrations (2,000) p1 / last page; keyset p1 / last" (the note)
		{"/api/v1/me/registrations", tok, false},
		{"/api/v1/me/registrations?scope=all", tok, false},
		// "messages"
		{"/api/v1/me/messages", tok, true},
		// "audit"
		{"/api/v1/console/audit", w.admin, true},
	} {
		sep := "?"
		if strings.Contains(l.path, "?") {
			sep = "&"
		}
		for _, size := range []string{"limit", "page_size", "size", "per_page"} {
			q := l.path + sep + size + "=1"
			r := ta.do("GET", q, l.tok, nil)
			if r.Status != 200 || len(items(r)) != 1 {
				t.Errorf("%s: want one item, got %d %s", q, r.Status, r.Raw)
				continue
			}
			if l.keyset || r.Body["total"] == nil {
				if s, _ := r.Body["next_cursor"].(string); s == "" {
					t.Errorf("%s: a page of one of several has no next_cursor: %s", q, r.Raw)
					continue
				}
				next := ta.do("GET", l.path+sep+size+"=1&cursor="+r.Body["next_cursor"].(string), l.tok, nil)
				if next.Status != 200 || len(items(next)) != 1 || items(next)[0]["id"] == items(r)[0]["id"] {
					t.Errorf("%s then its next_cursor: %d %s", q, next.Status, next.Raw)
				}
			} else if num(r.Body["total"]) != 2 {
				t.Errorf("%s: total not true: %s", q, r.Raw)
			} else if p2 := ta.do("GET", q+"&page=2", l.tok, nil); p2.Status != 200 || len(items(p2)) != 1 || items(p2)[0]["id"] == items(r)[0]["id"] {
				// "nothing starting after the 2,000th is reachable": page 2 is.
				t.Errorf("%s&page=2: %d %s", q, p2.Status, p2.Raw)
			}
			// "at most 100 a page": over 100 stays refused under the list's
			// own name (limit for keyset, page_size for numbered pages and,
			// as before, for keyset lists; limit also turns my
			// registrations to keyset), and is served
			// as 100 under a spelling that used to be ignored.
			own := size == "limit" && (l.keyset || strings.Contains(l.path, "/me/registrations")) || size == "page_size"
			if r := ta.do("GET", l.path+sep+size+"=101", l.tok, nil); own && r.Status != 400 || !own && (r.Status != 200 || len(items(r)) > 100) {
				t.Errorf("%s%s=101 (own name %v): %d %s", l.path, size, own, r.Status, r.Raw)
			}
			if r := ta.do("GET", l.path+sep+size+"=100", l.tok, nil); r.Status != 200 {
				t.Errorf("%s=100: %d %s", size, r.Status, r.Raw)
			}
		}
	}
	// A numbered page past the last is empty and its total still true.
	if r := ta.do("GET", "/api/v1/activities?page=99&page_size=1", "", nil); r.Status != 200 || len(items(r)) != 0 || num(r.Body["total"]) != 2 {
		t.Errorf("past the last page: %d %s", r.Status, r.Raw)
	}
	// The last keyset page says so: next_cursor null, not left out.
	r := ta.must(ta.do("GET", regs+"?limit=100", w.orgStaff, nil), 200, "registrations")
	if v, ok := r.Body["next_cursor"]; !ok || v != nil || len(items(r)) != 2 {
		t.Errorf("last page: %s", r.Raw)
	}
	// "a person's hours … (5,000 entries, unpaged); the record": both page.
	for _, p := range []string{"/api/v1/me/hours", "/api/v1/me/hours/record"} {
		for _, size := range []string{"limit", "page_size", "size", "per_page"} {
			r := ta.do("GET", p+"?"+size+"=1", tok, nil)
			if _, ok := r.Body["next_cursor"]; r.Status != 200 || !ok {
				t.Errorf("%s?%s=1: %d %s", p, size, r.Status, r.Raw)
			}
		}
	}
}

// Issue 14 points 3 and 4: "its cost per pass is bounded and printed as a
// metric"; "Exports that stream: XLSX … straight to the response". Guards:
// the reconciler's pass figures are on /metrics, an admin may run a pass,
// and the registrations export answers a workbook by its route and by
// ?format=xlsx.
func TestIssue14ReconcilerMetricAndExport(t *testing.T) {
	w, ta := newRegWorld(t)
	_, aid, _, _ := w.signedUpForLecture("e147", "王五")
	if r := ta.do("POST", "/api/v1/admin/quota/reconcile", w.admin, nil); r.Status != 200 {
		t.Errorf("reconcile: %d %s", r.Status, r.Raw)
	}
	m := ta.do("GET", "/metrics", "", nil)
	for _, name := range []string{"gongjian_reconcile_pass_activities", "gongjian_reconcile_pass_seconds"} {
		if m.Status != 200 || !strings.Contains(string(m.Raw), name) {
			t.Errorf("/metrics lacks %s (%d)", name, m.Status)
		}
	}
	for _, p := range []string{"/registrations/export", "/registrations/export?format=xlsx", "/registrations?format=xlsx"} {
		r := ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d%s", aid, p), w.orgStaff, nil)
		if r.Status != 200 || !strings.HasPrefix(string(r.Raw), "PK") {
			t.Errorf("export %s: %d %.200s", p, r.Status, r.Raw)
		}
	}
}

// Issue 7 point 3, the server side of the mini-program's API layer, and the
// pages' calls (guards: each held on main).
func TestIssue7MiniProgramServerWords(t *testing.T) {
	w, ta := newRegWorld(t)
	aid, sid := w.lecture()
	// "login on start (wx.login → token)"
	first := ta.loginAnswer("mp147")
	if first.Status != 200 || first.str("token") == "" || first.str("refresh_token") == "" {
		t.Fatalf("login: %d %s", first.Status, first.Raw)
	}
	tok := first.str("token")
	if r := ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": w.community}); r.Status != 200 {
		t.Fatalf("profile: %d %s", r.Status, r.Raw)
	}
	// "refresh on 401 once": a bad token is a 401 with a code and a
	// Chinese message; the refresh token gives a new access token.
	if r := ta.do("GET", "/api/v1/me", "not-a-token", nil); r.Status != 401 || r.str("code") == "" || !hasHan(r.str("message")) {
		t.Errorf("bad token: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.str("refresh_token")}); r.Status != 200 || r.str("token") == "" {
		t.Errorf("refresh: %d %s", r.Status, r.Raw)
	} else {
		tok = r.str("token")
	}
	// "Activity detail: sessions … with live remaining places,
	// eligibility, the questions"; "Me: profile, … roles".
	d := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", aid), tok, nil)
	if ss, _ := d.Body["sessions"].([]any); d.Status != 200 || len(ss) != 1 || ss[0].(map[string]any)["remaining"] == nil || d.Body["eligibility"] == nil || d.Body["questions"] == nil {
		t.Errorf("detail: %d %s", d.Status, d.Raw)
	}
	if r := ta.do("GET", "/api/v1/me", tok, nil); r.Status != 200 || r.Body["roles"] == nil {
		t.Errorf("me: %d %s", r.Status, r.Raw)
	}
	// "`Idempotency-Key` on sign-up": required, and a replay is the same
	// registration, not a second one.
	body := map[string]any{"session_id": sid, "attendees": []map[string]any{{"self": true}}, "answers": map[string]string{"q1": "一年级"}}
	expectError(t, ta.do("POST", "/api/v1/registrations", tok, body), 400, "IDEMPOTENCY_KEY_REQUIRED")
	r1 := ta.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", "mp147-key")
	r2 := ta.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", "mp147-key")
	if r1.Status != 201 || r2.Status/100 != 2 || fmt.Sprint(r1.Body["registrations"]) != fmt.Sprint(r2.Body["registrations"]) {
		t.Fatalf("idempotent sign-up: %d %s / %d %s", r1.Status, r1.Raw, r2.Status, r2.Raw)
	}
	rid := num(r1.Body["registrations"].([]any)[0].(map[string]any)["id"])
	// "the ticket QR (drawn on canvas in the mini-program from the ticket string)"
	if r := ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", rid), tok, nil); r.Status != 200 || r.str("ticket") == "" {
		t.Errorf("ticket: %d %s", r.Status, r.Raw)
	}
	// "wx.requestSubscribeMessage … with the result reported to
	// /api/v1/subscriptions": WeChat's own answer (template ids, errMsg).
	subs := ta.do("GET", "/api/v1/subscriptions", tok, nil)
	if subs.Status != 200 {
		t.Fatalf("subscriptions: %d %s", subs.Status, subs.Raw)
	}
	if r := ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"registration_confirmed": "accept", "errMsg": "requestSubscribeMessage:ok"}}); r.Status != 200 {
		t.Errorf("subscriptions with errMsg: %d %s", r.Status, r.Raw)
	}
	// "message list with unread count"
	if r := ta.do("GET", "/api/v1/me/messages", tok, nil); r.Status != 200 || r.Body["unread"] == nil {
		t.Errorf("messages: %d %s", r.Status, r.Raw)
	}
	// "my hours by month", "my service record"
	if r := ta.do("GET", "/api/v1/me/hours", tok, nil); r.Status != 200 || r.Body["by_month"] == nil {
		t.Errorf("hours: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("GET", "/api/v1/me/hours/record", tok, nil); r.Status != 200 || r.Body["record_number"] == nil {
		t.Errorf("record: %d %s", r.Status, r.Raw)
	}
	// "claims with photos (wx.chooseMedia, uploaded)": multipart "file".
	if r := ta.upload(tok, testJPEG(t, 8, 8), false); r.Status != 201 || r.str("url") == "" {
		t.Errorf("upload: %d %s", r.Status, r.Raw)
	}
	// Staff: "scan tickets (online, and offline with the check-in kit,
	// syncing later), rotating self-check-in code for a session,
	// registrations of an activity, approve claims, alarms list".
	for _, p := range []string{
		fmt.Sprintf("/api/v1/activities/%d/checkin-kit", aid),
		fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", sid),
		fmt.Sprintf("/api/v1/admin/activities/%d/registrations", aid),
		"/api/v1/admin/hours/claims",
	} {
		if r := ta.do("GET", p, w.orgStaff, nil); r.Status != 200 {
			t.Errorf("%s: %d %s", p, r.Status, r.Raw)
		}
	}
	if r := ta.do("GET", "/api/v1/admin/wristbands/alarms", w.admin, nil); r.Status != 200 {
		t.Errorf("alarms: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", "/api/v1/checkins/batch", w.orgStaff, map[string]any{"scans": []any{}}); r.Status/100 == 5 || r.Status == 404 {
		t.Errorf("batch: %d %s", r.Status, r.Raw)
	}
	// "My registrations: upcoming and past, cancel"
	if r := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", rid), tok, nil); r.Status != 200 {
		t.Errorf("cancel: %d %s", r.Status, r.Raw)
	}
}

// Issue 7 point 2: "Home / activity list by category (四点半学校, 义诊,
// 文艺演出, 青少年快乐营地, 讲座, 志愿服务)". A category may be named by its
// Chinese name (or its key in words, "after school") wherever a category
// is given: the lists' filter, and an activity's creation and edit; the
// answer keeps the key. An unknown category stays refused.
func TestIssue7CategoriesByTheirChineseNames(t *testing.T) {
	w, ta := newRegWorld(t)
	for _, c := range []struct{ given, key string }{
		{"四点半学校", "after_school"}, {"义诊", "clinic"}, {"文艺演出", "performance"}, {"青少年快乐营地", "youth_camp"},
		{"讲座", "lecture"}, {"志愿服务", "volunteer_service"}, {"after school", "after_school"}, {"Youth-Camp", "youth_camp"},
	} {
		act := w.activity(w.orgStaff, func(b map[string]any) { b["category"] = c.given }) // created and published
		if act["category"] != c.key {
			t.Errorf("create with category %q: %v", c.given, act["category"])
		}
	}
	aid, _ := w.lecture()
	for _, c := range []struct{ given, key string }{{"义诊", "clinic"}, {"讲座/培训", "lecture"}, {"培训", "lecture"}} {
		r := ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.orgStaff, map[string]any{"category": c.given})
		if r.Status != 200 || r.str("category") != c.key {
			t.Errorf("edit to category %q: %d %s", c.given, r.Status, r.Raw)
		}
	}
	for q, n := range map[string]int{"义诊": 1, "clinic": 1, "四点半学校": 2} { // 四点半学校 and "after school"
		for _, list := range []struct{ path, tok string }{{"/api/v1/activities", ""}, {"/api/v1/admin/activities", w.orgStaff}} {
			r := ta.do("GET", list.path+"?category="+url.QueryEscape(q), list.tok, nil)
			if r.Status != 200 || len(items(r)) != n {
				t.Errorf("%s?category=%s: %d %s", list.path, q, r.Status, r.Raw)
			}
		}
	}
	expectError(t, ta.do("GET", "/api/v1/activities?category="+url.QueryEscape("相亲会"), "", nil), 400, "BAD_QUERY")
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.orgStaff, map[string]any{"category": "相亲会"}), 400, "INVALID_CATEGORY")
}
