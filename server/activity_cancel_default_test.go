package main

import (
	"fmt"
	"strings"
	"testing"

	"gongjian/internal/activity"
)

// Staff cancel an activity without a body, or with {}: residents read the
// default reason (as a session cancelled without one); a reason given is
// still checked (blank or over 200 characters: REASON_REQUIRED) and used.
func TestActivityCancelWithoutReason(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _ := w.resident("alice", "王丽")
	cancel := func(body any) resp {
		act := w.activity(w.orgStaff, nil)
		if r := w.register(alice, sessionID(act, 0), nil, nil); r.Status != 201 {
			t.Fatalf("register: %s", r.Raw)
		}
		return ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", num(act["id"])), w.orgStaff, body)
	}
	for _, body := range []any{nil, map[string]any{}} {
		if r := cancel(body); r.Status != 200 || r.str("status") != "cancelled" {
			t.Fatalf("cancel with %v: %d %s", body, r.Status, r.Raw)
		}
	}
	mine := ta.do("GET", "/api/v1/me/registrations?status=cancelled", alice, nil)
	if n := strings.Count(string(mine.Raw), `"cancel_reason":"`+activity.ActivityCancelled+`"`); n != 2 {
		t.Fatalf("want 2 registrations cancelled with %q: %s", activity.ActivityCancelled, mine.Raw)
	}
	expectError(t, cancel(map[string]string{"reason": "  "}), 400, "REASON_REQUIRED")
	expectError(t, cancel(map[string]string{"reason": strings.Repeat("长", 201)}), 400, "REASON_REQUIRED")
	if r := cancel(map[string]string{"reason": "场地维修"}); r.Status != 200 || r.str("status") != "cancelled" {
		t.Fatalf("cancel with a reason: %d %s", r.Status, r.Raw)
	}
	mine = ta.do("GET", "/api/v1/me/registrations?status=cancelled", alice, nil)
	if !strings.Contains(string(mine.Raw), `"cancel_reason":"场地维修"`) {
		t.Fatalf("the reason given: %s", mine.Raw)
	}
}
