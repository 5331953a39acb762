package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/audit"
	"gongjian/internal/resident"
)

type subdistrictDTO struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	CommunityCount int       `json:"community_count"`
	CreatedAt      time.Time `json:"created_at"`
}

func toSubdistrictDTO(d resident.Subdistrict) subdistrictDTO {
	return subdistrictDTO{ID: d.ID, Name: d.Name, CommunityCount: d.CommunityCount, CreatedAt: d.CreatedAt}
}

type subdistrictReq struct {
	Name string `json:"name"`
}

func (a *API) createSubdistrict(c *gin.Context) {
	var req subdistrictReq
	if u, ok := a.meWith(c, &req); ok {
		a.note(c, u, audit.Entry{Action: "subdistrict.create", ObjectType: "subdistrict", Creates: true, Changes: map[string]any{"name": req.Name}})
		d, err := a.d.Residents.AddSubdistrict(c.Request.Context(), u, req.Name)
		respond(c, http.StatusCreated, toSubdistrictDTO(d), err)
	}
}

func (a *API) patchSubdistrict(c *gin.Context) {
	var req subdistrictReq
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		a.note(c, u, audit.Entry{Action: "subdistrict.update", ObjectType: "subdistrict", ObjectID: id, Changes: map[string]any{"name": req.Name}})
		d, err := a.d.Residents.RenameSubdistrict(c.Request.Context(), u, id, req.Name)
		respond(c, http.StatusOK, toSubdistrictDTO(d), err)
	}
}

func (a *API) listScopedCommunities(c *gin.Context) {
	var sub int64
	if u, ok := a.meWith(c, scopeIDParam(&sub, "subdistrict_id")); ok {
		cs, err := a.d.Residents.ScopedCommunities(c.Request.Context(), u, sub)
		respondItems(c, cs, toCommunityDTO, err)
	}
}

// changed adds *v to an audit entry's changes under key when the request
// gave v.
func changed[T any](ch map[string]any, key string, v *T) {
	if v != nil {
		ch[key] = *v
	}
}

func (a *API) patchCommunity(c *gin.Context) {
	var req struct {
		Name          *string `json:"name"`
		Address       *string `json:"address"`
		SubdistrictID *int64  `json:"subdistrict_id"`
	}
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	ch := map[string]any{}
	changed(ch, "name", req.Name)
	changed(ch, "address", req.Address)
	changed(ch, "subdistrict_id", req.SubdistrictID)
	a.note(c, u, audit.Entry{Action: "community.update", ObjectType: "community", ObjectID: id, CommunityID: id, Changes: ch})
	x, err := a.d.Residents.UpdateCommunity(c.Request.Context(), u, id, resident.CommunityPatch{Name: req.Name, Address: req.Address, SubdistrictID: req.SubdistrictID})
	respond(c, http.StatusOK, toCommunityDTO(x), err)
}
