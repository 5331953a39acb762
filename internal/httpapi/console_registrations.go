package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
)

func (a *API) mountConsoleRegistrations(con *gin.RouterGroup) {
	con.GET("/registrations", a.consoleRegistrations)
}

// consoleRegistrations is the console's registrations page: the
// registrations of every activity in the caller's scope (narrowed by
// subdistrict_id / community_id), newest first, keyset-paged, filtered by
// activity, session, status, no-show, sign-up date and the attendee's name
// or phone digits.
func (a *API) consoleRegistrations(c *gin.Context) {
	req, err := keyset(c, 20)
	if err != nil {
		fail(c, err)
		return
	}
	f, err := registrationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	if f.ActivityID, err = queryID(c, "activity_id"); err != nil {
		fail(c, err)
		return
	}
	if f.From, err = queryTime(c, "from", false); err != nil {
		fail(c, err)
		return
	}
	if f.To, err = queryTime(c, "to", true); err != nil {
		fail(c, err)
		return
	}
	if f.Query, err = searchText(c); err != nil {
		fail(c, err)
		return
	}
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	f.ScopeAll, f.ScopeCommunities, f.ScopeOrgs = sc.All, sc.CommunityIDs, sc.OrgIDs
	u, ok := a.me(c)
	if !ok {
		return
	}
	rs, next, err := a.d.Activities.ScopedRegistrations(c.Request.Context(), u, f, req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cursorPage(dtos(rs, toStaffRegistrationDTO), next, req.Limit))
}

// searchText reads the console lists' search box: q, a name fragment or
// phone digits, at most 30 characters.
func searchText(c *gin.Context) (string, error) {
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 30 {
		return "", errs.Invalid("BAD_QUERY", "搜索内容不超过 30 个字")
	}
	return q, nil
}
