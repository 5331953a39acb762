package cobuild

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// ProjectLine is a project in a report.
type ProjectLine struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	CommunityID int64   `json:"community_id"`
	Status      string  `json:"status"`
	Quantity    int     `json:"quantity"`
	Unit        string  `json:"quantity_unit"`
	Served      int     `json:"served"`
	RatingAvg   float64 `json:"rating_avg"`
	DueAt       string  `json:"due_at,omitempty"`
}

// UnitReport is a unit's year for the joint meeting.
type UnitReport struct {
	UnitID            int64         `json:"unit_id"`
	UnitName          string        `json:"unit_name"`
	Year              int           `json:"year"`
	ProjectsClaimed   int           `json:"projects_claimed"`
	ProjectsDelivered int           `json:"projects_delivered"`
	Quantity          int           `json:"quantity"`
	Served            int           `json:"residents_served"`
	RatingAvg         float64       `json:"rating_avg"`
	RatingCount       int           `json:"rating_count"`
	CommunityRating   float64       `json:"community_rating_avg"`
	MemberMinutes     int           `json:"member_service_minutes"`
	MemberHours       float64       `json:"member_service_hours"` // the minutes in hours, one decimal (as the XLSX shows them)
	Members           int           `json:"party_members"`
	ReportedIn        int           `json:"reported_in"`
	ReportInRate      float64       `json:"report_in_rate"`
	Projects          []ProjectLine `json:"projects"`
}

// NeedLine is a need in a report.
type NeedLine struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	CommunityID int64  `json:"community_id"`
	Category    string `json:"category"`
	Remaining   int    `json:"remaining"`
	CreatedAt   string `json:"created_at"`
}

// ProposalLine is a proposal in a report.
type ProposalLine struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	CommunityID int64  `json:"community_id"`
	Supports    int    `json:"supports"`
	// Threshold is its community's support threshold (filled by the service).
	Threshold int    `json:"threshold"`
	AgendaAt  string `json:"agenda_at,omitempty"`
}

// UnitRank ranks units by delivered projects, then rating.
type UnitRank struct {
	UnitID       int64   `json:"unit_id"`
	Name         string  `json:"name"`
	Delivered    int     `json:"delivered"`
	RatingAvg    float64 `json:"rating_avg"`
	Members      int     `json:"party_members"`
	ReportedIn   int     `json:"reported_in"`
	ReportInRate float64 `json:"report_in_rate"`
}

// CommunityReport is a community's (CommunityID 0: the subdistrict's) state.
type CommunityReport struct {
	CommunityID     int64          `json:"community_id"`
	Year            int            `json:"year"`
	NeedsOpen       int            `json:"needs_open"`
	NeedsClaimed    int            `json:"needs_claimed"`
	NeedsUnclaimed  int            `json:"needs_unclaimed_30_days"`
	ProjectsOverdue int            `json:"projects_overdue"`
	Overdue         []ProjectLine  `json:"overdue_projects"`
	Unclaimed       []NeedLine     `json:"unclaimed_needs"`
	Agenda          []ProposalLine `json:"proposals_on_agenda"`
	Units           []UnitRank     `json:"units"`
	PendingWishes   int            `json:"pending_wishes"`
}

// ReportStore computes the reports.
type ReportStore interface {
	// UnitReport fills the unit's figures for [from, to).
	UnitReport(ctx context.Context, unit Unit, from, to, now time.Time) (UnitReport, error)
	// CommunityReport fills a community's (0: every community's) figures.
	CommunityReport(ctx context.Context, communityID int64, from, to, now time.Time) (CommunityReport, error)
}

func yearSpan(year int) (time.Time, time.Time) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, cst.Zone)
	return from, from.AddDate(1, 0, 0)
}

// UnitReport is a unit's year: admins, its contacts and staff of the
// communities it co-builds with.
func (s *Service) UnitReport(ctx context.Context, u resident.User, unitID int64, year int) (UnitReport, error) {
	unit, err := s.store.Unit(ctx, unitID)
	if err != nil {
		return UnitReport{}, err
	}
	allowed := u.IsAdmin() || u.IsContactOf(unitID)
	for _, c := range unit.CommunityIDs {
		allowed = allowed || u.IsStaffOf(c)
	}
	if !allowed {
		return UnitReport{}, errNotStaff
	}
	if year == 0 {
		year = s.now().In(cst.Zone).Year()
	}
	from, to := yearSpan(year)
	r, err := s.reports.UnitReport(ctx, unit, from, to, s.now())
	r.UnitID, r.UnitName, r.Year = unit.ID, unit.Name, year
	r.MemberHours = round1(float64(r.MemberMinutes) / 60)
	return r, err
}

