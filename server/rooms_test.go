package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/cst"
	"gongjian/internal/resident"
)

// roomDay is 00:00 CST n days from today.
func roomDay(n int) time.Time {
	l := time.Now().In(cst.Zone).AddDate(0, 0, n)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
}

// roomResident is a resident of the community (their residence confirmed).
func roomResident(w *regWorld, name string) string {
	w.ta.t.Helper()
	tok, id := w.ta.login(name)
	if r := w.ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": w.community}); r.Status != 200 {
		w.ta.t.Fatalf("profile: %d %s", r.Status, r.Raw)
	}
	w.ta.confirmResidence(id, w.community)
	return tok
}

// audienceRoom is an activity room of the community, added by its staff,
// open to audience.
func audienceRoom(w *regWorld, name string, audience ...string) int64 {
	w.ta.t.Helper()
	r := w.ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": name, "kind": "activity_room",
		"capacity": 30, "rules": map[string]any{"audience": audience}})
	if r.Status != 201 {
		w.ta.t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	return num(r.Body["id"])
}

// listedIDs is the ids of a list answer's items, in its order.
func listedIDs(r resp) []int64 {
	var ids []int64
	for _, it := range items(r) {
		ids = append(ids, num(it["id"]))
	}
	return ids
}

// TestRoomBookingOverHTTP walks a room's life over HTTP: staff add it, a
// resident sees its free slots and books, a second booking of the same
// range is SLOT_TAKEN, a repeated request with its Idempotency-Key gets
// the first answer, cancelling frees the range at once, and a recurring
// booking with one taken date is refused whole with that date named.
// TestRoomPatchKeepsTheRulesNotGiven: a PATCH of one rule changes that
// rule only; the others (approval among them) stay as they were.
func TestRoomPatchKeepsTheRulesNotGiven(t *testing.T) {
	w, ta := newRegWorld(t)
	r := ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光社区棋牌室", "kind": "chess_room", "capacity": 12,
		"rules": map[string]any{"slot_minutes": 60, "max_minutes": 180, "ahead_days": 30, "weekly_hours": 6, "needs_approval": true, "grace_minutes": 20}})
	if r.Status != 201 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	p := ta.do("PATCH", fmt.Sprintf("/api/v1/admin/rooms/%d", num(r.Body["id"])), w.cStaf, map[string]any{"rules": map[string]any{"weekly_hours": 4}})
	if p.Status != 200 {
		t.Fatalf("patch: %d %s", p.Status, p.Raw)
	}
	got := p.Body["rules"].(map[string]any)
	want := map[string]any{"slot_minutes": 60.0, "min_minutes": 60.0, "max_minutes": 180.0, "ahead_days": 30.0, "weekly_hours": 4.0, "needs_approval": true, "grace_minutes": 20.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rules.%s = %v after patching weekly_hours, want %v", k, got[k], v)
		}
	}
}

func TestRoomBookingOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
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
	if again.Status != 201 || string(again.Raw) != string(first.Raw) {
		t.Fatalf("repeated request: %d %s, want the first answer %s", again.Status, again.Raw, first.Raw)
	}
	overlapping := map[string]any{"starts_at": day.Add(20 * time.Hour), "ends_at": day.Add(21 * time.Hour), "purpose": "合唱", "attendance": 10}
	// The refusal names the date taken, at the top level as the issue
	// names it (conflicts: [dates]) and in details.
	if r := ta.do("POST", path, bob, overlapping); r.Status != 409 || r.str("code") != "SLOT_TAKEN" || fmt.Sprint(r.Body["conflicts"]) != "["+day.Format("2006-01-02")+"]" ||
		fmt.Sprint(r.Body["details"].(map[string]any)["conflicts"]) != fmt.Sprint(r.Body["conflicts"]) {
		t.Fatalf("overlap: want 409 SLOT_TAKEN with conflicts, got %d %s", r.Status, r.Raw)
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
	ta.confirmResidence(leader, w.community) // a team's leader lives in its community
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
	if r.Status != 409 || r.str("code") != "SLOT_TAKEN" || len(conflicts) != 2 || conflicts[0] != day.Format("2006-01-02") || conflicts[1] != first3.Format("2006-01-02") ||
		fmt.Sprint(r.Body["conflicts"]) != fmt.Sprint(conflicts) {
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

// TestDeskBookingOnBehalfOverHTTP: desk staff book for a resident without
// a smartphone with a reason, inside on_behalf_of or beside it; without
// one the booking is refused.
func TestDeskBookingOnBehalfOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	r := ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光社区棋牌室", "kind": "chess_room",
		"capacity": 20, "rules": map[string]any{"slot_minutes": 60}})
	if r.Status != 201 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	path := fmt.Sprintf("/api/v1/rooms/%d/bookings", num(r.Body["id"]))
	day := roomDay(2)
	guest := map[string]any{"name": "王大爷", "phone": "13800001111"}
	for i, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"on_behalf_of": map[string]any{"name": "王大爷", "phone": "13800001111", "reason": "老人没有智能手机"}}, 201, ""},
		{map[string]any{"on_behalf_of": guest, "reason": "老人没有智能手机"}, 201, ""},
		{map[string]any{"on_behalf_of": guest}, 400, "REASON_REQUIRED"},
	} {
		b := tc.body
		b["starts_at"], b["ends_at"], b["purpose"], b["attendance"] = day.Add(time.Duration(9+i)*time.Hour), day.Add(time.Duration(10+i)*time.Hour), "下棋", 4
		r := ta.do("POST", path, w.cStaf, b)
		if r.Status != tc.status || (tc.code != "" && r.str("code") != tc.code) || (tc.code == "" && (r.str("booked_for") != "desk" || r.str("reason") != "老人没有智能手机")) {
			t.Fatalf("case %d: want %d %s, got %d %s", i, tc.status, tc.code, r.Status, r.Raw)
		}
	}
}

