package hours_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// sessions is an activity (id 40, host organisation 2, community 1) with
// sessions given by the test: id -> [start, end).
type sessions map[int64][2]time.Time

func (s sessions) Activity(_ context.Context, id, sessionID int64) (hours.Activity, error) {
	if sessionID == 0 {
		for k := range s {
			if sessionID == 0 || k < sessionID {
				sessionID = k
			}
		}
	}
	t, ok := s[sessionID]
	if !ok {
		return hours.Activity{}, errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	}
	return hours.Activity{ID: id, Title: "社区值守", HostOrgID: 2, CommunityID: 1, StartsAt: t[0], EndsAt: t[1],
		SessionID: sessionID, Sessions: len(s)}, nil
}

// reviewService is the hours service on the test database (ledgerStore)
// over an activity with the given sessions.
func reviewService(t *testing.T, acts sessions) (*mysqlstore.HoursStore, *hours.Service) {
	t.Helper()
	_, store := ledgerStore(t)
	return store, hours.NewService(store, acts, nil, nil, nil, testenv.Box(t), nil)
}

func staffOf(id int64) resident.User {
	return resident.User{ID: id, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: 2}}}
}

// Staff never correct their own record; a correction beyond the configured
// size (8 hours by default) is not written until a second staff member
// approves it — not the one who asked, not the person whose hours they are.
func TestCorrectionsOfOwnRecordRefusedAndLargeOnesNeedASecondApproval(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-30 * time.Hour).Truncate(time.Minute)
	store, svc := reviewService(t, sessions{71: {start, start.Add(20 * time.Hour)}})
	alice, bob, carol := staffOf(501), staffOf(502), staffOf(503)
	entry := func(user int64) hours.Entry {
		e, _, err := store.Append(ctx, hours.Entry{UserID: user, ActivityID: 40, SessionID: 71, Minutes: 60, Source: hours.SourceCheckin,
			ServedAt: start, CreditKey: fmt.Sprintf("checkin:s71:u%d", user), HostOrgID: 2, ActivityCommunityID: 1, SessionMinutes: 1200}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	own, volunteer := entry(alice.ID), entry(900)

	// Her own record: not even a small correction, either way.
	for _, m := range []int{30, -30} {
		if _, err := svc.Correct(ctx, alice, hours.CorrectionInput{EntryID: own.ID, Minutes: m, Reason: "补记"}); errs.CodeOf(err) != "OWN_RECORD" {
			t.Fatalf("own record %+d: %v", m, err)
		}
	}
	if _, err := svc.Correct(ctx, alice, hours.CorrectionInput{EntryID: volunteer.ID, Minutes: 30}); errs.CodeOf(err) != "INVALID_REASON" {
		t.Fatalf("a correction without a reason: %v", err)
	}
	// Small: written at once.
	res, err := svc.Correct(ctx, alice, hours.CorrectionInput{EntryID: volunteer.ID, Minutes: 30, Reason: "漏记半小时"})
	if err != nil || res.Pending != nil || res.Entry.Minutes != 30 || res.Entry.RecordedBy != alice.ID {
		t.Fatalf("small correction: %+v %v", res, err)
	}
	// Large: waits; nothing is credited yet.
	res, err = svc.Correct(ctx, alice, hours.CorrectionInput{EntryID: volunteer.ID, Minutes: 9 * 60, Reason: "通宵值守漏记"})
	if err != nil || res.Pending == nil || res.Pending.Status != hours.CorrectionPending {
		t.Fatalf("large correction: %+v %v", res, err)
	}
	pending := res.Pending.ID
	if got, _ := store.SessionCredit(ctx, 900, 71); got != 90 {
		t.Fatalf("credit before the second approval: %d, want 90", got)
	}
	if _, err := svc.ApproveCorrection(ctx, alice, pending); errs.CodeOf(err) != "OWN_CORRECTION" {
		t.Fatalf("approving one's own correction: %v", err)
	}
	// A large correction of a staff member's own hours, asked by a colleague:
	// the subject cannot approve it either.
	res, err = svc.Correct(ctx, bob, hours.CorrectionInput{EntryID: own.ID, Minutes: -60, Reason: "重复登记"})
	if err != nil || res.Pending != nil {
		t.Fatalf("bob corrects alice: %+v %v", res, err)
	}
	big, err := svc.Correct(ctx, bob, hours.CorrectionInput{EntryID: own.ID, Minutes: 10 * 60, Reason: "补记"})
	if err != nil || big.Pending == nil {
		t.Fatalf("bob's large correction of alice: %+v %v", big, err)
	}
	if _, err := svc.ApproveCorrection(ctx, alice, big.Pending.ID); errs.CodeOf(err) != "OWN_RECORD" {
		t.Fatalf("approving a correction of one's own hours: %v", err)
	}
	if _, err := svc.RejectCorrection(ctx, carol, big.Pending.ID, "无依据"); err != nil {
		t.Fatal(err)
	}
	// The second staff member approves: written, recorded by the first.
	got, err := svc.ApproveCorrection(ctx, bob, pending)
	if err != nil || got.Status != hours.CorrectionApproved || got.ReviewedBy != bob.ID || got.ResultEntryID == 0 {
		t.Fatalf("approval: %+v %v", got, err)
	}
	written, err := store.Entry(ctx, got.ResultEntryID)
	if err != nil || written.Minutes != 540 || written.RecordedBy != alice.ID || written.ApprovedBy != bob.ID || written.ReversesID != volunteer.ID {
		t.Fatalf("written correction %+v %v", written, err)
	}
	if _, err := svc.ApproveCorrection(ctx, carol, pending); errs.CodeOf(err) != "CORRECTION_ALREADY_REVIEWED" {
		t.Fatalf("second approval: %v", err)
	}
	if xs, err := svc.Corrections(ctx, carol, hours.CorrectionPending, 0, 50); err != nil || len(xs) != 0 {
		t.Fatalf("pending corrections left: %+v %v", xs, err)
	}
	if _, err := svc.Corrections(ctx, resident.User{ID: 900}, "", 0, 50); errs.CodeOf(err) != "NOT_REVIEWER" {
		t.Fatalf("a volunteer listing corrections: %v", err)
	}
}

// One person's credit for one session is at most the session's length,
// whatever its sources: a claim opens when the session ends, may not exceed
// its length, tops up existing credit only (the reviewer is shown it), and a
// fully credited session takes no claim at all.
func TestSessionCreditedAtMostItsLength(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	start := now.Add(-2 * time.Hour).Truncate(time.Minute)
	acts := sessions{81: {start, start.Add(3 * time.Hour)}, 82: {start.Add(-48 * time.Hour), start.Add(-45 * time.Hour)}}
	store, svc := reviewService(t, acts)
	vol, staff := resident.User{ID: 910}, staffOf(511)
	claim := func(session int64, minutes int) (hours.Claim, error) {
		return svc.CreateClaim(ctx, vol, hours.ClaimInput{ActivityID: 40, SessionID: session, Minutes: minutes, Description: "值守"})
	}
	// Session 81 is still running.
	if _, err := claim(81, 60); errs.CodeOf(err) != "CLAIM_TOO_EARLY" {
		t.Fatalf("claim during the session: %v", err)
	}
	if _, err := svc.CreateClaim(ctx, vol, hours.ClaimInput{ActivityID: 40, Minutes: 60, Description: "值守"}); errs.CodeOf(err) != "SESSION_REQUIRED" {
		t.Fatalf("claim naming no session of a two-session activity: %v", err)
	}
	// Session 82 (3 h) was credited 2 h by check-in.
	if _, _, err := store.Append(ctx, hours.Entry{UserID: vol.ID, ActivityID: 40, SessionID: 82, Minutes: 120, Source: hours.SourceCheckin,
		ServedAt: acts[82][0], CreditKey: "checkin:s82:u910", HostOrgID: 2, ActivityCommunityID: 1, SessionMinutes: 180, Clamp: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range []int{181, 61} {
		if _, err := claim(82, m); errs.CodeOf(err) != "CLAIM_EXCEEDS_SESSION" {
			t.Fatalf("claim of %d minutes: %v", m, err)
		}
	}
	c, err := claim(82, 60)
	if err != nil || c.CreditedMinutes != 120 || c.SessionMinutes != 180 {
		t.Fatalf("top-up claim: %+v %v", c, err)
	}
	if _, err := claim(82, 30); errs.CodeOf(err) != "CLAIM_PENDING" {
		t.Fatalf("second claim while one is pending: %v", err)
	}
	listed, err := svc.Claims(ctx, staff, hours.ClaimPending, 0, 50)
	if err != nil || len(listed) != 1 || listed[0].CreditedMinutes != 120 || listed[0].SessionMinutes != 180 {
		t.Fatalf("the reviewer's list: %+v %v", listed, err)
	}
	// Granting more than is left is refused; what is left is granted.
	if _, err := svc.ApproveClaim(ctx, staff, c.ID, 61); errs.CodeOf(err) != "CREDIT_EXCEEDS_SESSION" {
		t.Fatalf("granting past the session's length: %v", err)
	}
	if _, err := svc.ApproveClaim(ctx, staff, c.ID, 60); err != nil {
		t.Fatal(err)
	}
	if _, err := claim(82, 10); errs.CodeOf(err) != "CLAIM_ALREADY_CREDITED" {
		t.Fatalf("claim for a fully credited session: %v", err)
	}
	// A positive correction cannot take it past the length either.
	es, _ := store.Entries(ctx, vol.ID)
	if _, err := svc.Correct(ctx, staff, hours.CorrectionInput{EntryID: es[0].ID, Minutes: 10, Reason: "多记"}); errs.CodeOf(err) != "CREDIT_EXCEEDS_SESSION" {
		t.Fatalf("correction past the length: %v", err)
	}
	if got, _ := store.SessionCredit(ctx, vol.ID, 82); got != 180 {
		t.Fatalf("session credit %d, want 180", got)
	}
}

// A claim sent twice at once (a double tap on 提交, a retry on a weak
// signal) is one pending claim: the others are CLAIM_PENDING. Two pending
// claims of one session could both be approved, crediting one service twice.
func TestClaimSentTwiceAtOnceIsOneClaim(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-5 * time.Hour).Truncate(time.Minute)
	store, svc := reviewService(t, sessions{91: {start, start.Add(3 * time.Hour)}})
	const volunteers, copies = 6, 8
	var mu sync.Mutex
	created := map[int64]int{}
	atOnce(volunteers*copies, func(i int) {
		vol := resident.User{ID: 930 + int64(i/copies)}
		_, err := svc.CreateClaim(ctx, vol, hours.ClaimInput{ActivityID: 40, SessionID: 91, Minutes: 120, Description: "值守"})
		switch {
		case err == nil:
			mu.Lock()
			created[vol.ID]++
			mu.Unlock()
		case errs.CodeOf(err) != "CLAIM_PENDING":
			t.Error(err)
		}
	})
	for v := int64(0); v < volunteers; v++ {
		cs, err := store.Claims(ctx, hours.ClaimFilter{UserID: 930 + v, All: true})
		if err != nil {
			t.Fatal(err)
		}
		if created[930+v] != 1 || len(cs) != 1 {
			t.Errorf("volunteer %d: %d claims accepted, %d stored; want one", 930+v, created[930+v], len(cs))
		}
	}
}

// A claim approved while the volunteer's own check-out is being credited,
// for the same person and session, never takes the credit past the
// session's length: whichever comes second gets only what is left (the
// check-out) or is refused (the approval).
func TestClaimApprovalAndCheckoutTogetherStayWithinTheSession(t *testing.T) {
	db, store := ledgerStore(t)
	presences := mysqlstore.NewCheckinStore(db)
	ctx := context.Background()
	start := time.Now().Add(-4 * time.Hour).Truncate(time.Minute)
	end := start.Add(3 * time.Hour)
	const pairs = 12
	var wg sync.WaitGroup
	for i := int64(0); i < pairs; i++ {
		user, session := 3000+i, 8000+i
		c := hours.Claim{UserID: user, ActivityID: 40, SessionID: session, ActivityTitle: "社区值守", HostOrgID: 2, CommunityID: 1,
			ServedAt: start, Minutes: 150, Description: "值守"}
		if err := store.CreateClaim(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if _, _, err := presences.OpenPresence(ctx, checkin.Presence{UserID: user, SessionID: session, ActivityID: 40,
			SessionStartsAt: start, SessionEndsAt: end, InAt: start}, nil); err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			e := hours.Entry{UserID: user, ActivityID: 40, SessionID: session, Minutes: 150, Source: hours.SourceClaim, ServedAt: start,
				CreditKey: fmt.Sprintf("claim:%d", c.ID), ClaimID: c.ID, ApprovedBy: 1, SessionMinutes: 180}
			if _, err := store.ApproveClaim(ctx, c.ID, 1, e, nil); err != nil && errs.CodeOf(err) != "CREDIT_EXCEEDS_SESSION" {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			_, _, err := presences.ClosePresence(ctx, user, session, end, 0, 0, checkin.Closing{}, func(p checkin.Presence) hours.Entry {
				return hours.Entry{UserID: user, ActivityID: 40, SessionID: session, Minutes: hours.PresenceMinutes(p.InAt, *p.OutAt, start, end),
					Source: hours.SourceCheckin, ServedAt: start, CreditKey: fmt.Sprintf("checkin:s%d:u%d", session, user),
					SessionMinutes: 180, Clamp: true}
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := int64(0); i < pairs; i++ {
		got, err := store.SessionCredit(ctx, 3000+i, 8000+i)
		if err != nil {
			t.Fatal(err)
		}
		if got > 180 || got < 150 {
			t.Fatalf("user %d credited %d minutes for a 180-minute session", 3000+i, got)
		}
	}
}

// Several small corrections of one entry are one large one: once the
// corrections written without a second approval add up to more than the
// configured size (8 hours), the next waits for a second staff member —
// also when staff send them at the same moment.
func TestSmallCorrectionsAddUpToTheApprovalSize(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-30 * time.Hour).Truncate(time.Minute)
	store, svc := reviewService(t, sessions{71: {start, start.Add(20 * time.Hour)}})
	alice, bob := staffOf(521), staffOf(522)
	entry := func(user int64) hours.Entry {
		// No session named: nothing else caps the corrections.
		e, _, err := store.Append(ctx, hours.Entry{UserID: user, ActivityID: 40, Minutes: 60, Source: hours.SourceClaim,
			ServedAt: start, CreditKey: fmt.Sprintf("claim:test:u%d", user), HostOrgID: 2, ActivityCommunityID: 1, RecordedBy: alice.ID, ApprovedBy: alice.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := entry(920)
	correct := func(by resident.User, m int) hours.CorrectionResult {
		t.Helper()
		res, err := svc.Correct(ctx, by, hours.CorrectionInput{EntryID: e.ID, Minutes: m, Reason: "补记"})
		if err != nil {
			t.Fatalf("correction %+d: %v", m, err)
		}
		return res
	}
	for _, m := range []int{300, 180} { // 480 minutes in all: still at once
		if res := correct(alice, m); res.Pending != nil {
			t.Fatalf("correction %+d waits: %+v", m, res.Pending)
		}
	}
	for _, m := range []int{1, -100} { // either sign counts
		if res := correct(bob, m); res.Pending == nil {
			t.Fatalf("correction %+d past 480 minutes written at once: %+v", m, res.Entry)
		}
	}
	// A second approval is not counted against the size.
	res := correct(alice, 600)
	if _, err := svc.ApproveCorrection(ctx, bob, res.Pending.ID); err != nil {
		t.Fatal(err)
	}
	if res := correct(alice, 1); res.Pending == nil {
		t.Fatal("a small correction after an approved large one written at once")
	}

	// At the same moment: 10 staff members, 100 minutes each.
	e = entry(921)
	var mu sync.Mutex
	written, waiting := 0, 0
	atOnce(10, func(i int) {
		by := staffOf(int64(530 + i))
		res, err := svc.Correct(ctx, by, hours.CorrectionInput{EntryID: e.ID, Minutes: 100, Reason: "补记"})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			t.Errorf("correction: %v", err)
		case res.Pending != nil:
			waiting++
		default:
			written++
		}
	})
	if written != 4 || waiting != 6 {
		t.Fatalf("%d written at once, %d waiting; want 4 and 6", written, waiting)
	}
	var net int
	es, _ := store.Entries(ctx, 921)
	for _, x := range es {
		net += x.Minutes
	}
	if net != 60+400 {
		t.Fatalf("ledger nets %d minutes, want 460", net)
	}
}

// Staff reject a pending claim with a reason: the claim keeps the reason
// and who decided, the volunteer is told why (one 未通过 notice, in the
// same transaction), a blank reason is refused and a second decision finds
// the claim already reviewed.
func TestClaimRejectedWithItsReason(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-5 * time.Hour).Truncate(time.Minute)
	db, store := ledgerStore(t)
	svc := hours.NewService(store, sessions{91: {start, start.Add(3 * time.Hour)}}, nil, nil, nil, testenv.Box(t), nil)
	vol, staff := resident.User{ID: 960}, staffOf(5)
	c, err := svc.CreateClaim(ctx, vol, hours.ClaimInput{ActivityID: 40, SessionID: 91, Minutes: 120, Description: "值守"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RejectClaim(ctx, staff, c.ID, "  "); errs.CodeOf(err) != "INVALID_REASON" {
		t.Fatalf("blank reason: %v, want INVALID_REASON", err)
	}
	if _, err := svc.RejectClaim(ctx, vol, c.ID, "不对"); err == nil {
		t.Fatal("the volunteer rejected their own claim")
	}
	got, err := svc.RejectClaim(ctx, staff, c.ID, " 照片与活动不符 ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != hours.ClaimRejected || got.RejectReason != "照片与活动不符" || got.ReviewedBy != staff.ID || got.ReviewedAt == nil {
		t.Fatalf("rejected claim %+v", got)
	}
	if es, err := store.Entries(ctx, vol.ID); err != nil || len(es) != 0 {
		t.Fatalf("a rejected claim credited %+v (%v)", es, err)
	}
	msgs, _, err := mysqlstore.NewNotifyStore(db).Messages(ctx, vol.ID, time.Now().Add(time.Minute), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Title != "补录申请未通过" || msgs[0].Body != "您申报的「社区值守」服务时长未通过审核，原因：照片与活动不符" {
		t.Fatalf("the volunteer was told %+v", msgs)
	}
	if _, err := svc.RejectClaim(ctx, staff, c.ID, "再驳回一次"); errs.CodeOf(err) != "CLAIM_ALREADY_REVIEWED" {
		t.Fatalf("second rejection: %v, want CLAIM_ALREADY_REVIEWED", err)
	}
}
