package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
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
		respondItems(c, cs, a.toCommunityDTO, err)
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
		// SupportThreshold (alias proposal_threshold): the community's
		// 议事厅 support threshold, 1..10000; null puts it back on the
		// configured default.
		SupportThreshold  json.RawMessage `json:"support_threshold"`
		ProposalThreshold json.RawMessage `json:"proposal_threshold"`
	}
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	raw := req.SupportThreshold
	if raw == nil {
		raw = req.ProposalThreshold
	}
	threshold := supportThresholdOf(raw)
	ch := map[string]any{}
	changed(ch, "name", req.Name)
	changed(ch, "address", req.Address)
	changed(ch, "subdistrict_id", req.SubdistrictID)
	if threshold != nil {
		ch["support_threshold"] = any(*threshold)
		if *threshold == 0 {
			ch["support_threshold"] = nil // back to the default
		}
	}
	a.note(c, u, audit.Entry{Action: "community.update", ObjectType: "community", ObjectID: id, CommunityID: id, Changes: ch})
	ctx := c.Request.Context()
	x, err := a.d.Residents.UpdateCommunity(ctx, u, id, resident.CommunityPatch{Name: req.Name, Address: req.Address, SubdistrictID: req.SubdistrictID,
		SupportThreshold: threshold})
	if err == nil && threshold != nil && a.d.Cobuild != nil {
		// A lowered threshold puts the proposals that already have it on
		// the agenda now, as a support reaching it would.
		_, err = a.d.Cobuild.ApplySupportThreshold(ctx, id)
	}
	respond(c, http.StatusOK, a.toCommunityDTO(x), err)
}

// supportThresholdOf reads a requested support threshold: nil when not
// given, 0 for null (back to the default), else the integer given (a
// number, or a string holding one, as forms send it); -1 for anything
// else or outside 1..10000, which the service refuses (400
// INVALID_SUPPORT_THRESHOLD) once it has checked who asks.
func supportThresholdOf(raw json.RawMessage) *int {
	if raw == nil {
		return nil
	}
	n := -1
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		n = 0
	} else {
		if uq, err := strconv.Unquote(s); err == nil {
			s = strings.TrimSpace(uq)
		}
		if v, err := strconv.Atoi(s); err == nil && v >= 1 && v <= resident.MaxSupportThreshold {
			n = v
		}
	}
	return &n
}
