package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Staff "mark no-shows" (issue 3): POST /admin/registrations/{id}/no-show
// with no body marks it; {"no_show": false} clears it; {} says neither.
func TestNoShowWithoutBody(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _, sid, reg := w.signedUpForLecture("alice", "")
	ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour), sid)
	path := fmt.Sprintf("/api/v1/admin/registrations/%d/no-show", reg)
	if r := ta.do("POST", path, w.cStaf, nil); r.Status != 200 || r.Body["no_show"] != true {
		t.Fatalf("no body: %d %s", r.Status, r.Raw)
	}
	if ns := ta.do("GET", "/api/v1/me/no-shows", alice, nil); num(ns.Body["count"]) != 1 {
		t.Fatalf("counted: %s", ns.Raw)
	}
	if r := ta.do("POST", path, w.cStaf, map[string]bool{"no_show": false}); r.Status != 200 || r.Body["no_show"] != false {
		t.Fatalf("cleared: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", path, w.cStaf, map[string]any{}), 400, "INVALID_NO_SHOW")
}

// "export the list as XLSX" (issue 3): GET …/registrations?format=xlsx is
// the export, as …/registrations/export; another format is refused.
func TestRegistrationListAsXLSX(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, aid, _, _ := w.signedUpForLecture("alice", "王丽")
	path := fmt.Sprintf("/api/v1/admin/activities/%d/registrations", aid)
	x := ta.do("GET", path+"?format=xlsx", w.orgStaff, nil)
	if x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("format=xlsx: %d %s %.200s", x.Status, x.Header.Get("Content-Type"), x.Raw)
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := book.GetRows("报名名单"); len(rows) != 2 || rows[1][3] != "王*" {
		t.Fatalf("rows: %v", rows)
	}
	if r := ta.do("GET", path+"?format=json", w.orgStaff, nil); r.Status != 200 || len(items(r)) != 1 {
		t.Fatalf("format=json: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("GET", path+"?format=csv", w.orgStaff, nil), 400, "BAD_FORMAT")
	expectError(t, ta.do("GET", path+"?format=xlsx", alice, nil), 403, "FORBIDDEN")
}
