package checkin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
)

func volunteer(id int64) resident.User { return resident.User{ID: id} }

// at the start of a 30-s step, plus one second.
func stepAligned(t time.Time) time.Time { return checkin.StepStart(checkin.StepAt(t)).Add(time.Second) }

func TestSelfCheckinCodeWindowRadiusAndSignup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clock.set(stepAligned(f.start.Add(-10 * time.Minute)))
	vol := volunteer(230) // registration 30, session 3 (volunteer service)

	rc, err := f.svc.RotatingCode(ctx, f.staff, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RotatingCode(ctx, vol, 3); errs.CodeOf(err) != "NOT_ACTIVITY_STAFF" {
		t.Fatalf("a volunteer asking for the code: %v", err)
	}
	if !rc.AcceptedUntil.After(rc.ShowUntil) || rc.ShowUntil.Sub(f.clock.now()) > 35*time.Second {
		t.Fatalf("code times %+v", rc)
	}
	self := func(u resident.User, code string, dLat float64, action string) (checkin.SelfResult, error) {
		return f.svc.SelfCheck(ctx, u, checkin.SelfInput{Code: code, Lat: place.lat + dLat, Lng: place.lng, Action: action})
	}

	// Refusals first: none of them records anything.
	f.clock.add(60 * time.Second) // two steps later: too old
	_, err = self(vol, rc.Code, 0, "in")
	wantCode(t, err, "CODE_EXPIRED")
	f.clock.add(-25 * time.Second) // 35 s after it was shown: the next step, still accepted…
	_, err = self(vol, rc.Code, 0.006, "in")
	wantCode(t, err, "TOO_FAR") // …but 667 m away is too far
	if d := errs.As(err).Details; d["distance_m"].(int) < 600 || d["radius_m"].(int) != 500 {
		t.Fatalf("details %v", d)
	}
	_, err = self(vol, flip(rc.Code, len(rc.Code)-1), 0, "in")
	wantCode(t, err, "BAD_CODE")
	_, err = f.svc.SelfCheck(ctx, vol, checkin.SelfInput{Code: rc.Code, Action: "in"})
	wantCode(t, err, "BAD_LOCATION")
	_, err = self(volunteer(999), rc.Code, 0, "in")
	wantCode(t, err, "NOT_SIGNED_UP")
	_, err = self(vol, rc.Code, 0, "out")
	wantCode(t, err, "NOT_CHECKED_IN")
	_, err = self(vol, rc.Code, 0, "sideways")
	wantCode(t, err, "BAD_ACTION")
	if n := f.count(t, "self_presences", ""); n != 0 {
		t.Fatalf("%d presences after refusals", n)
	}

	// 445 m away is within 500 m.
	res, err := self(vol, rc.Code, 0.004, "in")
	if err != nil || res.Action != "in" || res.SessionID != 3 || res.Repeated {
		t.Fatalf("check-in: %+v %v", res, err)
	}

	// A clinic attendee is not a volunteer; with a volunteer slot in the
	// clinic's session they are.
	clinicCode, _ := f.svc.RotatingCode(ctx, f.staff, 1)
	_, err = self(volunteer(101), clinicCode.Code, 0, "in")
	wantCode(t, err, "NOT_SIGNED_UP")
	if err := f.svc.AddVolunteer(ctx, f.staff, 1, 101); err != nil {
		t.Fatal(err)
	}
	if _, err := self(volunteer(101), clinicCode.Code, 0, "in"); err != nil {
		t.Fatalf("volunteer slot: %v", err)
	}

	// The printed poster: no step, judged by the session's times.
	poster := f.svc.Keys().PosterCode(2)
	if _, err := self(volunteer(231), poster, 0, "in"); err != nil {
		t.Fatalf("poster check-in: %v", err)
	}
	f.clock.set(f.start.Add(-2 * time.Hour))
	_, err = self(volunteer(232), poster, 0, "in")
	wantCode(t, err, "TOO_EARLY")
	f.clock.set(f.start.Add(3 * time.Hour))
	_, err = self(volunteer(232), poster, 0, "in")
	wantCode(t, err, "TOO_LATE")
	// Poster via the scene a mini-program code's path carries.
	f.clock.set(f.start.Add(time.Hour))
	if _, err := self(volunteer(232), "pages/volunteer/index?scene="+strings.ReplaceAll(poster, ".", "%2E"), 0, "in"); err != nil {
		t.Fatalf("poster via scene: %v", err)
	}
}

