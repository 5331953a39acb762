package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// GET /me/registrations lists "upcoming and past" (issue 3): without a
// scope, both — the upcoming ones soonest first, then the past and
// cancelled ones latest first — paged as one list, by page or by cursor.
func TestMyRegistrationsDefaultListsUpcomingThenPast(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _ := w.resident("alice", "")
	base := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	var regs []int64
	for i := 0; i < 6; i++ {
		start := base.Add(time.Duration(i) * time.Hour)
		act := w.activity(w.orgStaff, func(b map[string]any) {
			b["title"] = fmt.Sprintf("讲座%d", i)
			b["sessions"] = []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(30 * time.Minute)), "capacity": 5}}
		})
		r := w.register(alice, sessionID(act, 0), nil, nil)
		if r.Status != 201 {
			t.Fatalf("register %d: %d %s", i, r.Status, r.Raw)
		}
		regs = append(regs, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"]))
	}
	for _, i := range []int{1, 3} {
		if c := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", regs[i]), alice, nil); c.Status != 200 {
			t.Fatalf("cancel: %d %s", c.Status, c.Raw)
		}
	}
	// The sixth took place two days ago.
	ago := time.Now().Add(-48 * time.Hour).UTC()
	if err := ta.app.db.G.Exec("UPDATE registrations SET starts_at = ?, ends_at = ? WHERE id = ?", ago, ago.Add(30*time.Minute), regs[5]).Error; err != nil {
		t.Fatal(err)
	}
	want := []int64{regs[0], regs[2], regs[4], regs[3], regs[1], regs[5]}
	ids := func(r resp) []int64 {
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Raw)
		}
		var out []int64
		for _, it := range items(r) {
			out = append(out, num(it["id"]))
		}
		return out
	}
	same := func(what string, got, want []int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
	all := ta.do("GET", "/api/v1/me/registrations", alice, nil)
	same("default", ids(all), want)
	if num(all.Body["total"]) != 6 {
		t.Fatalf("total: %s", all.Raw)
	}
	same("scope=all", ids(ta.do("GET", "/api/v1/me/registrations?scope=all", alice, nil)), want)
	// Numbered pages across the two parts.
	for _, size := range []int{1, 2, 4, 5} {
		var got []int64
		for pg := 1; pg <= (6+size-1)/size; pg++ {
			r := ta.do("GET", fmt.Sprintf("/api/v1/me/registrations?page=%d&page_size=%d", pg, size), alice, nil)
			if num(r.Body["total"]) != 6 {
				t.Fatalf("page %d/%d total: %s", pg, size, r.Raw)
			}
			got = append(got, ids(r)...)
		}
		same(fmt.Sprintf("pages of %d", size), got, want)
	}
	same("beyond the end", ids(ta.do("GET", "/api/v1/me/registrations?page=4&page_size=2", alice, nil)), nil)
	// The cursor follows from one part to the other.
	for _, limit := range []int{1, 2, 3, 6, 10} {
		var got []int64
		cursor, n := "", 0
		for {
			r := ta.do("GET", fmt.Sprintf("/api/v1/me/registrations?limit=%d&cursor=%s", limit, url.QueryEscape(cursor)), alice, nil)
			page := ids(r)
			if len(page) > limit {
				t.Fatalf("limit %d: %s", limit, r.Raw)
			}
			got = append(got, page...)
			next, _ := r.Body["next_cursor"].(string)
			if next == "" {
				break
			}
			if n++; n > 10 {
				t.Fatalf("limit %d: no end", limit)
			}
			cursor = next
		}
		same(fmt.Sprintf("cursor, limit %d", limit), got, want)
	}
	expectError(t, ta.do("GET", "/api/v1/me/registrations?cursor=past.nonsense", alice, nil), 400, "BAD_CURSOR")
	// A scope keeps its meaning.
	same("upcoming", ids(ta.do("GET", "/api/v1/me/registrations?scope=upcoming", alice, nil)), want[:3])
	same("past", ids(ta.do("GET", "/api/v1/me/registrations?scope=past", alice, nil)), want[3:])
	same("status=past", ids(ta.do("GET", "/api/v1/me/registrations?status=past", alice, nil)), want[3:])
	same("when=upcoming, keyset", ids(ta.do("GET", "/api/v1/me/registrations?when=upcoming&limit=10", alice, nil)), want[:3])
}
