package main

import (
	"fmt"
	"time"

	"gongjian/internal/cst"
)

// roomsFixture is what the rooms rows share: a room of community A (its
// staff own it), a room of the co-building unit (the organisation persona
// owns it; bookings need approval), a room for series, the owner's
// booking, and a team of community A led by the owner.
type roomsFixture struct {
	room, unitRoom, seriesRoom int64
	booking                    int64 // the owner's booking of room
	pending                    int64 // the owner's pending booking of unitRoom
	closure                    int64
	team                       int64
	slot                       int // next free slot index in room
}

func (w *authzWorld) roomsWorld() *roomsFixture {
	w.t.Helper()
	if w.rooms != nil {
		return w.rooms
	}
	f := &roomsFixture{}
	w.rooms = f
	rules := map[string]any{"slot_minutes": 30, "ahead_days": 90}
	mk := func(body map[string]any) int64 {
		body["kind"], body["capacity"], body["rules"] = "activity_room", 30, rules
		return num(w.must(w.ta.do("POST", "/api/v1/admin/rooms", w.tok[admin], body), 201, "room").Body["id"])
	}
	f.room = mk(map[string]any{"community_id": w.commA, "name": "阳光社区活动室"})
	f.seriesRoom = mk(map[string]any{"community_id": w.commA, "name": "阳光社区舞蹈室"})
	rules = map[string]any{"slot_minutes": 30, "ahead_days": 90, "needs_approval": true}
	f.unitRoom = mk(map[string]any{"community_id": w.commA, "org_id": w.org, "name": "卫生服务中心会议室"})
	f.booking = w.bookRoom(w.tok[owner], f.room)
	f.pending = w.bookRoom(w.tok[owner], f.unitRoom)
	from := time.Now().AddDate(0, 0, 80)
	f.closure = num(w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/rooms/%d/closures", f.seriesRoom), w.tok[admin],
		map[string]any{"starts_at": from, "ends_at": from.Add(time.Hour), "reason": "设备检修"}), 201, "closure").Body["closure"].(map[string]any)["id"])
	f.team = num(w.must(w.ta.do("POST", "/api/v1/teams", w.tok[admin], map[string]any{"community_id": w.commA, "name": "阳光腰鼓队",
		"kind": "drum", "leader_id": w.id[owner]}), 201, "team").Body["id"])
	return f
}

// nextSlot is a fresh half hour of room: day by day, 08:00–18:00.
func (w *authzWorld) nextSlot() (time.Time, time.Time) {
	f := w.rooms
	n := f.slot
	f.slot++
	l := time.Now().In(cst.Zone).AddDate(0, 0, 1+n/20)
	start := time.Date(l.Year(), l.Month(), l.Day(), 8, 0, 0, 0, cst.Zone).Add(time.Duration(n%20) * 30 * time.Minute)
	return start, start.Add(30 * time.Minute)
}

func (w *authzWorld) bookingBody() map[string]any {
	from, to := w.nextSlot()
	return map[string]any{"starts_at": from, "ends_at": to, "purpose": "读书会", "attendance": 8}
}

// bookRoom books a fresh slot of a room (slots are counted across rooms).
func (w *authzWorld) bookRoom(tok string, room int64) int64 {
	w.t.Helper()
	return num(w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", room), tok, w.bookingBody()), 201, "booking").Body["id"])
}

// checkinTicket books, in a fresh room open all day with 15-minute slots,
// the next quarter hour for the owner and returns its ticket.
func (w *authzWorld) checkinTicket() string {
	w.t.Helper()
	hours := []map[string]any{}
	for d := 1; d <= 7; d++ {
		hours = append(hours, map[string]any{"weekday": d, "opens": "00:00", "closes": "24:00"})
	}
	room := num(w.must(w.ta.do("POST", "/api/v1/admin/rooms", w.tok[admin], map[string]any{"community_id": w.commA, "name": w.name("自习室"),
		"kind": "reading_room", "capacity": 10, "hours": hours, "rules": map[string]any{"slot_minutes": 15}}), 201, "room").Body["id"])
	start := time.Now().Truncate(15 * time.Minute).Add(15 * time.Minute)
	b := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", room), w.tok[owner], map[string]any{"starts_at": start,
		"ends_at": start.Add(15 * time.Minute), "purpose": "自习", "attendance": 1}), 201, "booking")
	return w.must(w.ta.do("GET", fmt.Sprintf("/api/v1/bookings/%d/ticket", num(b.Body["id"])), w.tok[owner], nil), 200, "ticket").str("ticket")
}

// requester has a fresh resident of community A ask to join the team.
func (w *authzWorld) requester() int64 {
	w.t.Helper()
	tok, id := w.user("dancer")
	w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/join", w.rooms.team), tok, nil), 200, "join")
	return id
}

