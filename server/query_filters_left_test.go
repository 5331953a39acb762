package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// A wristband's readings from ?since= on (RFC 3339, or a date: from its
// start in China), for the guardian and for staff; a bad value is 400
// BAD_QUERY, not ignored.
func TestWristbandReadingsSince(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("staff1", c1)
	owner, imei, path := w.selfWearer("吴奶奶", c1)
	now := time.Now().UTC().Truncate(time.Second)
	w.pushHeartRate(imei, now.Add(-72*time.Hour), 60)
	w.pushHeartRate(imei, now.Add(-2*time.Hour), 70)
	w.pushHeartRate(imei, now.Add(-time.Minute), 80)
	bpms := func(tok, q string) []float64 {
		t.Helper()
		var out []float64
		for _, r := range okItems(t, w.do("GET", q, tok, nil)) {
			out = append(out, r["heart_rate"].(float64))
		}
		return out
	}
	admin := "/api/v1/admin/wristbands/" + path[len("/api/v1/wristbands/"):]
	day := now.Add(-36 * time.Hour).In(cst.Zone).Format("2006-01-02")
	for _, c := range []struct {
		since string
		want  string
	}{
		{"", "[80 70 60]"},
		{now.Add(-3 * time.Hour).Format(time.RFC3339), "[80 70]"},
		{now.Add(-2 * time.Hour).In(cst.Zone).Format(time.RFC3339), "[80 70]"}, // inclusive
		{now.Add(-time.Hour).Format(time.RFC3339), "[80]"},
		{day, "[80 70]"},
	} {
		q := "/readings?kind=heart_rate&since=" + url.QueryEscape(c.since)
		if got := fmt.Sprint(bpms(owner, path+q)); got != c.want {
			t.Errorf("guardian since %q: %s, want %s", c.since, got, c.want)
		}
		if got := fmt.Sprint(bpms(staffTok, admin+q)); got != c.want {
			t.Errorf("staff since %q: %s, want %s", c.since, got, c.want)
		}
	}
	// The next page keeps the lower bound.
	r := w.do("GET", path+"/readings?kind=heart_rate&limit=1&since="+day, owner, nil)
	next, _ := r.Body["next_cursor"].(string)
	if next == "" {
		t.Fatalf("page 1: %s", r.Raw)
	}
	if got := fmt.Sprint(bpms(owner, path+"/readings?kind=heart_rate&limit=1&since="+day+"&cursor="+next)); got != "[70]" {
		t.Fatalf("page 2: %s", got)
	}
	r = w.do("GET", path+"/readings?kind=heart_rate&limit=1&since="+day+"&cursor="+next, owner, nil)
	if r.Body["next_cursor"] != nil {
		t.Fatalf("page 2 has a next page: %s", r.Raw)
	}
	expectError(t, w.do("GET", path+"/readings?since=yesterday", owner, nil), 400, "BAD_QUERY")
	expectError(t, w.do("GET", admin+"/readings?since=2024-13-01", staffTok, nil), 400, "BAD_QUERY")
}

// The staff alarm list narrowed by ?community_id=: within the staff
// member's communities only (another is 403); a bad id is 400 BAD_QUERY.
func TestWristbandStaffAlarmsByCommunity(t *testing.T) {
	w := newWristbandApp(t)
	c1, c2 := w.community("阳光社区"), w.community("幸福社区")
	staff1, _ := w.staff("staff1", c1)
	all, _ := w.staff("staff-all", 0)
	_, imei1, _ := w.selfWearer("郑奶奶", c1)
	_, imei2, _ := w.selfWearer("王爷爷", c2)
	a1 := fmt.Sprint(int64(w.push(imei1, "sos", nil).Body["alarm_id"].(float64)))
	a2 := fmt.Sprint(int64(w.push(imei2, "fall", nil).Body["alarm_id"].(float64)))
	ids := func(tok, q string) string {
		t.Helper()
		var out []string
		for _, a := range okItems(t, w.do("GET", "/api/v1/admin/wristbands/alarms"+q, tok, nil)) {
			out = append(out, fmt.Sprint(a["id"]))
		}
		return fmt.Sprint(out)
	}
	for _, c := range []struct {
		tok, q, want string
	}{
		{all, "", fmt.Sprint([]string{a2, a1})},
		{all, fmt.Sprintf("?community_id=%d", c1), fmt.Sprint([]string{a1})},
		{all, fmt.Sprintf("?community_id=%d&status=open", c2), fmt.Sprint([]string{a2})},
		{w.admin, fmt.Sprintf("?community_id=%d", c2), fmt.Sprint([]string{a2})},
		{staff1, "", fmt.Sprint([]string{a1})},
		{staff1, fmt.Sprintf("?community_id=%d", c1), fmt.Sprint([]string{a1})},
	} {
		if got := ids(c.tok, c.q); got != c.want {
			t.Errorf("%q: %s, want %s", c.q, got, c.want)
		}
	}
	expectError(t, w.do("GET", fmt.Sprintf("/api/v1/admin/wristbands/alarms?community_id=%d", c2), staff1, nil), 403, "OUT_OF_SCOPE")
	expectError(t, w.do("GET", "/api/v1/admin/wristbands/alarms?community_id=x", staff1, nil), 400, "BAD_QUERY")
}

// An activity's message outbox narrowed by ?status= (comma separated or
// repeated); the counts stay those of every message; an unknown status
// is 400 BAD_QUERY.
func TestActivityMessagesByStatus(t *testing.T) {
	ta, _, adminTok := activityMessages(t, 42)
	statuses := func(q string) string {
		t.Helper()
		r := ta.do("GET", "/api/v1/admin/activities/42/messages"+q, adminTok, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Raw)
		}
		if c := r.Body["counts"].(map[string]any); c["failed"] != 1.0 || c["sent"] != 1.0 {
			t.Fatalf("%s: counts %v", q, c)
		}
		var out []any
		for _, it := range r.Body["items"].([]any) {
			out = append(out, it.(map[string]any)["status"])
		}
		return fmt.Sprint(out)
	}
	for q, want := range map[string]string{
		"":                           "[failed sent]",
		"?status=failed":             "[failed]",
		"?status=sent":               "[sent]",
		"?status=sent,failed":        "[failed sent]",
		"?status=sent&status=failed": "[failed sent]",
		"?status=pending":            "[]",
	} {
		if got := statuses(q); got != want {
			t.Errorf("%q: %s, want %s", q, got, want)
		}
	}
	expectError(t, ta.do("GET", "/api/v1/admin/activities/42/messages?status=delivered", adminTok, nil), 400, "BAD_QUERY")
}
