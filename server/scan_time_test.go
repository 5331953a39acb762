package main

import (
	"fmt"
	"testing"
	"time"
)

// A scan's scanned_at (issue 5: {"ticket","nonce","scanned_at"}) may be
// an RFC 3339 time or the phone's clock as a number (Date.now()
// milliseconds, or Unix seconds); online and in an offline batch.
func TestScanTimeAsNumber(t *testing.T) {
	w, ta := newCkWorld(t)
	aTok, _, aReg := w.resident("st-a", "孙一", w.clinicS1)
	bTok, _, bReg := w.resident("st-b", "孙二", w.clinicS1)
	cTok, _, cReg := w.resident("st-c", "孙三", w.clinicS1)
	r := ta.do("POST", "/api/v1/checkins", w.staff, map[string]any{"ticket": w.ticket(aTok, aReg), "nonce": "st-1", "scanned_at": time.Now().UnixMilli()})
	if r.Status != 200 || r.str("result") != "checked_in" {
		t.Fatalf("online, milliseconds: %d %s", r.Status, r.Raw)
	}
	offline := time.Now().Add(-2 * time.Minute).Truncate(time.Millisecond)
	offlineS := time.Now().Add(-3 * time.Minute).Truncate(time.Second)
	b := ta.do("POST", "/api/v1/checkins/batch", w.staff, map[string]any{"scans": []map[string]any{
		{"ticket": w.ticket(bTok, bReg), "nonce": "st-2", "scanned_at": offline.UnixMilli()},
		{"ticket": w.ticket(cTok, cReg), "nonce": "st-3", "scanned_at": offlineS.Unix()},
	}})
	res, _ := b.Body["results"].([]any)
	if b.Status != 200 || len(res) != 2 {
		t.Fatalf("batch: %d %s", b.Status, b.Raw)
	}
	for i, want := range []time.Time{offline, offlineS} {
		m := res[i].(map[string]any)
		at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["checked_in_at"]))
		if m["result"] != "checked_in" || !at.Equal(want) {
			t.Fatalf("scan %d: checked in at %v, want %v: %s", i, m["checked_in_at"], want, b.Raw)
		}
	}
	expectError(t, ta.do("POST", "/api/v1/checkins", w.staff, map[string]any{"ticket": w.ticket(aTok, aReg), "nonce": "st-4", "scanned_at": -5}), 400, "BAD_SCANNED_AT")
}
