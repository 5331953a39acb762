package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/rooms"
)

// roomFilter reads the rooms' filter from the query into *f:
// community_id, org_id, kind, capacity (at least).
func roomFilter(f *rooms.RoomFilter) fromRequest {
	return func(c *gin.Context) (err error) {
		if f.Kind = c.Query("kind"); f.Kind != "" {
			f.Kind = rooms.KindOf(f.Kind)
		}
		if f.CommunityID, err = queryID(c, "community_id"); err != nil {
			return err
		}
		if f.OrgID, err = queryID(c, "org_id"); err != nil {
			return err
		}
		f.MinCapacity, err = queryInt(c, "capacity", 0, 0, 10000)
		return err
	}
}

// listRooms is the directory: the rooms the caller may book, as the
// free-room search. With a time range (?starts_at=&ends_at=) it is that
// search: only the rooms free for the whole range.
func (a *API) listRooms(c *gin.Context) {
	var f rooms.RoomFilter
	var q rooms.FreeQuery
	if !read(c, roomFilter(&f), timeParam(&q.StartsAt, "starts_at", false), timeParam(&q.EndsAt, "ends_at", false)) {
		return
	}
	if !q.StartsAt.IsZero() || !q.EndsAt.IsZero() {
		rs, err := a.searchFreeRooms(c, q, f)
		respondItems(c, rs, toRoomDTO, err)
		return
	}
	rs, err := a.d.Rooms.Directory(c.Request.Context(), a.viewer(c), f)
	respondItems(c, rs, toRoomDTO, err)
}

// rangeQuery reads from and to (dates or RFC 3339 times) into *from and
// *to; without them, the week from today.
func rangeQuery(from, to *time.Time) fromRequest {
	return func(c *gin.Context) (err error) {
		if *from, err = queryTime(c, "from", false); err != nil {
			return err
		}
		if *to, err = queryTime(c, "to", true); err != nil {
			return err
		}
		if from.IsZero() {
			l := time.Now().In(cst.Zone)
			*from = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
		}
		if to.IsZero() {
			*to = from.Add(7 * 24 * time.Hour)
		}
		return nil
	}
}

// getRoom is one room, to those who may see it (rooms.Service.RoomFor):
// any other room is 404 ROOM_NOT_FOUND.
func (a *API) getRoom(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		r, err := a.d.Rooms.RoomFor(c.Request.Context(), a.viewer(c), id)
		respond(c, http.StatusOK, toRoomDTO(r), err)
	}
}

func (a *API) roomAvailability(c *gin.Context) {
	var id int64
	var from, to time.Time
	if read(c, pathParam(&id, "id"), rangeQuery(&from, &to)) {
		av, err := a.d.Rooms.AvailabilityFor(c.Request.Context(), a.viewer(c), id, from, to)
		respond(c, http.StatusOK, toAvailabilityDTO(av), err)
	}
}

// calendarRange reads the calendar's range: from and to (rangeQuery), or
// the day or week (?view=day|week, default week) from ?date= (a date or a
// time; a week from that day).
func calendarRange(from, to *time.Time) fromRequest {
	return func(c *gin.Context) error {
		if err := queryOneOf(c, "view", "day", "week"); err != nil {
			return err
		}
		if c.Query("date") == "" || c.Query("from") != "" || c.Query("to") != "" {
			return rangeQuery(from, to)(c)
		}
		d, err := queryTime(c, "date", false)
		if err != nil {
			return err
		}
		l := d.In(cst.Zone)
		*from = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
		if c.Query("view") == "day" {
			*to = from.AddDate(0, 0, 1)
		} else {
			*to = from.AddDate(0, 0, 7)
		}
		return nil
	}
}

func (a *API) roomCalendar(c *gin.Context) {
	var from, to time.Time
	if u, id, ok := a.meAndWith(c, "id", calendarRange(&from, &to)); ok {
		cal, err := a.d.Rooms.Calendar(c.Request.Context(), u, id, from, to)
		respond(c, http.StatusOK, gin.H{"room": toRoomDTO(cal.Room), "availability": toAvailabilityDTO(cal.Availability),
			"bookings": bookingDTOs(cal.Bookings), "closures": dtos(cal.Closures, toClosureDTO), "full": cal.Full}, err)
	}
}

