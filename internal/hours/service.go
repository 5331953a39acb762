package hours

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// Limits of claims and corrections.
const (
	MaxMinutesPerService = 24 * 60
	MaxPhotos            = 9
	MaxDescription       = 500
	MaxReason            = 200
)

// Config are the settings of the hours rules.
type Config struct {
	// CorrectionApprovalMinutes: a correction of more than this many
	// minutes (either way) waits for a second staff member's approval.
	CorrectionApprovalMinutes int
	// RecordIssuer names who issues service records (printed on them and
	// shown by their verification); "" takes DefaultRecordIssuer.
	RecordIssuer string
	// RecordVerifyURL is the public page that verifies a record by its
	// number ("…/service-records"); the record's QR code holds it with
	// ?number=. "" leaves records without a QR code.
	RecordVerifyURL string
}

// DefaultCorrectionApprovalMinutes is 8 hours.
const DefaultCorrectionApprovalMinutes = 8 * 60

// DefaultRecordIssuer issues records when the deployment names no one.
const DefaultRecordIssuer = "街道志愿服务站"

// Service holds the rules of service hours.
type Service struct {
	store  Store
	acts   Activities
	orgs   Orgs
	people People
	photos Photos
	box    *pii.Box
	now    func() time.Time
	cfg    Config
	codes  QRCodes // nil: records carry no QR code
}

// Configure sets the rules' settings (zero values take the defaults). Call
// it while wiring, before the service is used.
func (s *Service) Configure(c Config) {
	s.cfg = c.withDefaults()
}

func (c Config) withDefaults() Config {
	if c.CorrectionApprovalMinutes <= 0 {
		c.CorrectionApprovalMinutes = DefaultCorrectionApprovalMinutes
	}
	if strings.TrimSpace(c.RecordIssuer) == "" {
		c.RecordIssuer = DefaultRecordIssuer
	}
	return c
}

// NewService builds the service; now may be nil (time.Now). With photos
// nil no claim may carry photos.
func NewService(store Store, acts Activities, orgs Orgs, people People, photos Photos, box *pii.Box, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, acts: acts, orgs: orgs, people: people, photos: photos, box: box, now: now,
		cfg: Config{}.withDefaults()}
}

// FormatMinutes renders minutes as 2小时30分钟.
func FormatMinutes(m int) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	switch {
	case m < 60:
		return sign + strconv.Itoa(m) + "分钟"
	case m%60 == 0:
		return sign + strconv.Itoa(m/60) + "小时"
	default:
		return sign + strconv.Itoa(m/60) + "小时" + strconv.Itoa(m%60) + "分钟"
	}
}

// CreditedNotice is the hours_credited notice of an entry.
func CreditedNotice(e Entry, dedup string) notify.Notice {
	return notify.Notice{
		UserID: e.UserID, TemplateKey: notify.HoursCredited, DedupKey: dedup,
		Title: "服务时长已记录",
		Body:  fmt.Sprintf("您参加「%s」的服务时长 %s 已记入志愿服务记录。", e.ActivityTitle, FormatMinutes(e.Minutes)),
		Fields: map[string]string{
			"activity": e.ActivityTitle, "hours": FormatMinutes(e.Minutes),
			"time": e.ServedAt.In(cst.Zone).Format("2006-01-02 15:04"), "note": "可在“我的-志愿服务”查看",
		},
		Page: "pages/volunteer/index", ActivityID: e.ActivityID,
	}
}

// RejectedNotice tells a volunteer that staff did not credit the hours
// they asked for (a claim, a self check-in's presence), and why (reason),
// with the notice's dedup key, title and body; at is when it was decided.
func RejectedNotice(userID, activityID int64, activityTitle, reason, dedup, title, body string, at time.Time) notify.Notice {
	return notify.Notice{
		UserID: userID, TemplateKey: notify.ClaimReviewed, DedupKey: dedup,
		Title: title, Body: body,
		Fields: map[string]string{"activity": activityTitle, "status": "未通过", "note": reason,
			"time": at.In(cst.Zone).Format("2006-01-02 15:04")},
		Page: "pages/volunteer/index", ActivityID: activityID,
	}
}

