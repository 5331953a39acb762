package main

import (
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// reviewWorld is the check-in world with a second community (its own
// organisation, staff member and activity) and the three review queues
// (claims, corrections, presences) filled directly in the database: in
// community A pending and approved rows, in community B pending ones.
type reviewWorld struct {
	*ckWorld
	staffB            string
	commB, orgB, actB int64
	actBS             int64
	// ids by queue, scope ("A", "B") and status
	ids map[string]map[string]map[string][]int64
}

const (
	pendingA  = 6 // a multiple of the page of 3: the last page is exactly full
	approvedA = 2
	pendingB  = 4
)

func newReviewWorld(t *testing.T) *reviewWorld {
	w, ta := newCkWorld(t)
	rw := &reviewWorld{ckWorld: w, ids: map[string]map[string]map[string][]int64{}}
	rw.commB = num(w.must(ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "和平社区"}), 201).Body["id"])
	rw.orgB = num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{
		"name": "和平街道服务站", "type": "co_building_unit", "community_ids": []int64{rw.commB}}), 201).Body["id"])
	var staffBID int64
	rw.staffB, staffBID = ta.login("review-staff-b")
	ta.grant("review-staff-b", resident.RoleChange{Role: "staff", CommunityID: rw.commB})
	_ = staffBID
	start := w.start
	r := w.must(ta.do("POST", "/api/v1/admin/activities", w.admin, map[string]any{
		"title": "和平社区义诊", "category": "clinic", "description": "义诊", "community_id": rw.commB, "host_org_id": rw.orgB,
		"place": ckPlace, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": start,
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(3 * time.Hour), "capacity": 100}}}), 201)
	rw.actB = num(r.Body["id"])
	rw.actBS = num(r.Body["sessions"].([]any)[0].(map[string]any)["id"])

	g := ta.app.db.G
	now := time.Now().UTC().Truncate(time.Millisecond)
	user := int64(700000)
	add := func(queue, scope, status string, id int64) {
		if rw.ids[queue] == nil {
			rw.ids[queue] = map[string]map[string][]int64{}
		}
		if rw.ids[queue][scope] == nil {
			rw.ids[queue][scope] = map[string][]int64{}
		}
		rw.ids[queue][scope][status] = append(rw.ids[queue][scope][status], id)
	}
	lastID := func(table string) int64 {
		var id int64
		if err := g.Raw("SELECT MAX(id) FROM " + table).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	type spot struct {
		scope                   string
		activity, session, org  int64
		community               int64
		pending, approved, none int
	}
	spots := []spot{
		{"A", w.vol, w.volS, w.org, w.community, pendingA, approvedA, 1},
		{"B", rw.actB, rw.actBS, rw.orgB, rw.commB, pendingB, 0, 1},
	}
	for _, s := range spots {
		statuses := []string{}
		for i := 0; i < s.pending; i++ {
			statuses = append(statuses, "pending")
		}
		for i := 0; i < s.approved; i++ {
			statuses = append(statuses, "approved")
		}
		for i, st := range statuses {
			user++
			if err := g.Exec(`INSERT INTO hour_claims (user_id, activity_id, session_id, activity_title, host_org_id, community_id, served_at,
				minutes, description, photo_urls, status, created_at, updated_at) VALUES (?, ?, ?, '服务', ?, ?, ?, 30, '维持秩序', '[]', ?, ?, ?)`,
				user, s.activity, s.session, s.org, s.community, now, st, now, now).Error; err != nil {
				t.Fatal(err)
			}
			add("claims", s.scope, st, lastID("hour_claims"))
			if err := g.Exec(`INSERT INTO hour_corrections (entry_id, user_id, activity_id, session_id, activity_title, host_org_id, community_id,
				minutes, reason, requested_by, status, created_at, updated_at) VALUES (?, ?, ?, ?, '服务', ?, ?, 30, '漏记', ?, ?, ?, ?)`,
				user, user, s.activity, s.session, s.org, s.community, w.adminID, st, now, now).Error; err != nil {
				t.Fatal(err)
			}
			add("corrections", s.scope, st, lastID("hour_corrections"))
			// Presences wait in pairs sharing a time: the queue's order
			// (updated_at, id) must break the tie by id across pages.
			at := now.Add(-time.Hour).Add(time.Duration(i/2) * time.Minute)
			if err := g.Exec(`INSERT INTO self_presences (user_id, session_id, activity_id, registration_id, session_starts_at, session_ends_at,
				in_at, out_at, is_open, flagged, review_status, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?, false, true, ?, ?, ?)`,
				user, s.session, s.activity, start, start.Add(3*time.Hour), at, at, st, at, at).Error; err != nil {
				t.Fatal(err)
			}
			add("presences", s.scope, st, lastID("self_presences"))
		}
		// A presence never flagged is in no queue.
		user++
		if err := g.Exec(`INSERT INTO self_presences (user_id, session_id, activity_id, registration_id, session_starts_at, session_ends_at,
			in_at, out_at, is_open, flagged, review_status, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?, false, false, '', ?, ?)`,
			user, s.session, s.activity, start, start.Add(3*time.Hour), now, now, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	return rw
}

var reviewQueues = []struct{ name, path string }{
	{"claims", "/api/v1/admin/hours/claims"},
	{"corrections", "/api/v1/admin/hours/corrections"},
	{"presences", "/api/v1/admin/presences"},
}

// chain follows next_cursor from the first page of limit, checking that
// every page but the last is full and carries a cursor, and that the last
// one answers null; it returns the ids in the order served and the pages.
func (rw *reviewWorld) chain(t *testing.T, path, tok, query string, limit int) ([]int64, int) {
	t.Helper()
	var ids []int64
	cur := ""
	for pages := 1; ; pages++ {
		if pages > 50 {
			t.Fatalf("%s: no last page after 50 pages", path)
		}
		q := fmt.Sprintf("%s?limit=%d%s", path, limit, query)
		if cur != "" {
			q += "&cursor=" + url.QueryEscape(cur)
		}
		r := rw.ta.must(rw.ta.do("GET", q, tok, nil), 200, q)
		page := items(r)
		for _, it := range page {
			ids = append(ids, num(it["id"]))
		}
		next, present := r.Body["next_cursor"]
		if !present {
			t.Fatalf("%s: no next_cursor in %s", q, r.Raw)
		}
		if next == nil {
			return ids, pages
		}
		if s, ok := next.(string); !ok || s == "" || len(page) != limit {
			t.Fatalf("%s: next_cursor %#v after %d of %d items", q, next, len(page), limit)
		}
		cur = next.(string)
	}
}

// sameSet fails unless got holds each of want exactly once.
func sameSet(t *testing.T, what string, got, want []int64) {
	t.Helper()
	seen := map[int64]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Fatalf("%s: row %d served %d times; got %v, want %v", what, id, seen[id], got, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows served, want %d: got %v, want %v", what, len(got), len(want), got, want)
	}
}

// TestReviewQueuesRefuseOver100: the staff's review queues serve at most
// 100 a page (they were read whole, up to 500 rows, with no cursor) and
// refuse a limit out of range or a tampered cursor.
func TestReviewQueuesRefuseOver100(t *testing.T) {
	rw := newReviewWorld(t)
	for _, q := range reviewQueues {
		for _, bad := range []string{"limit=101", "limit=0", "limit=x"} {
			expectError(t, rw.ta.do("GET", q.path+"?"+bad, rw.admin, nil), 400, "BAD_QUERY")
		}
		expectError(t, rw.ta.do("GET", q.path+"?cursor=x", rw.admin, nil), 400, "BAD_CURSOR")
		all := rw.ta.must(rw.ta.do("GET", q.path+"?status=pending&limit=100", rw.admin, nil), 200, q.name)
		lastPage(t, all, false, q.name+" limit=100")
		if n := len(items(all)); n != pendingA+pendingB {
			t.Fatalf("%s: %d pending rows, want %d: %s", q.name, n, pendingA+pendingB, all.Raw)
		}
		// The default page is 50 (all of them here), with next_cursor null.
		lastPage(t, rw.ta.must(rw.ta.do("GET", q.path+"?status=pending", rw.admin, nil), 200, q.name), false, q.name+" default")
	}
}

// TestReviewQueuesChainThroughNextCursor: following next_cursor serves
// every row of a queue exactly once, in the queue's order (claims and
// corrections newest first, presences oldest first, ties by id), and the
// last page answers null when it is exactly full.
func TestReviewQueuesChainThroughNextCursor(t *testing.T) {
	rw := newReviewWorld(t)
	for _, q := range reviewQueues {
		want := append(append([]int64{}, rw.ids[q.name]["A"]["pending"]...), rw.ids[q.name]["B"]["pending"]...)
		for _, limit := range []int{1, 3, 4, pendingA + pendingB} {
			got, pages := rw.chain(t, q.path, rw.admin, "&status=pending", limit)
			sameSet(t, fmt.Sprintf("%s limit %d", q.name, limit), got, want)
			if wantPages := (len(want) + limit - 1) / limit; pages != wantPages {
				t.Fatalf("%s limit %d: %d pages, want %d (an exactly full last page answers null)", q.name, limit, pages, wantPages)
			}
			if q.name != "presences" {
				if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i] > got[j] }) {
					t.Fatalf("%s limit %d: not newest first: %v", q.name, limit, got)
				}
				continue
			}
			// Presences: oldest first by updated_at, then id.
			var order []int64
			if err := rw.ta.app.db.G.Raw("SELECT id FROM self_presences WHERE id IN ? ORDER BY updated_at, id", got).Scan(&order).Error; err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(order) != fmt.Sprint(got) {
				t.Fatalf("presences limit %d: served %v, want the queue's order %v", limit, got, order)
			}
		}
		// The queue of A alone is exactly two pages of 3: the second
		// answers null.
		got, pages := rw.chain(t, q.path, rw.staff, "&status=pending", 3)
		if pages != 2 {
			t.Fatalf("%s: %d pages of 3 for %d rows", q.name, pages, pendingA)
		}
		sameSet(t, q.name+" staff A", got, rw.ids[q.name]["A"]["pending"])
	}
}

