// Package hours owns the service-hours ledger (志愿服务时长): an append-only
// list of credited minutes per person, activity and session, the claims
// (补录) volunteers make for services the ledger missed, party members'
// organisations and reporting communities, the roll-ups for the monthly
// report, and each person's service record (志愿服务记录).
//
// Nothing in the ledger is ever updated or deleted: a correction is a new
// entry (source "correction") that refers to the entry it corrects.
package hours

import (
	"context"
	"errors"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// ErrNeedsSecondApproval is returned by Store.Correct when a correction
// would take the entry's single-approval corrections beyond
// Entry.SingleApprovalMax: it then waits for a second staff member.
var ErrNeedsSecondApproval = errors.New("hours: correction needs a second approval")

// ErrClaimPending refuses a claim for a session that already has one
// waiting for review (Store.CreateClaim).
var ErrClaimPending = errs.Conflict("CLAIM_PENDING", "这个场次已有一条待审核的申报，请等待审核结果")

// Sources of ledger entries.
const (
	SourceCheckin    = "checkin"    // self check-in and check-out
	SourceClaim      = "claim"      // an approved claim
	SourceCorrection = "correction" // a staff correction of another entry
)

// Entry is one ledger line. Minutes is negative for a reversing correction.
type Entry struct {
	ID         int64
	UserID     int64
	ActivityID int64
	SessionID  int64 // 0 when the claim named no session
	Minutes    int
	Source     string
	RecordedBy int64 // who recorded it (the volunteer for check-ins, staff otherwise)
	ApprovedBy int64 // who approved it (0 for automatic check-in credit)
	ServedAt   time.Time
	Reason     string
	// CreditKey makes a credit idempotent: at most one entry per key
	// (e.g. "checkin:s42:u7" = once per session and person). Empty for corrections.
	CreditKey  string
	ReversesID int64 // the entry a correction corrects
	ClaimID    int64

	// SessionMinutes is the length of the session credited (not stored):
	// one person's credit for one session, across every source, never
	// exceeds it. 0 when no session is named (no cap).
	SessionMinutes int
	// Clamp credits only what still fits under SessionMinutes (check-outs);
	// otherwise an entry that does not fit is refused (CREDIT_EXCEEDS_SESSION).
	Clamp bool
	// SingleApprovalMax (not stored), on a correction written by the staff
	// member who asked for it: the most minutes (either sign) that such
	// corrections of one entry may add up to, this one included; beyond it
	// Correct writes nothing and returns ErrNeedsSecondApproval. 0: no limit.
	SingleApprovalMax int

	// Snapshots taken when the entry is written, so later edits of the
	// activity or of the person's membership never rewrite history.
	ActivityTitle       string
	Content             string // the service's content as the record shows it
	Place               string
	OrganiserName       string
	HostOrgID           int64
	ActivityCommunityID int64
	OrgID               int64 // the person's party organisation (0 = none)
	CommunityID         int64 // the person's reporting community, else home community

	CreatedAt time.Time
}

// Claim statuses.
const (
	ClaimPending  = "pending"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
)

// Claim is a volunteer's request to credit hours of a past service.
type Claim struct {
	ID             int64
	UserID         int64
	UserName       string
	ActivityID     int64
	SessionID      int64
	ActivityTitle  string
	HostOrgID      int64
	CommunityID    int64 // the activity's community
	ServedAt       time.Time
	Minutes        int
	Description    string
	PhotoURLs      []string
	Status         string
	ReviewedBy     int64
	ReviewedAt     *time.Time
	GrantedMinutes int
	RejectReason   string
	EntryID        int64
	CreatedAt      time.Time

	// Filled for reviewers: the session's length and the credit the
	// volunteer already has for it (the claim is then a top-up).
	SessionMinutes  int
	CreditedMinutes int
}

// Correction statuses: a correction larger than the configured size waits
// for a second staff member's approval.
const (
	CorrectionPending  = "pending"
	CorrectionApproved = "approved"
	CorrectionRejected = "rejected"
)

// Correction is a staff member's correction of an entry that needs a second
// staff member's approval before it is written to the ledger.
type Correction struct {
	ID            int64
	EntryID       int64 // the entry corrected
	UserID        int64 // whose hours
	ActivityID    int64
	SessionID     int64
	ActivityTitle string
	HostOrgID     int64
	CommunityID   int64 // the activity's community
	Minutes       int
	Reason        string
	RequestedBy   int64
	Status        string
	ReviewedBy    int64
	ReviewedAt    *time.Time
	RejectReason  string
	ResultEntryID int64 // the ledger entry written on approval
	CreatedAt     time.Time
}

// Membership is a party member's organisation and reporting community.
type Membership struct {
	UserID      int64
	OrgID       int64
	CommunityID int64 // 0 = not reported to a community
	UpdatedAt   time.Time
}

// Org is one node of the organisation tree.
type Org struct {
	ID       int64
	ParentID int64 // 0 = root
	Name     string
	Type     string // e.g. "party_org"; "" = unknown
}

// OrgParty is the type of party organisations (the registration feature's).
const OrgParty = "party_org"

// Activity is what hours needs to know of an activity (and one of its sessions).
type Activity struct {
	ID          int64
	Title       string
	Category    string
	Place       string
	HostOrgID   int64
	HostOrgName string
	CommunityID int64
	StartsAt    time.Time // of the session when one is named, else the first session
	EndsAt      time.Time
	SessionID   int64 // the session these times are of
	Sessions    int   // how many sessions the activity has
	Cancelled   bool  // the activity was cancelled
}

// Minutes is the length of the session the times are of.
func (a Activity) Minutes() int { return int(a.EndsAt.Sub(a.StartsAt) / time.Minute) }

// Activities looks up activities and sessions (implemented over the
// registration feature's tables).
type Activities interface {
	// Activity returns the activity; with sessionID != 0 the times are that
	// session's (NotFound when the session is not the activity's); with
	// activityID 0, the session's activity.
	Activity(ctx context.Context, activityID, sessionID int64) (Activity, error)
}

// Orgs reads the organisation tree.
type Orgs interface {
	OrgTree(ctx context.Context) ([]Org, error)
}

// People reads users.
type People interface {
	UserByID(ctx context.Context, id int64) (resident.User, error)
	ListCommunities(ctx context.Context) ([]resident.Community, error)
}

// Photos checks a claim's photos: every reference must be an upload of the
// claimant (implemented by the media package).
type Photos interface {
	CheckOwned(ctx context.Context, ownerID int64, refs []string) error
}

// Filter selects ledger entries for reports.
type Filter struct {
	From, To time.Time // served_at in [From, To)
	// All is true for admins; otherwise only entries of persons in these
	// organisations (already expanded to subtrees) or communities.
	All          bool
	OrgIDs       []int64
	CommunityIDs []int64
	UserID       int64 // 0 = everybody
}

// Sum is the minutes of one person in one organisation and community.
type Sum struct {
	UserID      int64
	OrgID       int64
	CommunityID int64
	Minutes     int
	Entries     int
}

// Store keeps the ledger, claims, memberships and identities.
type Store interface {
	// Append writes e (filling the person's organisation and community) and
	// the notices in one transaction. With a CreditKey already used it
	// writes nothing and returns the existing entry and created=false. The
	// session's credit stays within e.SessionMinutes (see Entry.Clamp).
	Append(ctx context.Context, e Entry, notices []notify.Notice) (Entry, bool, error)
	// Correct appends a correction of e.ReversesID unless the corrected
	// entry's net minutes would fall below zero (then NET_NEGATIVE), the
	// session's credit above its length (CREDIT_EXCEEDS_SESSION), or the
	// entry's single-approval corrections above e.SingleApprovalMax
	// (ErrNeedsSecondApproval), decided under a lock of the entry.
	Correct(ctx context.Context, e Entry, notices []notify.Notice) (Entry, error)
	Entry(ctx context.Context, id int64) (Entry, error)
	// RecordSummary nets the person's entries with ids up to upTo (math.MaxInt64: all)
	// per activity session and sums the lines with a positive net; its
	// LastEntryID is the last of those entries (any line).
	RecordSummary(ctx context.Context, userID, upTo int64) (RecordSummary, error)
	// RecordLines lists the record's lines after the cursor (Key = date in
	// ms, ID = first entry), by date then first entry, at most limit.
	RecordLines(ctx context.Context, userID int64, after *page.Cursor, limit int) ([]RecordLine, error)
	// EntryPage lists a keyset page of a person's entries, newest served
	// first (at most limit after the cursor; Key = served time in ms).
	EntryPage(ctx context.Context, userID int64, after *page.Cursor, limit int) ([]Entry, error)
	// MonthlyMinutes sums a person's minutes per month of China time
	// (months in order), from an index alone.
	MonthlyMinutes(ctx context.Context, userID int64) ([]Month, error)
	EntriesIn(ctx context.Context, f Filter) ([]Entry, error)
	Sums(ctx context.Context, f Filter) ([]Sum, error)

	// CreateClaim stores a pending claim unless the user already has one
	// for the same session (sessionID 0: for the activity without a
	// session): then ErrClaimPending. Decided under the person's lock of the
	// session, so a claim sent twice at once is one claim.
	CreateClaim(ctx context.Context, c *Claim) error
	Claim(ctx context.Context, id int64) (Claim, error)
	Claims(ctx context.Context, f ClaimFilter) ([]Claim, error)
	// SessionCredit is the user's net credited minutes for a session, every source.
	SessionCredit(ctx context.Context, userID, sessionID int64) (int, error)
	// ApproveClaim marks a pending claim approved and appends its entry and
	// the notices atomically; CLAIM_ALREADY_REVIEWED when it is not pending.
	ApproveClaim(ctx context.Context, id, by int64, e Entry, notices []notify.Notice) (Claim, error)
	RejectClaim(ctx context.Context, id, by int64, reason string, notices []notify.Notice) (Claim, error)

	CreateCorrection(ctx context.Context, c *Correction) error
	Correction(ctx context.Context, id int64) (Correction, error)
	Corrections(ctx context.Context, f ClaimFilter) ([]Correction, error)
	// ApproveCorrection marks a pending correction approved and appends e
	// (through Correct's rules) atomically; CORRECTION_ALREADY_REVIEWED when
	// it is not pending.
	ApproveCorrection(ctx context.Context, id, by int64, e Entry) (Correction, error)
	RejectCorrection(ctx context.Context, id, by int64, reason string) (Correction, error)

	SetMembership(ctx context.Context, m Membership) error
	Membership(ctx context.Context, userID int64) (Membership, error)

	// Names returns display names (real name, else nickname) of users.
	Names(ctx context.Context, ids []int64) (map[int64]string, error)

	SetIdentity(ctx context.Context, userID int64, sealed, hash, masked string) error
	IdentityMasked(ctx context.Context, userID int64) (string, error)
}

// ClaimFilter selects claims.
type ClaimFilter struct {
	Status       string // "" = any
	All          bool
	OrgIDs       []int64 // host organisations the reviewer is staff of
	CommunityIDs []int64 // communities the reviewer is staff of
	UserID       int64
	BeforeID     int64 // the rows before this id (0: from the newest): keyset paging
	Limit        int
}
