package httpapi

import (
	"time"

	"gongjian/internal/activity"
)

// ---- DTOs ----

type placeDTO struct {
	Address string  `json:"address"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
}

type eligibilityDTO struct {
	CommunityOnly bool     `json:"community_only"`
	MinAge        int      `json:"min_age"`
	MaxAge        int      `json:"max_age"`
	Roles         []string `json:"roles"`
}

type questionDTO struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
}

type sessionDTO struct {
	ID                int64     `json:"id"`
	StartsAt          time.Time `json:"starts_at"`
	EndsAt            time.Time `json:"ends_at"`
	Capacity          int       `json:"capacity"`
	WaitlistCapacity  int       `json:"waitlist_capacity"`
	Remaining         int       `json:"remaining"`
	WaitlistRemaining int       `json:"waitlist_remaining"`
	Confirmed         *int      `json:"confirmed,omitempty"`
	Waitlisted        *int      `json:"waitlisted,omitempty"`
	// Status is "open", or "cancelled" once staff cancelled the session
	// alone (then with when and why).
	Status       string     `json:"status"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
}

type activityItemDTO struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	Category       string    `json:"category"`
	CategoryName   string    `json:"category_name"`
	Status         string    `json:"status"`
	CommunityID    int64     `json:"community_id"`
	HostOrgID      int64     `json:"host_org_id"`
	HostOrgName    string    `json:"host_org_name"`
	Place          placeDTO  `json:"place"`
	CoverURL       string    `json:"cover_url"`
	SignupOpensAt  time.Time `json:"signup_opens_at"`
	SignupClosesAt time.Time `json:"signup_closes_at"`
	NextStartsAt   time.Time `json:"next_starts_at"`
	SessionsCount  int       `json:"sessions_count"`
	Remaining      int       `json:"remaining"`
	Series         bool      `json:"series"`
	Popular        bool      `json:"popular"`
}

type activityDTO struct {
	activityItemDTO
	Description           string         `json:"description"`
	CancelDeadlineMinutes int            `json:"cancel_deadline_minutes"`
	PerAccountLimit       int            `json:"per_account_limit"`
	Eligibility           eligibilityDTO `json:"eligibility"`
	Questions             []questionDTO  `json:"questions"`
	Sessions              []sessionDTO   `json:"sessions"`
	CancelReason          string         `json:"cancel_reason,omitempty"`
}

func toItemDTO(v activity.ActivityView) activityItemDTO {
	return activityItemDTO{
		ID: v.ID, Title: v.Title, Category: v.Category, CategoryName: activity.CategoryName(v.Category), Status: v.Status,
		CommunityID: v.CommunityID, HostOrgID: v.HostOrgID, HostOrgName: v.HostOrgName,
		Place:    placeDTO{Address: v.Place.Address, Lat: v.Place.Lat, Lng: v.Place.Lng},
		CoverURL: v.CoverURL, SignupOpensAt: v.SignupOpensAt, SignupClosesAt: v.SignupClosesAt, NextStartsAt: v.NextStartsAt,
		SessionsCount: len(v.Sessions), Remaining: v.Remaining, Series: v.Series, Popular: v.Popular,
	}
}

func toActivityDTO(v activity.ActivityView, staff bool) activityDTO {
	d := activityDTO{activityItemDTO: toItemDTO(v), Description: v.Description, CancelDeadlineMinutes: v.CancelDeadlineMinutes,
		PerAccountLimit: v.PerAccountLimit, CancelReason: v.CancelReason,
		Eligibility: eligibilityDTO{CommunityOnly: v.Eligibility.CommunityOnly, MinAge: v.Eligibility.MinAge, MaxAge: v.Eligibility.MaxAge, Roles: v.Eligibility.Roles},
		Questions:   []questionDTO{}, Sessions: []sessionDTO{}}
	if d.Eligibility.Roles == nil {
		d.Eligibility.Roles = []string{}
	}
	for _, q := range v.Questions {
		opts := q.Options
		if opts == nil {
			opts = []string{}
		}
		d.Questions = append(d.Questions, questionDTO{ID: q.ID, Type: q.Type, Title: q.Title, Options: opts, Required: q.Required})
	}
	for _, s := range v.Sessions {
		sd := sessionDTO{ID: s.ID, StartsAt: s.StartsAt, EndsAt: s.EndsAt, Capacity: s.Session.Capacity, WaitlistCapacity: s.Session.WaitlistCapacity,
			Remaining: s.Remaining(), WaitlistRemaining: s.WaitlistRemaining(),
			Status: s.Session.Status(), CancelledAt: s.CancelledAt, CancelReason: s.Session.CancelReason}
		if staff {
			c, w := s.Confirmed, s.Waitlisted
			sd.Confirmed, sd.Waitlisted = &c, &w
		}
		d.Sessions = append(d.Sessions, sd)
	}
	return d
}

