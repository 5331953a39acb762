package cobuild

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

var (
	ErrProjectNotFound = errs.NotFound("PROJECT_NOT_FOUND", "项目不存在")
	errBadTransition   = errs.Conflict("PROJECT_STATE", "项目当前状态不能进行此操作")
	errEvidence        = errs.Invalid("EVIDENCE_REQUIRED", "交付须提供服务人数，并至少附一张照片或一份文件")
	errBadScore        = errs.Invalid("INVALID_SCORE", "评分须为 1 到 5 分，评价不超过 300 字")
	errNotBeneficiary  = errs.Forbidden("NOT_BENEFICIARY", "只有该项目的受益居民可以评价")
	errNotDelivered    = errs.Conflict("PROJECT_NOT_DELIVERED", "项目交付后才能评价")
	errEvaluated       = errs.Conflict("EVALUATED_ALREADY", "社区已评价过该项目")
	// ErrProjectChanged: the project was updated by someone else since it
	// was read (its version or status moved on).
	ErrProjectChanged = errs.Conflict("PROJECT_CHANGED", "项目已被他人更新，请刷新后查看最新进度再提交")
)

// Project returns a project (public: the board shows projects and their
// progress; contacts' details are never part of it).
func (s *Service) Project(ctx context.Context, id int64) (Project, error) {
	return s.store.Project(ctx, id)
}

// Projects lists projects.
func (s *Service) Projects(ctx context.Context, f ProjectFilter) ([]Project, error) {
	f.Limit = page.WithinPeek(f.Limit, 20)
	return s.store.Projects(ctx, f)
}

// isPartyContact: u is a contact of one of the project's units.
func isPartyContact(u resident.User, p Project) bool {
	for _, x := range p.Parties {
		if u.IsContactOf(x.UnitID) {
			return true
		}
	}
	return false
}

// ProjectUpdate is a unit's progress report: the next state and what it
// brings (milestones, evidence, linked activities).
type ProjectUpdate struct {
	Action      string // "start", "deliver", "close", "progress"
	Milestones  []Milestone
	Evidence    *Evidence
	ActivityIDs []int64
	Plan        *string
	// Version is the project's version the update was made on (nil: the
	// version just read, for clients that do not send it); an older one
	// is refused with PROJECT_CHANGED.
	Version *int64
}

