package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// cbPagingWorld holds wishes and proposals written straight into the
// database (content-check states the WeChat emulator never gives, such as
// "review", included), in two communities.
type cbPagingWorld struct {
	*regWorld
	c2                  int64
	staff2, authorTok   string
	author, other       int64
	wishes, proposals   []cbPagingRow
	created             time.Time
	wishSeq, proposalSq int
}

// cbPagingRow is one row as written: what the lists are checked against.
type cbPagingRow struct {
	id              int64
	user, community int64
	status, sec     string
}

func newCbPagingWorld(t *testing.T) *cbPagingWorld {
	rw, ta := newRegWorld(t)
	w := &cbPagingWorld{regWorld: rw, created: time.Now().UTC().Add(-time.Hour)}
	w.c2 = num(ta.must(ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "明月社区"}), 201, "community").Body["id"])
	w.staff2, _ = ta.login("pg-staff2")
	ta.grant("pg-staff2", resident.RoleChange{Role: "staff", CommunityID: w.c2})
	w.authorTok, w.author = ta.login("pg-author")
	_, w.other = ta.login("pg-other")
	return w
}

// insert writes a wish or a proposal (table) and records it.
func (w *cbPagingWorld) insert(table string, user, community int64, status, sec string) {
	t := w.ta.t
	t.Helper()
	w.created = w.created.Add(time.Second)
	res := w.ta.app.db.G.Exec(fmt.Sprintf(`INSERT INTO %s (user_id, community_id, title, status, sec_status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, table), user, community, fmt.Sprintf("第%d条", len(w.wishes)+len(w.proposals)+1), status, sec, w.created, w.created)
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	var id int64
	if err := w.ta.app.db.G.Raw("SELECT MAX(id) FROM " + table).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	row := cbPagingRow{id: id, user: user, community: community, status: status, sec: sec}
	if table == "cobuild_wishes" {
		w.wishes = append(w.wishes, row)
	} else {
		w.proposals = append(w.proposals, row)
	}
}

// want is the ids of rows that keep, newest first.
func want(rows []cbPagingRow, keep func(cbPagingRow) bool) []int64 {
	var out []int64
	for _, r := range rows {
		if keep(r) {
			out = append(out, r.id)
		}
	}
	slices.Reverse(out)
	return out
}

// walkPages follows next_cursor from the first page of path (limit a
// page) to the null on the last one (chainPages): every page but the last
// is full, no row is shown twice; it returns the ids in the order served.
func walkPages(t *testing.T, ta *testApp, path, tok string, limit int) []int64 {
	t.Helper()
	ids := chainPages(t, ta, path, tok, limit, "id")
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s limit %d: %d served twice", path, limit, id)
		}
		seen[id] = true
	}
	return ids
}

// checkPaged checks a list's limits and paging: 101 and 0 are refused with
// BAD_QUERY, a bad cursor with BAD_CURSOR; pages of every size from 1 to
// len(wantIDs)+1 chain through next_cursor to exactly wantIDs (newest
// first); a page of exactly the rows left answers next_cursor null.
func checkPaged(t *testing.T, ta *testApp, path, tok string, wantIDs []int64) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	expectError(t, ta.do("GET", path+sep+"limit=101", tok, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", path+sep+"limit=0", tok, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("GET", path+sep+"cursor=abc", tok, nil), 400, "BAD_CURSOR")
	if len(wantIDs) < 2 {
		t.Fatalf("%s: only %d rows to page", path, len(wantIDs))
	}
	for limit := 1; limit <= len(wantIDs)+1; limit++ {
		if got := walkPages(t, ta, path, tok, limit); !slices.Equal(got, wantIDs) {
			t.Fatalf("%s limit %d: served %v, want %v", path, limit, got, wantIDs)
		}
	}
	exact := ta.must(ta.do("GET", fmt.Sprintf("%s%slimit=%d", path, sep, len(wantIDs)), tok, nil), 200, path)
	lastPage(t, exact, false, path+" exactly full")
	if len(items(exact)) != len(wantIDs) {
		t.Fatalf("%s exactly full: %s", path, exact.Raw)
	}
	ta.must(ta.do("GET", path+sep+"limit=100", tok, nil), 200, path+" limit=100")
}

// TestMyWishesPaged: a resident's wishes (all of their own, whatever the
// content check said, and no one else's) page through next_cursor.
func TestMyWishesPaged(t *testing.T) {
	w := newCbPagingWorld(t)
	for i, s := range []struct{ status, sec string }{{"pending", "pass"}, {"pending", "review"}, {"accepted", "pass"}, {"hidden", "risky"},
		{"pending", "checking"}, {"declined", "pass"}, {"merged", "pass"}} {
		w.insert("cobuild_wishes", w.author, []int64{w.community, w.c2}[i%2], s.status, s.sec)
		w.insert("cobuild_wishes", w.other, w.community, s.status, s.sec)
	}
	checkPaged(t, w.ta, "/api/v1/me/wishes", w.authorTok, want(w.wishes, func(r cbPagingRow) bool { return r.user == w.author }))
}

// TestReviewWishesPaged: the staff's review queue pages through
// next_cursor and keeps its scope (the staff's communities), its status
// filter (pending by default) and its content rule (passed or flagged
// for review; never checking or risky).
func TestReviewWishesPaged(t *testing.T) {
	w := newCbPagingWorld(t)
	for i := 0; i < 4; i++ {
		for _, s := range []struct{ status, sec string }{{"pending", "pass"}, {"pending", "checking"}, {"pending", "review"},
			{"accepted", "pass"}, {"hidden", "risky"}} {
			w.insert("cobuild_wishes", []int64{w.author, w.other}[i/2], []int64{w.community, w.c2}[i%2], s.status, s.sec)
		}
	}
	visible := func(r cbPagingRow) bool { return r.sec == "pass" || r.sec == "review" }
	c1, c2 := w.community, w.c2
	for _, c := range []struct {
		name, path, tok string
		keep            func(cbPagingRow) bool
	}{
		{"staff c1", "/api/v1/admin/wishes", w.cStaf, func(r cbPagingRow) bool { return r.community == c1 && r.status == "pending" }},
		{"staff c1 accepted", fmt.Sprintf("/api/v1/admin/wishes?community_id=%d&status=accepted", c1), w.cStaf,
			func(r cbPagingRow) bool { return r.community == c1 && r.status == "accepted" }},
		{"staff c2", "/api/v1/admin/wishes?status=pending", w.staff2, func(r cbPagingRow) bool { return r.community == c2 && r.status == "pending" }},
		{"admin", "/api/v1/admin/wishes", w.admin, func(r cbPagingRow) bool { return r.status == "pending" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkPaged(t, w.ta, c.path, c.tok, want(w.wishes, func(r cbPagingRow) bool { return visible(r) && c.keep(r) }))
		})
	}
	expectError(t, w.ta.do("GET", fmt.Sprintf("/api/v1/admin/wishes?community_id=%d", c2), w.cStaf, nil), 403, "FORBIDDEN")
}

// TestProposalsPagedAfterVisibility: the 议事厅 pages through next_cursor
// with the content rule in the query: the newest proposals being hidden
// from the caller (flagged for review, risky) does not shorten or empty a
// page, and every visible proposal is reached once; staff of the
// community also page through those flagged for review.
func TestProposalsPagedAfterVisibility(t *testing.T) {
	w := newCbPagingWorld(t)
	// Older visible ones, then a run of newer hidden ones.
	for i := 0; i < 6; i++ {
		w.insert("cobuild_proposals", w.author, w.community, []string{"open", "agenda", "declined"}[i%3], "pass")
		w.insert("cobuild_proposals", w.other, w.c2, "open", "pass")
	}
	for i := 0; i < 5; i++ {
		w.insert("cobuild_proposals", w.other, w.community, "open", []string{"review", "risky"}[i%2])
	}
	w.insert("cobuild_proposals", w.author, w.community, "open", "pass")
	w.insert("cobuild_proposals", w.author, w.community, "open", "review")
	c1 := w.community
	public := func(r cbPagingRow) bool { return r.sec == "pass" }
	forStaff := func(r cbPagingRow) bool { return r.sec == "pass" || r.sec == "review" }
	for _, c := range []struct {
		name, path, tok string
		keep            func(cbPagingRow) bool
	}{
		{"anyone c1", fmt.Sprintf("/api/v1/proposals?community_id=%d", c1), "", func(r cbPagingRow) bool { return public(r) && r.community == c1 }},
		{"anyone c1 open", fmt.Sprintf("/api/v1/proposals?community_id=%d&status=open", c1), "",
			func(r cbPagingRow) bool { return public(r) && r.community == c1 && r.status == "open" }},
		{"resident c1", fmt.Sprintf("/api/v1/proposals?community_id=%d", c1), w.authorTok, func(r cbPagingRow) bool { return public(r) && r.community == c1 }},
		{"every community", "/api/v1/proposals", "", public},
		{"staff c1", fmt.Sprintf("/api/v1/proposals?community_id=%d", c1), w.cStaf, func(r cbPagingRow) bool { return forStaff(r) && r.community == c1 }},
		{"staff c2 in c1", fmt.Sprintf("/api/v1/proposals?community_id=%d", c1), w.staff2, func(r cbPagingRow) bool { return public(r) && r.community == c1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkPaged(t, w.ta, c.path, c.tok, want(w.proposals, c.keep))
		})
	}
	// The first page is full although the newest rows are hidden.
	r := w.ta.must(w.ta.do("GET", fmt.Sprintf("/api/v1/proposals?community_id=%d&limit=3", c1), "", nil), 200, "first page")
	if len(items(r)) != 3 {
		t.Fatalf("first page: %s", r.Raw)
	}
	lastPage(t, r, true, "first page")
}

// TestNeedWishesPaged: the wishes served by a need (accepted or merged
// into it, content passed or flagged for review) page through next_cursor
// for its community's staff and the unit that claimed it; another need's
// wishes and those still being checked or found risky are never served.
func TestNeedWishesPaged(t *testing.T) {
	w := newCbPagingWorld(t)
	_, needID, _, contact := w.claimedNeed("pg-need-contact", true)
	other := num(w.ta.must(w.ta.do("POST", "/api/v1/needs", w.cStaf, map[string]any{"community_id": w.community, "category": "elderly_care",
		"title": "上门理发", "quantity": 5, "quantity_unit": "次"}), 201, "other need").Body["id"])
	needOf := map[int64]int64{}
	for i := 0; i < 4; i++ {
		for _, s := range []struct{ status, sec string }{{"accepted", "pass"}, {"merged", "pass"}, {"merged", "review"},
			{"merged", "checking"}, {"hidden", "risky"}} {
			w.insert("cobuild_wishes", []int64{w.author, w.other}[i%2], w.community, s.status, s.sec)
			id := w.wishes[len(w.wishes)-1].id
			needOf[id] = []int64{needID, needID, other, needID}[i]
			if err := w.ta.app.db.G.Exec("UPDATE cobuild_wishes SET need_id = ? WHERE id = ?", needOf[id], id).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	served := want(w.wishes, func(r cbPagingRow) bool { return needOf[r.id] == needID && (r.sec == "pass" || r.sec == "review") })
	path := fmt.Sprintf("/api/v1/needs/%d/wishes", needID)
	for _, who := range []struct{ name, tok string }{{"staff", w.cStaf}, {"claiming unit", contact}} {
		t.Run(who.name, func(t *testing.T) { checkPaged(t, w.ta, path, who.tok, served) })
	}
	// The default page is 50.
	for i := 0; i < 50; i++ {
		w.insert("cobuild_wishes", w.author, w.community, "merged", "pass")
		if err := w.ta.app.db.G.Exec("UPDATE cobuild_wishes SET need_id = ? WHERE id = ?", needID, w.wishes[len(w.wishes)-1].id).Error; err != nil {
			t.Fatal(err)
		}
	}
	r := w.ta.must(w.ta.do("GET", path, w.cStaf, nil), 200, "default page")
	if len(items(r)) != 50 {
		t.Fatalf("default page holds %d, want 50", len(items(r)))
	}
	lastPage(t, r, true, "default page")
	expectError(t, w.ta.do("GET", path+"?limit=5", w.staff2, nil), 403, "NOT_CLAIMING_UNIT")
}
