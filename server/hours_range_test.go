package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// GET /admin/hours totals "for a date range" (issue 5): the range may be
// dates or RFC 3339 times, under from/to or their other spellings; none is
// refused or ignored.
func TestHoursReportRangeSpellings(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, _, _ := w.resident("hr-vol", "周志愿", w.volS)
	w.shiftSessions(w.vol, -4*time.Hour) // it took place: 3.5 to 0.5 hours ago
	c := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "minutes": 45, "description": "整理宣传材料"}), 201)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c.Body["id"])), w.admin, map[string]any{"minutes": 45}), 200)
	// The entry counts at the service's time: the session's start.
	me := w.must(ta.do("GET", "/api/v1/me/hours", volTok, nil), 200)
	served, err := time.Parse(time.RFC3339, me.Body["entries"].([]any)[0].(map[string]any)["served_at"].(string))
	if err != nil {
		t.Fatalf("served_at: %v in %s", err, me.Raw)
	}
	today := served.In(cst.Zone).Format("2006-01-02")
	yesterday := served.In(cst.Zone).AddDate(0, 0, -1).Format("2006-01-02")
	total := func(query string) int64 {
		t.Helper()
		r := ta.do("GET", "/api/v1/admin/hours?"+query, w.admin, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", query, r.Status, r.Raw)
		}
		return num(r.Body["total_minutes"])
	}
	q := func(k1, v1, k2, v2 string) string {
		return url.Values{k1: {v1}, k2: {v2}}.Encode()
	}
	cases := []struct {
		query string
		want  int64
	}{
		{q("from", today, "to", today), 45},
		{q("from", rfc(served.Add(-time.Hour)), "to", rfc(served.Add(time.Hour))), 45},
		{q("from", served.Add(-time.Hour).In(cst.Zone).Format(time.RFC3339), "to", served.Add(time.Hour).In(cst.Zone).Format(time.RFC3339)), 45},
		{q("from", rfc(served.Add(time.Minute)), "to", rfc(served.Add(2*time.Hour))), 0},
		{q("date_from", yesterday, "date_to", yesterday), 0},
		{q("date_from", yesterday, "date_to", today), 45},
		{q("start_date", yesterday, "end_date", yesterday), 0},
	}
	for _, c := range cases {
		if got := total(c.query); got != c.want {
			t.Errorf("%s: %d minutes, want %d", c.query, got, c.want)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/admin/hours?date_from=soon", w.admin, nil), 400, "BAD_DATE_RANGE")
}
