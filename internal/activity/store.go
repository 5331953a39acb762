package activity

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gongjian/internal/notify"
	"gongjian/internal/page"
)

// Events that residents hear of (see notices.go).
const (
	EventConfirmed  = "confirmed"
	EventWaitlisted = "waitlisted"
	EventPromoted   = "promoted"
	EventCancelled  = "cancelled" // by staff, or the whole activity
	EventChanged    = "changed"
	// EventWaitlistEnded: the session started while the group was still
	// waitlisted (EndStartedWaitlists); one notice per group.
	EventWaitlistEnded = "waitlist_ended"
)

// NoticeFunc builds the notices of an event for registrations whose ids are
// known. Stores call it inside the transaction that makes the change.
type NoticeFunc func(event string, regs []Registration) []notify.Notice

// Group is one sign-up request: every registration it made shares the key.
type Group struct {
	Key         string // 32 hex characters, chosen by the server
	UserID      int64
	ActivityID  int64
	IdemKey     string // the client's Idempotency-Key ("" = none)
	Fingerprint string // what was asked for, to refuse a reused key
	Answers     map[string]string
	Source      string
	CreatedBy   int64
	Reason      string
}

// Write is the MySQL half of one reserved sign-up.
type Write struct {
	Group   Group
	Regs    []Registration // IDs are filled on success
	Epoch   int64          // the quota epoch the reservation was made under
	Notices NoticeFunc
}

// WriteResult is the outcome of one Write.
type WriteResult struct {
	Regs []Registration
	Err  error
}

// Store errors the services react to.
var (
	// ErrFenced: the activity's quota epoch changed since the reservation;
	// nothing was written.
	ErrFenced = errors.New("activity: quota epoch changed")
	// ErrDuplicateAttendee: the unique key (session, attendee) refused a row.
	ErrDuplicateAttendee = errors.New("activity: attendee already registered")
	// ErrDuplicateIdem: the account already used this Idempotency-Key.
	ErrDuplicateIdem = errors.New("activity: idempotency key already used")
	// ErrUnclear: the outcome could not be settled (the database is away).
	ErrUnclear = errors.New("activity: write outcome unclear")
	// ErrLockLost: the transaction lost a deadlock or timed out waiting for
	// a lock and was rolled back whole; nothing was written and the
	// operation may be run again.
	ErrLockLost = errors.New("activity: transaction lost a lock")
)

// Candidate is a waitlisted group that a freed seat may promote.
type Candidate struct {
	GroupKey string
	Sizes    map[int64]int  // session id -> waitlisted attendees of the group
	Regs     []Registration // the group's waitlisted rows
}

