package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/activity"
)

// Registrar takes sign-ups. *activity.Service is the product's; the load
// benchmark brings a naive one counting seats on a hot MySQL row.
type Registrar interface {
	Register(ctx context.Context, in activity.RegisterInput) (activity.RegisterResult, error)
}

// Baseline serves POST /api/v1/registrations (and /healthz) with r behind
// exactly the stack the API's own sign-up route runs behind: the same
// middleware (request id, recovery, access log and metrics, body limit),
// authentication, rate limit, request decoding, answer encoding and error
// table. scripts/bench measures its naive baseline through it, so that the
// two sides of its comparison differ only in how seats are counted. d needs
// Logger, Registry, Auth, Limiter (may be nil), MaxBodyBytes and Limits.
func Baseline(d Deps, r Registrar) http.Handler {
	a := &API{d: d, metrics: newHTTPMetrics(d.Registry), signups: r}
	e := a.base()
	e.POST("/api/v1/registrations", a.authenticate, a.register) // limited by admitSignUp
	return e
}

func (a *API) registrationLimit() gin.HandlerFunc {
	return a.rateLimit("registration", a.d.Limits.RegistrationPerUser, a.d.Limits.RegistrationPerIP)
}

// admitSignUp is the registration limit of a sign-up, counted by the
// Registrar (activity.RegisterInput.Admit) so that a retry it answers from
// memory is not counted: the count would cost more than the answer. A
// request refused before it reaches the Registrar (no Idempotency-Key, a
// body that does not decode) is counted by the handler, as before.
//
// signUpCount is the same count for the decision to make in its own Redis
// call (activity.RegisterInput.Count; nil when the limiter cannot).
func (a *API) signUpCount(c *gin.Context) *activity.RateCount {
	cl, ok := a.d.Limiter.(countingLimiter)
	if !ok {
		return nil
	}
	keys, limits := limitKeys(c, "registration", a.d.Limits.RegistrationPerUser, a.d.Limits.RegistrationPerIP)
	if len(keys) == 0 {
		return nil
	}
	return cl.Count(keys, limits, time.Minute, refuseSignUp)
}

func refuseSignUp() error { return errRateLimited.RetryIn(untilNextMinute()) }

func (a *API) admitSignUp(c *gin.Context) func(context.Context) error {
	return func(context.Context) error {
		if a.overLimit(c, "registration", a.d.Limits.RegistrationPerUser, a.d.Limits.RegistrationPerIP) {
			return errRateLimited.RetryIn(untilNextMinute())
		}
		return nil
	}
}
