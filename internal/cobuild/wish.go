package cobuild

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Wish statuses (a resident's 微心愿, and proposals under review).
const (
	WishPending  = "pending"  // waiting for staff review
	WishAccepted = "accepted" // became a need
	WishMerged   = "merged"   // merged into an existing need
	WishDeclined = "declined" // declined with a reason the resident sees
	WishHidden   = "hidden"   // failed the content check: shown to no one else
)

// Content-check states of residents' text and photos.
const (
	SecChecking = "checking" // photos sent to WeChat, verdict not back yet
	SecPass     = "pass"
	SecReview   = "review" // WeChat asks for a human look: staff see it, flagged
	SecRisky    = "risky"
)

// Wish is a resident's small wish.
type Wish struct {
	ID            int64
	UserID        int64
	CommunityID   int64
	Title         string
	Description   string
	Photos        []string
	ContactName   string
	PhoneSealed   string
	PhoneMasked   string
	Status        string
	SecStatus     string
	NeedID        int64
	DeclineReason string
	ReviewedAt    *time.Time
	CreatedAt     time.Time
}

// Visible reports whether people other than the author may see it.
func (w Wish) Visible() bool { return w.SecStatus == SecPass || w.SecStatus == SecReview }

// WishInput is what a resident writes.
type WishInput struct {
	CommunityID  int64 // 0 = the resident's community
	Title        string
	Description  string
	Photos       []string
	ContactName  string // default: defaultContactName
	ContactPhone string // default: the resident's bound phone
}

// WishStore keeps wishes, proposals and content checks.
type WishStore interface {
	// CreateWish inserts w (and its photos' pending checks: trace id →
	// photo reference, "" for the text's own review verdict) unless the
	// author already has limit open wishes (WISH_LIMIT_REACHED), decided
	// under a lock on the author.
	CreateWish(ctx context.Context, w *Wish, limit int, traces map[string]string) error
	Wish(ctx context.Context, id int64) (Wish, error)
	Wishes(ctx context.Context, f WishFilter) ([]Wish, error)
	// ReviewWish sets a pending wish's outcome (WISH_REVIEWED when it is
	// not pending); with need non-nil it creates the need first.
	ReviewWish(ctx context.Context, w Wish, need *Need, notices []notify.Notice) (Wish, error)
	// MediaChecked records a pushed verdict and returns the object it
	// belongs to ("wish", id) and whether it was known.
	MediaChecked(ctx context.Context, traceID, verdict string) (kind string, objectID int64, ok bool, err error)
	// UnitClaimedNeed reports whether unitID has an active claim on the need.
	UnitClaimedNeed(ctx context.Context, needID, unitID int64) (bool, error)

	CreateProposal(ctx context.Context, p *Proposal) error
	Proposal(ctx context.Context, id int64) (Proposal, error)
	Proposals(ctx context.Context, f WishFilter) ([]Proposal, error)
	// Support adds userID's support (SUPPORTED_ALREADY the second time)
	// and puts the proposal on the agenda when it reaches its community's
	// support threshold (read in the same transaction; defaultThreshold
	// when the community has none of its own). The proposal's Threshold
	// is the one applied.
	Support(ctx context.Context, proposalID, userID int64, defaultThreshold int, now time.Time) (Proposal, error)
	// SupportThresholds returns the communities' own support thresholds
	// (communities on the default are left out).
	SupportThresholds(ctx context.Context, communityIDs []int64) (map[int64]int, error)
	// PutOnAgenda puts the community's open, public proposals that have at
	// least its support threshold (defaultThreshold when it has none) on
	// the agenda at now, and returns how many.
	PutOnAgenda(ctx context.Context, communityID int64, defaultThreshold int, now time.Time) (int, error)
	// ReviewProposal sets the outcome while the proposal is undecided:
	// still from, or put on the agenda since (PROPOSAL_REVIEWED otherwise).
	ReviewProposal(ctx context.Context, p Proposal, from string, need *Need, notices []notify.Notice) (Proposal, error)
}

// WishFilter selects wishes or proposals.
type WishFilter struct {
	UserID       int64
	NeedID       int64   // wishes accepted or merged into the need (0 = any)
	CommunityIDs []int64 // empty = any
	Statuses     []string
	VisibleOnly  bool     // content check passed (or flagged for review)
	SecStatuses  []string // content-check states served (empty = any)
	// Keyset page, newest first: rows with an id below BeforeID (0: from
	// the newest), at most Limit.
	BeforeID int64
	Limit    int
}

// Photos checks that references are the author's uploads.
type Photos interface {
	CheckOwned(ctx context.Context, ownerID int64, refs []string) error
}

// MediaURL gives the address WeChat downloads a photo from.
type MediaURL func(ref string) (string, bool)

var (
	ErrWishNotFound  = errs.NotFound("WISH_NOT_FOUND", "心愿不存在")
	errContentRisky  = errs.Unprocessable("CONTENT_RISKY", "内容未通过微信内容安全检测，请修改后再提交")
	errNoCommunity   = errs.Invalid("COMMUNITY_REQUIRED", "请先在“我的”中选择所在社区")
	errWishElsewhere = errs.Forbidden("NOT_COMMUNITY_RESIDENT", "只能为您已认证居住的社区许心愿")
	errReasonNeeded  = errs.Invalid("REASON_REQUIRED", "不采纳时请填写原因（不超过 200 字），居民会看到")
	errBadDecision   = errs.Invalid("INVALID_DECISION", "处理方式无效，请选择纳入需求清单、合并到已有需求或不采纳")
	errMergeTarget   = errs.Invalid("MERGE_TARGET", "请选择本社区未关闭的需求进行合并")
	errContentFailed = errs.Unavailable(nil, "内容安全检测暂时不可用，请稍后再试")
)

// checkText runs the text through WeChat's msgSecCheck: risky text is
// refused outright, text WeChat wants reviewed is kept flagged.
func (s *Service) checkText(ctx context.Context, u resident.User, text string) (string, error) {
	if s.checker == nil {
		return SecPass, nil
	}
	v, err := s.checker.CheckText(ctx, u.OpenID, text)
	if err != nil {
		if errs.KindOf(err) == errs.KindInternal {
			return "", errs.Wrap(err, errs.KindUnavailable, "CONTENT_CHECK_UNAVAILABLE", errContentFailed.Message)
		}
		return "", err
	}
	switch v {
	case VerdictPass:
		return SecPass, nil
	case VerdictReview:
		return SecReview, nil
	}
	return "", errContentRisky
}

// defaultContactName is a wish's contact name when the resident gives
// none: their real name, else their nickname (cut to the 20 characters a
// contact name holds), else 「居民」.
func defaultContactName(u resident.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	if n := []rune(usertext.Clean(u.Nickname)); len(n) > 0 {
		return string(n[:min(len(n), 20)])
	}
	return "居民"
}

// CreateWish records a resident's wish. Its text must pass the content
// check; its photos are checked asynchronously and the wish is shown to
// no one else until every verdict is back and none is risky.
func (s *Service) CreateWish(ctx context.Context, u resident.User, in WishInput) (Wish, error) {
	var err error
	if in.CommunityID, err = s.homeCommunity(ctx, u, in.CommunityID, errWishElsewhere); err != nil {
		return Wish{}, err
	}
	in.Title, in.Description = usertext.Clean(in.Title), strings.TrimSpace(in.Description)
	if !textLen(in.Title, 30) || utf8.RuneCountInString(in.Description) > 500 {
		return Wish{}, errs.Invalid("INVALID_WISH", "心愿标题 1 到 30 字，描述不超过 500 字")
	}
	if len(in.Photos) > 3 {
		return Wish{}, errs.Invalid("TOO_MANY_PHOTOS", "最多附 3 张照片")
	}
	w := Wish{UserID: u.ID, CommunityID: in.CommunityID, Title: in.Title, Description: in.Description, Photos: in.Photos,
		ContactName: usertext.Clean(in.ContactName), Status: WishPending, CreatedAt: s.now()}
	if w.ContactName == "" {
		w.ContactName = defaultContactName(u)
	}
	if utf8.RuneCountInString(w.ContactName) > 20 {
		return Wish{}, errs.Invalid("INVALID_CONTACT_NAME", "联系人姓名不超过 20 字")
	}
	switch phone := strings.TrimSpace(in.ContactPhone); {
	case phone != "":
		if !phonePattern.MatchString(phone) {
			return Wish{}, errs.Invalid("INVALID_PHONE", "请填写 11 位手机号")
		}
		sealed, err := s.box.Seal(phone)
		if err != nil {
			return Wish{}, errs.Internal(err)
		}
		w.PhoneSealed, w.PhoneMasked = sealed, pii.MaskPhone(phone)
	case u.PhoneSealed != "":
		w.PhoneSealed, w.PhoneMasked = u.PhoneSealed, u.PhoneMasked
	}
	// Neither given: the wish goes ahead without a phone (a resident need
	// not bind one to speak up); the claiming unit reaches them through the
	// community, and the resident hears of the claim in the app.
	if len(in.Photos) > 0 {
		if s.photos == nil || s.mediaURL == nil {
			return Wish{}, errs.Invalid("PHOTOS_UNAVAILABLE", "暂不支持上传照片")
		}
		if err := s.photos.CheckOwned(ctx, u.ID, in.Photos); err != nil {
			return Wish{}, err
		}
	}
	sec, err := s.checkText(ctx, u, w.Title+"\n"+w.Description)
	if err != nil {
		return Wish{}, err
	}
	w.SecStatus = sec
	traces := map[string]string{}
	for _, ref := range in.Photos {
		url, ok := s.mediaURL(ref)
		if !ok {
			return Wish{}, errs.Invalid("INVALID_PHOTO_URL", "照片无效，请重新上传")
		}
		trace, err := s.checker.CheckMedia(ctx, u.OpenID, url)
		if err != nil {
			return Wish{}, err
		}
		traces[trace] = ref
	}
	if len(traces) > 0 {
		if w.SecStatus == SecReview {
			traces[fmt.Sprintf("text:%d:%d", u.ID, s.now().UnixNano())] = "" // the text's verdict, kept beside the photos'
		}
		w.SecStatus = SecChecking
	}
	if err := s.wishes.CreateWish(ctx, &w, s.cfg.WishesPerResident, traces); err != nil {
		return Wish{}, err
	}
	return w, nil
}

// MyWishes lists a page of the resident's wishes, newest first: those
// with an id below beforeID (0: from the newest), at most limit (asked one
// more than the page, so the caller knows whether another follows).
func (s *Service) MyWishes(ctx context.Context, u resident.User, beforeID int64, limit int) ([]Wish, error) {
	return s.wishes.Wishes(ctx, WishFilter{UserID: u.ID, BeforeID: beforeID, Limit: page.WithinPeek(limit, 50)})
}

// WishView is a wish as a viewer may see it: the contact only for the
// author, staff of its community and the unit that claimed its need.
type WishView struct {
	Wish
	ShowContact bool
	Contact     string // the phone, opened, when ShowContact
}

// Wish returns a wish for viewer u. Others than the author see it only
// once its content passed the check; its contact details only staff of
// its community and, after claiming, the claiming unit's contacts.
func (s *Service) Wish(ctx context.Context, u resident.User, id int64) (WishView, error) {
	w, err := s.wishes.Wish(ctx, id)
	if err != nil {
		return WishView{}, errs.NotFoundAs(err, ErrWishNotFound)
	}
	show := w.UserID == u.ID
	if !show && w.Visible() {
		show = u.IsStaffOf(w.CommunityID)
		if !show && w.NeedID != 0 {
			for _, unit := range u.ContactUnits() {
				if ok, err := s.wishes.UnitClaimedNeed(ctx, w.NeedID, unit); err != nil {
					return WishView{}, err
				} else if ok {
					show = true
					break
				}
			}
		}
	}
	if !show {
		return WishView{}, ErrWishNotFound
	}
	v := WishView{Wish: w, ShowContact: true}
	if phone, err := s.box.Open(w.PhoneSealed); err == nil {
		v.Contact = phone
	}
	return v, nil
}

var errNotClaimingUnit = errs.Forbidden("NOT_CLAIMING_UNIT", "认领该需求后才能查看心愿居民的联系方式")

// NeedWishes lists the wishes accepted or merged into a need, with their
// contacts, for the units that claimed it (their contacts, only while the
// claim stands) and the need's community staff: how a claiming unit
// reaches the residents it serves. A page, newest first: those with an id
// below beforeID (0: from the newest), at most limit (asked one more than
// the page, so the caller knows whether another follows).
func (s *Service) NeedWishes(ctx context.Context, u resident.User, needID, beforeID int64, limit int) ([]WishView, error) {
	n, err := s.store.Need(ctx, needID)
	if err != nil {
		return nil, errs.NotFoundAs(err, ErrNeedNotFound)
	}
	allowed := u.IsStaffOf(n.CommunityID)
	for _, unit := range u.ContactUnits() {
		if allowed {
			break
		}
		if allowed, err = s.wishes.UnitClaimedNeed(ctx, n.ID, unit); err != nil {
			return nil, err
		}
	}
	if !allowed {
		return nil, errNotClaimingUnit
	}
	ws, err := s.wishes.Wishes(ctx, WishFilter{NeedID: n.ID, VisibleOnly: true, BeforeID: beforeID, Limit: page.WithinPeek(limit, 50)})
	if err != nil {
		return nil, err
	}
	out := make([]WishView, 0, len(ws))
	for _, w := range ws {
		v := WishView{Wish: w, ShowContact: true}
		if phone, err := s.box.Open(w.PhoneSealed); err == nil {
			v.Contact = phone
		}
		out = append(out, v)
	}
	return out, nil
}

// ReviewWishes lists a page of the wishes staff may review (content
// checked), newest first: those with an id below beforeID (0: from the
// newest), at most limit.
func (s *Service) ReviewWishes(ctx context.Context, u resident.User, communityID int64, status string, beforeID int64, limit int) ([]Wish, error) {
	f := WishFilter{VisibleOnly: true, BeforeID: beforeID, Limit: page.WithinPeek(limit, 50)}
	if status != "" {
		f.Statuses = []string{status}
	}
	if communityID != 0 {
		if !u.IsStaffOf(communityID) {
			return nil, errNotStaff
		}
		f.CommunityIDs = []int64{communityID}
	} else if !u.IsStaffOf(0) {
		if f.CommunityIDs = staffCommunities(u); len(f.CommunityIDs) == 0 {
			return nil, errNotStaff
		}
	}
	return s.wishes.Wishes(ctx, f)
}

func staffCommunities(u resident.User) []int64 {
	var out []int64
	for _, r := range u.Roles {
		if r.Role == resident.RoleStaff && r.OrgID == 0 && r.CommunityID != 0 {
			out = append(out, r.CommunityID)
		}
	}
	return out
}

// Review is staff's decision on a wish or proposal.
type Review struct {
	Decision string // accept, merge, decline
	NeedID   int64  // merge: the need it joins
	Reason   string // decline: shown to the resident
	Need     *NeedInput
}

// decide checks a review and builds the need an acceptance creates.
func (s *Service) decide(ctx context.Context, u resident.User, communityID int64, r Review, title, description, source string, sourceID int64) (*Need, int64, error) {
	switch r.Decision {
	case "accept":
		in := NeedInput{CommunityID: communityID, Category: CatOther, Title: title, Description: description, Quantity: 1, QuantityUnit: "项"}
		if r.Need != nil {
			in = *r.Need
			in.CommunityID = communityID
			if in.Title == "" {
				in.Title = title
			}
			if in.Description == "" {
				in.Description = description
			}
		}
		if err := in.normalize(s.now()); err != nil {
			return nil, 0, err
		}
		n := s.needOf(in, u.ID, source, sourceID)
		return &n, 0, nil
	case "merge":
		n, err := s.store.Need(ctx, r.NeedID)
		if err != nil || n.CommunityID != communityID || n.Status == NeedClosed {
			return nil, 0, errMergeTarget
		}
		if n.StatusAt(s.now()) == NeedExpired {
			// Past its deadline no unit may claim it (as for claims).
			return nil, 0, ErrNeedClosed
		}
		return nil, n.ID, nil
	case "decline":
		if !textLen(strings.TrimSpace(r.Reason), 200) {
			return nil, 0, errReasonNeeded
		}
		return nil, 0, nil
	}
	return nil, 0, errBadDecision
}

// decisionAliases are other words staff's review may use: the statuses it
// leads to, and reject for decline.
var decisionAliases = map[string]string{WishAccepted: "accept", WishMerged: "merge", WishDeclined: "decline",
	"reject": "decline", "rejected": "decline", "merge_into": "merge"}

// decisionOf is the decision d names (accept, merge, decline, in another
// spelling or in Chinese); d itself when none (refused by decide).
func decisionOf(d string) string {
	names := map[string]string{"accept": "纳入需求清单", "merge": "合并到已有需求", "decline": "不采纳"}
	if c := usertext.Code(d, names, decisionAliases); c != "" {
		return c
	}
	return d
}

var reviewStatus = map[string]string{"accept": WishAccepted, "merge": WishMerged, "decline": WishDeclined}

// ReviewWish accepts a wish into the needs list, merges it into a need, or
// declines it with a reason; the resident is told.
func (s *Service) ReviewWish(ctx context.Context, u resident.User, id int64, r Review) (Wish, error) {
	r.Decision = decisionOf(r.Decision)
	w, err := s.wishes.Wish(ctx, id)
	if err != nil || !w.Visible() || !u.IsStaffOf(w.CommunityID) {
		if err == nil || errs.KindOf(err) == errs.KindNotFound {
			return Wish{}, ErrWishNotFound
		}
		return Wish{}, err
	}
	need, mergeID, err := s.decide(ctx, u, w.CommunityID, r, w.Title, w.Description, SourceWish, w.ID)
	if err != nil {
		return Wish{}, err
	}
	now := s.now()
	w.Status, w.NeedID, w.ReviewedAt, w.DeclineReason = reviewStatus[r.Decision], mergeID, &now, strings.TrimSpace(r.Reason)
	body := map[string]string{
		"accept":  "您的心愿「%s」已纳入社区需求清单，等待共建单位认领。",
		"merge":   "您的心愿「%s」已合并到社区已有的需求中，等待共建单位认领。",
		"decline": "您的心愿「%s」暂未被采纳：" + w.DeclineReason,
	}[r.Decision]
	notice := notify.Notice{UserID: w.UserID, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("cb:wish:%d:reviewed", w.ID),
		Title: "心愿处理结果", Body: fmt.Sprintf(body, w.Title),
		Fields: map[string]string{"activity": w.Title, "status": map[string]string{"accept": "已采纳", "merge": "已采纳", "decline": "未采纳"}[r.Decision], "note": "可在“我的心愿”查看"},
		Page:   "pages/cobuild/wish"}
	return s.wishes.ReviewWish(ctx, w, need, []notify.Notice{notice})
}

// MediaChecked takes a verdict WeChat pushed for a photo.
func (s *Service) MediaChecked(ctx context.Context, traceID, verdict string) error {
	_, _, _, err := s.wishes.MediaChecked(ctx, traceID, verdict)
	return err
}
