package checkin

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/periodic"
	"gongjian/internal/resident"
)

// Self check-in actions.
const (
	ActionIn  = "in"
	ActionOut = "out"
)

// RotatingCode is a session's current self check-in code.
type RotatingCode struct {
	Code string
	// ShowUntil is when the staff page should show the next code: just
	// after the current 30-s step ends (the page fetches ~3 s before it).
	ShowUntil time.Time
	// AcceptedUntil is the last moment a scan of Code is accepted: the end
	// of the step after its own.
	AcceptedUntil time.Time
	SessionID     int64
}

// RotatingCode returns the session's current code to its staff and checkers.
func (s *Service) RotatingCode(ctx context.Context, u resident.User, sessionID int64) (RotatingCode, error) {
	sess, err := s.checkedSession(ctx, u, sessionID, errNotStaff)
	if err != nil {
		return RotatingCode{}, err
	}
	if sess.Cancelled {
		return RotatingCode{}, errSessionCancelled
	}
	now := s.now()
	step := StepAt(now)
	return RotatingCode{
		Code: s.keys.RotatingCode(sessionID, now), SessionID: sessionID,
		ShowUntil:     StepStart(step + 1).Add(3500 * time.Millisecond),
		AcceptedUntil: StepStart(step + 2),
	}, nil
}

// PosterTTL is how long a generated poster code is cached.
const PosterTTL = 30 * 24 * time.Hour

