package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/page"
	"gongjian/internal/rooms"
)

type roomReq struct {
	CommunityID int64          `json:"community_id"`
	OrgID       int64          `json:"org_id"`
	UnitID      int64          `json:"unit_id"` // org_id by its co-building name
	Name        *string        `json:"name"`
	Kind        *string        `json:"kind"`
	Place       *string        `json:"place"`
	Capacity    *int           `json:"capacity"`
	Facilities  *[]string      `json:"facilities"`
	Photos      *[]string      `json:"photos"`
	Description *string        `json:"description"`
	Hours       *[]dayHoursDTO `json:"hours"`
	// OpeningHours: hours by the word ("opening hours per weekday").
	OpeningHours *[]dayHoursDTO `json:"opening_hours"`
	Rules        *rulesReq      `json:"rules"`
	Active       *bool          `json:"active"`
}

// rulesReq are the rules a request gives; those left out keep their value
// (a new room's: the defaults).
type rulesReq struct {
	SlotMinutes   *int      `json:"slot_minutes"`
	MinMinutes    *int      `json:"min_minutes"`
	MaxMinutes    *int      `json:"max_minutes"`
	AheadDays     *int      `json:"ahead_days"`
	WeeklyHours   *int      `json:"weekly_hours"`
	Audience      *[]string `json:"audience"`
	NeedsApproval *bool     `json:"needs_approval"`
	GraceMinutes  *int      `json:"grace_minutes"`
}

// read is a fromRequest reading the body into r, its hours given as hours
// or opening_hours (both: the same, else 400 BAD_FIELD).
func (r *roomReq) read(c *gin.Context) error {
	if err := decode(c, r); err != nil {
		return err
	}
	if r.OpeningHours != nil {
		if r.Hours != nil && !slices.Equal(*r.Hours, *r.OpeningHours) {
			return errBadField.With("field", "opening_hours")
		}
		r.Hours = r.OpeningHours
	}
	return nil
}

func (r roomReq) patch() rooms.RoomPatch {
	p := rooms.RoomPatch{Name: r.Name, Kind: r.Kind, Place: r.Place, Description: r.Description, Capacity: r.Capacity,
		Facilities: r.Facilities, Photos: r.Photos, Active: r.Active}
	if r.Hours != nil {
		hs := make([]rooms.DayHours, 0, len(*r.Hours))
		for _, h := range *r.Hours {
			hs = append(hs, rooms.DayHours(h))
		}
		p.Hours = &hs
	}
	if x := r.Rules; x != nil {
		p.Rules = &rooms.RulesPatch{SlotMinutes: x.SlotMinutes, MinMinutes: x.MinMinutes, MaxMinutes: x.MaxMinutes, AheadDays: x.AheadDays,
			WeeklyHours: x.WeeklyHours, Audience: x.Audience, NeedsApproval: x.NeedsApproval, GraceMinutes: x.GraceMinutes}
	}
	return p
}

func (a *API) createRoom(c *gin.Context) {
	var req roomReq
	if u, ok := a.meWith(c, fromRequest(req.read)); ok {
		org, err := unitOrg(req.OrgID, req.UnitID)
		if err != nil {
			fail(c, err)
			return
		}
		r := rooms.Room{CommunityID: req.CommunityID, OrgID: org}
		rooms.ApplyPatch(&r, req.patch())
		out, err := a.d.Rooms.CreateRoom(c.Request.Context(), u, r)
		respond(c, http.StatusCreated, toRoomDTO(out), err)
	}
}

func (a *API) patchRoom(c *gin.Context) {
	var req roomReq
	if u, id, ok := a.meAndWith(c, "id", fromRequest(req.read)); ok {
		out, err := a.d.Rooms.UpdateRoom(c.Request.Context(), u, id, req.patch())
		respond(c, http.StatusOK, toRoomDTO(out), err)
	}
}

// communityParam reads the optional ?community_id= into *id.
func communityParam(id *int64) fromRequest { return param(id, queryID, "community_id") }

func (a *API) managedRooms(c *gin.Context) {
	var community int64
	if u, ok := a.meWith(c, communityParam(&community)); ok {
		rs, err := a.d.Rooms.Managed(c.Request.Context(), u, community)
		respondItems(c, rs, toRoomDTO, err)
	}
}

func (a *API) addClosure(c *gin.Context) {
	var req struct {
		StartsAt time.Time `json:"starts_at"`
		EndsAt   time.Time `json:"ends_at"`
		Reason   string    `json:"reason"`
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		cl, cancelled, err := a.d.Rooms.AddClosure(c.Request.Context(), u, id, req.StartsAt, req.EndsAt, req.Reason)
		respond(c, http.StatusCreated, gin.H{"closure": toClosureDTO(cl), "cancelled": bookingDTOs(cancelled)}, err)
	}
}

