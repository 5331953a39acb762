package wristband_test

import (
	"sync"
	"testing"

	"gongjian/internal/wristband"
)

// A vendor retrying one event many times at once (each retry newly signed)
// stores it once: one reading, one alarm, one notice per guardian; every
// other copy is answered "duplicate". Pushes of an unknown device too.
func TestConcurrentCopiesOfOneEventStoreItOnce(t *testing.T) {
	f := newFixture(t)
	_, imei, b := f.wearer("王奶奶")
	unknown := f.newIMEI()
	for _, tc := range []struct {
		name, imei, table string
		where             string
		args              []any
	}{
		{"bound device", imei, "wristband_readings", "binding_id = ?", []any{b.ID}},
		{"unknown device", unknown, "wristband_unattached", "imei = ?", []any{unknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys, dia := 180, 95
			p := wristband.Push{Vendor: "acme", EventID: "same-" + tc.name, IMEI: tc.imei, Type: wristband.EventBloodPressure,
				At: f.clock.Now(), Systolic: &sys, Diastolic: &dia}
			const n = 8
			outs := make([]string, n)
			errsOf := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := f.svc.Ingest(f.ctx, p)
					outs[i], errsOf[i] = r.Outcome, err
				}()
			}
			wg.Wait()
			dup := 0
			for i := range n {
				if errsOf[i] != nil {
					t.Fatalf("copy %d: %v", i, errsOf[i])
				}
				if outs[i] == wristband.OutcomeDuplicate {
					dup++
				}
			}
			if dup != n-1 {
				t.Fatalf("outcomes %v: want one stored and %d duplicates", outs, n-1)
			}
			if got := f.count(tc.table, tc.where, tc.args...); got != 1 {
				t.Fatalf("%d rows in %s, want 1", got, tc.table)
			}
		})
	}
	if got := f.count("wristband_alarms", "binding_id = ?", b.ID); got != 1 {
		t.Fatalf("%d alarms, want 1", got)
	}
	if got := f.count("outbox", "template_key = ?", "wristband_alert"); got != 1 {
		t.Fatalf("%d notices, want 1", got)
	}
}