// TestTeamsOverHTTP: community staff found a team with a leader; residents
// join by request (approved by the leader) or invitation (accepted); the
// leader drafts an activity hosted by the team's own organisation, the
// community's staff publish it, and a member's service at it is filed as
// an hours claim the community approves.
func TestTeamsOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	leaderTok := roomResident(w, "choirleader")
	ta.do("PATCH", "/api/v1/me", leaderTok, map[string]any{"real_name": "周桂兰"})
	me := ta.do("GET", "/api/v1/me", leaderTok, nil)
	leader := num(me.Body["id"])
	team := ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光合唱团", "kind": "choir", "leader_id": leader, "description": "每周二晚排练"})
	if team.Status != 201 || num(team.Body["org_id"]) == 0 || team.str("kind_name") != "合唱团" {
		t.Fatalf("team: %d %s", team.Status, team.Raw)
	}
	id := num(team.Body["id"])
	if r := ta.do("POST", "/api/v1/teams", leaderTok, map[string]any{"community_id": w.community, "name": "自封舞蹈队", "kind": "dance", "leader_id": leader}); r.Status != 403 {
		t.Fatalf("a resident founds a team: %d %s", r.Status, r.Raw)
	}
	singer := roomResident(w, "singer")
	sid := num(ta.do("GET", "/api/v1/me", singer, nil).Body["id"])
	if r := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/join", id), singer, nil); r.Status != 200 || r.str("status") != "requested" {
		t.Fatalf("join: %d %s", r.Status, r.Raw)
	}
	view := ta.do("GET", fmt.Sprintf("/api/v1/teams/%d", id), singer, nil)
	if view.str("leader_name") != "周**" || view.Body["member_list"] != nil {
		t.Fatalf("before approval a resident sees: %s", view.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/members/%d/approve", id, sid), leaderTok, nil); r.Status != 200 || r.str("status") != "active" {
		t.Fatalf("approve: %d %s", r.Status, r.Raw)
	}
	invitee := roomResident(w, "drummer")
	iid := num(ta.do("GET", "/api/v1/me", invitee, nil).Body["id"])
	if r := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/members", id), leaderTok, map[string]any{"user_id": iid}); r.Status != 200 || r.str("status") != "invited" {
		t.Fatalf("invite: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/join", id), invitee, nil); r.Status != 200 || r.str("status") != "active" {
		t.Fatalf("accept: %d %s", r.Status, r.Raw)
	}
	view = ta.do("GET", fmt.Sprintf("/api/v1/teams/%d", id), singer, nil)
	if view.str("leader_name") != "周桂兰" || len(view.Body["member_list"].([]any)) != 3 || num(view.Body["members"]) != 3 {
		t.Fatalf("a member sees: %s", view.Raw)
	}
	if mine := ta.do("GET", "/api/v1/me/teams", invitee, nil); len(items(mine)) != 1 {
		t.Fatalf("my teams: %s", mine.Raw)
	}

	// The leader drafts; the community publishes.
	s := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	act := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/activities", id), leaderTok, map[string]any{
		"title": "合唱团社区汇演", "category": "performance", "description": "新年合唱汇演", "place": ckPlace,
		"signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": s.Add(-10 * time.Minute),
		"sessions": []map[string]any{{"starts_at": s, "ends_at": s.Add(2 * time.Hour), "capacity": 50}}})
	if act.Status != 201 || act.str("status") != "draft" || num(act.Body["host_org_id"]) != num(team.Body["org_id"]) {
		t.Fatalf("the leader's draft: %d %s", act.Status, act.Raw)
	}
	aid := num(act.Body["id"])
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), leaderTok, nil); r.Status != 403 {
		t.Fatalf("the leader publishes: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/activities", id), singer, act.Body); r.Status != 403 && r.Status != 400 {
		t.Fatalf("a member drafts: %d", r.Status)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), w.cStaf, nil); r.Status != 200 {
		t.Fatalf("the community publishes: %d %s", r.Status, r.Raw)
	}
	// Held: the member's service is claimed as hours and approved by the community.
	sess := sessionID(act.Body, 0)
	if err := ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", time.Now().Add(-5*time.Hour).UTC(), time.Now().Add(-3*time.Hour).UTC(), sess).Error; err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond) // the activity's cached definition follows
	claim := ta.do("POST", "/api/v1/hours/claims", singer, map[string]any{"activity_id": aid, "minutes": 120, "description": "合唱团汇演演出"})
	if claim.Status != 201 {
		t.Fatalf("claim: %d %s", claim.Status, claim.Raw)
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(claim.Body["id"])), w.cStaf, map[string]int{"minutes": 120}); r.Status != 200 {
		t.Fatalf("the community approves the hours: %d %s", r.Status, r.Raw)
	}
	// Members leave; the leader stays.
	if r := ta.do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", id, iid), invitee, nil); r.Status != 204 {
		t.Fatalf("leave: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", id, leader), w.cStaf, nil); r.Status != 422 {
		t.Fatalf("remove the leader: %d %s", r.Status, r.Raw)
	}
}

