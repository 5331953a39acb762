package activity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// AttendeeRef names who attends: the account holder or one of their dependents.
type AttendeeRef struct {
	Self        bool
	DependentID int64
}

// RegisterInput is one sign-up request.
type RegisterInput struct {
	UserID    int64 // the account signing up (for staff additions: the resident added)
	SessionID int64
	Attendees []AttendeeRef
	Answers   map[string]string
	IdemKey   string
	// StaffID is set when staff add a registration by hand: sign-up window,
	// eligibility, limit, answers and no-show rules do not apply; capacity does.
	StaffID int64
	Reason  string
	// AcceptNoCancel confirms a sign-up made after the session's
	// cancellation deadline (it cannot be cancelled by the resident).
	AcceptNoCancel bool
	// Admit, when set, counts the attempt against the caller's rate limit
	// and refuses it with its error. Register calls it once, before it
	// looks anything up, unless this process answers the sign-up from
	// memory (a retry of one it has just refused as full: see
	// refusedFromMemory), which costs less than the count would.
	Admit func(context.Context) error
	// Count, when set with Admit, is the same count in a form the quota
	// can make in its decision's Redis call (see ratecount.go); a quota
	// that cannot leaves it to Admit.
	Count *RateCount
}

// RegisterResult is the answer to a sign-up.
type RegisterResult struct {
	Registrations []Registration
	Replayed      bool // the Idempotency-Key had been used: this is the first answer again
}

// Sign-up refusals.
var (
	ErrQuotaFull         = errs.New(errs.KindQuotaFull, "QUOTA_FULL", "名额已满，候补名额也已满")
	errAlreadyRegistered = errs.Conflict("ALREADY_REGISTERED", "已经报名过该场次，无需重复报名")
	errSignupClosed      = errs.Unprocessable("SIGNUP_CLOSED", "报名已结束")
	errSignupNotOpen     = errs.Unprocessable("SIGNUP_NOT_OPEN", "报名尚未开始")
	errSessionNotFound   = errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	// ErrSessionCancelled refuses a sign-up to, or a change of, a session
	// staff cancelled.
	ErrSessionCancelled = errs.Conflict("SESSION_CANCELLED", "该场次已取消")
	// ErrSessionStarted refuses to cancel a session under way or over.
	ErrSessionStarted = errs.Conflict("SESSION_STARTED", "场次已开始，不能取消")
	errIdemReused     = errs.Unprocessable("IDEMPOTENCY_KEY_REUSED", "该请求编号已用于另一次报名，请刷新页面后重试")
	errInProgress     = errs.Conflict("REQUEST_IN_PROGRESS", "报名正在处理中，请稍后在“我的报名”中查看结果")
	errIdemKey        = errs.Invalid("INVALID_IDEMPOTENCY_KEY", "请求编号无效，请更新小程序后重试")
	errAttendees      = errs.Invalid("INVALID_ATTENDEES", "请选择报名人：本人或家庭成员，每次最多10人且不能重复")
	errRetryFresh     = errors.New("activity: the earlier request failed; decide again")
)

// ValidIdemKey reports whether k is an acceptable Idempotency-Key: 1 to 64
// of A-Z a-z 0-9 _ - : . (checked on every sign-up, so without a regexp).
func ValidIdemKey(k string) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == ':', c == '.':
		default:
			return false
		}
	}
	return true
}

func limitError(limit int) error {
	return errs.Unprocessable("LIMIT_EXCEEDED", fmt.Sprintf("每个账号每个场次最多报名 %d 人", limit)).With("limit", limit)
}

func notEligible(reason string) error {
	return errs.Unprocessable("NOT_ELIGIBLE", "不符合报名条件："+reason).With("reason", reason)
}

type attendee struct {
	ref  AttendeeRef
	key  string
	name string
	dep  *resident.Dependent
}

// Register signs attendees up for a session (every session of a series),
// all or nothing: all confirmed, all waitlisted, or refused.
func (s *Service) Register(ctx context.Context, in RegisterInput) (RegisterResult, error) {
	res, err := s.register(ctx, in)
	if err != nil && ctx.Err() != nil && errs.KindOf(err) == errs.KindInternal {
		// The client left before anything was reserved.
		err = errs.Wrap(err, errs.KindUnavailable, "CANCELLED", "请求已取消")
	}
	s.metrics.decisions.WithLabelValues(outcomeLabel(res, err)).Inc()
	return res, err
}

