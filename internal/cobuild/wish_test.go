package cobuild_test

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// A resident may have at most N open wishes: 10 wishes at the same
// instant leave exactly N; a declined wish frees a place; a wish whose
// need was delivered is no longer open.
func TestWishLimitUnderConcurrency(t *testing.T) {
	e := newEnv(t, cobuild.Config{WishesPerResident: 3})
	u := e.user("wisher")
	made, codes := together([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, func(i int) (cobuild.Wish, error) {
		return e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: fmt.Sprintf("心愿%d", i), ContactPhone: "13800138000"})
	})
	if len(made) != 3 || codes["WISH_LIMIT_REACHED"] != 7 {
		t.Fatalf("%d wishes made, refusals %v; want 3 and 7 WISH_LIMIT_REACHED", len(made), codes)
	}
	ws, err := e.svc.MyWishes(e.ctx, u, 0, 0)
	if err != nil || len(ws) != 3 {
		t.Fatalf("my wishes: %d %v", len(ws), err)
	}
	if _, err := e.svc.ReviewWish(e.ctx, e.staffA, ws[0].ID, cobuild.Review{Decision: "decline"}); errs.CodeOf(err) != "REASON_REQUIRED" {
		t.Fatalf("decline without a reason: %v", err)
	}
	if _, err := e.svc.ReviewWish(e.ctx, e.staffA, ws[0].ID, cobuild.Review{Decision: "decline", Reason: "超出社区服务范围"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReviewWish(e.ctx, e.staffA, ws[0].ID, cobuild.Review{Decision: "decline", Reason: "再次处理"}); errs.CodeOf(err) != "WISH_REVIEWED" {
		t.Fatalf("second review: %v", err)
	}
	if _, err := e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: "新心愿", ContactPhone: "13800138000"}); err != nil {
		t.Fatalf("a declined wish did not free a place: %v", err)
	}
	if _, err := e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: "再一个", ContactPhone: "13800138000"}); errs.CodeOf(err) != "WISH_LIMIT_REACHED" {
		t.Fatalf("a fourth open wish: %v", err)
	}
	mine, _ := e.svc.MyWishes(e.ctx, u, 0, 0)
	for _, w := range mine {
		if w.ID == ws[0].ID && (w.Status != cobuild.WishDeclined || w.DeclineReason != "超出社区服务范围") {
			t.Fatalf("the resident does not see the reason: %+v", w)
		}
	}
}

// Supports are one per resident and exact under concurrency; the support
// that reaches the threshold puts the proposal on the agenda, once; staff
// accept it into the needs list; risky text is never stored.
func TestProposalSupportsAndAgenda(t *testing.T) {
	e := newEnv(t, cobuild.Config{SupportThreshold: 10})
	author := e.user("author")
	e.checker.risky = []string{"违禁词"}
	if _, err := e.svc.CreateProposal(e.ctx, author, 0, "含违禁词的议题", "内容"); errs.CodeOf(err) != "CONTENT_RISKY" {
		t.Fatalf("risky proposal: %v", err)
	}
	p, err := e.svc.CreateProposal(e.ctx, author, 0, "增设电动车充电桩", "车棚没有充电桩，居民私拉电线有隐患")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Support(e.ctx, author, p.ID); errs.CodeOf(err) != "OWN_PROPOSAL" {
		t.Fatalf("own support: %v", err)
	}
	supporters := make([]resident.User, 25)
	for i := range supporters {
		supporters[i] = e.user("neighbour")
	}
	counted, codes := together(append(supporters, supporters[:5]...), func(s resident.User) (cobuild.Proposal, error) { // five support twice
		return e.svc.Support(e.ctx, s, p.ID)
	})
	if len(counted) != 25 || codes["SUPPORTED_ALREADY"] != 5 {
		t.Fatalf("%d supports counted, refusals %v: want 25 counted and 5 SUPPORTED_ALREADY", len(counted), codes)
	}
	got, err := e.svc.Proposal(e.ctx, nil, p.ID)
	if err != nil || got.Supports != 25 || got.Status != cobuild.ProposalAgenda || got.AgendaAt == nil {
		t.Fatalf("proposal after supports: %+v %v", got, err)
	}
	var rows int64
	e.db.G.Table("cobuild_supports").Where("proposal_id = ?", p.ID).Count(&rows)
	if rows != 25 {
		t.Fatalf("%d support rows", rows)
	}
	other := e.user("outsider")
	cid := e.commB
	if err := e.people.UpdateProfile(e.ctx, other.ID, resident.ProfilePatch{CommunityID: &cid}); err != nil {
		t.Fatal(err)
	}
	other.CommunityID = cid
	if _, err := e.svc.Support(e.ctx, other, p.ID); errs.CodeOf(err) != "NOT_COMMUNITY_RESIDENT" {
		t.Fatalf("support from another community: %v", err)
	}
	accepted, err := e.svc.ReviewProposal(e.ctx, e.staffA, p.ID, cobuild.Review{Decision: "accept",
		Need: &cobuild.NeedInput{Category: cobuild.CatEnvironment, Quantity: 6, QuantityUnit: "个"}})
	if err != nil || accepted.Status != cobuild.WishAccepted || accepted.NeedID == 0 {
		t.Fatalf("accept: %+v %v", accepted, err)
	}
	n, err := e.svc.Need(e.ctx, accepted.NeedID)
	if err != nil || n.Source != cobuild.SourceProposal || n.Title != "增设电动车充电桩" || n.Quantity != 6 || n.CommunityID != e.commA {
		t.Fatalf("need from the proposal: %+v %v", n, err)
	}
	if _, err := e.svc.Support(e.ctx, supporters[0], p.ID); errs.CodeOf(err) != "PROPOSAL_CLOSED" {
		t.Fatalf("support after review: %v", err)
	}
}

// Staff decide on a proposal while it is undecided: a support that puts
// it on the agenda between staff's read and their decision does not turn
// the decision into "already decided" (PROPOSAL_REVIEWED); a second
// decision still is.
func TestProposalDecisionSurvivesReachingTheAgenda(t *testing.T) {
	e := newEnv(t, cobuild.Config{SupportThreshold: 1})
	author := e.user("author")
	p, err := e.svc.CreateProposal(e.ctx, author, 0, "楼道加装扶手", "老人上下楼不便")
	if err != nil {
		t.Fatal(err)
	}
	seen := p // what staff read: open
	if got, err := e.svc.Support(e.ctx, e.user("neighbour"), p.ID); err != nil || got.Status != cobuild.ProposalAgenda {
		t.Fatalf("support to the agenda: %+v %v", got, err)
	}
	now := time.Now()
	seen.Status, seen.DeclineReason, seen.ReviewedAt = cobuild.WishDeclined, "已列入明年计划", &now
	if _, err := e.store.ReviewProposal(e.ctx, seen, cobuild.ProposalOpen, nil, nil); err != nil {
		t.Fatalf("decision after the proposal reached the agenda: %v", err)
	}
	got, err := e.store.Proposal(e.ctx, p.ID)
	if err != nil || got.Status != cobuild.WishDeclined || got.AgendaAt == nil {
		t.Fatalf("proposal after the decision: %+v %v", got, err)
	}
	if _, err := e.store.ReviewProposal(e.ctx, seen, cobuild.ProposalOpen, nil, nil); errs.CodeOf(err) != "PROPOSAL_REVIEWED" {
		t.Fatalf("second decision: %v, want PROPOSAL_REVIEWED", err)
	}
}
