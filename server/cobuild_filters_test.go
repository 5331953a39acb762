package main

import (
	"testing"

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