// Poster returns the printable mini-program code (JPEG) of an activity's
// self check-in, generated once through WeChat and then cached.
func (s *Service) Poster(ctx context.Context, u resident.User, activityID int64) ([]byte, error) {
	if _, err := s.activityStaff(ctx, u, activityID); err != nil {
		return nil, err
	}
	scene := s.keys.PosterCode(activityID)
	key := "poster:" + scene
	if img, ok, err := s.blobs.Get(ctx, key); err == nil && ok {
		return img, nil
	}
	mu, _ := s.posters.LoadOrStore(activityID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if img, ok, err := s.blobs.Get(ctx, key); err == nil && ok {
		return img, nil
	}
	img, err := s.codes.WXACodeUnlimit(ctx, scene, s.cfg.PosterPage)
	if err != nil {
		return nil, err
	}
	// A cache failure costs a WeChat call next time, nothing more.
	_ = s.blobs.Set(ctx, key, img, PosterTTL)
	return img, nil
}

// SelfInput is a volunteer's scan of a code.
type SelfInput struct {
	Code     string
	Lat, Lng float64
	Action   string
}

// SelfResult is an accepted self check-in or check-out.
type SelfResult struct {
	Action        string
	At            time.Time // of this action (check-in time for in, check-out time for out)
	CheckedInAt   time.Time
	Minutes       int // credited on check-out
	SessionID     int64
	ActivityID    int64
	ActivityTitle string
	Repeated      bool // the same action was already recorded
	// InReview: the check-out was away from the place (or closed by the
	// system): its hours wait for staff to approve them.
	InReview bool
}

// posterExpired reports whether a poster code's activity is over: its last
// session ended longer ago than the check-out grace.
func (s *Service) posterExpired(sessions []Session, now time.Time) bool {
	var last time.Time
	for _, x := range sessions {
		if x.EndsAt.After(last) {
			last = x.EndsAt
		}
	}
	return now.After(last.Add(s.cfg.CloseAfter))
}

// eligible reports whether u is signed up to volunteer in sess: a volunteer
// slot, or their own confirmed registration of a volunteer_service activity.
// It returns the registration id, -1 for a volunteer slot, 0 for neither.
func eligible(sess Session, own []Registration, slots []int64) int64 {
	for _, id := range slots {
		if id == sess.ID {
			return -1
		}
	}
	if sess.Category != CategoryVolunteer {
		return 0
	}
	for _, r := range own {
		if r.Session.ID == sess.ID && r.DependentID == 0 && r.Status == StatusConfirmed {
			return r.ID
		}
	}
	return 0
}

// SelfCheck checks a volunteer in or out with a rotating or poster code and
// the phone's location.
func (s *Service) SelfCheck(ctx context.Context, u resident.User, in SelfInput) (SelfResult, error) {
	if in.Action != ActionIn && in.Action != ActionOut {
		return SelfResult{}, errBadAction
	}
	if !ValidCoordinates(in.Lat, in.Lng) {
		return SelfResult{}, errBadLocation
	}
	code, err := s.keys.ParseCode(in.Code)
	if err != nil {
		return SelfResult{}, errBadCode
	}
	now := s.now().UTC()
	var candidates []Session
	switch code.Kind {
	case CodeRotating:
		if !Fresh(code.Step, now) {
			return SelfResult{}, errCodeExpired
		}
		sess, err := s.regs.Session(ctx, code.ID)
		if err != nil {
			return SelfResult{}, errs.NotFoundAs(err, errBadCode)
		}
		candidates = []Session{sess}
	case CodePoster:
		xs, err := s.regs.ActivitySessions(ctx, code.ID)
		if err != nil {
			return SelfResult{}, errs.NotFoundAs(err, errBadCode)
		}
		candidates = xs
	}
	if len(candidates) == 0 {
		return SelfResult{}, errBadCode
	}
	if code.Kind == CodePoster && s.posterExpired(candidates, now) {
		return SelfResult{}, errCodeExpired
	}
	if in.Action == ActionIn && candidates[0].ActivityStatus == ActivityCancelled {
		return SelfResult{}, errActivityCancelled
	}
	if in.Action == ActionIn {
		// Nobody checks into a session staff cancelled; a poster names
		// the activity's sessions still held.
		open := candidates[:0:0]
		for _, x := range candidates {
			if !x.Cancelled {
				open = append(open, x)
			}
		}
		if len(open) == 0 {
			return SelfResult{}, errSessionCancelled
		}
		candidates = open
	}
	activityID := candidates[0].ActivityID
	own, err := s.regs.OwnRegistrations(ctx, u.ID, activityID)
	if err != nil {
		return SelfResult{}, err
	}
	slots, err := s.store.VolunteerSessions(ctx, u.ID, activityID)
	if err != nil {
		return SelfResult{}, err
	}
	type cand struct {
		sess  Session
		regID int64
	}
	var mine []cand
	for _, x := range candidates {
		if id := eligible(x, own, slots); id != 0 {
			mine = append(mine, cand{x, max(id, 0)})
		}
	}
	if len(mine) == 0 {
		return SelfResult{}, errNotSignedUp
	}
	// The place is the activity's: every session shares it.
	if !mine[0].sess.HasPlace() {
		return SelfResult{}, errNoPlace
	}
	away := false
	if d := DistanceMeters(in.Lat, in.Lng, mine[0].sess.Lat, mine[0].sess.Lng); d > s.cfg.RadiusMeters {
		if in.Action == ActionIn {
			return SelfResult{}, errTooFar.With("distance_m", int(math.Round(d))).With("radius_m", int(s.cfg.RadiusMeters))
		}
		// A check-out away from the place is taken, but its hours wait
		// for staff to approve them.
		away = true
	}
	if in.Action == ActionIn {
		// A poster names no session: the one open for check-in now.
		c := mine[0]
		for _, x := range mine {
			if s.inWindow(x.sess, now) {
				c = x
				break
			}
		}
		return s.selfIn(ctx, u, c.sess, c.regID, in, now)
	}
	// Check-out: the session with the open presence, else repeat the answer
	// of the latest one closed.
	var closed *Presence
	var closedSess Session
	for _, c := range mine {
		p, err := s.store.Presence(ctx, u.ID, c.sess.ID)
		if errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			return SelfResult{}, err
		}
		if p.OutAt == nil {
			return s.selfOut(ctx, u, c.sess, in, now, away)
		}
		if closed == nil || p.InAt.After(closed.InAt) {
			closed, closedSess = &p, c.sess
		}
	}
	if closed != nil {
		return outResult(closedSess, *closed, true), nil
	}
	return SelfResult{}, errNotCheckedIn
}

