package httpapi

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
)

// Limits are per-minute request limits, counted in Redis so they hold
// across every server process. 0 turns a limit off.
type Limits struct {
	RegistrationPerUser int
	RegistrationPerIP   int
	CheckinPerUser      int
	CheckinPerIP        int
}

var errRateLimited = errs.New(errs.KindRateLimited, "RATE_LIMITED", "操作太频繁，请稍后再试")

// rateLimit returns a middleware allowing each account perUser and each
// client address perIP requests a minute to the routes it guards (name
// keeps the counters of different route families apart). Mount it after
// authentication so the account is known. The client address is the
// connection's own unless it comes from a trusted proxy (http.trusted_proxies),
// so a header cannot pick it.
//
// The limits protect the service; they are not a dependency: when Redis
// cannot count, the request goes on (the feature itself decides whether it
// can work without Redis).
func (a *API) rateLimit(name string, perUser, perIP int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.d.Limiter == nil {
			c.Next()
			return
		}
		// The user's and the address's counts travel to Redis together:
		// every request counts against both.
		var keys [2]string
		var limits [2]int
		n := 0
		if uid := userID(c); uid != 0 && perUser > 0 {
			keys[n], limits[n] = name+":u:"+strconv.FormatInt(uid, 10), perUser
			n++
		}
		if perIP > 0 {
			keys[n], limits[n] = name+":ip:"+c.ClientIP(), perIP
			n++
		}
		allowed := true
		if n > 0 {
			ok, err := a.d.Limiter.AllowAll(c.Request.Context(), keys[:n], limits[:n], time.Minute)
			if err != nil {
				logger(c).Warn("rate limit not counted", slog.String("limit", name), slog.String("err", err.Error()))
			} else {
				allowed = ok
			}
		}
		if !allowed {
			fail(c, errRateLimited.RetryIn(time.Duration(60-time.Now().Second())*time.Second))
			return
		}
		c.Next()
	}
}
