package main

import (
	"fmt"
	"testing"
)

// Over HTTP a project shows its version; a progress update naming the
// version it was made on is written and bumps it, one naming an older
// version is refused with 409 PROJECT_CHANGED (nothing overwritten), and
// one naming none still works.
func TestProjectProgressVersionOverHTTP(t *testing.T) {
	w := newAuthzWorld(t)
	_, project := w.cbClaim(w.cbNeed(false))
	path := fmt.Sprintf("/api/v1/projects/%d", project)
	seen := w.must(w.ta.do("GET", path, "", nil), 200, "project")
	v := num(seen.Body["version"])
	started := w.must(w.ta.do("POST", path+"/progress", w.tok[unitA], map[string]any{"action": "start", "plan": "每日送餐", "version": v}), 200, "start")
	if num(started.Body["version"]) != v+1 {
		t.Fatalf("version after an update: %s", started.Raw)
	}
	r := w.ta.do("POST", path+"/progress", w.tok[staffA], map[string]any{"plan": "改为隔日送餐", "version": v})
	expectError(t, r, 409, "PROJECT_CHANGED")
	if got := w.must(w.ta.do("GET", path, "", nil), 200, "project"); got.str("plan") != "每日送餐" || num(got.Body["version"]) != v+1 {
		t.Fatalf("the stale update was written: %s", got.Raw)
	}
	if r := w.must(w.ta.do("POST", path+"/progress", w.tok[staffA], map[string]any{"plan": "改为隔日送餐"}), 200, "update without a version"); r.str("plan") != "改为隔日送餐" || num(r.Body["version"]) != v+2 {
		t.Fatalf("update without a version: %s", r.Raw)
	}
}
