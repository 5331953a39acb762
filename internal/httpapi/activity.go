package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// bearerToken reads "Bearer <token>" from an Authorization header; the
// scheme is case-insensitive (RFC 9110: "bearer" and "BEARER" too).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// optionalAuth identifies the caller when a valid token is sent; anonymous otherwise.
func (a *API) optionalAuth(c *gin.Context) {
	if token, ok := bearerToken(c.GetHeader("Authorization")); ok {
		if uid, err := a.d.Auth.Verify(c.Request.Context(), token); err == nil {
			c.Set(ctxUserID, uid)
		}
	}
	c.Next()
}
