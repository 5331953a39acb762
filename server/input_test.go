package main

import (
	"fmt"
	"testing"

	"gongjian/internal/testenv"
)

// Loose input is refused end to end: a sign-up naming its session twice
// (encoding/json kept the last one), text that is not UTF-8 (stored as
// U+FFFD), invisible and bidi characters in names and titles (removed),
// image addresses anyone could pick (http, internal addresses, other
// hosts), and a lower-case "bearer" (accepted, as RFC 9110 says).
func TestLooseInputRefused(t *testing.T) {
	w, ta := newCkWorld(t)
	tok, _ := ta.login("loose-resident")
	w.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"real_name": "赵敏"}), 200)

	// A key twice: refused, nothing booked; the same sign-up once is fine.
	dup := fmt.Sprintf(`{"session_id": %d, "attendees": [{"self": true}], "session_id": %d}`, w.clinicS1, w.clinicS2)
	r := ta.do("POST", "/api/v1/registrations", tok, dup, "Idempotency-Key", testenv.RandomName("k"))
	expectError(t, r, 400, "DUPLICATE_KEY")
	if d, _ := r.Body["details"].(map[string]any); d["field"] != "session_id" {
		t.Fatalf("details %s", r.Raw)
	}
	if n := ta.count("registrations"); n != 0 {
		t.Fatalf("%d registrations after a refused sign-up", n)
	}
	dupInner := fmt.Sprintf(`{"session_id": %d, "attendees": [{"self": true, "self": false}]}`, w.clinicS1)
	expectError(t, ta.do("POST", "/api/v1/registrations", tok, dupInner, "Idempotency-Key", testenv.RandomName("k")), 400, "DUPLICATE_KEY")
	w.must(ta.do("POST", "/api/v1/registrations", tok, fmt.Sprintf(`{"session_id": %d, "attendees": [{"self": true}]}`, w.clinicS1),
		"Idempotency-Key", testenv.RandomName("k")), 201)

	// Not UTF-8: refused with the field named; nothing stored.
	r = ta.do("PATCH", "/api/v1/me", tok, []byte("{\"nickname\": \"小\xff\xfe明\"}"))
	expectError(t, r, 400, "INVALID_UTF8")
	if d, _ := r.Body["details"].(map[string]any); d["field"] != "nickname" {
		t.Fatalf("details %s", r.Raw)
	}
	if me := w.must(ta.do("GET", "/api/v1/me", tok, nil), 200); me.str("nickname") != "" {
		t.Fatalf("nickname stored: %q", me.str("nickname"))
	}

	// Invisible and bidi characters are removed from names and titles.
	me := w.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"nickname": "\u202e小明\u200b\u2066", "real_name": "\ufeff赵\u200d敏\u202c"}), 200)
	if me.str("nickname") != "小明" || me.str("real_name") != "赵敏" {
		t.Fatalf("names kept their controls: %q %q", me.str("nickname"), me.str("real_name"))
	}
	// Nothing but invisible characters is no name (a nickname may be empty; a family member's name may not).
	if me := w.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"nickname": "\u200b\u200e\u202e"}), 200); me.str("nickname") != "" {
		t.Fatalf("nickname %q", me.str("nickname"))
	}
	expectError(t, ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "\u200b\u202e", "relation": "child",
		"birth_date": "2016-03-01", "gender": "male"}), 400, "INVALID_NAME")
	dep := w.must(ta.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "王\u202e小宝\u2069", "relation": "child",
		"birth_date": "2016-03-01", "gender": "male"}), 201)
	if dep.str("name") != "王小宝" {
		t.Fatalf("dependent name %q", dep.str("name"))
	}
	act, _, _ := w.activity("\u2067健康\u200b讲座\u2069", "lecture", w.start)
	if got := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", act), tok, nil), 200); got.str("title") != "健康讲座" {
		t.Fatalf("activity title %q", got.str("title"))
	}

	// Image addresses: https on a configured host, or one's own upload.
	for _, bad := range []string{"http://10.0.0.1/a.jpg", "https://10.0.0.1/a.jpg", "http://thirdwx.qlogo.cn/a.jpg",
		"https://thirdwx.qlogo.cn.evil.example/a.jpg", "https://evil.example/a.jpg", "https://thirdwx.qlogo.cn:8443/a.jpg"} {
		expectError(t, ta.do("PATCH", "/api/v1/me", tok, map[string]any{"avatar_url": bad}), 400, "INVALID_AVATAR_URL")
		expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act), w.staff, map[string]any{"cover_url": bad}), 400, "INVALID_COVER_URL")
	}
	w.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"avatar_url": "https://thirdwx.qlogo.cn/mmopen/a.jpg"}), 200)
	w.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act), w.staff, map[string]any{"cover_url": "https://wx.qlogo.cn/c.jpg"}), 200)
	// An upload as a cover is shown to everyone who sees the activity.
	cover := w.must(ta.upload(w.staff, testJPEG(t, 32, 24), false), 201).str("url")
	w.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act), w.staff, map[string]any{"cover_url": cover}), 200)
	w.must(ta.fetchUpload(tok, cover), 200)
	// Someone else's upload is not a cover.
	mine := w.must(ta.upload(tok, testJPEG(t, 8, 8), false), 201).str("url")
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act), w.staff, map[string]any{"cover_url": mine}), 400, "INVALID_COVER_URL")

	// The Authorization scheme in any case.
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		w.must(ta.do("GET", "/api/v1/me", "", nil, "Authorization", scheme+" "+tok), 200)
	}
	for _, h := range []string{"Basic " + tok, "Bearer", "bearer ", tok} {
		expectError(t, ta.do("GET", "/api/v1/me", "", nil, "Authorization", h), 401, "UNAUTHENTICATED")
	}
}

// TestCobuildListsRefuseABadCommunity: a co-building list's community_id
// filter that is not an id is refused, never read as "every community".
func TestCobuildListsRefuseABadCommunity(t *testing.T) {
	w, ta := newCkWorld(t)
	for _, c := range []struct{ tok, path string }{
		{"", "/api/v1/units"},
		{"", "/api/v1/proposals"},
		{w.admin, "/api/v1/admin/wishes"},
		{w.admin, "/api/v1/admin/report-ins"},
		{w.admin, "/api/v1/admin/cobuild/report"},
	} {
		for _, bad := range []string{"abc", "-3", "1.5"} {
			r := ta.do("GET", c.path+"?community_id="+bad, c.tok, nil)
			expectError(t, r, 400, "BAD_QUERY")
		}
		if r := ta.do("GET", fmt.Sprintf("%s?community_id=%d", c.path, w.community), c.tok, nil); r.Status != 200 {
			t.Errorf("%s: %d %s", c.path, r.Status, r.Raw)
		}
	}
}
