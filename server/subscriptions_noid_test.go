package main

import (
	"testing"

	"gongjian/internal/notify"
)

// POST /subscriptions {"results":{"<template key>":"accept|reject|ban"}}
// (issue 4) with a key the issue names is recorded even while that
// template has no WeChat id configured yet (its notices are in-app only
// and it is never asked for); an unknown key is still refused.
func TestSubscriptionsOfTemplatesWithoutID(t *testing.T) {
	ta := newTestApp(t) // no template ids configured
	tok, _ := ta.login("noid")
	r := ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{
		notify.RegistrationConfirmed: "accept", notify.ActivityReminder: "reject", notify.WristbandAlert: "ban",
	}})
	if r.Status != 200 {
		t.Fatalf("record: %d %s", r.Status, r.Raw)
	}
	g := ta.do("GET", "/api/v1/subscriptions", tok, nil)
	grants, _ := g.Body["grants"].(map[string]any)
	rc, _ := grants[notify.RegistrationConfirmed].(map[string]any)
	wa, _ := grants[notify.WristbandAlert].(map[string]any)
	if g.Status != 200 || rc == nil || rc["status"] != "accept" || num(rc["balance"]) != 1 || wa == nil || wa["status"] != "ban" {
		t.Fatalf("grants: %d %s", g.Status, g.Raw)
	}
	if ask, _ := g.Body["ask"].([]any); len(ask) != 0 {
		t.Fatalf("nothing to ask for without template ids: %s", g.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"nope": "accept"}}), 400, "UNKNOWN_TEMPLATE")
}
