package activity

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/patch"
	"gongjian/internal/resident"
)

// CanManage reports whether u may manage the activity: admins, staff of
// the host organisation, staff of the activity's community.
func CanManage(u resident.User, a *Activity) bool {
	return u.IsAdmin() || u.IsStaffOfOrg(a.HostOrgID) || u.IsStaffOf(a.CommunityID)
}

// CanSeePersonalData reports whether u sees attendees' full names and
// phones: admins and the community's own staff; organisation staff see them masked.
func CanSeePersonalData(u resident.User, a *Activity) bool {
	return u.IsAdmin() || u.IsStaffOf(a.CommunityID)
}

var (
	errForbidden        = errs.Forbidden("FORBIDDEN", "没有权限管理该活动")
	errActivityNotFound = errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
)

func text(field, label string, v string, min, max int) (string, error) {
	return errs.Text(field, label, v, min, max)
}

// ---- organisations ----

// OrganizationInput creates an organisation.
type OrganizationInput struct {
	Name         string
	Type         string
	ParentID     int64
	CommunityIDs []int64
}

// CreateOrganization adds a host organisation (admins).
func (s *Service) CreateOrganization(ctx context.Context, u resident.User, in OrganizationInput) (Organization, error) {
	if !u.IsAdmin() {
		return Organization{}, errs.Forbidden("FORBIDDEN", "只有管理员可以添加组织")
	}
	name, err := text("name", "组织名称", in.Name, 1, 100)
	if err != nil {
		return Organization{}, err
	}
	switch in.Type {
	case OrgCoBuilding, OrgSocial, OrgParty:
	default:
		return Organization{}, errs.Invalid("INVALID_ORG_TYPE", "组织类型无效，请选择共建单位、社会组织或党组织")
	}
	if in.ParentID != 0 {
		p, err := s.store.Organization(ctx, in.ParentID)
		if err != nil {
			if errs.KindOf(err) == errs.KindNotFound {
				return Organization{}, errs.Invalid("UNKNOWN_PARENT", "上级组织不存在")
			}
			return Organization{}, err
		}
		if in.Type != OrgParty || p.Type != OrgParty {
			return Organization{}, errs.Invalid("INVALID_PARENT", "只有党组织可以设置上级党组织")
		}
	}
	if err := s.checkCommunities(ctx, in.CommunityIDs, true); err != nil {
		return Organization{}, err
	}
	o := Organization{Name: name, Type: in.Type, ParentID: in.ParentID, CommunityIDs: dedup(in.CommunityIDs)}
	if err := s.store.CreateOrganization(ctx, &o); err != nil {
		return Organization{}, err
	}
	return o, nil
}

