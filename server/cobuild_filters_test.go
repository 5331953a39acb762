package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/resident"
)

// Co-building's lists refuse a filter value they do not know (400
// BAD_QUERY, naming the parameter) instead of answering an empty list,
// or the whole list, as if it had matched; known values still list.
func TestCobuildListFiltersRefuseUnknownValues(t *testing.T) {
	ta := newTestApp(t)
	adminTok, _ := ta.login("cbf-admin")
	ta.grant("cbf-admin", resident.RoleChange{Role: "admin"})
	for _, tc := range []struct {
		path  string
		param string // "" = accepted
	}{
		{"/api/v1/needs?status=zzz", "status"},
		{"/api/v1/needs?status=open", ""},
		{"/api/v1/needs?status=expired", ""},
		{"/api/v1/projects?status=done", "status"},
		{"/api/v1/projects?status=in_progress", ""},
		{"/api/v1/projects?overdue=yes", "overdue"},
		{"/api/v1/projects?overdue=true", ""},
		{"/api/v1/projects?overdue=false", ""},
		{"/api/v1/projects?unit_id=-5", "unit_id"},
		{"/api/v1/resources?kind=zzz", "kind"},
		{"/api/v1/resources?kind=venue", ""},
		{"/api/v1/resources?unit_id=-1", "unit_id"},
		{"/api/v1/resources?community_id=0", ""},
		{"/api/v1/proposals?status=zzz", "status"},
		{"/api/v1/proposals?status=agenda", ""},
		{"/api/v1/admin/wishes?status=zzz", "status"},
		{"/api/v1/admin/wishes?status=merged", ""},
		{"/api/v1/admin/report-ins?status=zzz", "status"},
		{"/api/v1/admin/report-ins?status=confirmed", ""},
	} {
		r := ta.do("GET", tc.path, adminTok, nil)
		if tc.param == "" {
			if r.Status != 200 {
				t.Errorf("%s: %d %s, want 200", tc.path, r.Status, r.Raw)
			}
			continue
		}
		expectError(t, r, 400, "BAD_QUERY")
		if d, _ := r.Body["details"].(map[string]any); d == nil || d["param"] != tc.param {
			t.Errorf("%s: %s, want details.param %s", tc.path, r.Raw, tc.param)
		}
	}
}

// TestNeedsPastTheirDeadlineListAsExpired: a need whose deadline passed
// (claims refused NEED_CLOSED) is shown expired by its page and the list,
// is not listed under status=open (a page of one holds the older need
// still open, next_cursor null) and is listed under status=expired.
func TestNeedsPastTheirDeadlineListAsExpired(t *testing.T) {
	w, ta := newRegWorld(t)
	unitID, _, _, contact := w.claimedNeed("cbx-contact", true)
	mk := func(title string) int64 {
		r := ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
			"title": title, "quantity": 5, "quantity_unit": "次", "deadline": time.Now().Add(48 * time.Hour)}), 201, "need")
		return num(r.Body["id"])
	}
	stillOpen, expired := mk("助浴服务"), mk("助洁服务")
	// Its deadline passes.
	if err := ta.app.db.G.Exec("UPDATE cobuild_needs SET deadline = ? WHERE id = ?", time.Now().Add(-time.Hour).UTC(), expired).Error; err != nil {
		t.Fatal(err)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/needs/%d/claims", expired), contact, map[string]any{"unit_id": unitID, "quantity": 1}), 409, "NEED_CLOSED")
	if r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs/%d", expired), "", nil), 200, "need"); r.Body["status"] != "expired" {
		t.Errorf("the need past its deadline shows %v, want expired", r.Body["status"])
	}
	if r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs/%d", stillOpen), "", nil), 200, "need"); r.Body["status"] != "open" {
		t.Errorf("the need before its deadline shows %v, want open", r.Body["status"])
	}
	list := func(query string) (ids []int64, statuses []any, next any) {
		r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs?community_id=%d&%s", w.community, query), "", nil), 200, query)
		for _, it := range items(r) {
			ids = append(ids, num(it["id"]))
			statuses = append(statuses, it["status"])
		}
		return ids, statuses, r.Body["next_cursor"]
	}
	// The community's needs, newest first: expired, stillOpen, and the
	// shareable need claimedNeed made (open, 90 of 100 left, no deadline).
	if ids, statuses, _ := list("limit=2"); fmt.Sprint(ids) != fmt.Sprint([]int64{expired, stillOpen}) || fmt.Sprint(statuses) != "[expired open]" {
		t.Errorf("all needs: %v %v, want [%d %d] [expired open]", ids, statuses, expired, stillOpen)
	}
	ids, _, next := list("status=open&limit=1")
	if fmt.Sprint(ids) != fmt.Sprint([]int64{stillOpen}) || next == nil {
		t.Fatalf("status=open first page: %v next %v, want [%d] and a next page", ids, next, stillOpen)
	}
	ids, statuses, _ := list(fmt.Sprintf("status=open&limit=1&cursor=%v", next))
	if len(ids) != 1 || ids[0] >= stillOpen || fmt.Sprint(statuses) != "[open]" {
		t.Errorf("status=open second page: %v %v, want the older open need", ids, statuses)
	}
	if ids, statuses, next := list("status=expired"); fmt.Sprint(ids) != fmt.Sprint([]int64{expired}) || fmt.Sprint(statuses) != "[expired]" || next != nil {
		t.Errorf("status=expired: %v %v next %v, want [%d] [expired] and no next page", ids, statuses, next, expired)
	}
}

