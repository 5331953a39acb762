package rooms

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cst"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// RoomUse is one room's use in a month.
type RoomUse struct {
	Room          Room
	OpenMinutes   int
	BookedMinutes int // confirmed, checked-in and no-show bookings
	UsedMinutes   int // checked-in bookings
	Bookings      int
	CheckedIn     int
	NoShows       int
}

// NoShowRate is the share of the bookings that ended (checked in or not)
// that were no-shows.
func (u RoomUse) NoShowRate() float64 {
	if u.CheckedIn+u.NoShows == 0 {
		return 0
	}
	return float64(u.NoShows) / float64(u.CheckedIn+u.NoShows)
}

// Utilisation is the booked share of the opening time.
func (u RoomUse) Utilisation() float64 {
	if u.OpenMinutes == 0 {
		return 0
	}
	return float64(u.BookedMinutes) / float64(u.OpenMinutes)
}

// Booker is one of the month's top bookers.
type Booker struct {
	Name     string // team, unit, or the resident's masked name
	Kind     string // For*
	Minutes  int
	Bookings int
}

// Report is the monthly use of the rooms a user runs the desk of, per
// room, per community and its top bookers.
type Report struct {
	Month       time.Time // the first day, CST
	Rooms       []RoomUse
	Communities []RoomUse // Room holds only CommunityID
	TopBookers  []Booker
}

// Report builds the monthly utilisation report of the rooms u runs the
// desk of (of one community when communityID is not 0).
func (s *Service) Report(ctx context.Context, u resident.User, month time.Time, communityID int64) (Report, error) {
	l := month.In(cst.Zone)
	from := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, cst.Zone)
	to := from.AddDate(0, 1, 0)
	rs, err := s.Managed(ctx, u, communityID)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Month: from, Rooms: []RoomUse{}, Communities: []RoomUse{}, TopBookers: []Booker{}}
	if len(rs) == 0 {
		return rep, nil
	}
	ids := make([]int64, 0, len(rs))
	use := map[int64]*RoomUse{}
	for _, r := range rs {
		ids = append(ids, r.ID)
		use[r.ID] = &RoomUse{Room: r, OpenMinutes: r.openMinutes(from, to)}
	}
	bs, err := s.store.Bookings(ctx, BookingFilter{RoomIDs: ids, Statuses: []string{StatusConfirmed, StatusCheckedIn, StatusNoShow}, From: from, To: to, Limit: 100000})
	if err != nil {
		return Report{}, err
	}
	top := map[string]*Booker{}
	for _, b := range bs {
		x := use[b.RoomID]
		m := b.Minutes()
		x.Bookings++
		x.BookedMinutes += m
		switch b.Status {
		case StatusCheckedIn:
			x.CheckedIn++
			x.UsedMinutes += m
		case StatusNoShow:
			x.NoShows++
		}
		name, key := bookerName(b)
		if top[key] == nil {
			top[key] = &Booker{Name: name, Kind: b.For}
		}
		top[key].Minutes += m
		top[key].Bookings++
	}
	byCommunity := map[int64]*RoomUse{}
	for _, r := range rs {
		x := use[r.ID]
		rep.Rooms = append(rep.Rooms, *x)
		c := byCommunity[r.CommunityID]
		if c == nil {
			c = &RoomUse{Room: Room{CommunityID: r.CommunityID}}
			byCommunity[r.CommunityID] = c
		}
		c.OpenMinutes += x.OpenMinutes
		c.BookedMinutes += x.BookedMinutes
		c.UsedMinutes += x.UsedMinutes
		c.Bookings += x.Bookings
		c.CheckedIn += x.CheckedIn
		c.NoShows += x.NoShows
	}
	for _, c := range byCommunity {
		rep.Communities = append(rep.Communities, *c)
	}
	sort.Slice(rep.Communities, func(i, j int) bool { return rep.Communities[i].Room.CommunityID < rep.Communities[j].Room.CommunityID })
	for _, b := range top {
		rep.TopBookers = append(rep.TopBookers, *b)
	}
	sort.Slice(rep.TopBookers, func(i, j int) bool {
		a, b := rep.TopBookers[i], rep.TopBookers[j]
		return a.Minutes > b.Minutes || a.Minutes == b.Minutes && a.Name < b.Name
	})
	if len(rep.TopBookers) > 10 {
		rep.TopBookers = rep.TopBookers[:10]
	}
	return rep, nil
}

// bookerName names who a booking was for, for reports (people masked).
func bookerName(b Booking) (string, string) {
	switch b.For {
	case ForTeam:
		return b.TeamName, fmt.Sprintf("team:%d", b.TeamID)
	case ForUnit:
		return b.OrgName, fmt.Sprintf("unit:%d", b.OrgID)
	case ForDesk:
		return pii.MaskName(b.GuestName) + "（前台代约）", b.BookerKey
	case ForStaff:
		return "社区自用", "staff"
	}
	return pii.MaskName(b.BookerName), b.BookerKey
}

