package main

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cst"
)

// TestAuditFilters: admins filter the audit log (issue 17 point 4) by
// who (actor_id), what (action, object_type, object_id) and when (from,
// to: RFC 3339 times or China-time dates, to inclusive), and the export
// hands out what the same filters select.
func TestAuditFilters(t *testing.T) {
	w, ta := newRegWorld(t)
	_, staffID := ta.login("communitystaff")
	_, resID := ta.login("audit-filter-resident")
	before := time.Now().Add(-2 * time.Second)
	act := w.activity(w.cStaf, nil)
	aid := num(act["id"])
	other := num(w.activity(w.cStaf, nil)["id"])
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", resID), w.admin, map[string]any{"role": "volunteer"}), 200, "grant")
	after := time.Now().Add(2 * time.Second)

	// Who.
	mine := ta.auditItems(w.admin, fmt.Sprintf("actor_id=%d", staffID))
	if findAudit(mine, "activity.publish", aid) == nil || findAudit(mine, "activity.publish", other) == nil {
		t.Errorf("actor_id: the staff member's publications missing: %v", mine)
	}
	for _, e := range mine {
		if num(e["actor_id"]) != staffID {
			t.Errorf("actor_id=%d: entry of %v", staffID, e["actor_id"])
		}
	}
	// Who, by the role they acted in; and one request by its id.
	for _, role := range []string{"staff", "admin"} {
		got := ta.auditItems(w.admin, "actor_role="+role)
		if len(got) == 0 {
			t.Errorf("actor_role=%s: no entries", role)
		}
		for _, e := range got {
			if e["actor_role"] != role {
				t.Errorf("actor_role=%s: entry %v", role, e)
			}
		}
	}
	if pub := findAudit(mine, "activity.publish", aid); pub != nil {
		got := ta.auditItems(w.admin, "request_id="+url.QueryEscape(pub["request_id"].(string)))
		if len(got) != 1 || num(got[0]["id"]) != num(pub["id"]) {
			t.Errorf("request_id=%v: %v", pub["request_id"], got)
		}
	}
	// What.
	obj := ta.auditItems(w.admin, fmt.Sprintf("object_type=activity&object_id=%d", aid))
	if findAudit(obj, "activity.create", aid) == nil || findAudit(obj, "activity.publish", aid) == nil {
		t.Errorf("object: the activity's entries missing: %v", obj)
	}
	for _, e := range obj {
		if e["object_type"] != "activity" || num(e["object_id"]) != aid {
			t.Errorf("object_type=activity&object_id=%d: entry %v", aid, e)
		}
	}
	if users := ta.auditItems(w.admin, "object_type=user"); findAudit(users, "role.grant", resID) == nil || findAudit(users, "activity.publish", 0) != nil {
		t.Errorf("object_type=user: %v", users)
	}
	// When: RFC 3339 times (UTC or with an offset) and dates.
	today := time.Now().In(cst.Zone).Format("2006-01-02")
	yesterday := time.Now().In(cst.Zone).AddDate(0, 0, -1).Format("2006-01-02")
	tomorrow := time.Now().In(cst.Zone).AddDate(0, 0, 1).Format("2006-01-02")
	for _, c := range []struct {
		from, to string
		found    bool
	}{
		{before.UTC().Format(time.RFC3339), after.UTC().Format(time.RFC3339), true},
		{before.In(cst.Zone).Format(time.RFC3339), after.In(cst.Zone).Format(time.RFC3339), true},
		{today, today, true},
		{before.UTC().Format(time.RFC3339), "", true},
		{after.UTC().Format(time.RFC3339), "", false},
		{"", before.UTC().Format(time.RFC3339), false},
		{tomorrow, "", false},
		{"", yesterday, false},
	} {
		q := url.Values{"action": {"activity.publish"}}
		if c.from != "" {
			q.Set("from", c.from)
		}
		if c.to != "" {
			q.Set("to", c.to)
		}
		got := ta.auditItems(w.admin, q.Encode())
		if (findAudit(got, "activity.publish", aid) != nil) != c.found {
			t.Errorf("from=%q to=%q: found %v, want %v (%d entries)", c.from, c.to, !c.found, c.found, len(got))
		}
	}
	expectError(t, ta.do("GET", "/api/v1/console/audit?from=yesterday", w.admin, nil), 400, "BAD_QUERY")
	// A China-time offset written into the URL as it is: its "+" arrives
	// as a space.
	raw := fmt.Sprintf("action=activity.publish&from=%s&to=%s", before.In(cst.Zone).Format(time.RFC3339), after.In(cst.Zone).Format(time.RFC3339))
	if got := ta.auditItems(w.admin, raw); findAudit(got, "activity.publish", aid) == nil {
		t.Errorf("%s: the publication not found", raw)
	}

	// The export: the same filters, the same entries.
	q := fmt.Sprintf("object_type=activity&object_id=%d&from=%s", aid, url.QueryEscape(before.UTC().Format(time.RFC3339)))
	listed := ta.auditItems(w.admin, q)
	ex := ta.must(ta.do("GET", "/api/v1/console/audit/export?"+q, w.admin, nil), 200, "export")
	f, err := excelize.OpenReader(bytes.NewReader(ex.Raw))
	if err != nil {
		t.Fatalf("export is no workbook: %v", err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(listed) || len(listed) < 2 {
		t.Fatalf("export has %d rows, the list %d entries", len(rows)-1, len(listed))
	}
	for i, r := range rows[1:] {
		if r[0] != fmt.Sprint(num(listed[i]["id"])) || r[7] != fmt.Sprint(aid) {
			t.Errorf("export row %d: %v, want entry %v", i+1, r, listed[i])
		}
	}
}