func dedup[T comparable](in []T) []T {
	seen := map[T]bool{}
	var out []T
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (s *Service) checkCommunities(ctx context.Context, ids []int64, atLeastOne bool) error {
	if atLeastOne && len(ids) == 0 {
		return errs.Invalid("INVALID_COMMUNITIES", "请至少选择一个社区")
	}
	cs, err := s.people.Communities(ctx)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, c := range cs {
		have[c.ID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")
		}
	}
	return nil
}

// Organization loads one organisation (ORGANIZATION_NOT_FOUND when there
// is none).
func (s *Service) Organization(ctx context.Context, id int64) (Organization, error) {
	return s.store.Organization(ctx, id)
}

// Organizations lists every organisation.
func (s *Service) Organizations(ctx context.Context) ([]Organization, error) {
	return s.store.ListOrganizations(ctx)
}

// ---- activities ----

// SessionInput describes a session to create or change.
type SessionInput struct {
	StartsAt         time.Time
	EndsAt           time.Time
	Capacity         int
	WaitlistCapacity int
}

// ActivityInput creates an activity, or changes one (nil fields of a
// patch stay; see ActivityPatch).
type ActivityInput struct {
	Title                 string
	Category              string
	Description           string
	CommunityID           int64
	HostOrgID             int64
	Place                 Place
	CoverURL              string
	SignupOpensAt         time.Time
	SignupClosesAt        time.Time
	CancelDeadlineMinutes int
	PerAccountLimit       int
	Series                bool
	Popular               bool
	Eligibility           Eligibility
	Questions             []Question
	Sessions              []SessionInput
}

func validCategory(c string) bool { return CategoryName(c) != "" }

func (s *Service) validateSession(in SessionInput, creating bool) error {
	if in.StartsAt.IsZero() || in.EndsAt.IsZero() || !in.EndsAt.After(in.StartsAt) {
		return errs.Invalid("INVALID_SESSION", "场次的结束时间必须晚于开始时间")
	}
	if in.EndsAt.Sub(in.StartsAt) > 31*24*time.Hour {
		return errs.Invalid("INVALID_SESSION", "一个场次不能超过31天")
	}
	if creating && !in.StartsAt.After(s.now()) {
		return errs.Invalid("INVALID_SESSION", "场次开始时间必须在将来")
	}
	if in.Capacity < 1 || in.Capacity > 100000 {
		return errs.Invalid("INVALID_CAPACITY", "名额应为1到100000")
	}
	if in.WaitlistCapacity < 0 || in.WaitlistCapacity > 10000 {
		return errs.Invalid("INVALID_CAPACITY", "候补名额应为0到10000")
	}
	return nil
}

// normalize validates an activity's fields (not its sessions).
func (s *Service) normalize(a *Activity) error {
	var err error
	if a.Title, err = text("title", "活动名称", a.Title, 1, 100); err != nil {
		return err
	}
	if a.Description, err = text("description", "活动介绍", a.Description, 0, 5000); err != nil {
		return err
	}
	if !validCategory(a.Category) {
		return errs.Invalid("INVALID_CATEGORY", "活动类别无效，请从列表中选择")
	}
	if a.Place.Address, err = text("address", "活动地点", a.Place.Address, 1, 200); err != nil {
		return err
	}
	if a.Place.Lat < -90 || a.Place.Lat > 90 || a.Place.Lng < -180 || a.Place.Lng > 180 {
		return errs.Invalid("INVALID_PLACE", "经纬度无效")
	}
	if err := signupWindow(a); err != nil {
		return err
	}
	if a.CancelDeadlineMinutes < 0 || a.CancelDeadlineMinutes > 7*24*60 {
		return errs.Invalid("INVALID_CANCEL_DEADLINE", "取消截止时间应为活动开始前0到10080分钟")
	}
	if a.PerAccountLimit < 0 || a.PerAccountLimit > 10 {
		return errs.Invalid("INVALID_LIMIT", "每个账号报名人数上限应为0（不限）到10")
	}
	e := &a.Eligibility
	if e.MinAge < 0 || e.MaxAge < 0 || e.MinAge > 120 || e.MaxAge > 120 || (e.MaxAge > 0 && e.MinAge > e.MaxAge) {
		return errs.Invalid("INVALID_ELIGIBILITY", "年龄范围无效")
	}
	for _, r := range e.Roles {
		if !resident.IsGrantable(r) || r == resident.RoleUnitContact {
			return errs.Invalid("INVALID_ELIGIBILITY", "报名角色无效，请选择党员、志愿者、工作人员或管理员")
		}
	}
	e.Roles = dedup(e.Roles)
	if len(a.Questions) > 10 {
		return errs.Invalid("INVALID_QUESTIONS", "报名问题最多10个")
	}
	ids := map[string]bool{}
	for i := range a.Questions {
		q := &a.Questions[i]
		if q.ID == "" {
			q.ID = "q" + strconv.Itoa(i+1)
		}
		if len(q.ID) > 16 || ids[q.ID] {
			return errs.Invalid("INVALID_QUESTIONS", "问题编号重复或过长")
		}
		ids[q.ID] = true
		if q.Title, err = text("questions", "问题", q.Title, 1, 50); err != nil {
			return err
		}
		switch q.Type {
		case QuestionText:
			q.Options = nil
		case QuestionChoice:
			if len(q.Options) < 2 || len(q.Options) > 10 {
				return errs.Invalid("INVALID_QUESTIONS", "选择题需要2到10个选项")
			}
			for j := range q.Options {
				if q.Options[j], err = text("questions", "选项", q.Options[j], 1, 30); err != nil {
					return err
				}
			}
		default:
			return errs.Invalid("INVALID_QUESTIONS", "问题类型只能是填空题或选择题")
		}
	}
	return nil
}

// signupWindow checks the sign-up window against itself and the sessions:
// it closes after it opens, and no later than the activity's end.
// defaultWindow fills a sign-up window left out on creation (issue 3 lists
// it but does not require it): sign-up opens now and closes when the last
// session starts (each session still takes no sign-up once it has
// started). A side given is kept.
func defaultWindow(a *Activity, now time.Time) {
	if a.SignupOpensAt.IsZero() {
		a.SignupOpensAt = now.Truncate(time.Second)
	}
	if a.SignupClosesAt.IsZero() {
		for _, ss := range a.Sessions {
			if ss.StartsAt.After(a.SignupClosesAt) {
				a.SignupClosesAt = ss.StartsAt
			}
		}
	}
}

func signupWindow(a *Activity) error {
	if a.SignupOpensAt.IsZero() || a.SignupClosesAt.IsZero() || !a.SignupClosesAt.After(a.SignupOpensAt) {
		return errs.Invalid("INVALID_SIGNUP_WINDOW", "报名截止时间必须晚于报名开始时间")
	}
	if last := a.LastEnd(); !last.IsZero() && a.SignupClosesAt.After(last) {
		return errs.Invalid("INVALID_SIGNUP_WINDOW", "报名截止时间不能晚于活动结束时间")
	}
	return nil
}

// checkHost checks the host organisation exists and is tied to the community.
func (s *Service) checkHost(ctx context.Context, orgID, communityID int64) error {
	o, err := s.store.Organization(ctx, orgID)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return errs.Invalid("UNKNOWN_ORGANIZATION", "主办组织不存在")
		}
		return err
	}
	for _, c := range o.CommunityIDs {
		if c == communityID {
			return nil
		}
	}
	return errs.Invalid("ORG_NOT_IN_COMMUNITY", "主办组织不服务于该社区")
}

