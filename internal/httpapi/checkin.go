package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

func (a *API) getTicket(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		t, err := a.d.Checkin.Ticket(c.Request.Context(), userID(c), id)
		respond(c, http.StatusOK, gin.H{"ticket": t.Ticket, "valid_from": t.ValidFrom, "valid_until": t.ValidUntil, "registration_id": id}, err)
	}
}

type scanReq struct {
	Ticket     string   `json:"ticket"`
	Nonce      string   `json:"nonce"`
	ScannedAt  scanTime `json:"scanned_at"`
	SessionID  int64    `json:"session_id"`
	ActivityID int64    `json:"activity_id"`
}

// scanTime is a scan's time: an RFC 3339 string, or a number of Unix
// milliseconds (what the phone's Date.now() gives; seconds when below
// 10^11, which in milliseconds is 1973), read as the RFC 3339 string it
// names.
type scanTime string

func (t *scanTime) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' && string(b) != "null" {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || n <= 0 {
			*t = scanTime(b) // not a time: refused as BAD_SCANNED_AT
			return nil
		}
		at := time.UnixMilli(n)
		if n < 1e11 {
			at = time.Unix(n, 0)
		}
		*t = scanTime(at.UTC().Format(time.RFC3339Nano))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = scanTime(s)
	return nil
}

var errScannedAt = errs.Invalid("BAD_SCANNED_AT", "扫码时间格式无效")

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errScannedAt
	}
	return t, nil
}

func (r scanReq) input() (checkin.ScanInput, error) {
	at, err := parseTime(string(r.ScannedAt))
	return checkin.ScanInput{Ticket: strings.TrimSpace(r.Ticket), Nonce: r.Nonce, ScannedAt: at, SessionID: r.SessionID, ActivityID: r.ActivityID}, err
}

// scanned reads the scan's time (the body, in req, read before).
func (r *scanReq) scanned(in *checkin.ScanInput) fromRequest {
	return func(*gin.Context) (err error) {
		*in, err = r.input()
		return err
	}
}