// TestRoomsDemoData: the demo data set has rooms of two communities and one
// unit, teams with members, and bookings in every state; loading it again
// adds nothing.
func TestRoomsDemoData(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Seed.Demo = "always" })
	db := ta.app.db.G
	count := func(table, where string, args ...any) int64 {
		var n int64
		if err := db.Table(table).Where(where, args...).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	var communities []int64
	db.Table("rooms").Distinct("community_id").Pluck("community_id", &communities)
	if len(communities) != 2 || count("rooms", "org_id <> 0") != 1 || count("rooms", "1 = 1") < 8 {
		t.Fatalf("rooms: %d communities, %d unit rooms", len(communities), count("rooms", "org_id <> 0"))
	}
	if count("teams", "1 = 1") != 3 || count("team_members", "status = 'active'") < 7 {
		t.Fatalf("teams %d, members %d", count("teams", "1 = 1"), count("team_members", "status = 'active'"))
	}
	for _, st := range []string{"pending", "confirmed", "checked_in", "no_show", "cancelled", "rejected", "expired"} {
		if count("room_bookings", "status = ?", st) == 0 {
			t.Errorf("no demo booking is %s", st)
		}
	}
	if count("room_bookings", "series_id <> 0") != 8 || count("room_bookings", "booked_for = 'desk'") != 1 {
		t.Errorf("series %d, desk %d", count("room_bookings", "series_id <> 0"), count("room_bookings", "booked_for = 'desk'"))
	}
	before := count("room_bookings", "1 = 1")
	if err := ta.app.seeder.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := count("room_bookings", "1 = 1"); after != before || count("teams", "1 = 1") != 3 {
		t.Fatalf("loaded twice: %d bookings, then %d", before, after)
	}
	// The demo rooms answer over HTTP.
	if r := ta.do("GET", fmt.Sprintf("/api/v1/rooms?community_id=%d", communities[0]), "", nil); r.Status != 200 || len(items(r)) == 0 {
		t.Fatalf("rooms: %d %s", r.Status, r.Raw)
	}
}

// TestFreeRoomsFollowTheCallerOverHTTP: GET /rooms/free reads the optional
// token: a resident does not see a staff-only room, the community's staff
// do, a visitor without a token sees the rooms open to residents.
func TestFreeRoomsFollowTheCallerOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	open, staffOnly := audienceRoom(w, "居民活动室", "residents"), audienceRoom(w, "工作人员会议室", "staff")
	alice := roomResident(w, "alice")
	day := roomDay(2)
	path := fmt.Sprintf("/api/v1/rooms/free?community_id=%d&starts_at=%s&ends_at=%s", w.community, rfc(day.Add(10*time.Hour)), rfc(day.Add(11*time.Hour)))
	for _, tc := range []struct {
		name, token string
		want        []int64
	}{
		{"resident", alice, []int64{open}},
		{"community staff", w.cStaf, []int64{open, staffOnly}},
		{"no token", "", []int64{open}},
	} {
		r := ta.do("GET", path, tc.token, nil)
		got := listedIDs(r)
		if r.Status != 200 || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Fatalf("%s: %d %v, want %v (%s)", tc.name, r.Status, got, tc.want, r.Raw)
		}
	}
}

// TestRoomsDirectoryFollowsTheCallerOverHTTP: GET /rooms reads the optional
// token and lists, as the free-room search, only the rooms the caller may
// book: a resident neither the staff-only room nor the room open to units,
// a unit's staff the room open to units, the community's staff all three,
// a visitor (or a token no longer valid) the room open to residents.
func TestRoomsDirectoryFollowsTheCallerOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	open, staffOnly, units := audienceRoom(w, "居民活动室", "residents"), audienceRoom(w, "工作人员会议室", "staff"), audienceRoom(w, "单位会议室", "units")
	alice := roomResident(w, "alice")
	newcomer, _ := ta.login("newcomer-no-community")
	for _, tc := range []struct {
		name, token string
		want        []int64
	}{
		{"resident", alice, []int64{open}},
		// no community chosen yet: what a visitor sees, not nothing
		{"resident without a community", newcomer, []int64{open}},
		{"unit staff", w.orgStaff, []int64{units}},
		{"community staff", w.cStaf, []int64{open, staffOnly, units}},
		{"no token", "", []int64{open}},
		{"a token no longer valid", "no-such-token", []int64{open}},
	} {
		r := ta.do("GET", fmt.Sprintf("/api/v1/rooms?community_id=%d", w.community), tc.token, nil)
		got := listedIDs(r)
		slices.Sort(got)
		if r.Status != 200 || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Fatalf("%s: %d %v, want %v (%s)", tc.name, r.Status, got, tc.want, r.Raw)
		}
	}
}