// ---- my hours ----

// Month is the minutes of one calendar month (CST), "2025-03".
type Month struct {
	Month   string
	Minutes int
}

// Summary is a person's hours.
type Summary struct {
	TotalMinutes int
	ByMonth      []Month // oldest first
	Entries      []Entry // newest first
}

// MyHours returns the person's total and months, and one keyset page of
// their entries, newest first, with the next page's cursor ("" on the last).
func (s *Service) MyHours(ctx context.Context, userID int64, req page.Request) (Summary, string, error) {
	months, err := s.store.MonthlyMinutes(ctx, userID)
	if err != nil {
		return Summary{}, "", err
	}
	sum := Summary{ByMonth: months}
	for _, m := range months {
		sum.TotalMinutes += m.Minutes
	}
	es, err := s.store.EntryPage(ctx, userID, req.After, req.Limit+1)
	if err != nil {
		return Summary{}, "", err
	}
	var next string
	sum.Entries, next = page.Trim(es, req.Limit, func(e Entry) page.Cursor { return page.Cursor{Key: e.ServedAt.UnixMilli(), ID: e.ID} })
	return sum, next, nil
}

// ---- identity for the record ----

// SetIdentity stores the volunteer's ID number (sealed) for the service
// record, and returns it masked.
func (s *Service) SetIdentity(ctx context.Context, userID int64, idNumber string) (string, error) {
	id := pii.NormalizeIDNumber(idNumber)
	if _, err := pii.ValidateIDNumber(id, s.now()); err != nil {
		return "", errs.Invalid("INVALID_ID_NUMBER", err.Error())
	}
	sealed, err := s.box.Seal(id)
	if err != nil {
		return "", errs.Internal(err)
	}
	masked := pii.MaskIDNumber(id)
	if err := s.store.SetIdentity(ctx, userID, sealed, s.box.Hash(id), masked); err != nil {
		return "", err
	}
	return masked, nil
}

// ---- party membership ----

// SetMembership records that a party member belongs to orgID and reports
// to communityID (在职党员社区报到; 0 = not reported). Entries written from
// now on count for them; earlier entries keep what they were written with.
func (s *Service) SetMembership(ctx context.Context, u resident.User, orgID, communityID int64) (Membership, error) {
	if !u.HasRole(resident.RolePartyMember) {
		return Membership{}, errs.Forbidden("NOT_PARTY_MEMBER", "只有党员可以登记所属党组织，请联系社区工作人员开通党员身份")
	}
	if orgID <= 0 {
		return Membership{}, errs.Invalid("UNKNOWN_ORG", "请选择所属党组织")
	}
	tree, err := s.orgs.OrgTree(ctx)
	if err != nil {
		return Membership{}, err
	}
	found := false
	for _, o := range tree {
		if o.ID == orgID {
			found = true
			if o.Type != "" && o.Type != OrgParty {
				return Membership{}, errs.Invalid("NOT_A_PARTY_ORG", "所选组织不是党组织")
			}
		}
	}
	if !found {
		return Membership{}, errs.Invalid("UNKNOWN_ORG", "所选党组织不存在")
	}
	if communityID != 0 {
		cs, err := s.people.ListCommunities(ctx)
		if err != nil {
			return Membership{}, err
		}
		ok := false
		for _, c := range cs {
			ok = ok || c.ID == communityID
		}
		if !ok {
			return Membership{}, errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")
		}
	}
	m := Membership{UserID: u.ID, OrgID: orgID, CommunityID: communityID}
	if err := s.store.SetMembership(ctx, m); err != nil {
		return Membership{}, err
	}
	return s.store.Membership(ctx, u.ID)
}

// Membership returns the user's party membership (NotFound when none).
func (s *Service) Membership(ctx context.Context, userID int64) (Membership, error) {
	return s.store.Membership(ctx, userID)
}

