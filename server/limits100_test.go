package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"gongjian/config"
)

// lastPage reads a keyset page and checks the next_cursor convention: a
// string when more follow (more), else null; it returns the cursor.
func lastPage(t *testing.T, r resp, more bool, what string) string {
	t.Helper()
	next, present := r.Body["next_cursor"]
	switch {
	case !present:
		t.Fatalf("%s: no next_cursor in %s", what, r.Raw)
	case more:
		if s, ok := next.(string); ok && s != "" {
			return s
		}
		t.Fatalf("%s: next_cursor %#v, want the cursor of the next page", what, next)
	case next != nil:
		t.Fatalf("%s: next_cursor %#v on the last page, want null", what, next)
	}
	return ""
}

// TestActivityMessagesPagedAtMost100: an activity's notices are a keyset
// page of at most 100 (default 50) with next_cursor, null on a last page
// that is exactly full; cursor and after_id are the same position.
func TestActivityMessagesPagedAtMost100(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	for _, name := range []string{"msgs-a", "msgs-b"} {
		tok, _ := ta.login(name)
		if r := w.register(tok, sessionID(act, 0), nil, nil); r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
	}
	base := fmt.Sprintf("/api/v1/admin/activities/%d/messages", num(act["id"]))
	expectError(t, ta.do("GET", base+"?limit=101", w.admin, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", base+"?cursor=x", w.admin, nil), 400, "BAD_CURSOR")
	all := ta.must(ta.do("GET", base+"?limit=100", w.admin, nil), 200, "all")
	n := len(items(all))
	if n < 2 {
		t.Fatalf("want at least two notices, got %s", all.Raw)
	}
	lastPage(t, all, false, "limit=100")
	exact := ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d", base, n), w.admin, nil), 200, "exact")
	lastPage(t, exact, false, "exactly full")
	if len(items(exact)) != n || num(exact.Body["next_after_id"]) != 0 {
		t.Fatalf("exactly full page: %s", exact.Raw)
	}
	first := ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d", base, n-1), w.admin, nil), 200, "first")
	cur := lastPage(t, first, true, "first page")
	last := items(first)[n-2]
	if cur != fmt.Sprint(int64(num(last["id"]))) || num(first.Body["next_after_id"]) != num(last["id"]) {
		t.Fatalf("cursor %q next_after_id %v, want the last id %v", cur, first.Body["next_after_id"], last["id"])
	}
	for _, q := range []string{"cursor=" + cur, "after_id=" + cur} {
		r := ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d&%s", base, n-1, q), w.admin, nil), 200, q)
		lastPage(t, r, false, q)
		if len(items(r)) != 1 {
			t.Fatalf("%s: %s", q, r.Raw)
		}
	}
}

// TestWristbandListsAtMost100: the wristband lists serve at most 100 a
// page and answer next_cursor (null on an exactly full last page).
func TestWristbandListsAtMost100(t *testing.T) {
	w := newWristbandApp(t)
	w.device()
	w.device()
	for _, path := range []string{"/api/v1/admin/wristbands", "/api/v1/admin/wristbands/alarms", "/api/v1/admin/wristbands/unattached"} {
		expectError(t, w.do("GET", path+"?limit=101", w.admin, nil), 400, "BAD_QUERY")
		lastPage(t, w.do("GET", path+"?limit=100", w.admin, nil), false, path)
	}
	first := w.do("GET", "/api/v1/admin/wristbands?limit=1", w.admin, nil)
	cur := lastPage(t, first, true, "devices page 1")
	second := w.do("GET", "/api/v1/admin/wristbands?limit=1&cursor="+cur, w.admin, nil)
	lastPage(t, second, false, "devices page 2 (exactly full)")
	if len(items(first)) != 1 || len(items(second)) != 1 || items(first)[0]["id"] == items(second)[0]["id"] {
		t.Fatalf("pages %s %s", first.Raw, second.Raw)
	}
}

// TestNeedsLastPageExactlyFull: /needs answers next_cursor null when the
// page holds the last need, and a limit of 100 is served as 100.
func TestNeedsLastPageExactlyFull(t *testing.T) {
	w, ta := newRegWorld(t)
	for _, title := range []string{"助餐", "陪诊"} {
		ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
			"title": title, "description": "每日", "quantity": 10, "quantity_unit": "份"}), 201, "need")
	}
	all := ta.must(ta.do("GET", "/api/v1/needs?limit=100", "", nil), 200, "needs")
	n := len(items(all))
	lastPage(t, all, false, "needs limit=100")
	exact := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs?limit=%d", n), "", nil), 200, "exact")
	lastPage(t, exact, false, "needs exactly full")
	first := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs?limit=%d", n-1), "", nil), 200, "first")
	cur := lastPage(t, first, true, "needs page 1")
	rest := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs?limit=%d&cursor=%s", n-1, cur), "", nil), 200, "rest")
	lastPage(t, rest, false, "needs page 2")
	if len(items(rest)) != 1 {
		t.Fatalf("page 2: %s", rest.Raw)
	}
}