// However many times, and however concurrently, a volunteer checks in and
// out of one session, its hours are credited once: the overlap of the
// presence with the session, in whole minutes.
func TestHoursOfOneSessionCreditedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	vol := volunteer(233)
	poster := f.svc.Keys().PosterCode(2)
	self := func(action string) (checkin.SelfResult, error) {
		return f.svc.SelfCheck(ctx, vol, checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: action})
	}
	// In 10 minutes before the start (credit starts at the start).
	f.clock.set(f.start.Add(-10 * time.Minute))
	first, err := self("in")
	if err != nil {
		t.Fatal(err)
	}
	// 20 phones (or taps) at once, in and out mixed, 1 h 30 min 20 s in.
	f.clock.set(f.start.Add(90*time.Minute + 20*time.Second))
	var mu sync.Mutex
	outs := 0
	atOnce(20, func(i int) {
		action := "out"
		if i%3 == 0 {
			action = "in"
		}
		res, err := self(action)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil && res.Action == "out":
			outs++
			if res.Minutes != 90 {
				t.Errorf("check-out minutes %d, want 90", res.Minutes)
			}
		case err == nil && res.Action == "in":
			if !res.CheckedInAt.Equal(first.CheckedInAt) {
				t.Errorf("a second check-in moved the first: %v", res.CheckedInAt)
			}
		case errs.CodeOf(err) == "ALREADY_CHECKED_OUT":
		default:
			t.Error(err)
		}
	})
	// Later: in again (refused), out again (same answer).
	f.clock.add(30 * time.Minute)
	_, err = self("in")
	wantCode(t, err, "ALREADY_CHECKED_OUT")
	again, err := self("out")
	if err != nil || !again.Repeated || again.Minutes != 90 {
		t.Fatalf("out again: %+v %v", again, err)
	}
	if n := f.count(t, "hours_ledger", "user_id = ? AND session_id = ?", 233, 3); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}
	var minutes int
	f.db.G.Table("hours_ledger").Select("minutes").Where("user_id = ?", 233).Scan(&minutes)
	if minutes != 90 || outs != 20-7 {
		t.Fatalf("credited %d minutes (want 90), %d check-outs answered", minutes, outs)
	}
	if n := f.count(t, "outbox", "user_id = ? AND template_key = ?", 233, "hours_credited"); n != 1 {
		t.Fatalf("%d hours_credited notices", n)
	}
	if n := f.count(t, "outbox", "user_id = ? AND template_key = ?", 233, "checkin_done"); n != 1 {
		t.Fatalf("%d checkin_done notices", n)
	}
}

