package main

import (
	"fmt"
	"testing"

	"gongjian/config"
)

// The demo data set shows the whole co-building loop to a newcomer: units,
// needs, resources, projects in every state (one overdue), a resident's
// wish delivered and rated, a proposal on the agenda, reported-in party
// members, and the demo logins see their part of it.
func TestCobuildDemoLoop(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Seed.Demo = "always" })
	units := map[int64]string{}
	for _, u := range items(ta.do("GET", "/api/v1/units", "", nil)) {
		units[num(u["id"])] = u["name"].(string)
	}
	if len(units) < 6 {
		t.Fatalf("units: %v", units)
	}
	// Every co-building organisation hosting a demo activity is a unit
	// (a unit is an organisation: the same id).
	hosts := 0
	for _, a := range items(ta.do("GET", "/api/v1/activities?page_size=100", "", nil)) {
		if a["host_org_type"] == "co_building_unit" || a["host_org_name"] == "市第一人民医院" || a["host_org_name"] == "区青少年宫" || a["host_org_name"] == "区文化馆" {
			hosts++
			if units[num(a["host_org_id"])] != a["host_org_name"] {
				t.Errorf("activity %v is hosted by %v (%v), not a unit", a["title"], a["host_org_name"], a["host_org_id"])
			}
		}
	}
	if hosts == 0 {
		t.Error("no demo activity is hosted by a co-building organisation")
	}
	statuses := map[string]int{}
	overdue := 0
	projects := items(ta.do("GET", "/api/v1/projects?limit=100", "", nil))
	for _, p := range projects {
		statuses[p["status"].(string)]++
		if p["overdue"] == true {
			overdue++
		}
	}
	for _, s := range []string{"claimed", "in_progress", "delivered", "evaluated", "closed", "withdrawn"} {
		if statuses[s] == 0 {
			t.Errorf("no demo project is %s (%v)", s, statuses)
		}
	}
	if overdue == 0 {
		t.Error("no demo project is overdue")
	}
	needs := items(ta.do("GET", "/api/v1/needs?limit=100", "", nil))
	if len(needs) < 8 {
		t.Fatalf("%d demo needs", len(needs))
	}
	if r := items(ta.do("GET", "/api/v1/resources", "", nil)); len(r) < 4 {
		t.Fatalf("%d demo resources", len(r))
	}

	staff, _ := ta.login("cb-staff")
	me := ta.do("GET", "/api/v1/me", staff, nil)
	comm := num(me.Body["community_id"])
	rep := ta.do("GET", fmt.Sprintf("/api/v1/admin/cobuild/report?community_id=%d", comm), staff, nil)
	if rep.Status != 200 || num(rep.Body["projects_overdue"]) == 0 || num(rep.Body["needs_unclaimed_30_days"]) == 0 || len(rep.Body["proposals_on_agenda"].([]any)) == 0 {
		t.Fatalf("the community's report: %d %s", rep.Status, rep.Raw)
	}
	if r := ta.do("GET", "/api/v1/admin/report-ins?status=pending", staff, nil); len(items(r)) == 0 {
		t.Fatalf("no report-in waits for the staff: %s", r.Raw)
	}
	wang, _ := ta.login("cb-resident-wang")
	if r := ta.do("GET", "/api/v1/me/wishes", wang, nil); len(items(r)) < 2 {
		t.Fatalf("wang's wishes: %s", r.Raw)
	}
	contact, _ := ta.login("cb-contact-cdc")
	mine := items(ta.do("GET", "/api/v1/me/units", contact, nil))
	if len(mine) != 1 {
		t.Fatalf("the contact's units: %v", mine)
	}
	ur := ta.do("GET", fmt.Sprintf("/api/v1/units/%d/report", num(mine[0]["id"])), contact, nil)
	if ur.Status != 200 || num(ur.Body["projects_delivered"]) < 2 || num(ur.Body["reported_in"]) != 1 {
		t.Fatalf("the unit's report: %d %s", ur.Status, ur.Raw)
	}
	zhou, _ := ta.login("cb-member-zhou")
	if r := ta.do("GET", "/api/v1/me/report-in", zhou, nil); r.str("status") != "confirmed" {
		t.Fatalf("zhou's report-in: %s", r.Raw)
	}
	// Loading again adds nothing.
	before := ta.count("cobuild_needs")
	if err := ta.app.seeder.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if after := ta.count("cobuild_needs"); after != before {
		t.Fatalf("a second load added needs: %d -> %d", before, after)
	}
}