// TestResidenceApplicationsNextCursor: the staff's list of residence
// applications answers next_cursor (null on an exactly full last page)
// and takes it back as ?cursor=.
func TestResidenceApplicationsNextCursor(t *testing.T) {
	sw, ta := newScopeWorld(t)
	for i, name := range []string{"王丽", "李强"} {
		tok, _ := sw.resident(fmt.Sprintf("rescur-%d", i), name)
		ta.must(ta.do("POST", "/api/v1/me/residence/applications", tok, map[string]any{"community_id": sw.c1,
			"address": "幸福路88号阳光小区", "building": "3号楼", "unit": fmt.Sprintf("1单元10%d", i)}), 201, "apply")
	}
	list := func(q string) resp {
		t.Helper()
		return ta.must(ta.do("GET", "/api/v1/admin/residence/applications?status=pending&"+q, sw.cStaf, nil), 200, q)
	}
	lastPage(t, list("limit=2"), false, "exactly full")
	first := list("limit=1")
	cur := lastPage(t, first, true, "page 1")
	second := list("limit=1&cursor=" + cur)
	lastPage(t, second, false, "page 2")
	if len(items(first)) != 1 || len(items(second)) != 1 || items(first)[0]["id"] == items(second)[0]["id"] {
		t.Fatalf("pages %s %s", first.Raw, second.Raw)
	}
}

// TestCobuildPublicListsPageWithNextCursor: /resources is paged (at most
// 100, next_cursor, ?cursor=) instead of cut at its 50 newest, and
// /projects answers null on an exactly full last page.
func TestCobuildPublicListsPageWithNextCursor(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Seed.Demo = "always" })
	for _, list := range []string{"/api/v1/resources", "/api/v1/projects"} {
		expectError(t, ta.do("GET", list+"?limit=101", "", nil), 400, "BAD_QUERY")
		all := ta.must(ta.do("GET", list+"?limit=100", "", nil), 200, list)
		n := len(items(all))
		if n < 2 {
			t.Fatalf("%s: %d demo rows", list, n)
		}
		lastPage(t, all, false, list+" limit=100")
		lastPage(t, ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d", list, n), "", nil), 200, list), false, list+" exactly full")
		first := ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d", list, n-1), "", nil), 200, list)
		cur := lastPage(t, first, true, list+" page 1")
		rest := ta.must(ta.do("GET", fmt.Sprintf("%s?limit=%d&cursor=%s", list, n-1, cur), "", nil), 200, list)
		lastPage(t, rest, false, list+" page 2")
		if len(items(rest)) != 1 || len(items(first)) != n-1 || items(rest)[0]["id"] != items(all)[n-1]["id"] {
			t.Fatalf("%s pages: %s then %s", list, first.Raw, rest.Raw)
		}
	}
}