// A forgotten check-out is closed at the session's end once the grace has
// passed, only once, and waits in the staff review queue: it credits
// nothing until a staff member (not the volunteer) approves it. The poster
// code ends with the activity's last session (and its check-out grace).
func TestForgottenCheckoutWaitsForReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	poster := f.svc.Keys().PosterCode(2)
	f.clock.set(f.start.Add(10 * time.Minute))
	for _, id := range []int64{230, 231} {
		if _, err := f.svc.SelfCheck(ctx, volunteer(id), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "in"}); err != nil {
			t.Fatal(err)
		}
	}
	// 231 checks out properly at the end.
	f.clock.set(f.start.Add(3 * time.Hour))
	if _, err := f.svc.SelfCheck(ctx, volunteer(231), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "out"}); err != nil {
		t.Fatal(err)
	}
	// Within the grace nothing is closed.
	f.clock.set(f.start.Add(3*time.Hour + 29*time.Minute))
	if n, err := f.svc.CloseForgotten(ctx); err != nil || n != 0 {
		t.Fatalf("closed %d within the grace: %v", n, err)
	}
	f.clock.set(f.start.Add(3*time.Hour + 31*time.Minute))
	// The activity is over: its poster no longer works at all.
	_, err := f.svc.SelfCheck(ctx, volunteer(230), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "out"})
	wantCode(t, err, "CODE_EXPIRED")
	for i := 0; i < 2; i++ {
		n, err := f.svc.CloseForgotten(ctx)
		if err != nil || n != 1-i {
			t.Fatalf("run %d closed %d: %v", i, n, err)
		}
	}
	p, err := f.store.Presence(ctx, 230, 3)
	if err != nil || p.OutAt == nil || !p.OutAt.Equal(f.start.Add(3*time.Hour)) || !p.Flagged || !p.AutoClosed || p.Minutes != 0 ||
		p.ReviewStatus != checkin.ReviewPending {
		t.Fatalf("presence %+v %v", p, err)
	}
	if n := f.count(t, "hours_ledger", "session_id = ?", 3); n != 1 {
		t.Fatalf("%d ledger entries before the review, want 1 (the proper check-out only)", n)
	}
	// Nobody reviews their own presence; a volunteer is no reviewer.
	self := resident.User{ID: 230, Roles: f.staff.Roles}
	_, err = f.svc.ReviewPresence(ctx, self, p.ID, true, "")
	wantCode(t, err, "OWN_RECORD")
	_, err = f.svc.ReviewPresence(ctx, volunteer(231), p.ID, true, "")
	wantCode(t, err, "NOT_ACTIVITY_STAFF")
	_, err = f.svc.ReviewPresence(ctx, f.staff, p.ID, false, "")
	wantCode(t, err, "INVALID_REASON")
	got, err := f.svc.ReviewPresence(ctx, f.staff, p.ID, true, "核实在岗到结束")
	if err != nil || got.Minutes != 170 || got.ReviewStatus != checkin.ReviewApproved || got.ReviewedBy != f.staff.ID || got.EntryID == 0 {
		t.Fatalf("approved: %+v %v", got, err)
	}
	_, err = f.svc.ReviewPresence(ctx, f.staff, p.ID, true, "")
	wantCode(t, err, "REVIEW_DONE")
	var approvedBy int64
	f.db.G.Table("hours_ledger").Select("approved_by").Where("user_id = ? AND session_id = ?", 230, 3).Scan(&approvedBy)
	if n := f.count(t, "hours_ledger", "session_id = ?", 3); n != 2 || approvedBy != f.staff.ID {
		t.Fatalf("ledger %d entries, approved by %d", n, approvedBy)
	}
}