func (a *API) freeRooms(c *gin.Context) {
	var q rooms.FreeQuery
	var f rooms.RoomFilter
	if read(c, timeParam(&q.StartsAt, "starts_at", false), timeParam(&q.EndsAt, "ends_at", false), roomFilter(&f)) {
		rs, err := a.searchFreeRooms(c, q, f)
		respondItems(c, rs, toRoomDTO, err)
	}
}

// searchFreeRooms is the free-room search of q's range with the filter f
// (org_id too: the rooms of one co-building unit), among the rooms the
// caller may book.
func (a *API) searchFreeRooms(c *gin.Context, q rooms.FreeQuery, f rooms.RoomFilter) ([]rooms.Room, error) {
	q.CommunityID, q.Kind, q.MinCapacity = f.CommunityID, f.Kind, f.MinCapacity
	q.Viewer = a.viewer(c) // only the rooms the caller may book
	rs, err := a.d.Rooms.FreeRooms(c.Request.Context(), q)
	if err != nil || f.OrgID == 0 {
		return rs, err
	}
	out := rs[:0]
	for _, r := range rs {
		if r.OrgID == f.OrgID {
			out = append(out, r)
		}
	}
	return out, nil
}

// guestReq is whom desk staff book for (on_behalf_of): a person without an
// account ({name, phone[, reason]}, or the name alone, whose phone is then
// missing), or a registered resident by account id: the id itself (a
// number, or a string of digits: a name is never digits; eleven digits
// starting with 1 are a mobile number, not an id), or {user_id}
// (resident_id the same).
type guestReq struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Reason     string `json:"reason"`
	UserID     int64  `json:"user_id"`
	ResidentID int64  `json:"resident_id"` // user_id by another name
}

func (g *guestReq) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] != '{' && t[0] != '"' {
		// A bare number: the resident's account id.
		return json.Unmarshal(t, &g.UserID)
	}
	if len(t) > 0 && t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return err
		}
		if d := strings.TrimSpace(s); len(d) == 11 && d[0] == '1' && digitsOnly(d) {
			g.Phone = d // a mobile number, not an account id: the name is missing
		} else if id, err := strconv.ParseInt(d, 10, 64); err == nil {
			g.UserID = id
		} else {
			g.Name = s
		}
		return nil
	}
	type plain guestReq
	return strictObject(t, (*plain)(g))
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// userID is the resident's account id the request names (0: none).
func (g *guestReq) userID() (int64, error) {
	switch {
	case g.ResidentID == 0:
		return g.UserID, nil
	case g.UserID == 0 || g.UserID == g.ResidentID:
		return g.ResidentID, nil
	}
	return 0, errBadField.With("field", "on_behalf_of.resident_id")
}

type bookReq struct {
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Purpose    string    `json:"purpose"`
	Attendance int       `json:"attendance"`
	TeamID     int64     `json:"team_id"`
	OrgID      int64     `json:"org_id"`
	UnitID     int64     `json:"unit_id"` // org_id by its co-building name
	OnBehalfOf *guestReq `json:"on_behalf_of"`
	// Reason: a desk booking's reason may also come beside on_behalf_of.
	Reason string `json:"reason"`
	// Series only.
	Until      string `json:"until"`
	EveryWeeks int    `json:"every_weeks"`
}

func (r bookReq) input(c *gin.Context, roomID int64) (rooms.BookInput, error) {
	org, err := unitOrg(r.OrgID, r.UnitID)
	if err != nil {
		return rooms.BookInput{}, err
	}
	in := rooms.BookInput{RoomID: roomID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Purpose: r.Purpose, Attendance: r.Attendance,
		TeamID: r.TeamID, OrgID: org, IdemKey: strings.TrimSpace(c.GetHeader("Idempotency-Key"))}
	if g := r.OnBehalfOf; g != nil {
		uid, err := g.userID()
		if err != nil {
			return rooms.BookInput{}, err
		}
		if uid < 0 {
			return rooms.BookInput{}, errBadField.With("field", "on_behalf_of")
		}
		in.OnBehalf = &rooms.Guest{Name: g.Name, Phone: g.Phone, Reason: g.Reason, UserID: uid}
		if strings.TrimSpace(g.Reason) == "" {
			in.OnBehalf.Reason = r.Reason
		}
	}
	return in, nil
}

