package main

import (
	"fmt"
	"strings"
	"testing"

	"gongjian/config"
)

// The registrations of one group are written in one multi-row INSERT; their
// ids are read back, not assumed consecutive: on multi-primary MySQL
// (auto_increment_increment > 1) every attendee still gets their own row.
func TestGroupSignUpIdsWithAutoIncrementIncrement(t *testing.T) {
	w := newRegWorld(t, func(c *config.Config) {
		if c.MySQL.DSN == "" {
			t.Skip("auto_increment_increment is a MySQL setting")
		}
		sep := "?"
		if strings.Contains(c.MySQL.DSN, "?") {
			sep = "&"
		}
		c.MySQL.DSN += sep + "auto_increment_increment=3&auto_increment_offset=2"
	})
	act := w.activity(w.admin, func(b map[string]any) {
		b["sessions"].([]map[string]any)[0]["capacity"] = 5
	})
	tok, _ := w.resident("mother", "李梅")
	kids := []int64{w.child(tok, "小明", 8), w.child(tok, "小红", 9)}
	r := w.register(tok, sessionID(act, 0), []map[string]any{{"self": true}, {"dependent_id": kids[0]}, {"dependent_id": kids[1]}}, nil)
	if r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	regs := r.Body["registrations"].([]any)
	if len(regs) != 3 {
		t.Fatalf("registrations %s", r.Raw)
	}
	for _, x := range regs {
		reg := x.(map[string]any)
		dep := num(reg["attendee"].(map[string]any)["dependent_id"])
		got := w.ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", num(reg["id"])), tok, nil)
		if got.Status != 200 || num(got.Body["attendee"].(map[string]any)["dependent_id"]) != dep {
			t.Fatalf("registration %v answered for dependent %d, read back as %d %s", reg["id"], dep, got.Status, got.Raw)
		}
	}
}