// CreateActivity creates a draft activity with its sessions (admins, staff
// of the host organisation or of the community).
func (s *Service) CreateActivity(ctx context.Context, u resident.User, in ActivityInput) (Activity, error) {
	a := Activity{
		Title: in.Title, Category: in.Category, Description: in.Description, CommunityID: in.CommunityID, HostOrgID: in.HostOrgID,
		Place: in.Place, CoverURL: strings.TrimSpace(in.CoverURL), Status: StatusDraft, SignupOpensAt: in.SignupOpensAt,
		SignupClosesAt: in.SignupClosesAt, CancelDeadlineMinutes: in.CancelDeadlineMinutes, PerAccountLimit: in.PerAccountLimit,
		Series: in.Series, Popular: in.Popular, Eligibility: in.Eligibility, Questions: in.Questions, CreatedBy: u.ID,
	}
	if !CanManage(u, &a) {
		return Activity{}, errForbidden
	}
	if len(in.Sessions) == 0 || len(in.Sessions) > 200 {
		return Activity{}, errs.Invalid("INVALID_SESSION", "请添加1到200个场次")
	}
	for _, si := range in.Sessions {
		if err := s.validateSession(si, true); err != nil {
			return Activity{}, err
		}
		a.Sessions = append(a.Sessions, Session{StartsAt: si.StartsAt, EndsAt: si.EndsAt, Capacity: si.Capacity, WaitlistCapacity: si.WaitlistCapacity})
	}
	defaultWindow(&a, s.now())
	if err := s.normalize(&a); err != nil {
		return Activity{}, err
	}
	if err := s.checkCommunities(ctx, []int64{a.CommunityID}, true); err != nil {
		return Activity{}, err
	}
	if err := s.checkHost(ctx, a.HostOrgID, a.CommunityID); err != nil {
		return Activity{}, err
	}
	if err := s.checkCover(ctx, u.ID, a.CoverURL); err != nil {
		return Activity{}, err
	}
	if err := s.store.CreateActivity(ctx, &a); err != nil {
		return Activity{}, err
	}
	s.totals.forget()
	return s.store.Activity(ctx, a.ID)
}

// managed loads an activity the user may manage (NotFound otherwise, so
// staff of other organisations learn nothing).
func (s *Service) managed(ctx context.Context, u resident.User, id int64) (Activity, error) {
	a, err := s.store.Activity(ctx, id)
	if err != nil {
		return Activity{}, err
	}
	if !CanManage(u, &a) {
		return Activity{}, errActivityNotFound
	}
	return a, nil
}

// ActivityPatch changes an activity; nil fields stay.
type ActivityPatch struct {
	Title                 *string
	Category              *string
	Description           *string
	Place                 *Place
	CoverURL              *string
	SignupOpensAt         *time.Time
	SignupClosesAt        *time.Time
	CancelDeadlineMinutes *int
	PerAccountLimit       *int
	Popular               *bool
	Eligibility           *Eligibility
	Questions             *[]Question
}

