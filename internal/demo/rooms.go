package demo

import (
	"context"
	"fmt"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

// People is what the demo needs to create residents.
type People interface {
	EnsureUser(ctx context.Context, openID string) (resident.User, error)
	UpdateProfile(ctx context.Context, id int64, p resident.ProfilePatch) error
}

// RoomsAt returns the rooms service with the given clock (the demo books
// the past on a service whose clock is behind).
type RoomsAt func(now func() time.Time) *rooms.Service

type demoRoom struct {
	community int // index into the seeded communities
	unit      string
	name      string
	kind      string
	place     string
	capacity  int
	fac       []string
	rules     rooms.Rules
}

var demoRooms = []demoRoom{
	{0, "", "阳光社区图书室", rooms.KindLibrary, "阳光社区服务中心一楼", 20, []string{"图书三千册", "空调"}, rooms.Rules{SlotMinutes: 60, MaxMinutes: 180}},
	{0, "", "阳光社区阅览室", rooms.KindReadingRoom, "阳光社区服务中心一楼", 16, []string{"台灯", "无线网络"}, rooms.Rules{SlotMinutes: 60, MaxMinutes: 240}},
	{0, "", "阳光社区棋牌室", rooms.KindChessRoom, "阳光社区服务中心二楼", 24, []string{"象棋", "围棋", "麻将桌"}, rooms.Rules{SlotMinutes: 60, MaxMinutes: 180, WeeklyHours: 6}},
	{0, "", "阳光社区舞蹈室", rooms.KindDanceRoom, "阳光社区服务中心三楼", 30, []string{"镜墙", "音响", "把杆"}, rooms.Rules{SlotMinutes: 30, MaxMinutes: 180, WeeklyHours: 8}},
	{0, "", "阳光社区多功能活动室", rooms.KindActivity, "阳光社区服务中心三楼", 60, []string{"投影仪", "话筒"}, rooms.Rules{SlotMinutes: 30, MaxMinutes: 240}},
	{1, "", "和平社区健身房", rooms.KindGym, "和平社区综合楼一楼", 15, []string{"跑步机", "哑铃"}, rooms.Rules{SlotMinutes: 60, MaxMinutes: 120, WeeklyHours: 5}},
	{1, "", "和平社区活动室", rooms.KindActivity, "和平社区综合楼二楼", 40, []string{"钢琴", "音响"}, rooms.Rules{SlotMinutes: 60, MaxMinutes: 180}},
	{0, "区青少年宫", "区青少年宫排练厅", rooms.KindDanceRoom, "区青少年宫二楼（工作日18:00后开放）", 50, []string{"舞台", "音响", "钢琴"},
		rooms.Rules{SlotMinutes: 60, MaxMinutes: 180, NeedsApproval: true, Audience: []string{rooms.AudienceTeams, rooms.AudienceUnits, rooms.AudienceResidents}}},
}

var demoPeople = []struct{ key, name string }{
	{"zhou", "周桂兰"}, {"chen", "陈建华"}, {"zhang", "张玉梅"}, {"li", "李秀珍"}, {"wang", "王建国"}, {"liu", "刘淑芬"},
}

// Rooms seeds the rooms of two communities and one co-building unit, three
// cultural teams with members, and bookings in every state (a team's
// weekly series, confirmed, pending, rejected, cancelled, a desk booking,
// and in the past a checked-in one, a no-show and an expired one).
func Rooms(at RoomsAt, people People, orgs ActivityService, now func() time.Time) Step {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, communities []resident.Community) error {
		if len(communities) < 2 {
			return nil
		}
		svc := at(now)
		if have, err := svc.Rooms(ctx, rooms.RoomFilter{CommunityID: communities[0].ID, WithClosed: true}); err != nil || len(have) > 0 {
			return err
		}
		os, err := orgs.Organizations(ctx)
		if err != nil {
			return err
		}
		unit := map[string]int64{}
		for _, o := range os {
			unit[o.Name] = o.ID
		}
		byName := map[string]rooms.Room{}
		for _, d := range demoRooms {
			r := rooms.Room{CommunityID: communities[d.community].ID, OrgID: unit[d.unit], Name: d.name, Kind: d.kind, Place: d.place,
				Capacity: d.capacity, Facilities: d.fac, Rules: d.rules}
			if d.unit != "" {
				if r.OrgID == 0 {
					continue
				}
				r.Hours = eveningsAndWeekends()
			}
			if r, err = svc.CreateRoom(ctx, seedAdmin, r); err != nil {
				return err
			}
			byName[d.name] = r
		}
		users := map[string]resident.User{}
		for i, p := range demoPeople {
			u, err := people.EnsureUser(ctx, "demo-rooms-"+p.key)
			if err != nil {
				return err
			}
			c := communities[0].ID
			if i == 1 {
				c = communities[1].ID
			}
			name := p.name
			if err := people.UpdateProfile(ctx, u.ID, resident.ProfilePatch{RealName: &name, Nickname: &name, CommunityID: &c}); err != nil {
				return err
			}
			u.RealName, u.CommunityID = name, c
			users[p.key] = u
		}
		return seedBookings(ctx, at, now, communities, byName, users)
	}
}

