package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestSubdistrictAdminStaysInTheirSubdistrict: a subdistrict's admin
// (issue 17 point 3) neither reads nor changes the other subdistrict's
// activity and its registrations through the routes the console calls,
// and their audit export holds their subdistrict's entries only.
func TestSubdistrictAdminStaysInTheirSubdistrict(t *testing.T) {
	sw, ta := newScopeWorld(t)
	act1, act3 := num(sw.act1["id"]), num(sw.act3["id"])
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", act3), nil},
		{"GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations/export", act3), nil},
		{"PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act3), map[string]any{"title": "越权修改"}},
		{"POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", act3), map[string]string{"reason": "越权取消"}},
		{"POST", fmt.Sprintf("/api/v1/admin/activities/%d/finish", act3), nil},
	} {
		if r := ta.do(c.method, c.path, sw.sub1, c.body); r.Status != 404 && r.Status != 403 {
			t.Errorf("%s %s as the first subdistrict's admin: %d %.200s", c.method, c.path, r.Status, r.Raw)
		}
	}
	if r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d", act3), sw.admin, nil), 200, "act3"); r.str("title") == "越权修改" || r.str("status") != "published" {
		t.Fatalf("the other subdistrict's activity was changed: %s", r.Raw)
	}
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/console/people?subdistrict_id=%d", sw.s2), sw.sub1, nil), 403, "FORBIDDEN")
	ta.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", act1), sw.sub1, nil), 200, "own registrations")

	ex := ta.must(ta.do("GET", "/api/v1/console/audit/export", sw.sub1, nil), 200, "sub1's export")
	f, err := excelize.OpenReader(bytes.NewReader(ex.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) < 2 {
		t.Fatalf("sub1's export is empty: %v", rows)
	}
	for _, r := range rows[1:] {
		if len(r) > 9 && r[9] != fmt.Sprint(sw.s1) {
			t.Errorf("sub1's export holds an entry of subdistrict %s: %v", r[9], r)
		}
	}
}
