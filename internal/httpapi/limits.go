package httpapi

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
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
		if a.overLimit(c, name, perUser, perIP) {
			fail(c, errRateLimited.RetryIn(untilNextMinute()))
			return
		}
		c.Next()
	}
}

// overLimit counts the request against the account's and the address's
// limits (see rateLimit) and reports whether one is passed; then the
// caller answers 429 in its own format, with Retry-After.
func (a *API) overLimit(c *gin.Context, name string, perUser, perIP int) bool {
	if a.d.Limiter == nil {
		return false
	}
	// The user's and the address's counts travel to Redis together:
	// every request counts against both.
	keys, limits := limitKeys(c, name, perUser, perIP)
	if len(keys) == 0 {
		return false
	}
	ok, err := a.d.Limiter.AllowAll(c.Request.Context(), keys, limits, time.Minute)
	if err != nil {
		logger(c).Warn("rate limit not counted", slog.String("limit", name), slog.String("err", err.Error()))
		return false
	}
	return !ok
}

// limitKeys are the keys a request counts against (its user's, then its
// address's) and their limits a minute.
func limitKeys(c *gin.Context, name string, perUser, perIP int) ([]string, []int) {
	keys, limits := make([]string, 0, 2), make([]int, 0, 2)
	if uid := userID(c); uid != 0 && perUser > 0 {
		keys, limits = append(keys, name+":u:"+strconv.FormatInt(uid, 10)), append(limits, perUser)
	}
	if perIP > 0 {
		keys, limits = append(keys, name+":ip:"+c.ClientIP()), append(limits, perIP)
	}
	return keys, limits
}

// countingLimiter is a limiter whose counts a sign-up's decision can make
// (redisstore.Limiter with the quota's Redis).
type countingLimiter interface {
	Count(keys []string, limits []int, window time.Duration, refuse func() error) *activity.RateCount
}

// allowMinute counts one attempt of key against limit a minute and fails
// closed (login codes and invitation codes must not be guessed while
// Redis is down): when the count fails or passes the limit it has answered
// (refused: the 429's message) and returns false.
func (a *API) allowMinute(c *gin.Context, key string, limit int, refused string) bool {
	ok, err := a.d.Limiter.Allow(c.Request.Context(), key, limit, time.Minute)
	if err != nil {
		fail(c, err)
		return false
	}
	if !ok {
		fail(c, errs.New(errs.KindRateLimited, "RATE_LIMITED", refused).RetryIn(time.Minute))
		return false
	}
	return true
}

// untilNextMinute is when the limits' counts start again.
func untilNextMinute() time.Duration { return time.Duration(60-time.Now().Second()) * time.Second }
