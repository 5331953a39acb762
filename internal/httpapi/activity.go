package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"
)

func (a *API) mountActivity(v1, authed *gin.RouterGroup) {
	v1.GET("/activities", a.listActivities)
	v1.GET("/activities/:id", a.optionalAuth, a.getActivity)

	regLimit := a.registrationLimit()
	authed.POST("/registrations", regLimit, a.register)
	authed.GET("/registrations/:id", a.getRegistration)
	authed.POST("/registrations/:id/cancel", regLimit, a.cancelRegistration)
	authed.GET("/me/registrations", a.myRegistrations)
	authed.GET("/me/no-shows", a.myNoShows)

	staff := authed.Group("/admin", a.requireStaff)
	staff.GET("/organizations", a.listOrganizations)
	staff.POST("/organizations", a.createOrganization)
	staff.GET("/activities", a.adminActivities)
	staff.POST("/activities", a.createActivity)
	staff.GET("/activities/:id", a.adminActivity)
	staff.PATCH("/activities/:id", a.updateActivity)
	staff.POST("/activities/:id/publish", a.activityStep(a.d.Activities.Publish))
	staff.POST("/activities/:id/finish", a.activityStep(a.d.Activities.Finish))
	staff.POST("/activities/:id/cancel", a.cancelActivity)
	staff.POST("/activities/:id/sessions", a.addSession)
	staff.PATCH("/activities/:id/sessions/:session_id", a.updateSession)
	staff.GET("/activities/:id/registrations", a.activityRegistrations)
	staff.POST("/activities/:id/registrations", a.addRegistration)
	staff.GET("/activities/:id/registrations/export", a.exportRegistrations)
	staff.POST("/registrations/:id/remove", reasonAction(a, a.d.Activities.Remove, cancelledDTO))
	staff.POST("/registrations/:id/no-show", a.markNoShow)
	staff.POST("/quota/reconcile", a.requireAdmin, a.reconcile)
}

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
