package cobuild_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// claimAll has every unit claim qty of the need at the same instant and
// returns the claims made and the refusal codes.
func claimAll(e *env, units []cobuild.Unit, needID int64, qty int) ([]cobuild.Claim, map[string]int) {
	return together(units, func(u cobuild.Unit) (cobuild.Claim, error) {
		return e.svc.ClaimNeed(e.ctx, e.contacts[u.ID], needID, cobuild.ClaimInput{UnitID: u.ID, Quantity: qty, Plan: "每周两次"})
	})
}

// together has every caller call at the same instant and returns what the
// calls made and the codes of the calls refused.
func together[C, R any](callers []C, call func(C) (R, error)) ([]R, map[string]int) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		made  []R
		codes = map[string]int{}
		start = make(chan struct{})
	)
	for _, c := range callers {
		wg.Add(1)
		go func(c C) {
			defer wg.Done()
			<-start
			r, err := call(c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[errs.CodeOf(err)]++
				return
			}
			made = append(made, r)
		}(c)
	}
	close(start)
	wg.Wait()
	return made, codes
}

func units(e *env, n int, prefix string) []cobuild.Unit {
	out := make([]cobuild.Unit, n)
	for i := range out {
		out[i], _ = e.unit(fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

// 50 units claim 5 each of a 100-quantity shareable need at the same
// instant: exactly 100 are claimed by 20 claims, all in one joint project,
// and the 30 others are refused NEED_FULLY_CLAIMED. A withdrawn claim
// returns its quantity, reopens the need and tells the refused units.
func TestNeedClaimsExactUnderConcurrency(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	us := units(e, 50, "共建单位")
	n := e.need(100, true)
	claims, codes := claimAll(e, us, n.ID, 5)
	if len(claims) != 20 || codes["NEED_FULLY_CLAIMED"] != 30 || len(codes) != 1 {
		t.Fatalf("claims %d, refusals %v; want 20 and 30 NEED_FULLY_CLAIMED", len(claims), codes)
	}
	got, err := e.svc.Need(e.ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Claimed != 100 || got.Remaining() != 0 || got.Status != cobuild.NeedFull {
		t.Fatalf("need after claims: claimed %d remaining %d status %s", got.Claimed, got.Remaining(), got.Status)
	}
	project := claims[0].ProjectID
	for _, c := range claims {
		if c.ProjectID != project || c.Quantity != 5 {
			t.Fatalf("claim %+v: want quantity 5 in the joint project %d", c, project)
		}
	}
	p, err := e.svc.Project(e.ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Parties) != 20 || p.Quantity != 100 || p.Status != cobuild.ProjectClaimed {
		t.Fatalf("joint project: %d parties, quantity %d, status %s", len(p.Parties), p.Quantity, p.Status)
	}

	// A unit cannot withdraw another unit's claim; its own contact can.
	other := e.contacts[us[0].ID]
	victim := claims[0]
	if victim.UnitID == us[0].ID {
		victim = claims[1]
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, other, victim.ID); errs.CodeOf(err) != "NOT_UNIT_CONTACT" || errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("another unit withdrew the claim: %v", err)
	}
	w, err := e.svc.WithdrawClaim(e.ctx, e.contacts[victim.UnitID], victim.ID)
	if err != nil || w.Status != cobuild.ClaimWithdrawn {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, e.contacts[victim.UnitID], victim.ID); errs.CodeOf(err) != "CLAIM_WITHDRAWN" {
		t.Fatalf("second withdraw: %v", err)
	}
	got, _ = e.svc.Need(e.ctx, n.ID)
	if got.Remaining() != 5 || got.Status != cobuild.NeedOpen {
		t.Fatalf("after withdrawal: remaining %d status %s", got.Remaining(), got.Status)
	}
	// The 30 refused units' contacts were told it is open again.
	var told int64
	if err := e.db.G.Table("outbox").Where("dedup_key LIKE ?", fmt.Sprintf("cb:reopen:%d:%%", victim.ID)).Count(&told).Error; err != nil {
		t.Fatal(err)
	}
	if told != 30 {
		t.Fatalf("%d refused contacts told, want 30", told)
	}
	// A claim larger than what remains is refused; one that fits is taken.
	claimed := map[int64]bool{}
	for _, c := range claims {
		claimed[c.UnitID] = true
	}
	var late cobuild.Unit
	for _, u := range us {
		if !claimed[u.ID] {
			late = u
			break
		}
	}
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[late.ID], n.ID, cobuild.ClaimInput{UnitID: late.ID, Quantity: 6}); errs.CodeOf(err) != "NEED_FULLY_CLAIMED" ||
		errs.As(err).Message != "该需求只剩 5小时可认领，请减少认领数量" {
		t.Fatalf("claim over the remainder: %v", err)
	}
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[late.ID], n.ID, cobuild.ClaimInput{UnitID: late.ID, Quantity: 5}); err != nil {
		t.Fatalf("claim of the returned quantity: %v", err)
	}
}

// 20 units claim an unshareable need at once: exactly one claim, one
// project, the whole quantity; a contact cannot claim for another unit.
func TestUnshareableNeedClaimedOnce(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	us := units(e, 20, "独家单位")
	n := e.need(1, false)
	claims, codes := claimAll(e, us, n.ID, 1)
	if len(claims) != 1 || codes["NEED_FULLY_CLAIMED"] != 19 {
		t.Fatalf("claims %d, refusals %v", len(claims), codes)
	}
	var projects int64
	if err := e.db.G.Table("cobuild_projects").Where("need_id = ?", n.ID).Count(&projects).Error; err != nil {
		t.Fatal(err)
	}
	if projects != 1 {
		t.Fatalf("%d projects for an unshareable need", projects)
	}
	n2 := e.need(3, false)
	for _, c := range []struct {
		who  resident.User
		unit int64
		code string
	}{
		{e.contacts[us[0].ID], us[1].ID, "NOT_UNIT_CONTACT"},
		{e.staffA, us[1].ID, "NOT_UNIT_CONTACT"},
		{e.user("resident"), us[1].ID, "NOT_UNIT_CONTACT"},
	} {
		if _, err := e.svc.ClaimNeed(e.ctx, c.who, n2.ID, cobuild.ClaimInput{UnitID: c.unit, Quantity: 1}); errs.CodeOf(err) != c.code || errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("claim for another unit: %v", err)
		}
	}
	// The whole quantity goes to the one claim, whatever was asked.
	c, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[1].ID], n2.ID, cobuild.ClaimInput{UnitID: us[1].ID, Quantity: 1})
	if err != nil || c.Quantity != 3 {
		t.Fatalf("unshareable claim: %+v %v", c, err)
	}
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[1].ID], n2.ID, cobuild.ClaimInput{UnitID: us[1].ID, Quantity: 1}); errs.CodeOf(err) != "ALREADY_CLAIMED" {
		t.Fatalf("second claim by the same unit: %v", err)
	}
}