// inWindow reports whether a self check-in into sess is possible at now:
// from OpenBefore before its start until its end.
func (s *Service) inWindow(sess Session, now time.Time) bool {
	return !now.Before(sess.StartsAt.Add(-s.cfg.OpenBefore)) && now.Before(sess.EndsAt)
}

func (s *Service) selfIn(ctx context.Context, u resident.User, sess Session, regID int64, in SelfInput, now time.Time) (SelfResult, error) {
	if now.Before(sess.StartsAt.Add(-s.cfg.OpenBefore)) {
		return SelfResult{}, errTooEarly.With("opens_at", sess.StartsAt.Add(-s.cfg.OpenBefore))
	}
	if !now.Before(sess.EndsAt) {
		return SelfResult{}, errTooLate
	}
	p := Presence{UserID: u.ID, SessionID: sess.ID, ActivityID: sess.ActivityID, RegistrationID: regID,
		SessionStartsAt: sess.StartsAt, SessionEndsAt: sess.EndsAt, InAt: now, InLat: in.Lat, InLng: in.Lng}
	n := notify.Notice{
		UserID: u.ID, TemplateKey: notify.CheckinDone,
		DedupKey: "selfcheckin:s" + strconv.FormatInt(sess.ID, 10) + ":u" + strconv.FormatInt(u.ID, 10),
		Title:    "志愿服务签到成功",
		Body:     fmt.Sprintf("您已在「%s」签到，服务结束时请记得扫码签退。", sess.ActivityTitle),
		Fields: map[string]string{"activity": sess.ActivityTitle, "time": now.In(cst.Zone).Format("2006-01-02 15:04"),
			"place": sess.Place, "status": "已签到", "note": "结束时请扫码签退"},
		Page: "pages/volunteer/index", ActivityID: sess.ActivityID,
	}
	got, created, err := s.store.OpenPresence(ctx, p, []notify.Notice{n})
	if err != nil {
		return SelfResult{}, err
	}
	if got.OutAt != nil {
		return SelfResult{}, errAlreadyOut
	}
	return SelfResult{Action: ActionIn, At: got.InAt, CheckedInAt: got.InAt, SessionID: sess.ID, ActivityID: sess.ActivityID,
		ActivityTitle: sess.ActivityTitle, Repeated: !created}, nil
}

// credit builds the ledger entry of a closed presence: its overlap with the
// session, once per session and person, and never more than the session's
// length together with the person's other credit for it (claims,
// corrections). approvedBy is the staff member who approved a presence held
// for review (0 for a check-out on the spot).
func credit(sess Session, recordedBy, approvedBy int64) CreditFunc {
	return func(p Presence) hours.Entry {
		// The session's times as they are now (staff may have moved it
		// since the check-in); the presence's copy when it is gone.
		start, end := sess.StartsAt, sess.EndsAt
		if start.IsZero() {
			start, end = p.SessionStartsAt, p.SessionEndsAt
		}
		m := hours.PresenceMinutes(p.InAt, *p.OutAt, start, end)
		e := hours.Entry{
			UserID: p.UserID, ActivityID: p.ActivityID, SessionID: p.SessionID, Minutes: m, Source: hours.SourceCheckin,
			RecordedBy: recordedBy, ApprovedBy: approvedBy, ServedAt: start,
			CreditKey:     fmt.Sprintf("checkin:s%d:u%d", p.SessionID, p.UserID),
			ActivityTitle: sess.ActivityTitle, Content: sess.ActivityTitle, Place: sess.Place, OrganiserName: sess.HostOrgName,
			HostOrgID: sess.HostOrgID, ActivityCommunityID: sess.CommunityID,
			SessionMinutes: int(end.Sub(start) / time.Minute), Clamp: true,
		}
		switch {
		case approvedBy != 0 && p.AutoClosed:
			e.Reason = "未签退，按场次结束时间计算，经工作人员审核"
		case approvedBy != 0:
			e.Reason = "签退位置不在活动地点，经工作人员审核"
		default:
			e.Reason = "扫码签到签退"
		}
		return e
	}
}