func eveningsAndWeekends() []rooms.DayHours {
	var hs []rooms.DayHours
	for d := 1; d <= 5; d++ {
		hs = append(hs, rooms.DayHours{Weekday: d, Opens: "18:00", Closes: "21:00"})
	}
	return append(hs, rooms.DayHours{Weekday: 6, Opens: "09:00", Closes: "21:00"}, rooms.DayHours{Weekday: 7, Opens: "09:00", Closes: "21:00"})
}

func seedBookings(ctx context.Context, at RoomsAt, now func() time.Time, cs []resident.Community, rs map[string]rooms.Room, us map[string]resident.User) error {
	svc := at(now)
	day := func(n int, hh int) time.Time {
		l := now().In(cst.Zone).AddDate(0, 0, n)
		return time.Date(l.Year(), l.Month(), l.Day(), hh, 0, 0, 0, cst.Zone)
	}
	var teams []rooms.Team
	for _, t := range []struct {
		community int
		name      string
		kind      string
		leader    string
		members   []string
	}{
		{0, "阳光舞蹈队", "dance", "zhou", []string{"zhang", "li", "liu"}},
		{1, "和平合唱团", "choir", "chen", nil},
		{0, "阳光书画社", "calligraphy", "wang", []string{"zhang"}},
	} {
		tm, err := svc.CreateTeam(ctx, seedAdmin, rooms.Team{CommunityID: cs[t.community].ID, Name: t.name, Kind: t.kind, LeaderID: us[t.leader].ID,
			Description: t.name + "，欢迎社区居民加入"})
		if err != nil {
			return err
		}
		for _, m := range t.members {
			if _, err := svc.Join(ctx, us[m], tm.ID); err != nil {
				return err
			}
			if _, err := svc.DecideMember(ctx, us[t.leader], tm.ID, us[m].ID, true); err != nil {
				return err
			}
		}
		teams = append(teams, tm)
	}
	book := func(s *rooms.Service, u resident.User, room string, from, to time.Time, purpose string, att int, f func(*rooms.BookInput)) (rooms.Booking, error) {
		in := rooms.BookInput{RoomID: rs[room].ID, StartsAt: from, EndsAt: to, Purpose: purpose, Attendance: att}
		if f != nil {
			f(&in)
		}
		return s.Book(ctx, u, in)
	}
	// The dance team's Tuesday evenings for eight weeks.
	first := day(1, 19)
	for first.Weekday() != time.Tuesday {
		first = first.AddDate(0, 0, 1)
	}
	if _, err := svc.BookSeries(ctx, us["zhou"], rooms.SeriesInput{BookInput: rooms.BookInput{RoomID: rs["阳光社区舞蹈室"].ID, StartsAt: first,
		EndsAt: first.Add(2 * time.Hour), Purpose: "舞蹈队每周排练", Attendance: 20, TeamID: teams[0].ID}, Until: first.AddDate(0, 0, 49)}); err != nil {
		return fmt.Errorf("demo series: %w", err)
	}
	steps := []func() error{
		func() error {
			_, err := book(svc, us["zhang"], "阳光社区棋牌室", day(1, 14), day(1, 16), "象棋友谊赛", 8, nil)
			return err
		},
		func() error { // waiting for the unit's approval
			_, err := book(svc, us["li"], "区青少年宫排练厅", day(6, 19), day(6, 21), "社区少儿合唱排练", 25, nil)
			return err
		},
		func() error {
			b, err := book(svc, us["wang"], "区青少年宫排练厅", day(7, 18), day(7, 20), "书画作品展布展", 10, func(in *rooms.BookInput) { in.TeamID = teams[2].ID })
			if err != nil {
				return err
			}
			_, err = svc.Decide(ctx, seedAdmin, b.ID, false, "当天排练厅有校内演出")
			return err
		},
		func() error {
			b, err := book(svc, us["zhang"], "阳光社区阅览室", day(2, 9), day(2, 11), "读书会", 10, nil)
			if err != nil {
				return err
			}
			_, err = svc.Cancel(ctx, us["zhang"], b.ID, "临时有事")
			return err
		},
		func() error { // at the desk for a resident without a smartphone
			_, err := book(svc, seedAdmin, "阳光社区棋牌室", day(1, 9), day(1, 11), "老年象棋", 4, func(in *rooms.BookInput) {
				in.OnBehalf = &rooms.Guest{Name: "赵德明", Phone: "13800001234", Reason: "老人到前台预约，没有智能手机"}
			})
			return err
		},
		func() error { // the past: two days ago the clock stood here
			past := at(func() time.Time { return now().Add(-48 * time.Hour) })
			in, err := book(past, us["liu"], "阳光社区阅览室", day(-1, 10), day(-1, 11), "自习", 1, nil)
			if err != nil {
				return err
			}
			tk, err := past.Ticket(ctx, us["liu"], in.ID)
			if err != nil {
				return err
			}
			if _, err := at(func() time.Time { return day(-1, 10).Add(5 * time.Minute) }).CheckIn(ctx, seedAdmin, tk.Ticket); err != nil {
				return err
			}
			if _, err := book(past, us["li"], "阳光社区图书室", day(-1, 14), day(-1, 15), "绘本阅读", 6, nil); err != nil {
				return err
			}
			if _, err := book(past, us["zhang"], "区青少年宫排练厅", day(-1, 19), day(-1, 20), "排练", 12, nil); err != nil {
				return err
			}
			_, err = svc.Release(ctx) // the no-show and the undecided one
			return err
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("demo bookings: %w", err)
		}
	}
	return nil
}
