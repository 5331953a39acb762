package main

import (
	"fmt"
	"testing"
)

// TestMessagesLastPageExactlyFull: a page of my messages that happens to
// hold the last one answers next_cursor null (and next_before_id 0), as
// every keyset list does, not a cursor to an empty page.
func TestMessagesLastPageExactlyFull(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	tok, _ := ta.login("messages-exact")
	if r := w.register(tok, sessionID(act, 0), nil, nil); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	all := items(ta.must(ta.do("GET", "/api/v1/me/messages?limit=100", tok, nil), 200, "messages"))
	if len(all) == 0 {
		t.Fatal("no messages")
	}
	r := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/me/messages?limit=%d", len(all)), tok, nil), 200, "exact page")
	if len(items(r)) != len(all) || r.Body["next_cursor"] != nil || num(r.Body["next_before_id"]) != 0 {
		t.Fatalf("a full last page: next_cursor %v next_before_id %v (%d items)", r.Body["next_cursor"], r.Body["next_before_id"], len(items(r)))
	}
}
