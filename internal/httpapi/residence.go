package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/residence"
)

// residenceAddressDTO is where a resident says they live: the body of an
// application, and the address an application shows.
type residenceAddressDTO struct {
	CommunityID int64  `json:"community_id"`
	Address     string `json:"address"`
	Building    string `json:"building"`
	Unit        string `json:"unit"`
}

type residenceDTO struct {
	ID       int64  `json:"id"`
	UserID   int64  `json:"user_id"`
	UserName string `json:"user_name,omitempty"`
	residenceAddressDTO
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toResidenceDTO(r residence.Application) residenceDTO {
	address := residenceAddressDTO{r.CommunityID, r.Address, r.Building, r.Unit}
	return residenceDTO{ID: r.ID, UserID: r.UserID, UserName: r.UserName, residenceAddressDTO: address, Status: r.Status,
		Reason: r.Reason, ReviewedAt: r.ReviewedAt, CreatedAt: r.CreatedAt}
}

func (a *API) myResidence(c *gin.Context) {
	confirmed, apps, err := a.d.Residence.Mine(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, err)
		return
	}
	var conf *residenceDTO
	if confirmed != nil {
		d := toResidenceDTO(*confirmed)
		conf = &d
	}
	c.JSON(http.StatusOK, gin.H{"confirmed": conf, "applications": dtos(apps, toResidenceDTO)})
}

func (a *API) applyResidence(c *gin.Context) {
	var req residenceAddressDTO
	if read(c, &req) {
		r, err := a.d.Residence.Apply(c.Request.Context(), userID(c), residence.Input(req))
		respond(c, http.StatusCreated, toResidenceDTO(r), err)
	}
}

func (a *API) listResidenceApplications(c *gin.Context) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	f := residence.Filter{Status: c.Query("status")}
	if err := communityParam(&f.CommunityID)(c); err != nil {
		fail(c, err)
		return
	}
	switch f.Status {
	case "", residence.StatusPending, residence.StatusApproved, residence.StatusRejected, residence.StatusSuperseded:
	default:
		fail(c, errs.Invalid("INVALID_STATUS", "状态只能是待审核、已通过、未通过或已更换").With("field", "status"))
		return
	}
	if v := c.Query("cursor"); v != "" { // the next_cursor of the previous page
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fail(c, errBadIDCursor)
			return
		}
		f.BeforeID = n
	} else if v := c.Query("before_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fail(c, errs.Invalid("INVALID_CURSOR", "翻页参数无效，请刷新后重试").With("field", "before_id"))
			return
		}
		f.BeforeID = n
	}
	// limit: the console asks for one row more than it shows, to know
	// whether a next page exists (the mini-program takes the default 50).
	limit, err := querySize(c, "limit", 50, 1, page.MaxLimit)
	if err != nil {
		fail(c, err)
		return
	}
	f.Limit = limit + 1 // one more: whether a next page follows (next_cursor)
	rs, err := a.d.Residence.List(c.Request.Context(), u, f)
	rs, next := trimIDs(rs, limit, func(r residence.Application) int64 { return r.ID })
	respond(c, http.StatusOK, gin.H{"items": dtos(rs, toResidenceDTO), "next_cursor": next}, err)
}

func decisionBody(d residence.Decision) gin.H {
	return gin.H{"application": toResidenceDTO(d.Application), "cancelled_registrations": d.Cancelled}
}