// TestWristbandReadingsNextCursor: the readings answer next_cursor (the
// time and id of the last reading shown), which reaches every reading,
// those sharing a time included, and is null on an exactly full last page.
func TestWristbandReadingsNextCursor(t *testing.T) {
	w := newWristbandApp(t)
	owner, imei, path := w.selfWearer("owner", 0)
	w.readingsSharingATime(imei, 3)
	expectError(t, w.do("GET", path+"/readings?limit=101", owner, nil), 400, "BAD_QUERY")
	expectError(t, w.do("GET", path+"/readings?cursor=x", owner, nil), 400, "BAD_CURSOR")
	seen := map[float64]bool{}
	q := ""
	for pages := 1; ; pages++ {
		r := w.do("GET", path+"/readings?kind=heart_rate&limit=2"+q, owner, nil)
		for _, it := range items(r) {
			if seen[it["heart_rate"].(float64)] {
				t.Fatalf("reading %v shown twice", it)
			}
			seen[it["heart_rate"].(float64)] = true
		}
		cur := lastPage(t, r, pages < 2, fmt.Sprintf("page %d", pages))
		if cur == "" {
			if pages != 2 {
				t.Fatalf("stopped at page %d", pages)
			}
			break
		}
		q = "&cursor=" + url.QueryEscape(cur)
	}
	if len(seen) != 4 {
		t.Fatalf("reached %d of 4 readings: %v", len(seen), seen)
	}
}

// TestPublicActivityListPagesUpTo100: issue 14's "at most 100 a page"
// holds for the residents' activity list too (it refused page_size over 50):
// 55 published activities come on one page of 100 with a true total, 101
// is refused, and pages of 50 chain to the same activities.
func TestPublicActivityListPagesUpTo100(t *testing.T) {
	w, ta := newRegWorld(t)
	const n = 55
	for i := 0; i < n; i++ {
		w.activity(w.cStaf, nil)
	}
	all := ta.must(ta.do("GET", "/api/v1/activities?page_size=100", "", nil), 200, "page_size=100")
	if len(items(all)) != n || num(all.Body["total"]) != n || num(all.Body["page_size"]) != 100 {
		t.Fatalf("page of 100: %d items, total %v, page_size %v", len(items(all)), all.Body["total"], all.Body["page_size"])
	}
	expectError(t, ta.do("GET", "/api/v1/activities?page_size=101", "", nil), 400, "BAD_QUERY")
	seen := map[int64]bool{}
	for p := 1; p <= 2; p++ {
		r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/activities?page_size=50&page=%d", p), "", nil), 200, "page of 50")
		for _, it := range items(r) {
			seen[num(it["id"])] = true
		}
	}
	for _, it := range items(all) {
		if !seen[num(it["id"])] {
			t.Fatalf("activity %v on the page of 100 but on no page of 50", it["id"])
		}
	}
}

// TestMyClaimsPagedWithNextCursor: a volunteer's own claims grow without
// end, so they are a keyset page of at most 100 with next_cursor (issue 14);
// they were one answer of at most 200, the older ones unreachable.
func TestMyClaimsPagedWithNextCursor(t *testing.T) {
	ta := newTestApp(t)
	tok, uid := ta.login("claims-pager")
	const n = 230
	now := time.Now().UTC().Truncate(time.Second)
	rows := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		rows = append(rows, map[string]any{"user_id": uid, "activity_id": i + 1, "session_id": i + 1, "activity_title": "垃圾分类宣传",
			"served_at": now.Add(-time.Duration(i) * time.Hour), "minutes": 60, "description": "宣传", "photo_urls": "[]", "status": "pending",
			"created_at": now, "updated_at": now})
	}
	if err := ta.app.db.G.Table("hour_claims").CreateInBatches(rows, 100).Error; err != nil {
		t.Fatal(err)
	}
	expectError(t, ta.do("GET", "/api/v1/me/hours/claims?limit=101", tok, nil), 400, "BAD_QUERY")
	seen := map[int64]bool{}
	last := int64(1 << 62)
	path := "/api/v1/me/hours/claims"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pages do not end")
		}
		r := ta.must(ta.do("GET", path, tok, nil), 200, path)
		its := items(r)
		if len(its) > 100 {
			t.Fatalf("a page of %d claims", len(its))
		}
		for _, it := range its {
			id := num(it["id"])
			if seen[id] || id >= last {
				t.Fatalf("claim %d repeated or out of order (newest first)", id)
			}
			seen[id], last = true, id
		}
		next := lastPage(t, r, len(seen) < n, path)
		if next == "" {
			break
		}
		path = "/api/v1/me/hours/claims?cursor=" + url.QueryEscape(next)
	}
	if len(seen) != n {
		t.Fatalf("%d of %d claims reachable", len(seen), n)
	}
}

