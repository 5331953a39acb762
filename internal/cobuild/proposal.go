package cobuild

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Proposal statuses (议事厅): open for support, on the joint meeting's
// agenda once it reached the threshold, then reviewed like a wish
// (accepted, merged, declined) or hidden when its text failed the check.
const (
	ProposalOpen   = "open"
	ProposalAgenda = "agenda"
)

// Proposal is a resident's problem or idea for the community.
type Proposal struct {
	ID          int64
	UserID      int64
	CommunityID int64
	Title       string
	Description string
	Status      string
	SecStatus   string
	Supports    int
	// Threshold is the supports that put it on the agenda: its
	// community's support threshold (filled by the service).
	Threshold     int
	NeedID        int64
	DeclineReason string
	AgendaAt      *time.Time
	ReviewedAt    *time.Time
	CreatedAt     time.Time
}

// Public reports whether residents may see and support it.
func (p Proposal) Public() bool { return p.SecStatus == SecPass }

var (
	ErrProposalNotFound = errs.NotFound("PROPOSAL_NOT_FOUND", "议题不存在")
	errOwnProposal      = errs.Unprocessable("OWN_PROPOSAL", "不能为自己的议题点支持")
	errNotResident      = errs.Forbidden("NOT_COMMUNITY_RESIDENT", "只有本社区居民可以支持该议题")
	errSupportResident  = errs.Forbidden("NOT_COMMUNITY_RESIDENT", "只有本社区居民可以支持该议题，请先在“我的—居住认证”中申请，社区审核通过后即可支持")
	errProposalClosed   = errs.Conflict("PROPOSAL_CLOSED", "该议题已处理，不能再支持")
	errProposeElsewhere = errs.Forbidden("NOT_COMMUNITY_RESIDENT", "只能为您已认证居住的社区提交议题")
)

// SupportThreshold is the default supports that put a proposal on the
// agenda (communities without their own threshold).
func (s *Service) SupportThreshold() int { return s.cfg.SupportThreshold }

// SupportThresholdOf is the community's support threshold: its own, or
// the default.
func (s *Service) SupportThresholdOf(ctx context.Context, communityID int64) (int, error) {
	own, err := s.wishes.SupportThresholds(ctx, []int64{communityID})
	if err != nil {
		return 0, err
	}
	return s.thresholdIn(own, communityID), nil
}

func (s *Service) thresholdIn(own map[int64]int, communityID int64) int {
	if t := own[communityID]; t > 0 {
		return t
	}
	return s.cfg.SupportThreshold
}

// withThresholds fills each proposal's Threshold from its community.
func (s *Service) withThresholds(ctx context.Context, ps []Proposal) ([]Proposal, error) {
	var ids []int64
	for _, p := range ps {
		if p.Threshold == 0 && !slices.Contains(ids, p.CommunityID) {
			ids = append(ids, p.CommunityID)
		}
	}
	if len(ids) == 0 {
		return ps, nil
	}
	own, err := s.wishes.SupportThresholds(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Threshold == 0 {
			ps[i].Threshold = s.thresholdIn(own, ps[i].CommunityID)
		}
	}
	return ps, nil
}

func (s *Service) withThreshold(ctx context.Context, p Proposal, err error) (Proposal, error) {
	if err != nil {
		return p, err
	}
	ps, err := s.withThresholds(ctx, []Proposal{p})
	if err != nil {
		return Proposal{}, err
	}
	return ps[0], nil
}

// ApplySupportThreshold puts the community's open proposals that already
// have its (new) support threshold on the agenda at once, as a support
// reaching it would; a proposal already on the agenda stays there when the
// threshold was raised. It returns how many it put on the agenda. Call it
// after the community's threshold changed.
func (s *Service) ApplySupportThreshold(ctx context.Context, communityID int64) (int, error) {
	return s.wishes.PutOnAgenda(ctx, communityID, s.cfg.SupportThreshold, s.now())
}

// CreateProposal records a resident's proposal for their community. Its
// text must pass the content check (text WeChat wants reviewed is seen by
// staff only until they decide).
func (s *Service) CreateProposal(ctx context.Context, u resident.User, communityID int64, title, description string) (Proposal, error) {
	communityID, err := s.homeCommunity(ctx, u, communityID, errProposeElsewhere)
	if err != nil {
		return Proposal{}, err
	}
	title, description = usertext.Clean(title), strings.TrimSpace(description)
	if !textLen(title, 40) || !textLen(description, 1000) {
		return Proposal{}, errs.Invalid("INVALID_PROPOSAL", "议题标题 1 到 40 字，内容 1 到 1000 字")
	}
	sec, err := s.checkText(ctx, u, title+"\n"+description)
	if err != nil {
		return Proposal{}, err
	}
	p := Proposal{UserID: u.ID, CommunityID: communityID, Title: title, Description: description, Status: ProposalOpen, SecStatus: sec, CreatedAt: s.now()}
	if err := s.wishes.CreateProposal(ctx, &p); err != nil {
		return Proposal{}, err
	}
	return s.withThreshold(ctx, p, nil)
}

