package activity

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/xlsx"
)

var statusNames = map[string]string{RegConfirmed: "报名成功", RegWaitlisted: "候补中", RegCancelled: "已取消"}

// StatusName is the Chinese name of a registration status.
func StatusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return s
}

// Export checks that the staff member manages the activity and returns the
// workbook's file name and a function that streams it: an XLSX of the
// activity's registrations in sign-up order (Chinese headers; names and
// phones masked unless the staff member may see them), read a batch at a
// time and written straight into w as a deflated sheet (package xlsx), so
// memory stays flat whatever the number of rows.
func (s *Service) Export(ctx context.Context, u resident.User, activityID int64) (filename string, write func(io.Writer) error, err error) {
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return "", nil, err
	}
	name := strings.NewReplacer("/", "-", "\\", "-", "\"", "", "\n", " ").Replace(a.Title)
	return fmt.Sprintf("报名名单-%d-%s.xlsx", a.ID, name), func(w io.Writer) error { return s.writeExport(ctx, u, &a, w) }, nil
}

func (s *Service) writeExport(ctx context.Context, u resident.User, a *Activity, w io.Writer) error {
	// The first batch is read before anything is written: a failure then
	// is still answered as an error, not as a broken file.
	req := page.Request{Limit: s.cfg.ExportBatch}
	batch, next, err := s.registrationsPage(ctx, u, a, RegistrationFilter{}, req)
	if err != nil {
		return err
	}
	sw, err := xlsx.NewStream(w, "报名名单")
	if err != nil {
		return err
	}
	headers := []any{"序号", "场次开始", "场次结束", "报名人", "身份", "联系电话", "状态", "候补位次", "未到场", "来源", "报名时间", "取消原因"}
	for _, q := range a.Questions {
		headers = append(headers, q.Title)
	}
	if err := sw.Row(headers...); err != nil {
		return err
	}
	for row := 0; ; {
		for _, r := range batch {
			row++
			if err := sw.Row(exportRow(a, row, r)...); err != nil {
				return err
			}
		}
		if next == "" {
			return sw.Close()
		}
		if req.After, err = page.Decode(next); err != nil {
			return err
		}
		if batch, next, err = s.registrationsPage(ctx, u, a, RegistrationFilter{}, req); err != nil {
			return err
		}
	}
}

func exportRow(a *Activity, row int, r StaffRegistration) []any {
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
	vals := []any{row, FormatTime(r.Session.StartsAt), FormatTime(r.Session.EndsAt), r.Name, who, r.Phone,
		StatusName(r.Registration.Status), pos, noShow, source, FormatTime(r.Registration.CreatedAt), r.Registration.CancelReason}
	for _, q := range a.Questions {
		vals = append(vals, r.Registration.Answers[q.ID])
	}
	return vals
}