// TestReviewQueuesKeepFiltersAndScopeAcrossPages: the status filter and
// the reviewer's scope hold on every page a cursor reaches, a cursor taken
// from another scope's list included.
func TestReviewQueuesKeepFiltersAndScopeAcrossPages(t *testing.T) {
	rw := newReviewWorld(t)
	for _, q := range reviewQueues {
		got, _ := rw.chain(t, q.path, rw.staff, "&status=pending", 2)
		sameSet(t, q.name+" staff A pending", got, rw.ids[q.name]["A"]["pending"])
		got, _ = rw.chain(t, q.path, rw.staffB, "&status=pending", 1)
		sameSet(t, q.name+" staff B pending", got, rw.ids[q.name]["B"]["pending"])
		got, _ = rw.chain(t, q.path, rw.staff, "&status=approved", 1)
		sameSet(t, q.name+" staff A approved", got, rw.ids[q.name]["A"]["approved"])
		got, _ = rw.chain(t, q.path, rw.staffB, "&status=approved", 1)
		sameSet(t, q.name+" staff B approved", got, nil)
		// The admin's cursor, sent by staff B, reaches only B's rows.
		first := rw.ta.must(rw.ta.do("GET", q.path+"?status=pending&limit=1", rw.admin, nil), 200, q.name)
		cur := lastPage(t, first, true, q.name+" admin page 1")
		rest := rw.ta.must(rw.ta.do("GET", q.path+"?status=pending&limit=100&cursor="+url.QueryEscape(cur), rw.staffB, nil), 200, q.name)
		for _, it := range items(rest) {
			if !contains(rw.ids[q.name]["B"]["pending"], num(it["id"])) {
				t.Fatalf("%s: staff B shown row %v outside their scope: %s", q.name, it["id"], rest.Raw)
			}
		}
		if q.name != "presences" { // the status "" is any status: claims and corrections
			got, _ = rw.chain(t, q.path, rw.staff, "", 3)
			sameSet(t, q.name+" staff A any", got, append(append([]int64{}, rw.ids[q.name]["A"]["pending"]...), rw.ids[q.name]["A"]["approved"]...))
		}
	}
}

func contains(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