func (s *Service) register(ctx context.Context, in RegisterInput) (RegisterResult, error) {
	if s.refusedFromMemory(in) {
		return RegisterResult{}, ErrQuotaFull
	}
	if late, err := s.admitFirst(ctx, &in); err != nil {
		return RegisterResult{}, err
	} else if late {
		res, err := s.decideCounted(ctx, in)
		if err != nil {
			err = s.admitLate(ctx, in, err)
		}
		return res, err
	}
	return s.decideCounted(ctx, in)
}

// decideCounted is register after the rate limit: counted already, or to
// be counted in the decision (in.Count).
func (s *Service) decideCounted(ctx context.Context, in RegisterInput) (RegisterResult, error) {
	if in.IdemKey != "" && !ValidIdemKey(in.IdemKey) {
		return RegisterResult{}, errIdemKey
	}
	if len(in.Attendees) == 0 || len(in.Attendees) > 10 {
		return RegisterResult{}, errAttendees
	}
	if in.SessionID <= 0 {
		return RegisterResult{}, errSessionNotFound
	}
	aid, err := s.activityOf(ctx, in.SessionID)
	if err != nil {
		return RegisterResult{}, err
	}
	a, err := s.defs.get(ctx, aid)
	if err != nil {
		return RegisterResult{}, err
	}
	if err := s.checkOpen(a, in); err != nil {
		return RegisterResult{}, err
	}
	atts, err := s.resolveAttendees(ctx, in)
	if err != nil {
		return RegisterResult{}, err
	}
	release, err := s.holdPersons(ctx, a.ID, atts)
	if err != nil {
		return RegisterResult{}, err
	}
	defer release()
	if err := s.checkSamePerson(ctx, a, in, atts); err != nil {
		return RegisterResult{}, err
	}
	answers := in.Answers
	if in.StaffID == 0 {
		if err := s.checkEligibility(ctx, a, in.UserID, in.SessionID, atts); err != nil {
			return RegisterResult{}, err
		}
		if a.PerAccountLimit > 0 && len(atts) > a.PerAccountLimit {
			return RegisterResult{}, limitError(a.PerAccountLimit)
		}
		if answers, err = validateAnswers(a.Questions, in.Answers, true); err != nil {
			return RegisterResult{}, err
		}
		if a.Popular {
			if err := s.checkSuspension(ctx, in.UserID); err != nil {
				return RegisterResult{}, err
			}
		}
	} else if answers, err = validateAnswers(a.Questions, in.Answers, false); err != nil {
		return RegisterResult{}, err
	}

	// The account was just refused this session as full: answer from
	// memory (see FollowQuota) before anything is set up for a decision.
	fp := fingerprint(in.SessionID, attendeeKeys(atts))
	memo := strconv.FormatInt(in.UserID, 10) + "|" + fp
	if in.StaffID == 0 && s.full.refuses(a.ID, a.QuotaEpoch, memo, s.now()) {
		return RegisterResult{}, ErrQuotaFull
	}
	// From here on the request runs to its end: a reservation may be made.
	dctx, cancel := s.detached(ctx)
	defer cancel()
	var res RegisterResult
	for attempt := 0; attempt < 6; attempt++ {
		res, err = s.decide(dctx, &a, in, atts, answers, fp, memo)
		if !errors.Is(err, errRetryFresh) {
			break
		}
	}
	if errors.Is(err, errRetryFresh) {
		err = errBusy
	}
	return res, err
}

func outcomeLabel(res RegisterResult, err error) string {
	if err != nil {
		return strings.ToLower(errs.CodeOf(err))
	}
	if res.Replayed {
		return "replayed"
	}
	if len(res.Registrations) > 0 {
		return res.Registrations[0].Status
	}
	return "none"
}