// Proposal returns a proposal: public ones to anyone, others to their
// author and the community's staff.
func (s *Service) Proposal(ctx context.Context, viewer *resident.User, id int64) (Proposal, error) {
	p, err := s.wishes.Proposal(ctx, id)
	if err != nil {
		return Proposal{}, errs.NotFoundAs(err, ErrProposalNotFound)
	}
	if p.Public() || (viewer != nil && (viewer.ID == p.UserID || (p.SecStatus == SecReview && viewer.IsStaffOf(p.CommunityID)))) {
		return s.withThreshold(ctx, p, nil)
	}
	return Proposal{}, ErrProposalNotFound
}

// Proposals lists a page of a community's public proposals (or, for
// staff with review, also those flagged for review), newest first: those
// with an id below beforeID (0: from the newest), at most limit. The
// visibility is part of the query, so every page is full but the last.
func (s *Service) Proposals(ctx context.Context, communityID int64, status string, staff bool, beforeID int64, limit int) ([]Proposal, error) {
	f := WishFilter{SecStatuses: []string{SecPass}, BeforeID: beforeID, Limit: page.WithinPeek(limit, 50)}
	if staff {
		f.SecStatuses = append(f.SecStatuses, SecReview)
	}
	if communityID != 0 {
		f.CommunityIDs = []int64{communityID}
	}
	if status != "" {
		f.Statuses = []string{status}
	}
	ps, err := s.wishes.Proposals(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.withThresholds(ctx, ps)
}

// Support adds a resident's support to a proposal of their community
// (where their residence is confirmed), once; at the threshold it goes on
// the next joint meeting's agenda.
func (s *Service) Support(ctx context.Context, u resident.User, id int64) (Proposal, error) {
	p, err := s.Proposal(ctx, &u, id)
	if err != nil {
		return Proposal{}, err
	}
	home := u.CommunityID
	if s.residences != nil {
		if home, err = s.residences.ConfirmedCommunity(ctx, u.ID); err != nil {
			return Proposal{}, err
		}
	}
	switch {
	case !p.Public():
		return Proposal{}, ErrProposalNotFound
	case p.UserID == u.ID:
		return Proposal{}, errOwnProposal
	case home == 0:
		return Proposal{}, errSupportResident
	case home != p.CommunityID:
		return Proposal{}, errNotResident
	case p.Status != ProposalOpen && p.Status != ProposalAgenda:
		return Proposal{}, errProposalClosed
	}
	p, err = s.wishes.Support(ctx, id, u.ID, s.cfg.SupportThreshold, s.now())
	return s.withThreshold(ctx, p, err)
}

// ReviewProposal accepts a proposal into the needs list, merges it into a
// need, or declines it with a reason; the author is told.
func (s *Service) ReviewProposal(ctx context.Context, u resident.User, id int64, r Review) (Proposal, error) {
	r.Decision = decisionOf(r.Decision)
	p, err := s.wishes.Proposal(ctx, id)
	if err != nil || p.SecStatus == SecRisky || !u.IsStaffOf(p.CommunityID) {
		if err == nil || errs.KindOf(err) == errs.KindNotFound {
			return Proposal{}, ErrProposalNotFound
		}
		return Proposal{}, err
	}
	if p.Status != ProposalOpen && p.Status != ProposalAgenda {
		return Proposal{}, errs.Conflict("PROPOSAL_REVIEWED", "该议题已处理")
	}
	need, mergeID, err := s.decide(ctx, u, p.CommunityID, r, p.Title, p.Description, SourceProposal, p.ID)
	if err != nil {
		return Proposal{}, err
	}
	now := s.now()
	from := p.Status
	p.Status, p.NeedID, p.ReviewedAt, p.DeclineReason = reviewStatus[r.Decision], mergeID, &now, strings.TrimSpace(r.Reason)
	if utf8.RuneCountInString(p.DeclineReason) > 200 {
		return Proposal{}, errReasonNeeded
	}
	msg := fmt.Sprintf("您的议题「%s」已纳入社区需求清单。", p.Title)
	if r.Decision == "decline" {
		msg = fmt.Sprintf("您的议题「%s」暂未被采纳：%s", p.Title, p.DeclineReason)
	}
	notice := notify.Notice{UserID: p.UserID, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("cb:proposal:%d:reviewed", p.ID),
		Title: "议题处理结果", Body: msg, Fields: map[string]string{"activity": p.Title, "status": "已处理", "note": "可在议事厅查看"}, Page: "pages/cobuild/proposals"}
	p, err = s.wishes.ReviewProposal(ctx, p, from, need, []notify.Notice{notice})
	return s.withThreshold(ctx, p, err)
}