// ---- claims ----

// ClaimInput is a volunteer's claim.
type ClaimInput struct {
	ActivityID  int64
	SessionID   int64
	Minutes     int
	Description string
	PhotoURLs   []string
}

func validMinutes(m int) error {
	if m <= 0 || m > MaxMinutesPerService {
		return errs.Invalid("INVALID_MINUTES", "服务时长应在1分钟到24小时之间")
	}
	return nil
}

func checkReason(reason, label string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxReason || strings.ContainsRune(reason, 0) {
		return "", errs.Invalid("INVALID_REASON", label+"不能为空，且不超过200个字")
	}
	return reason, nil
}

// CreateClaim records a claim for a past service.
func (s *Service) CreateClaim(ctx context.Context, u resident.User, in ClaimInput) (Claim, error) {
	if err := validMinutes(in.Minutes); err != nil {
		return Claim{}, err
	}
	desc := strings.TrimSpace(in.Description)
	if desc == "" || utf8.RuneCountInString(desc) > MaxDescription || strings.ContainsRune(desc, 0) {
		return Claim{}, errs.Invalid("INVALID_DESCRIPTION", "请填写服务内容（不超过500个字）")
	}
	if len(in.PhotoURLs) > MaxPhotos {
		return Claim{}, errs.Invalid("TOO_MANY_PHOTOS", "照片最多9张")
	}
	if in.ActivityID <= 0 && in.SessionID <= 0 { // a session alone names its activity
		return Claim{}, errs.Invalid("ACTIVITY_REQUIRED", "请选择服务活动")
	}
	// Photos are only the claimant's own uploads (references the upload
	// endpoint answered), never arbitrary URLs: reviewers' phones fetch
	// them with their credentials.
	if len(in.PhotoURLs) > 0 {
		if s.photos == nil {
			return Claim{}, errs.Invalid("INVALID_PHOTO_URL", "照片地址无效，请重新上传")
		}
		if err := s.photos.CheckOwned(ctx, u.ID, in.PhotoURLs); err != nil {
			return Claim{}, err
		}
	}
	a, err := s.acts.Activity(ctx, in.ActivityID, in.SessionID)
	if err != nil {
		return Claim{}, err
	}
	if in.SessionID == 0 {
		// A claim is for one session: the activity's only one, else the
		// volunteer names it.
		if a.Sessions > 1 {
			return Claim{}, errs.Invalid("SESSION_REQUIRED", "这个活动有多个场次，请选择您服务的场次")
		}
		in.SessionID = a.SessionID
	}
	if a.Cancelled {
		return Claim{}, errs.Unprocessable("CLAIM_ACTIVITY_CANCELLED", "这个活动已经取消，不能申报服务时长")
	}
	if s.now().Before(a.EndsAt) {
		return Claim{}, errs.Unprocessable("CLAIM_TOO_EARLY", "场次结束后才能申报服务时长").With("opens_at", a.EndsAt)
	}
	length := a.Minutes()
	if in.Minutes > length {
		return Claim{}, errs.Unprocessable("CLAIM_EXCEEDS_SESSION", "申报的时长不能超过场次的时长（"+FormatMinutes(length)+"）").
			With("session_minutes", length)
	}
	credited, err := s.creditOf(ctx, u.ID, in.SessionID)
	if err != nil {
		return Claim{}, err
	}
	// A session already credited (by check-in, an earlier claim or a
	// correction) can only be topped up to its length.
	if credited >= length {
		return Claim{}, errs.Conflict("CLAIM_ALREADY_CREDITED", "这个场次的服务时长已经全部记录，无需再申报").
			With("session_minutes", length).With("credited_minutes", credited)
	}
	if in.Minutes > length-credited {
		return Claim{}, errs.Unprocessable("CLAIM_EXCEEDS_SESSION",
			"这个场次已记录"+FormatMinutes(credited)+"，最多还能补录"+FormatMinutes(length-credited)).
			With("session_minutes", length).With("credited_minutes", credited)
	}
	c := Claim{
		UserID: u.ID, ActivityID: a.ID, SessionID: in.SessionID, ActivityTitle: a.Title, HostOrgID: a.HostOrgID,
		CommunityID: a.CommunityID, ServedAt: a.StartsAt, Minutes: in.Minutes, Description: desc,
		PhotoURLs: append([]string{}, in.PhotoURLs...), Status: ClaimPending,
	}
	// A session takes one pending claim (CLAIM_PENDING otherwise).
	if err := s.store.CreateClaim(ctx, &c); err != nil {
		return Claim{}, err
	}
	c.SessionMinutes, c.CreditedMinutes = length, credited
	return c, nil
}

