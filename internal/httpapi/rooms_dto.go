package httpapi

import (
	"time"

	"gongjian/internal/rooms"
)

type dayHoursDTO struct {
	Weekday int    `json:"weekday"`
	Opens   string `json:"opens"`
	Closes  string `json:"closes"`
}

type rulesDTO struct {
	SlotMinutes   int      `json:"slot_minutes"`
	MinMinutes    int      `json:"min_minutes"`
	MaxMinutes    int      `json:"max_minutes"`
	AheadDays     int      `json:"ahead_days"`
	WeeklyHours   int      `json:"weekly_hours"`
	Audience      []string `json:"audience"`
	NeedsApproval bool     `json:"needs_approval"`
	GraceMinutes  int      `json:"grace_minutes"`
}

// ownedDTO is the head a room and a team share: a named thing of a kind
// that a community's organization owns.
type ownedDTO struct {
	ID          int64  `json:"id"`
	CommunityID int64  `json:"community_id"`
	OrgID       int64  `json:"org_id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	KindName    string `json:"kind_name"`
}

type roomDTO struct {
	ownedDTO
	Place       string        `json:"place"`
	Capacity    int           `json:"capacity"`
	Facilities  []string      `json:"facilities"`
	Photos      []string      `json:"photos"`
	Description string        `json:"description"`
	Hours       []dayHoursDTO `json:"hours"`
	Rules       rulesDTO      `json:"rules"`
	Active      bool          `json:"active"`
	CreatedAt   time.Time     `json:"created_at"`
}

// nonNil gives an empty JSON list ([]) for a nil slice.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toRoomDTO(r rooms.Room) roomDTO {
	hs := make([]dayHoursDTO, 0, len(r.Hours))
	for _, h := range r.Hours {
		hs = append(hs, dayHoursDTO(h))
	}
	x := r.Rules
	return roomDTO{ownedDTO: ownedDTO{r.ID, r.CommunityID, r.OrgID, r.Name, r.Kind, rooms.Kinds[r.Kind]}, Place: r.Place,
		Capacity: r.Capacity, Facilities: nonNil(r.Facilities), Photos: nonNil(r.Photos), Description: r.Description, Hours: hs,
		Rules:  rulesDTO{x.SlotMinutes, x.MinMinutes, x.MaxMinutes, x.AheadDays, x.WeeklyHours, nonNil(x.Audience), x.NeedsApproval, x.GraceMinutes},
		Active: r.Active, CreatedAt: r.CreatedAt}
}

type bookingDTO struct {
	// ID is left out only where a calendar shows someone else's booking
	// as a busy range (rooms.Calendar); every other booking has one.
	ID         int64     `json:"id,omitempty"`
	RoomID     int64     `json:"room_id"`
	RoomName   string    `json:"room_name,omitempty"`
	SeriesID   int64     `json:"series_id,omitempty"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Purpose    string    `json:"purpose"`
	Attendance int       `json:"attendance,omitempty"`
	Status     string    `json:"status"`
	BookedFor  string    `json:"booked_for"`
	// BookedByDesk: desk staff made it (on_behalf_of); ForUserID is the
	// registered resident they made it for, whose own it is.
	BookedByDesk     bool       `json:"booked_by_desk,omitempty"`
	ForUserID        int64      `json:"for_user_id,omitempty"`
	TeamID           int64      `json:"team_id,omitempty"`
	TeamName         string     `json:"team_name,omitempty"`
	OrgID            int64      `json:"org_id,omitempty"`
	BookedBy         int64      `json:"booked_by,omitempty"`
	BookerName       string     `json:"booker_name,omitempty"`
	GuestName        string     `json:"guest_name,omitempty"`
	GuestPhoneMasked string     `json:"guest_phone_masked,omitempty"`
	Reason           string     `json:"reason,omitempty"`
	DecisionNote     string     `json:"decision_note,omitempty"`
	CancelReason     string     `json:"cancel_reason,omitempty"`
	CheckedInAt      *time.Time `json:"checked_in_at,omitempty"`
	CreatedAt        *time.Time `json:"created_at,omitempty"`
}

func toBookingDTO(b rooms.Booking) bookingDTO {
	return bookingDTO{ID: b.ID, RoomID: b.RoomID, RoomName: b.RoomName, SeriesID: b.SeriesID, StartsAt: b.StartsAt, EndsAt: b.EndsAt,
		Purpose: b.Purpose, Attendance: b.Attendance, Status: b.Status, BookedFor: b.For, BookedByDesk: b.For == rooms.ForDesk, ForUserID: b.ForUser, TeamID: b.TeamID, TeamName: b.TeamName,
		OrgID: b.OrgID, BookedBy: b.BookedBy, BookerName: b.BookerName, GuestName: b.GuestName, GuestPhoneMasked: b.GuestPhoneMasked,
		Reason: b.Reason, DecisionNote: b.DecisionNote, CancelReason: b.CancelReason, CheckedInAt: b.CheckedInAt,
		CreatedAt: optionalTime(b.CreatedAt)}
}

func bookingDTOs(bs []rooms.Booking) []bookingDTO {
	return dtos(bs, toBookingDTO)
}

type slotDTO struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	State    string    `json:"state"`
}

type closureDTO struct {
	// ID (and Reason) are empty where a calendar shows a closure to a
	// caller not at the room's desk (rooms.Calendar).
	ID       int64     `json:"id,omitempty"`
	RoomID   int64     `json:"room_id"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Reason   string    `json:"reason"`
}

func toClosureDTO(c rooms.Closure) closureDTO {
	return closureDTO{c.ID, c.RoomID, c.StartsAt, c.EndsAt, c.Reason}
}

type availabilityDTO struct {
	RoomID        int64     `json:"room_id"`
	Slots         []slotDTO `json:"slots"`
	OpenMinutes   int       `json:"open_minutes"`
	BookedMinutes int       `json:"booked_minutes"`
	ClosedMinutes int       `json:"closed_minutes"`
	Utilisation   float64   `json:"utilisation"`
}

func toAvailabilityDTO(a rooms.Availability) availabilityDTO {
	slots := make([]slotDTO, 0, len(a.Slots))
	for _, s := range a.Slots {
		slots = append(slots, slotDTO(s))
	}
	return availabilityDTO{RoomID: a.Room.ID, Slots: slots, OpenMinutes: a.OpenMinutes, BookedMinutes: a.BookedMinutes,
		ClosedMinutes: a.ClosedMinutes, Utilisation: float64(int(a.Utilisation()*10000)) / 10000}
}

type teamDTO struct {
	ownedDTO
	Description string      `json:"description"`
	LeaderID    int64       `json:"leader_id"`
	LeaderName  string      `json:"leader_name"`
	Members     int         `json:"members"`
	CreatedAt   time.Time   `json:"created_at"`
	Mine        string      `json:"my_status,omitempty"`
	Leads       bool        `json:"leads,omitempty"`
	MemberList  []memberDTO `json:"member_list,omitempty"`
}

type memberDTO struct {
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toMemberDTO(m rooms.Member) memberDTO { return memberDTO{m.UserID, m.Name, m.Status, m.UpdatedAt} }

func toTeamDTO(t rooms.Team) teamDTO {
	return teamDTO{ownedDTO: ownedDTO{t.ID, t.CommunityID, t.OrgID, t.Name, t.Kind, rooms.TeamKinds[t.Kind]},
		Description: t.Description, LeaderID: t.LeaderID, LeaderName: t.LeaderName, Members: t.Members, CreatedAt: t.CreatedAt}
}
