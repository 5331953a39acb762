package hours

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cst"
	"gongjian/internal/resident"
)

// Hours renders minutes as hours rounded to two decimals (the unit of
// reports; minutes stay the exact figure).
func Hours(minutes int) float64 { return math.Round(float64(minutes)/60*100) / 100 }

var sourceNames = map[string]string{SourceCheckin: "扫码签到", SourceClaim: "补录审核", SourceCorrection: "更正"}

// SourceName is a source's Chinese name.
func SourceName(s string) string {
	if n, ok := sourceNames[s]; ok {
		return n
	}
	return s
}

type sheet struct {
	f   *excelize.File
	err error
}

func (x *sheet) row(name string, row int, values ...any) {
	if x.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		x.err = err
		return
	}
	x.err = x.f.SetSheetRow(name, cell, &values)
}

// header writes a bold header row and sets column widths.
func (x *sheet) header(name string, row int, widths []float64, titles ...any) {
	x.row(name, row, titles...)
	if x.err != nil {
		return
	}
	style, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E8EEF7"}, Pattern: 1},
		Border: []excelize.Border{{Type: "bottom", Color: "#999999", Style: 1}}})
	if err != nil {
		x.err = err
		return
	}
	first, _ := excelize.CoordinatesToCellName(1, row)
	last, _ := excelize.CoordinatesToCellName(len(titles), row)
	x.err = x.f.SetCellStyle(name, first, last, style)
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if x.err == nil {
			x.err = x.f.SetColWidth(name, col, col, w)
		}
	}
}

func (x *sheet) printable(name string) {
	if x.err != nil {
		return
	}
	orient, size, fit := "portrait", 9, true // A4
	one := 1
	x.err = x.f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &orient, Size: &size, FitToWidth: &one, FitToHeight: nil})
	if x.err == nil {
		x.err = x.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit})
	}
}

func (x *sheet) bytes() ([]byte, error) {
	if x.err != nil {
		return nil, x.err
	}
	var buf bytes.Buffer
	if err := x.f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func dateRange(r Report) string {
	return r.From.In(cst.Zone).Format("2006年1月2日") + "至" + r.To.In(cst.Zone).AddDate(0, 0, -1).Format("2006年1月2日")
}

// ReportXLSX renders a report as the workbook for the subdistrict's joint
// party-building meeting: persons, organisations (rolled up), communities
// and every entry.
func (s *Service) ReportXLSX(ctx context.Context, u resident.User, r Report) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	x := &sheet{f: f}
	const persons, orgs, coms, detail = "个人服务时长", "党组织汇总", "社区汇总", "明细"
	x.err = f.SetSheetName("Sheet1", persons)
	for _, n := range []string{orgs, coms, detail} {
		if x.err == nil {
			_, x.err = f.NewSheet(n)
		}
	}
	title := "志愿服务时长统计（" + dateRange(r) + "）"

	x.row(persons, 1, title)
	x.row(persons, 2, fmt.Sprintf("合计 %.2f 小时，%d 人，%d 条记录", Hours(r.TotalMinutes), len(r.Persons), r.Entries))
	x.header(persons, 3, []float64{8, 14, 28, 16, 14, 12, 10}, "排名", "姓名", "所属党组织", "社区", "服务时长（小时）", "服务时长（分钟）", "记录条数")
	for i, p := range r.Persons {
		x.row(persons, 4+i, p.Rank, p.Name, p.OrgName, p.CommunityName, Hours(p.Minutes), p.Minutes, p.Entries)
	}
	x.printable(persons)

	x.row(orgs, 1, title)
	x.header(orgs, 2, []float64{36, 28, 18, 20, 12}, "党组织", "上级组织", "本级时长（小时）", "含下级合计（小时）", "本级人数")
	names := map[int64]string{}
	for _, o := range r.Orgs {
		names[o.OrgID] = o.Name
	}
	for i, o := range r.Orgs {
		x.row(orgs, 3+i, strings.Repeat("　", o.Depth)+o.Name, names[o.ParentID], Hours(o.OwnMinutes), Hours(o.Minutes), o.Members)
	}
	x.printable(orgs)

	x.row(coms, 1, title)
	x.header(coms, 2, []float64{20, 18, 10}, "社区", "服务时长（小时）", "人数")
	for i, c := range r.Communities {
		x.row(coms, 3+i, c.Name, Hours(c.Minutes), c.Persons)
	}
	x.printable(coms)

	tree, err := s.orgs.OrgTree(ctx)
	if err != nil {
		return nil, err
	}
	f2, _ := reportScope(u, tree)
	f2.From, f2.To = r.From, r.To
	es, err := s.store.EntriesIn(ctx, f2)
	if err != nil {
		return nil, err
	}
	people, err := namesOf(ctx, s.store, es, func(e Entry) int64 { return e.UserID })
	if err != nil {
		return nil, err
	}
	x.header(detail, 1, []float64{18, 12, 30, 24, 10, 12, 36}, "服务日期", "姓名", "服务内容", "组织单位", "时长（分钟）", "来源", "说明")
	for i, e := range es {
		x.row(detail, 2+i, e.ServedAt.In(cst.Zone).Format("2006-01-02 15:04"), people[e.UserID], e.Content, e.OrganiserName, e.Minutes,
			SourceName(e.Source), e.Reason)
	}
	return x.bytes()
}