// creditOf is the user's net credit for a session (0 without a session).
func (s *Service) creditOf(ctx context.Context, userID, sessionID int64) (int, error) {
	if sessionID == 0 {
		return 0, nil
	}
	return s.store.SessionCredit(ctx, userID, sessionID)
}

// MyClaims lists the user's own claims, newest first: those before
// beforeID (0: from the newest), limit of them (a keyset page and one more,
// to know whether another follows; at most page.MaxLimit+1, else 50).
func (s *Service) MyClaims(ctx context.Context, userID, beforeID int64, limit int) ([]Claim, error) {
	return s.store.Claims(ctx, ClaimFilter{UserID: userID, All: true, BeforeID: beforeID, Limit: page.WithinPeek(limit, 50)})
}

var errNotReviewer = errs.Forbidden("NOT_REVIEWER", "只有主办单位或社区的工作人员可以审核")

// reviewFilter is what u may review (claims or corrections) with status
// ("" = any; else pending, approved or rejected): the rows before beforeID
// (0: from the newest), limit of them (the caller's page and one more, to
// know whether another follows; at most page.MaxLimit+1, else 50).
func reviewFilter(u resident.User, status string, beforeID int64, limit int) (ClaimFilter, error) {
	switch status {
	case "", ClaimPending, ClaimApproved, ClaimRejected:
	default:
		return ClaimFilter{}, errs.Invalid("BAD_STATUS", "状态无效，请选择待审核、已通过或已驳回")
	}
	f, ok := reviewScope(u)
	if !ok {
		return ClaimFilter{}, errNotReviewer
	}
	f.Status, f.BeforeID, f.Limit = status, beforeID, page.WithinPeek(limit, 50)
	return f, nil
}

// reviewScope is what claims u may review: admins all; staff their
// organisations and communities.
func reviewScope(u resident.User) (ClaimFilter, bool) {
	sv := u.Serves()
	return ClaimFilter{All: sv.All, OrgIDs: sv.OrgIDs, CommunityIDs: sv.CommunityIDs}, sv.Any()
}

func canReview(u resident.User, c Claim) bool {
	return u.IsStaffOfOrg(c.HostOrgID) || u.IsStaffOf(c.CommunityID)
}

// Claims lists the claims u may review, with status ("" = any), newest
// first: a page of limit before the claim beforeID (0: the newest).
func (s *Service) Claims(ctx context.Context, u resident.User, status string, beforeID int64, limit int) ([]Claim, error) {
	f, err := reviewFilter(u, status, beforeID, limit)
	if err != nil {
		return nil, err
	}
	cs, err := s.store.Claims(ctx, f)
	if err != nil {
		return nil, err
	}
	names, err := namesOf(ctx, s.store, cs, func(c Claim) int64 { return c.UserID })
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i].UserName = names[cs[i].UserID]
		if cs[i].Status == ClaimPending {
			if err := s.fillCredit(ctx, &cs[i]); err != nil {
				return nil, err
			}
		}
	}
	return cs, nil
}

