package cobuild_test

import (
	"strings"
	"sync"
	"testing"

	"gongjian/internal/cobuild"
	"gongjian/internal/resident"
)

// setThreshold gives the community its own support threshold (0: the
// default) as the community edit does, then applies it.
func (e *env) setThreshold(communityID int64, threshold int) int {
	e.t.Helper()
	c, err := e.people.Community(e.ctx, communityID)
	if err != nil {
		e.t.Fatal(err)
	}
	c.SupportThreshold = threshold
	if err := e.people.UpdateCommunity(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	n, err := e.svc.ApplySupportThreshold(e.ctx, communityID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// userIn creates a resident of the community.
func (e *env) userIn(prefix string, communityID int64) resident.User {
	e.t.Helper()
	u := e.user(prefix)
	if err := e.people.UpdateProfile(e.ctx, u.ID, resident.ProfilePatch{CommunityID: &communityID}); err != nil {
		e.t.Fatal(err)
	}
	u.CommunityID = communityID
	return u
}

// Two communities with their own thresholds: supports, answers, the
// subdistrict's report and the agenda export each use the proposal's
// community's; lowering one puts what already has it on the agenda,
// raising one takes nothing off.
func TestPerCommunitySupportThresholds(t *testing.T) {
	e := newEnv(t, cobuild.Config{SupportThreshold: 10})
	e.setThreshold(e.commA, 2)
	e.setThreshold(e.commB, 3)
	pa, err := e.svc.CreateProposal(e.ctx, e.userIn("author-a", e.commA), 0, "增设电动车充电桩", "车棚没有充电桩")
	if err != nil || pa.Threshold != 2 {
		t.Fatalf("A's proposal: %+v %v", pa, err)
	}
	pb, err := e.svc.CreateProposal(e.ctx, e.userIn("author-b", e.commB), 0, "楼道加装扶手", "老人上下楼不便")
	if err != nil || pb.Threshold != 3 {
		t.Fatalf("B's proposal: %+v %v", pb, err)
	}
	for i := 0; i < 2; i++ {
		a, err := e.svc.Support(e.ctx, e.userIn("neighbour-a", e.commA), pa.ID)
		if err != nil || a.Threshold != 2 || (a.Status == cobuild.ProposalAgenda) != (i == 1) {
			t.Fatalf("A's support %d: %+v %v", i+1, a, err)
		}
		b, err := e.svc.Support(e.ctx, e.userIn("neighbour-b", e.commB), pb.ID)
		if err != nil || b.Threshold != 3 || b.Status != cobuild.ProposalOpen {
			t.Fatalf("B's support %d: %+v %v", i+1, b, err)
		}
	}
	agenda := func() map[int64]int {
		r, err := e.svc.CommunityReport(e.ctx, e.admin, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]int{}
		for _, l := range r.Agenda {
			out[l.ID] = l.Threshold
		}
		return out
	}
	if got := agenda(); len(got) != 1 || got[pa.ID] != 2 {
		t.Fatalf("agenda: %v", got)
	}
	if n := e.setThreshold(e.commB, 2); n != 1 {
		t.Fatalf("lowering B's threshold put %d proposals on the agenda, want 1", n)
	}
	if n := e.setThreshold(e.commA, 50); n != 0 {
		t.Fatalf("raising A's threshold put %d on the agenda", n)
	}
	if got := agenda(); len(got) != 2 || got[pa.ID] != 50 || got[pb.ID] != 2 {
		t.Fatalf("agenda after the changes: %v", got)
	}
	if p, err := e.svc.Proposal(e.ctx, nil, pa.ID); err != nil || p.Status != cobuild.ProposalAgenda || p.Threshold != 50 {
		t.Fatalf("A's proposal after raising: %+v %v", p, err)
	}
	r, err := e.svc.CommunityReport(e.ctx, e.staffA, e.commA, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := openRendered(t, r.AgendaXLSX)
	if v, _ := f.GetCellValue("联席会议议程", "D2"); !strings.Contains(v, "门槛 50") {
		t.Fatalf("agenda export: %q", v)
	}
	// Back to the default.
	e.setThreshold(e.commA, 0)
	if th, err := e.svc.SupportThresholdOf(e.ctx, e.commA); err != nil || th != 10 {
		t.Fatalf("A's threshold back to the default: %d %v", th, err)
	}
}

// Supports counted while the threshold is lowered: whatever the order,
// a proposal that ends with at least the new threshold is on the agenda.
func TestLoweringTheThresholdDuringSupports(t *testing.T) {
	e := newEnv(t, cobuild.Config{SupportThreshold: 10})
	for round := 0; round < 5; round++ {
		e.setThreshold(e.commB, 8)
		p, err := e.svc.CreateProposal(e.ctx, e.userIn("author", e.commB), 0, "小区增设休息座椅", "老人散步没有地方歇脚")
		if err != nil {
			t.Fatal(err)
		}
		supporters := make([]resident.User, 4)
		for i := range supporters {
			supporters[i] = e.userIn("neighbour", e.commB)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); e.setThreshold(e.commB, 4) }()
		if _, codes := together(supporters, func(u resident.User) (cobuild.Proposal, error) { return e.svc.Support(e.ctx, u, p.ID) }); len(codes) != 0 {
			t.Fatalf("refusals: %v", codes)
		}
		wg.Wait()
		got, err := e.svc.Proposal(e.ctx, nil, p.ID)
		if err != nil || got.Supports != 4 || got.Status != cobuild.ProposalAgenda {
			t.Fatalf("round %d: %+v %v", round, got, err)
		}
	}
}
