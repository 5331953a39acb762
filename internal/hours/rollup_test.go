package hours

import (
	"testing"
	"time"
)

func TestPresenceMinutes(t *testing.T) {
	start := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Hour)
	at := func(h, m, s int) time.Time {
		return start.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	cases := []struct {
		name    string
		in, out time.Time
		want    int
	}{
		{"inside", at(0, 30, 0), at(1, 30, 0), 60},
		{"early arrival is capped at the start", at(-1, 0, 0), at(1, 0, 0), 60},
		{"late leave is capped at the end", at(2, 0, 0), at(5, 0, 0), 60},
		{"covers the whole session", at(-2, 0, 0), at(9, 0, 0), 180},
		{"entirely before", at(-3, 0, 0), at(-1, 0, 0), 0},
		{"entirely after", at(4, 0, 0), at(5, 0, 0), 0},
		{"out before in", at(1, 0, 0), at(0, 30, 0), 0},
		{"29 s rounds down", at(0, 0, 0), at(0, 10, 29), 10},
		{"30 s rounds up", at(0, 0, 0), at(0, 10, 30), 11},
		{"empty", at(1, 0, 0), at(1, 0, 0), 0},
	}
	for _, c := range cases {
		if got := PresenceMinutes(c.in, c.out, start, end); got != c.want {
			t.Errorf("%s: got %d want %d", c.name, got, c.want)
		}
	}
}

func TestRollUpSmallTree(t *testing.T) {
	// 1 街道党工委 ─ 2 社区党委 ─ 4 支部
	//              └ 3 机关党委
	tree := []Org{{1, 0, "街道党工委", OrgParty}, {2, 1, "社区党委", OrgParty}, {3, 1, "机关党委", OrgParty}, {4, 2, "第一支部", OrgParty}}
	sums := []Sum{
		{UserID: 10, OrgID: 4, Minutes: 60}, {UserID: 11, OrgID: 4, Minutes: 30},
		{UserID: 12, OrgID: 3, Minutes: 45}, {UserID: 13, OrgID: 0, Minutes: 999}, {UserID: 14, OrgID: 99, Minutes: 5},
	}
	got := map[int64]OrgTotal{}
	var order []int64
	for _, o := range RollUp(tree, sums) {
		got[o.OrgID] = o
		order = append(order, o.OrgID)
	}
	want := map[int64][2]int{1: {0, 135}, 2: {0, 90}, 3: {45, 45}, 4: {90, 90}, 99: {5, 5}}
	for id, w := range want {
		if got[id].OwnMinutes != w[0] || got[id].Minutes != w[1] {
			t.Errorf("org %d: own %d total %d, want %v", id, got[id].OwnMinutes, got[id].Minutes, w)
		}
	}
	if got[4].Members != 2 || got[4].Depth != 2 {
		t.Errorf("org 4: %+v", got[4])
	}
	if len(order) != 5 || order[0] != 1 || order[1] != 2 || order[2] != 4 || order[3] != 3 || order[4] != 99 {
		t.Errorf("pre-order: %v", order)
	}
	if sub := Subtree(tree, []int64{2}); len(sub) != 2 || sub[0] != 2 || sub[1] != 4 {
		t.Errorf("subtree of 2: %v", sub)
	}
	// A cycle in bad data does not hang.
	cyc := RollUp([]Org{{1, 2, "a", ""}, {2, 1, "b", ""}}, []Sum{{UserID: 1, OrgID: 1, Minutes: 7}})
	if len(cyc) != 2 {
		t.Errorf("cycle: %+v", cyc)
	}
}