// TestNeedsPastTheirDeadlineAreNotCountedOpen: the console dashboard's
// open needs and the community report's needs_open count what
// /needs?status=open lists (a need past its deadline is expired, not
// open), and the report's 30-day unclaimed needs hold only needs still
// open.
func TestNeedsPastTheirDeadlineAreNotCountedOpen(t *testing.T) {
	w, ta := newRegWorld(t)
	mk := func(title string, deadline *time.Time, createdDaysAgo int) int64 {
		t.Helper()
		body := map[string]any{"community_id": w.community, "category": "elderly_care", "title": title, "quantity": 2, "quantity_unit": "次"}
		id := num(ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, body), 201, title).Body["id"])
		if err := ta.app.db.G.Exec("UPDATE cobuild_needs SET deadline = ?, created_at = ? WHERE id = ?", deadline,
			time.Now().AddDate(0, 0, -createdDaysAgo).UTC(), id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	past, future := time.Now().Add(-time.Hour).UTC(), time.Now().Add(48*time.Hour).UTC()
	oldOpen := mk("助浴服务", nil, 40)
	mk("助洁服务", &past, 40) // old, unclaimed, but expired
	mk("助行服务", &future, 1)
	mk("助餐服务", &past, 1)
	mk("理发服务", &past, 2)

	r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs?community_id=%d&status=open&limit=100", w.community), "", nil), 200, "open needs")
	listed := len(items(r))
	if listed != 2 {
		t.Fatalf("status=open lists %d needs, want 2", listed)
	}
	cb := ta.must(ta.do("GET", "/api/v1/console/dashboard/cobuild", w.cStaf, nil), 200, "dashboard").Body
	if needs, _ := cb["needs"].(map[string]any); needs == nil || num(needs["open"]) != int64(listed) {
		t.Errorf("dashboard needs %v, want open %d as listed", cb["needs"], listed)
	}
	rep := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/cobuild/report?community_id=%d", w.community), w.cStaf, nil), 200, "report").Body
	if num(rep["needs_open"]) != int64(listed) {
		t.Errorf("report needs_open %v, want %d as listed", rep["needs_open"], listed)
	}
	unclaimed, _ := rep["unclaimed_needs"].([]any)
	if len(unclaimed) != 1 || num(unclaimed[0].(map[string]any)["id"]) != oldOpen || num(rep["needs_unclaimed_30_days"]) != 1 {
		t.Errorf("report unclaimed %v (%v), want only need %d", unclaimed, rep["needs_unclaimed_30_days"], oldOpen)
	}
	// The reports answer JSON or XLSX; another format is refused, not
	// answered as JSON.
	for _, path := range []string{"/api/v1/admin/cobuild/report", "/api/v1/admin/cobuild/agenda"} {
		expectError(t, ta.do("GET", fmt.Sprintf("%s?community_id=%d&format=pdf", path, w.community), w.cStaf, nil), 400, "BAD_FORMAT")
		if r := ta.do("GET", fmt.Sprintf("%s?community_id=%d&format=json", path, w.community), w.cStaf, nil); r.Status != 200 || r.Body == nil {
			t.Errorf("%s as json: %d %s", path, r.Status, r.Raw)
		}
	}
}

