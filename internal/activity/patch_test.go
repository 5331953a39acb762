package activity_test

import (
	"testing"

	"gongjian/internal/activity"
	"gongjian/internal/patch"
)

// Every field of an ActivityPatch patches the Activity field of its name
// (patch.Apply panics otherwise), and only the fields set change.
func TestActivityPatchFitsActivity(t *testing.T) {
	title, limit := "新标题", 0
	a := activity.Activity{Title: "旧标题", Category: "环保", PerAccountLimit: 2}
	patch.Apply(&a, activity.ActivityPatch{Title: &title, PerAccountLimit: &limit})
	if a.Title != title || a.PerAccountLimit != 0 || a.Category != "环保" {
		t.Fatalf("patched activity = %+v", a)
	}
}
