package activity

import (
	"context"
	"time"
)

// Outcome of a quota decision.
type Outcome int

const (
	Reserved       Outcome = iota // seats or waitlist places reserved
	NeedsRebuild                  // the activity's quota is missing: rebuild it from MySQL
	EpochChanged                  // the quota was rebuilt since the definition was read
	Closed                        // the activity no longer takes sign-ups
	IdemHit                       // this Idempotency-Key already made a group (GroupKey)
	Duplicate                     // an attendee is already registered (Attendee)
	LimitExceeded                 // the per-account limit would be passed
	Full                          // no seat and no waitlist place for the whole group
	UnknownSession                // a session is not in the quota (definition is stale)
	RateLimited                   // the attempt's rate-limit count (Reservation.Count) is over a limit
)

// RateCount is an attempt's rate-limit count in a form a quota can make
// in its decision's own Redis call (see CountingQuota): one round trip for
// the count and the decision instead of one each. Keys (the limiter's,
// ready to use) are counted in order, each up to Limits in a window of
// Window that its key names, up to and including the first over its
// limit; the keys after that one are not counted.
type RateCount struct {
	Keys   []string
	Limits []int
	Window time.Duration
	// Refuse answers an attempt over a limit.
	Refuse func() error

	made bool // counted (or sent to be counted) once already
}

// CountingQuota is a Quota that can count an attempt's rate limit in its
// decision (Reservation.Count). A quota on a Redis Cluster cannot (the
// limiter's keys and the activity's are in different slots): it says so,
// and the count is made on its own (RegisterInput.Admit).
type CountingQuota interface {
	CountsInDecision() bool
}

// Reservation asks the quota for places: every attendee in every session,
// all or nothing.
type Reservation struct {
	ActivityID int64
	Epoch      int64 // the epoch of the definition used (0 = any)
	UserID     int64
	Limit      int // per-account limit per session; 0 = none
	GroupKey   string
	IdemKey    string // "" = none
	IdemTTL    time.Duration
	Sessions   []int64
	Attendees  []string // attendee keys
	Now        time.Time
	// Count, when set, is counted first, in the same script run: over a
	// limit, nothing is reserved and the outcome is RateLimited.
	Count *RateCount
}

// ReserveResult is the quota's answer.
type ReserveResult struct {
	Outcome        Outcome
	Epoch          int64
	Status         string // RegConfirmed or RegWaitlisted when Reserved
	PositionBefore int    // waitlisted attendees ahead (first session) when waitlisted
	// Decision numbers the decision (increasing per activity, kept across
	// rebuilds): the waitlist is ordered by it, not by the order the
	// writes reach MySQL.
	Decision int64
	GroupKey string // IdemHit: the earlier group
	Attendee string // Duplicate: the attendee key
	Over     int    // RateLimited: the index of the key over its limit
}

// Seat is one registration's place, for applying a committed change.
type Seat struct {
	SessionID   int64
	AttendeeKey string
	UserID      int64
	Status      string // the status it had before the change
}

// QuotaState is what the reconciler reads of one activity's quota.
type QuotaState struct {
	Exists   bool
	Epoch    int64
	Version  int64 // bumped by every change
	Sessions map[int64]Counts
	Pending  map[string]time.Time // operations reserved but not yet acknowledged
}

// Quota is the Redis half: decisions in one script each.
type Quota interface {
	// Reserve decides a sign-up and reserves the places.
	Reserve(ctx context.Context, r Reservation) (ReserveResult, error)
	// Release gives back a reservation whose write definitely failed (the
	// status reserved is remembered by the quota). It is a no-op when the
	// reservation is no longer pending: released already, or the quota was
	// rebuilt since. epoch 0 = whatever the quota's epoch is.
	Release(ctx context.Context, r Reservation, epoch int64) error
	// Ack marks committed writes as done (their reservations stay).
	Ack(ctx context.Context, activityID int64, keys []string) error
	// Pending reports whether an operation is still reserved but unacknowledged.
	Pending(ctx context.Context, activityID int64, key string) (bool, error)

	// Prepare reserves seats for the waitlisted candidates that fit after
	// freed seats are given back, before the cancellation commits.
	Prepare(ctx context.Context, activityID, epoch int64, opKey string, freed map[int64]int, cands []Candidate, now time.Time) (Outcome, []int, error)
	// Unprepare gives back what Prepare reserved when the change did not commit.
	Unprepare(ctx context.Context, activityID, epoch int64, opKey string, chosen []Candidate) error
	// Apply records a committed cancellation: cancelled seats freed, promoted
	// attendees moved from the waitlist to seats.
	Apply(ctx context.Context, activityID, epoch int64, opKey string, cancelled, promoted []Seat) error

	// Epoch returns the quota's epoch (ok=false when the quota is missing).
	Epoch(ctx context.Context, activityID int64) (int64, bool, error)
	// Lock takes the rebuild lock of an activity.
	Lock(ctx context.Context, activityID int64, token string, ttl time.Duration) (bool, error)
	// Unlock releases the rebuild lock if token still holds it.
	Unlock(ctx context.Context, activityID int64, token string) error
	// HoldPerson takes a short lock on one person (a family member's ID
	// number hash) signing up for an activity, so that two accounts naming
	// the same person are decided one after the other (false: held).
	HoldPerson(ctx context.Context, activityID int64, person, token string, ttl time.Duration) (bool, error)
	// ReleasePerson releases the person's lock if token still holds it.
	ReleasePerson(ctx context.Context, activityID int64, person, token string) error
	// Load replaces the quota with a snapshot if token still holds the lock.
	Load(ctx context.Context, token string, s Snapshot) (bool, error)
	// Invalidate drops the quota (when its epoch is epoch; 0 = whatever it is).
	Invalidate(ctx context.Context, activityID, epoch int64) error
	// Counts returns the live counts of the given sessions per activity; an
	// activity whose quota is missing is absent from the answer.
	Counts(ctx context.Context, sessions map[int64][]int64) (map[int64]map[int64]Counts, error)
	// State reads the counts, version and pending operations of an activity.
	State(ctx context.Context, activityID int64, sessions []int64) (QuotaState, error)
	// States reads the states of many activities in one round trip.
	States(ctx context.Context, sessions map[int64][]int64) (map[int64]QuotaState, error)
}
