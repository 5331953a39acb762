package hours

import (
	"math"
	"sort"
	"time"
)

// PresenceMinutes is what a presence from in to out earns in a session
// from start to end: the overlap of the two intervals, rounded to whole
// minutes (half a minute rounds up), never negative.
func PresenceMinutes(in, out, start, end time.Time) int {
	from, to := in, out
	if start.After(from) {
		from = start
	}
	if end.Before(to) {
		to = end
	}
	if !to.After(from) {
		return 0
	}
	return int(math.Round(to.Sub(from).Seconds() / 60))
}

// OrgTotal is one organisation's minutes: its members' own, and with every
// organisation below it.
type OrgTotal struct {
	OrgID      int64
	ParentID   int64
	Name       string
	Depth      int
	OwnMinutes int
	Minutes    int // own + every descendant's own
	Members    int // distinct persons with entries, own only
}

// RollUp sums per organisation up the tree. Sums of organisations missing
// from the tree count for themselves only (as roots); OrgID 0 is "no
// organisation" and is left out. The result is in tree order (pre-order,
// children by id).
func RollUp(tree []Org, sums []Sum) []OrgTotal {
	nodes := map[int64]*OrgTotal{}
	children := map[int64][]int64{}
	members := map[int64]map[int64]bool{}
	for _, o := range tree {
		if o.ID == 0 {
			continue
		}
		nodes[o.ID] = &OrgTotal{OrgID: o.ID, ParentID: o.ParentID, Name: o.Name}
	}
	for _, s := range sums {
		if s.OrgID == 0 {
			continue
		}
		n, ok := nodes[s.OrgID]
		if !ok {
			n = &OrgTotal{OrgID: s.OrgID}
			nodes[s.OrgID] = n
		}
		n.OwnMinutes += s.Minutes
		if members[s.OrgID] == nil {
			members[s.OrgID] = map[int64]bool{}
		}
		members[s.OrgID][s.UserID] = true
	}
	var roots []int64
	for id, n := range nodes {
		n.Members = len(members[id])
		if p, ok := nodes[n.ParentID]; ok && n.ParentID != 0 && p.OrgID != id {
			children[n.ParentID] = append(children[n.ParentID], id)
		} else {
			roots = append(roots, id)
		}
	}
	sortIDs := func(ids []int64) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }
	sortIDs(roots)
	out := make([]OrgTotal, 0, len(nodes))
	visited := map[int64]bool{}
	// Pre-order output, sums on the way back up; the tree is a few levels
	// deep, and a cycle in bad data is cut at the first revisit.
	var walk func(id int64, depth int) int
	walk = func(id int64, depth int) int {
		if visited[id] {
			return 0
		}
		visited[id] = true
		n := nodes[id]
		n.Depth = depth
		idx := len(out)
		out = append(out, OrgTotal{})
		total := n.OwnMinutes
		kids := children[id]
		sortIDs(kids)
		for _, k := range kids {
			total += walk(k, depth+1)
		}
		n.Minutes = total
		out[idx] = *n
		return total
	}
	for _, r := range roots {
		walk(r, 0)
	}
	// Nodes only reachable through a cycle (no root): report them too.
	var rest []int64
	for id := range nodes {
		if !visited[id] {
			rest = append(rest, id)
		}
	}
	sortIDs(rest)
	for _, id := range rest {
		walk(id, 0)
	}
	return out
}

// Subtree returns ids and every organisation below them.
func Subtree(tree []Org, ids []int64) []int64 {
	children := map[int64][]int64{}
	for _, o := range tree {
		children[o.ParentID] = append(children[o.ParentID], o.ID)
	}
	seen := map[int64]bool{}
	var out []int64
	stack := append([]int64(nil), ids...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
		stack = append(stack, children[id]...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
