package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// releasedDTO tells the resident what removing a family member ended.
type releasedDTO struct {
	Registrations []releasedRegDTO  `json:"registrations"`
	Wristbands    []releasedBandDTO `json:"wristbands"`
}

type releasedRegDTO struct {
	ID         int64  `json:"id"`
	ActivityID int64  `json:"activity_id"`
	SessionID  int64  `json:"session_id"`
	StatusWas  string `json:"status_was"`
}

type releasedBandDTO struct {
	DeviceID     int64  `json:"device_id"`
	IMEIMasked   string `json:"imei_masked"`
	AlarmsClosed int    `json:"alarms_closed"`
}

// deleteDependent removes a family member and what hangs on them: their
// upcoming registrations are cancelled (waitlists promoted, the resident
// told), their wristband binding ends (kept as history, open alarms
// closed). Releases run before the deletion, and the registrations once
// more after it for a sign-up that raced with it (none can follow: a
// removed member cannot be signed up or bound).
func (a *API) deleteDependent(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	ctx, uid := c.Request.Context(), userID(c)
	if _, err := a.d.Residents.Dependent(ctx, uid, id); err != nil {
		fail(c, err)
		return
	}
	out := releasedDTO{Registrations: []releasedRegDTO{}, Wristbands: []releasedBandDTO{}}
	if err := a.releaseRegistrations(ctx, uid, id, &out); err != nil {
		fail(c, err)
		return
	}
	if a.d.Wristbands != nil {
		bands, err := a.d.Wristbands.ReleaseDependent(ctx, uid, id)
		for _, b := range bands {
			out.Wristbands = append(out.Wristbands, releasedBandDTO{DeviceID: b.DeviceID, IMEIMasked: b.IMEIMasked, AlarmsClosed: b.AlarmsClosed})
		}
		if err != nil {
			fail(c, err)
			return
		}
	}
	if err := a.d.Residents.RemoveDependent(ctx, uid, id); err != nil {
		fail(c, err)
		return
	}
	err := a.releaseRegistrations(ctx, uid, id, &out)
	respond(c, http.StatusOK, gin.H{"released": out}, err)
}

func (a *API) releaseRegistrations(ctx context.Context, uid, id int64, out *releasedDTO) error {
	if a.d.Activities == nil {
		return nil
	}
	regs, err := a.d.Activities.ReleaseDependent(ctx, uid, id)
	for _, r := range regs {
		out.Registrations = append(out.Registrations, releasedRegDTO{ID: r.ID, ActivityID: r.ActivityID, SessionID: r.SessionID, StatusWas: r.Status})
	}
	return err
}
