package main

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// chainPages reads a keyset list page by page (limit a page) from its
// first page, following next_cursor: every page but the last is full and
// has a cursor, the last has null (also when it is exactly full). It
// returns the ids (key) of every row in the order served.
func chainPages(t *testing.T, ta *testApp, path, token string, limit int, key string) []int64 {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var ids []int64
	cursor := ""
	for pages := 1; ; pages++ {
		q := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := ta.must(ta.do("GET", q, token, nil), 200, q)
		got := items(r)
		if len(got) > limit {
			t.Fatalf("%s: %d rows on a page of %d", q, len(got), limit)
		}
		for _, it := range got {
			ids = append(ids, num(it[key]))
		}
		next, present := r.Body["next_cursor"]
		if !present {
			t.Fatalf("%s: no next_cursor in %s", q, r.Raw)
		}
		if next == nil {
			return ids
		}
		if s, ok := next.(string); !ok || s == "" || len(got) != limit {
			t.Fatalf("%s: next_cursor %#v after %d rows", q, next, len(got))
		}
		cursor = next.(string)
		if pages > 50 {
			t.Fatalf("%s: no last page after %d pages", path, pages)
		}
	}
}

// samePages checks that a list read at every limit in limits chains
// through all of want, each row exactly once, in want's order.
func samePages(t *testing.T, ta *testApp, path, token, key string, want []int64, limits ...int) {
	t.Helper()
	for _, limit := range limits {
		if got := chainPages(t, ta, path, token, limit, key); !slices.Equal(got, want) {
			t.Fatalf("%s by %d: got %v, want %v", path, limit, got, want)
		}
	}
}

type bookedRow struct {
	id    int64
	start time.Time
}

// bookingOrder is the ids of rows by start time and id (desc: newest first).
func bookingOrder(rows []bookedRow, desc bool) []int64 {
	rows = slices.Clone(rows)
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if desc {
			a, b = b, a
		}
		return a.start.Before(b.start) || (a.start.Equal(b.start) && a.id < b.id)
	})
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.id)
	}
	return out
}