// UpdateActivity edits an activity; residents signed up hear of a new place.
func (s *Service) UpdateActivity(ctx context.Context, u resident.User, id int64, p ActivityPatch) (Activity, error) {
	a, err := s.managed(ctx, u, id)
	if err != nil {
		return Activity{}, err
	}
	if a.Status == StatusCancelled || a.Status == StatusFinished {
		return Activity{}, errs.Unprocessable("ACTIVITY_STATUS", "已取消或已结束的活动不能修改")
	}
	old := a.Place
	patch.Apply(&a, p)
	if err := s.normalize(&a); err != nil {
		return Activity{}, err
	}
	if p.CoverURL != nil { // a cover set earlier stays whatever the rule became
		a.CoverURL = strings.TrimSpace(a.CoverURL)
		if err := s.checkCover(ctx, u.ID, a.CoverURL); err != nil {
			return Activity{}, err
		}
	}
	moved := a.Place.Address != old.Address
	dctx, cancel := s.detached(ctx)
	defer cancel()
	err = s.store.UpdateActivity(dctx, a, noticesFor(&a, "活动地点变更为："+a.Place.Address), moved)
	return s.reloadAfterChange(dctx, id, err)
}

// Publish opens a draft activity to residents.
func (s *Service) Publish(ctx context.Context, u resident.User, id int64) (Activity, error) {
	a, err := s.managed(ctx, u, id)
	if err != nil {
		return Activity{}, err
	}
	if a.LastEnd().Before(s.now()) {
		return Activity{}, errs.Unprocessable("ACTIVITY_OVER", "活动已结束，不能发布")
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	err = s.store.SetStatus(dctx, id, []string{StatusDraft}, StatusPublished)
	return s.reloadAfterChange(dctx, id, err)
}

// Finish marks an activity over (it no longer takes sign-ups). Finished
// before its last session, the registrations of sessions not yet begun are
// cancelled and their residents told, so that nobody comes to a session
// that will not be held (or is reminded of it).
func (s *Service) Finish(ctx context.Context, u resident.User, id int64) (Activity, error) {
	a, err := s.managed(ctx, u, id)
	if err != nil {
		return Activity{}, err
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	_, err = s.store.FinishActivity(dctx, id, u.ID, s.now(), finishedEarly, noticesFor(&a, finishedEarly))
	return s.reloadAfterChange(dctx, id, err)
}

// finishedEarly is the reason residents read when an activity is finished
// before a session they signed up for.
const finishedEarly = "活动已提前结束，后续场次不再举行"

// ActivityCancelled is the reason residents read when staff cancel an
// activity without giving one (as sessionCancelled for a session).
const ActivityCancelled = "主办方取消了该活动"

// CancelActivity cancels an activity: every registration not checked in
// yet is cancelled and each of those residents receives a notice with the
// reason; a registration already checked in stays confirmed (its
// attendance and hours happened). A reason given must not be blank (the
// API passes ActivityCancelled when none is given).
func (s *Service) CancelActivity(ctx context.Context, u resident.User, id int64, reason string) (Activity, int, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return Activity{}, 0, errReasonRequired
	}
	a, err := s.managed(ctx, u, id)
	if err != nil {
		return Activity{}, 0, err
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	regs, err := s.store.CancelActivity(dctx, id, u.ID, reason, noticesFor(&a, reason))
	s.afterChange(dctx, id)
	if err != nil {
		return Activity{}, 0, err
	}
	out, err := s.store.Activity(dctx, id)
	return out, len(regs), err
}

// SessionActivity returns the id of the session's activity.
func (s *Service) SessionActivity(ctx context.Context, sessionID int64) (int64, error) {
	if sessionID <= 0 {
		return 0, errSessionNotFound
	}
	return s.activityOf(ctx, sessionID)
}

// sessionCancelled is the reason residents read when staff cancel a
// session without giving one.
const sessionCancelled = "主办方取消了该场次"

// CancelSession cancels one session of an activity (draft or published)
// that has not started: its registrations not checked in are cancelled and
// each group hears of it once, with the reason (a default when empty). The
// activity and its other sessions go on, even when no session is left:
// staff cancel the activity themselves. Cancelling a cancelled session
// again changes nothing and answers the activity as it is, with already
// set. It returns how many registrations were cancelled.
func (s *Service) CancelSession(ctx context.Context, u resident.User, activityID, sessionID int64, reason string) (a Activity, n int, already bool, err error) {
	a, n, err = s.cancelSession(ctx, u, activityID, sessionID, reason, &already)
	return a, n, already, err
}

func (s *Service) cancelSession(ctx context.Context, u resident.User, activityID, sessionID int64, reason string, already *bool) (Activity, int, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 200 {
		return Activity{}, 0, errReasonRequired
	}
	if reason == "" {
		reason = sessionCancelled
	}
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return Activity{}, 0, err
	}
	sess, ok := a.Session(sessionID)
	if !ok {
		return Activity{}, 0, errSessionNotFound
	}
	if sess.Cancelled() {
		*already = true
		return a, 0, nil
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	regs, err := s.store.CancelSession(dctx, activityID, sessionID, u.ID, reason, s.now(), noticesFor(&a, reason))
	if errors.Is(err, ErrSessionCancelled) {
		// Cancelled meanwhile by someone else: nothing was written.
		err, *already = nil, true
	}
	s.afterChange(dctx, activityID)
	if err != nil {
		return Activity{}, 0, err
	}
	out, err := s.store.Activity(dctx, activityID)
	return out, len(regs), err
}

// AddSession adds a session to an activity. A series books all its
// sessions at once: in the same transaction every attendee whose series
// registration is live is booked into the new session, confirmed or
// waitlisted as their group is (the waitlisted in their order), and each
// group hears of it; a session with too few places for them is refused
// (409) with nothing written. The quota is rebuilt from MySQL after the
// change (afterChange): a sign-up reserved before it is fenced off and
// decided again with the new session.
func (s *Service) AddSession(ctx context.Context, u resident.User, activityID int64, in SessionInput) (Session, error) {
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return Session{}, err
	}
	if err := s.validateSession(in, true); err != nil {
		return Session{}, err
	}
	if in.EndsAt.Before(a.SignupClosesAt) {
		return Session{}, errs.Invalid("INVALID_SESSION", "场次结束时间不能早于报名截止时间")
	}
	ss := Session{ActivityID: activityID, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Capacity: in.Capacity, WaitlistCapacity: in.WaitlistCapacity}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	_, err = s.store.AddSession(dctx, &ss, func(event string, regs []Registration) []notify.Notice {
		// The store asks once the session has its id.
		with := a
		with.Sessions = append(slices.Clone(a.Sessions), ss)
		return seriesJoinedNotices(&with, event, regs)
	})
	s.afterChange(dctx, activityID)
	return ss, err
}

// seriesJoinedNotices tells each group booked into a series' new session
// once (one notice per group and account, naming the new session).
func seriesJoinedNotices(a *Activity, event string, regs []Registration) []notify.Notice {
	var out []notify.Notice
	for _, g := range groupsOf(regs) {
		note := "新增场次，您的报名已包含该场次"
		if g[0].Status == RegWaitlisted {
			note = "新增场次，您的候补已包含该场次，递补时将一并确认"
		}
		out = append(out, noticesFor(a, note)(event, g[:1])...)
	}
	return out
}

// UpdateSession changes a session's times or capacities. Raising the
// capacity promotes from the waitlist at once; lowering it below the
// confirmed count is refused.
func (s *Service) UpdateSession(ctx context.Context, u resident.User, activityID, sessionID int64, in SessionInput) (Session, []Registration, error) {
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return Session{}, nil, err
	}
	cur, ok := a.Session(sessionID)
	if !ok {
		return Session{}, nil, errSessionNotFound
	}
	if cur.Cancelled() {
		return Session{}, nil, ErrSessionCancelled
	}
	if in.StartsAt.IsZero() {
		in.StartsAt = cur.StartsAt
	}
	if in.EndsAt.IsZero() {
		in.EndsAt = cur.EndsAt
	}
	if err := s.validateSession(in, !in.StartsAt.Equal(cur.StartsAt)); err != nil {
		return Session{}, nil, err
	}
	ss := Session{ID: sessionID, ActivityID: activityID, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Capacity: in.Capacity, WaitlistCapacity: in.WaitlistCapacity}
	// Notices (of the change and of promotions) name the session as it
	// will be: the new times, the old start in the note.
	moved := a
	moved.Sessions = append([]Session(nil), a.Sessions...)
	for i := range moved.Sessions {
		if moved.Sessions[i].ID == sessionID {
			moved.Sessions[i].StartsAt, moved.Sessions[i].EndsAt = in.StartsAt, in.EndsAt
		}
	}
	// Moved, the activity must be one that could be created: sign-up does
	// not close after its last session ends. (A change of capacities alone
	// is not held to it.)
	if !in.StartsAt.Equal(cur.StartsAt) || !in.EndsAt.Equal(cur.EndsAt) {
		if err := signupWindow(&moved); err != nil {
			return Session{}, nil, err
		}
	}
	dctx, cancel := s.detached(ctx)
	defer cancel()
	note := "原定" + FormatTime(cur.StartsAt)
	if in.StartsAt.Equal(cur.StartsAt) {
		note = "结束时间调整为" + FormatTime(in.EndsAt)
	}
	promoted, err := s.store.UpdateSession(dctx, ss, noticesFor(&moved, note))
	s.afterChange(dctx, activityID)
	return ss, promoted, err
}