type attendeeDTO struct {
	Self        bool   `json:"self"`
	DependentID *int64 `json:"dependent_id"`
	Name        string `json:"name"`
}

func toAttendee(r activity.Registration, name string) attendeeDTO {
	return attendeeDTO{Self: r.DependentID == 0, DependentID: optionalID(r.DependentID), Name: name}
}

type registrationDTO struct {
	ID               int64       `json:"id"`
	ActivityID       int64       `json:"activity_id"`
	SessionID        int64       `json:"session_id"`
	Attendee         attendeeDTO `json:"attendee"`
	Status           string      `json:"status"`
	WaitlistPosition *int        `json:"waitlist_position"`
}

func toRegistrationDTO(r activity.Registration) registrationDTO {
	d := registrationDTO{ID: r.ID, ActivityID: r.ActivityID, SessionID: r.SessionID, Attendee: toAttendee(r, r.AttendeeName), Status: r.Status}
	if r.Status == activity.RegWaitlisted {
		p := r.WaitlistPosition
		d.WaitlistPosition = &p
	}
	return d
}

type myRegistrationDTO struct {
	registrationDTO
	ActivityTitle  string            `json:"activity_title"`
	Category       string            `json:"category"`
	ActivityStatus string            `json:"activity_status"`
	StartsAt       time.Time         `json:"starts_at"`
	EndsAt         time.Time         `json:"ends_at"`
	Place          placeDTO          `json:"place"`
	Answers        map[string]string `json:"answers"`
	NoShow         bool              `json:"no_show"`
	CheckedInAt    *time.Time        `json:"checked_in_at"`
	CancelReason   string            `json:"cancel_reason,omitempty"`
	CancelDeadline time.Time         `json:"cancel_deadline"`
	CreatedAt      time.Time         `json:"created_at"`
}

func toMyRegistrationDTO(d activity.RegistrationDetail) myRegistrationDTO {
	r := d.Registration
	answers := r.Answers
	if answers == nil {
		answers = map[string]string{}
	}
	return myRegistrationDTO{
		registrationDTO: toRegistrationDTO(r), ActivityTitle: d.Activity.Title, Category: d.Activity.Category, ActivityStatus: d.Activity.Status,
		StartsAt: d.Session.StartsAt, EndsAt: d.Session.EndsAt,
		Place:   placeDTO{Address: d.Activity.Place.Address, Lat: d.Activity.Place.Lat, Lng: d.Activity.Place.Lng},
		Answers: answers, NoShow: r.NoShow, CheckedInAt: r.CheckedInAt, CancelReason: r.CancelReason,
		CancelDeadline: activity.CancelDeadline(&d.Activity, d.Session), CreatedAt: r.CreatedAt,
	}
}

type staffRegistrationDTO struct {
	myRegistrationDTO
	UserID      int64  `json:"user_id"`
	Phone       string `json:"phone"`
	PhoneMasked string `json:"phone_masked"`
	Source      string `json:"source"`
	Reason      string `json:"reason,omitempty"`
}

func toStaffRegistrationDTO(s activity.StaffRegistration) staffRegistrationDTO {
	d := staffRegistrationDTO{myRegistrationDTO: toMyRegistrationDTO(s.RegistrationDetail), UserID: s.Registration.UserID,
		Phone: s.Phone, PhoneMasked: s.Registration.PhoneMasked, Source: s.Registration.Source, Reason: s.Registration.Reason}
	d.Attendee.Name = s.Name
	return d
}

type orgDTO struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	ParentID     *int64    `json:"parent_id"`
	CommunityIDs []int64   `json:"community_ids"`
	CreatedAt    time.Time `json:"created_at"`
}

func toOrgDTO(o activity.Organization) orgDTO {
	return orgDTO{ID: o.ID, Name: o.Name, Type: o.Type, ParentID: optionalID(o.ParentID), CommunityIDs: nonNil(o.CommunityIDs), CreatedAt: o.CreatedAt}
}
