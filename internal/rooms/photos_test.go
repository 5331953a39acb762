package rooms_test

import (
	"testing"

	"gongjian/internal/imageurl"
	"gongjian/internal/rooms"
)

// TestRoomPhotosFollowTheImageRule: a room's photos are https addresses on
// the configured image hosts (or the editor's uploads), like every other
// image address people give; any other address is refused when a room is
// added or changed, and photos kept from before stay.
func TestRoomPhotosFollowTheImageRule(t *testing.T) {
	e := newEnv(t)
	e.svc.UseImages(imageurl.New([]string{"img.example.com"}, nil))
	good := "https://img.example.com/room.jpg"
	for _, tc := range []struct {
		photo string
		code  string
	}{
		{good, ""},
		{"http://img.example.com/room.jpg", "INVALID_PHOTO_URL"},
		{"https://evil.example.net/room.jpg", "INVALID_PHOTO_URL"},
		{"javascript:alert(1)", "INVALID_PHOTO_URL"},
	} {
		r, err := e.svc.CreateRoom(e.ctx, e.admin, rooms.Room{CommunityID: e.community, Name: "活动室", Kind: rooms.KindActivity, Capacity: 10,
			Photos: []string{tc.photo}})
		if tc.code == "" {
			if err != nil || len(r.Photos) != 1 {
				t.Fatalf("%s: %v", tc.photo, err)
			}
			continue
		}
		wantCode(t, err, tc.code)
	}
	r := e.room(rooms.Rules{})
	bad := []string{"http://tracker.example.net/p.gif"}
	_, err := e.svc.UpdateRoom(e.ctx, e.admin, r.ID, rooms.RoomPatch{Photos: &bad})
	wantCode(t, err, "INVALID_PHOTO_URL")
	ok := []string{good}
	if _, err := e.svc.UpdateRoom(e.ctx, e.admin, r.ID, rooms.RoomPatch{Photos: &ok}); err != nil {
		t.Fatal(err)
	}
	// Another editor changes the place: the photos kept are not checked again.
	e.svc.UseImages(nil)
	place := "二楼"
	if _, err := e.svc.UpdateRoom(e.ctx, e.admin, r.ID, rooms.RoomPatch{Place: &place}); err != nil {
		t.Fatalf("kept photos: %v", err)
	}
}