// reloadAfterChange follows a fenced change of the activity whose write
// answered err: afterChange, then the activity as it now is, unless the
// write failed.
func (s *Service) reloadAfterChange(ctx context.Context, id int64, err error) (Activity, error) {
	s.afterChange(ctx, id)
	if err != nil {
		return Activity{}, err
	}
	return s.store.Activity(ctx, id)
}

// afterChange follows every fenced change: the quota built before it is
// dropped and rebuilt from MySQL, and the cached definition is forgotten.
func (s *Service) afterChange(ctx context.Context, activityID int64) {
	s.defs.invalidate(activityID)
	s.totals.forget()
	// A quota whose epoch is MySQL's was loaded from a snapshot taken after
	// every change (each change and each snapshot raises the epoch; only a
	// snapshot sets Redis's): a sign-up fenced off by this change rebuilt
	// it already, or the change wrote nothing. Dropping it again would
	// fence off every sign-up reserved under it once more.
	if ep, ok, err := s.quota.Epoch(ctx, activityID); err == nil && ok {
		if cur, err := s.store.Activity(ctx, activityID); err == nil && cur.QuotaEpoch == ep {
			return
		}
	}
	if err := s.quota.Invalidate(ctx, activityID, 0); err != nil {
		s.log.Warn("quota invalidate failed; writes under the old quota are fenced off", slog.Int64("activity_id", activityID), slog.String("err", err.Error()))
		return
	}
	if err := s.rebuild(ctx, activityID); err != nil {
		s.log.Warn("quota rebuild after a change failed; the next sign-up rebuilds it", slog.Int64("activity_id", activityID), slog.String("err", err.Error()))
	}
}

