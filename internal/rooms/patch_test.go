package rooms_test

import (
	"testing"

	"gongjian/internal/rooms"
)

// Every field of a RoomPatch patches the Room field of its name, and only
// the fields set change.
func TestApplyPatchSetsOnlyTheFieldsGiven(t *testing.T) {
	name, active := "二楼活动室", false
	r := rooms.Room{Name: "活动室", Kind: "meeting", Active: true, Capacity: 20}
	rooms.ApplyPatch(&r, rooms.RoomPatch{Name: &name, Active: &active})
	if r.Name != name || r.Active || r.Kind != "meeting" || r.Capacity != 20 {
		t.Fatalf("patched room = %+v", r)
	}
}