type scanSessionDTO struct {
	ID            int64     `json:"id"`
	ActivityID    int64     `json:"activity_id"`
	ActivityTitle string    `json:"activity_title"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
}

type scanDTO struct {
	Result             string         `json:"result"`
	RegistrationID     int64          `json:"registration_id"`
	AttendeeNameMasked string         `json:"attendee_name_masked"`
	Session            scanSessionDTO `json:"session"`
	CheckedInAt        time.Time      `json:"checked_in_at"`
	Replay             bool           `json:"replay,omitempty"`
}

func toScanDTO(r checkin.ScanResult) scanDTO {
	return scanDTO{Result: checkin.ResultCheckedIn, RegistrationID: r.RegistrationID, AttendeeNameMasked: r.AttendeeNameMasked,
		Session:     scanSessionDTO{ID: r.SessionID, ActivityID: r.ActivityID, ActivityTitle: r.ActivityTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt},
		CheckedInAt: r.CheckedInAt, Replay: r.Replay}
}

func (a *API) postCheckin(c *gin.Context) {
	var req scanReq
	var in checkin.ScanInput
	if u, ok := a.meWith(c, &req, req.scanned(&in)); ok {
		res, err := a.d.Checkin.Scan(c.Request.Context(), u, in)
		respond(c, http.StatusOK, toScanDTO(res), err)
	}
}

type batchResultDTO struct {
	Nonce              string     `json:"nonce"`
	Result             string     `json:"result"`
	Code               string     `json:"code,omitempty"`
	Message            string     `json:"message,omitempty"`
	RegistrationID     int64      `json:"registration_id,omitempty"`
	AttendeeNameMasked string     `json:"attendee_name_masked,omitempty"`
	SessionID          int64      `json:"session_id,omitempty"`
	CheckedInAt        *time.Time `json:"checked_in_at,omitempty"`
}

func (a *API) postCheckinBatch(c *gin.Context) {
	var req struct {
		Scans    []scanReq `json:"scans"`
		Checkins []scanReq `json:"checkins"` // another spelling of scans
		SentAt   string    `json:"sent_at"`
	}
	// The body is {"scans":[…]} (or "checkins"), or the bare list of scans.
	body := func(c *gin.Context) error {
		return decodeFast(c, &req, func(b []byte) bool {
			b = bytes.TrimLeft(b, " \t\r\n")
			return len(b) > 0 && b[0] == '[' && decodeBytes(b, &req.Scans) == nil
		})
	}
	var sentAt time.Time
	u, ok := a.meWith(c, fromRequest(body), func(*gin.Context) (err error) {
		sentAt, err = parseTime(req.SentAt)
		return err
	})
	if !ok {
		return
	}
	req.Scans = append(req.Scans, req.Checkins...)
	ins := make([]checkin.ScanInput, len(req.Scans))
	for i, s := range req.Scans {
		// A scan with an unreadable time is refused by the service (no time).
		ins[i], _ = s.input()
	}
	rs, err := a.d.Checkin.Batch(c.Request.Context(), u, ins, sentAt)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]batchResultDTO, len(rs))
	counts := map[string]int{}
	for i, r := range rs {
		counts[r.Result]++
		d := batchResultDTO{Nonce: r.Nonce, Result: r.Result}
		if r.Err != nil {
			d.Code, d.Message = r.Err.Code, r.Err.Message
		}
		if r.Scan.RegistrationID != 0 {
			at := r.Scan.CheckedInAt
			d.RegistrationID, d.AttendeeNameMasked, d.SessionID, d.CheckedInAt = r.Scan.RegistrationID, r.Scan.AttendeeNameMasked, r.Scan.SessionID, &at
		}
		out[i] = d
	}
	c.JSON(http.StatusOK, gin.H{"results": out, "checked_in": counts[checkin.ResultCheckedIn],
		"duplicates": counts[checkin.ResultDuplicate], "refused": counts[checkin.ResultRefused]})
}

// TicketFormat documents the ticket for offline verifiers (in every kit).
const TicketFormat = "base64url(no padding) of: version(1 byte = 1) | uvarint registration_id | uvarint session_id | " +
	"uvarint valid_from (unix seconds) | uvarint valid_minutes | Ed25519 signature (64 bytes) over " +
	"\"gongjian/ticket/v1\" followed by the bytes before the signature"

type kitSessionDTO struct {
	ID          int64     `json:"id"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	AcceptFrom  time.Time `json:"accept_from"`
	AcceptUntil time.Time `json:"accept_until"`
}

func toKitSessions(ks []checkin.KitSession) []kitSessionDTO {
	return dtos(ks, func(s checkin.KitSession) kitSessionDTO {
		return kitSessionDTO{s.ID, s.StartsAt, s.EndsAt, s.AcceptFrom, s.AcceptUntil}
	})
}

// checkingDTO is an activity the caller is appointed to check.
type checkingDTO struct {
	ActivityID    int64           `json:"activity_id"`
	ActivityTitle string          `json:"activity_title"`
	Category      string          `json:"category"`
	Place         string          `json:"place"`
	Sessions      []kitSessionDTO `json:"sessions"`
}

func toCheckingDTO(x checkin.Checking) checkingDTO {
	return checkingDTO{x.ActivityID, x.ActivityTitle, x.Category, x.Place, toKitSessions(x.Sessions)}
}

// volunteerSessionDTO is a session the caller was appointed to serve in.
type volunteerSessionDTO struct {
	SessionID      int64     `json:"session_id"`
	ActivityID     int64     `json:"activity_id"`
	ActivityTitle  string    `json:"activity_title"`
	ActivityStatus string    `json:"activity_status"`
	Category       string    `json:"category"`
	Place          string    `json:"place"`
	StartsAt       time.Time `json:"starts_at"`
	EndsAt         time.Time `json:"ends_at"`
	Ended          bool      `json:"ended"`
	AppointedAt    time.Time `json:"appointed_at"`
}