// AddByStaff registers a resident (or a family member) by hand. Capacity
// and the waitlist still apply; sign-up window, eligibility and limits do not.
func (s *Service) AddByStaff(ctx context.Context, staff resident.User, activityID int64, in RegisterInput) (RegisterResult, error) {
	a, err := s.managed(ctx, staff, activityID)
	if err != nil {
		return RegisterResult{}, err
	}
	if _, ok := a.Session(in.SessionID); !ok {
		return RegisterResult{}, errSessionNotFound
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 200 {
		return RegisterResult{}, errReasonRequired
	}
	if _, err := s.people.Me(ctx, in.UserID); err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return RegisterResult{}, errs.Invalid("UNKNOWN_USER", "该居民不存在")
		}
		return RegisterResult{}, err
	}
	in.StaffID = staff.ID
	if in.IdemKey == "" {
		in.IdemKey = "staff-" + newKey()
	}
	return s.Register(ctx, in)
}

// MarkNoShow marks (or clears) that a confirmed attendee did not come. One
// checked in came, and cannot be marked.
func (s *Service) MarkNoShow(ctx context.Context, staff resident.User, regID int64, noShow bool) (Registration, error) {
	d, err := s.store.Registration(ctx, regID)
	if err != nil {
		return Registration{}, err
	}
	if !CanManage(staff, &d.Activity) {
		return Registration{}, errRegistrationNotFound
	}
	if noShow && s.now().Before(d.Session.StartsAt) {
		return Registration{}, errs.Unprocessable("SESSION_NOT_STARTED", "场次开始后才能标记未到场")
	}
	if noShow && d.Registration.CheckedInAt != nil {
		// The attendee came: no strike toward a suspension.
		return Registration{}, errs.Conflict("REGISTRATION_CHECKED_IN", "该居民已签到，不能标记未到场").With("checked_in_at", d.Registration.CheckedInAt.UTC().Format(time.RFC3339))
	}
	if err := s.store.SetNoShow(ctx, regID, noShow); err != nil {
		return Registration{}, err
	}
	d.Registration.NoShow = noShow
	return d.Registration, nil // (a fresh read: session times may have just changed)
}