// A refusal says what is left: nothing ("认领完"), or less than asked
// (how much, in the need's unit), never "认领完" while some remains.
func TestTakeSaysWhatRemains(t *testing.T) {
	now := time.Now()
	need := cobuild.Need{Quantity: 10, Claimed: 6, QuantityUnit: "小时", Shareable: true, Status: cobuild.NeedOpen}
	res := cobuild.Resource{Quantity: 10, Claimed: 6, QuantityUnit: "次", Status: cobuild.NeedOpen, ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(time.Hour)}
	full, fullRes := need, res
	full.Claimed, fullRes.Claimed = 10, 10
	for _, tc := range []struct {
		name      string
		take      func() (int, error)
		code, msg string
	}{
		{"need, less left", func() (int, error) { return need.Take(1, 5, false, now) }, "NEED_FULLY_CLAIMED", "该需求只剩 4小时可认领，请减少认领数量"},
		{"need, none left", func() (int, error) { return full.Take(1, 5, false, now) }, "NEED_FULLY_CLAIMED", "该需求已被认领完，无法再认领"},
		{"resource, less left", func() (int, error) { return res.Take(1, 5, now) }, "RESOURCE_FULLY_CLAIMED", "该资源只剩 4次可认领，请减少认领数量"},
		{"resource, none left", func() (int, error) { return fullRes.Take(1, 5, now) }, "RESOURCE_FULLY_CLAIMED", "该资源已被认领完"},
	} {
		if _, err := tc.take(); errs.CodeOf(err) != tc.code || errs.As(err).Message != tc.msg {
			t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.msg)
		}
	}
}

// A unit refused for lack of quantity that claims afterwards (a smaller
// quantity) is no longer waiting: when another claim is withdrawn it is
// not told the need "is open again"; units still refused are.
func TestReopenNoticeOnlyForUnitsStillRefused(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	us := units(e, 3, "重开单位")
	n := e.need(10, true)
	first, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[0].ID], n.ID, cobuild.ClaimInput{UnitID: us[0].ID, Quantity: 6})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us[1:] {
		if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[u.ID], n.ID, cobuild.ClaimInput{UnitID: u.ID, Quantity: 5}); errs.CodeOf(err) != "NEED_FULLY_CLAIMED" {
			t.Fatalf("claim over the remainder: %v", err)
		}
	}
	// us[1] settles for what remains; us[2] keeps waiting.
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[1].ID], n.ID, cobuild.ClaimInput{UnitID: us[1].ID, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, e.contacts[us[0].ID], first.ID); err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]int64{1: 0, 2: 1} {
		var told int64
		if err := e.db.G.Table("outbox").Where("user_id = ? AND dedup_key LIKE ?", e.contacts[us[i].ID].ID, "cb:reopen:%").Count(&told).Error; err != nil {
			t.Fatal(err)
		}
		if told != want {
			t.Errorf("unit %d told %d times the need is open again, want %d", i, told, want)
		}
	}
}

// A withdrawal after the need's deadline returns the quantity but tells
// no refused unit it "is open again": claims are refused after the
// deadline (NEED_CLOSED).
func TestNoReopenNoticeAfterTheDeadline(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	us := units(e, 2, "逾期单位")
	n := e.need(1, false)
	c, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[0].ID], n.ID, cobuild.ClaimInput{UnitID: us[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[1].ID], n.ID, cobuild.ClaimInput{UnitID: us[1].ID}); errs.CodeOf(err) != "NEED_FULLY_CLAIMED" {
		t.Fatalf("second claim: %v", err)
	}
	e.clock = n.Deadline.Add(time.Hour)
	if _, err := e.svc.WithdrawClaim(e.ctx, e.contacts[us[0].ID], c.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Need(e.ctx, n.ID); got.Remaining() != 1 {
		t.Fatalf("after the withdrawal %d remain", got.Remaining())
	}
	var told int64
	if err := e.db.G.Table("outbox").Where("user_id = ? AND dedup_key LIKE ?", e.contacts[us[1].ID].ID, "cb:reopen:%").Count(&told).Error; err != nil {
		t.Fatal(err)
	}
	if told != 0 {
		t.Fatalf("the refused unit was told a need past its deadline is open again")
	}
	if _, err := e.svc.ClaimNeed(e.ctx, e.contacts[us[1].ID], n.ID, cobuild.ClaimInput{UnitID: us[1].ID}); errs.CodeOf(err) != "NEED_CLOSED" {
		t.Fatalf("claim after the deadline: %v", err)
	}
}
