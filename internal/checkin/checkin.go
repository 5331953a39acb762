// Package checkin owns getting people through the door and counting
// volunteers' presence: signed tickets (Ed25519) for confirmed
// registrations, scanning them online and offline (kits and batches),
// the checkers staff appoint, rotating and poster codes for self check-in
// and check-out with a location check, and the closing of forgotten
// check-outs. Presences become service hours through the hours ledger.
package checkin

import (
	"context"
	"time"

	"gongjian/internal/hours"
	"gongjian/internal/notify"
)

// Registration statuses as check-in reads them.
const (
	StatusConfirmed  = "confirmed"
	StatusWaitlisted = "waitlisted"
	StatusCancelled  = "cancelled"
)

// CategoryVolunteer is the category whose sign-ups are volunteer service.
const CategoryVolunteer = "volunteer_service"

// Activity statuses check-in looks at.
const (
	ActivityPublished = "published"
	ActivityCancelled = "cancelled"
)

// Session is one session of an activity with what check-in needs of both.
type Session struct {
	ID             int64
	ActivityID     int64
	ActivityTitle  string
	Category       string
	ActivityStatus string
	// Cancelled: staff cancelled this session alone; nobody checks in.
	Cancelled   bool
	StartsAt    time.Time
	EndsAt      time.Time
	HostOrgID   int64
	HostOrgName string
	CommunityID int64
	Place       string
	Lat, Lng    float64
}

// HasPlace reports whether the activity's place has coordinates.
func (s Session) HasPlace() bool { return ValidCoordinates(s.Lat, s.Lng) }

// Registration is one attendee's sign-up for a session.
type Registration struct {
	ID           int64
	UserID       int64 // the account holder (owns the ticket)
	DependentID  int64 // 0 = the account holder attends
	AttendeeName string
	Status       string
	Session      Session
}

// Registrations reads the registration feature's data.
type Registrations interface {
	// Registration loads one registration (NotFound when absent).
	Registration(ctx context.Context, id int64) (Registration, error)
	// OwnRegistrations lists the account holder's own (not a family
	// member's) registrations for the sessions of an activity.
	OwnRegistrations(ctx context.Context, userID, activityID int64) ([]Registration, error)
	// Session loads a session (NotFound when absent).
	Session(ctx context.Context, id int64) (Session, error)
	// Sessions loads the sessions of ids that exist, in no given order.
	Sessions(ctx context.Context, ids []int64) ([]Session, error)
	// ActivitySessions lists an activity's sessions (NotFound when the activity is absent).
	ActivitySessions(ctx context.Context, activityID int64) ([]Session, error)
	// Cancelled lists an activity's cancelled registrations.
	Cancelled(ctx context.Context, activityID int64) ([]Registration, error)
	// SessionRegistrations lists a session's confirmed registrations.
	SessionRegistrations(ctx context.Context, sessionID int64) ([]Registration, error)
}

// Appointee is a user appointed to an activity (checker) or a session (volunteer slot).
type Appointee struct {
	UserID      int64
	Name        string
	ActivityID  int64
	SessionID   int64
	AppointedBy int64
	CreatedAt   time.Time
}

// Scan is one accepted scan of a ticket.
type Scan struct {
	RegistrationID int64
	SessionID      int64
	ActivityID     int64
	UserID         int64 // the registration's account holder
	CheckerID      int64
	Nonce          string
	At             time.Time // when it counts as scanned (server time online; corrected phone time offline)
	ReportedAt     time.Time // what the phone said
	Offline        bool
}

// Record is a registration's check-in: its earliest accepted scan.
type Record struct {
	RegistrationID int64
	SessionID      int64
	ActivityID     int64
	CheckerID      int64
	Nonce          string
	At             time.Time
	Offline        bool
}

// ScanOutcome is what storing a scan did.
type ScanOutcome struct {
	Counted bool   // this scan is the registration's check-in
	Record  Record // the check-in as it stands
}

// ReplayOutcome is what a checker's earlier scan with the same nonce did.
type ReplayOutcome struct {
	RegistrationID int64
	Counted        bool
	Record         Record
}

// Presence is one volunteer's self check-in (and check-out) of a session.
type Presence struct {
	ID              int64
	UserID          int64
	SessionID       int64
	ActivityID      int64
	RegistrationID  int64 // 0 for a volunteer slot
	SessionStartsAt time.Time
	SessionEndsAt   time.Time
	InAt            time.Time
	OutAt           *time.Time
	InLat, InLng    float64
	OutLat, OutLng  float64
	AutoClosed      bool // closed at the session's end because nobody checked out
	Flagged         bool // closed for staff review (auto-closed, or checked out away from the place)
	Minutes         int  // credited
	EntryID         int64
	// Review of a flagged presence: it credits nothing until approved.
	ReviewStatus string // "" (not flagged), pending, approved, rejected
	ReviewedBy   int64
	ReviewedAt   *time.Time
	ReviewNote   string
	// UpdatedAt is when the presence last changed (closed for review,
	// decided): the review queue's order.
	UpdatedAt time.Time
	// Filled for the review queue.
	UserName      string
	ActivityTitle string
}

// Review statuses of a flagged presence.
const (
	ReviewPending  = "pending"
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
)

