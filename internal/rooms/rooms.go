// Package rooms owns the function rooms and venues of the communities and
// the co-building units (图书室、活动室、学校体育馆…), their bookings, and
// the communities' cultural teams (文体队伍) that book them.
//
// No two bookings holding a room ever overlap: a booking writes one row
// per occupied quarter hour (Granule) under the key (room, slot) in its
// own transaction, so the database refuses the second of two overlapping
// bookings whatever the concurrency. Closures occupy their slots the same
// way. Weekly limits are a conditional update of one counter row per
// booker, room and week, in the same transaction.
package rooms

import (
	"context"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/usertext"
)

// Granule is the unit of occupancy: every booking and closure covers whole
// granules. A room's slot size is a multiple of it.
const Granule = 15 * time.Minute

// SlotOf is the granule index holding t.
func SlotOf(t time.Time) int64 { return t.Unix() / int64(Granule/time.Second) }

// SlotTime is the start of granule index s.
func SlotTime(s int64) time.Time { return time.Unix(s*int64(Granule/time.Second), 0).UTC() }

// Room kinds.
const (
	KindLibrary     = "library"      // 图书室
	KindReadingRoom = "reading_room" // 阅览室
	KindChessRoom   = "chess_room"   // 棋牌室
	KindGym         = "gym"          // 健身房
	KindDanceRoom   = "dance_room"   // 舞蹈室
	KindActivity    = "activity_room"
	KindMeeting     = "meeting_room"
	KindClassroom   = "classroom"
	KindSports      = "sports_hall" // 体育馆
	KindOther       = "other"
)

// Kinds are the room kinds with their Chinese names.
var Kinds = map[string]string{
	KindLibrary: "图书室", KindReadingRoom: "阅览室", KindChessRoom: "棋牌室", KindGym: "健身房", KindDanceRoom: "舞蹈室",
	KindActivity: "活动室", KindMeeting: "会议室", KindClassroom: "教室", KindSports: "体育馆", KindOther: "其他",
}

// kindAliases are the issue's other words for the room kinds.
var kindAliases = map[string]string{"chess_and_card_room": KindChessRoom, "chess_and_card": KindChessRoom, "chess_card_room": KindChessRoom,
	"chess": KindChessRoom, "reading": KindReadingRoom, "dance": KindDanceRoom, "activity": KindActivity, "meeting": KindMeeting,
	"sports": KindSports, "fitness_room": KindGym, "fitness": KindGym}

// KindOf is the room kind s names: a kind, written in words ("reading
// room", "chess-and-card room"), another spelling of it or its Chinese
// name; s itself when none (refused by the caller).
func KindOf(s string) string {
	if k := usertext.Code(s, Kinds, kindAliases); k != "" {
		return k
	}
	return s
}

// Who may book (Rules.Audience).
const (
	AudienceResidents = "residents" // residents of the room's community
	AudienceTeams     = "teams"     // leaders of the community's cultural teams, for their team
	AudienceUnits     = "units"     // contacts of co-building units, for their unit
	AudienceStaff     = "staff"     // the room's owners and community staff (always allowed)
)

// DayHours are a room's opening hours on one weekday (1 = Monday … 7 =
// Sunday), "HH:MM" in China Standard Time.
type DayHours struct {
	Weekday int    `json:"weekday"`
	Opens   string `json:"opens"`
	Closes  string `json:"closes"`
}

// Rules are a room's booking rules.
type Rules struct {
	SlotMinutes   int      // bookings start and end on these boundaries (multiple of 15)
	MinMinutes    int      // shortest booking
	MaxMinutes    int      // longest booking
	AheadDays     int      // how far ahead one may book
	WeeklyHours   int      // hours per booker per week in this room; 0 = no limit
	Audience      []string // Audience*
	NeedsApproval bool     // bookings wait for the owner's approval
	GraceMinutes  int      // a confirmed booking not checked in this long after its start is released (no-show)
}

