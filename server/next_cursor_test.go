package main

import (
	"fmt"
	"testing"
)

// TestNextCursorConvention: every keyset list answers next_cursor the same
// way, the convention of docs/console-api.md and the OpenAPI files: always
// present, a string while more follow and null on the last page (never ""
// and never left out), so that clients stop on one value.
func TestNextCursorConvention(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	resTok, _ := ta.login("cursor-resident")
	// Two sign-ups: two messages, so that a page of one has another after it.
	for _, a := range []map[string]any{act, w.activity(w.cStaf, nil)} {
		if r := w.register(resTok, sessionID(a, 0), nil, nil); r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
	}
	regs := fmt.Sprintf("/api/v1/admin/activities/%d/registrations?limit=100", num(act["id"]))
	cases := []struct {
		path  string
		token string
		more  bool // a page with more after it: next_cursor is a string
	}{
		{"/api/v1/console/audit?limit=100", w.admin, false},
		{"/api/v1/console/audit?limit=1", w.admin, true},
		{"/api/v1/console/registrations?limit=100", w.admin, false},
		{"/api/v1/console/people?limit=100", w.admin, false},
		{"/api/v1/console/people?limit=1", w.admin, true},
		{regs, w.cStaf, false},
		{"/api/v1/needs?limit=100", resTok, false},
		{"/api/v1/projects?limit=100", resTok, false},
		{"/api/v1/me/registrations?limit=100", resTok, false},
		{"/api/v1/me/hours?limit=100", resTok, false},
		{"/api/v1/me/messages?limit=100", resTok, false},
		{"/api/v1/me/messages?limit=1", resTok, true},
	}
	for _, c := range cases {
		r := ta.must(ta.do("GET", c.path, c.token, nil), 200, c.path)
		next, present := r.Body["next_cursor"]
		switch {
		case !present:
			t.Errorf("%s: no next_cursor in %s", c.path, r.Raw)
		case c.more:
			if s, ok := next.(string); !ok || s == "" {
				t.Errorf("%s: next_cursor %#v, want the cursor of the next page", c.path, next)
			}
		case next != nil:
			t.Errorf("%s: next_cursor %#v on the last page, want null", c.path, next)
		}
	}
}
