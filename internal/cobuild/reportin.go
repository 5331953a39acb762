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
	"gongjian/internal/resident"
)

// Report-in statuses (双报到: a party member reports in to the community
// where they live, naming their workplace party organisation).
const (
	ReportPending   = "pending"
	ReportConfirmed = "confirmed"
	ReportDeclined  = "declined"
)

// ReportIn is a party member's report-in to their residential community.
type ReportIn struct {
	UserID         int64
	UserName       string
	CommunityID    int64
	WorkplaceOrgID int64
	WorkplaceName  string
	Status         string
	Note           string
	ReviewedAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time // the last change (report-in or review): the staff's list order
}

// ReportInStore keeps report-ins.
type ReportInStore interface {
	// SaveReportIn creates or replaces the member's report-in (pending).
	SaveReportIn(ctx context.Context, r ReportIn) error
	ReportIn(ctx context.Context, userID int64) (ReportIn, error)
	// ReportIns lists report-ins of communities (nil: every one), newest
	// change first (updated_at, user_id descending), after the keyset
	// position after (Key: updated_at in Unix microseconds, ID: the user),
	// at most limit.
	ReportIns(ctx context.Context, communityIDs []int64, status string, after *page.Cursor, limit int) ([]ReportIn, error)
	// ReviewReportIn sets a pending report-in's outcome; a confirmation
	// also records the member's residential community and workplace
	// organisation (their hours roll up to both), with the notices.
	ReviewReportIn(ctx context.Context, r ReportIn, notices []notify.Notice) error
	// OrgName returns an organisation's name and type (ORG_NOT_FOUND,
	// a NotFound, when none).
	OrgName(ctx context.Context, id int64) (name, orgType string, err error)
}

var (
	errNotPartyMember  = errs.Forbidden("NOT_PARTY_MEMBER", "只有党员可以到社区报到，请联系社区工作人员开通党员身份")
	errReportNotFound  = errs.NotFound("REPORT_IN_NOT_FOUND", "报到记录不存在")
	errReportReviewed  = errs.Conflict("REPORT_IN_REVIEWED", "该报到已处理")
	errWorkplaceNeeded = errs.Invalid("UNKNOWN_ORG", "请选择所在单位的党组织")
	errWorkplaceGone   = errs.Invalid("UNKNOWN_ORG", "所选工作单位不存在，请重新选择")
	errWorkplaceKind   = errs.Invalid("NOT_A_WORKPLACE_ORG", "所选组织不是共建单位或党组织，请重新选择工作单位")
	errReportElsewhere = errs.Forbidden("NOT_COMMUNITY_RESIDENT", "只能到您已认证居住的社区报到")
)

// ReportInTo records a party member's report-in to their residential
// community (homeCommunity, as for wishes and proposals: the one their
// residence is confirmed in, else the one they name or their profile's),
// naming their workplace:
// a co-building unit (the mini-program's list) or a party organisation,
// the organisations party members belong to; the community's staff
// confirm it.
func (s *Service) ReportInTo(ctx context.Context, u resident.User, communityID, workplaceOrgID int64) (ReportIn, error) {
	if !u.HasRole(resident.RolePartyMember) {
		return ReportIn{}, errNotPartyMember
	}
	communityID, err := s.homeCommunity(ctx, u, communityID, errReportElsewhere)
	if err != nil {
		return ReportIn{}, err
	}
	if workplaceOrgID <= 0 {
		return ReportIn{}, errWorkplaceNeeded
	}
	name, orgType, err := s.reportIns.OrgName(ctx, workplaceOrgID)
	switch {
	case errs.KindOf(err) == errs.KindNotFound:
		return ReportIn{}, errWorkplaceGone
	case err != nil:
		return ReportIn{}, err
	case orgType != OrgTypeUnit && orgType != OrgTypeParty:
		return ReportIn{}, errWorkplaceKind
	}
	if cur, err := s.reportIns.ReportIn(ctx, u.ID); err == nil && cur.Status == ReportConfirmed &&
		cur.CommunityID == communityID && cur.WorkplaceOrgID == workplaceOrgID {
		return cur, nil // already confirmed as asked
	}
	r := ReportIn{UserID: u.ID, CommunityID: communityID, WorkplaceOrgID: workplaceOrgID, WorkplaceName: name, Status: ReportPending, CreatedAt: s.now()}
	if err := s.reportIns.SaveReportIn(ctx, r); err != nil {
		return ReportIn{}, err
	}
	return s.reportIns.ReportIn(ctx, u.ID)
}

// MyReportIn returns the member's report-in (REPORT_IN_NOT_FOUND when none).
func (s *Service) MyReportIn(ctx context.Context, u resident.User) (ReportIn, error) {
	r, err := s.reportIns.ReportIn(ctx, u.ID)
	if errs.KindOf(err) == errs.KindNotFound {
		return ReportIn{}, errReportNotFound
	}
	return r, err
}

// ReportIns lists a page of the report-ins of the communities u is staff
// of, newest change first, and the cursor of the next page ("" on the last).
func (s *Service) ReportIns(ctx context.Context, u resident.User, communityID int64, status string, req page.Request) ([]ReportIn, string, error) {
	var comms []int64
	switch {
	case communityID != 0 && u.IsStaffOf(communityID):
		comms = []int64{communityID}
	case communityID != 0:
		return nil, "", errNotStaff
	case u.IsStaffOf(0):
	default:
		if comms = staffCommunities(u); len(comms) == 0 {
			return nil, "", errNotStaff
		}
	}
	limit := page.Within(req.Limit, 50)
	rs, err := s.reportIns.ReportIns(ctx, comms, status, req.After, limit+1)
	if err != nil {
		return nil, "", err
	}
	rs, next := page.Trim(rs, limit, func(r ReportIn) page.Cursor { return page.Cursor{Key: r.UpdatedAt.UnixMicro(), ID: r.UserID} })
	return rs, next, nil
}

// ReviewReportIn confirms or declines a member's report-in (staff of the
// community); the member is told.
func (s *Service) ReviewReportIn(ctx context.Context, u resident.User, userID int64, confirm bool, note string) (ReportIn, error) {
	r, err := s.reportIns.ReportIn(ctx, userID)
	if err != nil || !u.IsStaffOf(r.CommunityID) {
		if err == nil || errs.KindOf(err) == errs.KindNotFound {
			return ReportIn{}, errReportNotFound
		}
		return ReportIn{}, err
	}
	if r.Status != ReportPending {
		return ReportIn{}, errReportReviewed
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 || (!confirm && note == "") {
		return ReportIn{}, errReasonNeeded
	}
	now := s.now()
	r.Status, r.Note, r.ReviewedAt = ReportDeclined, note, &now
	msg := "您到社区报到的申请未通过：" + note
	if confirm {
		r.Status = ReportConfirmed
		msg = "您已完成到社区报到，可在“共建”中查看社区需求并报名服务。"
	}
	n := notify.Notice{UserID: r.UserID, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("cb:reportin:%d:%s:%s", r.UserID, r.Status, now.Format("20060102150405")),
		Title: "社区报到结果", Body: msg, Fields: map[string]string{"activity": "党员到社区报到", "status": map[bool]string{true: "已通过", false: "未通过"}[confirm], "note": msg},
		Page: "pages/cobuild/reportin"}
	if err := s.reportIns.ReviewReportIn(ctx, r, []notify.Notice{n}); err != nil {
		return ReportIn{}, err
	}
	return s.reportIns.ReportIn(ctx, userID)
}
