package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/wristband"
)

// mountWristbands adds the wristband routes: the vendor webhook (HMAC, no
// user token), the guardians' routes and the staff routes.
func (a *API) mountWristbands(v1 *gin.RouterGroup) {
	v1.POST("/wristbands/webhook", a.wristbandWebhook)

	r := v1.Group("", a.authenticate)
	r.GET("/me/wristbands", a.myWristbands)
	r.POST("/wristbands/bind", a.bindWristband)
	r.POST("/wristbands/invitations/accept", a.acceptWristbandInvitation)
	r.POST("/wristbands/:id/unbind", a.unbindWristband)
	r.POST("/wristbands/:id/invitations", a.inviteGuardian)
	r.GET("/wristbands/:id/guardians", a.wristbandGuardians)
	r.DELETE("/wristbands/:id/guardians/:user_id", a.removeGuardian)
	r.GET("/wristbands/:id/readings", a.wristbandReadings)
	r.GET("/wristbands/:id/alarms", a.wristbandAlarms)
	r.POST("/wristbands/:id/alarms/:alarm_id/ack", a.handleWristbandAlarm(true))
	r.POST("/wristbands/:id/alarms/:alarm_id/resolve", a.handleWristbandAlarm(false))
	r.GET("/wristbands/:id/access-log", a.wristbandAccessLog)
	r.GET("/wristbands/:id/thresholds", a.wristbandThresholds)
	r.PUT("/wristbands/:id/thresholds", a.setWristbandThresholds)
	r.POST("/wristbands/:id/consent", a.giveWristbandConsent)
	r.POST("/wristbands/:id/consent/revoke", a.revokeWristbandConsent)

	s := v1.Group("/admin/wristbands", a.authenticate, a.requireWristbandStaff)
	s.GET("", a.adminWristbands)
	s.POST("", a.adminAddWristbands)
	s.POST("/import", a.adminImportWristbands)
	s.POST("/bind", a.adminBindWristband)
	s.GET("/alarms", a.adminWristbandAlarms)
	s.POST("/alarms/:id/ack", a.adminHandleWristbandAlarm(true))
	s.POST("/alarms/:id/resolve", a.adminHandleWristbandAlarm(false))
	s.GET("/unattached", a.adminUnattachedPushes)
	s.GET("/:id", userAction(a, http.StatusOK, a.d.Wristbands.Device, toDeviceDetailDTO))
	s.POST("/:id/unbind", a.adminUnbindWristband)
	s.POST("/:id/transfer", a.adminTransferWristband)
	s.POST("/:id/bind-code", a.adminIssueBindCode)
	s.GET("/:id/readings", a.adminWristbandReadings)
	s.GET("/:id/alarms", a.adminDeviceAlarms)
	s.PUT("/:id/thresholds", a.adminSetWristbandThresholds)
	s.POST("/:id/consent/revoke", a.adminRevokeWristbandConsent)
}

func (a *API) requireWristbandStaff(c *gin.Context) { a.requireUser(c, wristband.IsStaff) }

// decodeOptional decodes a JSON body strictly when there is one.
func decodeOptional(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	return decode(c, v)
}

func queryStatuses(c *gin.Context) ([]wristband.AlarmStatus, error) {
	s := c.Query("status")
	if s == "" {
		return nil, nil
	}
	var out []wristband.AlarmStatus
	for _, p := range strings.Split(s, ",") {
		st := wristband.AlarmStatus(strings.TrimSpace(p))
		switch st {
		case wristband.StatusOpen, wristband.StatusAcked, wristband.StatusResolved:
			out = append(out, st)
		default:
			return nil, errs.Invalid("BAD_QUERY", "告警状态无效，请选择未处理、已受理或已解决")
		}
	}
	return out, nil
}
