package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/checkin"
	"gongjian/internal/page"
)

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

// presenceQueue is the staff's review queue of presences, oldest first, a
// page at a time: ?status=, ?cursor= (the next_cursor of the previous
// page), ?limit= (1..100, default 50); items and next_cursor (null on the
// last page).
func (a *API) presenceQueue(c *gin.Context) {
	var req page.Request
	if u, ok := a.meWith(c, cursorParam(&req, 50)); ok {
		var at time.Time
		var id int64
		if req.After != nil {
			at, id = time.UnixMicro(req.After.Key).UTC(), req.After.ID
		}
		ps, err := a.d.Checkin.ReviewQueue(c.Request.Context(), u, c.Query("status"), at, id, req.Limit+1)
		ps, next := page.Trim(ps, req.Limit, func(p checkin.Presence) page.Cursor { return page.Cursor{Key: p.UpdatedAt.UnixMicro(), ID: p.ID} })
		respond(c, http.StatusOK, gin.H{"items": dtos(ps, toPresenceDTO), "next_cursor": nextCursor(next)}, err)
	}
}
