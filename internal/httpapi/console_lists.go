package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// The console's list pages: keyset-paged, narrowed to the caller's scope
// (subdistrict_id / community_id) and searched by a name or phone digits.

// consolePeople is the console's people page: the residents of the
// communities in the caller's scope (narrowed by subdistrict_id /
// community_id), newest account first, keyset-paged, searched by name or
// phone digits; with their roles and masked phones.
func (a *API) consolePeople(c *gin.Context) {
	var req page.Request
	var q, name, phone, role string
	// ?q=, ?name= and ?phone= each narrow the list (the console's search,
	// 姓名 and 手机号 boxes): given together, none is ignored.
	sc, ok := a.dashboardScope(c, keysetParam(&req, 20), searchParam(&q, "q"), searchParam(&name, "name"), searchParam(&phone, "phone"),
		peopleRole(&role))
	if !ok {
		return
	}
	if !sc.All && len(sc.CommunityIDs) == 0 && len(sc.OrgIDs) == 0 {
		fail(c, errs.Forbidden("FORBIDDEN", "没有权限查看居民"))
		return
	}
	f := resident.PeopleFilter{All: sc.All, CommunityIDs: sc.CommunityIDs, Query: q, Name: name, Phone: phone, Role: role}
	us, next, err := a.d.Residents.People(c.Request.Context(), f, req)
	respond(c, http.StatusOK, cursorPage(dtos(us, toPersonDTO), next, req.Limit), err)
}

// peopleRole reads ?role= (issue 17: "people (..., roles)"): only the
// holders of a role; resident (everyone's) or none lists everyone.
func peopleRole(role *string) fromRequest {
	return func(c *gin.Context) error {
		*role = c.Query("role")
		if *role != "" && *role != resident.RoleResident && !resident.IsGrantable(*role) {
			return errBadQuery.With("param", "role")
		}
		return nil
	}
}

var errPersonNotFound = errs.NotFound("USER_NOT_FOUND", "用户不存在")

// consolePersonRecord is a person's service record at the desk (issue 17
// point 5, hours: "a person's service record"), paged as the person's own
// (GET /me/hours/record): for those whose people page lists the person
// (district: everyone; otherwise the person's community in scope); anyone
// else is told there is no such person.
func (a *API) consolePersonRecord(c *gin.Context) {
	var req page.Request
	var id int64
	sc, ok := a.dashboardScope(c, pathParam(&id, "id"), keysetParam(&req, 100))
	if !ok {
		return
	}
	if !sc.All && len(sc.CommunityIDs) == 0 && len(sc.OrgIDs) == 0 {
		fail(c, errs.Forbidden("FORBIDDEN", "没有权限查看居民"))
		return
	}
	p, err := a.d.Residents.Me(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !sc.All && (p.CommunityID == 0 || !slices.Contains(sc.CommunityIDs, p.CommunityID)) {
		fail(c, errPersonNotFound)
		return
	}
	a.recordLines(c, id, req)
}

// consoleRegistrations is the console's registrations page: the
// registrations of every activity in the caller's scope (narrowed by
// subdistrict_id / community_id), newest first, keyset-paged, filtered by
// activity, session, status, no-show, sign-up date and the attendee's name
// or phone digits.
func (a *API) consoleRegistrations(c *gin.Context) {
	var req page.Request
	var f activity.RegistrationFilter
	sc, ok := a.dashboardScope(c, keysetParam(&req, 20), registrationFilter(&f), param(&f.ActivityID, queryID, "activity_id"),
		timeParam(&f.From, "from", false), timeParam(&f.To, "to", true), searchText(&f.Query))
	if !ok {
		return
	}
	f.ScopeAll, f.ScopeCommunities, f.ScopeOrgs = sc.All, sc.CommunityIDs, sc.OrgIDs
	if u, ok := a.me(c); ok {
		rs, next, err := a.d.Activities.ScopedRegistrations(c.Request.Context(), u, f, req)
		respond(c, http.StatusOK, cursorPage(dtos(rs, toStaffRegistrationDTO), next, req.Limit), err)
	}
}

// searchText reads the console lists' search box into *q: ?q=, a name
// fragment or phone digits, at most 30 characters. Issue 17 searches
// residents "by masked phone or name": ?name= and ?phone= are other
// spellings of it.
func searchText(q *string) fromRequest {
	return func(c *gin.Context) error {
		return searchLimit(q, queryAs(c, "q", "name", "phone"))
	}
}

// searchParam reads one search text, the query parameter name, into *q
// (at most 30 characters, as searchText).
func searchParam(q *string, name string) fromRequest {
	return func(c *gin.Context) error { return searchLimit(q, c.Query(name)) }
}

func searchLimit(q *string, text string) error {
	*q = strings.TrimSpace(text)
	if len([]rune(*q)) > 30 {
		return errs.Invalid("BAD_QUERY", "搜索内容不超过 30 个字")
	}
	return nil
}
