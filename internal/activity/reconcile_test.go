package activity_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"gongjian/internal/activity"
)

// A pass compares what changed plus one slice of the sweep: its cost is
// bounded whatever the number of open activities, and drift in an activity
// nobody touches is still found within one full sweep.
func TestReconcilerSweepIsBounded(t *testing.T) {
	e := newEnv(t, activity.Config{SweepBatch: 3})
	var acts []activity.Activity
	for i := 0; i < 8; i++ {
		acts = append(acts, e.publish(nil, sess{5, 0}))
	}
	passActivities := func() float64 {
		for _, c := range e.svc.Collectors() {
			if m, ok := c.(prometheus.Metric); ok && strings.Contains(m.Desc().String(), `"gongjian_reconcile_pass_activities"`) {
				var d dto.Metric
				if err := m.Write(&d); err != nil {
					t.Fatal(err)
				}
				return d.GetGauge().GetValue()
			}
		}
		t.Fatal("gongjian_reconcile_pass_activities not exported")
		return 0
	}
	// Later: the activities' creation is no longer a recent change.
	e.offset.Store(int64(5 * time.Minute))
	// Passes that find nothing compare at most SweepBatch activities each.
	for pass := 0; pass < 3; pass++ {
		rep, err := e.svc.Reconcile(e.ctx)
		if err != nil || len(rep.Drift) != 0 || rep.Checked > 3 {
			t.Fatalf("idle pass %d: %+v %v", pass, rep, err)
		}
		if n := passActivities(); n > 3 {
			t.Fatalf("idle pass %d compared %v activities, bound 3", pass, n)
		}
	}
	// Drift in an untouched activity (the last one): found within a full sweep (8/3 -> 3 passes).
	last := acts[len(acts)-1]
	if err := e.rdb.HIncrBy(e.ctx, e.quota.HashKey(last.ID), fmt.Sprintf("n:%d", last.Sessions[0].ID), 2).Err(); err != nil {
		t.Fatal(err)
	}
	found := 0
	for pass := 0; pass < 3; pass++ {
		rep, err := e.svc.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		found += rep.Drift["count"]
	}
	if found != 1 {
		t.Fatalf("drift repaired %d times in a full sweep, want 1", found)
	}
	e.assertConsistent(last.ID)
	// A sign-up makes its activity part of the next pass, whatever the sweep's position.
	uid := e.newUsers(1)[0]
	mustRegister(t, e, uid, acts[0].Sessions[0].ID)
	if err := e.rdb.HIncrBy(e.ctx, e.quota.HashKey(acts[0].ID), fmt.Sprintf("n:%d", acts[0].Sessions[0].ID), 1).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	rep, err := e.svc.Reconcile(e.ctx)
	if err != nil || rep.Drift["count"] != 1 {
		t.Fatalf("changed activity not compared at once: %+v %v", rep, err)
	}
	e.assertConsistent(acts[0].ID)
}
