package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/dashboard"
	"gongjian/internal/rooms"
)

// dashboardScope reads the inputs (as read does), then subdistrict_id and
// community_id, and narrows the user's scope to them.
func (a *API) dashboardScope(c *gin.Context, inputs ...any) (dashboard.Scope, bool) {
	var sub, comm int64
	u, ok := a.meWith(c, append(inputs, scopeIDParam(&sub, "subdistrict_id"), scopeIDParam(&comm, "community_id"))...)
	if !ok {
		return dashboard.Scope{}, false
	}
	sc, err := a.d.Dashboard.ScopeFor(c.Request.Context(), u, sub, comm)
	if err != nil {
		fail(c, err)
		return dashboard.Scope{}, false
	}
	return sc, true
}

// scopeIDParam reads the optional id that narrows a console page's scope
// (0, none, when absent) into *id.
func scopeIDParam(id *int64, name string) fromRequest {
	return func(c *gin.Context) error {
		n, err := queryInt(c, name, 0, 0, 1<<53)
		*id = int64(n)
		return err
	}
}

func (a *API) consoleDashboard(c *gin.Context) {
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	f, err := a.d.Dashboard.Figures(c.Request.Context(), sc)
	days := make([]gin.H, 0, len(f.SignupsByDay))
	for _, d := range f.SignupsByDay {
		days = append(days, gin.H{"date": d.Date, "category": d.Category, "count": d.Count})
	}
	orgs := make([]gin.H, 0, len(f.HoursByOrg))
	for _, o := range f.HoursByOrg {
		orgs = append(orgs, gin.H{"org_id": o.OrgID, "org_name": o.OrgName, "minutes": o.Minutes})
	}
	respond(c, http.StatusOK, gin.H{
		"today":          gin.H{"sessions": f.Today.Sessions, "checkins": f.Today.Checkins, "registrations": f.Today.Registrations},
		"signups_by_day": days,
		"hours_by_org":   orgs,
		"alarms":         gin.H{"open": f.Alarms.Open, "acknowledged_today": f.Alarms.AckedToday, "median_ack_seconds": f.Alarms.MedianAckSeconds},
		"generated_at":   f.GeneratedAt,
	}, err)
}

// consoleDashboardCobuild sums up co-building in the user's (narrowed) scope.
func (a *API) consoleDashboardCobuild(c *gin.Context) {
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	f, err := a.d.Dashboard.Cobuild(c.Request.Context(), sc)
	respond(c, http.StatusOK, gin.H{
		"needs":        gin.H{"open": f.OpenNeeds, "quantity": f.NeedQuantity, "claimed": f.NeedClaimed},
		"projects":     gin.H{"active": f.ProjectsActive, "overdue": f.ProjectsOverdue},
		"pending":      gin.H{"wishes": f.PendingWishes, "report_ins": f.PendingReportIns},
		"generated_at": time.Now().UTC(),
	}, err)
}

// consoleDashboardRooms sums up the rooms of the user's (narrowed) scope.
func (a *API) consoleDashboardRooms(c *gin.Context) {
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	f, err := a.d.Rooms.Figures(c.Request.Context(), func(r rooms.Room) bool { return sc.Covers(r.CommunityID, r.OrgID) })
	respond(c, http.StatusOK, gin.H{
		"rooms":             f.Rooms,
		"today_bookings":    f.TodayBookings,
		"pending_approvals": f.PendingApprovals,
		"week":              gin.H{"open_minutes": f.WeekOpenMinutes, "booked_minutes": f.WeekBookedMinutes, "utilisation": f.Utilisation()},
		"generated_at":      time.Now().UTC(),
	}, err)
}

type boardAlarmDTO struct {
	ID          int64      `json:"id"`
	WristbandID int64      `json:"wristband_id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	HolderName  string     `json:"holder_name"`
	CommunityID int64      `json:"community_id"`
	At          time.Time  `json:"at"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
}

// alarmStream serves new and changed wristband alarms as server-sent
// events; Last-Event-ID resumes after a reconnection.
func (a *API) alarmStream(c *gin.Context) {
	sc, ok := a.dashboardScope(c)
	if !ok {
		return
	}
	after := int64(-1) // from now on
	if id, err := strconv.ParseInt(c.GetHeader("Last-Event-ID"), 10, 64); err == nil && id >= 0 {
		after = id
	}
	once, err := queryBool(c, "once")
	if err != nil {
		fail(c, err)
		return
	}
	// The stream outlives the server's write timeout.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 1000\n: 已连接\n\n")
	c.Writer.Flush()
	ping := time.Now()
	send := func(e dashboard.Event) error {
		x := e.Alarm
		b, _ := json.Marshal(boardAlarmDTO{ID: x.ID, WristbandID: x.WristbandID, Kind: x.Type, Status: x.Status, HolderName: x.WearerName,
			CommunityID: x.CommunityID, At: x.OpenedAt, AckedAt: x.AckedAt, ResolvedAt: x.ResolvedAt})
		id := ""
		if e.Kind == "alarm" {
			id = fmt.Sprintf("id: %d\n", x.ID)
		}
		if _, err := fmt.Fprintf(c.Writer, "%sevent: %s\ndata: %s\n\n", id, e.Kind, b); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	}
	err = a.d.Dashboard.Stream(c.Request.Context(), sc, after, send, func() error {
		if once {
			return errOnce
		}
		if time.Since(ping) < 15*time.Second {
			return nil
		}
		ping = time.Now()
		if _, err := fmt.Fprint(c.Writer, ": ping\n\n"); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	})
	if err != nil && err != errOnce {
		logger(c).Debug("alarm stream ended", "err", err.Error())
	}
}

var errOnce = errors.New("one round asked for")
