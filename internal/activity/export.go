package activity

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/page"
	"gongjian/internal/resident"
)

var statusNames = map[string]string{RegConfirmed: "报名成功", RegWaitlisted: "候补中", RegCancelled: "已取消"}

// StatusName is the Chinese name of a registration status.
func StatusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return s
}

// Export writes an activity's registrations as an XLSX workbook (Chinese
// headers; names and phones masked unless the staff member may see them).
func (s *Service) Export(ctx context.Context, u resident.User, activityID int64) (filename string, data []byte, err error) {
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return "", nil, err
	}
	var regs []StaffRegistration
	req := page.Request{Limit: page.MaxLimit}
	for {
		batch, next, err := s.registrationsPage(ctx, u, &a, RegistrationFilter{}, req)
		if err != nil {
			return "", nil, err
		}
		regs = append(regs, batch...)
		if next == "" {
			break
		}
		if req.After, err = page.Decode(next); err != nil {
			return "", nil, err
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "报名名单"
	f.SetSheetName("Sheet1", sheet)
	headers := []string{"序号", "场次开始", "场次结束", "报名人", "身份", "联系电话", "状态", "候补位次", "未到场", "来源", "报名时间", "取消原因"}
	for _, q := range a.Questions {
		headers = append(headers, q.Title)
	}
	for i, h := range headers {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue(sheet, cell, h)
	}
	for row, r := range regs {
		who := "本人"
		if r.Registration.DependentID != 0 {
			who = "家庭成员"
		}
		pos := ""
		if r.Registration.Status == RegWaitlisted {
			pos = fmt.Sprint(r.Registration.WaitlistPosition)
		}
		noShow := ""
		if r.Registration.NoShow {
			noShow = "是"
		}
		source := "居民报名"
		if r.Registration.Source == SourceStaff {
			source = "工作人员添加：" + r.Registration.Reason
		}
		vals := []any{row + 1, FormatTime(r.Session.StartsAt), FormatTime(r.Session.EndsAt), r.Name, who, r.Phone,
			StatusName(r.Registration.Status), pos, noShow, source, FormatTime(r.Registration.CreatedAt), r.Registration.CancelReason}
		for _, q := range a.Questions {
			vals = append(vals, r.Registration.Answers[q.ID])
		}
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row+2)
			f.SetCellValue(sheet, cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return "", nil, err
	}
	name := strings.NewReplacer("/", "-", "\\", "-", "\"", "", "\n", " ").Replace(a.Title)
	return fmt.Sprintf("报名名单-%d-%s.xlsx", a.ID, name), buf.Bytes(), nil
}