// fillCredit tells the reviewer the session's length and the credit the
// volunteer already has for it: a claim over existing credit is a top-up.
func (s *Service) fillCredit(ctx context.Context, c *Claim) error {
	if c.SessionID == 0 {
		return nil
	}
	a, err := s.acts.Activity(ctx, c.ActivityID, c.SessionID)
	if err != nil {
		return errs.NotFoundAs(err, nil)
	}
	c.SessionMinutes = a.Minutes()
	c.CreditedMinutes, err = s.creditOf(ctx, c.UserID, c.SessionID)
	return err
}

func displayName(u resident.User) string { return u.DisplayName() }

func (s *Service) reviewable(ctx context.Context, u resident.User, id int64) (Claim, error) {
	c, err := s.store.Claim(ctx, id)
	if err != nil {
		return Claim{}, err
	}
	if !canReview(u, c) {
		return Claim{}, errNotReviewer
	}
	if c.UserID == u.ID {
		return Claim{}, errs.Forbidden("OWN_CLAIM", "不能审核自己的申报")
	}
	return c, nil
}

// ApproveClaim grants minutes for a pending claim: the claim is marked
// approved, the ledger gets an entry and the volunteer two notices, all in
// one transaction.
func (s *Service) ApproveClaim(ctx context.Context, u resident.User, id int64, minutes int) (Claim, error) {
	if err := validMinutes(minutes); err != nil {
		return Claim{}, err
	}
	c, err := s.reviewable(ctx, u, id)
	if err != nil {
		return Claim{}, err
	}
	a, err := s.acts.Activity(ctx, c.ActivityID, c.SessionID)
	if err != nil {
		return Claim{}, err
	}
	e := Entry{
		UserID: c.UserID, ActivityID: c.ActivityID, SessionID: c.SessionID, Minutes: minutes, Source: SourceClaim,
		RecordedBy: c.UserID, ApprovedBy: u.ID, ServedAt: c.ServedAt, Reason: "补录：" + truncate(c.Description, 150),
		CreditKey: "claim:" + strconv.FormatInt(c.ID, 10), ClaimID: c.ID,
	}
	if c.SessionID != 0 {
		// The store refuses what would take the session's credit (check-ins,
		// claims, corrections together) past its length.
		e.SessionMinutes = a.Minutes()
	}
	fillActivity(&e, a)
	e.Content = a.Title + "（补录）"
	notices := []notify.Notice{
		{
			UserID: c.UserID, TemplateKey: notify.ClaimReviewed, DedupKey: fmt.Sprintf("claim:%d:reviewed", c.ID),
			Title: "补录申请已通过",
			Body:  fmt.Sprintf("您申报的「%s」服务时长已审核通过，核定%s。", a.Title, FormatMinutes(minutes)),
			Fields: map[string]string{"activity": a.Title, "status": "已通过", "hours": FormatMinutes(minutes),
				"note": "已记入志愿服务记录", "time": s.now().In(cst.Zone).Format("2006-01-02 15:04")},
			Page: "pages/volunteer/index", ActivityID: c.ActivityID,
		},
		CreditedNotice(e, fmt.Sprintf("hours:claim:%d", c.ID)),
	}
	return s.store.ApproveClaim(ctx, id, u.ID, e, notices)
}

// RejectClaim rejects a pending claim with a reason the volunteer is told.
func (s *Service) RejectClaim(ctx context.Context, u resident.User, id int64, reason string) (Claim, error) {
	reason, err := checkReason(reason, "驳回原因")
	if err != nil {
		return Claim{}, err
	}
	c, err := s.reviewable(ctx, u, id)
	if err != nil {
		return Claim{}, err
	}
	n := RejectedNotice(c.UserID, c.ActivityID, c.ActivityTitle, reason, fmt.Sprintf("claim:%d:reviewed", c.ID),
		"补录申请未通过", fmt.Sprintf("您申报的「%s」服务时长未通过审核，原因：%s", c.ActivityTitle, reason), s.now())
	return s.store.RejectClaim(ctx, id, u.ID, reason, []notify.Notice{n})
}

