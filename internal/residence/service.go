package residence

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/usertext"
)

// Service applies the residence rules.
type Service struct {
	store   Store
	recheck Rechecker // may be nil (nothing to re-check)
	now     func() time.Time
}

// NewService builds the service; recheck may be nil.
func NewService(store Store, recheck Rechecker, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, recheck: recheck, now: now}
}

func field(v string, max int) (string, bool) {
	v = usertext.Clean(v)
	return v, v != "" && fits(v, max)
}

// fits reports whether a cleaned one-line text is at most max characters.
func fits(v string, max int) bool {
	return utf8.RuneCountInString(v) <= max && !strings.ContainsAny(v, "\x00\r\n\t")
}

// Apply files a resident's application (one pending at a time).
func (s *Service) Apply(ctx context.Context, userID int64, in Input) (Application, error) {
	if in.CommunityID <= 0 {
		return Application{}, errCommunity
	}
	ok, err := s.store.CommunityExists(ctx, in.CommunityID)
	if err != nil {
		return Application{}, err
	}
	if !ok {
		return Application{}, errCommunity
	}
	a := Application{UserID: userID, CommunityID: in.CommunityID, Status: StatusPending}
	a.Address, a.Building, a.Unit = usertext.Clean(in.Address), usertext.Clean(in.Building), usertext.Clean(in.Unit)
	if a.Address == "" || a.Building == "" || a.Unit == "" {
		return Application{}, errAddressRequired
	}
	if !fits(a.Address, 100) || !fits(a.Building, 20) || !fits(a.Unit, 20) {
		return Application{}, errAddressInvalid
	}
	if err := s.store.Create(ctx, &a); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Mine returns the resident's confirmed residence (nil if none) and their
// applications, newest first.
func (s *Service) Mine(ctx context.Context, userID int64) (*Application, []Application, error) {
	c, ok, err := s.store.Confirmed(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	apps, err := s.store.OfUser(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, apps, nil
	}
	return &c, apps, nil
}

// ConfirmedCommunity is the community the user's residence is confirmed
// in (0 = none): what "residents of this community only" checks.
func (s *Service) ConfirmedCommunity(ctx context.Context, userID int64) (int64, error) {
	c, ok, err := s.store.Confirmed(ctx, userID)
	if err != nil || !ok {
		return 0, err
	}
	return c.CommunityID, nil
}

// staffCommunities returns the communities u handles applications for
// (nil = every community): exactly those IsStaffOf lets them decide —
// community staff, subdistrict-wide staff and admins (a subdistrict
// admin: that subdistrict's communities); never an organisation's staff.
func staffCommunities(u User) ([]int64, bool) {
	sv := u.Serves()
	if sv.All {
		return nil, true
	}
	return sv.CommunityIDs, len(sv.CommunityIDs) > 0
}

// List returns the applications staff handle: their communities' only.
func (s *Service) List(ctx context.Context, u User, f Filter) ([]Application, error) {
	cs, ok := staffCommunities(u)
	if !ok || f.CommunityID != 0 && !u.IsStaffOf(f.CommunityID) {
		return []Application{}, nil
	}
	if f.CommunityID != 0 {
		cs = []int64{f.CommunityID}
	}
	f.CommunityIDs = cs
	f.Limit = page.WithinPeek(f.Limit, 50)
	return s.store.List(ctx, f)
}

// handled loads an application the staff member may decide (404 otherwise).
func (s *Service) handled(ctx context.Context, u User, id int64) (Application, error) {
	a, err := s.store.Application(ctx, id)
	if err != nil {
		return Application{}, err
	}
	if !u.IsStaffOf(a.CommunityID) {
		return Application{}, ErrNotFound
	}
	return a, nil
}

// Decision is the outcome of a staff decision.
type Decision struct {
	Application Application
	Cancelled   int // upcoming community-only registrations cancelled by the re-check
}

// Approve confirms the residence and makes it the resident's profile
// community (the mini-program and staff lists show it; eligibility keeps
// looking at the confirmed residence whatever the profile says later),
// telling the resident; then it re-checks the resident's upcoming
// community-only registrations (each one cancelled is told to them).
func (s *Service) Approve(ctx context.Context, u User, id int64) (Decision, error) {
	a, err := s.handled(ctx, u, id)
	if err != nil {
		return Decision{}, err
	}
	ok, err := s.store.Approve(ctx, id, u.ID, s.now().UTC(), []notify.Notice{s.notice(a, true)})
	if err != nil {
		return Decision{}, err
	}
	if !ok {
		return Decision{}, errNotPending
	}
	return s.Recheck(ctx, u, id)
}

// Reject refuses the application with a reason the resident sees.
func (s *Service) Reject(ctx context.Context, u User, id int64, reason string) (Application, error) {
	reason, ok := field(reason, 200)
	if !ok {
		return Application{}, errReasonRequired
	}
	a, err := s.handled(ctx, u, id)
	if err != nil {
		return Application{}, err
	}
	a.Reason = reason
	done, err := s.store.Reject(ctx, id, u.ID, reason, s.now().UTC(), []notify.Notice{s.notice(a, false)})
	if err != nil {
		return Application{}, err
	}
	if !done {
		return Application{}, errNotPending
	}
	return s.store.Application(ctx, id)
}

// notice tells the resident the decision on their application: the
// confirmed community, or the staff member's reason. It opens the
// residence page, like the other decisions' notices open theirs.
func (s *Service) notice(a Application, approved bool) notify.Notice {
	place := a.CommunityName + " " + a.Address + " " + a.Building + " " + a.Unit
	n := notify.Notice{UserID: a.UserID, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("residence:%d:reviewed", a.ID),
		Page: NoticePage, Fields: map[string]string{"activity": "居住认证", "time": s.now().In(cst.Zone).Format("2006-01-02 15:04")}}
	if approved {
		n.Title = "居住认证已通过"
		n.Body = fmt.Sprintf("您的居住认证已通过：%s。现在可以报名%s“仅限本社区居民”的活动、预约本社区场地。", place, a.CommunityName)
		n.Fields["status"], n.Fields["note"] = "已通过", a.CommunityName
		return n
	}
	n.Title = "居住认证未通过"
	n.Body = fmt.Sprintf("您申请的%s居住认证未通过，原因：%s。可在“我的—居住认证”修改后重新申请。", a.CommunityName, a.Reason)
	n.Fields["status"], n.Fields["note"] = "未通过", a.Reason
	return n
}

// Recheck re-checks the upcoming community-only registrations of an
// approved application's resident against their confirmed residence.
func (s *Service) Recheck(ctx context.Context, u User, id int64) (Decision, error) {
	a, err := s.handled(ctx, u, id)
	if err != nil {
		return Decision{}, err
	}
	if a.Status != StatusApproved {
		return Decision{}, errNotApproved
	}
	d := Decision{Application: a}
	if s.recheck != nil {
		if d.Cancelled, err = s.recheck.RecheckResidence(ctx, a.UserID, a.CommunityID); err != nil {
			return d, err
		}
	}
	return d, nil
}