func (w *authzWorld) roomsRows() []authzRow {
	ok, created := 200, 201
	pub := st(ok, ok, ok, ok, ok, ok, ok)
	loggedIn := st(401, ok, ok, ok, ok, ok, ok)
	roomOwners := st(401, 403, 403, 403, ok, 403, ok)
	f := func() *roomsFixture { return w.roomsWorld() }
	roomPath := func(suffix string) func(int) authzCall {
		return func(int) authzCall { return p2("/api/v1/rooms/%d%s", f().room, suffix) }
	}
	// A call that changes a booking: a fresh booking of the owner when the
	// persona may, the owner's own (left untouched) otherwise.
	ownBooking := func(suffix string, body any) func(int) authzCall {
		return func(int) authzCall {
			id := f().booking
			if w.allowed {
				id = w.bookRoom(w.tok[owner], f().room)
			}
			return authzCall{path: fmt.Sprintf("/api/v1/bookings/%d%s", id, suffix), body: body}
		}
	}
	decide := func(verb string) func(int) authzCall {
		return func(int) authzCall {
			id := f().pending
			if w.allowed {
				id = w.bookRoom(w.tok[owner], f().unitRoom)
			}
			return p2("/api/v1/admin/bookings/%d/%s", id, verb)
		}
	}
	team := func(suffix string) func(int) authzCall {
		return func(int) authzCall { return p2("/api/v1/teams/%d%s", f().team, suffix) }
	}
	member := func(verb string) func(int) authzCall {
		return func(int) authzCall {
			return p2("/api/v1/teams/%d/members/%d%s", f().team, w.requester(), verb)
		}
	}
	return []authzRow{
		{"GET /api/v1/rooms", pub, func(int) authzCall { f(); return p2("/api/v1/rooms?community_id=%d", w.commA) }},
		{"GET /api/v1/rooms/free", pub, func(int) authzCall {
			from, to := w.nextSlot()
			return p2("/api/v1/rooms/free?starts_at=%s&ends_at=%s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
		}},
		// A room by id as the directory lists it: community A's room open
		// to residents is not shown to community B's staff.
		{"GET /api/v1/rooms/{id}", st(ok, ok, ok, 404, ok, ok, ok), roomPath("")},
		{"GET /api/v1/rooms/{id}/availability", st(ok, ok, ok, 404, ok, ok, ok), roomPath("/availability")},
		// The calendar follows the room's page (a login needed).
		{"GET /api/v1/rooms/{id}/calendar", st(401, ok, ok, 404, ok, ok, ok), roomPath("/calendar")},
		// Residents of community A book; staff of another community and a
		// unit's staff living nowhere are not residents of A.
		{"POST /api/v1/rooms/{id}/bookings", st(401, created, created, 403, created, 403, created), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/rooms/%d/bookings", f().room), body: w.bookingBody()}
		}},
		// Series are for teams, units and staff.
		{"POST /api/v1/rooms/{id}/series", st(401, 403, 403, 403, created, 403, created), func(int) authzCall {
			b := w.bookingBody()
			b["until"] = b["starts_at"].(time.Time).AddDate(0, 0, 14).In(cst.Zone).Format("2006-01-02")
			return authzCall{path: fmt.Sprintf("/api/v1/rooms/%d/series", f().seriesRoom), body: b}
		}},
		{"GET /api/v1/me/bookings", loggedIn, func(int) authzCall { return p2("/api/v1/me/bookings") }},
		{"GET /api/v1/bookings/{id}", st(401, ok, 404, 404, ok, 404, ok), func(int) authzCall { return p2("/api/v1/bookings/%d", f().booking) }},
		{"POST /api/v1/bookings/{id}/cancel", st(401, ok, 404, 404, ok, 404, ok), ownBooking("/cancel", map[string]string{"reason": "临时有事"})},
		{"GET /api/v1/bookings/{id}/ticket", st(401, ok, 404, 404, 404, 404, 404), func(int) authzCall { return p2("/api/v1/bookings/%d/ticket", f().booking) }},

		{"POST /api/v1/admin/rooms", st(401, 403, 403, 403, created, 403, created), func(int) authzCall {
			return authzCall{path: "/api/v1/admin/rooms", body: map[string]any{"community_id": w.commA, "name": w.name("棋牌室"), "kind": "chess_room", "capacity": 12}}
		}},
		// Unit contacts read the report of their units' rooms.
		{"GET /api/v1/admin/rooms/report", stu(st(401, 403, 403, ok, ok, ok, ok), ok, ok), func(int) authzCall { f(); return p2("/api/v1/admin/rooms/report?format=xlsx") }},
		{"GET /api/v1/admin/rooms", loggedIn, func(int) authzCall { return p2("/api/v1/admin/rooms") }},
		{"PATCH /api/v1/admin/rooms/{id}", roomOwners, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/rooms/%d", f().room), body: map[string]any{"place": "社区服务中心二楼"}}
		}},
		{"POST /api/v1/admin/rooms/{id}/closures", st(401, 403, 403, 403, created, 403, created), func(int) authzCall {
			from := time.Now().AddDate(0, 0, 85).Add(time.Duration(w.seq.Add(1)) * time.Hour)
			return authzCall{path: fmt.Sprintf("/api/v1/admin/rooms/%d/closures", f().room), body: map[string]any{"starts_at": from, "ends_at": from.Add(time.Hour), "reason": "消防检查"}}
		}},
		{"DELETE /api/v1/admin/rooms/{id}/closures/{closure_id}", st(401, 403, 403, 403, 204, 403, 204), func(int) authzCall {
			id := f().closure
			if w.allowed {
				from := time.Now().AddDate(0, 0, 70).Add(time.Duration(w.seq.Add(1)) * time.Hour)
				r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/rooms/%d/closures", f().seriesRoom), w.tok[admin],
					map[string]any{"starts_at": from, "ends_at": from.Add(time.Hour), "reason": "节假日"}), 201, "closure")
				id = num(r.Body["closure"].(map[string]any)["id"])
			}
			return p2("/api/v1/admin/rooms/%d/closures/%d", f().seriesRoom, id)
		}},
		{"GET /api/v1/admin/bookings", loggedIn, func(int) authzCall { f(); return p2("/api/v1/admin/bookings") }},
		// The unit's room: its staff and admins decide; community A's staff
		// run its desk but may not decide.
		{"POST /api/v1/admin/bookings/{id}/approve", st(401, 404, 404, 404, 403, ok, ok), decide("approve")},
		{"POST /api/v1/admin/bookings/{id}/reject", st(401, 404, 404, 404, 403, ok, ok), decide("reject")},
		{"POST /api/v1/admin/bookings/checkins", st(401, 403, 403, 403, ok, 403, ok), func(int) authzCall {
			f()
			return authzCall{path: "/api/v1/admin/bookings/checkins", body: map[string]string{"ticket": w.checkinTicket()}}
		}},

		{"POST /api/v1/teams", st(401, 403, 403, 403, created, 403, created), func(int) authzCall {
			_, leader := w.user("leader")
			return authzCall{path: "/api/v1/teams", body: map[string]any{"community_id": w.commA, "name": w.name("合唱团"), "kind": "choir", "leader_id": leader}}
		}},
		{"GET /api/v1/teams", loggedIn, func(int) authzCall { f(); return p2("/api/v1/teams?community_id=%d", w.commA) }},
		{"GET /api/v1/me/teams", loggedIn, func(int) authzCall { return p2("/api/v1/me/teams") }},
		{"GET /api/v1/teams/{id}", loggedIn, team("")},
		// Residents of the team's community (the staff personas live nowhere).
		{"POST /api/v1/teams/{id}/join", st(401, ok, ok, 403, 403, 403, 403), team("/join")},
		// The leader (the owner), community A's staff and admins manage members.
		{"POST /api/v1/teams/{id}/members", st(401, ok, 403, 403, ok, 403, ok), func(int) authzCall {
			_, id := w.user("invitee")
			return authzCall{path: fmt.Sprintf("/api/v1/teams/%d/members", f().team), body: map[string]int64{"user_id": id}}
		}},
		{"POST /api/v1/teams/{id}/members/{user_id}/approve", st(401, ok, 403, 403, ok, 403, ok), member("/approve")},
		{"POST /api/v1/teams/{id}/members/{user_id}/reject", st(401, ok, 403, 403, ok, 403, ok), member("/reject")},
		{"DELETE /api/v1/teams/{id}/members/{user_id}", st(401, 204, 403, 403, 204, 403, 204), member("")},
		// A team of its own each call, led by the owner, handed to a member.
		{"POST /api/v1/teams/{id}/leader", st(401, ok, 403, 403, ok, 403, ok), func(int) authzCall {
			id := num(w.must(w.ta.do("POST", "/api/v1/teams", w.tok[admin], map[string]any{"community_id": w.commA, "name": w.name("秧歌队"),
				"kind": "dance", "leader_id": w.id[owner]}), 201, "team").Body["id"])
			tok, next := w.user("next-leader")
			w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/join", id), tok, nil), 200, "join")
			w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/teams/%d/members/%d/approve", id, next), w.tok[owner], nil), 200, "approve")
			return authzCall{path: fmt.Sprintf("/api/v1/teams/%d/leader", id), body: map[string]int64{"user_id": next}}
		}},
		{"GET /api/v1/teams/{id}/bookings", st(401, ok, 403, 403, ok, 403, ok), team("/bookings")},
		// Only the leader drafts the team's activities.
		{"POST /api/v1/teams/{id}/activities", st(401, created, 403, 403, 403, 403, 403), func(int) authzCall {
			s := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			return authzCall{path: fmt.Sprintf("/api/v1/teams/%d/activities", f().team), body: map[string]any{
				"title": "腰鼓队汇报演出", "category": "performance", "description": "社区广场演出", "place": ckPlace,
				"signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": s.Add(-10 * time.Minute),
				"sessions": []map[string]any{{"starts_at": s, "ends_at": s.Add(2 * time.Hour), "capacity": 30}}}}
		}},
	}
}