// TestWishNotMergedIntoNeedPastItsDeadline: staff may not merge a wish
// into a need whose deadline passed (409 NEED_CLOSED, as claims), the
// wish stays pending and may then be merged into a need still open.
func TestWishNotMergedIntoNeedPastItsDeadline(t *testing.T) {
	w, ta := newRegWorld(t)
	resTok, _ := ta.login("cbx-wisher")
	wish := num(ta.must(ta.do("POST", "/api/v1/wishes", resTok, map[string]any{"community_id": w.community, "title": "想请人上门理发",
		"description": "腿脚不便", "contact_name": "李奶奶", "contact_phone": "13900001111"}), 201, "wish").Body["id"])
	mk := func(title string) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
			"title": title, "quantity": 5, "quantity_unit": "次", "deadline": time.Now().Add(48 * time.Hour)}), 201, "need").Body["id"])
	}
	expired, open := mk("上门理发"), mk("上门理发（新）")
	if err := ta.app.db.G.Exec("UPDATE cobuild_needs SET deadline = ? WHERE id = ?", time.Now().Add(-time.Hour).UTC(), expired).Error; err != nil {
		t.Fatal(err)
	}
	review := func(need int64) resp {
		return ta.do("POST", fmt.Sprintf("/api/v1/admin/wishes/%d/review", wish), w.cStaf, map[string]any{"decision": "merge", "need_id": need})
	}
	expectError(t, review(expired), 409, "NEED_CLOSED")
	if r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/wishes/%d", wish), w.cStaf, nil), 200, "wish"); r.Body["status"] != "pending" {
		t.Fatalf("the wish is %v after the refused merge, want pending", r.Body["status"])
	}
	if r := ta.must(review(open), 200, "merge"); r.Body["status"] != "merged" || num(r.Body["need_id"]) != open {
		t.Errorf("merge into the open need: %s", r.Raw)
	}
}

// TestDashboardNeedSumsLeaveOutExpiredNeeds: the console dashboard's need
// quantity and claimed are summed over the needs shown open or full. An
// open need past its deadline (expired: its remainder can no longer be
// claimed) is out, with what was claimed of it (its project still counts
// among the projects); a need claimed whole stays full past its deadline
// and is in.
func TestDashboardNeedSumsLeaveOutExpiredNeeds(t *testing.T) {
	w, ta := newRegWorld(t)
	unit, partial, _, contact := w.claimedNeed("dash-expiry-contact", true) // 10 of 100 claimed
	mk := func(title string) int64 {
		t.Helper()
		body := map[string]any{"community_id": w.community, "category": "elderly_care", "title": title, "quantity": 2, "quantity_unit": "次"}
		return num(ta.must(ta.do("POST", "/api/v1/needs", w.cStaf, body), 201, title).Body["id"])
	}
	full := mk("助浴服务")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/needs/%d/claims", full), contact, map[string]any{"unit_id": unit, "quantity": 2}), 201, "claim whole")
	lapsed := mk("助洁服务")
	mk("助行服务") // open, no deadline
	past := time.Now().Add(-time.Hour).UTC()
	if err := ta.app.db.G.Exec("UPDATE cobuild_needs SET deadline = ? WHERE id IN ?", past, []int64{partial, full, lapsed}).Error; err != nil {
		t.Fatal(err)
	}
	cb := ta.must(ta.do("GET", "/api/v1/console/dashboard/cobuild", w.cStaf, nil), 200, "dashboard").Body
	if b, _ := json.Marshal(cb["needs"]); string(b) != `{"claimed":2,"open":1,"quantity":4}` {
		t.Errorf("dashboard needs %s, want the open need and the full one only: {claimed 2, open 1, quantity 4}", b)
	}
	if b, _ := json.Marshal(cb["projects"]); string(b) != `{"active":2,"overdue":0}` {
		t.Errorf("dashboard projects %s, want both projects active", b)
	}
}