// checkOpen applies the activity's status and sign-up window.
func (s *Service) checkOpen(a *Activity, in RegisterInput) error {
	sess, ok := a.Session(in.SessionID)
	if !ok || a.Status == StatusDraft {
		return errSessionNotFound
	}
	if a.Status != StatusPublished {
		return errSignupClosed
	}
	// A series books its sessions not cancelled: it is refused only when
	// none is left.
	if sess.Cancelled() && (!a.Series || len(a.booked(sess.ID)) == 0) {
		return ErrSessionCancelled
	}
	if in.StaffID != 0 {
		return nil
	}
	now := s.now()
	if now.Before(a.SignupOpensAt) {
		return errSignupNotOpen.With("opens_at", a.SignupOpensAt.UTC().Format(time.RFC3339))
	}
	if !now.Before(a.SignupClosesAt) || !now.Before(a.attendsFrom(sess)) {
		return errSignupClosed
	}
	if deadline := CancelDeadline(a, sess); !now.Before(deadline) && !in.AcceptNoCancel {
		return errs.Unprocessable("CANCEL_DEADLINE_CONFIRM",
			"取消截止时间（"+FormatTime(deadline)+"）已过，报名成功后将不能自行取消。确认报名请再次提交").
			With("deadline", deadline.UTC().Format(time.RFC3339)).With("field", "accept_no_cancel")
	}
	return nil
}

// valid reports whether the reference names exactly one attendee: the
// account holder or a family member.
func (r AttendeeRef) valid() bool { return r.Self != (r.DependentID != 0) && r.DependentID >= 0 }

func (s *Service) resolveAttendees(ctx context.Context, in RegisterInput) ([]attendee, error) {
	seen := map[string]bool{}
	out := make([]attendee, 0, len(in.Attendees))
	for _, ref := range in.Attendees {
		if !ref.valid() {
			return nil, errAttendees
		}
		at := attendee{ref: ref, key: AttendeeKey(in.UserID, ref.DependentID)}
		if seen[at.key] {
			return nil, errAttendees
		}
		seen[at.key] = true
		if ref.DependentID != 0 {
			d, err := s.people.UsableDependent(ctx, in.UserID, ref.DependentID)
			if err != nil {
				return nil, err
			}
			at.dep, at.name = &d, d.Name
		}
		out = append(out, at)
	}
	return out, nil
}

// checkSamePerson refuses a family member whose ID number another account
// has already signed up for the session (both parents adding the same
// child): a person is one attendee whichever record names them.
func (s *Service) checkSamePerson(ctx context.Context, a *Activity, in RegisterInput, atts []attendee) error {
	sessions := a.booked(in.SessionID)
	for _, at := range atts {
		if at.dep == nil || at.dep.IDNumberHash == "" {
			continue
		}
		taken, err := s.store.PersonRegistered(ctx, sessions, at.dep.IDNumberHash, at.dep.ID)
		if err != nil {
			return err
		}
		if taken {
			return errs.Conflict("ALREADY_REGISTERED", at.name+"已由其他家庭账号报名该场次，无需重复报名").With("attendee", at.key)
		}
	}
	return nil
}

// Holding a person (holdPersons): the lock outlives the longest sign-up
// (it is released at once when the sign-up ends), and a second account
// naming the same person waits for the first one's answer.
const (
	personHoldTTL  = 15 * time.Second
	personHoldWait = 5 * time.Second
	personHoldPoll = 10 * time.Millisecond
)

