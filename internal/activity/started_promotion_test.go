package activity_test

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/notify"
)

// Nobody is promoted into a session that has already started: a staff
// removal or a raised capacity after the start leaves the waitlist as it
// is (no 「请准时参加」 for a session under way), and Redis still equals
// MySQL. Before the start the same changes promote.
func TestNoPromotionIntoAStartedSession(t *testing.T) {
	e := newEnv(t, activity.Config{})
	removeConfirmed := func(_ activity.Activity, _, reg int64) error {
		_, err := e.svc.Remove(e.ctx, e.admin, reg, "临时有事")
		return err
	}
	raiseCapacity := func(a activity.Activity, sid, _ int64) error {
		_, _, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, sid, activity.SessionInput{Capacity: 2, WaitlistCapacity: 2})
		return err
	}
	cases := []struct {
		name    string
		started bool
		change  func(a activity.Activity, sid, confirmedReg int64) error
	}{
		{"staff removal after the start", true, removeConfirmed},
		{"capacity raised after the start", true, raiseCapacity},
		{"staff removal before the start", false, removeConfirmed},
		{"capacity raised before the start", false, raiseCapacity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, sid := e.publishOne(sess{1, 2})
			us := e.newUsers(2)
			first := e.signUpAs(t, e.svc, us[0], sid, activity.RegConfirmed)
			second := e.signUpAs(t, e.svc, us[1], sid, activity.RegWaitlisted)
			if tc.started {
				start := time.Now().Add(-10 * time.Minute).UTC()
				for _, table := range []string{"sessions", "registrations"} {
					col := "id"
					if table == "registrations" {
						col = "session_id"
					}
					if err := e.db.G.Exec("UPDATE "+table+" SET starts_at = ?, ends_at = ? WHERE "+col+" = ?", start, start.Add(time.Hour), sid).Error; err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := tc.change(a, sid, first.Registrations[0].ID); err != nil {
				t.Fatal(err)
			}
			want, promoted := "c", int64(1)
			if tc.started {
				want, promoted = "w", 0
			}
			key := second.Registrations[0].AttendeeKey()
			if got := e.liveRows(a.ID)[fmt.Sprintf("%d:%s", sid, key)]; got != want {
				t.Fatalf("waitlisted resident is %q, want %q", got, want)
			}
			if n := e.outbox(notify.WaitlistPromoted, a.ID); n != promoted {
				t.Fatalf("%d promotion notices, want %d", n, promoted)
			}
			e.assertConsistent(a.ID)
		})
	}
}
