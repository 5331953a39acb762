package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/audit"
)

// auditedRoute names the change a staff route makes: the action, the kind
// of object and the path parameter holding its id.
type auditedRoute struct {
	action, object, param string
}

// auditedRoutes are the staff changes recorded by the route table (the
// request's JSON body, cleaned of personal data, is what changed). Every
// other change under /api/v1/admin/ and /api/v1/console/ is recorded too,
// under its route's name; "" marks routes whose handlers note themselves
// or that change nothing staff answer for.
var auditedRoutes = map[string]auditedRoute{
	"POST /api/v1/admin/activities":                            {"activity.create", "activity", ""},
	"PATCH /api/v1/admin/activities/:id":                       {"activity.update", "activity", "id"},
	"POST /api/v1/admin/activities/:id/publish":                {"activity.publish", "activity", "id"},
	"POST /api/v1/admin/activities/:id/finish":                 {"activity.finish", "activity", "id"},
	"POST /api/v1/admin/activities/:id/cancel":                 {"activity.cancel", "activity", "id"},
	"POST /api/v1/admin/activities/:id/sessions":               {"session.create", "activity", "id"},
	"PATCH /api/v1/admin/activities/:id/sessions/:session_id":  {"session.update", "session", "session_id"},
	"DELETE /api/v1/admin/activities/:id/sessions/:session_id": {"session.delete", "session", "session_id"},
	"POST /api/v1/admin/activities/:id/registrations":          {"registration.add", "activity", "id"},
	"GET /api/v1/admin/activities/:id/registrations/export":    {"registration.export", "activity", "id"},
	"POST /api/v1/admin/activities/:id/messages":               {"message.send", "activity", "id"},
	"POST /api/v1/admin/registrations/:id/remove":              {"registration.remove", "registration", "id"},
	"POST /api/v1/admin/registrations/:id/no-show":             {"registration.no_show", "registration", "id"},
	"POST /api/v1/admin/organizations":                         {"organization.create", "organization", ""},
	"POST /api/v1/admin/hours/claims/:id/approve":              {"claim.approve", "claim", "id"},
	"POST /api/v1/admin/hours/claims/:id/reject":               {"claim.reject", "claim", "id"},
	"POST /api/v1/admin/hours/corrections":                     {"hours.correct", "hours_entry", ""},
	"POST /api/v1/admin/hours/corrections/:id/approve":         {"correction.approve", "correction", "id"},
	"POST /api/v1/admin/hours/corrections/:id/reject":          {"correction.reject", "correction", "id"},
	"POST /api/v1/admin/presences/:id/approve":                 {"presence.approve", "presence", "id"},
	"POST /api/v1/admin/presences/:id/reject":                  {"presence.reject", "presence", "id"},
	"POST /api/v1/admin/activities/:id/checkers":               {"checker.appoint", "activity", "id"},
	"DELETE /api/v1/admin/activities/:id/checkers":             {"checker.remove", "activity", "id"},
	"DELETE /api/v1/admin/activities/:id/checkers/:user_id":    {"checker.remove", "activity", "id"},
	"POST /api/v1/admin/sessions/:id/volunteers":               {"volunteer.add", "session", "id"},
	"DELETE /api/v1/admin/sessions/:id/volunteers/:user_id":    {"volunteer.remove", "session", "id"},
	"POST /api/v1/admin/wristbands":                            {"wristband.import", "wristband", ""},
	"POST /api/v1/admin/wristbands/import":                     {"wristband.import", "wristband", ""},
	"POST /api/v1/admin/wristbands/bind":                       {"wristband.bind", "wristband", ""},
	"POST /api/v1/admin/wristbands/:id/unbind":                 {"wristband.unbind", "wristband", "id"},
	"POST /api/v1/admin/wristbands/:id/transfer":               {"wristband.transfer", "wristband", "id"},
	"POST /api/v1/admin/wristbands/:id/bind-code":              {"wristband.bind_code", "wristband", "id"},
	"PUT /api/v1/admin/wristbands/:id/thresholds":              {"wristband.thresholds", "wristband", "id"},
	"POST /api/v1/admin/wristbands/:id/consent/revoke":         {"wristband.consent_revoke", "wristband", "id"},
	"POST /api/v1/admin/wristbands/alarms/:id/ack":             {"alarm.ack", "alarm", "id"},
	"POST /api/v1/admin/wristbands/alarms/:id/resolve":         {"alarm.resolve", "alarm", "id"},
	"POST /api/v1/admin/quota/reconcile":                       {"quota.reconcile", "", ""},
	"POST /api/v1/admin/communities":                           {"", "", ""}, // admin.go notes it
	"POST /api/v1/admin/users/:id/roles":                       {"", "", ""},
	"DELETE /api/v1/admin/users/:id/roles":                     {"", "", ""},
	"POST /api/v1/console/subdistricts":                        {"", "", ""}, // console_org.go
	"PATCH /api/v1/console/subdistricts/:id":                   {"", "", ""},
	"PATCH /api/v1/console/communities/:id":                    {"", "", ""},
	"POST /api/v1/console/logout":                              {"", "", ""},
	"POST /api/v1/console/qr/:ticket/scan":                     {"", "", ""},
	"POST /api/v1/console/qr/:ticket/confirm":                  {"", "", ""},
	"POST /api/v1/console/qr/:ticket/refuse":                   {"", "", ""},
}

// auditedBody is how much of a request body goes into an entry.
const auditedBody = 16 << 10

// noteRoute notes the change of an audited route before its handler runs.
func (a *API) noteRoute(c *gin.Context) {
	route := c.Request.Method + " " + c.FullPath()
	r, listed := auditedRoutes[route]
	if !listed {
		p := c.FullPath()
		if c.Request.Method == "GET" || !(strings.HasPrefix(p, "/api/v1/admin/") || strings.HasPrefix(p, "/api/v1/console/")) ||
			strings.HasPrefix(p, "/api/v1/console/login") {
			return
		}
		// A change nobody named yet: recorded under its route.
		r = auditedRoute{action: c.Request.Method + " " + strings.TrimPrefix(p, "/api/v1")}
	}
	if r.action == "" {
		return
	}
	e := audit.Entry{Action: r.action, ObjectType: r.object}
	if r.param != "" {
		e.ObjectID, _ = pathID(c, r.param)
	}
	e.Changes = requestChanges(c)
	audit.Note(c.Request.Context(), e)
}

// requestChanges reads the JSON body (restoring it for the handler) and
// the query as the entry's changes; other bodies (file uploads) are named
// by their type only.
func requestChanges(c *gin.Context) map[string]any {
	out := map[string]any{}
	for k, v := range c.Request.URL.Query() {
		out["query."+k] = strings.Join(v, ",")
	}
	if c.Request.Body == nil || c.Request.ContentLength == 0 {
		return out
	}
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		out["upload"] = ct
		return out
	}
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, auditedBody+1))
	rest := c.Request.Body
	c.Request.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	if err != nil || len(b) > auditedBody {
		out["body"] = "（内容过长，未记录）"
		return out
	}
	var body map[string]any
	if json.Unmarshal(b, &body) == nil {
		for k, v := range body {
			out[k] = v
		}
	}
	return out
}
