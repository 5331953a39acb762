package main

import (
	"fmt"
	"testing"
	"time"
)

// TestConsoleDashboardHoursAndAlarms: the dashboard's figures the issue
// names beside the day's sessions (issue 17 point 5): hours this month by
// party organisation, open wristband alarms and the time to acknowledge
// them, each in the user's scope.
func TestConsoleDashboardHoursAndAlarms(t *testing.T) {
	w := newAuthzWorld(t)
	ta := w.ta
	// The owner, a member of community A's party branch, is credited an
	// hour (their claim approved).
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", w.claim), w.tok[admin], map[string]any{"minutes": 60}), 200, "approve")
	// A wearer of community A raises an SOS.
	tok, _ := w.user("dash-wearer")
	_, imei := w.freshBandOf(tok, self)
	alarm := w.sos(imei)

	dash := func(p int) map[string]any {
		t.Helper()
		return w.must(ta.do("GET", "/api/v1/console/dashboard", w.tok[p], nil), 200, personaNames[p]+"'s dashboard").Body
	}
	alarms := func(d map[string]any) map[string]any { return d["alarms"].(map[string]any) }
	branch := func(d map[string]any) float64 {
		for _, o := range d["hours_by_org"].([]any) {
			if num(o.(map[string]any)["org_id"]) == w.partyOrg {
				return o.(map[string]any)["minutes"].(float64)
			}
		}
		return 0
	}
	for _, p := range []int{admin, staffA} {
		d := dash(p)
		if branch(d) < 60 || num(alarms(d)["open"]) < 1 {
			t.Errorf("%s: hours_by_org %v, alarms %v", personaNames[p], d["hours_by_org"], d["alarms"])
		}
	}
	if d := dash(staffB); branch(d) != 0 || num(alarms(d)["open"]) != 0 {
		t.Errorf("community B's staff see A's figures: hours_by_org %v, alarms %v", d["hours_by_org"], d["alarms"])
	}
	before := num(alarms(dash(admin))["open"])
	time.Sleep(1100 * time.Millisecond)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/wristbands/alarms/%d/ack", alarm), w.tok[admin], map[string]string{"note": "已联系家属"}), 200, "ack")
	a := alarms(dash(admin))
	if num(a["open"]) != before-1 || num(a["acknowledged_today"]) < 1 || num(a["median_ack_seconds"]) < 1 {
		t.Errorf("after the acknowledgement: %v (open before %d)", a, before)
	}
}
