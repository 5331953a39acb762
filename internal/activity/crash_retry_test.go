package activity_test

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// A sign-up whose process died after reserving in Redis and before writing
// MySQL (a SIGKILL, or MySQL gone mid-commit): the resident's app retries
// with the same Idempotency-Key. While the reservation may still be in
// flight the retry is told so; once the reconciler has settled it as an
// orphan, the retry is decided afresh and signs up — it must not be held
// to the dead attempt's key (503 on every retry for the key's 24 hours).
// Found by the server-kill and MariaDB fault scenarios (internal/faulttest).
func TestRetryAfterACrashedAttemptSignsUp(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{2, 0})
	uid := e.newUsers(1)[0]
	const key = "app-key-1"
	// The dead attempt: reserved with the resident's key, never written.
	res, err := e.quota.Reserve(e.ctx, activity.Reservation{ActivityID: a.ID, Epoch: a.QuotaEpoch, UserID: uid, GroupKey: fmt.Sprintf("%032d", 7),
		IdemKey: key, IdemTTL: time.Hour, Sessions: []int64{sid}, Attendees: []string{activity.AttendeeKey(uid, 0)}, Now: time.Now()})
	if err != nil || res.Outcome != activity.Reserved {
		t.Fatalf("reserve: %v %+v", err, res)
	}
	in := activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}, IdemKey: key}
	if _, err := e.svc.Register(e.ctx, in); code(err) != "REQUEST_IN_PROGRESS" {
		t.Fatalf("while the dead attempt may be in flight: want REQUEST_IN_PROGRESS, got %v", err)
	}
	e.offset.Store(int64(31 * time.Second))
	if rep, err := e.svc.Reconcile(e.ctx); err != nil || rep.Drift["orphan"] != 1 {
		t.Fatalf("want one orphan repair: %+v %v", rep, err)
	}
	out, err := e.svc.Register(e.ctx, in)
	if err != nil || len(out.Registrations) != 1 || out.Registrations[0].Status != activity.RegConfirmed || out.Replayed {
		t.Fatalf("the retry after the repair must sign up: %+v %v", out, err)
	}
	// And it is idempotent from then on.
	again, err := e.svc.Register(e.ctx, in)
	if err != nil || !again.Replayed || again.Registrations[0].ID != out.Registrations[0].ID {
		t.Fatalf("a second retry must replay the sign-up: %+v %v", again, err)
	}
	e.assertConsistent(a.ID)
}