// namesOf reads the names of the people of xs (user read by who) in one
// lookup.
func namesOf[T any](ctx context.Context, st Store, xs []T, who func(T) int64) (map[int64]string, error) {
	ids := make([]int64, 0, len(xs))
	for _, x := range xs {
		ids = append(ids, who(x))
	}
	return st.Names(ctx, ids)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func fillActivity(e *Entry, a Activity) {
	e.ActivityTitle, e.Content, e.Place, e.OrganiserName = a.Title, a.Title, a.Place, a.HostOrgName
	e.HostOrgID, e.ActivityCommunityID = a.HostOrgID, a.CommunityID
}

// ---- corrections ----

// CorrectionInput corrects one entry by a signed number of minutes
// (-entry.Minutes reverses it entirely).
type CorrectionInput struct {
	EntryID int64
	Minutes int
	Reason  string
}

// CorrectionResult is what a correction did: written to the ledger (Entry),
// or, beyond the configured size, waiting for a second approval (Pending).
type CorrectionResult struct {
	Entry   Entry
	Pending *Correction
}

var (
	errOwnRecord       = errs.Forbidden("OWN_RECORD", "不能更正或审核自己的服务时长，请由其他工作人员办理")
	errNotCorrector    = errs.Forbidden("NOT_REVIEWER", "只有主办单位或社区的工作人员可以更正服务时长")
	errOwnCorrection   = errs.Forbidden("OWN_CORRECTION", "更正需由另一位工作人员审核，不能审核自己提交的更正")
	errCorrectOriginal = errs.Unprocessable("CORRECT_THE_ORIGINAL", "请更正原始记录，而不是更正记录")
)

// correctable loads the entry a staff member u may correct: in their scope,
// an original entry, never their own.
func (s *Service) correctable(ctx context.Context, u resident.User, entryID int64) (Entry, error) {
	orig, err := s.store.Entry(ctx, entryID)
	if err != nil {
		return Entry{}, err
	}
	if err := mayCorrect(u, orig.HostOrgID, orig.ActivityCommunityID, orig.UserID); err != nil {
		return Entry{}, err
	}
	if orig.Source == SourceCorrection {
		return Entry{}, errCorrectOriginal
	}
	return orig, nil
}

// mayCorrect refuses u the hours of userID at an activity of hostOrgID in
// communityID unless u is staff of either, and always u's own hours.
func mayCorrect(u resident.User, hostOrgID, communityID, userID int64) error {
	if !u.IsStaffOfOrg(hostOrgID) && !u.IsStaffOf(communityID) {
		return errNotCorrector
	}
	if userID == u.ID {
		return errOwnRecord
	}
	return nil
}

// correctionEntry is the ledger entry correcting orig by minutes.
func (s *Service) correctionEntry(ctx context.Context, orig Entry, minutes int, reason string, by, approvedBy int64) (Entry, error) {
	e := orig
	e.ID, e.CreatedAt = 0, time.Time{}
	e.Minutes, e.Source, e.RecordedBy, e.ApprovedBy = minutes, SourceCorrection, by, approvedBy
	e.Reason, e.CreditKey, e.ReversesID, e.ClaimID = reason, "", orig.ID, 0
	e.SessionMinutes, e.Clamp = 0, false
	if minutes > 0 && orig.SessionID != 0 {
		a, err := s.acts.Activity(ctx, orig.ActivityID, orig.SessionID)
		switch {
		case err == nil:
			e.SessionMinutes = a.Minutes()
		case errs.KindOf(err) != errs.KindNotFound:
			return Entry{}, err
		}
	}
	return e, nil
}

// Correct corrects an entry. Only staff of the activity's host or community
// may correct, never their own record; the corrected entry's net minutes
// stay ≥ 0 and the session's credit within its length. A correction of more
// than the configured size — or one that takes the entry's corrections
// written without a second approval beyond that size together — is not
// written but waits for another staff member's approval (ApproveCorrection).
func (s *Service) Correct(ctx context.Context, u resident.User, in CorrectionInput) (CorrectionResult, error) {
	reason, err := checkReason(in.Reason, "更正原因")
	if err != nil {
		return CorrectionResult{}, err
	}
	if in.Minutes == 0 || in.Minutes > MaxMinutesPerService || in.Minutes < -MaxMinutesPerService {
		return CorrectionResult{}, errs.Invalid("INVALID_MINUTES", "更正的分钟数不能为0，且不超过24小时")
	}
	orig, err := s.correctable(ctx, u, in.EntryID)
	if err != nil {
		return CorrectionResult{}, err
	}
	if abs(in.Minutes) <= s.cfg.CorrectionApprovalMinutes {
		// A small one is written at once, as long as the entry's
		// corrections written so stay within the size together: several
		// small ones are one large one.
		e, err := s.correctionEntry(ctx, orig, in.Minutes, reason, u.ID, u.ID)
		if err != nil {
			return CorrectionResult{}, err
		}
		e.SingleApprovalMax = s.cfg.CorrectionApprovalMinutes
		got, err := s.store.Correct(ctx, e, nil)
		if !errors.Is(err, ErrNeedsSecondApproval) {
			return CorrectionResult{Entry: got}, err
		}
	}
	c := Correction{EntryID: orig.ID, UserID: orig.UserID, ActivityID: orig.ActivityID, SessionID: orig.SessionID,
		ActivityTitle: orig.ActivityTitle, HostOrgID: orig.HostOrgID, CommunityID: orig.ActivityCommunityID,
		Minutes: in.Minutes, Reason: reason, RequestedBy: u.ID, Status: CorrectionPending}
	if err := s.store.CreateCorrection(ctx, &c); err != nil {
		return CorrectionResult{}, err
	}
	return CorrectionResult{Pending: &c}, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// reviewableCorrection loads a correction a second staff member u may
// approve or reject: in their scope, not their own request, not their own hours.
func (s *Service) reviewableCorrection(ctx context.Context, u resident.User, id int64) (Correction, error) {
	c, err := s.store.Correction(ctx, id)
	if err != nil {
		return Correction{}, err
	}
	if err := mayCorrect(u, c.HostOrgID, c.CommunityID, c.UserID); err != nil {
		return Correction{}, err
	}
	if c.RequestedBy == u.ID {
		return Correction{}, errOwnCorrection
	}
	return c, nil
}

// Corrections lists the corrections waiting for (or given) a second
// approval that u may review, with status ("" = any), newest first: a page
// of limit before the correction beforeID (0: the newest).
func (s *Service) Corrections(ctx context.Context, u resident.User, status string, beforeID int64, limit int) ([]Correction, error) {
	f, err := reviewFilter(u, status, beforeID, limit)
	if err != nil {
		return nil, err
	}
	return s.store.Corrections(ctx, f)
}

// ApproveCorrection writes a pending correction to the ledger, approved by
// a second staff member.
func (s *Service) ApproveCorrection(ctx context.Context, u resident.User, id int64) (Correction, error) {
	c, err := s.reviewableCorrection(ctx, u, id)
	if err != nil {
		return Correction{}, err
	}
	orig, err := s.store.Entry(ctx, c.EntryID)
	if err != nil {
		return Correction{}, err
	}
	e, err := s.correctionEntry(ctx, orig, c.Minutes, c.Reason, c.RequestedBy, u.ID)
	if err != nil {
		return Correction{}, err
	}
	return s.store.ApproveCorrection(ctx, id, u.ID, e)
}

// RejectCorrection refuses a pending correction with a reason.
func (s *Service) RejectCorrection(ctx context.Context, u resident.User, id int64, reason string) (Correction, error) {
	reason, err := checkReason(reason, "驳回原因")
	if err != nil {
		return Correction{}, err
	}
	if _, err := s.reviewableCorrection(ctx, u, id); err != nil {
		return Correction{}, err
	}
	return s.store.RejectCorrection(ctx, id, u.ID, reason)
}