// holdPersons makes the sign-ups naming the same person (a family member
// with an ID number, whichever account's record) one at a time per
// activity: checkSamePerson and the write run under the hold, so the
// second account sees the first one's registration and is refused. Only
// family members with an ID number are held; the returned func releases.
func (s *Service) holdPersons(ctx context.Context, activityID int64, atts []attendee) (func(), error) {
	var persons []string
	for _, at := range atts {
		if at.dep != nil && at.dep.IDNumberHash != "" && !slices.Contains(persons, at.dep.IDNumberHash) {
			persons = append(persons, at.dep.IDNumberHash)
		}
	}
	if len(persons) == 0 {
		return func() {}, nil
	}
	slices.Sort(persons) // one order: two sign-ups naming the same two people never each hold one and wait for the other
	token := newKey()
	held := persons[:0:0]
	release := func() {
		dctx, cancel := s.detached(ctx)
		defer cancel()
		for _, p := range held {
			if err := s.quota.ReleasePerson(dctx, activityID, p, token); err != nil {
				s.log.Warn("releasing a person's sign-up hold failed; it expires by itself", slog.Int64("activity_id", activityID), slog.String("err", err.Error()))
			}
		}
	}
	deadline := time.Now().Add(personHoldWait) // a wait, not a business time: the real clock
	for _, p := range persons {
		for {
			ok, err := s.quota.HoldPerson(ctx, activityID, p, token, personHoldTTL)
			if err != nil {
				release()
				return nil, err
			}
			if ok {
				held = append(held, p)
				break
			}
			if !time.Now().Before(deadline) {
				release()
				return nil, errBusy
			}
			select {
			case <-ctx.Done():
				release()
				return nil, ctx.Err()
			case <-time.After(personHoldPoll):
			}
		}
	}
	return release, nil
}

var roleNames = map[string]string{
	resident.RolePartyMember: "党员", resident.RoleVolunteer: "志愿者", resident.RoleStaff: "社区工作人员", resident.RoleAdmin: "管理员",
}

// RoleName is the Chinese name of a role.
func RoleName(r string) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return r
}

// checkEligibility applies community, role and age rules. The user is
// loaded only when a rule needs it. Ages are taken on the day the
// attendee attends (the session's; a series: its first session still held),
// in China's calendar.
func (s *Service) checkEligibility(ctx context.Context, a *Activity, userID, sessionID int64, atts []attendee) error {
	e := a.Eligibility
	if e.CommunityOnly || len(e.Roles) > 0 {
		u, err := s.people.Me(ctx, userID)
		if err != nil {
			return err
		}
		if e.CommunityOnly {
			home := u.CommunityID
			if s.residence != nil {
				if home, err = s.residence.ConfirmedCommunity(ctx, userID); err != nil {
					return err
				}
			}
			if home == 0 {
				return notEligible("本活动仅限本社区居民报名，请先在“我的—居住认证”中申请，社区审核通过后即可报名")
			}
			if home != a.CommunityID {
				return notEligible("本活动仅限本社区居民报名")
			}
		}
		if len(e.Roles) > 0 {
			names := make([]string, 0, len(e.Roles))
			holds := false
			for _, r := range e.Roles {
				names = append(names, RoleName(r))
				holds = holds || u.HasRole(r)
			}
			for _, at := range atts {
				if at.dep != nil || !holds {
					return notEligible("本活动仅限" + strings.Join(names, "、") + "本人报名")
				}
			}
		}
	}
	if e.MinAge > 0 || e.MaxAge > 0 {
		sess, _ := a.Session(sessionID) // checkOpen found it
		on := a.attendsFrom(sess).In(cst.Zone)
		for _, at := range atts {
			if at.dep == nil {
				return notEligible("本活动有年龄要求，需按出生日期核验：请将参加人添加为家庭成员并填写出生日期后报名")
			}
			age := resident.AgeOn(at.dep.BirthDate, on)
			if (e.MinAge > 0 && age < e.MinAge) || (e.MaxAge > 0 && age > e.MaxAge) {
				return notEligible(fmt.Sprintf("%s 活动当天 %d 岁，不在 %s 的年龄范围内", at.name, age, AgeRange(e)))
			}
		}
	}
	return nil
}

// AgeRange describes an age rule in Chinese.
func AgeRange(e Eligibility) string {
	switch {
	case e.MinAge > 0 && e.MaxAge > 0:
		return fmt.Sprintf("%d-%d 岁", e.MinAge, e.MaxAge)
	case e.MinAge > 0:
		return fmt.Sprintf("%d 岁及以上", e.MinAge)
	case e.MaxAge > 0:
		return fmt.Sprintf("%d 岁及以下", e.MaxAge)
	}
	return "不限年龄"
}

