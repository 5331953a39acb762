// Package notify owns the notices residents must hear of (confirmations,
// promotions, reminders, changes, alerts): the outbox they are written to in
// the same transaction as the change that caused them, and their delivery
// as WeChat subscribe messages and in-app messages.
package notify

import "time"

// Template keys of the notices the product sends.
const (
	RegistrationConfirmed  = "registration_confirmed"
	RegistrationWaitlisted = "registration_waitlisted" // in-app only: WeChat has no template for it
	WaitlistPromoted       = "waitlist_promoted"
	ActivityReminder       = "activity_reminder"
	ActivityChanged        = "activity_changed"
	CheckinDone            = "checkin_done"
	HoursCredited          = "hours_credited"
	ClaimReviewed          = "claim_reviewed"
	WristbandAlert         = "wristband_alert"
)

// Notice is one thing one user must hear of. Writers fill it and add it to
// the outbox inside their own transaction (mysqlstore.AddNotices).
type Notice struct {
	UserID      int64
	TemplateKey string
	// DedupKey makes a notice idempotent: a second notice with the same key
	// is dropped (e.g. "reg:42:confirmed").
	DedupKey string
	// Title and Body are the in-app message in Chinese.
	Title string
	Body  string
	// Fields are the logical template values (e.g. "activity", "time",
	// "place", "status", "note"), formatted and cut to WeChat's limits when sent.
	Fields map[string]string
	// Page is the mini-program page to open, e.g. "pages/registrations/index".
	Page string
	// ActivityID and RegistrationID let staff see notices per activity.
	ActivityID     int64
	RegistrationID int64
	// DueAt is when to send; zero means now.
	DueAt time.Time
}
