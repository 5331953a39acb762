package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// roomDay is 00:00 CST n days from today.
func roomDay(n int) time.Time {
	l := time.Now().In(cst.Zone).AddDate(0, 0, n)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
}

func roomResident(w *regWorld, name string) string {
	w.ta.t.Helper()
	tok, _ := w.ta.login(name)
	if r := w.ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": w.community}); r.Status != 200 {
		w.ta.t.Fatalf("profile: %d %s", r.Status, r.Raw)
	}
	return tok
}

// TestRoomBookingOverHTTP walks a room's life over HTTP: staff add it, a
// resident sees its free slots and books, a second booking of the same
// range is SLOT_TAKEN, a repeated request with its Idempotency-Key gets
// the first answer, cancelling frees the range at once, and a recurring
// booking with one taken date is refused whole with that date named.
func TestRoomBookingOverHTTP(t *testing.T) {
	w := newRegWorld(t)
	ta := w.ta
	r := ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光社区舞蹈室", "kind": "dance_room",
		"place": "活动中心三楼", "capacity": 30, "facilities": []string{"镜子", "音响"},
		"rules": map[string]any{"slot_minutes": 60, "max_minutes": 180, "ahead_days": 60}})
	if r.Status != 201 || num(r.Body["id"]) == 0 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	room := num(r.Body["id"])
	list := ta.do("GET", fmt.Sprintf("/api/v1/rooms?community_id=%d", w.community), "", nil)
	if list.Status != 200 || len(items(list)) != 1 || items(list)[0]["name"] != "阳光社区舞蹈室" {
		t.Fatalf("rooms: %d %s", list.Status, list.Raw)
	}
	day := roomDay(3)
	avail := func() map[string]string {
		a := ta.do("GET", fmt.Sprintf("/api/v1/rooms/%d/availability?from=%s&to=%s", room, rfc(day), rfc(day.Add(24*time.Hour))), "", nil)
		if a.Status != 200 {
			t.Fatalf("availability: %d %s", a.Status, a.Raw)
		}
		out := map[string]string{}
		for _, s := range a.Body["slots"].([]any) {
			m := s.(map[string]any)
			st, _ := time.Parse(time.RFC3339, m["starts_at"].(string))
			out[st.In(cst.Zone).Format("15:04")] = m["state"].(string)
		}
		return out
	}
	if a := avail(); len(a) != 13 || a["19:00"] != "free" {
		t.Fatalf("a day of 08:00–21:00 in hours: %v", a)
	}

	alice, bob := roomResident(w, "alice"), roomResident(w, "bob")
	body := map[string]any{"starts_at": day.Add(19 * time.Hour), "ends_at": day.Add(21 * time.Hour), "purpose": "广场舞排练", "attendance": 20}
	path := fmt.Sprintf("/api/v1/rooms/%d/bookings", room)
	first := ta.do("POST", path, alice, body, "Idempotency-Key", "alice-1")
	if first.Status != 201 || first.str("status") != "confirmed" || num(first.Body["room_id"]) != room {
		t.Fatalf("book: %d %s", first.Status, first.Raw)
	}
	again := ta.do("POST", path, alice, body, "Idempotency-Key", "alice-1")
	if again.Status != 201 || num(again.Body["id"]) != num(first.Body["id"]) {
		t.Fatalf("repeated request: %d %s", again.Status, again.Raw)
	}
	overlapping := map[string]any{"starts_at": day.Add(20 * time.Hour), "ends_at": day.Add(21 * time.Hour), "purpose": "合唱", "attendance": 10}
	if r := ta.do("POST", path, bob, overlapping); r.Status != 409 || r.str("code") != "SLOT_TAKEN" {
		t.Fatalf("overlap: want 409 SLOT_TAKEN, got %d %s", r.Status, r.Raw)
	}
	if a := avail(); a["19:00"] != "booked" || a["20:00"] != "booked" || a["18:00"] != "free" {
		t.Fatalf("after booking: %v", a)
	}
	mine := ta.do("GET", "/api/v1/me/bookings", alice, nil)
	if len(items(mine)) != 1 {
		t.Fatalf("my bookings: %s", mine.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", num(first.Body["id"])), bob, nil); r.Status != 404 {
		t.Fatalf("another resident cancels: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", num(first.Body["id"])), alice, map[string]string{"reason": "下雨"}); r.Status != 200 || r.str("status") != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", path, bob, overlapping); r.Status != 201 {
		t.Fatalf("the cancelled range is free at once: %d %s", r.Status, r.Raw)
	}

	// A team's Tuesday evenings for four weeks; the third is taken.
	leaderTok, leader := ta.login("leader")
	ta.do("PATCH", "/api/v1/me", leaderTok, map[string]any{"community_id": w.community})
	team := ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光舞蹈队", "kind": "dance", "leader_id": leader})
	if team.Status != 201 {
		t.Fatalf("team: %d %s", team.Status, team.Raw)
	}
	first3 := day.AddDate(0, 0, 14)
	if r := ta.do("POST", path, bob, map[string]any{"starts_at": first3.Add(18 * time.Hour), "ends_at": first3.Add(20 * time.Hour), "purpose": "生日会", "attendance": 12}); r.Status != 201 {
		t.Fatalf("bob: %d %s", r.Status, r.Raw)
	}
	series := map[string]any{"starts_at": day.Add(19 * time.Hour), "ends_at": day.Add(21 * time.Hour), "purpose": "舞蹈队训练", "attendance": 25,
		"team_id": num(team.Body["id"]), "until": day.AddDate(0, 0, 21).Format("2006-01-02")}
	r = ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/series", room), leaderTok, series)
	conflicts, _ := r.Body["details"].(map[string]any)["conflicts"].([]any)
	// The first date is taken by bob's booking above (20:00–21:00), the third by his birthday party.
	if r.Status != 409 || r.str("code") != "SLOT_TAKEN" || len(conflicts) != 2 || conflicts[0] != day.Format("2006-01-02") || conflicts[1] != first3.Format("2006-01-02") {
		t.Fatalf("series with taken dates: %d %s", r.Status, r.Raw)
	}
	var n int64
	ta.app.db.G.Table("room_bookings").Where("team_id = ?", num(team.Body["id"])).Count(&n)
	if n != 0 {
		t.Fatalf("a refused series left %d bookings", n)
	}
	series["starts_at"], series["ends_at"] = day.Add(8*time.Hour), day.Add(10*time.Hour)
	r = ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/series", room), leaderTok, series)
	if r.Status != 201 || num(r.Body["count"]) != 4 {
		t.Fatalf("free series: %d %s", r.Status, r.Raw)
	}
	occ := r.Body["items"].([]any)
	one := num(occ[1].(map[string]any)["id"])
	if c := ta.do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", one), leaderTok, nil); c.Status != 200 {
		t.Fatalf("cancel one occurrence: %d %s", c.Status, c.Raw)
	}
	tb := ta.do("GET", fmt.Sprintf("/api/v1/teams/%d/bookings", num(team.Body["id"])), leaderTok, nil)
	if len(items(tb)) != 3 {
		t.Fatalf("the other occurrences stay: %s", tb.Raw)
	}
}