// TestRoomsListFiltersOverHTTP: GET /rooms filters by kind, capacity (at
// least) and unit (org_id); with a time range (?starts_at=&ends_at=) it is
// the free-room search, leaving out a room booked in the range (the range
// was ignored: every room was listed); /rooms/free keeps to one unit's
// rooms with org_id (ignored too).
func TestRoomsListFiltersOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	mk := func(body map[string]any) int64 {
		r := ta.do("POST", "/api/v1/admin/rooms", w.admin, body)
		if r.Status != 201 {
			t.Fatalf("create room: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["id"])
	}
	gym := mk(map[string]any{"community_id": w.community, "name": "阳光社区健身房", "kind": "gym", "capacity": 10})
	dance := mk(map[string]any{"community_id": w.community, "name": "阳光社区舞蹈室", "kind": "dance_room", "capacity": 30})
	hall := mk(map[string]any{"community_id": w.community, "org_id": w.org, "name": "青少年宫体育馆", "kind": "sports_hall", "capacity": 100})
	day := roomDay(2)
	if r := ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", dance), roomResident(w, "alice"), map[string]any{
		"starts_at": day.Add(10 * time.Hour), "ends_at": day.Add(11 * time.Hour), "purpose": "舞蹈排练", "attendance": 12}); r.Status != 201 {
		t.Fatalf("book: %d %s", r.Status, r.Raw)
	}
	at := fmt.Sprintf("starts_at=%s&ends_at=%s", rfc(day.Add(10*time.Hour)), rfc(day.Add(11*time.Hour)))
	later := fmt.Sprintf("starts_at=%s&ends_at=%s", rfc(day.Add(14*time.Hour)), rfc(day.Add(15*time.Hour)))
	for _, tc := range []struct {
		path string
		want []int64
	}{
		{"/api/v1/rooms?kind=gym", []int64{gym}},
		{"/api/v1/rooms?capacity=20", []int64{dance, hall}},
		{fmt.Sprintf("/api/v1/rooms?org_id=%d", w.org), []int64{hall}},
		{"/api/v1/rooms?" + later, []int64{gym, dance, hall}},
		{"/api/v1/rooms?" + at, []int64{gym, hall}},
		{"/api/v1/rooms?kind=dance_room&" + at, nil},
		{"/api/v1/rooms?capacity=20&" + at, []int64{hall}},
		{fmt.Sprintf("/api/v1/rooms?org_id=%d&%s", w.org, at), []int64{hall}},
		{fmt.Sprintf("/api/v1/rooms/free?org_id=%d&%s", w.org, later), []int64{hall}},
	} {
		r := ta.do("GET", tc.path+fmt.Sprintf("&community_id=%d", w.community), "", nil)
		got := listedIDs(r)
		slices.Sort(got)
		if r.Status != 200 || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %d %v, want %v (%s)", tc.path, r.Status, got, tc.want, r.Raw)
		}
	}
	// A range needs both ends.
	if r := ta.do("GET", "/api/v1/rooms?starts_at="+rfc(day.Add(10*time.Hour)), "", nil); r.Status != 400 || r.str("code") != "INVALID_RANGE" {
		t.Errorf("a range without its end: %d %s", r.Status, r.Raw)
	}
}

// TestUnitRoomOverHTTP: a co-building unit's contact adds the unit's room
// naming the unit by unit_id (a unit's id is its organisation's, issue 15;
// it was 400 UNKNOWN_FIELD) and without its community when the unit
// co-builds with one only (it was 400 INVALID_COMMUNITY); bookings of the
// room wait for the unit's approval, which the community's staff cannot
// give; the contact books a community room for the unit by unit_id too.
func TestUnitRoomOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	other := w.newCommunity("幸福社区")
	unit := func(name string, communities ...int64) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/admin/units", w.admin, map[string]any{"name": name, "kind": "school", "communities": communities}), 201, "unit").Body["id"])
	}
	school, hospital := unit("区实验小学", w.community), unit("区中心医院", w.community, other)
	contact, _ := ta.login("school-contact")
	ta.grant("school-contact", resident.RoleChange{Role: "unit_contact", OrgID: school})
	ta.grant("school-contact", resident.RoleChange{Role: "unit_contact", OrgID: hospital})
	room := func(body map[string]any) resp {
		body["name"], body["kind"], body["capacity"] = "学校体育馆", "sports_hall", 200
		body["rules"] = map[string]any{"slot_minutes": 60, "needs_approval": true}
		return ta.do("POST", "/api/v1/admin/rooms", contact, body)
	}
	r := room(map[string]any{"unit_id": school})
	if r.Status != 201 || num(r.Body["community_id"]) != w.community || num(r.Body["org_id"]) != school {
		t.Fatalf("the unit's room by unit_id, no community: %d %s", r.Status, r.Raw)
	}
	hall := num(r.Body["id"])
	if r := room(map[string]any{"org_id": school, "unit_id": hospital, "community_id": w.community}); r.Status != 400 || r.str("code") != "BAD_FIELD" {
		t.Errorf("org_id and unit_id apart: %d %s", r.Status, r.Raw)
	}
	// A unit of two communities says which.
	if r := room(map[string]any{"unit_id": hospital}); r.Status != 400 || r.str("code") != "INVALID_COMMUNITY" {
		t.Errorf("a unit of two communities, no community: %d %s", r.Status, r.Raw)
	}
	if r := room(map[string]any{"unit_id": hospital, "community_id": other}); r.Status != 201 || num(r.Body["community_id"]) != other {
		t.Errorf("a unit of two communities, one named: %d %s", r.Status, r.Raw)
	}

	day := roomDay(3)
	p := ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", hall), roomResident(w, "alice"), map[string]any{
		"starts_at": day.Add(15 * time.Hour), "ends_at": day.Add(17 * time.Hour), "purpose": "羽毛球", "attendance": 8})
	if p.Status != 201 || p.str("status") != "pending" {
		t.Fatalf("a booking of the unit's room: %d %s", p.Status, p.Raw)
	}
	approve := fmt.Sprintf("/api/v1/admin/bookings/%d/approve", num(p.Body["id"]))
	if r := ta.do("POST", approve, w.cStaf, nil); r.Status != 403 || r.str("code") != "NOT_ROOM_OWNER" {
		t.Errorf("the community's staff approve: %d %s", r.Status, r.Raw)
	}
	if r := ta.do("POST", approve, contact, nil); r.Status != 200 || r.str("status") != "confirmed" {
		t.Errorf("the unit approves: %d %s", r.Status, r.Raw)
	}

	meeting := num(ta.must(ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "社区会议室",
		"kind": "meeting_room", "capacity": 20, "rules": map[string]any{"slot_minutes": 60}}), 201, "room").Body["id"])
	b := ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", meeting), contact, map[string]any{"unit_id": school,
		"starts_at": day.Add(9 * time.Hour), "ends_at": day.Add(10 * time.Hour), "purpose": "共建工作会", "attendance": 10})
	if b.Status != 201 || b.str("booked_for") != "unit" || num(b.Body["org_id"]) != school {
		t.Errorf("the unit books by unit_id: %d %s", b.Status, b.Raw)
	}
}

