package notify

import (
	"context"
	"time"
)

// Delivery states of a notice (the outbox row's status).
const (
	StatusPending   = "pending"   // waiting for its due time (or its next attempt)
	StatusClaimed   = "claimed"   // reserved by one worker; nothing sent yet
	StatusSending   = "sending"   // the WeChat call is under way (attempt recorded)
	StatusSent      = "sent"      // WeChat accepted it; msg_id kept
	StatusNoGrant   = "no_grant"  // no subscription left (ours or WeChat's 43101): in-app only
	StatusInApp     = "in_app"    // no WeChat template for it: in-app only by design
	StatusFailed    = "failed"    // WeChat refused it for good, or retries ran out
	StatusUncertain = "uncertain" // the process died during the WeChat call: maybe delivered, never resent
	StatusExpired   = "expired"   // its expiry came before WeChat took it (a reminder at its session's start): in-app only
	StatusCancelled = "cancelled" // dropped: the reminder of a cancelled registration or a moved session (not shown in-app)
)

// Statuses are the delivery states, in the order a notice may pass them.
var Statuses = []string{StatusPending, StatusClaimed, StatusSending, StatusSent, StatusNoGrant, StatusInApp,
	StatusFailed, StatusUncertain, StatusExpired, StatusCancelled}

// Terminal reports whether a notice in status s is done with.
func Terminal(s string) bool {
	switch s {
	case StatusPending, StatusClaimed, StatusSending:
		return false
	}
	return true
}

// Delivery is a claimed notice, ready to send.
type Delivery struct {
	ID             int64
	UserID         int64
	OpenID         string // the receiver's openid ("" if the user is gone)
	TemplateKey    string
	Fields         map[string]string
	Page           string
	ActivityID     int64
	RegistrationID int64
	Priority       int
	Attempts       int // WeChat calls made before this one
	DueAt          time.Time
	ExpiresAt      time.Time // zero: never
	CreatedAt      time.Time
}

// ClaimRequest asks for due notices.
type ClaimRequest struct {
	Worker string
	Now    time.Time
	Lease  time.Duration // claimed_until = Now + Lease
	// Shares is the guaranteed number of notices per priority (index =
	// priority) taken first; Limit - sum(Shares) more are then taken in
	// priority order. Within a priority, oldest first.
	Shares []int
	Limit  int
}

// Grant says which template a subscription is for, for spending it.
type Grant struct {
	TemplateID string
	LongTerm   bool
}

// BeginResult is the outcome of BeginSend.
type BeginResult int

const (
	// Begun: the attempt is recorded as "sending" (and a one-time grant
	// reserved); make the call.
	Begun BeginResult = iota
	// NoGrant: the user has no subscription left; the notice is recorded
	// as no_grant.
	NoGrant
	// Lost: the claim was taken over by another worker; do nothing.
	Lost
)

// Outcome is what happened to one attempt or one claimed notice.
type Outcome struct {
	Status    string // a terminal status, or StatusPending to retry at NextAt
	NextAt    time.Time
	MsgID     int64
	ErrCode   int
	Reason    string // short English reason, for staff
	Refund    bool   // give back the grant reserved by BeginSend
	ZeroGrant bool   // WeChat says no subscription is left: set the balance to 0
	// ForgetReminder (Settle of a reminder dropped at the check) removes
	// the reminder record of the notice's registration and start
	// (RegistrationID, ExpiresAt) and frees its dedup key, so that start is
	// reminded again should the session come back to it.
	ForgetReminder bool
}

// GrantState is what a user allowed for one template.
type GrantState struct {
	TemplateKey string
	TemplateID  string
	Status      string // accept | reject | ban (the last answer)
	Balance     int    // one-time sends left
	LongTerm    bool
}

// GrantResult is one answer of wx.requestSubscribeMessage.
type GrantResult struct {
	TemplateKey string
	TemplateID  string
	Result      string // accept | reject | ban
	LongTerm    bool
}

// Message is a notice as the resident sees it in the app.
type Message struct {
	ID          int64
	TemplateKey string
	Title       string
	Body        string
	Page        string
	ActivityID  int64
	At          time.Time // when it became visible (its due time)
	ReadAt      *time.Time
}

// MessageRecord is a notice as staff see it.
type MessageRecord struct {
	ID          int64
	UserID      int64
	TemplateKey string
	Title       string
	Status      string
	Attempts    int
	ErrCode     int
	LastError   string
	MsgID       int64
	DueAt       time.Time
	SentAt      *time.Time
	ReadAt      *time.Time
	CreatedAt   time.Time
}

// ReminderRecord marks one registration's session start as reminded.
// Notice is nil when no reminder is sent for it (the start is only marked
// as dealt with).
type ReminderRecord struct {
	RegistrationID int64
	StartsAt       time.Time
	Notice         *Notice
}

// Store keeps notices, grants and reminder records.
type Store interface {
	// --- delivery ---

	// Recover returns notices whose claim expired to pending (nothing was
	// sent for them) and marks notices whose "sending" lease expired as
	// uncertain (the process died during the call).
	Recover(ctx context.Context, now time.Time) (requeued, uncertain int64, err error)
	// Claim reserves due pending notices for req.Worker, safely when many
	// processes claim at once.
	Claim(ctx context.Context, req ClaimRequest) ([]Delivery, error)
	// BeginSend records the attempt as "sending" until now+lease, spending
	// (reserving) a one-time grant of g, in one transaction, before the
	// WeChat call. It answers NoGrant (and records it) when there is none.
	BeginSend(ctx context.Context, d Delivery, worker string, g Grant, now time.Time, lease time.Duration) (BeginResult, error)
	// Finish records the outcome of the attempt worker's BeginSend began,
	// also once it was marked uncertain; it does nothing when that attempt
	// was never begun or is recorded already.
	Finish(ctx context.Context, d Delivery, worker string, o Outcome, now time.Time) error
	// Settle records the outcome of a claimed notice that needed no WeChat
	// call (cancelled, expired, in_app, failed), with o.ForgetReminder in
	// the same transaction.
	Settle(ctx context.Context, d Delivery, worker string, o Outcome, now time.Time) error
	// Release returns claimed, unsent notices to pending (at shutdown).
	Release(ctx context.Context, worker string, ids []int64) error
	// Purge deletes notices done with (Terminal) that were created before
	// before, batch rows at a time, and returns how many it deleted.
	Purge(ctx context.Context, before time.Time, batch int) (int64, error)

	// --- grants ---

	Grants(ctx context.Context, userID int64) ([]GrantState, error)
	RecordGrants(ctx context.Context, userID int64, results []GrantResult, now time.Time) error

	// --- in-app messages and staff view ---

	Messages(ctx context.Context, userID int64, now time.Time, beforeID int64, limit int) (items []Message, unread int, err error)
	MarkRead(ctx context.Context, userID, id int64, now time.Time) (unread int, err error)
	ActivityMessages(ctx context.Context, activityID, afterID int64, limit int, statuses []string) ([]MessageRecord, map[string]int, error)

	// --- reminders ---

	// AddReminders writes reminder records and their notices in one
	// transaction; records that exist already are skipped with their notice.
	AddReminders(ctx context.Context, rs []ReminderRecord) error
}
