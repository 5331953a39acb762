package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

// consoleRegistrations is the console's registrations page: the
// registrations of every activity in the caller's scope (narrowed by
// subdistrict_id / community_id), newest first, keyset-paged, filtered by
// activity, session, status, no-show, sign-up date and the attendee's name
// or phone digits.
func (a *API) consoleRegistrations(c *gin.Context) {
	var req page.Request
	var f activity.RegistrationFilter
	if !read(c, keysetParam(&req, 20), registrationFilter(&f), param(&f.ActivityID, queryID, "activity_id"),
		timeParam(&f.From, "from", false), timeParam(&f.To, "to", true), searchText(&f.Query)) {
		return
	}
	sc, ok := a.dashboardScope(c)
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
// fragment or phone digits, at most 30 characters.
func searchText(q *string) fromRequest {
	return func(c *gin.Context) error {
		*q = strings.TrimSpace(c.Query("q"))
		if len([]rune(*q)) > 30 {
			return errs.Invalid("BAD_QUERY", "搜索内容不超过 30 个字")
		}
		return nil
	}
}
