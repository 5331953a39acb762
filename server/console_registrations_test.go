package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// TestConsoleRegistrations: the console's registrations page lists the
// registrations of every activity in the caller's scope, newest first,
// keyset-paged, with its filters; names are masked for staff who may not
// see them.
func TestConsoleRegistrations(t *testing.T) {
	sw, ta := newScopeWorld(t)
	signUp := func(name, real, phone string, act map[string]any) int64 {
		tok, _ := sw.resident(name, real)
		if phone != "" {
			ta.must(ta.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": "dev:phone:" + phone}), 200, "phone")
		}
		r := sw.register(tok, sessionID(act, 0), nil, nil)
		if r.Status != 201 && r.Status != 200 {
			t.Fatalf("sign-up of %s: %d %s", name, r.Status, r.Raw)
		}
		return num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
	}
	alice := signUp("reg-alice", "王小明", "13912345678", sw.act1)
	bob := signUp("reg-bob", "李四", "", sw.act1)
	carol := signUp("reg-carol", "张三丰", "", sw.act1) // waitlisted (2 seats)
	dave := signUp("reg-dave", "赵六", "", sw.act3)

	list := func(tok, query string) (ids []int64, names []string, next string) {
		t.Helper()
		r := ta.must(ta.do("GET", "/api/v1/console/registrations?"+query, tok, nil), 200, "registrations "+query)
		for _, it := range items(r) {
			ids = append(ids, num(it["id"]))
			names = append(names, fmt.Sprint(it["attendee"].(map[string]any)["name"]))
			if it["activity_title"] == "" {
				t.Errorf("no activity title: %v", it)
			}
		}
		if n, ok := r.Body["next_cursor"].(string); ok {
			next = n
		}
		return ids, names, next
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	all, _, _ := list(sw.admin, "")
	same("district admin, newest first", all, dave, carol, bob, alice)
	// Keyset pages: every row once, then no cursor.
	var paged []int64
	for cursor, n := "", 0; ; n++ {
		ids, _, next := list(sw.admin, "limit=1&cursor="+url.QueryEscape(cursor))
		paged = append(paged, ids...)
		if next == "" || n > 10 {
			break
		}
		cursor = next
	}
	same("paged one by one", paged, dave, carol, bob, alice)
	// Scopes.
	sub1, _, _ := list(sw.sub1, "")
	same("subdistrict 1's admin", sub1, carol, bob, alice)
	sub2, _, _ := list(sw.sub2, "")
	same("subdistrict 2's admin", sub2, dave)
	c3, _, _ := list(sw.staff3, "")
	same("community 3's staff", c3, dave)
	c1, names, _ := list(sw.cStaf, "")
	same("community 1's staff", c1, carol, bob, alice)
	if names[2] != "王小明" {
		t.Errorf("the community's staff see full names: %v", names)
	}
	if _, names, _ := list(sw.orgStaff, ""); len(names) != 3 || names[2] == "王小明" {
		t.Errorf("the host organisation's staff see masked names: %v", names)
	}
	// Filters.
	st, _, _ := list(sw.admin, "status=waitlisted")
	same("status", st, carol)
	stWord, _, _ := list(sw.admin, "status=waitlist") // the word
	same("status=waitlist", stWord, carol)
	byAct, _, _ := list(sw.admin, fmt.Sprintf("activity_id=%d", num(sw.act3["id"])))
	same("activity", byAct, dave)
	bySess, _, _ := list(sw.admin, fmt.Sprintf("session_id=%d&status=confirmed", sessionID(sw.act1, 0)))
	same("session and status", bySess, bob, alice)
	byComm, _, _ := list(sw.admin, fmt.Sprintf("community_id=%d", sw.c3))
	same("community", byComm, dave)
	for _, q := range []string{"王小明", "小明", "5678", "139****5678", "13912345678"} {
		got, _, _ := list(sw.admin, "q="+url.QueryEscape(q))
		same("search "+q, got, alice)
	}
	none, _, _ := list(sw.admin, "q=%25")
	same("a wildcard is searched as itself", none)
	// Dates are China's (the desk's): from 16:00 UTC, UTC's date is a day behind.
	tomorrow := time.Now().In(cst.Zone).Add(24 * time.Hour).Format("2006-01-02")
	later, _, _ := list(sw.admin, "from="+tomorrow)
	same("signed up from tomorrow", later)
	today, _, _ := list(sw.admin, "from="+time.Now().In(cst.Zone).Add(-24*time.Hour).Format("2006-01-02")+"&to="+tomorrow)
	same("signed up in range", today, dave, carol, bob, alice)
	// Bad input.
	expectError(t, ta.do("GET", "/api/v1/console/registrations?cursor=zzz", sw.admin, nil), 400, "BAD_CURSOR")
	expectError(t, ta.do("GET", "/api/v1/console/registrations?limit=101", sw.admin, nil), 400, "BAD_LIMIT")
	expectError(t, ta.do("GET", "/api/v1/console/registrations?status=maybe", sw.admin, nil), 400, "BAD_QUERY")
}