// TestBookingListsPagedWithNextCursor: a resident's bookings, a team's and
// the staff's bookings desk are keyset pages of at most 100 (default 50):
// limit over 100 and a tampered cursor are refused, the pages chain
// through next_cursor over every row exactly once (those starting at the
// same time included), null on an exactly full last page, and the status
// filter, the community and the booker, team and desk scoping hold on
// every page.
func TestBookingListsPagedWithNextCursor(t *testing.T) {
	w, ta := newRegWorld(t)
	room := func(tok string, community int64, name string) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/admin/rooms", tok, map[string]any{"community_id": community, "name": name, "kind": "reading_room",
			"capacity": 30, "rules": map[string]any{"slot_minutes": 60, "max_minutes": 180}}), 201, "room").Body["id"])
	}
	roomA, roomB := room(w.cStaf, w.community, "阅览室"), room(w.cStaf, w.community, "棋牌室")
	other := w.newCommunity("幸福社区")
	roomC := room(w.admin, other, "幸福社区活动室")

	alice, bob := roomResident(w, "page-alice"), roomResident(w, "page-bob")
	leadTok, otherLeadTok := roomResident(w, "page-leader"), roomResident(w, "page-leader-2")
	_, lead := ta.login("page-leader")
	_, otherLead := ta.login("page-leader-2")
	team := func(name string, leader int64) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/teams", w.cStaf, map[string]any{"community_id": w.community, "name": name, "kind": "dance",
			"leader_id": leader}), 201, "team").Body["id"])
	}
	team1, team2 := team("阳光舞蹈队", lead), team("夕阳合唱团", otherLead)

	book := func(tok string, room int64, day, hour int, extra map[string]any) bookedRow {
		t.Helper()
		start := roomDay(day).Add(time.Duration(hour) * time.Hour)
		body := map[string]any{"starts_at": start, "ends_at": start.Add(time.Hour), "purpose": "读书会", "attendance": 5}
		for k, v := range extra {
			body[k] = v
		}
		r := ta.must(ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", room), tok, body), 201, "booking")
		return bookedRow{id: num(r.Body["id"]), start: start}
	}
	// Alice's: two start together in two rooms; one is cancelled.
	mine := []bookedRow{book(alice, roomA, 1, 9, nil), book(alice, roomB, 1, 9, nil), book(alice, roomA, 1, 11, nil),
		book(alice, roomB, 2, 14, nil), book(alice, roomA, 2, 9, nil)}
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", mine[2].id), alice, nil), 200, "cancel")
	bobs := book(bob, roomA, 3, 9, nil)
	guest := map[string]any{"on_behalf_of": map[string]string{"name": "李大爷", "phone": "13811112222", "reason": "没有智能手机"}}
	elsewhere := book(w.admin, roomC, 1, 9, guest)
	teamRows := []bookedRow{book(leadTok, roomA, 4, 9, map[string]any{"team_id": team1}), book(leadTok, roomB, 4, 9, map[string]any{"team_id": team1}),
		book(leadTok, roomA, 5, 9, map[string]any{"team_id": team1})}
	otherTeam := book(otherLeadTok, roomB, 5, 9, map[string]any{"team_id": team2})

	lists := []struct{ path, token string }{
		{"/api/v1/me/bookings", alice},
		{fmt.Sprintf("/api/v1/teams/%d/bookings", team1), leadTok},
		{"/api/v1/admin/bookings", w.cStaf},
	}
	for _, l := range lists {
		expectError(t, ta.do("GET", l.path+"?limit=101", l.token, nil), 400, "BAD_QUERY")
		expectError(t, ta.do("GET", l.path+"?limit=0", l.token, nil), 400, "BAD_QUERY")
		expectError(t, ta.do("GET", l.path+"?cursor=x", l.token, nil), 400, "BAD_CURSOR")
		lastPage(t, ta.must(ta.do("GET", l.path+"?limit=100", l.token, nil), 200, l.path), false, l.path+" limit=100")
	}

	// A resident's: newest first, theirs alone, by status on every page.
	all := bookingOrder(mine, true)
	samePages(t, ta, "/api/v1/me/bookings", alice, "id", all, 1, 2, 5, 100)
	confirmed := slices.DeleteFunc(slices.Clone(all), func(id int64) bool { return id == mine[2].id })
	samePages(t, ta, "/api/v1/me/bookings?status=confirmed", alice, "id", confirmed, 1, 2, 3, 4)
	samePages(t, ta, "/api/v1/me/bookings?status=cancelled", alice, "id", []int64{mine[2].id}, 1)
	samePages(t, ta, "/api/v1/me/bookings?status=confirmed,cancelled", alice, "id", all, 2, 100)
	// An unknown status is refused, not answered with an empty list.
	expectError(t, ta.do("GET", "/api/v1/me/bookings?status=weird", alice, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", "/api/v1/admin/bookings?status=confirmed,weird", w.cStaf, nil), 400, "BAD_QUERY")

	// A team's: in time order, not another team's.
	samePages(t, ta, fmt.Sprintf("/api/v1/teams/%d/bookings", team1), leadTok, "id", bookingOrder(teamRows, false), 1, 2, 3)
	samePages(t, ta, fmt.Sprintf("/api/v1/teams/%d/bookings", team2), otherLeadTok, "id", []int64{otherTeam.id}, 1)

	// The desk: in time order, the rooms of the staff's community only
	// (the admin's also the other community's, or one community asked).
	desk := append(slices.DeleteFunc(slices.Clone(mine), func(b bookedRow) bool { return b.id == mine[2].id }), bobs)
	desk = append(desk, teamRows...)
	desk = append(desk, otherTeam)
	samePages(t, ta, "/api/v1/admin/bookings", w.cStaf, "id", bookingOrder(desk, false), 1, 3, 4, 9)
	samePages(t, ta, fmt.Sprintf("/api/v1/admin/bookings?community_id=%d", w.community), w.admin, "id", bookingOrder(desk, false), 2, 3)
	samePages(t, ta, "/api/v1/admin/bookings", w.admin, "id", bookingOrder(append(slices.Clone(desk), elsewhere), false), 2, 5)
	samePages(t, ta, "/api/v1/admin/bookings?status=cancelled", w.cStaf, "id", []int64{mine[2].id}, 1)
	samePages(t, ta, fmt.Sprintf("/api/v1/admin/bookings?community_id=%d", other), w.admin, "id", []int64{elsewhere.id}, 1)
	// The desk's default page is at most 50 and still says whether more follow.
	if r := ta.must(ta.do("GET", "/api/v1/admin/bookings", w.cStaf, nil), 200, "desk"); len(items(r)) != len(desk) {
		t.Fatalf("desk default page: %s", r.Raw)
	} else {
		lastPage(t, r, false, "desk default page")
	}
}

// TestReportInsPagedByUpdateTime: the staff's report-ins are keyset pages
// (at most 100, default 50) newest change first, whose cursor is the time
// and the member: report-ins changed at the same instant are each served
// once across pages, the last page (exactly full too) answers null, and
// the status filter and the community scoping hold on every page.
func TestReportInsPagedByUpdateTime(t *testing.T) {
	w, ta := newRegWorld(t)
	other := w.newCommunity("幸福社区")
	otherStaff, _ := ta.login("page-other-staff")
	ta.grant("page-other-staff", resident.RoleChange{Role: "staff", CommunityID: other})
	member := func(i int, community int64) int64 {
		name := fmt.Sprintf("page-member-%d", i)
		tok, id := ta.login(name)
		ta.grant(name, resident.RoleChange{Role: "party_member"})
		ta.must(ta.do("POST", "/api/v1/me/report-in", tok, map[string]any{"community_id": community, "workplace_org_id": w.org}), 201, "report in")
		return id
	}
	var here []int64
	for i := 0; i < 5; i++ {
		here = append(here, member(i, w.community))
	}
	there := []int64{member(10, other), member(11, other)}
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/report-ins/%d/review", here[4]), w.cStaf, map[string]any{"confirm": true}), 200, "confirm")

	// Three changed at the same instant, one before, one after.
	same := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	at := map[int64]time.Time{here[0]: same, here[1]: same, here[2]: same.Add(-time.Minute), here[3]: same, here[4]: same.Add(time.Minute),
		there[0]: same, there[1]: same}
	for id, when := range at {
		if err := ta.app.db.G.Table("cobuild_report_ins").Where("user_id = ?", id).Update("updated_at", when).Error; err != nil {
			t.Fatal(err)
		}
	}
	order := func(ids []int64) []int64 {
		ids = slices.Clone(ids)
		sort.Slice(ids, func(i, j int) bool {
			a, b := at[ids[i]], at[ids[j]]
			return a.After(b) || (a.Equal(b) && ids[i] > ids[j])
		})
		return ids
	}
	const path = "/api/v1/admin/report-ins"
	expectError(t, ta.do("GET", path+"?limit=101", w.cStaf, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", path+"?cursor=x", w.cStaf, nil), 400, "BAD_CURSOR")
	lastPage(t, ta.must(ta.do("GET", path+"?limit=100", w.cStaf, nil), 200, "limit=100"), false, "limit=100")

	samePages(t, ta, path, w.cStaf, "user_id", order(here), 1, 2, 3, 5, 50)
	samePages(t, ta, path+"?status=pending", w.cStaf, "user_id", order(here[:4]), 1, 2, 4)
	samePages(t, ta, path+"?status=confirmed", w.cStaf, "user_id", []int64{here[4]}, 1)
	samePages(t, ta, path, otherStaff, "user_id", order(there), 1, 2)
	samePages(t, ta, fmt.Sprintf("%s?community_id=%d", path, other), w.admin, "user_id", order(there), 1)
	samePages(t, ta, path, w.admin, "user_id", order(append(slices.Clone(here), there...)), 2, 7)
	// A cursor of one community's list does not reach into another's.
	first := ta.must(ta.do("GET", path+"?limit=1", otherStaff, nil), 200, "other page 1")
	cur := lastPage(t, first, true, "other page 1")
	for _, it := range items(ta.must(ta.do("GET", path+"?limit=100&cursor="+url.QueryEscape(cur), otherStaff, nil), 200, "other page 2")) {
		if !slices.Contains(there, num(it["user_id"])) {
			t.Fatalf("another community's report-in %v", it)
		}
	}
}
