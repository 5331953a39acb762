package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/consoleauth"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// DevLogin finds the user of the development login code "dev:<name>"
// (development mode only; nil in production).
type DevLogin func(ctx context.Context, name string) (resident.User, error)

const ctxConsole = "gj.console"

// cookieSession authenticates a request by the console's session cookie:
// every change must carry the session's CSRF token.
func (a *API) cookieSession(c *gin.Context, token string) {
	sess, u, err := a.d.ConsoleAuth.Authenticate(c.Request.Context(), token)
	if err != nil {
		if errs.KindOf(err) == errs.KindUnauthorized {
			a.clearCookie(c, consoleauth.SessionCookie, "/")
		}
		fail(c, err)
		return
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if err := consoleauth.CheckCSRF(sess, c.GetHeader(consoleauth.CSRFHeader)); err != nil {
			fail(c, err)
			return
		}
	}
	c.Set(ctxUserID, u.ID)
	c.Set(ctxUser, u)
	a.actor(c, u)
	c.Set(ctxConsole, sess)
	c.Next()
}

func secure(c *gin.Context) bool {
	return c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"
}

func (a *API) setCookie(c *gin.Context, name, value, path string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: secure(c), SameSite: http.SameSiteStrictMode})
}

func (a *API) clearCookie(c *gin.Context, name, path string) { a.setCookie(c, name, "", path, -1) }

const qrCookiePath = "/api/v1/console/login"

type consoleSessionDTO struct {
	User          userDTO   `json:"user"`
	CSRFToken     string    `json:"csrf_token"`
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	Scope         scopeDTO  `json:"scope"`
	Permissions   []string  `json:"permissions"`
}

type loginOpts struct {
	QR  bool `json:"qr"`
	Dev bool `json:"dev"`
}

func (a *API) sessionDTO(sess consoleauth.Session, u resident.User) consoleSessionDTO {
	idle, abs := a.d.ConsoleAuth.Ends(sess)
	if abs.Before(idle) {
		idle = abs
	}
	sc := u.ConsoleScope()
	return consoleSessionDTO{User: toUserDTO(u), CSRFToken: sess.CSRF, IdleExpiresAt: idle, ExpiresAt: abs,
		Scope: toScopeDTO(sc), Permissions: sc.Permissions()}
}

// opened hands a new session to the browser: the cookie (a browser-session
// cookie: the server alone decides when the session ends, and tells the
// browser SESSION_EXPIRED) and the session JSON.
func (a *API) opened(c *gin.Context, o consoleauth.Opened) consoleSessionDTO {
	a.setCookie(c, consoleauth.SessionCookie, o.Token, "/", 0)
	return a.sessionDTO(o.Session, o.User)
}

func (a *API) consoleLoginOptions(c *gin.Context) {
	c.JSON(http.StatusOK, loginOpts{QR: true, Dev: a.d.ConsoleDevLogin != nil})
}

func (a *API) startConsoleQR(c *gin.Context) {
	st, err := a.d.ConsoleAuth.StartQR(c.Request.Context(), c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		fail(c, err)
		return
	}
	ttl := int(time.Until(st.ExpiresAt)/time.Second) + 600
	a.setCookie(c, consoleauth.QRCookie, st.Binding, qrCookiePath, ttl)
	c.JSON(http.StatusCreated, gin.H{
		"ticket": st.Ticket, "expires_at": st.ExpiresAt, "poll_interval_ms": 1000,
		"image": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(st.Image),
	})
}

func (a *API) pollConsoleQR(c *gin.Context) {
	binding, _ := c.Cookie(consoleauth.QRCookie)
	p, err := a.d.ConsoleAuth.PollQR(c.Request.Context(), binding, c.ClientIP())
	if err != nil {
		fail(c, err)
		return
	}
	out := gin.H{"status": p.Status}
	if p.Nickname != "" {
		out["nickname"] = p.Nickname
	}
	if p.Opened != nil {
		a.clearCookie(c, consoleauth.QRCookie, qrCookiePath)
		out["session"] = a.opened(c, *p.Opened)
	}
	c.JSON(http.StatusOK, out)
}

func (a *API) consoleDevLogin(c *gin.Context) {
	if a.d.ConsoleDevLogin == nil {
		fail(c, errs.NotFound("ROUTE_NOT_FOUND", "接口不存在"))
		return
	}
	var req struct {
		Name string `json:"name"`
		// Code: the name as the mini-program's login sends it,
		// {"code": "dev:<name>"} (issue 17: "a `dev:<name>` login").
		Code string `json:"code"`
	}
	if !read(c, &req) {
		return
	}
	if req.Name == "" {
		req.Name = req.Code
	}
	// The name may be given as the mini-program's login code, "dev:<name>".
	req.Name = strings.TrimPrefix(req.Name, "dev:")
	if req.Name == "" || len(req.Name) > 32 {
		fail(c, errs.Invalid("INVALID_NAME", "请输入开发账号名"))
		return
	}
	u, err := a.d.ConsoleDevLogin(c.Request.Context(), req.Name)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := a.d.ConsoleAuth.Open(c.Request.Context(), u, c.ClientIP())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.opened(c, o))
}

func (a *API) consoleSession(c *gin.Context) {
	sess, ok := c.Get(ctxConsole)
	if !ok {
		fail(c, errs.Unauthorized("UNAUTHENTICATED", "请先登录工作台"))
		return
	}
	if u, ok := a.me(c); ok {
		c.JSON(http.StatusOK, a.sessionDTO(sess.(consoleauth.Session), u))
	}
}

func (a *API) consoleLogout(c *gin.Context) {
	tok, _ := c.Cookie(consoleauth.SessionCookie)
	if _, ok := c.Get(ctxConsole); !ok {
		tok = "" // a bearer token has no console session to end
	}
	if err := a.d.ConsoleAuth.Close(c.Request.Context(), tok); err != nil {
		fail(c, err)
		return
	}
	a.clearCookie(c, consoleauth.SessionCookie, "/")
	c.Status(http.StatusNoContent)
}

func (a *API) scanConsoleQR(c *gin.Context) {
	if u, ok := a.me(c); ok {
		q, err := a.d.ConsoleAuth.ScanQR(c.Request.Context(), u, c.Param("ticket"))
		respond(c, http.StatusOK, gin.H{"expires_at": q.ExpiresAt, "browser": q.Browser, "ip": q.IP, "requested_at": q.CreatedAt}, err)
	}
}

// decideConsoleQR confirms or refuses (decide) the login of the path's QR
// ticket.
func (a *API) decideConsoleQR(decide func(context.Context, resident.User, string) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if u, ok := a.me(c); ok {
			respond(c, http.StatusOK, gin.H{"ok": true}, decide(c.Request.Context(), u, c.Param("ticket")))
		}
	}
}

type scopeDTO struct {
	Level          string  `json:"level"`
	SubdistrictIDs []int64 `json:"subdistrict_ids"`
	CommunityIDs   []int64 `json:"community_ids"`
	OrgIDs         []int64 `json:"org_ids"`
	UnitIDs        []int64 `json:"unit_ids"`
}

func toScopeDTO(s resident.Scope) scopeDTO {
	return scopeDTO{Level: s.Level, SubdistrictIDs: nonNil(s.SubdistrictIDs), CommunityIDs: nonNil(s.CommunityIDs),
		OrgIDs: nonNil(s.OrgIDs), UnitIDs: nonNil(s.UnitIDs)}
}