// roomVisibility is a community's rooms open to different audiences (and
// one of another community's), two residents, and a room bob booked
// (练字, at 9:00 tomorrow) that is since kept for staff.
type roomVisibility struct {
	t                                     *testing.T
	w                                     *regWorld
	ta                                    *testApp
	open, staffOnly, units, booked, other int64
	alice, bob                            string
	day                                   time.Time
}

func newRoomVisibility(t *testing.T) *roomVisibility {
	w, ta := newRegWorld(t)
	v := &roomVisibility{t: t, w: w, ta: ta, day: roomDay(1)}
	mk := func(community int64, name string, audience ...string) int64 {
		t.Helper()
		return num(ta.must(ta.do("POST", "/api/v1/admin/rooms", w.admin, map[string]any{"community_id": community, "name": name, "kind": "activity_room",
			"capacity": 30, "rules": map[string]any{"slot_minutes": 60, "audience": audience}}), 201, "room "+name).Body["id"])
	}
	elsewhere := w.newCommunity("明月社区")
	v.open, v.staffOnly, v.units = mk(w.community, "居民活动室", "residents"), mk(w.community, "工作人员会议室", "staff"), mk(w.community, "单位会议室", "units")
	v.booked, v.other = mk(w.community, "书画室", "residents"), mk(elsewhere, "明月社区活动室", "residents")
	v.alice, v.bob = roomResident(w, "alice"), roomResident(w, "bob")
	v.book(v.bob, v.booked, 9, "练字")
	// The room is then kept for staff: bob's booking keeps its page.
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/rooms/%d", v.booked), w.cStaf, map[string]any{"rules": map[string]any{"audience": []string{"staff"}}}), 200, "staff only")
	return v
}

// book books room for an hour of the day from hour on, as tok.
func (v *roomVisibility) book(tok string, room int64, hour int, purpose string) {
	v.t.Helper()
	v.ta.must(v.ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", room), tok, map[string]any{"starts_at": v.day.Add(time.Duration(hour) * time.Hour),
		"ends_at": v.day.Add(time.Duration(hour+1) * time.Hour), "purpose": purpose, "attendance": 3}), 201, "booking "+purpose)
}

// roomVisibilityCase is a caller asking for a room: want 200 with the
// room, or 404 ROOM_NOT_FOUND.
type roomVisibilityCase struct {
	name, token string
	room        int64
	want        int
}

// cases are the callers every view of a room answers alike: 200 with the
// room for one they may see, else 404 ROOM_NOT_FOUND.
func (v *roomVisibility) cases() []roomVisibilityCase {
	w := v.w
	return []roomVisibilityCase{
		{"resident, open room", v.alice, v.open, 200},
		{"resident, staff-only room", v.alice, v.staffOnly, 404},
		{"resident, room open to units", v.alice, v.units, 404},
		{"resident, another community's room", v.alice, v.other, 404},
		{"resident, room since kept for staff", v.alice, v.booked, 404},
		{"its booker, room since kept for staff", v.bob, v.booked, 200},
		{"unit staff, room open to units", w.orgStaff, v.units, 200},
		{"unit staff, staff-only room", w.orgStaff, v.staffOnly, 404},
		{"community staff, staff-only room", w.cStaf, v.staffOnly, 200},
		{"community staff, another community's room", w.cStaf, v.other, 404},
		{"admin, another community's room", w.admin, v.other, 200},
		{"resident, no such room", v.alice, v.other + 1000, 404},
	}
}

// check asserts the answer r; roomID reads the room's id from a 200.
func (tc roomVisibilityCase) check(t *testing.T, what string, r resp, roomID func() int64) {
	t.Helper()
	if tc.want == 404 {
		if r.Status != 404 || r.str("code") != "ROOM_NOT_FOUND" {
			t.Errorf("%s: %d %s, want 404 ROOM_NOT_FOUND", what, r.Status, r.Raw)
		}
		return
	}
	if r.Status != tc.want || roomID() != tc.room {
		t.Errorf("%s: %d %s, want %d with the room", what, r.Status, r.Raw, tc.want)
	}
}

// TestRoomDetailFollowsTheCallerOverHTTP: GET /rooms/{id} and its
// availability answer, by the directory's rule, only for a room the
// caller may book; any other (staff-only, open to units only, another
// community's) is 404 ROOM_NOT_FOUND as a room that does not exist. Staff
// and admins see the rooms they run the desk of, and a resident who holds
// a booking of a room keeps its page after it is no longer open to them.
func TestRoomDetailFollowsTheCallerOverHTTP(t *testing.T) {
	v := newRoomVisibility(t)
	w, ta := v.w, v.ta
	for _, tc := range append(v.cases(),
		roomVisibilityCase{"no token, open room", "", v.open, 200},
		roomVisibilityCase{"no token, staff-only room", "", v.staffOnly, 404},
		roomVisibilityCase{"a token no longer valid, staff-only room", "no-such-token", v.staffOnly, 404},
		roomVisibilityCase{"community staff, room open to units", w.cStaf, v.units, 200},
		roomVisibilityCase{"admin, staff-only room", w.admin, v.staffOnly, 200},
	) {
		for _, suffix := range []string{"", "/availability"} {
			r := ta.do("GET", fmt.Sprintf("/api/v1/rooms/%d%s", tc.room, suffix), tc.token, nil)
			idKey := "id"
			if suffix != "" {
				idKey = "room_id"
			}
			tc.check(t, tc.name+suffix, r, func() int64 { return num(r.Body[idKey]) })
		}
	}
}