// unitOrg is the co-building unit a body names by org_id or by unit_id
// (a unit's id is its organisation's, issue 15); given both, they agree.
func unitOrg(orgID, unitID int64) (int64, error) {
	switch {
	case unitID == 0:
		return orgID, nil
	case orgID == 0 || orgID == unitID:
		return unitID, nil
	}
	return 0, errBadField.With("field", "unit_id")
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
	in, err := req.input(c, id)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := a.d.Rooms.Book(c.Request.Context(), u, in)
	respondBooked(c, toBookingDTO(b), err)
}

// slotTakenBody is the answer of a refusal for taken dates: the error
// body with the dates also at its top level, where the issue names them
// (409 SLOT_TAKEN with conflicts: [dates]); details keep them too.
type slotTakenBody struct {
	ErrorBody
	Conflicts any `json:"conflicts"`
}

// respondBooked answers 201 with v, or the error.
func respondBooked(c *gin.Context, v any, err error) {
	if err != nil {
		if e := errs.As(err); e.Code == rooms.ErrSlotTaken.Code && e.Details["conflicts"] != nil {
			c.AbortWithStatusJSON(statusOf[e.Kind], slotTakenBody{ErrorBody{Code: e.Code, Message: e.Message, RequestID: requestID(c),
				Details: e.Details}, e.Details["conflicts"]})
			return
		}
	}
	respond(c, http.StatusCreated, v, err)
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
	in, err := req.input(c, id)
	if err != nil {
		fail(c, err)
		return
	}
	bs, err := a.d.Rooms.BookSeries(c.Request.Context(), u, rooms.SeriesInput{BookInput: in, Until: until, EveryWeeks: req.EveryWeeks})
	var series int64
	if len(bs) > 0 {
		series = bs[0].SeriesID
	}
	respondBooked(c, gin.H{"series_id": series, "items": bookingDTOs(bs), "count": len(bs)}, err)
}

// bookingStatuses reads ?status=, a comma-separated list (none: all).
// bookingStatuses reads ?status= (one booking status or several, comma
// separated; none: all) into *out; an unknown one is 400 BAD_QUERY (it
// used to list nothing, as if the caller had no bookings).
func bookingStatuses(out *[]string) fromRequest {
	return func(c *gin.Context) error {
		*out = nil
		s := c.Query("status")
		if s == "" {
			return nil
		}
		for _, st := range strings.Split(s, ",") {
			switch st = strings.TrimSpace(st); st {
			case rooms.StatusPending, rooms.StatusConfirmed, rooms.StatusCheckedIn, rooms.StatusNoShow,
				rooms.StatusCancelled, rooms.StatusRejected, rooms.StatusExpired:
				*out = append(*out, st)
			default:
				return errs.Invalid("BAD_QUERY", "预约状态无效").With("field", "status")
			}
		}
		return nil
	}
}

// myBookings is a keyset page of the user's bookings, newest first
// (?cursor=, ?limit= 1..100, default 50; next_cursor null on the last page).
func (a *API) myBookings(c *gin.Context) {
	var req page.Request
	var statuses []string
	if read(c, cursorParam(&req, 50), bookingStatuses(&statuses)) {
		bs, next, err := a.d.Rooms.Mine(c.Request.Context(), userID(c), statuses, req)
		respond(c, http.StatusOK, gin.H{"items": dtos(bs, toBookingDTO), "next_cursor": nextCursor(next)}, err)
	}
}

func (a *API) cancelBooking(c *gin.Context) {
	var req reasonReq
	if u, id, ok := a.meAndWith(c, "id", optional(&req)); ok {
		b, err := a.d.Rooms.Cancel(c.Request.Context(), u, id, req.Reason)
		respond(c, http.StatusOK, toBookingDTO(b), err)
	}
}

func (a *API) bookingTicket(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		t, err := a.d.Rooms.Ticket(c.Request.Context(), u, id)
		respond(c, http.StatusOK, gin.H{"ticket": t.Ticket, "valid_from": t.ValidFrom, "valid_until": t.ValidUntil}, err)
	}
}
