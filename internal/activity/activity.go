// Package activity owns what residents sign up for: the organisations that
// host activities, the activities and their sessions (场次), eligibility,
// registrations per attendee, the waitlist, no-shows and the services that
// apply the rules.
//
// Seats are counted twice on purpose. Redis holds the live quota of every
// activity (one Lua script decides a sign-up: duplicate, per-account limit,
// capacity, waitlist) and MySQL holds the truth (the registration rows, with
// a unique key on session and attendee as the last guard). The two are kept
// equal by a few rules the code below follows everywhere:
//
//   - Redis counts go up BEFORE MySQL rows appear (a reservation) and come
//     down only AFTER MySQL has committed the change that frees the seat, so
//     Redis never shows fewer taken seats than MySQL holds: no oversell.
//   - Every Redis state carries the activity's quota epoch; MySQL writes check
//     it under a shared lock on the activity row. Rebuilding Redis from MySQL,
//     and every staff change of an activity, bumps the epoch under an
//     exclusive lock first, so no write made against an older state can land
//     afterwards.
//   - Once a reservation is made, the request runs to its end on a detached
//     context: a client hanging up never undoes a committed row, and a write
//     whose outcome is unclear is settled against the unique key.
package activity

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Organisation types.
const (
	OrgCoBuilding = "co_building_unit" // 共建单位
	OrgSocial     = "social_org"       // 社会组织
	OrgParty      = "party_org"        // 党组织
)

// Organization hosts activities. Party organisations form a tree (ParentID).
type Organization struct {
	ID           int64
	Name         string
	Type         string
	ParentID     int64
	CommunityIDs []int64
	CreatedAt    time.Time
}

// Activity categories.
const (
	CategoryAfterSchool      = "after_school"      // 四点半学校
	CategoryClinic           = "clinic"            // 义诊
	CategoryPerformance      = "performance"       // 文艺演出
	CategoryYouthCamp        = "youth_camp"        // 青少年快乐营地
	CategoryLecture          = "lecture"           // 讲座/培训
	CategoryVolunteerService = "volunteer_service" // 志愿服务
	CategoryOther            = "other"
)

// Categories lists every category with its Chinese name, in display order.
var Categories = []struct{ Key, Name string }{
	{CategoryAfterSchool, "四点半学校"},
	{CategoryClinic, "义诊"},
	{CategoryPerformance, "文艺演出"},
	{CategoryYouthCamp, "青少年快乐营地"},
	{CategoryLecture, "讲座/培训"},
	{CategoryVolunteerService, "志愿服务"},
	{CategoryOther, "其他"},
}

// CategoryName returns the Chinese name of a category ("" when unknown).
func CategoryName(key string) string {
	for _, c := range Categories {
		if c.Key == key {
			return c.Name
		}
	}
	return ""
}

// CategoryKey returns the key of the category s names: its key, its
// Chinese name or one part of a two-part name (讲座, 培训: issue 7 lists the
// categories so), or its key in words ("after school", "Youth-Camp");
// "" when s names none.
func CategoryKey(s string) string {
	if CategoryName(s) != "" {
		return s
	}
	s = strings.TrimSpace(s)
	words := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(s))
	for _, c := range Categories {
		if c.Key == words || c.Name == s || slices.Contains(strings.Split(c.Name, "/"), s) {
			return c.Key
		}
	}
	return ""
}

// Activity statuses: draft → published → finished, or cancelled.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusFinished  = "finished"
	StatusCancelled = "cancelled"
)

// Place is where an activity happens.
type Place struct {
	Address string
	Lat     float64
	Lng     float64
}

// Eligibility restricts who may attend.
type Eligibility struct {
	CommunityOnly bool     // only residents of the activity's community
	MinAge        int      // 0 = no minimum; checked on the attendee's birth date
	MaxAge        int      // 0 = no maximum
	Roles         []string // the account holder must hold one of them (e.g. party_member)
}

// Question types.
const (
	QuestionText   = "text"
	QuestionChoice = "choice"
)

// Question is asked at sign-up.
type Question struct {
	ID       string
	Type     string
	Title    string
	Options  []string
	Required bool
}