// RecordXLSX renders a service record as a printable A4 sheet; code is the
// QR code (PNG) of its verification page, printed under the note (nil: none).
func RecordXLSX(rec Record, code []byte) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const name = "志愿服务记录"
	x := &sheet{f: f}
	x.err = f.SetSheetName("Sheet1", name)
	x.row(name, 1, "志愿服务记录")
	x.row(name, 2, "记录编号："+rec.Number)
	x.row(name, 3, "姓名："+rec.Name, "", "身份证号："+rec.IDNumberMasked)
	x.row(name, 4, fmt.Sprintf("累计服务时长：%.2f 小时（%d 分钟）", Hours(rec.TotalMinutes), rec.TotalMinutes), "", "出具时间："+rec.GeneratedAt.In(cst.Zone).Format("2006年1月2日"))
	x.header(name, 6, []float64{6, 30, 18, 28, 12, 26}, "序号", "服务内容", "服务日期", "服务地点", "服务时长（小时）", "组织单位")
	for i, l := range rec.Lines {
		x.row(name, 7+i, i+1, l.Content, l.Date.In(cst.Zone).Format("2006-01-02"), l.Place, Hours(l.Minutes), l.Organiser)
	}
	x.row(name, 7+len(rec.Lines), "", "合计", "", "", Hours(rec.TotalMinutes), "")
	note := 9 + len(rec.Lines)
	x.row(name, note, "本记录依据志愿服务签到签退及审核通过的补录记录生成，可凭记录编号向街道核验。")
	if rec.Issuer != "" {
		x.row(name, note+1, "出具单位："+rec.Issuer)
	}
	if rec.VerifyURL != "" {
		x.row(name, note+2, "核验：手机扫描下方二维码，或打开 "+rec.VerifyURL)
	}
	if code != nil && x.err == nil {
		// 480 px scaled to about 4 cm.
		x.err = f.AddPictureFromBytes(name, fmt.Sprintf("B%d", note+3), &excelize.Picture{Extension: ".png", File: code,
			Format: &excelize.GraphicOptions{AltText: "核验二维码 " + rec.Number, ScaleX: 0.32, ScaleY: 0.32}})
	}
	if x.err == nil {
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center"}})
		if err == nil {
			_ = f.MergeCell(name, "A1", "F1")
			x.err = f.SetCellStyle(name, "A1", "F1", bold)
		}
	}
	x.printable(name)
	return x.bytes()
}
