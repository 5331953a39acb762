package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// consolePeople is the console's people page: the residents of the
// communities in the caller's scope (narrowed by subdistrict_id /
// community_id), newest account first, keyset-paged, searched by name or
// phone digits; with their roles and masked phones.
func (a *API) consolePeople(c *gin.Context) {
	var req page.Request
	var q string
	if !read(c, keysetParam(&req, 20), searchText(&q)) {
		return
	}
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	if !sc.All && len(sc.CommunityIDs) == 0 && len(sc.OrgIDs) == 0 {
		fail(c, errs.Forbidden("FORBIDDEN", "没有权限查看居民"))
		return
	}
	us, next, err := a.d.Residents.People(c.Request.Context(), resident.PeopleFilter{All: sc.All, CommunityIDs: sc.CommunityIDs, Query: q}, req)
	respond(c, http.StatusOK, cursorPage(dtos(us, toUserDTO), next, req.Limit), err)
}