// TestResidenceApplicationsFilterByCommunity: staff who serve several
// communities (an admin) narrow their applications list with community_id
// (it was ignored: every community's came back); a community outside the
// caller's scope lists nothing; a malformed id is 400 BAD_QUERY.
func TestResidenceApplicationsFilterByCommunity(t *testing.T) {
	sw, ta := newScopeWorld(t)
	for i, c := range []int64{sw.c1, sw.c3} {
		tok, _ := sw.resident(fmt.Sprintf("rescom-%d", i), "王丽")
		ta.must(ta.do("POST", "/api/v1/me/residence/applications", tok, map[string]any{"community_id": c,
			"address": "幸福路88号阳光小区", "building": "3号楼", "unit": "1单元101"}), 201, "apply")
	}
	list := func(tok, q string) []map[string]any {
		t.Helper()
		return items(ta.must(ta.do("GET", "/api/v1/admin/residence/applications?"+q, tok, nil), 200, q))
	}
	if all := list(sw.admin, ""); len(all) != 2 {
		t.Fatalf("admin without a filter: %d applications, want 2", len(all))
	}
	for _, c := range []int64{sw.c1, sw.c3} {
		got := list(sw.admin, fmt.Sprintf("community_id=%d", c))
		if len(got) != 1 || num(got[0]["community_id"]) != c {
			t.Fatalf("community_id=%d: %v", c, got)
		}
	}
	if got := list(sw.cStaf, fmt.Sprintf("community_id=%d", sw.c3)); len(got) != 0 {
		t.Fatalf("staff of another community asking for %d: %v", sw.c3, got)
	}
	expectError(t, ta.do("GET", "/api/v1/admin/residence/applications?community_id=abc", sw.admin, nil), 400, "BAD_QUERY")
}

// TestStaffActivityListFilters: at a district's size the staff list is
// narrowed by community_id and category as the residents' list is (both
// were ignored: every activity the caller manages came back), within what
// the caller manages; a malformed filter is 400 BAD_QUERY.
func TestStaffActivityListFilters(t *testing.T) {
	w, ta := newRegWorld(t)
	other := w.newCommunity("和平社区")
	lecture := num(w.activity(w.admin, nil)["id"])
	otherOrg := num(ta.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "和平卫生站", "type": "co_building_unit",
		"community_ids": []int64{other}}), 201, "organisation").Body["id"])
	elsewhere := num(w.activity(w.admin, func(b map[string]any) { b["community_id"], b["host_org_id"], b["category"] = other, otherOrg, "clinic" })["id"])
	list := func(tok, q string) []int64 {
		t.Helper()
		r := ta.must(ta.do("GET", "/api/v1/admin/activities?"+q, tok, nil), 200, q)
		var ids []int64
		for _, it := range items(r) {
			ids = append(ids, num(it["id"]))
		}
		if num(r.Body["total"]) != int64(len(ids)) {
			t.Fatalf("%s: total %v for %v", q, r.Body["total"], ids)
		}
		return ids
	}
	for q, want := range map[string]string{
		"": fmt.Sprint([]int64{elsewhere, lecture}),
		fmt.Sprintf("community_id=%d", w.community): fmt.Sprint([]int64{lecture}),
		fmt.Sprintf("community_id=%d", other):       fmt.Sprint([]int64{elsewhere}),
		"category=clinic":                           fmt.Sprint([]int64{elsewhere}),
		"category=lecture&status=published":         fmt.Sprint([]int64{lecture}),
	} {
		if got := fmt.Sprint(list(w.admin, q)); got != want {
			t.Errorf("admin %q: %s, want %s", q, got, want)
		}
	}
	// The community's staff see nothing of another community, filter or not.
	if got := list(w.cStaf, fmt.Sprintf("community_id=%d", other)); len(got) != 0 {
		t.Errorf("community staff asking for another community: %v", got)
	}
	expectError(t, ta.do("GET", "/api/v1/admin/activities?community_id=abc", w.admin, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", "/api/v1/admin/activities?category=nonsense", w.admin, nil), 400, "BAD_QUERY")
}
