package cobuild_test

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cobuild"
)

// TestNeedsPastTheirDeadlineShowAndFilterAsExpired: once a need's deadline
// passed (claims are refused NEED_CLOSED), it is shown expired while its
// row stays open; status=open lists only needs still claimable and
// status=expired the others, filtered in SQL so that a page of two holds
// two matching needs; a fully claimed need past its deadline stays full.
func TestNeedsPastTheirDeadlineShowAndFilterAsExpired(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	start := e.clock
	mk := func(title string, deadline time.Time) cobuild.Need {
		t.Helper()
		n, err := e.svc.CreateNeed(e.ctx, e.staffA, cobuild.NeedInput{CommunityID: e.commA, Category: cobuild.CatElderly, Title: title,
			Quantity: 1, QuantityUnit: "次", Deadline: deadline})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	day := 24 * time.Hour
	// Oldest first; the list is newest first.
	soon1 := mk("上门理发一", start.Add(day))
	later := mk("上门理发二", start.Add(10*day))
	soon2 := mk("上门理发三", start.Add(day))
	open := mk("上门理发四", time.Time{})
	soon3 := mk("上门理发五", start.Add(day))
	full := mk("上门理发六", start.Add(day))
	u := units(e, 1, "理发店")[0]
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[u.ID], full.ID, cobuild.ClaimInput{UnitID: u.ID}); err != nil {
		t.Fatal(err)
	}
	e.clock = start.Add(2 * day)

	want := map[int64]string{soon1.ID: cobuild.NeedExpired, later.ID: cobuild.NeedOpen, soon2.ID: cobuild.NeedExpired,
		open.ID: cobuild.NeedOpen, soon3.ID: cobuild.NeedExpired, full.ID: cobuild.NeedFull}
	for id, status := range want {
		n, err := e.svc.Need(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.StatusAt(e.clock); got != status {
			t.Errorf("need %s shown %q, want %q", n.Title, got, status)
		}
	}

	ids := func(ns []cobuild.Need) string {
		out := []int64{}
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		statuses []string
		limit    int
		after    int64
		want     []cobuild.Need
	}{
		{[]string{cobuild.NeedOpen}, 2, 0, []cobuild.Need{open, later}},
		{[]string{cobuild.NeedOpen}, 2, later.ID, nil},
		{[]string{cobuild.NeedExpired}, 2, 0, []cobuild.Need{soon3, soon2}},
		{[]string{cobuild.NeedExpired}, 2, soon2.ID, []cobuild.Need{soon1}},
		{[]string{cobuild.NeedFull}, 10, 0, []cobuild.Need{full}},
		{[]string{cobuild.NeedOpen, cobuild.NeedExpired}, 10, 0, []cobuild.Need{soon3, open, soon2, later, soon1}},
		{nil, 10, 0, []cobuild.Need{full, soon3, open, soon2, later, soon1}},
	} {
		got, err := e.svc.Needs(e.ctx, cobuild.NeedFilter{CommunityIDs: []int64{e.commA}, Statuses: tc.statuses, Limit: tc.limit, AfterID: tc.after})
		if err != nil {
			t.Fatal(err)
		}
		if ids(got) != ids(tc.want) {
			t.Errorf("status %v, limit %d after %d: %s, want %s", tc.statuses, tc.limit, tc.after, ids(got), ids(tc.want))
		}
	}
}
