package main

import (
	"strings"
	"testing"
)

// Wishes and proposals follow the rule supports follow: a resident makes
// them only for the community their residence is confirmed in — not for
// the community picked in their profile before the community confirmed
// it, and never for another one.
func TestWishesAndProposalsOnlyForConfirmedResidence(t *testing.T) {
	w, ta := newRegWorld(t)
	commB := num(ta.must(ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "和平社区"}), 201, "community B").Body["id"])
	tok, id := w.resident("res-dora", "钱多多") // profile: community A, not confirmed
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
	for _, tc := range []struct {
		name, path string
		body       func(int64) map[string]any
	}{{"wish", "/api/v1/wishes", wish}, {"proposal", "/api/v1/proposals", proposal}} {
		for _, community := range []int64{0, w.community, commB} {
			r := ta.do("POST", tc.path, tok, tc.body(community))
			expectError(t, r, 403, "NOT_COMMUNITY_RESIDENT")
			if !strings.Contains(r.str("message"), "“我的—居住认证”") {
				t.Fatalf("%s for %d without a confirmed residence does not send her to the residence page: %q", tc.name, community, r.str("message"))
			}
		}
	}

	ta.confirmResidence(id, w.community)
	// Her profile says B now; her residence is still confirmed in A.
	ta.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": commB}), 200, "profile B")
	for _, tc := range []struct {
		name, path string
		body       func(int64) map[string]any
	}{{"wish", "/api/v1/wishes", wish}, {"proposal", "/api/v1/proposals", proposal}} {
		r := ta.do("POST", tc.path, tok, tc.body(commB))
		expectError(t, r, 403, "NOT_COMMUNITY_RESIDENT")
		if strings.Contains(r.str("message"), "居住认证") {
			t.Fatalf("%s for B with a residence confirmed in A: %q", tc.name, r.str("message"))
		}
		for _, community := range []int64{w.community, 0} {
			r := ta.must(ta.do("POST", tc.path, tok, tc.body(community)), 201, tc.name+" of a confirmed resident")
			if got := num(r.Body["community_id"]); got != w.community {
				t.Fatalf("%s for %d made for community %d, want %d: %s", tc.name, community, got, w.community, r.Raw)
			}
		}
	}
}