// TestNeedDeadlineAsADate: a need's deadline may be given as a date
// (2027-01-31, as staff think of it; it was 400 BAD_TIME): it holds
// through the end of that day in China time. A time in RFC 3339 stays as
// given; anything else is still BAD_TIME naming the field.
func TestNeedDeadlineAsADate(t *testing.T) {
	w, ta := newRegWorld(t)
	day := time.Now().In(cst.Zone).AddDate(0, 0, 10)
	post := func(deadline any) resp {
		return ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
			"title": "独居老人助浴", "quantity": 5, "quantity_unit": "次", "shareable": true, "deadline": deadline})
	}
	r := ta.must(post(day.Format("2006-01-02")), 201, "need")
	got, err := time.Parse(time.RFC3339, r.str("deadline"))
	want := time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, cst.Zone)
	if err != nil || !got.Equal(want) {
		t.Errorf("deadline %s: %q, want %s", day.Format("2006-01-02"), r.str("deadline"), want)
	}
	if g := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/needs/%d", num(r.Body["id"])), "", nil), 200, "need"); g.str("deadline") == "" || g.Body["status"] != "open" {
		t.Errorf("the need read back: %s", g.Raw)
	}
	exact := time.Date(day.Year(), day.Month(), day.Day(), 18, 30, 0, 0, cst.Zone)
	r = ta.must(post(exact.Format(time.RFC3339)), 201, "need")
	if got, err := time.Parse(time.RFC3339, r.str("deadline")); err != nil || !got.Equal(exact) {
		t.Errorf("deadline %s: %q", exact.Format(time.RFC3339), r.str("deadline"))
	}
	for _, bad := range []string{"2027-02-30", "下个月", "2027/01/31"} {
		r := post(bad)
		expectError(t, r, 400, "BAD_TIME")
		if d, _ := r.Body["details"].(map[string]any); d["field"] != "deadline" {
			t.Errorf("%q: %s, want details.field deadline", bad, r.Raw)
		}
	}
	// A date already past is refused as a past time is.
	expectError(t, post(time.Now().In(cst.Zone).AddDate(0, 0, -1).Format("2006-01-02")), 400, "INVALID_DEADLINE")
}

// TestUnitKindAndNeedCategoryByName: a unit's kind and a need's category
// may be given by their Chinese names (as the XLSX import already read
// kinds) or by the English words, and are answered with their
// codes (they were 400 INVALID_UNIT_KIND / INVALID_CATEGORY); the needs
// list filters by such a name too; an unknown one is still refused.
func TestUnitKindAndNeedCategoryByName(t *testing.T) {
	w, ta := newRegWorld(t)
	for i, tc := range []struct{ given, want string }{
		{"学校", "school"}, {"government_office", "government"}, {"public_institution", "institution"},
		{"social_organisation", "social_org"}, {"hospital", "hospital"},
	} {
		r := ta.do("POST", "/api/v1/admin/units", w.admin, map[string]any{"name": fmt.Sprintf("共建单位%d", i), "kind": tc.given, "communities": []int64{w.community}})
		if r.Status != 201 || r.str("kind") != tc.want {
			t.Errorf("unit kind %q: %d %s, want kind %s", tc.given, r.Status, r.Raw, tc.want)
		}
	}
	expectError(t, ta.do("POST", "/api/v1/admin/units", w.admin, map[string]any{"name": "某单位", "kind": "bank", "communities": []int64{w.community}}), 400, "INVALID_UNIT_KIND")
	for _, tc := range []struct{ given, want string }{
		{"养老助老", "elderly_care"}, {"children_and_study", "children_study"}, {"environment_and_repairs", "environment_repairs"}, {"health", "health"},
	} {
		r := ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": tc.given, "title": "社区需求",
			"quantity": 3, "quantity_unit": "次"})
		if r.Status != 201 || r.str("category") != tc.want {
			t.Errorf("need category %q: %d %s, want %s", tc.given, r.Status, r.Raw, tc.want)
		}
	}
	r := ta.must(ta.do("GET", "/api/v1/needs?category=children_and_study", "", nil), 200, "needs")
	if len(items(r)) != 1 || items(r)[0]["category"] != "children_study" {
		t.Errorf("needs by category name: %s", r.Raw)
	}
	r = ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "sports", "title": "社区需求", "quantity": 3, "quantity_unit": "次"})
	if r.Status != 400 {
		t.Errorf("an unknown category: %d %s", r.Status, r.Raw)
	}
}
