package httpapi

import (
	"bytes"
	"io"
	"strings"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/wristband"
)

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
		if st == "acknowledged" { // the word for acked
			st = wristband.StatusAcked
		}
		switch st {
		case wristband.StatusOpen, wristband.StatusAcked, wristband.StatusResolved:
			out = append(out, st)
		default:
			return nil, errs.Invalid("BAD_QUERY", "告警状态无效，请选择未处理、已受理或已解决")
		}
	}
	return out, nil
}