// validateAnswers checks answers against the questions (required ones only
// when requireAll) and returns them cleaned.
func validateAnswers(qs []Question, in map[string]string, requireAll bool) (map[string]string, error) {
	if len(qs) == 0 && len(in) == 0 {
		return nil, nil
	}
	byID := map[string]Question{}
	for _, q := range qs {
		byID[q.ID] = q
	}
	// An answer may also name its question by title (issue 3 says "questions
	// to answer" without naming their keys); a question's id wins over a
	// title that names it too. Answers leave keyed by id.
	var byTitle map[string]Question
	for k := range in {
		if _, ok := byID[k]; !ok && byTitle == nil {
			byTitle = map[string]Question{}
			for _, q := range qs {
				if _, dup := byTitle[q.Title]; dup {
					byTitle[q.Title] = Question{} // ambiguous: refused below
					continue
				}
				byTitle[q.Title] = q
			}
		}
	}
	out := map[string]string{}
	for k, v := range in {
		q, ok := byID[k]
		if !ok {
			if q, ok = byTitle[k]; ok && q.ID != "" {
				if _, named := in[q.ID]; named {
					continue
				}
			}
		}
		if !ok || q.ID == "" {
			return nil, errs.Invalid("INVALID_ANSWERS", "报名问题已更新，请刷新后重新填写").With("question", k)
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if utf8.RuneCountInString(v) > 200 || strings.ContainsAny(v, "\x00") {
			return nil, errs.Invalid("INVALID_ANSWERS", "「"+q.Title+"」的回答不能超过200个字")
		}
		if q.Type == QuestionChoice {
			found := false
			for _, o := range q.Options {
				found = found || o == v
			}
			if !found {
				return nil, errs.Invalid("INVALID_ANSWERS", "「"+q.Title+"」请从给出的选项中选择")
			}
		}
		out[q.ID] = v
	}
	if requireAll {
		for _, q := range qs {
			if q.Required && out[q.ID] == "" {
				return nil, errs.Unprocessable("ANSWER_REQUIRED", "请回答：「"+q.Title+"」").With("question_id", q.ID)
			}
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// checkSuspension refuses accounts suspended for no-shows.
func (s *Service) checkSuspension(ctx context.Context, userID int64) error {
	st, err := s.NoShowStatus(ctx, userID)
	if err != nil {
		return err
	}
	if st.SuspendedUntil.IsZero() {
		return nil
	}
	return errs.Forbidden("NO_SHOW_SUSPENDED", fmt.Sprintf("您在%d天内有%d次报名后未到场，%s前暂不能报名热门活动",
		int(s.cfg.NoShow.Window/(24*time.Hour)), s.cfg.NoShow.Strikes, FormatTime(st.SuspendedUntil))).
		With("suspended_until", st.SuspendedUntil.UTC().Format(time.RFC3339)).With("no_shows", len(st.NoShows))
}

func attendeeKeys(atts []attendee) []string {
	keys := make([]string, len(atts))
	for i, at := range atts {
		keys[i] = at.key
	}
	return keys
}

func fingerprint(sessionID int64, attendeeKeys []string) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(sessionID, 10))
	for _, k := range attendeeKeys {
		b.WriteString("|" + k)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// decide makes one decision and its write. errRetryFresh asks for another
// decision (a changed quota, a rebuild, a fenced write).
func (s *Service) decide(ctx context.Context, ap **Activity, in RegisterInput, atts []attendee, answers map[string]string, fp, memo string) (RegisterResult, error) {
	a := *ap
	sessions := a.booked(in.SessionID)
	keys := attendeeKeys(atts)
	limit := a.PerAccountLimit
	if in.StaffID != 0 {
		limit = 0
	}
	if in.StaffID == 0 && s.full.refuses(a.ID, a.QuotaEpoch, memo, s.now()) { // a retry with a fresh definition
		return RegisterResult{}, ErrQuotaFull
	}
	gen := s.full.generation()
	r := Reservation{
		ActivityID: a.ID, Epoch: a.QuotaEpoch, UserID: in.UserID, Limit: limit, GroupKey: newKey(), IdemKey: in.IdemKey,
		IdemTTL: s.cfg.IdemTTL, Sessions: sessions, Attendees: keys, Now: s.now(),
	}
	if in.Count != nil && !in.Count.made {
		r.Count, in.Count.made = in.Count, true // counted once, even if the decision is retried
	}
	res, err := s.quota.Reserve(ctx, r)
	if err != nil || res.Outcome == Reserved {
		s.touched(a.ID)
	}
	if err != nil {
		// The script may have run: give back whatever it reserved (if this
		// fails too, the reconciler finds the reservation stale).
		_ = s.quota.Release(ctx, r, 0)
		return RegisterResult{}, err
	}
	switch res.Outcome {
	case Reserved:
		return s.write(ctx, ap, in, atts, answers, fp, r, res)
	case Full:
		if res.Epoch > a.QuotaEpoch {
			// The quota was rebuilt after a change this definition misses
			// (a session cancelled: it takes nobody): say why.
			if fresh, err := s.defs.reload(ctx, a.ID); err == nil {
				*ap = fresh
				if err := s.checkOpen(fresh, in); err != nil {
					return RegisterResult{}, err
				}
			}
		}
		if in.StaffID == 0 {
			s.full.remember(a.ID, a.QuotaEpoch, memo, gen, s.now())
		}
		return RegisterResult{}, ErrQuotaFull
	}
	return s.refused(ctx, ap, in, atts, fp, r, res)
}

// refused answers the quota's other outcomes: a quota to rebuild, a
// changed definition, an earlier sign-up with the same key or attendee, the
// per-account limit. Like write, a function of its own to keep decide's
// frame small.
func (s *Service) refused(ctx context.Context, ap **Activity, in RegisterInput, atts []attendee, fp string, r Reservation, res ReserveResult) (RegisterResult, error) {
	a := *ap
	var err error
	switch res.Outcome {
	case NeedsRebuild:
		if err := s.rebuild(ctx, a.ID); err != nil {
			return RegisterResult{}, err
		}
		return RegisterResult{}, errRetryFresh
	case EpochChanged, UnknownSession, Closed:
		fresh := a
		if res.Epoch >= a.QuotaEpoch {
			if fresh, err = s.defs.reload(ctx, a.ID); err != nil {
				return RegisterResult{}, err
			}
			*ap = fresh
		}
		if res.Epoch < fresh.QuotaEpoch {
			// The quota is older than MySQL's definition: drop and rebuild it.
			if err := s.quota.Invalidate(ctx, a.ID, res.Epoch); err != nil {
				return RegisterResult{}, err
			}
			return RegisterResult{}, errRetryFresh
		}
		if err := s.checkOpen(fresh, in); err != nil {
			return RegisterResult{}, err
		}
		if res.Outcome == Closed {
			return RegisterResult{}, errSignupClosed
		}
		return RegisterResult{}, errRetryFresh
	case IdemHit:
		earlier := r
		earlier.GroupKey = res.GroupKey
		return s.replay(ctx, earlier, in, fp)
	case Duplicate:
		if in.IdemKey != "" {
			if g, regs, err := s.store.GroupByIdem(ctx, in.UserID, in.IdemKey); err == nil && g.Key != "" {
				return s.replayed(g, regs, in, fp)
			}
		}
		for _, at := range atts {
			if at.key == res.Attendee && at.name != "" {
				return RegisterResult{}, errs.Conflict("ALREADY_REGISTERED", at.name+"已经报名过该场次，无需重复报名").With("attendee", at.key)
			}
		}
		return RegisterResult{}, errAlreadyRegistered.With("attendee", res.Attendee)
	case LimitExceeded:
		return RegisterResult{}, limitError(a.PerAccountLimit)
	case RateLimited:
		return RegisterResult{}, s.rateLimited(r.Count, res.Over)
	}
	return RegisterResult{}, errs.Internal(fmt.Errorf("quota outcome %d", res.Outcome))
}

// write writes a reserved sign-up's rows and answers it. It is decide's
// second half, a function of its own so that the refusals (most answers
// of a popular release) run on a smaller stack frame: a resident's first
// request runs on a new goroutine, and a frame that outgrows its first
// stack makes the runtime copy it onto a larger one.
func (s *Service) write(ctx context.Context, ap **Activity, in RegisterInput, atts []attendee, answers map[string]string, fp string, r Reservation, res ReserveResult) (RegisterResult, error) {
	a := *ap
	sessions := r.Sessions
	group := Group{Key: r.GroupKey, UserID: in.UserID, ActivityID: a.ID, IdemKey: in.IdemKey, Fingerprint: fp,
		Answers: answers, Source: SourceSelf, Reason: in.Reason}
	if in.StaffID != 0 {
		group.Source, group.CreatedBy = SourceStaff, in.StaffID
	}
	regs := make([]Registration, 0, len(sessions)*len(atts))
	for _, sid := range sessions {
		for i, at := range atts {
			reg := Registration{ActivityID: a.ID, SessionID: sid, UserID: in.UserID, DependentID: at.ref.DependentID, Status: res.Status, Decision: res.Decision}
			if res.Status == RegWaitlisted {
				reg.FirstPosition = res.PositionBefore + i + 1
			}
			regs = append(regs, reg)
		}
	}
	wr := s.writer.write(Write{Group: group, Regs: regs, Epoch: res.Epoch, Notices: noticesFor(a, "")})
	switch {
	case wr.Err == nil:
		if res.Status == RegWaitlisted {
			// A seat freed while this was being written goes to the waitlist.
			dctx, cancel := s.detached(ctx)
			s.fillIfFree(dctx, a)
			cancel()
		}
		out := wr.Regs
		for i := range out {
			out[i].WaitlistPosition = out[i].FirstPosition
			for _, at := range atts {
				if at.ref.DependentID == out[i].DependentID {
					out[i].AttendeeName = at.name
				}
			}
		}
		return RegisterResult{Registrations: out}, nil
	case errors.Is(wr.Err, ErrFenced):
		// The quota was rebuilt or the activity changed meanwhile: nothing
		// was written. Give back (a no-op if the quota moved on), drop the
		// stale quota and decide again.
		s.release(ctx, r, res)
		if err := s.quota.Invalidate(ctx, a.ID, res.Epoch); err != nil {
			return RegisterResult{}, err
		}
		if fresh, err := s.defs.reload(ctx, a.ID); err == nil {
			*ap = fresh
			if err := s.checkOpen(fresh, in); err != nil {
				return RegisterResult{}, err
			}
		}
		return RegisterResult{}, errRetryFresh
	case errors.Is(wr.Err, ErrDuplicateIdem):
		s.release(ctx, r, res)
		g, regs, err := s.store.GroupByIdem(ctx, in.UserID, in.IdemKey)
		if err != nil {
			return RegisterResult{}, err
		}
		return s.replayed(g, regs, in, group.Fingerprint)
	case errors.Is(wr.Err, ErrDuplicateAttendee):
		// MySQL holds a registration Redis did not know: Redis drifted.
		s.release(ctx, r, res)
		_ = s.quota.Invalidate(ctx, a.ID, res.Epoch)
		return RegisterResult{}, errAlreadyRegistered
	case errors.Is(wr.Err, ErrUnclear):
		// Leave the reservation: the reconciler settles it against MySQL.
		s.log.Error("registration write outcome unclear", slog.Int64("activity_id", a.ID), slog.String("err", wr.Err.Error()))
		return RegisterResult{}, errs.Unavailable(wr.Err, "报名结果暂时无法确认，请稍后在“我的报名”中查看")
	default:
		s.release(ctx, r, res)
		if errs.KindOf(wr.Err) == errs.KindInternal {
			return RegisterResult{}, errs.Unavailable(wr.Err, "报名服务暂时繁忙，请稍后再试")
		}
		return RegisterResult{}, wr.Err
	}
}

func (s *Service) release(ctx context.Context, r Reservation, res ReserveResult) {
	if err := s.quota.Release(ctx, r, res.Epoch); err != nil {
		s.log.Warn("quota release failed; the reconciler will repair it", slog.Int64("activity_id", r.ActivityID), slog.String("err", err.Error()))
	}
}

// replay answers a retried request with the first answer. earlier is the
// reservation the Idempotency-Key points to.
func (s *Service) replay(ctx context.Context, earlier Reservation, in RegisterInput, fp string) (RegisterResult, error) {
	activityID, groupKey := earlier.ActivityID, earlier.GroupKey
	deadline := time.Now().Add(3 * time.Second)
	for {
		g, regs, err := s.store.RegistrationsByGroup(ctx, groupKey)
		if err != nil {
			return RegisterResult{}, err
		}
		if g.Key != "" {
			return s.replayed(g, regs, in, fp)
		}
		pending, err := s.quota.Pending(ctx, activityID, groupKey)
		if err != nil {
			return RegisterResult{}, err
		}
		if !pending {
			// Not in flight: either committed just now or failed.
			if g, regs, err := s.store.RegistrationsByGroup(ctx, groupKey); err == nil && g.Key != "" {
				return s.replayed(g, regs, in, fp)
			}
			// It failed for good (its process died, or the quota was
			// rebuilt under it: a fenced write never lands). Let go of the
			// key, which still points at it, so this request is decided
			// afresh instead of replaying a sign-up that never happened.
			// Release only drops the key while it names that attempt; the
			// reservation itself is no longer pending, so no count moves.
			if err := s.quota.Release(ctx, earlier, 0); err != nil {
				return RegisterResult{}, err
			}
			return RegisterResult{}, errRetryFresh
		}
		if time.Now().After(deadline) {
			return RegisterResult{}, errInProgress
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Service) replayed(g Group, regs []Registration, in RegisterInput, fp string) (RegisterResult, error) {
	if g.UserID != in.UserID || g.Fingerprint != fp {
		return RegisterResult{}, errIdemReused
	}
	out := make([]Registration, len(regs))
	for i, r := range regs {
		r.Status = r.FirstStatus
		r.WaitlistPosition = r.FirstPosition
		if r.DependentID == 0 {
			r.AttendeeName = "" // as in the first answer, which does not look the account up
		}
		out[i] = r
	}
	return RegisterResult{Registrations: out, Replayed: true}, nil
}

// rebuild loads an activity's quota from MySQL, exactly once however many
// requests find it missing: one takes the lock, the others wait for it.
func (s *Service) rebuild(ctx context.Context, activityID int64) error {
	token := newKey()
	ok, err := s.quota.Lock(ctx, activityID, token, 15*time.Second)
	if err != nil {
		return err
	}
	if !ok {
		return s.waitQuota(ctx, activityID)
	}
	return s.rebuildLocked(ctx, activityID, token)
}

// rebuildLocked rebuilds the quota under the lock the token holds.
func (s *Service) rebuildLocked(ctx context.Context, activityID int64, token string) error {
	if _, exists, err := s.quota.Epoch(ctx, activityID); err != nil || exists {
		_ = s.quota.Unlock(ctx, activityID, token)
		return err
	}
	snap, err := s.store.QuotaSnapshot(ctx, activityID, s.cfg.IdemTTL)
	if err != nil {
		_ = s.quota.Unlock(ctx, activityID, token)
		return err
	}
	loaded, err := s.quota.Load(ctx, token, snap)
	if err != nil {
		_ = s.quota.Unlock(ctx, activityID, token)
		return err
	}
	if !loaded {
		return s.waitQuota(ctx, activityID)
	}
	s.rebuilds.Add(1)
	s.metrics.rebuilds.Inc()
	s.defs.invalidate(activityID)
	s.log.Info("quota rebuilt from MySQL", slog.Int64("activity_id", activityID), slog.Int64("epoch", snap.Epoch), slog.Int("members", len(snap.Members)), slog.Int("idempotency_keys", len(snap.Idem)))
	return nil
}

// waitQuota waits for another request's rebuild; when its lock is gone
// without a quota (the rebuilder failed, or Redis lost the lock too), a
// waiter takes the lock over and rebuilds.
func (s *Service) waitQuota(ctx context.Context, activityID int64) error {
	deadline := time.Now().Add(s.cfg.RebuildWait)
	for time.Now().Before(deadline) {
		if _, exists, err := s.quota.Epoch(ctx, activityID); err != nil {
			return err
		} else if exists {
			return nil
		}
		token := newKey()
		if ok, err := s.quota.Lock(ctx, activityID, token, 15*time.Second); err != nil {
			return err
		} else if ok {
			return s.rebuildLocked(ctx, activityID, token)
		}
		select {
		case <-ctx.Done():
			return errBusy
		case <-time.After(10 * time.Millisecond):
		}
	}
	return errBusy
}
