package cobuild

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Config are co-building's settings.
type Config struct {
	// WishesPerResident is how many open wishes a resident may have (default 3).
	WishesPerResident int
	// SupportThreshold is how many supports put a proposal on the joint
	// meeting's agenda (default 10).
	SupportThreshold int
}

// DefaultSupportThreshold is the support threshold when the configuration
// names none.
const DefaultSupportThreshold = 10

// Service holds co-building's rules.
type Service struct {
	store     Store
	wishes    WishStore
	resources ResourceStore
	reportIns ReportInStore
	reports   ReportStore
	photos    Photos
	mediaURL  MediaURL
	people    People
	box       *pii.Box
	checker   Checker
	now       func() time.Time
	cfg       Config
	// residences says where residents' residence is confirmed: supporting
	// a proposal looks at it, and so do wishes, proposals and report-ins
	// of residents whose residence is confirmed. Nil (tests of other
	// things, the demo): the profile's community.
	residences Residences
}

// Residences tells the community a resident's residence is confirmed in
// (0 = none; internal/residence).
type Residences interface {
	ConfirmedCommunity(ctx context.Context, userID int64) (int64, error)
}

// UseResidences makes "residents of the community" mean residents whose
// residence the community confirmed (wiring).
func (s *Service) UseResidences(r Residences) { s.residences = r }

// NewService builds the service; checker may be nil (no content check:
// every text passes, photos are refused), now may be nil (time.Now).
func NewService(store Store, people People, box *pii.Box, checker Checker, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	defaults.Fill(&cfg, Config{
		WishesPerResident: 3, SupportThreshold: DefaultSupportThreshold,
	})
	return &Service{store: store, wishes: store, resources: store, reportIns: store, reports: store, people: people, box: box, checker: checker, now: now, cfg: cfg}
}

// AcceptPhotos lets people attach their uploads (checked by photos) to
// wishes and project evidence; url gives the address WeChat downloads a
// wish's photo from for the content check (nil: wishes take no photos).
// Call it while wiring.
func (s *Service) AcceptPhotos(photos Photos, url MediaURL) { s.photos, s.mediaURL = photos, url }

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// NoticeTemplate is the template key of co-building notices (in-app unless
// a subscribe template is configured under this key).
const NoticeTemplate = "cobuild_update"

// Page is the mini-program page co-building notices open.
const Page = "pages/cobuild/index"

var (
	errNotStaff       = errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	errNotContact     = errs.Forbidden("NOT_UNIT_CONTACT", "您不是该共建单位的联系人，不能代表该单位操作")
	ErrNeedNotFound   = errs.NotFound("NEED_NOT_FOUND", "需求不存在")
	ErrClaimNotFound  = errs.NotFound("CLAIM_NOT_FOUND", "认领记录不存在")
	errUnitInactive   = errs.Unprocessable("UNIT_INACTIVE", "该共建单位已停用")
	errBadCategory    = errs.Invalid("INVALID_CATEGORY", "需求类别无效")
	errTitleRequired  = errs.Invalid("TITLE_REQUIRED", "请填写标题（不超过 50 字）")
	errBadDeadline    = errs.Invalid("INVALID_DEADLINE", "截止日期须晚于现在")
	errQuantityUnit   = errs.Invalid("QUANTITY_UNIT_REQUIRED", "请填写数量单位，如“小时”“台”“次”")
	errNeedQuantity   = errs.Invalid("INVALID_QUANTITY", "需求数量须为 1 到 100000 的整数")
	errProjectStarted = errs.Conflict("PROJECT_STARTED", "项目已开始实施，不能撤回认领")
)

func textLen(s string, max int) bool { n := utf8.RuneCountInString(s); return n > 0 && n <= max }

// NeedInput is what staff publish.
type NeedInput struct {
	CommunityID   int64
	Category      string
	Title         string
	Description   string
	Place         string
	Quantity      int
	QuantityUnit  string
	Beneficiaries string
	Deadline      time.Time
	Shareable     bool
}

// canPublishFor reports whether u may publish needs of the community (0 =
// subdistrict level: admins and staff without a community scope).
func canPublishFor(u resident.User, communityID int64) bool { return u.IsStaffOf(communityID) }

