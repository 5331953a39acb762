package activity_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/page"
)

// reversingStore holds the registration writes it receives until it has
// want of them, then commits them one by one in the reverse of the order
// the quota decided them (the told waitlist positions): the ids MySQL gives
// then run against the decisions, as parallel, batched writers can make
// them.
type reversingStore struct {
	activity.Store
	mu     sync.Mutex
	want   int
	queued []*heldWrite
}

type heldWrite struct {
	w   activity.Write
	res chan activity.WriteResult
}

func (s *reversingStore) CommitRegistrations(ctx context.Context, ws []activity.Write) []activity.WriteResult {
	s.mu.Lock()
	if s.want == 0 {
		s.mu.Unlock()
		return s.Store.CommitRegistrations(ctx, ws)
	}
	held := make([]*heldWrite, len(ws))
	for i, w := range ws {
		held[i] = &heldWrite{w: w, res: make(chan activity.WriteResult, 1)}
	}
	s.queued = append(s.queued, held...)
	if len(s.queued) >= s.want {
		s.flushLocked()
	}
	s.mu.Unlock()
	out := make([]activity.WriteResult, len(ws))
	for i, h := range held {
		select {
		case out[i] = <-h.res:
		case <-time.After(10 * time.Second): // not all arrived: write what came (the test then fails)
			s.mu.Lock()
			s.flushLocked()
			s.mu.Unlock()
			out[i] = <-h.res
		}
	}
	return out
}

func (s *reversingStore) flushLocked() {
	q := s.queued
	s.queued, s.want = nil, 0
	sort.Slice(q, func(i, j int) bool { return q[i].w.Regs[0].FirstPosition > q[j].w.Regs[0].FirstPosition })
	for _, h := range q {
		h.res <- s.Store.CommitRegistrations(context.Background(), []activity.Write{h.w})[0]
	}
}

// The waitlist place a resident is told is the place kept, shown and
// promoted from, even when the writes reach MySQL in the reverse order of
// the decisions (issue 13 point 12).
func TestWaitlistKeepsDecisionOrderWhenWritesArriveReversed(t *testing.T) {
	const seats, waiting = 4, 6
	e := newEnv(t, activity.Config{Writers: waiting})
	rs := &reversingStore{Store: e.store}
	deps := e.deps
	deps.Store = rs
	svc := activity.NewService(deps)
	t.Cleanup(svc.Close)
	a, sid := e.publishOne(sess{seats, waiting})
	users := e.newUsers(seats + waiting)

	var confirmed []activity.Registration
	for _, uid := range users[:seats] {
		res, err := e.register(e.ctx, uid, sid)
		if err != nil || res.Registrations[0].Status != activity.RegConfirmed {
			t.Fatalf("seat: %v %+v", err, res)
		}
		confirmed = append(confirmed, res.Registrations[0])
	}

	// The waitlisted sign-ups arrive together; their writes reach MySQL reversed.
	rs.mu.Lock()
	rs.want = waiting
	rs.mu.Unlock()
	told := make([]activity.Registration, waiting+1) // by told position
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, uid := range users[seats:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := svc.Register(e.ctx, activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}})
			if err != nil {
				t.Error(err)
				return
			}
			r := res.Registrations[0]
			mu.Lock()
			defer mu.Unlock()
			if r.Status != activity.RegWaitlisted || r.WaitlistPosition < 1 || r.WaitlistPosition > waiting || told[r.WaitlistPosition].ID != 0 {
				t.Errorf("waitlist answer %+v", r)
				return
			}
			told[r.WaitlistPosition] = r
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for p := 2; p <= waiting; p++ {
		if told[p].ID > told[p-1].ID {
			t.Fatalf("the writes were not reversed: position %d has id %d, position %d id %d", p-1, told[p-1].ID, p, told[p].ID)
		}
	}

	// Shown: each resident's registration and staff's waitlist carry the told place.
	assertShown := func(promoted int) {
		t.Helper()
		for p := promoted + 1; p <= waiting; p++ {
			d, err := svc.MyRegistration(e.ctx, told[p].UserID, told[p].ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Registration.Status != activity.RegWaitlisted || d.Registration.WaitlistPosition != p-promoted {
				t.Fatalf("told %d, %d promoted: shown %s at %d", p, promoted, d.Registration.Status, d.Registration.WaitlistPosition)
			}
		}
		var listed []int64
		req := page.Request{Limit: 2}
		for {
			rows, next, err := svc.ActivityRegistrations(e.ctx, e.admin, a.ID, activity.RegistrationFilter{Status: activity.RegWaitlisted}, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				listed = append(listed, r.Registration.ID)
			}
			if next == "" {
				break
			}
			if req.After, err = page.Decode(next); err != nil {
				t.Fatal(err)
			}
		}
		if len(listed) != waiting-promoted {
			t.Fatalf("staff list: %d waitlisted, want %d", len(listed), waiting-promoted)
		}
		for i, id := range listed {
			if want := told[promoted+1+i].ID; id != want {
				t.Fatalf("staff list row %d: registration %d, told position %d is %d", i, id, promoted+1+i, want)
			}
		}
	}
	assertShown(0)

	// Promoted: each freed seat goes to the next told position.
	for i, c := range confirmed {
		res, err := svc.Cancel(e.ctx, c.UserID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Promoted) != 1 || res.Promoted[0].ID != told[i+1].ID {
			t.Fatalf("cancellation %d promoted %+v, want the resident told %d (registration %d)", i+1, res.Promoted, i+1, told[i+1].ID)
		}
		assertShown(i + 1)
	}
	e.assertConsistent(a.ID)
}