// Room is a bookable room of a community (OrgID 0) or of a co-building unit.
type Room struct {
	ID          int64
	CommunityID int64 // where it is; a community room belongs to it
	OrgID       int64 // the co-building unit that owns it; 0 = the community's
	Name        string
	Kind        string
	Place       string
	Capacity    int
	Facilities  []string
	Photos      []string
	Description string
	Hours       []DayHours
	Rules       Rules
	Active      bool
	CreatedBy   int64
	CreatedAt   time.Time
}

// Booking statuses. Pending, confirmed and checked-in bookings hold their slots.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusCheckedIn = "checked_in"
	StatusNoShow    = "no_show"   // not checked in within the grace period: released
	StatusCancelled = "cancelled" // by the booker, the owner or a closure
	StatusRejected  = "rejected"
	StatusExpired   = "expired" // pending and not decided before it began
)

// Holding are the statuses that occupy slots.
var Holding = []string{StatusPending, StatusConfirmed, StatusCheckedIn}

// Booker kinds.
const (
	ForSelf  = "resident" // a resident for themself
	ForTeam  = "team"     // a team leader for the team
	ForUnit  = "unit"     // a unit contact for the unit
	ForDesk  = "desk"     // desk staff for a person without an account
	ForStaff = "staff"    // staff for the community's own use
)

// HeldBy reports whether the booking is userID's own: they made it, or
// desk staff made it for them (ForUser).
func (b Booking) HeldBy(userID int64) bool {
	return userID != 0 && (b.BookedBy == userID || b.ForUser == userID)
}

// Booking is one booked time range of one room.
type Booking struct {
	ID         int64
	RoomID     int64
	SeriesID   int64
	StartsAt   time.Time
	EndsAt     time.Time
	Purpose    string
	Attendance int
	Status     string
	For        string // For*
	BookedBy   int64  // the account that made it
	TeamID     int64
	OrgID      int64
	// Desk bookings: the person booked for (no account), phone sealed.
	GuestName        string
	GuestPhoneSealed string
	GuestPhoneMasked string
	Reason           string // why desk staff booked on someone's behalf
	// ForUser is the registered resident desk staff booked for (0: none):
	// the booking is theirs to see, show at the door and cancel, as if
	// they had made it.
	ForUser int64
	// BookerKey names whose weekly hours the booking counts against.
	BookerKey    string
	IdemKey      string
	ExpiresAt    time.Time // pending: released unless decided by then
	ReleaseAt    time.Time // confirmed: released as a no-show unless checked in by then
	DecidedBy    int64
	DecidedAt    *time.Time
	DecisionNote string
	CheckedInAt  *time.Time
	CheckedInBy  int64
	CancelledBy  int64
	CancelReason string
	CreatedAt    time.Time

	// Read-only, filled by reads.
	RoomName    string
	BookerName  string
	TeamName    string
	OrgName     string
	CommunityID int64
	RoomOrgID   int64
	// ShortenedFrom is the end a closure cut a booking under way short
	// from (set on the booking its notice is built for; zero otherwise).
	ShortenedFrom time.Time
}

// Minutes is the booking's length.
func (b Booking) Minutes() int { return int(b.EndsAt.Sub(b.StartsAt) / time.Minute) }

// Holds reports whether b occupies its slots.
func (b Booking) Holds() bool {
	for _, s := range Holding {
		if b.Status == s {
			return true
		}
	}
	return false
}

// Closure makes a room unbookable for a time range (holiday, maintenance).
type Closure struct {
	ID        int64
	RoomID    int64
	StartsAt  time.Time
	EndsAt    time.Time
	Reason    string
	CreatedBy int64
	CreatedAt time.Time
}

// Series is a recurring booking: the same time every N weeks.
type Series struct {
	ID         int64
	RoomID     int64
	EveryWeeks int
	Until      time.Time
	CreatedAt  time.Time
}

// NewBooking is what the store writes for one booking: the row and what its
// weekly counter allows.
type NewBooking struct {
	Booking      *Booking
	WeekStart    time.Time // Monday 00:00 CST of the booking's week
	LimitMinutes int       // 0 = no limit
}