// A check-out away from the place is taken (the volunteer is told) but
// credits nothing until staff approve it; a rejected one never credits.
func TestAwayCheckoutWaitsForReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	poster := f.svc.Keys().PosterCode(2)
	f.clock.set(f.start.Add(10 * time.Minute))
	if _, err := f.svc.SelfCheck(ctx, volunteer(232), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "in"}); err != nil {
		t.Fatal(err)
	}
	f.clock.set(f.start.Add(2 * time.Hour))
	out, err := f.svc.SelfCheck(ctx, volunteer(232), checkin.SelfInput{Code: poster, Lat: place.lat + 0.05, Lng: place.lng, Action: "out"})
	if err != nil || !out.InReview || out.Minutes != 0 {
		t.Fatalf("away check-out: %+v %v", out, err)
	}
	if n := f.count(t, "hours_ledger", "user_id = ?", 232); n != 0 {
		t.Fatalf("%d ledger entries for a check-out in review", n)
	}
	// Checking in again does not reopen a presence waiting for review.
	_, err = f.svc.SelfCheck(ctx, volunteer(232), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "in"})
	wantCode(t, err, "ALREADY_CHECKED_OUT")
	p, _ := f.store.Presence(ctx, 232, 3)
	got, err := f.svc.ReviewPresence(ctx, f.staff, p.ID, false, "签退时已离开服务地点")
	if err != nil || got.ReviewStatus != checkin.ReviewRejected || got.Minutes != 0 {
		t.Fatalf("rejected: %+v %v", got, err)
	}
	if n := f.count(t, "hours_ledger", "user_id = ?", 232); n != 0 {
		t.Fatalf("%d ledger entries after a rejection", n)
	}
	// The volunteer is told why, once, as for a rejected claim.
	if n := f.count(t, "outbox", "user_id = ? AND dedup_key = ? AND title = ? AND body LIKE ?", 232,
		fmt.Sprintf("presence:%d:reviewed", p.ID), "签到时长未认定", "%签退时已离开服务地点%"); n != 1 {
		t.Fatalf("%d rejection notices to the volunteer, want 1", n)
	}
}

// Checking out before the session begins credits nothing; the volunteer
// may then check in again, and the later check-out credits the session.
func TestEarlyCheckoutCanCheckInAgain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	poster := f.svc.Keys().PosterCode(2)
	self := func(action string) (checkin.SelfResult, error) {
		return f.svc.SelfCheck(ctx, volunteer(234), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: action})
	}
	f.clock.set(f.start.Add(-40 * time.Minute))
	if _, err := self("in"); err != nil {
		t.Fatal(err)
	}
	f.clock.add(5 * time.Minute)
	if out, err := self("out"); err != nil || out.Minutes != 0 {
		t.Fatalf("early check-out: %+v %v", out, err)
	}
	f.clock.add(5 * time.Minute)
	in, err := self("in")
	if err != nil || in.Repeated || !in.CheckedInAt.Equal(f.clock.now()) {
		t.Fatalf("check-in again: %+v %v", in, err)
	}
	f.clock.set(f.start.Add(45 * time.Minute))
	if out, err := self("out"); err != nil || out.Minutes != 45 {
		t.Fatalf("check-out: %+v %v", out, err)
	}
	if n := f.count(t, "hours_ledger", "user_id = ?", 234); n != 1 {
		t.Fatalf("%d entries", n)
	}
}

// A cancelled activity takes no self check-in: a volunteer slot staff gave
// in it, with the rotating code or the poster, is refused ACTIVITY_CANCELLED
// and nothing is recorded (scanning a ticket of it is already REVOKED).
func TestSelfCheckinRefusedForCancelledActivity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clock.set(stepAligned(f.start.Add(10 * time.Minute)))
	if err := f.svc.AddVolunteer(ctx, f.staff, 1, 101); err != nil {
		t.Fatal(err)
	}
	rc, err := f.svc.RotatingCode(ctx, f.staff, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.regs.mu.Lock()
	s := f.regs.sessions[1]
	s.ActivityStatus = checkin.ActivityCancelled
	f.regs.sessions[1] = s
	f.regs.mu.Unlock()
	for _, code := range []string{rc.Code, f.svc.Keys().PosterCode(s.ActivityID)} {
		_, err := f.svc.SelfCheck(ctx, volunteer(101), checkin.SelfInput{Code: code, Lat: place.lat, Lng: place.lng, Action: "in"})
		wantCode(t, err, "ACTIVITY_CANCELLED")
	}
	if n := f.count(t, "self_presences", ""); n != 0 {
		t.Fatalf("%d presences in a cancelled activity", n)
	}
}