// UpdateProject moves a project along its lifecycle. The units' contacts
// start it, report progress and deliver it (with evidence); the
// community's staff close it after evaluating it.
func (s *Service) UpdateProject(ctx context.Context, u resident.User, id int64, in ProjectUpdate) (Project, error) {
	if a, ok := actionAliases[in.Action]; ok {
		in.Action = a
	}
	p, err := s.Project(ctx, id)
	if err != nil {
		return Project{}, err
	}
	party, staff := isPartyContact(u, p), u.IsStaffOf(p.CommunityID)
	if !party && !staff {
		return Project{}, errs.Forbidden("NOT_PROJECT_PARTY", "只有项目的承接单位联系人或社区工作人员可以操作")
	}
	if in.Version != nil && *in.Version != p.Version {
		return Project{}, ErrProjectChanged
	}
	from := p.Status
	now := s.now()
	if in.Milestones != nil {
		if len(in.Milestones) > 20 {
			return Project{}, errs.Invalid("TOO_MANY_MILESTONES", "里程碑不超过 20 个")
		}
		for i := range in.Milestones {
			in.Milestones[i].Title = usertext.Clean(in.Milestones[i].Title)
			if _, ok := ParseDate(in.Milestones[i].DueOn); !textLen(in.Milestones[i].Title, 50) || (in.Milestones[i].DueOn != "" && !ok) {
				return Project{}, errs.Invalid("INVALID_MILESTONE", "里程碑须有名称（不超过 50 字），日期格式为 2026-01-31")
			}
		}
		p.Milestones = in.Milestones
	}
	if in.Plan != nil {
		if utf8.RuneCountInString(*in.Plan) > 2000 {
			return Project{}, errs.Invalid("TEXT_TOO_LONG", "实施计划不超过 2000 字")
		}
		p.Plan = *in.Plan
	}
	if in.ActivityIDs != nil {
		if p.ActivityIDs, err = s.checkActivities(ctx, p, in.ActivityIDs); err != nil {
			return Project{}, err
		}
	}
	var notices []notify.Notice
	switch in.Action {
	case "progress", "":
		if p.Status != ProjectClaimed && p.Status != ProjectInProgress {
			return Project{}, errBadTransition
		}
	case "start":
		if !party && !u.IsAdmin() {
			return Project{}, errs.Forbidden("NOT_PROJECT_PARTY", "只有项目的承接单位可以开始实施")
		}
		if p.Status != ProjectClaimed {
			return Project{}, errBadTransition
		}
		p.Status, p.StartedAt = ProjectInProgress, &now
	case "deliver":
		if !party && !u.IsAdmin() {
			return Project{}, errs.Forbidden("NOT_PROJECT_PARTY", "只有项目的承接单位可以提交交付")
		}
		if p.Status != ProjectInProgress && p.Status != ProjectClaimed {
			return Project{}, errBadTransition
		}
		if in.Evidence == nil || in.Evidence.Served <= 0 || len(in.Evidence.Photos)+len(in.Evidence.Documents) == 0 ||
			len(in.Evidence.Photos) > 9 || len(in.Evidence.Documents) > 9 || utf8.RuneCountInString(in.Evidence.Note) > 1000 {
			return Project{}, errEvidence
		}
		if s.photos != nil {
			if err := s.photos.CheckOwned(ctx, u.ID, append(append([]string{}, in.Evidence.Photos...), in.Evidence.Documents...)); err != nil {
				return Project{}, err
			}
		}
		p.Evidence = *in.Evidence
		if p.StartedAt == nil {
			p.StartedAt = &now
		}
		p.Status, p.DeliveredAt = ProjectDelivered, &now
		notices = s.deliveredNotices(ctx, p)
	case "close":
		if !staff {
			return Project{}, errs.Forbidden("FORBIDDEN", "只有社区工作人员可以结项")
		}
		if p.Status != ProjectEvaluated {
			return Project{}, errBadTransition
		}
		p.Status, p.ClosedAt = ProjectClosed, &now
	default:
		return Project{}, errs.Invalid("INVALID_ACTION", "操作无效，请选择开始实施、更新进度、交付或结项")
	}
	if err := s.store.UpdateProject(ctx, p, from, notices); err != nil {
		return Project{}, err
	}
	return s.Project(ctx, id)
}

// actionAliases are the statuses of the lifecycle (claimed → in progress
// → delivered → closed) and other words for the action leading to each.
var actionAliases = map[string]string{ProjectInProgress: "start", "started": "start", "in progress": "start", ProjectDelivered: "deliver",
	ProjectClosed: "close", "update": "progress"}

// maxProjectActivities is how many activities a project links.
const maxProjectActivities = 20

var errBadActivities = errs.Invalid("INVALID_ACTIVITIES", fmt.Sprintf("只能关联承接单位或本社区的活动，且不超过 %d 个", maxProjectActivities))

// checkActivities returns the activities project p links, each once; they
// must exist, be hosted by one of its units or held in its community, and
// be at most maxProjectActivities.
func (s *Service) checkActivities(ctx context.Context, p Project, ids []int64) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, errBadActivities
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > maxProjectActivities {
		return nil, errBadActivities
	}
	units := make([]int64, 0, len(p.Parties))
	for _, x := range p.Parties {
		units = append(units, x.UnitID)
	}
	if ok, err := s.store.ActivitiesLinkable(ctx, out, units, p.CommunityID); err != nil || !ok {
		return nil, cmp.Or(err, error(errBadActivities))
	}
	return out, nil
}

