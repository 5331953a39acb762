package main

import (
	"testing"

	"gongjian/internal/resident"
)

// Wishes, proposals and party members' report-ins (双报到) of a resident
// whose residence a community has confirmed are for that community: not
// for another one, even when their profile now names it. A resident
// without a confirmed residence makes them for their profile's community,
// as before.
func TestWishesProposalsAndReportInsFollowAConfirmedResidence(t *testing.T) {
	w, ta := newRegWorld(t)
	commB := w.newCommunity("和平社区")
	tok, id := w.resident("res-dora", "钱多多") // profile: community A, not confirmed
	ta.grant("res-dora", resident.RoleChange{Role: "party_member"})
	wish := func(community int64) map[string]any {
		b := map[string]any{"title": "想请人修门锁", "description": "家里门锁坏了", "contact_phone": "13800003333"}
		if community != 0 {
			b["community_id"] = community
		}
		return b
	}
	proposal := func(community int64) map[string]any {
		b := map[string]any{"title": "小区增设充电桩", "description": "电动车充电难，建议在车棚增设充电桩"}
		if community != 0 {
			b["community_id"] = community
		}
		return b
	}
	reportIn := func(community int64) map[string]any {
		b := map[string]any{"workplace_org_id": w.org}
		if community != 0 {
			b["community_id"] = community
		}
		return b
	}
	kinds := []struct {
		name, path string
		body       func(int64) map[string]any
	}{{"wish", "/api/v1/wishes", wish}, {"proposal", "/api/v1/proposals", proposal}, {"report-in", "/api/v1/me/report-in", reportIn}}
	for _, tc := range kinds {
		r := ta.must(ta.do("POST", tc.path, tok, tc.body(0)), 201, tc.name+" without a confirmed residence")
		if got := num(r.Body["community_id"]); got != w.community {
			t.Fatalf("%s made for community %d, want the profile's %d: %s", tc.name, got, w.community, r.Raw)
		}
	}

	ta.confirmResidence(id, w.community)
	// Her profile says B now; her residence is still confirmed in A.
	ta.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": commB}), 200, "profile B")
	for _, tc := range kinds {
		expectError(t, ta.do("POST", tc.path, tok, tc.body(commB)), 403, "NOT_COMMUNITY_RESIDENT")
		for _, community := range []int64{w.community, 0} {
			r := ta.must(ta.do("POST", tc.path, tok, tc.body(community)), 201, tc.name+" of a confirmed resident")
			if got := num(r.Body["community_id"]); got != w.community {
				t.Fatalf("%s for %d made for community %d, want %d: %s", tc.name, community, got, w.community, r.Raw)
			}
		}
	}
}
