package activity_test

import (
	"context"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// heldStore holds the write of one account's sign-up until released, so
// that a later decision reaches MySQL first.
type heldStore struct {
	activity.Store
	userID  int64
	arrived chan struct{}
	release chan struct{}
}

func (h *heldStore) CommitRegistrations(ctx context.Context, ws []activity.Write) []activity.WriteResult {
	for _, w := range ws {
		if w.Group.UserID == h.userID {
			close(h.arrived)
			<-h.release
			break
		}
	}
	return h.Store.CommitRegistrations(ctx, ws)
}

// The waitlist position a resident is told is the one kept, shown and
// promoted from, even when the writers store the sign-ups in the reverse
// order of the decisions.
func TestWaitlistKeepsDecisionOrderWhenWritesArriveReversed(t *testing.T) {
	e := newEnv(t, activity.Config{})
	u := e.newUsers(3)
	held := &heldStore{Store: e.store, userID: u[1], arrived: make(chan struct{}), release: make(chan struct{})}
	deps := e.deps
	deps.Store = held
	deps.Config.Writers, deps.Config.WriteBatch = 2, 1
	svc := activity.NewService(deps)
	t.Cleanup(svc.Close)
	a := e.publish(nil, sess{1, 5})
	sid := a.Sessions[0].ID
	reg := func(uid int64) activity.RegisterResult {
		res, err := svc.Register(e.ctx, activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}})
		if err != nil {
			t.Error(err)
		}
		return res
	}
	first := reg(u[0]) // the seat
	if first.Registrations[0].Status != activity.RegConfirmed {
		t.Fatalf("first: %+v", first)
	}
	secondDone := make(chan activity.RegisterResult)
	go func() { secondDone <- reg(u[1]) }()
	select {
	case <-held.arrived: // decided (told 1st), its write held
	case <-time.After(10 * time.Second):
		t.Fatal("the second sign-up never reached the writers")
	}
	third := reg(u[2]) // decided after, written first
	close(held.release)
	second := <-secondDone
	if second.Registrations[0].WaitlistPosition != 1 || third.Registrations[0].WaitlistPosition != 2 {
		t.Fatalf("told: second %d, third %d", second.Registrations[0].WaitlistPosition, third.Registrations[0].WaitlistPosition)
	}
	if second.Registrations[0].ID < third.Registrations[0].ID {
		t.Fatalf("the writes were not reversed (ids %d, %d): the test proves nothing", second.Registrations[0].ID, third.Registrations[0].ID)
	}
	// Shown: the staff list and the resident's own registration.
	list, _, err := e.store.ActivityRegistrations(e.ctx, a.ID, activity.RegistrationFilter{Status: activity.RegWaitlisted})
	if err != nil {
		t.Fatal(err)
	}
	shown := map[int64]int{}
	for _, r := range list {
		shown[r.Registration.UserID] = r.Registration.WaitlistPosition
	}
	if shown[u[1]] != 1 || shown[u[2]] != 2 {
		t.Fatalf("positions shown: %v", shown)
	}
	// Promoted from: the seat freed goes to the one told 1st.
	res, err := svc.Cancel(e.ctx, u[0], first.Registrations[0].ID)
	if err != nil || len(res.Promoted) != 1 || res.Promoted[0].UserID != u[1] {
		t.Fatalf("promotion: %v %+v (want user %d)", err, res.Promoted, u[1])
	}
	e.assertConsistent(a.ID)
	// A rebuilt quota numbers its decisions after the stored ones.
	e.flushActivity(a.ID)
	late := e.newUsers(1)
	r4 := reg(late[0])
	if r4.Registrations[0].Status != activity.RegWaitlisted || r4.Registrations[0].WaitlistPosition != 2 || r4.Registrations[0].Decision <= third.Registrations[0].Decision {
		t.Fatalf("after a rebuild: %+v (third's decision %d)", r4.Registrations[0], third.Registrations[0].Decision)
	}
}