// TestForgottenBehindMovedSessionsAreClosed: a full batch of presences
// whose sessions were moved later (not overdue yet) does not stop the
// sweeper from closing the overdue presence behind them in the same run.
func TestForgottenBehindMovedSessionsAreClosed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Session 4 was checked into with the end stored at check-in; it has
	// since been moved a day later. Session 5 really ended, a minute after
	// session 4's stored end, so its presence sorts behind them all.
	storedEnd := f.start.Add(3 * time.Hour)
	f.regs.mu.Lock()
	f.regs.sessions[4] = checkin.Session{ID: 4, ActivityID: 2, ActivityTitle: "垃圾分类宣传", Category: checkin.CategoryVolunteer,
		ActivityStatus: "published", StartsAt: f.start.Add(24 * time.Hour), EndsAt: storedEnd.Add(24 * time.Hour)}
	f.regs.sessions[5] = checkin.Session{ID: 5, ActivityID: 2, ActivityTitle: "垃圾分类宣传", Category: checkin.CategoryVolunteer,
		ActivityStatus: "published", StartsAt: f.start, EndsAt: storedEnd.Add(time.Minute)}
	f.regs.mu.Unlock()
	var rows []map[string]any
	row := func(user, session int64, ends time.Time) map[string]any {
		return map[string]any{"user_id": user, "session_id": session, "activity_id": 2, "session_starts_at": f.start, "session_ends_at": ends,
			"in_at": f.start.Add(5 * time.Minute), "is_open": true, "created_at": f.start, "updated_at": f.start}
	}
	for u := int64(0); u < 201; u++ {
		rows = append(rows, row(5000+u, 4, storedEnd))
	}
	rows = append(rows, row(6000, 5, storedEnd.Add(time.Minute)))
	if err := f.db.G.Table("self_presences").Create(rows).Error; err != nil {
		t.Fatal(err)
	}
	f.clock.set(storedEnd.Add(2 * time.Hour))
	n, err := f.svc.CloseForgotten(ctx)
	if err != nil || n != 1 {
		t.Fatalf("closed %d: %v, want the one overdue presence", n, err)
	}
	if open := f.count(t, "self_presences", "session_id = ? AND is_open", 5); open != 0 {
		t.Fatal("the overdue presence is still open")
	}
	if open := f.count(t, "self_presences", "session_id = ? AND is_open", 4); open != 201 {
		t.Fatalf("%d presences of the moved session open, want 201", open)
	}
}

// A check-out credits only what is left of the session's length (here a
// claim already took 2 h 30 min of 3 h): the hours_credited notice tells the
// volunteer what the ledger holds, never the presence's unclamped overlap.
func TestCreditedNoticeTellsWhatTheLedgerHolds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	vol := volunteer(234)
	if _, _, err := mysqlstore.NewHoursStore(f.db).Append(ctx, hours.Entry{UserID: vol.ID, ActivityID: 2, SessionID: 3, Minutes: 150,
		Source: hours.SourceClaim, ServedAt: f.start, CreditKey: "claim:t1", SessionMinutes: 180}, nil); err != nil {
		t.Fatal(err)
	}
	poster := f.svc.Keys().PosterCode(2)
	self := func(action string) (checkin.SelfResult, error) {
		return f.svc.SelfCheck(ctx, vol, checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: action})
	}
	f.clock.set(f.start)
	if _, err := self("in"); err != nil {
		t.Fatal(err)
	}
	f.clock.set(f.start.Add(3 * time.Hour))
	out, err := self("out")
	if err != nil || out.Minutes != 30 {
		t.Fatalf("check-out: %+v %v", out, err)
	}
	var notice struct{ Body, Fields string }
	if err := f.db.G.Table("outbox").Select("body, fields").Where("user_id = ? AND template_key = ?", vol.ID, "hours_credited").
		Scan(&notice).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice.Body, "30分钟") || !strings.Contains(notice.Fields, "30分钟") || strings.Contains(notice.Body, "3小时") {
		t.Fatalf("the notice of a 30-minute credit: %+v", notice)
	}
}