func (s *Service) selfOut(ctx context.Context, u resident.User, sess Session, in SelfInput, now time.Time, away bool) (SelfResult, error) {
	if now.After(sess.EndsAt.Add(s.cfg.CloseAfter)) {
		// Too late to check out: the sweeper closes it at the session's end (flagged).
		return SelfResult{}, errTooLate
	}
	p, closed, err := s.store.ClosePresence(ctx, u.ID, sess.ID, now, in.Lat, in.Lng, Closing{Review: away}, credit(sess, u.ID, 0))
	if err != nil {
		return SelfResult{}, errs.NotFoundAs(err, errNotCheckedIn)
	}
	return outResult(sess, p, !closed), nil
}

func outResult(sess Session, p Presence, repeated bool) SelfResult {
	return SelfResult{Action: ActionOut, At: *p.OutAt, CheckedInAt: p.InAt, Minutes: p.Minutes, SessionID: sess.ID,
		ActivityID: sess.ActivityID, ActivityTitle: sess.ActivityTitle, Repeated: repeated, InReview: p.ReviewStatus == ReviewPending}
}

// sweepBatch is how many overdue presences CloseForgotten reads at a time.
const sweepBatch = 200

// CloseForgotten closes presences nobody checked out of, at their session's
// end, once the check-out grace has passed; they credit nothing until staff
// approve them (ReviewPresence).
// It returns how many it closed.
func (s *Service) CloseForgotten(ctx context.Context) (int, error) {
	before := s.now().UTC().Add(-s.cfg.CloseAfter)
	n := 0
	var after *Presence
	for {
		ps, err := s.store.Overdue(ctx, before, after, sweepBatch)
		if err != nil || len(ps) == 0 {
			return n, err
		}
		// Presences of sessions moved later are skipped, and the next
		// batch starts after them: however many there are, the truly
		// overdue behind them are closed in this run.
		after = &ps[len(ps)-1]
		for _, p := range ps {
			sess, err := s.regs.Session(ctx, p.SessionID)
			switch {
			case errs.KindOf(err) == errs.KindNotFound:
				// The session is gone: close on the stored times.
				sess = Session{ID: p.SessionID, ActivityID: p.ActivityID, StartsAt: p.SessionStartsAt, EndsAt: p.SessionEndsAt}
			case err != nil:
				return n, err
			case !sess.EndsAt.Before(before):
				continue // moved later since the check-in: not overdue yet
			}
			_, closed, err := s.store.ClosePresence(ctx, p.UserID, p.SessionID, sess.EndsAt, 0, 0, Closing{Auto: true, Review: true}, credit(sess, 0, 0))
			if err != nil && errs.KindOf(err) != errs.KindNotFound {
				return n, err
			}
			if closed {
				n++
			}
		}
		if len(ps) < sweepBatch {
			return n, nil
		}
	}
}

// RunSweeper closes forgotten check-outs every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration, onErr func(error)) {
	periodic.Run(ctx, interval, true, s.CloseForgotten, onErr)
}

// Attendance is a session's check-ins and presences, for staff.
type Attendance struct {
	Session       Session
	Registrations []AttendanceLine
	Presences     []Presence
}

// AttendanceLine is one confirmed registration and its check-in.
type AttendanceLine struct {
	Registration Registration
	CheckedIn    *Record
}

// Attendance lists a session's registrations with their check-ins, and the
// volunteers' presences (flagged ones need review).
func (s *Service) Attendance(ctx context.Context, u resident.User, sessionID int64) (Attendance, error) {
	sess, err := s.checkedSession(ctx, u, sessionID, errNotChecker)
	if err != nil {
		return Attendance{}, err
	}
	regs, err := s.regs.SessionRegistrations(ctx, sessionID)
	if err != nil {
		return Attendance{}, err
	}
	recs, err := s.store.CheckedIn(ctx, sess.ActivityID)
	if err != nil {
		return Attendance{}, err
	}
	byReg := map[int64]Record{}
	for _, r := range recs {
		byReg[r.RegistrationID] = r
	}
	out := Attendance{Session: sess}
	for _, r := range regs {
		line := AttendanceLine{Registration: r}
		if rec, ok := byReg[r.ID]; ok {
			line.CheckedIn = &rec
		}
		out.Registrations = append(out.Registrations, line)
	}
	out.Presences, err = s.store.SessionPresences(ctx, sessionID)
	return out, err
}

