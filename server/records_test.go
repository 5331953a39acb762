package main

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/config"
	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
)

// credit writes a ledger entry for the user, as a check-out would.
func (ta *testApp) credit(userID, sessionID int64, at time.Time, minutes int) {
	ta.t.Helper()
	_, _, err := mysqlstore.NewHoursStore(ta.app.db).Append(context.Background(), hours.Entry{UserID: userID, ActivityID: 1, SessionID: sessionID,
		Minutes: minutes, Source: hours.SourceCheckin, ServedAt: at, CreditKey: "test:" + time.Now().Format(time.RFC3339Nano), Content: "助老送餐"}, nil)
	if err != nil {
		ta.t.Fatal(err)
	}
}

// recordOfOneAndAHalfHours is an app whose records 幸福街道办事处 issues
// and the number of the service record of its user holder (real name
// 李梅花), credited 90 minutes in May 2026.
func recordOfOneAndAHalfHours(t *testing.T, holder string) (ta *testApp, number string) {
	t.Helper()
	ta = newTestApp(t, func(c *config.Config) { c.Hours.RecordIssuer = "幸福街道办事处" })
	tok, uid := ta.login(holder)
	ta.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"real_name": "李梅花"}), 200, "real name")
	ta.remember("李梅花")
	ta.credit(uid, 11, time.Date(2026, 5, 3, 2, 0, 0, 0, time.UTC), 90)
	return ta, ta.must(ta.do("GET", "/api/v1/me/hours/record", tok, nil), 200, "record").str("record_number")
}