// SessionIDs returns the candidate's sessions in ascending order.
func (c Candidate) SessionIDs() []int64 {
	out := make([]int64, 0, len(c.Sizes))
	for s := range c.Sizes {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// PickPromotions is the waitlist rule: walk the groups in FIFO order and
// promote every group that fits entirely in the seats available (groups
// never split; a group too large is skipped, the next one may fit). avail
// is changed in place. The Redis script implements the same rule.
func PickPromotions(cands []Candidate, avail map[int64]int) []int {
	var chosen []int
	for i, c := range cands {
		fits := len(c.Sizes) > 0
		for s, n := range c.Sizes {
			if n > avail[s] {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		for s, n := range c.Sizes {
			avail[s] -= n
		}
		chosen = append(chosen, i)
	}
	return chosen
}

// PrepareFunc reserves seats in the quota for the candidates that fit,
// given the seats freed by a cancellation; it returns the chosen indexes.
type PrepareFunc func(freed map[int64]int, cands []Candidate) ([]int, error)

// CancelOp cancels live registrations and promotes from the waitlist in one
// transaction.
type CancelOp struct {
	ActivityID int64
	RegIDs     []int64
	By         int64 // 0 = the resident (or no one: EndStartedWaitlists)
	Reason     string
	Epoch      int64 // the quota epoch Prepare runs under
	Notices    NoticeFunc
	// NoticeCancelled: tell the resident (cancelled by staff).
	NoticeCancelled bool
	// NoticeEvent is the event the resident is told of with
	// NoticeCancelled (empty: EventCancelled).
	NoticeEvent string
	// StartedBy (non-zero): cancel only when one of the targets' sessions
	// has started by then, judged under the sessions' locks (a session
	// moved later meanwhile keeps its waitlist).
	StartedBy time.Time
	// FillSessions (with no RegIDs): cancel nothing, give these sessions'
	// free seats to their waitlist.
	FillSessions []int64
}

// CancelResult says what a cancellation changed.
type CancelResult struct {
	Cancelled []Registration
	Promoted  []Registration
	Chosen    []Candidate
}

// SessionQuota is one session's counts in a snapshot.
type SessionQuota struct {
	ID               int64
	Capacity         int
	WaitlistCapacity int
	Confirmed        int
	Waitlisted       int
}

// Member is one live registration in a snapshot.
type Member struct {
	SessionID   int64
	AttendeeKey string
	UserID      int64
	Status      string
}

// Snapshot is the quota state of an activity as MySQL holds it.
type Snapshot struct {
	ActivityID int64
	Epoch      int64
	Open       bool      // published: sign-ups may be decided
	ExpiresAt  time.Time // when the quota may be dropped (a week after the last session)
	Sessions   []SessionQuota
	Members    []Member
	// LastDecision is the highest decision number stored: the rebuilt
	// quota numbers its decisions after it.
	LastDecision int64
	// Idem are the Idempotency-Keys of the activity's committed groups that
	// Redis would still remember (written within the key's TTL): the
	// rebuilt quota answers a retry with them as it did before it was lost,
	// a full session included.
	Idem []IdemRecord
}

// IdemRecord is one Idempotency-Key a rebuilt quota remembers until ExpiresAt.
type IdemRecord struct {
	UserID    int64
	Key       string
	GroupKey  string
	ExpiresAt time.Time
}

// QuotaTruth is what MySQL holds of an activity's quota, for the
// reconciler's quick comparison.
type QuotaTruth struct {
	Epoch     int64
	Open      bool      // published
	LastEndAt time.Time // the end of its last session
	Sessions  map[int64]Counts
}

// Counts are the live counts of one session.
type Counts struct {
	Capacity         int
	WaitlistCapacity int
	Confirmed        int
	Waitlisted       int
}

// Remaining seats (never negative).
func (c Counts) Remaining() int { return max(0, c.Capacity-c.Confirmed) }

// WaitlistRemaining places (never negative).
func (c Counts) WaitlistRemaining() int { return max(0, c.WaitlistCapacity-c.Waitlisted) }

// ActivityFilter selects activities.
type ActivityFilter struct {
	Category    string
	CommunityID int64
	From, To    time.Time // a session still held (not cancelled) starting in [From, To)
	Statuses    []string
	EndsAfter   time.Time // the last session ends after it (zero = any)
	// Staff scope (admin lists): any of these communities or host orgs; nil = no restriction.
	ScopeCommunities []int64
	ScopeOrgs        []int64
	ScopeAll         bool
	// HasSeatsAt: only activities with a seat left at that time (zero = any).
	HasSeatsAt time.Time
	// NewestFirst orders by creation, newest first (staff); otherwise by
	// first session still held (Activity.HeldStart), soonest first.
	NewestFirst bool
	// seatsVersion: with HasSeatsAt, the version of the seats the list
	// was read after (seatsSettler), so that a total counted before this
	// process's last refresh is not reused.
	seatsVersion uint64
}

// key identifies the filter for the totals cache (EndsAfter and HasSeatsAt
// are "now" and left out).
func (f ActivityFilter) key() string {
	return fmt.Sprint(f.Category, "|", f.CommunityID, "|", f.From.Unix(), "|", f.To.Unix(), "|", f.Statuses, "|", !f.EndsAfter.IsZero(), "|",
		!f.HasSeatsAt.IsZero(), "|", f.NewestFirst, "|", f.ScopeAll, "|", f.ScopeCommunities, "|", f.ScopeOrgs, "|", f.seatsVersion)
}

// RegistrationFilter selects registrations for staff, one keyset page at
// a time: one activity's in sign-up order, or (the console's list) those
// of every activity in a scope, newest first.
type RegistrationFilter struct {
	ActivityID int64 // 0: every activity of the scope
	SessionID  int64
	Status     string
	NoShow     *bool
	CheckedIn  *bool // nil: either; true: checked in; false: not checked in
	// The activities' scope (ScopeAll: all; else those of the communities
	// or hosted by the organisations).
	ScopeAll         bool
	ScopeCommunities []int64
	ScopeOrgs        []int64
	From, To         time.Time // signed up in [From, To) (zero: open)
	// Query: the attendee's name (a fragment) or the last digits of the
	// account's phone ("1234", or a masked "139****1234").
	Query  string
	Newest bool         // newest first (else sign-up order)
	After  *page.Cursor // nil = the first page
	Limit  int          // rows to read (the service asks one more than it serves)
}

// Store is what the services need from MySQL.
type Store interface {
	CreateOrganization(ctx context.Context, o *Organization) error
	Organization(ctx context.Context, id int64) (Organization, error)
	ListOrganizations(ctx context.Context) ([]Organization, error)

	// CreateActivity inserts a draft activity with its sessions (IDs filled).
	CreateActivity(ctx context.Context, a *Activity) error
	// Activity loads an activity with its sessions and host organisation name.
	Activity(ctx context.Context, id int64) (Activity, error)
	// SessionActivity returns the activity id of a session.
	SessionActivity(ctx context.Context, sessionID int64) (int64, error)
	// ListActivities lists one page of activities (with sessions).
	ListActivities(ctx context.Context, f ActivityFilter, offset, limit int) ([]Activity, error)
	// CountActivities counts the activities matching f.
	CountActivities(ctx context.Context, f ActivityFilter) (int, error)

	// Fenced changes of an activity: each bumps the quota epoch under an
	// exclusive lock on the activity row (so no write reserved under an older
	// quota can land afterwards) and changes the activity in one transaction.

	// UpdateActivity saves a's editable fields (not sessions, not status).
	UpdateActivity(ctx context.Context, a Activity, notices NoticeFunc, notify bool) error
	// SetStatus moves the activity from one of from to status.
	SetStatus(ctx context.Context, id int64, from []string, status string) error
	// CancelActivity cancels the activity and every live registration.
	CancelActivity(ctx context.Context, id int64, by int64, reason string, notices NoticeFunc) ([]Registration, error)
	// CancelSession cancels one session of a draft or published activity
	// that has not started by now: the session is marked cancelled with the
	// reason, and its live registrations not checked in are cancelled (by,
	// reason) with notices of EventCancelled. A session already cancelled is
	// ErrSessionCancelled with nothing written; one started by now is
	// refused (409 SESSION_STARTED). It returns the rows cancelled.
	CancelSession(ctx context.Context, activityID, sessionID, by int64, reason string, now time.Time, notices NoticeFunc) ([]Registration, error)
	// FinishActivity marks a published activity finished and cancels the
	// live registrations of its sessions starting after now (not checked
	// in), with notices; those of sessions under way or over stay.
	FinishActivity(ctx context.Context, id int64, by int64, now time.Time, reason string, notices NoticeFunc) ([]Registration, error)
	// AddSession adds a session to an activity. A series books all its
	// sessions at once, so in the same transaction every attendee of its
	// live groups (an attendee with a live row and none cancelled in the
	// group) is booked into the new session with the group's status and
	// decision number (the waitlisted keep their order), and notices of
	// EventChanged are written for the rows booked; a session that cannot
	// hold them is refused (409 SERIES_CAPACITY_SHORT, SERIES_WAITLIST_SHORT)
	// with nothing written. It returns the rows booked.
	AddSession(ctx context.Context, s *Session, notices NoticeFunc) ([]Registration, error)
	// UpdateSession changes a session's times and capacities: refused below
	// the confirmed count; a raise promotes waitlisted groups that fit.
	UpdateSession(ctx context.Context, s Session, notices NoticeFunc) (promoted []Registration, err error)

	// CommitRegistrations writes reserved sign-ups, as one transaction when
	// possible; every write gets its own result.
	CommitRegistrations(ctx context.Context, ws []Write) []WriteResult
	// SettleGroup decides a write whose commit outcome was unclear: it either
	// finds the group committed, or makes sure it never will be.
	SettleGroup(ctx context.Context, g Group) (committed bool, regs []Registration, err error)
	// CancelRegistrations cancels rows and promotes from the waitlist.
	CancelRegistrations(ctx context.Context, op CancelOp, prepare PrepareFunc) (CancelResult, error)
	// CancelOutcome reports, after an unclear commit, whether the rows are cancelled.
	CancelOutcome(ctx context.Context, regIDs []int64) (bool, error)
	// StartedWaitlists lists the waitlisted rows of up to limit groups
	// that have a waitlisted row in a session started by now (with the
	// group's waitlisted rows in later sessions: a series waits whole),
	// oldest group first.
	StartedWaitlists(ctx context.Context, now time.Time, limit int) ([]Registration, error)
	// DependentRegistrations lists a family member's live registrations in
	// sessions ending after t.
	DependentRegistrations(ctx context.Context, userID, dependentID int64, t time.Time) ([]Registration, error)
	// OutsideResidence lists the account's live registrations in sessions
	// ending after t of community-only activities of other communities.
	OutsideResidence(ctx context.Context, userID, communityID int64, t time.Time) ([]Registration, error)
	// PersonRegistered reports whether a family member with the ID number
	// (its hash) other than dependentID holds a live registration in one
	// of the sessions.
	PersonRegistered(ctx context.Context, sessionIDs []int64, idNumberHash string, dependentID int64) (bool, error)

	// QuotaSnapshot bumps the quota epoch and reads the quota state, with
	// the Idempotency-Keys of the groups written within idemTTL (each
	// expiring idemTTL after its group was written).
	QuotaSnapshot(ctx context.Context, activityID int64, idemTTL time.Duration) (Snapshot, error)
	// SessionCounts counts live registrations per session of the activities.
	SessionCounts(ctx context.Context, activityIDs []int64) (map[int64]Counts, error)
	// OpenActivityIDs lists, by id, up to limit published activities after
	// afterID whose last session ends after endsAfter (the reconciler's sweep).
	OpenActivityIDs(ctx context.Context, endsAfter time.Time, afterID int64, limit int) ([]int64, error)
	// ChangedActivities lists up to limit activities whose session counters
	// changed since the time given.
	ChangedActivities(ctx context.Context, since time.Time, limit int) ([]int64, error)
	// QuotaTruths reads MySQL's side of the activities' quotas: epoch, state
	// and the session counters.
	QuotaTruths(ctx context.Context, activityIDs []int64) (map[int64]QuotaTruth, error)
	// GroupExists reports whether a (non-void) group was committed.
	GroupExists(ctx context.Context, key string) (bool, error)

	// RegistrationsByGroup loads a group's registrations (nil when absent).
	RegistrationsByGroup(ctx context.Context, key string) (Group, []Registration, error)
	// GroupByIdem finds the group an account made with an Idempotency-Key.
	GroupByIdem(ctx context.Context, userID int64, idemKey string) (Group, []Registration, error)
	// Registration loads one registration with its session and activity.
	Registration(ctx context.Context, id int64) (RegistrationDetail, error)
	// RegistrationRow loads one registration alone (no names, no answers).
	RegistrationRow(ctx context.Context, id int64) (Registration, error)
	// AttendeeRegistrations lists the live rows of one attendee in an
	// activity's group (a series books every session for the attendee).
	AttendeeRegistrations(ctx context.Context, groupKey string, userID, dependentID int64) ([]Registration, error)
	// UserRegistrations lists an account's registrations with session and
	// activity; upcoming = sessions not ended and not cancelled.
	UserRegistrations(ctx context.Context, userID int64, upcoming bool, now time.Time, page, pageSize int) ([]RegistrationDetail, int, error)
	// UserRegistrationsAfter lists the same by keyset: after the cursor
	// (Key: the session's start in ms, ID: the registration), at most limit.
	UserRegistrationsAfter(ctx context.Context, userID int64, upcoming bool, now time.Time, after *page.Cursor, limit int) ([]RegistrationDetail, error)
	// Registrations lists a keyset page of registrations for staff (at
	// most f.Limit rows after f.After, by id; with their people, sessions
	// and activities).
	Registrations(ctx context.Context, f RegistrationFilter) ([]RegistrationDetail, error)
	// SetNoShow marks or clears a confirmed registration's no-show.
	SetNoShow(ctx context.Context, regID int64, noShow bool) error
	// NoShowTimes lists the session start times of an account's no-shows since t.
	NoShowTimes(ctx context.Context, userID int64, since time.Time) ([]time.Time, error)
}