// BookingFilter selects bookings.
type BookingFilter struct {
	RoomIDs  []int64
	BookedBy int64
	ForUser  int64 // desk bookings for this registered resident
	TeamIDs  []int64
	Statuses []string
	From, To time.Time // overlapping [From, To)
	SeriesID int64
	// After is a keyset position (Key: starts_at in Unix microseconds, ID:
	// the booking): the rows after it in the list's order (nil: from the
	// start).
	After *page.Cursor
	Limit int
}

// RoomFilter selects rooms.
type RoomFilter struct {
	CommunityID int64
	OrgID       int64
	Kind        string
	MinCapacity int
	IDs         []int64
	WithClosed  bool // include inactive rooms
}

// Store is what the rooms service needs from persistence.
type Store interface {
	CreateRoom(ctx context.Context, r *Room) error
	UpdateRoom(ctx context.Context, r Room) error
	Room(ctx context.Context, id int64) (Room, error)
	Rooms(ctx context.Context, f RoomFilter) ([]Room, error)
	// UnitCommunities lists the communities of a co-building unit
	// (ErrUnitNotFound when there is none of that id).
	UnitCommunities(ctx context.Context, orgID int64) ([]int64, error)

	// CreateBookings writes the bookings (one, or a series' occurrences)
	// with their slot rows and weekly counters in one transaction: all or
	// none. A slot held by another booking or a closure fails the whole
	// write with ErrSlotTaken; a weekly counter over its limit with
	// ErrWeeklyLimit. A series row is written first when s is not nil.
	// With an idempotency key already used by the booker the earlier
	// bookings are returned instead (existing true).
	CreateBookings(ctx context.Context, s *Series, bs []NewBooking, notices []notify.Notice) (existing []Booking, err error)
	Booking(ctx context.Context, id int64) (Booking, error)
	Bookings(ctx context.Context, f BookingFilter) ([]Booking, error)
	// SetStatus moves a booking from one of from to to, freeing its slots
	// (and giving back its weekly minutes when refund) when to does not
	// hold them; ErrStateChanged when the booking is not in one of from.
	SetStatus(ctx context.Context, id int64, from []string, ch StatusChange, notices []notify.Notice) (Booking, error)
	// Occupied lists the granules of the room held in [from, to), with the
	// booking (> 0) or closure (< 0) holding each.
	Occupied(ctx context.Context, roomID int64, from, to time.Time) (map[int64]int64, error)

	// AddClosure cancels the bookings of the room overlapping the closure
	// that have not ended by cancel.At (with their notices, built by
	// notice) and occupies its slots from the granule after cancel.At on.
	// A booking under way whose use has begun (checked in, or its check-in
	// time over before the closure) is not cancelled: it ends where the
	// closure begins (ShortenedFrom set for its notice) and is not returned.
	AddClosure(ctx context.Context, c *Closure, cancel StatusChange, notice func(Booking) []notify.Notice) ([]Booking, error)
	Closures(ctx context.Context, roomID int64, from, to time.Time) ([]Closure, error)
	DeleteClosure(ctx context.Context, roomID, id int64) error

	// Due lists bookings whose grace period or pending window ran out.
	DueNoShows(ctx context.Context, now time.Time, limit int) ([]Booking, error)
	DuePending(ctx context.Context, now time.Time, limit int) ([]Booking, error)

	TeamStore
}

// StatusChange is a status change of a booking and what it records.
type StatusChange struct {
	To     string
	By     int64
	At     time.Time
	Note   string
	Refund bool // give the booking's minutes back to its weekly counter
}

// Tickets signs and verifies the product's QR tickets (checkin.Keys). A
// booking's ticket is a ticket of session 0 whose registration id is the
// booking's id: no session has id 0, so it is never taken for a sign-up's.
type Tickets interface {
	Issue(t checkin.Ticket) string
	Verify(s string) (checkin.Ticket, error)
}