// ---- the review queue of presences ----

var (
	errOwnPresence      = errs.Forbidden("OWN_RECORD", "不能审核自己的签到记录，请由其他工作人员办理")
	ErrPresenceNotFound = errs.NotFound("PRESENCE_NOT_FOUND", "签到记录不存在")
)

// reviewScope is the presences u may review: those of activities hosted by
// their organisations or in their communities; admins all.
func reviewScope(u resident.User) (ReviewScope, bool) {
	sv := u.Serves()
	return ReviewScope{All: sv.All, OrgIDs: sv.OrgIDs, CommunityIDs: sv.CommunityIDs}, sv.Any()
}

// ReviewQueue lists the presences held for review that u may decide
// (status "" or pending: waiting; approved, rejected: decided), oldest
// first: a page of limit after the presence at (afterAt, afterID) in that
// order (afterID 0: the first page; limit at most page.MaxLimit+1, else 50).
func (s *Service) ReviewQueue(ctx context.Context, u resident.User, status string, afterAt time.Time, afterID int64, limit int) ([]Presence, error) {
	switch status {
	case "":
		status = ReviewPending
	case ReviewPending, ReviewApproved, ReviewRejected:
	default:
		return nil, errs.Invalid("BAD_STATUS", "状态无效，请选择待审核、已通过或已驳回")
	}
	sc, ok := reviewScope(u)
	if !ok {
		return nil, errNotStaff
	}
	sc.Status, sc.AfterAt, sc.AfterID, sc.Limit = status, afterAt, afterID, page.WithinPeek(limit, 50)
	return s.store.ReviewQueue(ctx, sc)
}

// ReviewPresence approves (credits) or rejects a presence held for review.
// Staff of the activity decide, never on their own presence; a rejection
// needs a reason the volunteer can read.
func (s *Service) ReviewPresence(ctx context.Context, u resident.User, id int64, approve bool, note string) (Presence, error) {
	note = strings.TrimSpace(note)
	if !approve && (note == "" || utf8.RuneCountInString(note) > 200) {
		return Presence{}, errs.Invalid("INVALID_REASON", "请填写不予认定的原因（不超过200个字）")
	}
	if utf8.RuneCountInString(note) > 200 {
		return Presence{}, errs.Invalid("INVALID_REASON", "说明不能超过200个字")
	}
	p, err := s.store.PresenceByID(ctx, id)
	if err != nil {
		return Presence{}, errs.NotFoundAs(err, ErrPresenceNotFound)
	}
	sess, err := s.regs.Session(ctx, p.SessionID)
	switch {
	case errs.KindOf(err) == errs.KindNotFound:
		return Presence{}, ErrPresenceNotFound
	case err != nil:
		return Presence{}, err
	}
	if !IsActivityStaff(u, sess) {
		return Presence{}, errNotStaff
	}
	if p.UserID == u.ID {
		return Presence{}, errOwnPresence
	}
	var rejected []notify.Notice
	if !approve {
		// The volunteer is told why, as a rejected claim is; an approval
		// tells them the hours credited (the ledger's own notice).
		rejected = []notify.Notice{hours.RejectedNotice(p.UserID, p.ActivityID, sess.ActivityTitle, note,
			fmt.Sprintf("presence:%d:reviewed", p.ID), "签到时长未认定",
			fmt.Sprintf("您在「%s」的签到签退经工作人员审核，未认定服务时长，原因：%s", sess.ActivityTitle, note), s.now())}
	}
	return s.store.ReviewPresence(ctx, id, u.ID, approve, note, credit(sess, p.UserID, u.ID), rejected)
}
