package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/checkin"
)

// mountPresenceReview adds the staff review queue of volunteers' presences
// held for review (closed by the system, or checked out away from the
// place): they credit no hours until approved.
func (a *API) mountPresenceReview(r *gin.RouterGroup) {
	staff := r.Group("/admin", a.requireStaff)
	staff.GET("/presences", a.listPresenceReviews)
	staff.POST("/presences/:id/approve", a.reviewPresence(true))
	staff.POST("/presences/:id/reject", a.reviewPresence(false))
}

type presenceDTO struct {
	ID            int64      `json:"id"`
	UserID        int64      `json:"user_id"`
	UserName      string     `json:"user_name,omitempty"`
	SessionID     int64      `json:"session_id"`
	ActivityID    int64      `json:"activity_id"`
	ActivityTitle string     `json:"activity_title,omitempty"`
	InAt          time.Time  `json:"in_at"`
	OutAt         *time.Time `json:"out_at"`
	Minutes       int        `json:"minutes"`
	AutoClosed    bool       `json:"auto_closed"`
	Flagged       bool       `json:"flagged"`
	EntryID       int64      `json:"entry_id,omitempty"`
	ReviewStatus  string     `json:"review_status,omitempty"`
	ReviewedBy    int64      `json:"reviewed_by,omitempty"`
	ReviewedAt    *time.Time `json:"reviewed_at,omitempty"`
	ReviewNote    string     `json:"review_note,omitempty"`
}

func toPresenceDTO(p checkin.Presence) presenceDTO {
	return presenceDTO{ID: p.ID, UserID: p.UserID, UserName: p.UserName, SessionID: p.SessionID, ActivityID: p.ActivityID,
		ActivityTitle: p.ActivityTitle, InAt: p.InAt, OutAt: p.OutAt, Minutes: p.Minutes, AutoClosed: p.AutoClosed, Flagged: p.Flagged,
		EntryID: p.EntryID, ReviewStatus: p.ReviewStatus, ReviewedBy: p.ReviewedBy, ReviewedAt: p.ReviewedAt, ReviewNote: p.ReviewNote}
}

func (a *API) listPresenceReviews(c *gin.Context) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	ps, err := a.d.Checkin.ReviewQueue(c.Request.Context(), u, c.Query("status"))
	if err != nil {
		fail(c, err)
		return
	}
	out := dtos(ps, toPresenceDTO)
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (a *API) reviewPresence(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Note string `json:"note"`
		}
		if err := decodeOptional(c, &req); err != nil {
			fail(c, err)
			return
		}
		u, id, ok := a.meAnd(c, "id")
		if !ok {
			return
		}
		p, err := a.d.Checkin.ReviewPresence(c.Request.Context(), u, id, approve, req.Note)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toPresenceDTO(p))
	}
}
