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
// of object and the path parameter holding its id. creates: the route
// creates the object (its new id is filled in when its row is inserted);
// staffOnly: residents use the route too, and only the changes of users
// acting with a staff, admin or unit-contact role are recorded.
type auditedRoute struct {
	action, object, param string
	creates, staffOnly    bool
}

// auditedRoutes are the staff changes recorded by the route table (the
// request's JSON body, cleaned of personal data, is what changed). Every
// other change under /api/v1/admin/ and /api/v1/console/ is recorded too,
// under its route's name; "" marks routes whose handlers note themselves
// or that change nothing staff answer for.
var auditedRoutes = map[string]auditedRoute{
	"POST /api/v1/admin/activities":                                 {action: "activity.create", object: "activity", creates: true},
	"PATCH /api/v1/admin/activities/:id":                            {action: "activity.update", object: "activity", param: "id"},
	"POST /api/v1/admin/activities/:id/publish":                     {action: "activity.publish", object: "activity", param: "id"},
	"POST /api/v1/admin/activities/:id/finish":                      {action: "activity.finish", object: "activity", param: "id"},
	"POST /api/v1/admin/activities/:id/cancel":                      {action: "activity.cancel", object: "activity", param: "id"},
	"POST /api/v1/admin/activities/:id/sessions":                    {action: "session.create", object: "activity", param: "id"},
	"PATCH /api/v1/admin/activities/:id/sessions/:session_id":       {action: "session.update", object: "session", param: "session_id"},
	"DELETE /api/v1/admin/activities/:id/sessions/:session_id":      {action: "session.cancel", object: "session", param: "session_id"},
	"POST /api/v1/admin/activities/:id/sessions/:session_id/cancel": {action: "session.cancel", object: "session", param: "session_id"},
	"POST /api/v1/admin/sessions/:id/cancel":                        {action: "session.cancel", object: "session", param: "id"},
	"PATCH /api/v1/admin/sessions/:id":                              {action: "session.update", object: "session", param: "id"},
	"POST /api/v1/admin/activities/:id/registrations":               {action: "registration.add", object: "activity", param: "id"},
	"GET /api/v1/admin/activities/:id/registrations/export":         {action: "registration.export", object: "activity", param: "id"},
	"POST /api/v1/admin/activities/:id/messages":                    {action: "message.send", object: "activity", param: "id"},
	"POST /api/v1/admin/registrations/:id/remove":                   {action: "registration.remove", object: "registration", param: "id"},
	"POST /api/v1/admin/registrations/:id/no-show":                  {action: "registration.no_show", object: "registration", param: "id"},
	"POST /api/v1/admin/organizations":                              {action: "organization.create", object: "organization", creates: true},
	"POST /api/v1/admin/hours/claims/:id/approve":                   {action: "claim.approve", object: "claim", param: "id"},
	"POST /api/v1/admin/hours/claims/:id/reject":                    {action: "claim.reject", object: "claim", param: "id"},
	"POST /api/v1/admin/hours/corrections":                          {action: "hours.correct", object: "hours_entry"},
	"POST /api/v1/admin/hours/corrections/:id/approve":              {action: "correction.approve", object: "correction", param: "id"},
	"POST /api/v1/admin/hours/corrections/:id/reject":               {action: "correction.reject", object: "correction", param: "id"},
	"POST /api/v1/admin/presences/:id/approve":                      {action: "presence.approve", object: "presence", param: "id"},
	"POST /api/v1/admin/presences/:id/reject":                       {action: "presence.reject", object: "presence", param: "id"},
	"POST /api/v1/admin/activities/:id/checkers":                    {action: "checker.appoint", object: "activity", param: "id"},
	"DELETE /api/v1/admin/activities/:id/checkers":                  {action: "checker.remove", object: "activity", param: "id"},
	"DELETE /api/v1/admin/activities/:id/checkers/:user_id":         {action: "checker.remove", object: "activity", param: "id"},
	"POST /api/v1/admin/sessions/:id/volunteers":                    {action: "volunteer.add", object: "session", param: "id"},
	"DELETE /api/v1/admin/sessions/:id/volunteers/:user_id":         {action: "volunteer.remove", object: "session", param: "id"},
	"POST /api/v1/admin/wristbands":                                 {action: "wristband.import", object: "wristband"},
	"POST /api/v1/admin/wristbands/import":                          {action: "wristband.import", object: "wristband"},
	"POST /api/v1/admin/wristbands/bind":                            {action: "wristband.bind", object: "wristband", creates: true}, // the bound device (its binding's insert names it)
	"POST /api/v1/admin/wristbands/:id/unbind":                      {action: "wristband.unbind", object: "wristband", param: "id"},
	"POST /api/v1/admin/wristbands/:id/transfer":                    {action: "wristband.transfer", object: "wristband", param: "id"},
	"POST /api/v1/admin/wristbands/:id/bind-code":                   {action: "wristband.bind_code", object: "wristband", param: "id"},
	"PUT /api/v1/admin/wristbands/:id/thresholds":                   {action: "wristband.thresholds", object: "wristband", param: "id"},
	"POST /api/v1/admin/wristbands/:id/consent/revoke":              {action: "wristband.consent_revoke", object: "wristband", param: "id"},
	"POST /api/v1/admin/wristbands/alarms/:id/ack":                  {action: "alarm.ack", object: "alarm", param: "id"},
	"POST /api/v1/admin/wristbands/alarms/:id/resolve":              {action: "alarm.resolve", object: "alarm", param: "id"},
	"POST /api/v1/admin/quota/reconcile":                            {action: "quota.reconcile"},
	// Co-building (issue 15).
	"POST /api/v1/admin/units":                      {action: "unit.create", object: "unit", creates: true},
	"POST /api/v1/admin/units/import":               {action: "unit.import", object: "unit"},
	"PATCH /api/v1/admin/units/:id":                 {action: "unit.update", object: "unit", param: "id"},
	"POST /api/v1/needs":                            {action: "need.publish", object: "need", creates: true, staffOnly: true},
	"POST /api/v1/needs/:id/claims":                 {action: "need.claim", object: "cobuild_claim", creates: true, staffOnly: true},
	"POST /api/v1/claims/:id/withdraw":              {action: "claim.withdraw", object: "cobuild_claim", param: "id", staffOnly: true},
	"POST /api/v1/projects/:id/progress":            {action: "project.progress", object: "project", param: "id", staffOnly: true},
	"POST /api/v1/projects/:id/evaluation":          {action: "project.evaluate", object: "project", param: "id", staffOnly: true},
	"POST /api/v1/resources":                        {action: "resource.publish", object: "resource", creates: true, staffOnly: true},
	"POST /api/v1/resources/:id/claims":             {action: "resource.claim", object: "cobuild_claim", creates: true, staffOnly: true},
	"POST /api/v1/admin/wishes/:id/review":          {action: "wish.review", object: "wish", param: "id"},
	"POST /api/v1/admin/proposals/:id/review":       {action: "proposal.review", object: "proposal", param: "id"},
	"POST /api/v1/admin/report-ins/:user_id/review": {action: "report_in.review", object: "user", param: "user_id"},
	// Confirmed residence (issue 13 point 5).
	"POST /api/v1/admin/residence/applications/:id/approve": {action: "residence.approve", object: "residence_application", param: "id"},
	"POST /api/v1/admin/residence/applications/:id/reject":  {action: "residence.reject", object: "residence_application", param: "id"},
	"POST /api/v1/admin/residence/applications/:id/recheck": {action: "residence.recheck", object: "residence_application", param: "id"},
	// Rooms and teams (issue 16).
	"POST /api/v1/admin/rooms":                            {action: "room.create", object: "room", creates: true},
	"PATCH /api/v1/admin/rooms/:id":                       {action: "room.update", object: "room", param: "id"},
	"POST /api/v1/admin/rooms/:id/closures":               {action: "room.close", object: "room", param: "id"},
	"DELETE /api/v1/admin/rooms/:id/closures/:closure_id": {action: "room.reopen", object: "closure", param: "closure_id"},
	"POST /api/v1/admin/bookings/:id/approve":             {action: "booking.approve", object: "booking", param: "id"},
	"POST /api/v1/admin/bookings/:id/reject":              {action: "booking.reject", object: "booking", param: "id"},
	"POST /api/v1/admin/bookings/checkins":                {action: "booking.checkin", object: "booking"},
	"POST /api/v1/rooms/:id/bookings":                     {action: "booking.create", object: "booking", creates: true, staffOnly: true},
	"POST /api/v1/rooms/:id/series":                       {action: "booking.series", object: "room", param: "id", staffOnly: true},
	"POST /api/v1/bookings/:id/cancel":                    {action: "booking.cancel", object: "booking", param: "id", staffOnly: true},
	"POST /api/v1/teams":                                  {action: "team.create", object: "team", creates: true},
	"POST /api/v1/teams/:id/members":                      {action: "team.invite", object: "team", param: "id", staffOnly: true},
	"POST /api/v1/teams/:id/members/:user_id/approve":     {action: "team.member_approve", object: "team", param: "id", staffOnly: true},
	"POST /api/v1/teams/:id/members/:user_id/reject":      {action: "team.member_reject", object: "team", param: "id", staffOnly: true},
	"DELETE /api/v1/teams/:id/members/:user_id":           {action: "team.member_remove", object: "team", param: "id", staffOnly: true},
	"POST /api/v1/teams/:id/leader":                       {action: "team.leader_change", object: "team", param: "id", staffOnly: true},
	"POST /api/v1/admin/communities":                      {}, // admin.go notes it
	"POST /api/v1/admin/users/:id/roles":                  {},
	"DELETE /api/v1/admin/users/:id/roles":                {},
	"POST /api/v1/console/subdistricts":                   {}, // console_org.go
	"PATCH /api/v1/console/subdistricts/:id":              {},
	"PATCH /api/v1/console/communities/:id":               {},
	"POST /api/v1/console/logout":                         {},
	"POST /api/v1/auth/logout":                            {}, // never noted: its body holds a refresh token
	"POST /api/v1/console/qr/:ticket/scan":                {},
	"POST /api/v1/console/qr/:ticket/confirm":             {},
	"POST /api/v1/console/qr/:ticket/refuse":              {},
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
	e := audit.Entry{Action: r.action, ObjectType: r.object, Creates: r.creates, StaffOnly: r.staffOnly}
	if r.param != "" {
		e.ObjectID, _ = pathID(c, r.param)
	}
	e.Changes = requestChanges(c)
	// The entry belongs to the community the change names (else the actor's).
	if v, ok := e.Changes["community_id"].(float64); ok && v > 0 && v == float64(int64(v)) {
		e.CommunityID = int64(v)
	}
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
	if !jsonContentType(c) && !genericContentType(c) {
		out["upload"] = c.ContentType()
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
