package checkin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// ErrNonceUsed is returned by Store.Scan when the checker already sent the nonce.
var ErrNonceUsed = errors.New("checkin: nonce already used")

// ErrNotConfirmed is returned by Store.Scan when the registration is no
// longer confirmed as the scan is written (cancelled since it was read).
var ErrNotConfirmed = errors.New("checkin: registration no longer confirmed")

// MaxBatch is the most scans one batch may carry.
const MaxBatch = 500

// Service holds the check-in rules.
type Service struct {
	keys    *Keys
	regs    Registrations
	store   Store
	codes   CodeMaker
	blobs   Blobs
	cfg     Config
	now     func() time.Time
	posters sync.Map // activity id -> *sync.Mutex: one WeChat call per poster at a time
}

// NewService builds the service; now may be nil (time.Now).
func NewService(keys *Keys, regs Registrations, store Store, codes CodeMaker, blobs Blobs, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.PosterPage == "" {
		cfg.PosterPage = "pages/volunteer/index"
	}
	return &Service{keys: keys, regs: regs, store: store, codes: codes, blobs: blobs, cfg: cfg, now: now}
}

// Keys returns the ticket keys.
func (s *Service) Keys() *Keys { return s.keys }

// window is when a session's tickets are accepted.
func (s *Service) window(sess Session) (time.Time, time.Time) {
	return sess.StartsAt.Add(-s.cfg.OpenBefore), sess.EndsAt.Add(s.cfg.CloseAfter)
}

func (s *Service) ticketFor(r Registration) Ticket {
	from, until := s.window(r.Session)
	return Normalize(Ticket{RegistrationID: r.ID, SessionID: r.Session.ID, ValidFrom: from, ValidUntil: until})
}

// IssuedTicket is a ticket with its window.
type IssuedTicket struct {
	Ticket     string
	ValidFrom  time.Time
	ValidUntil time.Time
}

// Ticket returns the ticket of a confirmed registration to its owner.
func (s *Service) Ticket(ctx context.Context, userID, regID int64) (IssuedTicket, error) {
	r, err := s.regs.Registration(ctx, regID)
	if errs.KindOf(err) == errs.KindNotFound || err == nil && r.UserID != userID {
		return IssuedTicket{}, errRegNotFound
	}
	if err != nil {
		return IssuedTicket{}, err
	}
	switch {
	case r.Status == StatusCancelled || r.Session.ActivityStatus == ActivityCancelled:
		return IssuedTicket{}, errRevoked
	case r.Status != StatusConfirmed:
		return IssuedTicket{}, errNotConfirmed
	}
	t := s.ticketFor(r)
	return IssuedTicket{Ticket: s.keys.Issue(t), ValidFrom: t.ValidFrom, ValidUntil: t.ValidUntil}, nil
}

// ---- who may do what ----

// IsActivityStaff reports whether u is staff of the activity's host or community.
func IsActivityStaff(u resident.User, sess Session) bool {
	return u.IsStaffOfOrg(sess.HostOrgID) || u.IsStaffOf(sess.CommunityID)
}

// canCheck reports whether u may scan tickets of the session's activity.
// mayCheck refuses with denied anyone who may not check people into sess.
func (s *Service) mayCheck(ctx context.Context, u resident.User, sess Session, denied error) error {
	switch ok, err := s.canCheck(ctx, u, sess); {
	case err != nil:
		return err
	case !ok:
		return denied
	}
	return nil
}

// checkedSession loads a session for one who may check people into it
// (anyone else is refused with denied).
func (s *Service) checkedSession(ctx context.Context, u resident.User, sessionID int64, denied error) (Session, error) {
	sess, err := s.regs.Session(ctx, sessionID)
	if err != nil {
		return Session{}, err
	}
	return sess, s.mayCheck(ctx, u, sess, denied)
}

func (s *Service) canCheck(ctx context.Context, u resident.User, sess Session) (bool, error) {
	if IsActivityStaff(u, sess) {
		return true, nil
	}
	return s.store.IsChecker(ctx, sess.ActivityID, u.ID)
}

