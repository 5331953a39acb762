package httpapi

import (
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
)

// Verifying a service record by its number (issue 12 point 6): a public
// JSON route and a plain page for whoever scans the record's QR code with a
// phone camera. Both share one per-address limit.
const (
	recordLimit      = "service_record"
	recordPerIPLimit = 60 // a minute
)

type recordCheckDTO struct {
	Number       string     `json:"number"`
	Holder       string     `json:"holder"`
	TotalMinutes int        `json:"total_minutes"`
	TotalHours   float64    `json:"total_hours"`
	Services     int        `json:"services"`
	Period       *periodDTO `json:"period"`
	AsOf         *time.Time `json:"as_of"`
	Issuer       string     `json:"issuer"`
	Superseded   bool       `json:"superseded"`
	// The same facts under the names a reader of the issue may look for:
	// holder_masked (holder), hours (total_hours), record_number (number),
	// and valid: the number is a record this service issued.
	HolderMasked string  `json:"holder_masked"`
	Hours        float64 `json:"hours"`
	RecordNumber string  `json:"record_number"`
	Valid        bool    `json:"valid"`
}

type periodDTO struct {
	From string `json:"from"` // dates in China's time zone
	To   string `json:"to"`
}

func toRecordCheckDTO(rc hours.RecordCheck) recordCheckDTO {
	d := recordCheckDTO{Number: rc.Number, Holder: rc.HolderMasked, TotalMinutes: rc.TotalMinutes, TotalHours: hours.Hours(rc.TotalMinutes),
		Services: rc.Services, Issuer: rc.Issuer, Superseded: rc.Superseded,
		HolderMasked: rc.HolderMasked, Hours: hours.Hours(rc.TotalMinutes), RecordNumber: rc.Number, Valid: rc.Number != ""}
	if !rc.From.IsZero() {
		d.Period = &periodDTO{From: rc.From.In(cst.Zone).Format(time.DateOnly), To: rc.To.In(cst.Zone).Format(time.DateOnly)}
	}
	d.AsOf = optionalTime(rc.AsOf.UTC())
	return d
}

// recordNumber is the number asked for: in the path, or as ?number= (the
// page's own spelling, which a client of the JSON route may use too).
func recordNumber(c *gin.Context) string {
	if n := c.Param("number"); n != "" {
		return n
	}
	return c.Query("number")
}

func (a *API) verifyRecord(c *gin.Context) {
	rc, err := a.d.Hours.VerifyRecord(c.Request.Context(), recordNumber(c))
	if err == nil {
		c.Header("Cache-Control", "no-store")
	}
	respond(c, http.StatusOK, toRecordCheckDTO(rc), err)
}

// myRecordCode is the QR code of the verification page of my current record.
func (a *API) myRecordCode(c *gin.Context) {
	png, rec, err := a.d.Hours.RecordCode(c.Request.Context(), userID(c))
	sendData(c, "image/png", png, err, "Cache-Control", "private, no-store", "X-Record-Number", rec.Number)
}

// recordPageView is what the page template shows.
type recordPageView struct {
	Number   string
	Asked    bool // a number was given
	Found    bool
	Limited  bool
	Failed   bool // the service could not answer
	Check    recordCheckDTO
	Total    string
	From, To string
	AsOf     string
}