// A service record is verified by its number, without logging in: the
// JSON route and the page a phone camera opens from the record's QR code
// show the masked holder, the hours, the period and the issuer; a record
// replaced by a newer one says so; an unknown number is 404
// RECORD_NOT_FOUND (issue 12 point 6).
func TestServiceRecordVerification(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) {
		c.Hours.RecordIssuer = "幸福街道办事处"
		c.Hours.RecordVerifyURL = "https://gj.example.cn/service-records/"
	})
	tok, uid := ta.login("record-holder")
	ta.must(ta.do("PATCH", "/api/v1/me", tok, map[string]any{"real_name": "李梅花"}), 200, "real name")
	ta.remember("李梅花")
	may := time.Date(2026, 5, 3, 2, 0, 0, 0, time.UTC)
	ta.credit(uid, 11, may, 120)
	ta.credit(uid, 12, may.AddDate(0, 1, 0), 30)

	rec := ta.must(ta.do("GET", "/api/v1/me/hours/record", tok, nil), 200, "record")
	number := rec.str("record_number")
	if rec.str("issuer") != "幸福街道办事处" || rec.str("verify_url") != "https://gj.example.cn/service-records?number="+url.QueryEscape(number) {
		t.Fatalf("record: %s", rec.Raw)
	}

	// Found, by anyone.
	r := ta.must(ta.do("GET", "/api/v1/service-records/"+number, "", nil), 200, "verify")
	period, _ := r.Body["period"].(map[string]any)
	if r.str("holder") != "李**" || r.Body["total_minutes"] != 150.0 || r.Body["total_hours"] != 2.5 || r.Body["services"] != 2.0 ||
		r.str("issuer") != "幸福街道办事处" || r.Body["superseded"] != false || period["from"] != "2026-05-03" || period["to"] != "2026-06-03" {
		t.Fatalf("verify: %s", r.Raw)
	}
	if strings.Contains(string(r.Raw), "李梅花") {
		t.Fatal("the verification shows the holder's full name")
	}
	page := ta.do("GET", "/service-records?number="+url.QueryEscape(number), "", nil)
	html := string(page.Raw)
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(html, "记录真实有效") ||
		!strings.Contains(html, "李**") || !strings.Contains(html, "2小时30分钟") || !strings.Contains(html, "2026年5月3日 至 2026年6月3日") ||
		!strings.Contains(html, "幸福街道办事处") || strings.Contains(html, "李梅花") {
		t.Fatalf("page: %d %s", page.Status, html)
	}
	if form := ta.do("GET", "/service-records", "", nil); form.Status != 200 || !strings.Contains(string(form.Raw), `name="number"`) {
		t.Fatalf("page without a number: %d %s", form.Status, form.Raw)
	}

	// The record's QR code, alone and on the printable sheet.
	code := ta.do("GET", "/api/v1/me/hours/record/code", tok, nil)
	if code.Status != 200 || code.Header.Get("Content-Type") != "image/png" || code.Header.Get("X-Record-Number") != number {
		t.Fatalf("code: %d %v", code.Status, code.Header)
	}
	if img, err := png.Decode(bytes.NewReader(code.Raw)); err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("code is no PNG QR code: %v", err)
	}
	expectError(t, ta.do("GET", "/api/v1/me/hours/record/code", "", nil), 401, "UNAUTHENTICATED")
	sheet := ta.must(ta.do("GET", "/api/v1/me/hours/record?format=xlsx", tok, nil), 200, "xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(sheet.Raw))
	if err != nil {
		t.Fatal(err)
	}
	pics, err := f.GetPictures("志愿服务记录", "B14")
	if err != nil || len(pics) != 1 || !bytes.Equal(pics[0].File, code.Raw) {
		t.Fatalf("the sheet's QR code: %d pictures, %v", len(pics), err)
	}
	if v, _ := f.GetCellValue("志愿服务记录", "A13"); v != "核验：手机扫描下方二维码，或打开 https://gj.example.cn/service-records?number="+url.QueryEscape(number) {
		t.Fatalf("the sheet's verification line: %q", v)
	}

	// Not found.
	tampered := number[:len(number)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(number, "A")]
	expectError(t, ta.do("GET", "/api/v1/service-records/"+tampered, "", nil), 404, "RECORD_NOT_FOUND")
	expectError(t, ta.do("GET", "/api/v1/service-records/ZYJL-999999-1-AAAAAA", "", nil), 404, "RECORD_NOT_FOUND")
	if p := ta.do("GET", "/service-records?number="+tampered, "", nil); p.Status != 404 || !strings.Contains(string(p.Raw), "未找到该编号的记录") {
		t.Fatalf("page of an unknown number: %d %s", p.Status, p.Raw)
	}

	// Superseded once more hours are credited; the new record is current.
	ta.credit(uid, 13, may.AddDate(0, 2, 0), 60)
	if r := ta.must(ta.do("GET", "/api/v1/service-records/"+number, "", nil), 200, "old"); r.Body["superseded"] != true || r.Body["total_minutes"] != 150.0 {
		t.Fatalf("old record: %s", r.Raw)
	}
	if p := ta.do("GET", "/service-records?number="+url.QueryEscape(number), "", nil); !strings.Contains(string(p.Raw), "已有更新的记录") {
		t.Fatalf("page of a superseded record: %s", p.Raw)
	}
	now := ta.must(ta.do("GET", "/api/v1/me/hours/record", tok, nil), 200, "record").str("record_number")
	if r := ta.must(ta.do("GET", "/api/v1/service-records/"+now, "", nil), 200, "new"); now == number || r.Body["superseded"] != false || r.Body["total_minutes"] != 210.0 {
		t.Fatalf("new record %s: %s", now, r.Raw)
	}
}

// Verification is limited to 60 requests a minute per address, the JSON
// route and the page together: then 429 RATE_LIMITED with Retry-After (a
// page in Chinese for the page).
func TestServiceRecordVerificationRateLimited(t *testing.T) {
	ta := newTestApp(t)
	// The limit counts per clock minute: run within one.
	withinOneMinute(15 * time.Second)
	for i := 0; i < 60; i++ {
		path := "/api/v1/service-records/ZYJL-000001-1-AAAAAA"
		if i%2 == 1 {
			path = "/service-records?number=ZYJL-000001-1-AAAAAA"
		}
		if r := ta.do("GET", path, "", nil); r.Status != 404 {
			t.Fatalf("request %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r := ta.do("GET", "/api/v1/service-records/ZYJL-000001-1-AAAAAA", "", nil)
	expectError(t, r, 429, "RATE_LIMITED")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	p := ta.do("GET", "/service-records?number=ZYJL-000001-1-AAAAAA", "", nil)
	if p.Status != 429 || p.Header.Get("Retry-After") == "" || !strings.Contains(string(p.Raw), "查询太频繁") {
		t.Fatalf("page over the limit: %d %v %s", p.Status, p.Header, p.Raw)
	}
}