// openMinutes is the room's opening time in [from, to).
func (r Room) openMinutes(from, to time.Time) int {
	n := 0
	for d := dayStart(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if o, c, ok := r.dayWindow(d); ok {
			n += int(c.Sub(o) / time.Minute)
		}
	}
	return n
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

func hrs(m int) float64 { return float64(m*100/60) / 100 }

// ReportXLSX renders the report: a sheet per room, per community and the
// top bookers. names maps community ids to names.
func ReportXLSX(rep Report, names map[int64]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	var err error
	put := func(sheet string, row int, values ...any) {
		if err != nil {
			return
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		err = f.SetSheetRow(sheet, cell, &values)
	}
	month := rep.Month.Format("2006年1月")
	const rooms, comms, top = "场地", "社区", "预约最多"
	if err = f.SetSheetName("Sheet1", rooms); err != nil {
		return nil, err
	}
	for _, s := range []string{comms, top} {
		if _, err = f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	head := []any{"开放小时", "预约小时", "使用小时", "利用率", "预约次数", "签到次数", "爽约次数", "爽约率"}
	put(rooms, 1, month+"场地使用情况")
	put(rooms, 2, append([]any{"场地", "类型", "社区"}, head...)...)
	for i, u := range rep.Rooms {
		put(rooms, i+3, u.Room.Name, Kinds[u.Room.Kind], names[u.Room.CommunityID], hrs(u.OpenMinutes), hrs(u.BookedMinutes), hrs(u.UsedMinutes),
			pct(u.Utilisation()), u.Bookings, u.CheckedIn, u.NoShows, pct(u.NoShowRate()))
	}
	put(comms, 1, month+"各社区场地使用情况")
	put(comms, 2, append([]any{"社区"}, head...)...)
	for i, u := range rep.Communities {
		put(comms, i+3, names[u.Room.CommunityID], hrs(u.OpenMinutes), hrs(u.BookedMinutes), hrs(u.UsedMinutes), pct(u.Utilisation()),
			u.Bookings, u.CheckedIn, u.NoShows, pct(u.NoShowRate()))
	}
	put(top, 1, month+"预约最多的使用者")
	put(top, 2, "名次", "使用者", "预约小时", "预约次数")
	for i, b := range rep.TopBookers {
		put(top, i+3, i+1, b.Name, hrs(b.Minutes), b.Bookings)
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Figures sum up, for the console's dashboard, the rooms a scope covers.
type Figures struct {
	Rooms             int // active rooms
	TodayBookings     int // bookings starting today, not cancelled, rejected or expired
	PendingApprovals  int // bookings waiting for the owner's approval, not yet begun
	WeekOpenMinutes   int // this week's (Monday on, China time) opening time
	WeekBookedMinutes int
}

// Utilisation is the booked share of this week's opening time.
func (f Figures) Utilisation() float64 {
	return RoomUse{OpenMinutes: f.WeekOpenMinutes, BookedMinutes: f.WeekBookedMinutes}.Utilisation()
}

// Figures sums up the active rooms inScope chooses: today's bookings,
// pending approvals and this week's utilisation (booked as the monthly
// report counts it: confirmed, checked-in and no-show bookings).
func (s *Service) Figures(ctx context.Context, inScope func(Room) bool) (Figures, error) {
	all, err := s.store.Rooms(ctx, RoomFilter{})
	if err != nil {
		return Figures{}, err
	}
	var f Figures
	ids := []int64{}
	now := s.now()
	week := WeekStart(now)
	for _, r := range all {
		if r.Active && inScope(r) {
			f.Rooms++
			ids = append(ids, r.ID)
			f.WeekOpenMinutes += r.openMinutes(week, week.AddDate(0, 0, 7))
		}
	}
	if len(ids) == 0 {
		return f, nil
	}
	today, next := dayStart(now), week.AddDate(0, 0, 7)
	pending, err := s.store.Bookings(ctx, BookingFilter{RoomIDs: ids, Statuses: []string{StatusPending}, From: now, Limit: 100000})
	if err != nil {
		return Figures{}, err
	}
	for _, b := range pending {
		if b.StartsAt.After(now) {
			f.PendingApprovals++
		}
	}
	bs, err := s.store.Bookings(ctx, BookingFilter{RoomIDs: ids, From: week, To: next, Limit: 100000})
	if err != nil {
		return Figures{}, err
	}
	for _, b := range bs {
		if b.StartsAt.Before(week) {
			continue
		}
		switch b.Status {
		case StatusConfirmed, StatusCheckedIn, StatusNoShow:
			f.WeekBookedMinutes += b.Minutes()
		}
		if !b.StartsAt.Before(today) && b.StartsAt.Before(today.AddDate(0, 0, 1)) &&
			b.Status != StatusCancelled && b.Status != StatusRejected && b.Status != StatusExpired {
			f.TodayBookings++
		}
	}
	return f, nil
}
