package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/auth"
	"gongjian/internal/resident"
)

type roleDTO struct {
	Role        string `json:"role"`
	CommunityID int64  `json:"community_id,omitempty"`
	OrgID       int64  `json:"org_id,omitempty"`
	// SubdistrictID: an admin limited to one subdistrict.
	SubdistrictID int64 `json:"subdistrict_id,omitempty"`
}

type userDTO struct {
	ID int64 `json:"id"`
	// OpenID is shown to the user and to admins (the admin command grants
	// roles by openid); lists of residents leave it out (toPersonDTO).
	OpenID      string `json:"openid,omitempty"`
	Nickname    string `json:"nickname"`
	AvatarURL   string `json:"avatar_url"`
	RealName    string `json:"real_name"`
	CommunityID int64  `json:"community_id,omitempty"`
	PhoneMasked string `json:"phone_masked,omitempty"`
	// Phone is the bound phone number, masked as phone_masked: the issue
	// says every answer shows the phone masked (138****1234).
	Phone     string    `json:"phone,omitempty"`
	Roles     []roleDTO `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
}

func toUserDTO(u resident.User) userDTO {
	d := userDTO{ID: u.ID, OpenID: u.OpenID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, RealName: u.RealName,
		CommunityID: u.CommunityID, PhoneMasked: u.PhoneMasked, Phone: u.PhoneMasked, CreatedAt: u.CreatedAt,
		Roles: []roleDTO{{Role: resident.RoleResident}}}
	for _, r := range u.Roles {
		d.Roles = append(d.Roles, roleDTO{Role: r.Role, CommunityID: r.CommunityID, OrgID: r.OrgID, SubdistrictID: r.SubdistrictID})
	}
	return d
}

// toPersonDTO is a resident as staff see them in a list: without the openid.
func toPersonDTO(u resident.User) userDTO {
	d := toUserDTO(u)
	d.OpenID = ""
	return d
}

type tokensDTO struct {
	Token        string  `json:"token"`
	RefreshToken string  `json:"refresh_token"`
	ExpiresIn    int     `json:"expires_in"`
	User         userDTO `json:"user"`
}

func toTokensDTO(t auth.Tokens) tokensDTO {
	return tokensDTO{Token: t.Token, RefreshToken: t.RefreshToken, ExpiresIn: t.ExpiresIn, User: toUserDTO(t.User)}
}

func (a *API) login(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	grantTokens(c, &req, &req.Code, a.d.Auth.Login)
}

func (a *API) refresh(c *gin.Context) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	grantTokens(c, &req, &req.RefreshToken, a.d.Auth.Refresh)
}

// grantTokens reads the body into body, then answers the tokens grant
// gives for the one credential it holds (a login code or a refresh token).
func grantTokens(c *gin.Context, body any, credential *string, grant func(context.Context, string) (auth.Tokens, error)) {
	if read(c, body) {
		t, err := grant(c.Request.Context(), *credential)
		respond(c, http.StatusOK, toTokensDTO(t), err)
	}
}

// logout ends the caller's mini-program login: POST /api/v1/auth/logout
// with the access token and, optionally, {"refresh_token"} of the login to
// end (without it every login of the caller ends). The refresh token then
// answers INVALID_REFRESH_TOKEN and the caller's access tokens
// TOKEN_REVOKED (auth.Service.Logout). A token already revoked still
// logs out, so a second logout answers 204 as the first (as console
// logout does).
func (a *API) logout(c *gin.Context) {
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		fail(c, errNoToken)
		return
	}
	ctx := c.Request.Context()
	uid, revoked, err := a.d.Auth.Identify(ctx, token)
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(ctxUserID, uid)
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !read(c, optional(&req)) {
		return
	}
	if err := a.d.Auth.Logout(ctx, uid, req.RefreshToken, !revoked); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