func (a *API) recordPage(c *gin.Context) {
	v := recordPageView{Number: c.Query("number")}
	if v.Number == "" {
		v.Number = c.Param("number") // /service-records/{number}
	}
	status := http.StatusOK
	switch {
	case v.Number == "":
	case a.overLimit(c, recordLimit, 0, recordPerIPLimit):
		v.Asked, v.Limited, status = true, true, http.StatusTooManyRequests
		c.Header("Retry-After", retryAfterSeconds(untilNextMinute()))
	default:
		v.Asked = true
		rc, err := a.d.Hours.VerifyRecord(c.Request.Context(), v.Number)
		switch {
		case err == nil:
			v.Found, v.Check, v.Total = true, toRecordCheckDTO(rc), hours.FormatMinutes(rc.TotalMinutes)
			if rc.TotalMinutes == 0 {
				v.Total = "0小时"
			}
			if !rc.From.IsZero() {
				v.From, v.To = cnDate(rc.From), cnDate(rc.To)
			}
			if !rc.AsOf.IsZero() {
				v.AsOf = cnDate(rc.AsOf)
			}
		case errs.KindOf(err) == errs.KindNotFound:
			status = http.StatusNotFound
		default:
			logger(c).Warn("service record page: " + err.Error())
			v.Failed, status = true, http.StatusServiceUnavailable
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := recordPageTmpl.Execute(c.Writer, v); err != nil {
		logger(c).Warn("service record page: " + err.Error())
	}
}

// cnDate is a date as the page shows it: 2026年3月1日 (China's time zone).
func cnDate(t time.Time) string { return t.In(cst.Zone).Format("2006年1月2日") }

var recordPageTmpl = template.Must(template.New("record").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>志愿服务记录核验</title>
<style>
body { margin: 0; background: #f5f5f5; color: #222; font: 17px/1.6 -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
header { background: #c8322b; color: #fff; padding: 14px 16px; font-size: 19px; font-weight: 600; }
main { padding: 12px; max-width: 560px; margin: 0 auto; }
.card { background: #fff; border-radius: 10px; padding: 16px; margin-bottom: 12px; }
.ok { color: #1a7f37; font-size: 20px; font-weight: 600; }
.warn { color: #b35900; font-size: 20px; font-weight: 600; }
.bad { color: #c8322b; font-size: 20px; font-weight: 600; }
dl { margin: 12px 0 0; } dt { color: #777; font-size: 15px; margin-top: 10px; } dd { margin: 0; font-size: 18px; word-break: break-all; }
.muted { color: #777; font-size: 15px; }
input { width: 100%; box-sizing: border-box; font-size: 17px; padding: 10px; border: 1px solid #ccc; border-radius: 6px; }
button { margin-top: 10px; width: 100%; font-size: 18px; padding: 10px; border: 0; border-radius: 6px; background: #c8322b; color: #fff; }
</style>
</head>
<body>
<header>志愿服务记录核验</header>
<main>
{{if .Found}}
<div class="card">
  {{if .Check.Superseded}}
  <div class="warn">⚠ 记录真实，但已有更新的记录</div>
  <p class="muted">此编号的记录确由本平台出具。出具后此人又有服务时长记入或更正，请以其最新的服务记录为准。</p>
  {{else}}
  <div class="ok">✔ 记录真实有效</div>
  <p class="muted">此编号的记录由本平台出具，且为此人当前最新的服务记录。</p>
  {{end}}
  <dl>
    <dt>记录编号</dt><dd>{{.Check.Number}}</dd>
    <dt>姓名</dt><dd>{{.Check.Holder}}</dd>
    <dt>累计服务时长</dt><dd>{{.Total}}（{{.Check.TotalMinutes}} 分钟）</dd>
    <dt>服务次数</dt><dd>{{.Check.Services}} 次</dd>
    {{if .From}}<dt>服务期间</dt><dd>{{.From}} 至 {{.To}}</dd>{{end}}
    {{if .AsOf}}<dt>记录截至</dt><dd>{{.AsOf}}</dd>{{end}}
    <dt>出具单位</dt><dd>{{.Check.Issuer}}</dd>
  </dl>
</div>
{{else if .Limited}}
<div class="card"><div class="bad">查询太频繁</div><p>请一分钟后再试。</p></div>
{{else if .Failed}}
<div class="card"><div class="bad">暂时无法核验</div><p>服务暂时繁忙，请稍后再试。</p></div>
{{else if .Asked}}
<div class="card"><div class="bad">✘ 未找到该编号的记录</div><p>请核对记录编号（如 ZYJL-000042-117-K3J2QA）后重试。编号不符的记录不是本平台出具的，可联系出具单位确认。</p></div>
{{end}}
<div class="card">
  <form method="get" action="/service-records">
    <label class="muted" for="number">输入志愿服务记录上的记录编号</label>
    <input id="number" name="number" value="{{.Number}}" placeholder="ZYJL-…" maxlength="64" autocomplete="off">
    <button type="submit">核验</button>
  </form>
</div>
</main>
</body>
</html>
`))
