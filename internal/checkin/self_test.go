package checkin_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
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
	var wg sync.WaitGroup
	var mu sync.Mutex
	outs := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
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
		}(i)
	}
	wg.Wait()
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
// passed, credited up to the end and flagged for review; only once.
func TestForgottenCheckoutClosedAtSessionEnd(t *testing.T) {
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
	_, err := f.svc.SelfCheck(ctx, volunteer(230), checkin.SelfInput{Code: poster, Lat: place.lat, Lng: place.lng, Action: "out"})
	wantCode(t, err, "TOO_LATE")
	for i := 0; i < 2; i++ {
		n, err := f.svc.CloseForgotten(ctx)
		if err != nil || n != 1-i {
			t.Fatalf("run %d closed %d: %v", i, n, err)
		}
	}
	p, err := f.store.Presence(ctx, 230, 3)
	if err != nil || p.OutAt == nil || !p.OutAt.Equal(f.start.Add(3*time.Hour)) || !p.Flagged || !p.AutoClosed || p.Minutes != 170 {
		t.Fatalf("presence %+v %v", p, err)
	}
	att, err := f.svc.Attendance(ctx, f.staff, 3)
	if err != nil || len(att.Presences) != 2 {
		t.Fatalf("attendance %+v %v", att, err)
	}
	var flagged int64
	f.db.G.Table("self_presences").Where("flagged = ?", true).Count(&flagged)
	if flagged != 1 || f.count(t, "hours_ledger", "session_id = ?", 3) != 2 {
		t.Fatalf("flagged %d, ledger %d", flagged, f.count(t, "hours_ledger", "session_id = ?", 3))
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
