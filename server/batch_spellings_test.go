package main

import (
	"fmt"
	"testing"
	"time"
)

// POST /checkins/batch "uploads offline scans" (issue 5) without naming
// the body's shape: {"scans":[…]}, {"checkins":[…]} and the bare list of
// scans are each read.
func TestOfflineBatchBodySpellings(t *testing.T) {
	w, ta := newCkWorld(t)
	aTok, _, aReg := w.resident("bs-a", "孙一", w.clinicS1)
	bTok, _, bReg := w.resident("bs-b", "孙二", w.clinicS1)
	phone := w.clinicChecker("bs-phone")
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	scan := func(ticket, nonce string) map[string]any {
		return map[string]any{"ticket": ticket, "nonce": nonce, "scanned_at": at}
	}
	for _, c := range []struct {
		name string
		body any
		reg  int64
		tok  string
	}{
		{"bare list", []map[string]any{scan(w.ticket(aTok, aReg), "bs-1")}, aReg, aTok},
		{"checkins", map[string]any{"checkins": []map[string]any{scan(w.ticket(bTok, bReg), "bs-2")}}, bReg, bTok},
	} {
		r := ta.do("POST", "/api/v1/checkins/batch", phone, c.body)
		res, _ := r.Body["results"].([]any)
		if r.Status != 200 || len(res) != 1 || res[0].(map[string]any)["result"] != "checked_in" || num(res[0].(map[string]any)["registration_id"]) != c.reg {
			t.Fatalf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	att := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/attendance", w.clinicS1), w.staff, nil), 200)
	if num(att.Body["checked_in"]) != 2 {
		t.Fatalf("attendance %s", att.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/checkins/batch", phone, []any{}), 400, "BAD_BATCH")
}