// TestRoomCalendarFollowsTheCallerOverHTTP: a room's calendar answers by
// RoomFor's rule (as the room's page and availability): any room the
// caller may not see is 404 ROOM_NOT_FOUND. Only desk staff in scope see
// what other people's bookings are for and who made them (full true), their
// ids and closures' reasons; a resident sees the busy ranges of others'
// bookings (no id) and closures (no reason) and their own bookings in full.
func TestRoomCalendarFollowsTheCallerOverHTTP(t *testing.T) {
	v := newRoomVisibility(t)
	w, ta, day := v.w, v.ta, v.day
	open, alice, bob := v.open, v.alice, v.bob
	v.book(alice, open, 9, "商量离婚财产分割")
	v.book(bob, open, 10, "戒酒互助小组")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/rooms/%d/closures", open), w.cStaf, map[string]any{"starts_at": day.Add(15 * time.Hour),
		"ends_at": day.Add(16 * time.Hour), "reason": "配合街道检查"}), 201, "closure")
	cal := func(tok string, room int64) resp {
		return ta.do("GET", fmt.Sprintf("/api/v1/rooms/%d/calendar?from=%s&to=%s", room, rfc(day), rfc(day.Add(24*time.Hour))), tok, nil)
	}

	t.Run("visibility", func(t *testing.T) {
		for _, tc := range v.cases() {
			r := cal(tc.token, tc.room)
			tc.check(t, tc.name, r, func() int64 { return num(r.Body["room"].(map[string]any)["id"]) })
		}
	})

	t.Run("what each caller sees of the bookings", func(t *testing.T) {
		// purposes by the booking's hour; "" where only the busy range shows.
		for _, tc := range []struct {
			name, token string
			full        bool
			purposes    map[int]string
			names       bool // every booker's name shown
		}{
			{"a resident who booked one of them", alice, false, map[int]string{9: "商量离婚财产分割", 10: ""}, false},
			{"the other booker", bob, false, map[int]string{9: "", 10: "戒酒互助小组"}, false},
			{"the community's desk staff", w.cStaf, true, map[int]string{9: "商量离婚财产分割", 10: "戒酒互助小组"}, true},
			{"an administrator", w.admin, true, map[int]string{9: "商量离婚财产分割", 10: "戒酒互助小组"}, true},
		} {
			r := cal(tc.token, open)
			if r.Status != 200 || r.Body["full"] != tc.full {
				t.Fatalf("%s: %d %s, want 200 with full %v", tc.name, r.Status, r.Raw, tc.full)
			}
			bs, _ := r.Body["bookings"].([]any)
			if len(bs) != 2 {
				t.Fatalf("%s: %d bookings, want both busy ranges: %s", tc.name, len(bs), r.Raw)
			}
			for _, x := range bs {
				b := x.(map[string]any)
				st, _ := time.Parse(time.RFC3339, b["starts_at"].(string))
				hour := st.In(cst.Zone).Hour()
				want, mine := tc.purposes[hour], tc.purposes[hour] != ""
				if b["purpose"] != want {
					t.Errorf("%s: the %d:00 booking's purpose %q, want %q", tc.name, hour, b["purpose"], want)
				}
				_, named := b["booker_name"]
				_, by := b["booked_by"]
				if tc.names && !named || !tc.names && !mine && (named || by) {
					t.Errorf("%s: the %d:00 booking shows its booker %v, want %v: %v", tc.name, hour, named, tc.names, b)
				}
				if !tc.full && !mine && (b["booked_for"] != "" || b["team_name"] != nil || b["attendance"] != nil) {
					t.Errorf("%s: someone else's booking shows more than its busy range: %v", tc.name, b)
				}
				// Another resident's booking id is nothing a resident may use.
				if _, id := b["id"]; id != (tc.full || mine) {
					t.Errorf("%s: the %d:00 booking shows its id %v, want %v: %v", tc.name, hour, id, tc.full || mine, b)
				}
			}
			// A closure: when the room is closed; its reason and id only at the desk.
			cs, _ := r.Body["closures"].([]any)
			if len(cs) != 1 {
				t.Fatalf("%s: closures %s, want the one", tc.name, r.Raw)
			}
			c := cs[0].(map[string]any)
			_, id := c["id"]
			cs0, _ := time.Parse(time.RFC3339, fmt.Sprint(c["starts_at"]))
			if !cs0.Equal(day.Add(15*time.Hour)) || id != tc.full || (c["reason"] == "配合街道检查") != tc.full {
				t.Errorf("%s: closure %v, want its range, and its id and reason %v", tc.name, c, tc.full)
			}
		}
	})
}