// deskBookings is a keyset page of the desk's bookings from today on, in
// time order (?cursor=, ?limit= 1..100, default 50).
func (a *API) deskBookings(c *gin.Context) {
	var community int64
	var req page.Request
	var statuses []string
	u, ok := a.meWith(c, communityParam(&community), cursorParam(&req, 50), bookingStatuses(&statuses))
	if !ok {
		return
	}
	bs, rs, next, err := a.d.Rooms.Desk(c.Request.Context(), u, community, statuses, req)
	if err != nil {
		fail(c, err)
		return
	}
	owned := map[int64]bool{}
	for _, r := range rs {
		owned[r.ID] = rooms.Owns(u, r)
	}
	type item struct {
		bookingDTO
		CanDecide bool `json:"can_decide"`
	}
	items := make([]item, 0, len(bs))
	for _, b := range bs {
		items = append(items, item{toBookingDTO(b), owned[b.RoomID] && b.Status == rooms.StatusPending})
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nextCursor(next)})
}

func (a *API) checkInBooking(c *gin.Context) {
	var req struct {
		Ticket string `json:"ticket"`
	}
	if u, ok := a.meWith(c, &req); ok {
		b, err := a.d.Rooms.CheckIn(c.Request.Context(), u, req.Ticket)
		respond(c, http.StatusOK, toBookingDTO(b), err)
	}
}

type roomUseDTO struct {
	RoomID      int64   `json:"room_id,omitempty"`
	RoomName    string  `json:"room_name,omitempty"`
	CommunityID int64   `json:"community_id"`
	OpenHours   float64 `json:"open_hours"`
	BookedHours float64 `json:"booked_hours"`
	UsedHours   float64 `json:"used_hours"`
	Utilisation float64 `json:"utilisation"`
	Bookings    int     `json:"bookings"`
	CheckedIn   int     `json:"checked_in"`
	NoShows     int     `json:"no_shows"`
	NoShowRate  float64 `json:"no_show_rate"`
}

func round4(v float64) float64 { return float64(int(v*10000+0.5)) / 10000 }

func toRoomUseDTO(u rooms.RoomUse) roomUseDTO {
	return roomUseDTO{u.Room.ID, u.Room.Name, u.Room.CommunityID, hours.Hours(u.OpenMinutes), hours.Hours(u.BookedMinutes), hours.Hours(u.UsedMinutes),
		round4(u.Utilisation()), u.Bookings, u.CheckedIn, u.NoShows, round4(u.NoShowRate())}
}

// roomsReport is the monthly utilisation report of the rooms the caller
// runs the desk of, in JSON or XLSX.
func (a *API) roomsReport(c *gin.Context) {
	var xlsx bool
	var community int64
	month := time.Now()
	u, ok := a.meWith(c, formatParam(&xlsx), func(c *gin.Context) error {
		if m := c.Query("month"); m != "" {
			t, err := time.ParseInLocation("2006-01", m, cst.Zone)
			if err != nil {
				return errs.Invalid("BAD_QUERY", "月份格式应为 2026-12")
			}
			month = t
		}
		return nil
	}, communityParam(&community))
	if !ok {
		return
	}
	if !u.IsAnyStaff() && len(u.ContactUnits()) == 0 {
		fail(c, errForbidden)
		return
	}
	rep, err := a.d.Rooms.Report(c.Request.Context(), u, month, community)
	if err != nil {
		fail(c, err)
		return
	}
	if xlsx {
		cs, err := a.d.Residents.Communities(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		names := map[int64]string{}
		for _, x := range cs {
			names[x.ID] = x.Name
		}
		b, err := rooms.ReportXLSX(rep, names)
		if err != nil {
			fail(c, errs.Internal(err))
			return
		}
		attachment(c, "场地使用月报-"+rep.Month.Format("2006-01")+".xlsx", b)
		return
	}
	type booker struct {
		Name     string  `json:"name"`
		Kind     string  `json:"booked_for"`
		Hours    float64 `json:"hours"`
		Bookings int     `json:"bookings"`
	}
	top := dtos(rep.TopBookers, func(b rooms.Booker) booker { return booker{b.Name, b.Kind, hours.Hours(b.Minutes), b.Bookings} })
	c.JSON(http.StatusOK, gin.H{"month": rep.Month.Format("2006-01"), "rooms": dtos(rep.Rooms, toRoomUseDTO),
		"communities": dtos(rep.Communities, toRoomUseDTO), "top_bookers": top})
}
