package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongjian/internal/audit"
	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

type communityDTO struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Address       string `json:"address,omitempty"`
	SubdistrictID int64  `json:"subdistrict_id,omitempty"`
	// SubdistrictName is served by the console's communities list.
	SubdistrictName string `json:"subdistrict_name,omitempty"`
	// SupportThreshold is the supports that put one of the community's
	// 议事厅 proposals on the joint meeting's agenda (its own, or the
	// configured default when SupportThresholdDefault).
	SupportThreshold        int  `json:"support_threshold"`
	SupportThresholdDefault bool `json:"support_threshold_is_default"`
}

func (a *API) toCommunityDTO(x resident.Community) communityDTO {
	d := communityDTO{ID: x.ID, Name: x.Name, Address: x.Address, SubdistrictID: x.SubdistrictID, SubdistrictName: x.SubdistrictName,
		SupportThreshold: x.SupportThreshold}
	if d.SupportThreshold == 0 {
		d.SupportThreshold, d.SupportThresholdDefault = a.defaultSupportThreshold(), true
	}
	return d
}

// defaultSupportThreshold is the configured support threshold of
// communities without their own.
func (a *API) defaultSupportThreshold() int {
	if a.d.Cobuild == nil {
		return cobuild.DefaultSupportThreshold
	}
	return a.d.Cobuild.SupportThreshold()
}

func (a *API) createCommunity(c *gin.Context) {
	var req struct {
		Name          string `json:"name"`
		Address       string `json:"address"`
		SubdistrictID int64  `json:"subdistrict_id"`
		// The community's own 议事厅 support threshold (alias
		// proposal_threshold), as the community edit takes it.
		SupportThreshold  json.RawMessage `json:"support_threshold"`
		ProposalThreshold json.RawMessage `json:"proposal_threshold"`
	}
	if u, ok := a.meWith(c, &req); ok {
		raw := req.SupportThreshold
		if raw == nil {
			raw = req.ProposalThreshold
		}
		threshold := 0 // not given, or null: the default
		if t := supportThresholdOf(raw); t != nil {
			threshold = *t
		}
		ch := map[string]any{"name": req.Name, "address": req.Address, "subdistrict_id": req.SubdistrictID}
		if threshold != 0 {
			ch["support_threshold"] = threshold
		}
		a.note(c, u, audit.Entry{Action: "community.create", ObjectType: "community", Creates: true, Changes: ch})
		x, err := a.d.Residents.AddCommunityIn(c.Request.Context(), resident.Community{Name: req.Name, Address: req.Address,
			SubdistrictID: req.SubdistrictID, SupportThreshold: threshold})
		respond(c, http.StatusCreated, a.toCommunityDTO(x), err)
	}
}

type roleReq struct {
	Role        string `json:"role"`
	CommunityID int64  `json:"community_id"`
	OrgID       int64  `json:"org_id"`
	Scope       string `json:"scope"`
	// SubdistrictID limits an admin role to one subdistrict.
	SubdistrictID int64 `json:"subdistrict_id"`
	// Community is community_id as `server admin grant --community ID`
	// spells it (issue 2).
	Community int64 `json:"community"`
}

// merged is the request with its other spellings folded in.
func (r roleReq) merged() roleReq {
	if r.CommunityID == 0 {
		r.CommunityID = r.Community
	}
	r.Community = 0
	return r
}

func (r roleReq) change() resident.RoleChange {
	return resident.RoleChange{Role: r.Role, CommunityID: r.CommunityID, OrgID: r.OrgID, Scope: r.Scope, SubdistrictID: r.SubdistrictID}
}

func (r roleReq) changes() map[string]any {
	return map[string]any{"role": r.Role, "community_id": r.CommunityID, "org_id": r.OrgID, "scope": r.Scope, "subdistrict_id": r.SubdistrictID}
}

var (
	errUnknownUnit         = errs.Invalid("UNKNOWN_UNIT", "所选共建单位不存在")
	errUnknownOrganization = errs.Invalid("UNKNOWN_ORGANIZATION", "所选组织不存在")
)

func (a *API) grantRole(c *gin.Context) {
	var req roleReq
	if me, id, ok := a.meAndWith(c, "id", &req); ok {
		req = req.merged()
		if req.OrgID != 0 {
			// A unit contact's organisation must be a co-building unit; any
			// other role's an organisation that exists.
			var err error
			if req.Role == resident.RoleUnitContact {
				_, err = a.d.Cobuild.Unit(c.Request.Context(), req.OrgID)
				err = errs.NotFoundAs(err, errUnknownUnit)
			} else {
				_, err = a.d.Activities.Organization(c.Request.Context(), req.OrgID)
				err = errs.NotFoundAs(err, errUnknownOrganization)
			}
			if err != nil {
				fail(c, err)
				return
			}
		}
		a.note(c, me, audit.Entry{Action: "role.grant", ObjectType: "user", ObjectID: id, CommunityID: req.CommunityID, Changes: req.changes()})
		u, err := a.d.Residents.GrantRole(c.Request.Context(), me.ID, id, req.change())
		respond(c, http.StatusOK, toUserDTO(u), err)
	}
}

// roleFromQuery fills what the body left out of a role change from the
// query (?role=staff&community_id=3): many clients send no body with DELETE.
func roleFromQuery(r *roleReq) fromRequest {
	return func(c *gin.Context) error {
		*r = r.merged()
		if r.Role == "" {
			r.Role = c.Query("role")
		}
		if r.Scope == "" {
			r.Scope = c.Query("scope")
		}
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"community_id", &r.CommunityID}, {"community", &r.CommunityID}, {"org_id", &r.OrgID}, {"subdistrict_id", &r.SubdistrictID}} {
			if *f.dst == 0 {
				v, err := queryID(c, f.name)
				if err != nil {
					return err
				}
				*f.dst = v
			}
		}
		return nil
	}
}

func (a *API) revokeRole(c *gin.Context) {
	var req roleReq
	if me, id, ok := a.meAndWith(c, "id", optional(&req), roleFromQuery(&req)); ok {
		a.note(c, me, audit.Entry{Action: "role.revoke", ObjectType: "user", ObjectID: id, CommunityID: req.CommunityID, Changes: req.changes()})
		u, err := a.d.Residents.RevokeRole(c.Request.Context(), id, req.change())
		if err == nil && resident.OpensStaffDoors(req.Role) {
			// Whatever a revoked staff role let the user's sessions hold
			// (a checker's offline kit, a page opened) ends with its access
			// tokens on every process; the user's next refresh carries on
			// with what remains. A volunteer or party member simply lacks
			// the role from the next request on.
			err = a.d.Auth.Revoke(c.Request.Context(), id)
		}
		respond(c, http.StatusOK, toUserDTO(u), err)
	}
}