// TestTeamLeaderOverHTTP: a team's leader must be a resident whose
// residence the team's community confirmed, as its members must; the
// leadership passes (POST /teams/{id}/leader, by the leader or the
// community's staff) to an active member only, the old leader stays a
// member and may then leave, and staff's handovers are audited.
func TestTeamLeaderOverHTTP(t *testing.T) {
	w, ta := newRegWorld(t)
	elsewhere := w.newCommunity("明月社区")
	user := func(name string) (string, int64) {
		tok := roomResident(w, name)
		return tok, num(ta.must(ta.do("GET", "/api/v1/me", tok, nil), 200, "me").Body["id"])
	}
	newTeam := func(name string, leader int64) resp {
		return ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": name, "kind": "dance", "leader_id": leader})
	}
	leadTok, lead := user("old-leader")
	nextTok, next := user("next-leader")
	thirdTok, third := user("third-member")
	moverTok, mover := user("mover")
	_, outsider := user("outsider")
	id := num(ta.must(newTeam("阳光秧歌队", lead), 201, "team").Body["id"])
	for _, m := range []struct {
		tok string
		id  int64
	}{{nextTok, next}, {thirdTok, third}, {moverTok, mover}} {
		ta.must(ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/join", id), m.tok, nil), 200, "join")
		ta.must(ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/members/%d/approve", id, m.id), leadTok, nil), 200, "approve")
	}
	path := fmt.Sprintf("/api/v1/teams/%d/leader", id)
	hand := func(tok string, to int64) resp { return ta.do("POST", path, tok, map[string]any{"user_id": to}) }
	for _, tc := range []struct {
		name, token string
		to          int64
		status      int
		code        string
	}{
		{"a member who does not lead", nextTok, third, 403, "NOT_TEAM_LEADER"},
		{"another community's staff", w.orgStaff, next, 403, "NOT_TEAM_LEADER"},
		{"to someone not in the team", leadTok, outsider, 422, "LEADER_NOT_MEMBER"},
		{"to nobody", leadTok, 0, 400, "INVALID_USER"},
	} {
		if r := hand(tc.token, tc.to); r.Status != tc.status || r.str("code") != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Raw, tc.status, tc.code)
		}
	}

	// The leader hands over; the old leader stays a member, then may leave.
	if r := hand(leadTok, next); r.Status != 200 || num(r.Body["leader_id"]) != next {
		t.Fatalf("handover by the leader: %d %s", r.Status, r.Raw)
	}
	view := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/teams/%d", id), leadTok, nil), 200, "team")
	if view.str("my_status") != "active" || view.Body["leads"] != nil {
		t.Errorf("the old leader after the handover: %s", view.Raw)
	}
	if r := hand(leadTok, third); r.Status != 403 {
		t.Errorf("the old leader hands over again: %d %s, want 403", r.Status, r.Raw)
	}
	if r := ta.do("GET", fmt.Sprintf("/api/v1/teams/%d", id), nextTok, nil); r.Body["leads"] != true {
		t.Errorf("the new leader does not lead: %s", r.Raw)
	}
	ta.must(ta.do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", id, next), nextTok, nil), 422, "the new leader leaves")
	ta.must(ta.do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", id, lead), leadTok, nil), 204, "the old leader leaves")
	if r := hand(nextTok, lead); r.Status != 422 || r.str("code") != "LEADER_NOT_MEMBER" {
		t.Errorf("to a member who left: %d %s, want 422 LEADER_NOT_MEMBER", r.Status, r.Raw)
	}

	// A member whose residence is now confirmed elsewhere (moved away) may not lead.
	ta.confirmResidence(mover, elsewhere)
	if r := hand(nextTok, mover); r.Status != 422 || r.str("code") != "LEADER_NOT_RESIDENT" {
		t.Errorf("to a member who moved away: %d %s, want 422 LEADER_NOT_RESIDENT", r.Status, r.Raw)
	}

	// The community's staff hand over (a leader who moved away); audited.
	if r := hand(w.cStaf, third); r.Status != 200 || num(r.Body["leader_id"]) != third {
		t.Fatalf("handover by staff: %d %s", r.Status, r.Raw)
	}
	if e := findAudit(ta.auditItems(w.admin, ""), "team.leader_change", id); e == nil || e["actor_role"] != "staff" ||
		num(e["changes"].(map[string]any)["user_id"]) != third {
		t.Errorf("the staff handover is not in the audit log as team.leader_change: %v", e)
	}
}

// TestConcurrentBookingsOverHTTP: 200 booking requests of one room for
// overlapping ranges, sent at the same instant over HTTP by 20 residents,
// on the configured database and on the embedded SQLite: the confirmed
// bookings never overlap, every other request is 409 SLOT_TAKEN for a
// range a confirmed booking holds (no 5xx under contention), and the
// room's availability shows exactly the confirmed ranges booked.
func TestConcurrentBookingsOverHTTP(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, opt appOption) {
		w, ta := newRegWorld(t, opt)
		room := num(ta.must(ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光社区活动室",
			"kind": "activity_room", "capacity": 50, "rules": map[string]any{"slot_minutes": 30, "max_minutes": 120}}), 201, "room").Body["id"])
		toks := make([]string, 20)
		for i := range toks {
			toks[i] = roomResident(w, fmt.Sprintf("booker-%d", i))
		}
		day := roomDay(2)
		type rng struct{ from, to time.Time }
		reqs := make([]rng, 200)
		for i := range reqs {
			// 08:00–13:00: every range overlaps many others.
			from := day.Add(8*time.Hour + time.Duration(i*7%9)*30*time.Minute)
			reqs[i] = rng{from, from.Add(time.Duration(1+i*3%4) * 30 * time.Minute)}
		}
		path := fmt.Sprintf("/api/v1/rooms/%d/bookings", room)
		answers := make([]resp, len(reqs))
		atTheSameInstant(len(reqs), func(i int) {
			answers[i] = ta.do("POST", path, toks[i%len(toks)], map[string]any{"starts_at": reqs[i].from, "ends_at": reqs[i].to,
				"purpose": "活动", "attendance": 10})
		})
		var won []rng
		var lost []int
		for i, a := range answers {
			switch {
			case a.Status == 201 && a.str("status") == "confirmed":
				won = append(won, reqs[i])
			case a.Status == 409 && a.str("code") == "SLOT_TAKEN":
				lost = append(lost, i)
			default:
				t.Fatalf("request %d: %d %s", i, a.Status, a.Raw)
			}
		}
		if len(won) == 0 {
			t.Fatal("no booking confirmed")
		}
		slices.SortFunc(won, func(a, b rng) int { return a.from.Compare(b.from) })
		booked := map[time.Time]bool{}
		for i, b := range won {
			if i > 0 && b.from.Before(won[i-1].to) {
				t.Errorf("confirmed %v–%v overlaps %v–%v", won[i-1].from, won[i-1].to, b.from, b.to)
			}
			for s := b.from; s.Before(b.to); s = s.Add(30 * time.Minute) {
				booked[s] = true
			}
		}
		for _, i := range lost {
			hit := false
			for s := reqs[i].from; s.Before(reqs[i].to); s = s.Add(30 * time.Minute) {
				hit = hit || booked[s]
			}
			if !hit {
				t.Errorf("%v–%v refused SLOT_TAKEN but no confirmed booking holds it", reqs[i].from, reqs[i].to)
			}
		}
		a := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/rooms/%d/availability?from=%s&to=%s", room, rfc(day), rfc(day.Add(24*time.Hour))), "", nil), 200, "availability")
		for _, x := range a.Body["slots"].([]any) {
			s := x.(map[string]any)
			at, _ := time.Parse(time.RFC3339, s["starts_at"].(string))
			if (s["state"] == "booked") != booked[at.In(cst.Zone)] {
				t.Errorf("slot %s is %v", at.In(cst.Zone).Format("15:04"), s["state"])
			}
		}
		t.Logf("%s: %d confirmed, %d refused", t.Name(), len(won), len(lost))
	})
}