// deliveredNotices tells the community's wish makers that their wish was
// delivered and may be rated.
func (s *Service) deliveredNotices(ctx context.Context, p Project) []notify.Notice {
	users, err := s.wishMakers(ctx, p.NeedID)
	if err != nil {
		return nil
	}
	out := make([]notify.Notice, 0, len(users))
	for _, uid := range users {
		out = append(out, notify.Notice{UserID: uid, TemplateKey: NoticeTemplate, DedupKey: fmt.Sprintf("cb:delivered:%d:%d", p.ID, uid),
			Title: "您的心愿已完成", Body: fmt.Sprintf("「%s」已由共建单位完成交付，欢迎评价。", p.Title),
			Fields: map[string]string{"activity": p.Title, "status": "已交付", "note": "欢迎为服务打分"}, Page: Page})
	}
	return out
}

// EvaluateUnits is the community's rating of the units that delivered a
// project (staff of the project's community).
func (s *Service) EvaluateUnits(ctx context.Context, u resident.User, id int64, score int, comment string) (Project, error) {
	p, err := s.Project(ctx, id)
	if err != nil {
		return Project{}, err
	}
	if !u.IsStaffOf(p.CommunityID) {
		return Project{}, errNotStaff
	}
	if score < 1 || score > 5 || utf8.RuneCountInString(comment) > 300 {
		return Project{}, errBadScore
	}
	switch p.Status {
	case ProjectDelivered:
	case ProjectEvaluated, ProjectClosed:
		return Project{}, errEvaluated
	default:
		return Project{}, errNotDelivered
	}
	now := s.now()
	p.Status, p.EvaluatedAt, p.UnitRating, p.UnitComment = ProjectEvaluated, &now, score, strings.TrimSpace(comment)
	if err := s.store.UpdateProject(ctx, p, ProjectDelivered, nil); err != nil {
		return Project{}, err
	}
	return s.Project(ctx, id)
}

// Rate records a beneficiary's rating of a delivered project, once.
func (s *Service) Rate(ctx context.Context, u resident.User, id int64, score int, comment string) (Rating, error) {
	if score < 1 || score > 5 || utf8.RuneCountInString(comment) > 300 {
		return Rating{}, errBadScore
	}
	p, err := s.Project(ctx, id)
	if err != nil {
		return Rating{}, err
	}
	if p.Status != ProjectDelivered && p.Status != ProjectEvaluated && p.Status != ProjectClosed {
		return Rating{}, errNotDelivered
	}
	ok, err := s.store.Beneficiary(ctx, p, u.ID)
	if err != nil {
		return Rating{}, err
	}
	if !ok {
		return Rating{}, errNotBeneficiary
	}
	r := Rating{ProjectID: id, UserID: u.ID, Score: score, Comment: strings.TrimSpace(comment), CreatedAt: s.now()}
	if err := s.store.AddRating(ctx, r); err != nil {
		return Rating{}, err
	}
	return r, nil
}

// RemindOverdue tells the contacts of every overdue project's units (once
// a day) and returns how many projects it reminded of.
func (s *Service) RemindOverdue(ctx context.Context) (int, error) {
	now := s.now()
	ps, err := s.store.OverdueProjects(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		var notices []notify.Notice
		for _, party := range p.Parties {
			users, err := s.store.ContactUsers(ctx, party.UnitID)
			if err != nil {
				return 0, err
			}
			for _, uid := range users {
				notices = append(notices, notify.Notice{UserID: uid, TemplateKey: NoticeTemplate,
					DedupKey: fmt.Sprintf("cb:overdue:%d:%d:%s", p.ID, uid, today(now)),
					Title:    "共建项目已逾期", Body: fmt.Sprintf("贵单位承接的「%s」已超过完成期限，请尽快推进或与社区沟通。", p.Title),
					Fields: map[string]string{"activity": p.Title, "status": "已逾期", "note": "请尽快推进项目"}, Page: Page})
			}
		}
		if err := s.store.MarkReminded(ctx, p.ID, now, notices); err != nil {
			return 0, err
		}
	}
	return len(ps), nil
}

func (s *Service) wishMakers(ctx context.Context, needID int64) ([]int64, error) {
	return s.store.WishMakers(ctx, needID)
}