// CommunityReport is a community's state for its staff (community 0, the
// subdistrict's, for admins and unscoped staff).
func (s *Service) CommunityReport(ctx context.Context, u resident.User, communityID int64, year int) (CommunityReport, error) {
	if !u.IsStaffOf(communityID) {
		return CommunityReport{}, errNotStaff
	}
	if year == 0 {
		year = s.now().In(cst.Zone).Year()
	}
	from, to := yearSpan(year)
	r, err := s.reports.CommunityReport(ctx, communityID, from, to, s.now())
	r.CommunityID, r.Year = communityID, year
	if err != nil {
		return r, err
	}
	// Each proposal with its own community's threshold (the subdistrict's
	// report holds several communities).
	var ids []int64
	for _, p := range r.Agenda {
		if !slices.Contains(ids, p.CommunityID) {
			ids = append(ids, p.CommunityID)
		}
	}
	own, err := s.wishes.SupportThresholds(ctx, ids)
	for i := range r.Agenda {
		r.Agenda[i].Threshold = s.thresholdIn(own, r.Agenda[i].CommunityID)
	}
	return r, err
}

// ---- XLSX (Chinese, one sheet per section) ----

type sheet struct {
	name   string
	header []any
	rows   [][]any
}

func workbook(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sh.name, "A1", &sh.header); err != nil {
			return nil, err
		}
		for j, r := range sh.rows {
			if err := f.SetSheetRow(sh.name, fmt.Sprintf("A%d", j+2), &r); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, errs.Internal(err)
	}
	return b.Bytes(), nil
}

func projectRows(ps []ProjectLine) [][]any {
	out := make([][]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, []any{p.ID, p.Title, p.CommunityID, ProjectStatusNames[p.Status], p.Quantity, p.Unit, p.Served, round1(p.RatingAvg), p.DueAt})
	}
	return out
}

var projectHeader = []any{"项目编号", "项目名称", "社区编号", "状态", "数量", "单位", "服务人数", "居民评分", "完成期限"}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// XLSX renders the unit report.
func (r UnitReport) XLSX() ([]byte, error) {
	return workbook([]sheet{
		{"年度概况", []any{"单位", "年度", "认领项目", "交付项目", "认领数量", "服务居民", "居民评分", "评价数", "社区评分", "党员服务时长（小时）", "党员人数", "已报到", "报到率"},
			[][]any{{r.UnitName, r.Year, r.ProjectsClaimed, r.ProjectsDelivered, r.Quantity, r.Served, round1(r.RatingAvg), r.RatingCount,
				round1(r.CommunityRating), r.MemberHours, r.Members, r.ReportedIn, fmt.Sprintf("%.0f%%", r.ReportInRate*100)}}},
		{"项目明细", projectHeader, projectRows(r.Projects)},
	})
}

// XLSX renders the community (or subdistrict) report.
func (r CommunityReport) XLSX() ([]byte, error) {
	var needs, props, units [][]any
	for _, n := range r.Unclaimed {
		needs = append(needs, []any{n.ID, n.Title, n.CommunityID, Categories[n.Category], n.Remaining, n.CreatedAt})
	}
	for _, p := range r.Agenda {
		props = append(props, []any{p.ID, p.Title, p.CommunityID, p.Supports, p.AgendaAt, p.Threshold})
	}
	for i, u := range r.Units {
		units = append(units, []any{i + 1, u.Name, u.Delivered, round1(u.RatingAvg), u.Members, u.ReportedIn, fmt.Sprintf("%.0f%%", u.ReportInRate*100)})
	}
	return workbook([]sheet{
		{"概况", []any{"社区编号（0 为全街道）", "年度", "待认领需求", "已认领需求", "超过30天未认领", "逾期项目", "待审心愿"},
			[][]any{{r.CommunityID, r.Year, r.NeedsOpen, r.NeedsClaimed, r.NeedsUnclaimed, r.ProjectsOverdue, r.PendingWishes}}},
		{"逾期项目", projectHeader, projectRows(r.Overdue)},
		{"30天未认领需求", []any{"需求编号", "需求名称", "社区编号", "类别", "剩余数量", "发布日期"}, needs},
		{"上会议题", []any{"议题编号", "议题", "社区编号", "支持人数", "达到上会标准时间", "议事厅附议门槛"}, props},
		{"单位排名", []any{"名次", "单位", "交付项目", "评分", "党员人数", "已报到", "报到率"}, units},
	})
}

// AgendaXLSX renders the joint meeting's agenda: what needs a decision.
func (r CommunityReport) AgendaXLSX() ([]byte, error) {
	var rows [][]any
	for _, p := range r.Agenda {
		rows = append(rows, []any{"居民议题", p.Title, p.CommunityID, fmt.Sprintf("%d 位居民支持（本社区议事厅附议门槛 %d）", p.Supports, p.Threshold)})
	}
	for _, n := range r.Unclaimed {
		rows = append(rows, []any{"超过30天未认领的需求", n.Title, n.CommunityID, fmt.Sprintf("剩余 %d，发布于 %s", n.Remaining, n.CreatedAt)})
	}
	for _, p := range r.Overdue {
		rows = append(rows, []any{"逾期项目", p.Title, p.CommunityID, "期限 " + p.DueAt})
	}
	return workbook([]sheet{{"联席会议议程", []any{"事项类型", "事项", "社区编号", "说明"}, rows}})
}