// TestDeskBookingForARegisteredResident: desk staff name the resident they
// book for by account id, as the wording invites (on_behalf_of: id,
// {user_id}, or the id as a string): the booking carries the resident's
// name and masked phone from their account and counts against that
// resident's own weekly hours; an unknown id is 404 USER_NOT_FOUND; a bare
// name is a guest whose phone is still required; {name, phone} unchanged.
func TestDeskBookingForARegisteredResident(t *testing.T) {
	w, ta := newRegWorld(t)
	r := ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": "阳光社区阅览室", "kind": "reading_room",
		"capacity": 20, "rules": map[string]any{"slot_minutes": 60, "weekly_hours": 3}})
	if r.Status != 201 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	path := fmt.Sprintf("/api/v1/rooms/%d/bookings", num(r.Body["id"]))
	wang := roomResident(w, "laowang")
	ta.must(ta.do("PATCH", "/api/v1/me", wang, map[string]any{"real_name": "王建国"}), 200, "real name")
	ta.must(ta.do("POST", "/api/v1/me/phone", wang, map[string]string{"code": "dev:phone:13900002222"}), 200, "phone")
	wangID := num(ta.do("GET", "/api/v1/me", wang, nil).Body["id"])
	day := roomDay(2)
	at := func(b map[string]any, hour int) map[string]any {
		b["starts_at"], b["ends_at"], b["purpose"], b["attendance"] = day.Add(time.Duration(hour)*time.Hour), day.Add(time.Duration(hour+1)*time.Hour), "读书会", 3
		return b
	}
	// The resident books one hour themself: one of their three.
	ta.must(ta.do("POST", path, wang, at(map[string]any{}, 8)), 201, "own booking")
	for i, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"on_behalf_of": wangID, "reason": "老人不会用手机"}, 201, ""},
		{map[string]any{"on_behalf_of": map[string]any{"user_id": wangID, "reason": "老人不会用手机"}}, 201, ""},
		// The resident's fourth hour: their own weekly limit, however booked.
		{map[string]any{"on_behalf_of": fmt.Sprint(wangID), "reason": "老人不会用手机"}, 422, "WEEKLY_LIMIT"},
		{map[string]any{"on_behalf_of": map[string]any{"user_id": 999999999}, "reason": "老人不会用手机"}, 404, "USER_NOT_FOUND"},
		// A person without an account and without a phone: the name and
		// the reason are enough; a phone given must be one.
		{map[string]any{"on_behalf_of": "李大爷", "reason": "老人没有智能手机"}, 201, ""},
		{map[string]any{"on_behalf_of": map[string]any{"name": "张奶奶", "phone": "12345"}, "reason": "老人没有智能手机"}, 400, "INVALID_PHONE"},
		// A mobile number alone is not an account id: the name is missing.
		{map[string]any{"on_behalf_of": "13811112222", "reason": "老人没有智能手机"}, 400, "INVALID_GUEST_NAME"},
		{map[string]any{"on_behalf_of": map[string]any{"name": "李大爷", "phone": "13811112222"}, "reason": "老人没有智能手机"}, 201, ""},
	} {
		got := ta.do("POST", path, w.cStaf, at(tc.body, 10+i))
		if got.Status != tc.status || (tc.code != "" && got.str("code") != tc.code) {
			t.Fatalf("case %d: want %d %s, got %d %s", i, tc.status, tc.code, got.Status, got.Raw)
		}
		if tc.status == 201 && i < 2 && (got.str("booked_for") != "desk" || got.str("guest_name") != "王建国" ||
			got.str("guest_phone_masked") != "139****2222" || got.str("reason") != "老人不会用手机") {
			t.Fatalf("case %d: the booking is not the resident's: %s", i, got.Raw)
		}
	}
	// The resident's own fourth hour is refused too: the desk's two count.
	if got := ta.do("POST", path, wang, at(map[string]any{}, 18)); got.Status != 422 || got.str("code") != "WEEKLY_LIMIT" {
		t.Fatalf("the resident's fourth hour: %d %s", got.Status, got.Raw)
	}
}
