package httpapi

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/audit"
	"gongjian/internal/resident"
)

// auditRecorder gives every request a recorder of the staff changes it
// makes. Notes are written by the stores' transactions with their change;
// a note still pending when a request succeeded (a change that is no
// database row, or a store path without the helper) is written in a
// transaction of its own and logged, so nothing staff did goes unrecorded.
func (a *API) auditRecorder(c *gin.Context) {
	ctx := audit.WithRecorder(c.Request.Context(), c.ClientIP(), requestID(c))
	c.Request = c.Request.WithContext(ctx)
	a.noteRoute(c)
	c.Next()
	left := audit.Pending(ctx, time.Now())
	if len(left) == 0 {
		return
	}
	if c.Writer.Status() >= 400 || a.d.Audit == nil {
		audit.Discard(ctx)
		return
	}
	logger(c).Warn("audit notes written after their change", slog.String("action", left[0].Action), slog.Int("count", len(left)))
	if err := a.d.Audit.Record(ctx); err != nil {
		logger(c).Error("audit notes lost", slog.String("action", left[0].Action), slog.String("err", err.Error()))
	}
}

// actorRole names the role u acts in.
func actorRole(u resident.User) string {
	sc := u.ConsoleScope()
	switch sc.Level {
	case resident.LevelDistrict:
		if sc.Admin {
			return "admin"
		}
		return "staff"
	case resident.LevelSubdistrict:
		return "subdistrict_admin"
	case resident.LevelCommunity:
		return "staff"
	case resident.LevelOrg:
		return "org_staff"
	case resident.LevelUnit:
		return "unit_contact"
	}
	return "resident"
}

// actor names u as who makes the request's changes.
func (a *API) actor(c *gin.Context, u resident.User) {
	var comm int64
	if sc := u.ConsoleScope(); len(sc.CommunityIDs) > 0 {
		comm = sc.CommunityIDs[0]
	}
	audit.SetActor(c.Request.Context(), u.ID, u.DisplayName(), actorRole(u), comm)
}

// note records a change u is about to make; the change's transaction
// writes it.
func (a *API) note(c *gin.Context, u resident.User, e audit.Entry) {
	a.actor(c, u)
	audit.Note(c.Request.Context(), e)
}