func (s *Service) activityStaff(ctx context.Context, u resident.User, activityID int64) ([]Session, error) {
	sessions, err := s.regs.ActivitySessions(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if len(sessions) == 0 || !IsActivityStaff(u, sessions[0]) {
		return nil, errNotStaff
	}
	return sessions, nil
}

// ---- checkers and volunteer slots ----

// AddChecker appoints userID to scan the activity's tickets.
func (s *Service) AddChecker(ctx context.Context, staff resident.User, activityID, userID int64) error {
	if _, err := s.activityStaff(ctx, staff, activityID); err != nil {
		return err
	}
	if userID <= 0 {
		return errs.Invalid("BAD_USER_ID", "请指定用户")
	}
	return s.store.AddChecker(ctx, activityID, userID, staff.ID)
}

// RemoveChecker withdraws an appointment.
func (s *Service) RemoveChecker(ctx context.Context, staff resident.User, activityID, userID int64) error {
	if _, err := s.activityStaff(ctx, staff, activityID); err != nil {
		return err
	}
	return s.store.RemoveChecker(ctx, activityID, userID)
}

// Checkers lists the activity's checkers.
func (s *Service) Checkers(ctx context.Context, staff resident.User, activityID int64) ([]Appointee, error) {
	if _, err := s.activityStaff(ctx, staff, activityID); err != nil {
		return nil, err
	}
	return s.store.Checkers(ctx, activityID)
}

func (s *Service) sessionStaff(ctx context.Context, u resident.User, sessionID int64) (Session, error) {
	sess, err := s.regs.Session(ctx, sessionID)
	if err != nil {
		return Session{}, err
	}
	if !IsActivityStaff(u, sess) {
		return Session{}, errNotStaff
	}
	return sess, nil
}

// AddVolunteer gives userID a volunteer slot in a session of any activity:
// they may then check themselves in and out of it.
func (s *Service) AddVolunteer(ctx context.Context, staff resident.User, sessionID, userID int64) error {
	sess, err := s.sessionStaff(ctx, staff, sessionID)
	if err != nil {
		return err
	}
	if userID <= 0 {
		return errs.Invalid("BAD_USER_ID", "请指定用户")
	}
	return s.store.AddVolunteer(ctx, sess.ActivityID, sessionID, userID, staff.ID)
}

// RemoveVolunteer withdraws a volunteer slot.
func (s *Service) RemoveVolunteer(ctx context.Context, staff resident.User, sessionID, userID int64) error {
	if _, err := s.sessionStaff(ctx, staff, sessionID); err != nil {
		return err
	}
	return s.store.RemoveVolunteer(ctx, sessionID, userID)
}

// Volunteers lists a session's volunteer slots.
func (s *Service) Volunteers(ctx context.Context, staff resident.User, sessionID int64) ([]Appointee, error) {
	if _, err := s.sessionStaff(ctx, staff, sessionID); err != nil {
		return nil, err
	}
	return s.store.Volunteers(ctx, sessionID)
}

// ---- scanning ----

// ScanInput is one scan from a checker's phone.
type ScanInput struct {
	Ticket    string
	Nonce     string
	ScannedAt time.Time // zero = not sent
	// Optional: the session or activity the checker is admitting. A ticket
	// of another one is WRONG_SESSION.
	SessionID  int64
	ActivityID int64
}

// ScanResult is an accepted scan.
type ScanResult struct {
	RegistrationID     int64
	AttendeeNameMasked string
	SessionID          int64
	ActivityID         int64
	ActivityTitle      string
	StartsAt, EndsAt   time.Time
	CheckedInAt        time.Time
	Replay             bool // the same nonce was accepted before
	Superseded         bool // batch only: an earlier scan (now or before) is the check-in
}

func validNonce(n string) bool {
	if len(n) < 1 || len(n) > 64 {
		return false
	}
	for _, r := range n {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

func detailsOf(r Registration) map[string]any {
	return map[string]any{
		"registration_id": r.ID, "attendee_name_masked": pii.MaskName(r.AttendeeName),
		"session_id": r.Session.ID, "activity_id": r.Session.ActivityID, "activity_title": r.Session.ActivityTitle,
		"starts_at": r.Session.StartsAt, "ends_at": r.Session.EndsAt,
	}
}

func withDetails(e *errs.Error, d map[string]any) *errs.Error {
	for k, v := range d {
		e = e.With(k, v)
	}
	return e
}

func resultOf(r Registration, rec Record) ScanResult {
	return ScanResult{
		RegistrationID: r.ID, AttendeeNameMasked: pii.MaskName(r.AttendeeName), SessionID: r.Session.ID,
		ActivityID: r.Session.ActivityID, ActivityTitle: r.Session.ActivityTitle, StartsAt: r.Session.StartsAt,
		EndsAt: r.Session.EndsAt, CheckedInAt: rec.At,
	}
}

func alreadyErr(r Registration, rec Record) error {
	return withDetails(errAlready, detailsOf(r)).With("first_checked_in_at", rec.At)
}

// admit runs every rule on a scan and returns the registration; at is the
// time the scan counts at.
func (s *Service) admit(ctx context.Context, u resident.User, in ScanInput, at time.Time) (Registration, error) {
	t, err := s.keys.Verify(in.Ticket)
	if err != nil {
		return Registration{}, ErrBadTicketCode
	}
	r, err := s.regs.Registration(ctx, t.RegistrationID)
	if err != nil {
		return Registration{}, errs.NotFoundAs(err, ErrBadTicketCode)
	}
	ok, err := s.canCheck(ctx, u, r.Session)
	if err != nil {
		return Registration{}, err
	}
	stated := in.SessionID != 0 || in.ActivityID != 0
	mismatch := in.SessionID != 0 && in.SessionID != r.Session.ID || in.ActivityID != 0 && in.ActivityID != r.Session.ActivityID
	if !ok {
		// A checker of the door they named learns only that the ticket is
		// not for it; anybody else learns nothing.
		if stated && mismatch && s.canCheckStated(ctx, u, in) {
			return Registration{}, errWrongSession
		}
		return Registration{}, errNotChecker
	}
	d := detailsOf(r)
	switch {
	case r.Status == StatusCancelled || r.Session.ActivityStatus == ActivityCancelled || r.Session.Cancelled || r.Status != StatusConfirmed:
		return r, withDetails(errRevoked, d)
	case t.SessionID != r.Session.ID || mismatch:
		return r, withDetails(errWrongSession, d)
	}
	from, until := s.window(r.Session)
	if at.Before(from) {
		return r, withDetails(errTooEarly, d).With("opens_at", from)
	}
	if at.After(until) {
		return r, withDetails(errTooLate, d).With("closed_at", until)
	}
	return r, nil
}

func (s *Service) canCheckStated(ctx context.Context, u resident.User, in ScanInput) bool {
	var sess Session
	if in.SessionID != 0 {
		x, err := s.regs.Session(ctx, in.SessionID)
		if err != nil {
			return false
		}
		sess = x
	} else {
		xs, err := s.regs.ActivitySessions(ctx, in.ActivityID)
		if err != nil || len(xs) == 0 {
			return false
		}
		sess = xs[0]
	}
	ok, err := s.canCheck(ctx, u, sess)
	return err == nil && ok
}

func (s *Service) checkinNotice(r Registration, at time.Time) notify.Notice {
	who := r.AttendeeName
	return notify.Notice{
		UserID: r.UserID, TemplateKey: notify.CheckinDone, DedupKey: "checkin:reg:" + strconv.FormatInt(r.ID, 10),
		Title: "签到成功",
		Body:  fmt.Sprintf("%s已在「%s」签到。", who, r.Session.ActivityTitle),
		Fields: map[string]string{"activity": r.Session.ActivityTitle, "name": who, "time": at.In(cst.Zone).Format("2006-01-02 15:04"),
			"place": r.Session.Place, "status": "已签到"},
		Page: "pages/registrations/index", ActivityID: r.Session.ActivityID, RegistrationID: r.ID,
	}
}

// replayed answers a nonce the checker used before: the same outcome again.
func (s *Service) replayed(ctx context.Context, u resident.User, in ScanInput) (ScanResult, bool, error) {
	rp, ok, err := s.store.Replay(ctx, u.ID, in.Nonce)
	if err != nil || !ok {
		return ScanResult{}, false, err
	}
	t, err := s.keys.Verify(in.Ticket)
	if err != nil || t.RegistrationID != rp.RegistrationID {
		return ScanResult{}, true, errNonceReused
	}
	r, err := s.regs.Registration(ctx, rp.RegistrationID)
	if err != nil {
		return ScanResult{}, true, err
	}
	res := resultOf(r, rp.Record)
	res.Replay = true
	if !rp.Counted {
		res.Superseded = true
	}
	return res, true, nil
}

// Scan checks a ticket in at the door (online). The server's clock decides;
// scanned_at is kept when it is within the tolerated skew.
func (s *Service) Scan(ctx context.Context, u resident.User, in ScanInput) (ScanResult, error) {
	if !validNonce(in.Nonce) {
		return ScanResult{}, errBadNonce
	}
	now := s.now().UTC()
	reported := in.ScannedAt
	if reported.IsZero() || reported.Sub(now).Abs() > s.cfg.ClockSkew {
		reported = now
	}
	r, err := s.admit(ctx, u, in, now)
	if err != nil {
		// A retry of a scan accepted before answers as it did, whatever
		// changed since (looked up only here: the door's path stays short;
		// a retry that passes admission is settled by the store's keys).
		if res, ok, rerr := s.replayed(ctx, u, in); rerr != nil || ok {
			return s.replayAnswer(ctx, res, rerr)
		}
		return ScanResult{}, err
	}
	sc := Scan{RegistrationID: r.ID, SessionID: r.Session.ID, ActivityID: r.Session.ActivityID, UserID: r.UserID,
		CheckerID: u.ID, Nonce: in.Nonce, At: now, ReportedAt: reported.UTC()}
	out, err := s.store.Scan(ctx, sc, false, []notify.Notice{s.checkinNotice(r, now)})
	if errors.Is(err, ErrNotConfirmed) {
		return ScanResult{}, withDetails(errRevoked, detailsOf(r))
	}
	if errors.Is(err, ErrNonceUsed) {
		// This checker sent the nonce before: answer as the first time.
		res, _, rerr := s.replayed(ctx, u, in)
		return s.replayAnswer(ctx, res, rerr)
	}
	if err != nil {
		return ScanResult{}, err
	}
	if !out.Counted && out.Record.CheckerID == u.ID && out.Record.Nonce == in.Nonce {
		// The same request arrived twice at once and the other copy won.
		res := resultOf(r, out.Record)
		res.Replay = true
		return res, nil
	}
	if !out.Counted {
		return ScanResult{}, alreadyErr(r, out.Record)
	}
	return resultOf(r, out.Record), nil
}

// replayAnswer repeats the answer of an earlier scan with the same nonce:
// success, or ALREADY_CHECKED_IN when an earlier scan took the check-in over.
func (s *Service) replayAnswer(ctx context.Context, res ScanResult, err error) (ScanResult, error) {
	if err != nil || !res.Superseded {
		return res, err
	}
	r, err := s.regs.Registration(ctx, res.RegistrationID)
	if err != nil {
		return ScanResult{}, err
	}
	return ScanResult{}, alreadyErr(r, Record{At: res.CheckedInAt})
}

// BatchResult is the answer for one offline scan.
type BatchResult struct {
	Nonce  string
	Result string // "checked_in", "duplicate" or "refused"
	Scan   ScanResult
	Err    *errs.Error // duplicate and refused
}

// Batch results.
const (
	ResultCheckedIn = "checked_in"
	ResultDuplicate = "duplicate"
	ResultRefused   = "refused"
)

// Batch uploads offline scans. Each scan is judged at its own (corrected)
// time; where two scans of one ticket exist, the earliest counts and the
// other is a duplicate. Sending a batch again gives the same answers.
// sentAt (the phone's clock when sending; zero = not sent) corrects the
// phone's clock: every scanned_at is shifted by server time − sentAt.
func (s *Service) Batch(ctx context.Context, u resident.User, scans []ScanInput, sentAt time.Time) ([]BatchResult, error) {
	if len(scans) == 0 || len(scans) > MaxBatch {
		return nil, errs.Invalid("BAD_BATCH", "每批上传1到500条扫码记录")
	}
	now := s.now().UTC()
	var shift time.Duration
	if !sentAt.IsZero() {
		if d := now.Sub(sentAt); d.Abs() > s.cfg.ClockSkew {
			shift = d
		}
	}
	// Earliest first, so that within one batch the earliest scan of a ticket
	// is the one stored as the check-in.
	idx := make([]int, len(scans))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scans[idx[a]].ScannedAt.Before(scans[idx[b]].ScannedAt) })
	out := make([]BatchResult, len(scans))
	for _, i := range idx {
		out[i] = s.batchOne(ctx, u, scans[i], shift, now)
		// A failure of ours fails the whole batch: the phone keeps every scan
		// it gets no answer for and sends them again (stored ones replay).
		if e := out[i].Err; e != nil && (e.Kind == errs.KindUnavailable || e.Kind == errs.KindInternal) {
			return nil, e
		}
	}
	return out, nil
}

func refusal(nonce string, err error) BatchResult {
	return BatchResult{Nonce: nonce, Result: ResultRefused, Err: errs.As(err)}
}

func (s *Service) batchOne(ctx context.Context, u resident.User, in ScanInput, shift time.Duration, now time.Time) BatchResult {
	if !validNonce(in.Nonce) {
		return refusal(in.Nonce, errBadNonce)
	}
	if res, ok, err := s.replayed(ctx, u, in); err != nil {
		return refusal(in.Nonce, err)
	} else if ok {
		return batchAnswer(in.Nonce, res)
	}
	if in.ScannedAt.IsZero() {
		return refusal(in.Nonce, errBadScannedAt)
	}
	at := in.ScannedAt.Add(shift).UTC()
	if at.After(now.Add(s.cfg.ClockSkew)) {
		return refusal(in.Nonce, errBadScannedAt)
	}
	// Nothing is scanned after the batch arrived: a phone's clock a little
	// ahead dates the scan at the arrival at the latest. (Before the
	// session's acceptance window admit refuses it.)
	if at.After(now) {
		at = now
	}
	r, err := s.admit(ctx, u, in, at)
	if err != nil {
		return refusal(in.Nonce, err)
	}
	sc := Scan{RegistrationID: r.ID, SessionID: r.Session.ID, ActivityID: r.Session.ActivityID, UserID: r.UserID,
		CheckerID: u.ID, Nonce: in.Nonce, At: at, ReportedAt: in.ScannedAt.UTC(), Offline: true}
	o, err := s.store.Scan(ctx, sc, true, []notify.Notice{s.checkinNotice(r, at)})
	if errors.Is(err, ErrNotConfirmed) {
		return refusal(in.Nonce, withDetails(errRevoked, detailsOf(r)))
	}
	if errors.Is(err, ErrNonceUsed) {
		res, ok, rerr := s.replayed(ctx, u, in)
		if rerr != nil || !ok {
			return refusal(in.Nonce, errs.Internal(rerr))
		}
		return batchAnswer(in.Nonce, res)
	}
	if err != nil {
		return refusal(in.Nonce, err)
	}
	res := resultOf(r, o.Record)
	res.Superseded = !o.Counted
	return batchAnswer(in.Nonce, res)
}

func batchAnswer(nonce string, res ScanResult) BatchResult {
	if res.Superseded {
		e := errAlready.With("first_checked_in_at", res.CheckedInAt)
		return BatchResult{Nonce: nonce, Result: ResultDuplicate, Scan: res, Err: e}
	}
	return BatchResult{Nonce: nonce, Result: ResultCheckedIn, Scan: res}
}

// ---- the offline kit ----

// KitSession is one session in a kit.
type KitSession struct {
	ID          int64
	StartsAt    time.Time
	EndsAt      time.Time
	AcceptFrom  time.Time
	AcceptUntil time.Time
}

// Kit is what a checker's phone needs to admit people with no network.
type Kit struct {
	ActivityID    int64
	ActivityTitle string
	Algorithm     string // "Ed25519"
	PublicKey     string // base64
	Sessions      []KitSession
	// Window is the acceptance window of the session the kit is for: the
	// first one not closed yet at GeneratedAt (else the last one).
	Window                 KitSession
	Revoked                []string // the cancelled registrations' ticket strings
	RevokedRegistrationIDs []int64
	CheckedIn              []int64 // registrations already checked in
	GeneratedAt            time.Time
}

// Checking is an activity a checker is appointed to, with its sessions.
type Checking struct {
	ActivityID    int64
	ActivityTitle string
	Category      string
	Place         string
	Sessions      []KitSession
}

// MyChecking lists the published activities userID is appointed to check
// whose last check-in window is still open, soonest first. Staff find
// theirs among the activities they manage.
func (s *Service) MyChecking(ctx context.Context, userID int64) ([]Checking, error) {
	ids, err := s.store.CheckerActivities(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Checking{}
	for _, id := range ids {
		sessions, err := s.regs.ActivitySessions(ctx, id)
		if errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(sessions) == 0 {
			continue
		}
		first := sessions[0]
		if first.ActivityStatus != ActivityPublished {
			continue
		}
		c := Checking{ActivityID: id, ActivityTitle: first.ActivityTitle, Category: first.Category, Place: first.Place}
		for _, x := range sessions {
			if ks := s.kitSession(x); !ks.AcceptUntil.Before(now) {
				c.Sessions = append(c.Sessions, ks)
			}
		}
		if len(c.Sessions) > 0 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Sessions[0].StartsAt.Before(out[j].Sessions[0].StartsAt) })
	return out, nil
}

// MaxVolunteerSessions bounds MyVolunteerSessions: the latest
// appointments.
const MaxVolunteerSessions = 200

// VolunteerSession is a session the user was appointed to serve in
// (POST /admin/sessions/{id}/volunteers), whether or not they signed up.
type VolunteerSession struct {
	Session
	AppointedAt time.Time
	Ended       bool // the session is over: hours may be claimed for it
}

// MyVolunteerSessions lists the sessions userID holds a volunteer slot
// in, the latest first (by start; at most MaxVolunteerSessions
// appointments): appointed volunteers did not sign up, so their
// registrations do not show these, yet they check in to them and claim
// hours for them. Sessions of activities that no longer exist are left
// out; cancelled ones are listed with their status.
func (s *Service) MyVolunteerSessions(ctx context.Context, userID int64) ([]VolunteerSession, error) {
	slots, err := s.store.UserVolunteerSlots(ctx, userID, MaxVolunteerSessions)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(slots))
	for _, a := range slots {
		ids = append(ids, a.SessionID)
	}
	xs, err := s.regs.Sessions(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Session, len(xs))
	for _, x := range xs {
		byID[x.ID] = x
	}
	now := s.now()
	out := []VolunteerSession{}
	for _, a := range slots {
		if x, ok := byID[a.SessionID]; ok {
			out = append(out, VolunteerSession{Session: x, AppointedAt: a.CreatedAt, Ended: !now.Before(x.EndsAt)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartsAt.After(out[j].StartsAt) })
	return out, nil
}

// kitSession is a session with the window its tickets are accepted in.
func (s *Service) kitSession(x Session) KitSession {
	from, until := s.window(x)
	return KitSession{ID: x.ID, StartsAt: x.StartsAt, EndsAt: x.EndsAt, AcceptFrom: from, AcceptUntil: until}
}

// Kit returns the activity's offline kit to one of its checkers.
func (s *Service) Kit(ctx context.Context, u resident.User, activityID int64) (Kit, error) {
	sessions, err := s.regs.ActivitySessions(ctx, activityID)
	if err != nil {
		return Kit{}, err
	}
	if len(sessions) == 0 {
		return Kit{}, errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	}
	if err := s.mayCheck(ctx, u, sessions[0], errNotChecker); err != nil {
		return Kit{}, err
	}
	k := Kit{ActivityID: activityID, ActivityTitle: sessions[0].ActivityTitle, Algorithm: "Ed25519",
		PublicKey: s.keys.PublicKeyBase64(), GeneratedAt: s.now().UTC(), Revoked: []string{}, RevokedRegistrationIDs: []int64{}, CheckedIn: []int64{}}
	for _, x := range sessions {
		ks := s.kitSession(x)
		k.Sessions = append(k.Sessions, ks)
		if k.Window.ID == 0 && !ks.AcceptUntil.Before(k.GeneratedAt) {
			k.Window = ks
		}
	}
	if k.Window.ID == 0 {
		k.Window = k.Sessions[len(k.Sessions)-1]
	}
	cancelled, err := s.regs.Cancelled(ctx, activityID)
	if err != nil {
		return Kit{}, err
	}
	for _, r := range cancelled {
		k.Revoked = append(k.Revoked, s.keys.Issue(s.ticketFor(r)))
		k.RevokedRegistrationIDs = append(k.RevokedRegistrationIDs, r.ID)
	}
	recs, err := s.store.CheckedIn(ctx, activityID)
	if err != nil {
		return Kit{}, err
	}
	for _, r := range recs {
		k.CheckedIn = append(k.CheckedIn, r.RegistrationID)
	}
	return k, nil
}