// Closing is how a presence is closed: Auto at the session's end because
// nobody checked out; Review holds the credit until staff approve it.
type Closing struct {
	Auto   bool
	Review bool
}

// ReviewScope selects the presences a staff member may review.
type ReviewScope struct {
	All          bool
	OrgIDs       []int64 // host organisations
	CommunityIDs []int64 // the activities' communities
	Status       string  // "" = any reviewed or waiting
	// A keyset page: the presences after (AfterAt, AfterID) in the queue's
	// order (updated_at, id); AfterID 0 is the first page.
	AfterAt time.Time
	AfterID int64
	Limit   int
}

// CreditFunc builds the ledger entry for a presence just closed. The store
// writes it within the session's length and tells the volunteer what was
// written (hours.CreditedNotice of the entry as written, which may be less
// than the presence's overlap).
type CreditFunc func(p Presence) hours.Entry

// Store keeps check-ins, checkers, volunteer slots and presences.
type Store interface {
	AddChecker(ctx context.Context, activityID, userID, by int64) error
	RemoveChecker(ctx context.Context, activityID, userID int64) error
	IsChecker(ctx context.Context, activityID, userID int64) (bool, error)
	// CheckerActivities lists the activities the user is appointed to check.
	CheckerActivities(ctx context.Context, userID int64) ([]int64, error)
	Checkers(ctx context.Context, activityID int64) ([]Appointee, error)

	AddVolunteer(ctx context.Context, activityID, sessionID, userID, by int64) error
	RemoveVolunteer(ctx context.Context, sessionID, userID int64) error
	// VolunteerSessions lists the sessions of an activity the user holds a volunteer slot in.
	VolunteerSessions(ctx context.Context, userID, activityID int64) ([]int64, error)
	Volunteers(ctx context.Context, sessionID int64) ([]Appointee, error)
	// UserVolunteerSlots lists the user's volunteer slots, the latest
	// appointed first, at most limit.
	UserVolunteerSlots(ctx context.Context, userID int64, limit int) ([]Appointee, error)

	// Scan stores an accepted scan. A registration's first scan becomes its
	// check-in (with the notices); a later one is a duplicate, except that
	// with earliestWins (offline scans) an earlier time takes the check-in
	// over. ErrNonceUsed when the checker already sent this nonce;
	// ErrNotConfirmed when the registration is no longer confirmed (read
	// under a lock that a cancellation waits for, or that waits for it).
	Scan(ctx context.Context, s Scan, earliestWins bool, notices []notify.Notice) (ScanOutcome, error)
	// Replay finds a checker's earlier scan with this nonce (ok=false when none).
	Replay(ctx context.Context, checkerID int64, nonce string) (ReplayOutcome, bool, error)
	// CheckedIn lists the registrations of an activity that are checked in.
	CheckedIn(ctx context.Context, activityID int64) ([]Record, error)

	// OpenPresence records a check-in; with one already there it returns
	// that one and created=false. One closed with nothing credited (checked
	// out before the session began) is opened again (created=true).
	OpenPresence(ctx context.Context, p Presence, notices []notify.Notice) (Presence, bool, error)
	Presence(ctx context.Context, userID, sessionID int64) (Presence, error)
	// ClosePresence checks out an open presence and credits it through
	// credit, atomically; with close.Review it credits nothing and waits for
	// ReviewPresence. closed=false (and the presence) when it was already
	// closed; NotFound when there is none.
	ClosePresence(ctx context.Context, userID, sessionID int64, out time.Time, lat, lng float64, close Closing, credit CreditFunc) (Presence, bool, error)
	// PresenceByID loads a presence (NotFound when absent).
	PresenceByID(ctx context.Context, id int64) (Presence, error)
	// ReviewPresence decides a presence waiting for review: approved, it is
	// credited through credit in the same transaction. REVIEW_DONE when it
	// is not waiting.
	// rejected are the notices written with a rejection (in its transaction).
	ReviewPresence(ctx context.Context, id, by int64, approve bool, note string, credit CreditFunc, rejected []notify.Notice) (Presence, error)
	// ReviewQueue lists flagged presences in scope, oldest first (by
	// UpdatedAt and id), after the scope's position.
	ReviewQueue(ctx context.Context, sc ReviewScope) ([]Presence, error)
	// Overdue lists open presences of sessions that ended before t (by the
	// session end stored at check-in), ordered by that end and id, after
	// the presence after (nil: from the first).
	Overdue(ctx context.Context, endedBefore time.Time, after *Presence, limit int) ([]Presence, error)
	SessionPresences(ctx context.Context, sessionID int64) ([]Presence, error)
}

// Blobs caches generated images (poster codes).
type Blobs interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// CodeMaker makes mini-program codes (wxacode.getUnlimited).
type CodeMaker interface {
	WXACodeUnlimit(ctx context.Context, scene, page string) ([]byte, error)
}

// Config are the check-in rules' settings.
type Config struct {
	OpenBefore   time.Duration // tickets accepted from this long before a session starts
	CloseAfter   time.Duration // … until this long after it ends (also the check-out grace)
	RadiusMeters float64       // self check-in distance from the place
	ClockSkew    time.Duration // tolerated difference of a phone's clock
	PosterPage   string        // the mini-program page a poster opens
}