// Activity is something residents sign up for.
type Activity struct {
	ID                    int64
	Title                 string
	Category              string
	Description           string
	CommunityID           int64
	HostOrgID             int64
	HostOrgName           string
	Place                 Place
	CoverURL              string
	Status                string
	SignupOpensAt         time.Time
	SignupClosesAt        time.Time
	CancelDeadlineMinutes int // confirmed sign-ups may be cancelled until this long before the session starts
	PerAccountLimit       int // people one account may sign up per session; 0 = no limit
	Series                bool
	Popular               bool
	Eligibility           Eligibility
	Questions             []Question
	Sessions              []Session
	CancelReason          string
	QuotaEpoch            int64 // bumped by every rebuild of the Redis quota and every staff change
	CreatedBy             int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Session finds a session of the activity.
func (a *Activity) Session(id int64) (Session, bool) {
	for _, s := range a.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return Session{}, false
}

// booked lists the sessions a sign-up for sessionID books: that session,
// or for a series every session not cancelled.
func (a *Activity) booked(sessionID int64) []int64 {
	if !a.Series {
		return []int64{sessionID}
	}
	out := make([]int64, 0, len(a.Sessions))
	for _, x := range a.Sessions {
		if !x.Cancelled() {
			out = append(out, x.ID)
		}
	}
	return out
}

// FirstStart is the start of the earliest session (zero when none).
func (a *Activity) FirstStart() time.Time {
	var t time.Time
	for _, s := range a.Sessions {
		if t.IsZero() || s.StartsAt.Before(t) {
			t = s.StartsAt
		}
	}
	return t
}

// HeldStart is the start of the earliest session still held (not
// cancelled by staff): where a series really begins. When every session is
// cancelled it is FirstStart (such a series takes no sign-up anyway).
func (a *Activity) HeldStart() time.Time {
	var t time.Time
	for _, s := range a.Sessions {
		if !s.Cancelled() && (t.IsZero() || s.StartsAt.Before(t)) {
			t = s.StartsAt
		}
	}
	if t.IsZero() {
		return a.FirstStart()
	}
	return t
}

// attendsFrom is when an attendee of sess starts attending: the session's
// start, or for a series (booked whole) the start of its first session
// still held. Sign-up closes then, the cancellation deadline counts back
// from it, and ages are taken on its day. A session cancelled by staff is
// not attended, so it moves none of them: they follow the definition as
// loaded, and every session cancel drops the cached definition.
func (a *Activity) attendsFrom(sess Session) time.Time {
	if a.Series {
		return a.HeldStart()
	}
	return sess.StartsAt
}

// LastEnd is the end of the latest session (zero when none).
func (a *Activity) LastEnd() time.Time {
	var t time.Time
	for _, s := range a.Sessions {
		if s.EndsAt.After(t) {
			t = s.EndsAt
		}
	}
	return t
}

// HeldEnd is the end of the activity's last session still held, or, when
// every session is cancelled, of its last session all the same (as
// HeldStart). The public list keeps an activity while it has not passed:
// a later session cancelled alone must not keep an activity that is over
// among the coming ones.
func (a *Activity) HeldEnd() time.Time {
	var t time.Time
	for _, s := range a.Sessions {
		if !s.Cancelled() && s.EndsAt.After(t) {
			t = s.EndsAt
		}
	}
	if t.IsZero() {
		return a.LastEnd()
	}
	return t
}

// Session is one occurrence (场次) of an activity.
type Session struct {
	ID               int64
	ActivityID       int64
	StartsAt         time.Time
	EndsAt           time.Time
	Capacity         int
	WaitlistCapacity int
	// CancelledAt is set when staff cancelled this one session (its
	// registrations were cancelled with CancelReason); the activity and
	// its other sessions go on.
	CancelledAt  *time.Time
	CancelReason string
}

// Session statuses (a session has no status of its own beyond these).
const (
	SessionOpen      = "open"
	SessionCancelled = "cancelled"
)

// Cancelled reports whether staff cancelled the session.
func (s Session) Cancelled() bool { return s.CancelledAt != nil }

// Status is the session's status: SessionOpen or SessionCancelled.
func (s Session) Status() string {
	if s.Cancelled() {
		return SessionCancelled
	}
	return SessionOpen
}

// Registration statuses.
const (
	RegConfirmed  = "confirmed"
	RegWaitlisted = "waitlisted"
	RegCancelled  = "cancelled"
)

// Registration sources.
const (
	SourceSelf  = "self"  // the resident signed up
	SourceStaff = "staff" // added by staff by hand
)

// Registration is one attendee in one session.
type Registration struct {
	ID            int64
	ActivityID    int64
	SessionID     int64
	GroupKey      string // every registration made by one request shares it
	UserID        int64  // the account holder
	DependentID   int64  // 0 = the account holder attends
	Status        string
	FirstStatus   string // status given in the first answer (idempotent retries repeat it)
	FirstPosition int    // waitlist position given in the first answer
	Decision      int64  // the quota's decision number: the waitlist's order
	NoShow        bool
	Source        string
	Reason        string // why staff added it
	CancelReason  string
	CancelledBy   int64 // 0 = the resident, or no one (a waitlist ended by EndStartedWaitlists: CancelReason says why)
	CancelledAt   *time.Time
	PromotedAt    *time.Time
	CreatedAt     time.Time
	Answers       map[string]string

	// Read-model fields filled by queries.
	AttendeeName     string
	PhoneMasked      string
	PhoneSealed      string
	WaitlistPosition int
	CheckedInAt      *time.Time // when the attendee was checked in (nil: not yet)
}

// AttendeeKey names the attendee uniquely: "u<user id>" for the account
// holder, "d<dependent id>" for a family member.
func AttendeeKey(userID, dependentID int64) string {
	if dependentID != 0 {
		return "d" + strconv.FormatInt(dependentID, 10)
	}
	return "u" + strconv.FormatInt(userID, 10)
}

// AttendeeKey of the registration.
func (r Registration) AttendeeKey() string { return AttendeeKey(r.UserID, r.DependentID) }

// Live reports whether the registration holds a seat or a waitlist place.
func (r Registration) Live() bool { return r.Status == RegConfirmed || r.Status == RegWaitlisted }

// RegistrationDetail is a registration with its session and activity: what
// check-in and tickets need.
type RegistrationDetail struct {
	Registration Registration
	Session      Session
	Activity     Activity
}
