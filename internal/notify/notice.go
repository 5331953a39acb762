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
	// Fields are the logical template values, formatted and cut to
	// WeChat's limits when sent; names a template does not use are
	// ignored, and a missing one gets a neutral placeholder. The built-in
	// templates (config.DefaultTemplates) use:
	//
	//	activity  the activity title (any length; cut to 20 characters)
	//	time      RFC 3339 ("2026-05-01T09:00:00+08:00"), a range
	//	          "RFC3339~RFC3339", or WeChat's own formats ("2026-05-01 09:00",
	//	          "2026年5月1日 09:00"); shown as "2026年5月1日 09:00~11:00"
	//	place, note, detail, type, hours   free text ("2小时30分钟")
	//	attendee, name, wearer             a person's name
	//	status    a short Chinese phrase, ≤ 5 characters ("已取消", "已通过")
	Fields map[string]string
	// Page is the mini-program page to open, e.g. "pages/registrations/index".
	Page string
	// ActivityID and RegistrationID let staff see notices per activity.
	ActivityID     int64
	RegistrationID int64
	// DueAt is when to send; zero means now.
	DueAt time.Time
	// ExpiresAt, when set, drops the notice if it could not be sent
	// before then (a reminder expires when the session starts).
	ExpiresAt time.Time
}

// Delivery priorities: lower is claimed first, but every lane keeps a
// guaranteed share of each batch (see Runner), so none starves.
const (
	PriorityUrgent = 0 // alarms
	PriorityNormal = 1 // one person's own action or result
	PriorityBulk   = 2 // many people at once: changes, reminders
)

// PriorityOf returns the delivery priority of a template key.
func PriorityOf(templateKey string) int {
	switch templateKey {
	case WristbandAlert:
		return PriorityUrgent
	case ActivityChanged, ActivityReminder:
		return PriorityBulk
	}
	return PriorityNormal
}