func toVolunteerSessionDTO(x checkin.VolunteerSession) volunteerSessionDTO {
	return volunteerSessionDTO{x.ID, x.ActivityID, x.ActivityTitle, x.ActivityStatus, x.Category, x.Place, x.StartsAt, x.EndsAt, x.Ended, x.AppointedAt}
}

// toKitDTO is a checker's offline kit.
func toKitDTO(k checkin.Kit) gin.H {
	return gin.H{
		"activity_id": k.ActivityID, "activity_title": k.ActivityTitle, "algorithm": k.Algorithm, "public_key": k.PublicKey,
		"ticket_format": TicketFormat, "sessions": toKitSessions(k.Sessions), "revoked": k.Revoked,
		"window": gin.H{"session_id": k.Window.ID, "opens_at": k.Window.AcceptFrom, "closes_at": k.Window.AcceptUntil}, "revoked_registration_ids": k.RevokedRegistrationIDs,
		"checked_in_registration_ids": k.CheckedIn, "generated_at": k.GeneratedAt,
	}
}

func (a *API) getPoster(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		img, err := a.d.Checkin.Poster(c.Request.Context(), u, id)
		sendData(c, "image/jpeg", img, err, "Cache-Control", "private, max-age=86400")
	}
}

// selfLocation is a phone's location: lat/lng, or latitude/longitude as
// wx.getLocation gives them.
type selfLocation struct {
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

// point is the location given, ok false when a coordinate is missing.
func (l selfLocation) point() (lat, lng float64, ok bool) {
	la, lo := l.Lat, l.Lng
	if la == nil {
		la = l.Latitude
	}
	if lo == nil {
		lo = l.Longitude
	}
	if la == nil || lo == nil {
		return 0, 0, false
	}
	return *la, *lo, true
}

// selfAction reads a self check-in's action: in or out, also spelled
// checkin/check_in/check-in and checkout/check_out/check-out (any case);
// none is a check-in. Anything else goes on to be refused (BAD_ACTION).
func selfAction(s string) string {
	switch strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s)) {
	case "", checkin.ActionIn, "checkin":
		return checkin.ActionIn
	case checkin.ActionOut, "checkout":
		return checkin.ActionOut
	}
	return s
}

func (a *API) postSelfCheckin(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
		selfLocation
		Location *selfLocation `json:"location"`
		Action   string        `json:"action"`
	}
	var lat, lng float64
	u, ok := a.meWith(c, &req, func(*gin.Context) error {
		var ok bool
		lat, lng, ok = req.selfLocation.point()
		if !ok && req.Location != nil {
			lat, lng, ok = req.Location.point()
		}
		if !ok {
			return errs.Invalid("BAD_LOCATION", "无法获取您的位置，请允许使用位置信息后重试")
		}
		return nil
	})
	if !ok {
		return
	}
	r, err := a.d.Checkin.SelfCheck(c.Request.Context(), u, checkin.SelfInput{Code: req.Code, Lat: lat, Lng: lng, Action: selfAction(req.Action)})
	respond(c, http.StatusOK, gin.H{"action": r.Action, "at": r.At, "checked_in_at": r.CheckedInAt, "minutes": r.Minutes,
		"session_id": r.SessionID, "activity_id": r.ActivityID, "activity_title": r.ActivityTitle, "repeated": r.Repeated,
		"in_review": r.InReview}, err)
}

