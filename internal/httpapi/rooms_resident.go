package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/rooms"
)

func (a *API) mountRooms(v1, r *gin.RouterGroup) {
	v1.GET("/rooms", a.listRooms)
	v1.GET("/rooms/free", a.freeRooms)
	v1.GET("/rooms/:id", a.getRoom)
	v1.GET("/rooms/:id/availability", a.roomAvailability)
	r.GET("/rooms/:id/calendar", a.roomCalendar)
	r.POST("/rooms/:id/bookings", a.bookRoom)
	r.POST("/rooms/:id/series", a.bookSeries)
	r.GET("/me/bookings", a.myBookings)
	r.GET("/bookings/:id", a.getBooking)
	r.POST("/bookings/:id/cancel", a.cancelBooking)
	r.GET("/bookings/:id/ticket", a.bookingTicket)
	a.mountRoomsStaff(r)
	a.mountTeams(r)
}

// roomFilter reads the rooms' filter from the query: community_id,
// org_id, kind, capacity (at least).
func roomFilter(c *gin.Context) (rooms.RoomFilter, error) {
	f := rooms.RoomFilter{Kind: c.Query("kind")}
	var err error
	if f.CommunityID, err = queryID(c, "community_id"); err != nil {
		return f, err
	}
	if f.OrgID, err = queryID(c, "org_id"); err != nil {
		return f, err
	}
	f.MinCapacity, err = queryInt(c, "capacity", 0, 0, 10000)
	return f, err
}

func (a *API) listRooms(c *gin.Context) {
	f, err := roomFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	rs, err := a.d.Rooms.Rooms(c.Request.Context(), f)
	respond(c, http.StatusOK, gin.H{"items": roomDTOs(rs)}, err)
}

func (a *API) getRoom(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	r, err := a.d.Rooms.Room(c.Request.Context(), id)
	respond(c, http.StatusOK, toRoomDTO(r), err)
}

// rangeQuery reads from and to (dates or RFC 3339 times); without them, the
// week from today.
func rangeQuery(c *gin.Context) (time.Time, time.Time, error) {
	from, err := queryTime(c, "from", false)
	if err != nil {
		return from, from, err
	}
	to, err := queryTime(c, "to", true)
	if err != nil {
		return from, to, err
	}
	if from.IsZero() {
		l := time.Now().In(cst.Zone)
		from = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
	}
	if to.IsZero() {
		to = from.Add(7 * 24 * time.Hour)
	}
	return from, to, nil
}

func (a *API) roomAvailability(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	from, to, err := rangeQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	av, err := a.d.Rooms.Availability(c.Request.Context(), id, from, to)
	respond(c, http.StatusOK, toAvailabilityDTO(av), err)
}

func (a *API) roomCalendar(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	from, to, err := rangeQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	cal, err := a.d.Rooms.Calendar(c.Request.Context(), u, id, from, to)
	if err != nil {
		fail(c, err)
		return
	}
	cs := dtos(cal.Closures, toClosureDTO)
	c.JSON(http.StatusOK, gin.H{"room": toRoomDTO(cal.Room), "availability": toAvailabilityDTO(cal.Availability),
		"bookings": bookingDTOs(cal.Bookings), "closures": cs, "full": cal.Full})
}

func (a *API) freeRooms(c *gin.Context) {
	from, err := queryTime(c, "starts_at", false)
	if err != nil {
		fail(c, err)
		return
	}
	to, err := queryTime(c, "ends_at", false)
	if err != nil {
		fail(c, err)
		return
	}
	f, err := roomFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	rs, err := a.d.Rooms.FreeRooms(c.Request.Context(), rooms.FreeQuery{CommunityID: f.CommunityID, Kind: f.Kind, MinCapacity: f.MinCapacity, StartsAt: from, EndsAt: to})
	respond(c, http.StatusOK, gin.H{"items": roomDTOs(rs)}, err)
}

type guestReq struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

type bookReq struct {
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Purpose    string    `json:"purpose"`
	Attendance int       `json:"attendance"`
	TeamID     int64     `json:"team_id"`
	OrgID      int64     `json:"org_id"`
	OnBehalfOf *guestReq `json:"on_behalf_of"`
	// Series only.
	Until      string `json:"until"`
	EveryWeeks int    `json:"every_weeks"`
}

func (r bookReq) input(c *gin.Context, roomID int64) rooms.BookInput {
	in := rooms.BookInput{RoomID: roomID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Purpose: r.Purpose, Attendance: r.Attendance,
		TeamID: r.TeamID, OrgID: r.OrgID, IdemKey: strings.TrimSpace(c.GetHeader("Idempotency-Key"))}
	if g := r.OnBehalfOf; g != nil {
		in.OnBehalf = &rooms.Guest{Name: g.Name, Phone: g.Phone, Reason: g.Reason}
	}
	return in
}

func (a *API) bookRoom(c *gin.Context) {
	var req bookReq
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	if req.Until != "" || req.EveryWeeks != 0 {
		fail(c, errs.Invalid("USE_SERIES", "每周重复的预约请使用“重复预约”功能"))
		return
	}
	b, err := a.d.Rooms.Book(c.Request.Context(), u, req.input(c, id))
	respond(c, http.StatusCreated, toBookingDTO(b), err)
}

func (a *API) bookSeries(c *gin.Context) {
	var req bookReq
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	until, err := time.Parse(time.RFC3339, req.Until)
	if err != nil {
		if until, err = time.ParseInLocation(dateLayout, req.Until, cst.Zone); err != nil {
			fail(c, errs.Invalid("INVALID_UNTIL", "请填写重复预约的结束日期（2027-06-30）"))
			return
		}
	}
	bs, err := a.d.Rooms.BookSeries(c.Request.Context(), u, rooms.SeriesInput{BookInput: req.input(c, id), Until: until, EveryWeeks: req.EveryWeeks})
	var series int64
	if len(bs) > 0 {
		series = bs[0].SeriesID
	}
	respond(c, http.StatusCreated, gin.H{"series_id": series, "items": bookingDTOs(bs), "count": len(bs)}, err)
}

func (a *API) myBookings(c *gin.Context) {
	var statuses []string
	if s := c.Query("status"); s != "" {
		statuses = strings.Split(s, ",")
	}
	bs, err := a.d.Rooms.Mine(c.Request.Context(), userID(c), statuses)
	respond(c, http.StatusOK, gin.H{"items": bookingDTOs(bs)}, err)
}

func (a *API) getBooking(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	b, err := a.d.Rooms.Booking(c.Request.Context(), u, id)
	respond(c, http.StatusOK, toBookingDTO(b), err)
}

type reasonReq struct {
	Reason string `json:"reason"`
}

func (a *API) cancelBooking(c *gin.Context) {
	var req reasonReq
	u, id, ok := a.meAndWith(c, "id", optional(&req))
	if !ok {
		return
	}
	b, err := a.d.Rooms.Cancel(c.Request.Context(), u, id, req.Reason)
	respond(c, http.StatusOK, toBookingDTO(b), err)
}

func (a *API) bookingTicket(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	t, err := a.d.Rooms.Ticket(c.Request.Context(), u, id)
	respond(c, http.StatusOK, gin.H{"ticket": t.Ticket, "valid_from": t.ValidFrom, "valid_until": t.ValidUntil}, err)
}
