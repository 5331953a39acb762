package activity_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// Finishing an activity before its last session cancels the registrations
// of the sessions not yet begun and tells their residents; those of a
// session under way stay (they may be at the door).
func TestFinishEarlyCancelsLaterSessionsAndTellsThem(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(nil, sess{3, 1}, sess{3, 1})
	first, later := a.Sessions[0], a.Sessions[1]
	u := e.newUsers(4)
	for _, uid := range u[:2] {
		mustRegister(t, e, uid, first.ID)
	}
	for _, uid := range u[2:] {
		mustRegister(t, e, uid, later.ID)
	}
	// The first session has begun, the second has not.
	e.offset.Store(int64(first.StartsAt.Add(10 * time.Minute).Sub(time.Now())))
	if _, err := e.svc.Finish(e.ctx, e.admin, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.Activity(e.ctx, a.ID)
	if err != nil || got.Status != activity.StatusFinished {
		t.Fatalf("activity: %v %+v", err, got.Status)
	}
	live := e.liveRows(a.ID)
	for k := range live {
		if strings.HasPrefix(k, fmt.Sprintf("%d:", later.ID)) {
			t.Errorf("a registration of the session not held stays live: %s", k)
		}
	}
	if len(live) != 2 {
		t.Fatalf("want the first session's two registrations live, got %v", live)
	}
	if n := e.outbox("activity_changed", a.ID); n != 2 {
		t.Fatalf("want the later session's two residents told, got %d notices", n)
	}
	var bodies []string
	if err := e.db.G.Table("outbox").Where("template_key = ? AND activity_id = ?", "activity_changed", a.ID).Pluck("body", &bodies).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		if !strings.Contains(b, "提前结束") {
			t.Errorf("notice does not say why: %s", b)
		}
	}
	counts, err := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := counts[first.ID]; !ok || c.Confirmed != 2 {
		t.Fatalf("first session's counter: %+v (%v)", c, ok)
	}
	if c, ok := counts[later.ID]; !ok || c.Confirmed != 0 {
		t.Fatalf("later session's counter: %+v (%v)", c, ok)
	}
}
