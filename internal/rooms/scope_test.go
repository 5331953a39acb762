package rooms_test

import (
	"testing"

	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

// roomIn creates a room of the community with the audience given.
func (e *env) roomIn(community int64, name string, audience ...string) rooms.Room {
	e.t.Helper()
	r, err := e.svc.CreateRoom(e.ctx, e.admin, rooms.Room{CommunityID: community, Name: name, Kind: rooms.KindActivity, Capacity: 40,
		Rules: rooms.Rules{Audience: audience}})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// TestUnitBooksOnlyInItsCommunities: a unit contact books, for the unit,
// rooms open to units in the communities the unit is tied to (and the
// unit's own rooms); another community's room open to units is refused
// 403 BOOKING_NOT_ALLOWED.
func TestUnitBooksOnlyInItsCommunities(t *testing.T) {
	e := newEnv(t)
	home := e.roomIn(e.community, "本社区活动室", rooms.AudienceUnits)
	away := e.roomIn(e.other, "外社区活动室", rooms.AudienceUnits)
	d := e.day(2)
	for _, tc := range []struct {
		name string
		room int64
		code string
	}{
		{"the unit's community", home.ID, ""},
		{"a community the unit is not tied to", away.ID, "BOOKING_NOT_ALLOWED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := e.svc.Book(e.ctx, e.contact(), rooms.BookInput{RoomID: tc.room, StartsAt: at(d, "10:00"), EndsAt: at(d, "11:00"),
				Purpose: "单位会议", Attendance: 10, OrgID: e.unit})
			wantStatusOrCode(t, b.Status, err, rooms.StatusConfirmed, tc.code)
		})
	}
}

// TestFreeRoomsListsWhatTheCallerMayBook: the free-room search lists the
// rooms its caller may book: residents their community's rooms open to
// residents, a unit's contact rooms open to units in the unit's
// communities, staff every room of their community, visitors without a
// token the rooms open to residents.
func TestFreeRoomsListsWhatTheCallerMayBook(t *testing.T) {
	listsWhatTheCallerMayBook(t, func(e *env, viewer *resident.User) ([]rooms.Room, error) {
		d := e.day(2)
		return e.svc.FreeRooms(e.ctx, rooms.FreeQuery{Viewer: viewer, StartsAt: at(d, "10:00"), EndsAt: at(d, "11:00")})
	})
}

// TestDirectoryListsWhatTheCallerMayBook: the room directory follows the
// free-room search's rule: a staff-only room is listed to staff only, a
// room open to units to the units of its community, another community's
// rooms not to a resident.
func TestDirectoryListsWhatTheCallerMayBook(t *testing.T) {
	listsWhatTheCallerMayBook(t, func(e *env, viewer *resident.User) ([]rooms.Room, error) {
		return e.svc.Directory(e.ctx, viewer, rooms.RoomFilter{})
	})
}

// listsWhatTheCallerMayBook checks that list shows each caller the rooms
// they may book, and no other.
func listsWhatTheCallerMayBook(t *testing.T, list func(e *env, viewer *resident.User) ([]rooms.Room, error)) {
	e := newEnv(t)
	open := e.roomIn(e.community, "居民活动室", rooms.AudienceResidents)
	staffOnly := e.roomIn(e.community, "工作人员会议室", rooms.AudienceStaff)
	units := e.roomIn(e.community, "单位会议室", rooms.AudienceUnits)
	otherOpen := e.roomIn(e.other, "外社区居民活动室", rooms.AudienceResidents)
	otherUnits := e.roomIn(e.other, "外社区单位会议室", rooms.AudienceUnits)
	all := []rooms.Room{open, staffOnly, units, otherOpen, otherUnits}
	names := map[int64]string{}
	for _, r := range all {
		names[r.ID] = r.Name
	}
	otherResident := resident.User{ID: 1000 + userSeq.Add(1), CommunityID: e.other}
	for _, tc := range []struct {
		name   string
		viewer *resident.User
		want   []rooms.Room
	}{
		{"a resident of the community", ptr(e.resident()), []rooms.Room{open}},
		{"a resident of the other community", &otherResident, []rooms.Room{otherOpen}},
		{"a unit contact", ptr(e.contact()), []rooms.Room{units}},
		{"the community's staff", ptr(e.staff()), []rooms.Room{open, staffOnly, units}},
		{"an administrator", &e.admin, all},
		{"no token", nil, []rooms.Room{open, otherOpen}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listed, err := list(e, tc.viewer)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]bool{}
			for _, r := range listed {
				if names[r.ID] != "" {
					got[r.ID] = true
				}
			}
			want := map[int64]bool{}
			for _, r := range tc.want {
				want[r.ID] = true
			}
			for id := range names {
				if got[id] != want[id] {
					t.Errorf("%s: listed %v, want %v", names[id], got[id], want[id])
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