type appointeeDTO struct {
	UserID      int64     `json:"user_id"`
	Name        string    `json:"name"`
	ActivityID  int64     `json:"activity_id"`
	SessionID   int64     `json:"session_id,omitempty"`
	AppointedBy int64     `json:"appointed_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func toAppointeeDTO(x checkin.Appointee) appointeeDTO {
	return appointeeDTO{x.UserID, x.Name, x.ActivityID, x.SessionID, x.AppointedBy, x.CreatedAt}
}

// appointments are the appointees of one kind: checkers of an activity or
// volunteers of a session (id is the path's activity or session).
type appointments struct {
	list   func(ctx context.Context, staff resident.User, id int64) ([]checkin.Appointee, error)
	add    func(ctx context.Context, staff resident.User, id, userID int64) error
	remove func(ctx context.Context, staff resident.User, id, userID int64) error
}

func (a *API) checkers() appointments {
	return appointments{a.d.Checkin.Checkers, a.d.Checkin.AddChecker, a.d.Checkin.RemoveChecker}
}

func (a *API) volunteers() appointments {
	return appointments{a.d.Checkin.Volunteers, a.d.Checkin.AddVolunteer, a.d.Checkin.RemoveVolunteer}
}

func (a *API) listAppointees(ap appointments) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, id, ok := a.meAnd(c, "id")
		if !ok {
			return
		}
		xs, err := ap.list(c.Request.Context(), u, id)
		respondItems(c, xs, toAppointeeDTO, err)
	}
}

// addAppointee appoints the body's user_id and answers the new list.
func (a *API) addAppointee(ap appointments) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req userIDReq
		u, id, ok := a.meAndWith(c, "id", &req)
		if !ok {
			return
		}
		if err := ap.add(c.Request.Context(), u, id, req.UserID); err != nil {
			fail(c, err)
			return
		}
		xs, err := ap.list(c.Request.Context(), u, id)
		respond(c, http.StatusCreated, gin.H{"items": dtos(xs, toAppointeeDTO)}, err)
	}
}

// removeAppointee withdraws the appointment of the user in the path
// parameter param or, when param is "", of the body's user_id.
func (a *API) removeAppointee(ap appointments, param string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req userIDReq
		var body any = &req
		if param != "" {
			body = pathParam(&req.UserID, param)
		}
		u, id, ok := a.meAndWith(c, "id", body)
		if !ok {
			return
		}
		if err := ap.remove(c.Request.Context(), u, id, req.UserID); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func (a *API) getRotatingCode(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	rc, err := a.d.Checkin.RotatingCode(c.Request.Context(), u, id)
	if err == nil {
		c.Header("Cache-Control", "no-store")
	}
	respond(c, http.StatusOK, gin.H{"code": rc.Code, "session_id": rc.SessionID, "step_seconds": int(checkin.CodeStep / time.Second),
		"expires_at": rc.ShowUntil, "accepted_until": rc.AcceptedUntil, "server_time": time.Now().UTC()}, err)
}

// toAttendanceDTO is a session's attendance sheet.
func toAttendanceDTO(at checkin.Attendance) gin.H {
	type line struct {
		RegistrationID int64      `json:"registration_id"`
		AttendeeName   string     `json:"attendee_name"`
		UserID         int64      `json:"user_id"`
		CheckedInAt    *time.Time `json:"checked_in_at"`
		CheckerID      int64      `json:"checker_id,omitempty"`
		Offline        bool       `json:"offline,omitempty"`
	}
	regs := make([]line, 0, len(at.Registrations))
	checkedIn := 0
	for _, l := range at.Registrations {
		x := line{RegistrationID: l.Registration.ID, AttendeeName: l.Registration.AttendeeName, UserID: l.Registration.UserID}
		if l.CheckedIn != nil {
			t := l.CheckedIn.At
			x.CheckedInAt, x.CheckerID, x.Offline = &t, l.CheckedIn.CheckerID, l.CheckedIn.Offline
			checkedIn++
		}
		regs = append(regs, x)
	}
	return gin.H{"session_id": at.Session.ID, "activity_id": at.Session.ActivityID, "activity_title": at.Session.ActivityTitle,
		"registrations": regs, "confirmed": len(regs), "checked_in": checkedIn, "presences": dtos(at.Presences, toPresenceDTO)}
}