func (in *NeedInput) normalize(now time.Time) error {
	in.Title, in.Description = usertext.Clean(in.Title), strings.TrimSpace(in.Description)
	in.QuantityUnit, in.Place = usertext.Clean(in.QuantityUnit), usertext.Clean(in.Place)
	in.Category = CategoryOf(in.Category)
	switch {
	case Categories[in.Category] == "":
		return errBadCategory
	case !textLen(in.Title, 50):
		return errTitleRequired
	case utf8.RuneCountInString(in.Description) > 2000 || utf8.RuneCountInString(in.Place) > 100 || utf8.RuneCountInString(in.Beneficiaries) > 200:
		return errs.Invalid("TEXT_TOO_LONG", "描述不超过 2000 字，地点不超过 100 字，受益对象不超过 200 字")
	case in.Quantity < 1 || in.Quantity > 100000:
		return errNeedQuantity
	case !textLen(in.QuantityUnit, 10):
		return errQuantityUnit
	case !in.Deadline.IsZero() && !in.Deadline.After(now):
		return errBadDeadline
	}
	return nil
}

// CreateNeed publishes a need of a community (staff of it) or of the
// subdistrict (community 0: admins and unscoped staff).
func (s *Service) CreateNeed(ctx context.Context, u resident.User, in NeedInput) (Need, error) {
	if !canPublishFor(u, in.CommunityID) {
		return Need{}, errNotStaff
	}
	if err := in.normalize(s.now()); err != nil {
		return Need{}, err
	}
	if err := s.checkCommunity(ctx, in.CommunityID); err != nil {
		return Need{}, err
	}
	n := s.needOf(in, u.ID, SourceStaff, 0)
	if err := s.store.CreateNeed(ctx, &n, nil); err != nil {
		return Need{}, err
	}
	return n, nil
}

func (s *Service) needOf(in NeedInput, by int64, source string, sourceID int64) Need {
	return Need{CommunityID: in.CommunityID, Category: in.Category, Title: in.Title, Description: in.Description, Place: in.Place,
		Quantity: in.Quantity, QuantityUnit: in.QuantityUnit, Beneficiaries: in.Beneficiaries, Deadline: in.Deadline,
		Shareable: in.Shareable, Status: NeedOpen, Source: source, SourceID: sourceID, CreatedBy: by, CreatedAt: s.now()}
}

// residentCommunity is the community a resident acts in: the one given,
// or else their own; there must be one, and it must exist.
func (s *Service) residentCommunity(ctx context.Context, u resident.User, id int64) (int64, error) {
	if id == 0 {
		id = u.CommunityID
	}
	if id == 0 {
		return 0, errNoCommunity
	}
	return id, s.checkCommunity(ctx, id)
}

// homeCommunity is the community a resident makes a wish or a proposal
// for, and the one a party member reports in to. Once a community has
// confirmed their residence, it is that one (0: that one; another named:
// elsewhere). Without a confirmed residence the resident names theirs as
// before (residentCommunity: the profile's by default), so that a new
// resident can speak up before the community has reviewed their
// application.
func (s *Service) homeCommunity(ctx context.Context, u resident.User, id int64, elsewhere error) (int64, error) {
	if s.residences != nil {
		home, err := s.residences.ConfirmedCommunity(ctx, u.ID)
		if err != nil {
			return 0, err
		}
		if home != 0 {
			if id != 0 && id != home {
				return 0, elsewhere
			}
			return home, nil
		}
	}
	return s.residentCommunity(ctx, u, id)
}

func (s *Service) checkCommunity(ctx context.Context, id int64) error {
	if id == 0 {
		return nil
	}
	cs, err := s.people.ListCommunities(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(cs, func(c resident.Community) bool { return c.ID == id }) {
		return errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")
	}
	return nil
}

// Need returns a need (public: the board shows every need).
func (s *Service) Need(ctx context.Context, id int64) (Need, error) {
	return s.store.Need(ctx, id)
}

// Needs lists needs, newest first.
func (s *Service) Needs(ctx context.Context, f NeedFilter) ([]Need, error) {
	if f.Category != "" {
		f.Category = CategoryOf(f.Category)
	}
	if f.Category != "" && Categories[f.Category] == "" {
		return nil, errBadCategory
	}
	f.Limit = page.WithinPeek(f.Limit, 20)
	if f.At.IsZero() {
		f.At = s.now()
	}
	return s.store.Needs(ctx, f)
}

// ClaimInput is a unit's claim of a need.
type ClaimInput struct {
	UnitID   int64
	Quantity int
	Plan     string
}

// ClaimNeed has unit in.UnitID claim (part of) a need, acting through its
// contact u (or an admin). Exact under concurrency: the store applies
// Need.Take to the locked row. A unit refused for lack of quantity is told
// when quantity returns.
func (s *Service) ClaimNeed(ctx context.Context, u resident.User, needID int64, in ClaimInput) (Claim, error) {
	if !u.IsContactOf(in.UnitID) && !u.IsAdmin() {
		return Claim{}, errNotContact
	}
	in.Plan = strings.TrimSpace(in.Plan)
	if utf8.RuneCountInString(in.Plan) > 2000 {
		return Claim{}, errs.Invalid("TEXT_TOO_LONG", "实施计划不超过 2000 字")
	}
	status, err := s.store.UnitStatus(ctx, in.UnitID)
	if err != nil {
		return Claim{}, err
	}
	if status != UnitActive {
		return Claim{}, errUnitInactive
	}
	c, err := s.store.ClaimNeed(ctx, ClaimRequest{NeedID: needID, UnitID: in.UnitID, Quantity: in.Quantity, Plan: in.Plan, By: u.ID, Now: s.now()})
	if errs.CodeOf(err) == ErrNeedFullyClaimed.Code {
		// Best effort: the refusal stands whether or not it is remembered.
		_ = s.store.RecordRefusal(context.WithoutCancel(ctx), needID, in.UnitID, u.ID)
	}
	if errs.KindOf(err) == errs.KindNotFound && errs.CodeOf(err) != "UNIT_NOT_FOUND" {
		return Claim{}, ErrNeedNotFound
	}
	return c, err
}

// WithdrawClaim withdraws a claim before its project started: the quantity
// returns, the need (or resource) reopens and the units refused for lack
// of quantity are told it is open again.
func (s *Service) WithdrawClaim(ctx context.Context, u resident.User, claimID int64) (Claim, error) {
	c, err := s.store.Claim(ctx, claimID)
	if err != nil {
		return Claim{}, err
	}
	if !s.mayActForClaim(u, c) {
		// The claim is no secret (its project lists it): refuse, as claiming
		// for another unit is refused.
		if c.NeedID != 0 {
			return Claim{}, errNotContact
		}
		return Claim{}, errNotStaff
	}
	if c.Status != ClaimActive {
		return Claim{}, errs.Conflict("CLAIM_WITHDRAWN", "该认领已撤回")
	}
	title := ""
	if c.NeedID != 0 {
		if n, err := s.store.Need(ctx, c.NeedID); err == nil {
			title = n.Title
		}
	}
	return s.store.WithdrawClaim(ctx, claimID, u.ID, s.now(), func(c Claim, refused []int64) []notify.Notice {
		var out []notify.Notice
		for _, uid := range refused {
			out = append(out, notify.Notice{UserID: uid, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("cb:reopen:%d:%d", c.ID, uid),
				Title: "需求重新开放认领", Body: fmt.Sprintf("您此前未能认领的需求「%s」有单位撤回了认领，现可再次认领。", title),
				Fields: map[string]string{"activity": title, "status": "可认领", "note": "有单位撤回了认领"}, Page: Page})
		}
		return out
	})
}

// mayActForClaim: a need's claim is the claiming unit's (its contacts);
// a resource's claim is the claiming community's (its staff) and the
// offering unit's; admins act for anyone.
func (s *Service) mayActForClaim(u resident.User, c Claim) bool {
	if u.IsAdmin() {
		return true
	}
	if c.NeedID != 0 {
		return u.IsContactOf(c.UnitID)
	}
	return u.IsStaffOf(c.CommunityID) || u.IsContactOf(c.UnitID)
}

// today is the CST date of t.
func today(t time.Time) string { return t.In(cst.Zone).Format("2006-01-02") }
