// Package httpapi is the HTTP layer: routing, middleware, JSON decoding and
// encoding, and the one table that maps error kinds to statuses. Handlers
// translate between JSON DTOs and the domain services; they hold no rules.
package httpapi

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"gongjian/internal/activity"
	"gongjian/internal/audit"
	"gongjian/internal/auth"
	"gongjian/internal/checkin"
	"gongjian/internal/cobuild"
	"gongjian/internal/consoleauth"
	"gongjian/internal/dashboard"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/media"
	"gongjian/internal/notify"
	"gongjian/internal/residence"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
	"gongjian/internal/wristband"
)

// Pinger checks a dependency for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// RateLimiter limits requests per key (shared across processes through Redis).
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
	// AllowAll counts one attempt for each key, in one round trip.
	AllowAll(ctx context.Context, keys []string, limits []int, window time.Duration) (bool, error)
}

// Deps are the services the API serves. Every field is required unless noted.
type Deps struct {
	Logger    *slog.Logger
	Registry  *prometheus.Registry
	Auth      *auth.Service
	Residents *resident.Service
	Limiter   RateLimiter
	Ready     map[string]Pinger // name -> dependency checked by /readyz
	Checkin   *checkin.Service
	Hours     *hours.Service
	// Activities: activities and registrations (issue 3).
	Activities *activity.Service

	Wristbands *wristband.Service

	MaxBodyBytes        int64
	LoginPerIPPerMinute int
	// Limits: per-account and per-address limits of sign-ups and check-ins.
	Limits Limits
	// TrustedProxies: load balancers whose X-Forwarded-For names the client.
	TrustedProxies []string
	// MetricsAllow: the addresses (IPs or CIDRs) /metrics is served to, by
	// the connection's peer address; others are told 404.
	MetricsAllow []string

	Notify *notify.Service // subscriptions, in-app messages, delivery state

	Media *media.Service // photo uploads (hours claims)

	Rooms      *rooms.Service   // rooms, bookings and cultural teams (issue 16)
	Cobuild    *cobuild.Service // co-building (issue 15)
	WeChatPush WeChatPush       // message push: media-check verdicts
	// ConsoleAuth: the desk console's logins and cookie sessions (issue 17).
	ConsoleAuth *consoleauth.Service
	// ConsoleDevLogin: the development "dev:<name>" console login; nil
	// (the route answers 404) in production.
	ConsoleDevLogin DevLogin
	// Audit: the audit log of staff changes (browsing; entries are written
	// by the stores' transactions).
	Audit *audit.Service
	// Dashboard: the console's figures and live alarm board.
	Dashboard *dashboard.Service

	Residence *residence.Service // confirmed residence (issue 13 point 5; optional)
	// Console serves the desk console's web app under /console/ (optional:
	// nil serves none).
	Console http.Handler
}

// API is the HTTP API.
type API struct {
	d       Deps
	metrics *httpMetrics
	// signups takes sign-ups: Deps.Activities, or the baseline's (Baseline).
	signups Registrar
	// bodyLimits overrides MaxBodyBytes for the few routes that take files,
	// by "METHOD /route/template"; filled while the routes are mounted.
	bodyLimits map[string]routeBodyLimit
}

type routeBodyLimit struct {
	max      int64
	tooLarge error
}

// bodyLimit gives one route its own body limit and too-large answer.
func (a *API) bodyLimit(method, route string, max int64, tooLarge error) {
	if a.bodyLimits == nil {
		a.bodyLimits = map[string]routeBodyLimit{}
	}
	a.bodyLimits[method+" "+route] = routeBodyLimit{max, tooLarge}
}

// New builds the gin engine with every route.
func New(d Deps) http.Handler {
	a := &API{d: d, metrics: newHTTPMetrics(d.Registry), signups: d.Activities}
	return a.engine()
}

// base is the engine every route runs on: settings, the middleware stack,
// the not-found answers and the health routes.
func (a *API) base() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	// The client address (per-IP limits) is the connection's unless it
	// comes from a trusted load balancer: a header alone cannot pick it.
	if err := r.SetTrustedProxies(a.d.TrustedProxies); err != nil {
		a.d.Logger.Error("http.trusted_proxies refused; trusting none", slog.String("err", err.Error()))
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(a.requestID, a.recoverer, a.accessLog, a.limitBody, a.auditRecorder)
	r.NoRoute(func(c *gin.Context) { fail(c, errs.NotFound("ROUTE_NOT_FOUND", "接口不存在")) })
	// gin has set Allow (the route's methods) before this runs.
	r.NoMethod(func(c *gin.Context) {
		fail(c, errs.New(errs.KindMethodNotAllowed, "METHOD_NOT_ALLOWED", "不支持这种操作，请更新小程序后重试").
			With("allow", c.Writer.Header().Get("Allow")))
	})

	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)
	return r
}

func (a *API) engine() *gin.Engine {
	r := a.base()
	a.routes(r)
	return r
}

// ---- middleware ----

const (
	ctxRequestID = "gj.request_id"
	ctxUserID    = "gj.user_id"
	ctxUser      = "gj.user"
	ctxLogger    = "gj.logger"
)

func (a *API) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsAny(id, " \r\n\t") {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Set(ctxLogger, &requestLogger{base: a.d.Logger, id: id})
	c.Next()
}

// requestLogger is the request's logger, made with its request id the
// first time something is logged (most requests log nothing but the
// access line, and that only at info level).
type requestLogger struct {
	base *slog.Logger
	id   string
	l    *slog.Logger
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

func logger(c *gin.Context) *slog.Logger {
	switch l := c.Value(ctxLogger).(type) {
	case *requestLogger:
		if l.l == nil {
			l.l = l.base.With(slog.String("request_id", l.id))
		}
		return l.l
	case *slog.Logger:
		return l
	}
	return slog.Default()
}

func (a *API) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			logger(c).Error("panic", slog.Any("panic", r), slog.String("route", c.FullPath()))
			fail(c, errs.Internal(nil))
		}
	}()
	c.Next()
}

// accessLog writes one line per request: route template (never the raw
// query or body), status, latency, user id. No personal data.
func (a *API) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	a.metrics.observe(c.Request.Method, route, status, d)
	if route == "/metrics" || route == "/healthz" || !a.d.Logger.Enabled(c.Request.Context(), slog.LevelInfo) {
		return
	}
	logger(c).LogAttrs(c.Request.Context(), slog.LevelInfo, "http",
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("ms", d.Milliseconds()),
		slog.Int64("user_id", c.GetInt64(ctxUserID)),
	)
}

func (a *API) limitBody(c *gin.Context) {
	max, tooLarge := a.d.MaxBodyBytes, error(errTooLarge)
	if l, ok := a.bodyLimits[c.Request.Method+" "+c.FullPath()]; ok {
		max, tooLarge = l.max, l.tooLarge
	}
	if c.Request.ContentLength > max {
		fail(c, tooLarge)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
	c.Next()
}

var errNoToken = errs.Unauthorized("UNAUTHENTICATED", "请先登录")

// authenticate accepts a bearer access token (mini-program) or, without
// one, the console's session cookie (with its CSRF rule).
func (a *API) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" && a.d.ConsoleAuth != nil {
		if ck, err := c.Cookie(consoleauth.SessionCookie); err == nil && ck != "" {
			a.cookieSession(c, ck)
			return
		}
	}
	token, ok := bearerToken(h)
	if !ok {
		fail(c, errNoToken)
		return
	}
	uid, err := a.d.Auth.Verify(c.Request.Context(), token)
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(ctxUserID, uid)
	c.Next()
}

// userID returns the authenticated user's id.
func userID(c *gin.Context) int64 { return c.GetInt64(ctxUserID) }

// loadUser loads the authenticated user with roles, once per request, so
// a role change applies from the next request on. Handlers use me; only a
// public route's optional viewer calls it directly.
func (a *API) loadUser(c *gin.Context) (resident.User, error) {
	if u, ok := c.Get(ctxUser); ok {
		return u.(resident.User), nil
	}
	u, err := a.d.Residents.Me(c.Request.Context(), userID(c))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return resident.User{}, errs.Unauthorized("INVALID_TOKEN", "登录凭证无效，请重新登录")
		}
		return resident.User{}, err
	}
	c.Set(ctxUser, u)
	a.actor(c, u)
	return u, nil
}

// me is THE way a handler gets the current user: the authenticated user
// with roles, loaded once per request. When it cannot, it has answered the
// request and ok is false. (Handlers that need no more than the id the
// token proves use userID.)
func (a *API) me(c *gin.Context) (resident.User, bool) {
	u, err := a.loadUser(c)
	if err != nil {
		fail(c, err)
		return resident.User{}, false
	}
	return u, true
}

// meAnd is me and the positive id in the path parameter param.
func (a *API) meAnd(c *gin.Context, param string) (resident.User, int64, bool) {
	return a.meAndWith(c, param)
}

// meWith reads the request's inputs as read does (the JSON body into a
// pointer, strictly; optional(&req) when the body may be absent; a
// fromRequest for query or further path parameters), and then is me.
func (a *API) meWith(c *gin.Context, inputs ...any) (resident.User, bool) {
	if !read(c, inputs...) {
		return resident.User{}, false
	}
	return a.me(c)
}

// meAndWith reads, in this order, the positive id in the path parameter
// param, the inputs (as meWith) and the current user. When one fails it
// has answered the request and ok is false.
func (a *API) meAndWith(c *gin.Context, param string, inputs ...any) (resident.User, int64, bool) {
	var id int64
	if !read(c, append([]any{pathParam(&id, param)}, inputs...)...) {
		return resident.User{}, 0, false
	}
	u, ok := a.me(c)
	return u, id, ok
}

var errForbidden = errs.Forbidden("FORBIDDEN", "没有权限进行此操作")

// requireUser lets the request on when the current user is allowed;
// otherwise it answers 403.
func (a *API) requireUser(c *gin.Context, allowed func(resident.User) bool) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	if !allowed(u) {
		fail(c, errForbidden)
		return
	}
	c.Next()
}

// requireAdmin aborts unless the user is an admin.
func (a *API) requireAdmin(c *gin.Context) { a.requireUser(c, resident.User.IsAdmin) }

// requireStaff aborts unless the user is staff somewhere (or an admin);
// each operation then checks the activity's scope.
func (a *API) requireStaff(c *gin.Context) { a.requireUser(c, resident.User.IsAnyStaff) }

// metricsAllowed serves /metrics only to the configured addresses, judged
// by the connection's peer (a header cannot pick it); anyone else is told
// the route does not exist. A request a proxy forwarded (X-Forwarded-For or
// X-Real-IP) is judged by the client it was forwarded for, as a trusted
// proxy (http.trusted_proxies) names it: a reverse proxy on the same host
// does not open /metrics to the public it forwards, and an untrusted one
// names nobody.
func (a *API) metricsAllowed() gin.HandlerFunc {
	var nets []*net.IPNet
	for _, s := range a.d.MetricsAllow {
		if ip := net.ParseIP(s); ip != nil {
			bits := 8 * len(ip.To4())
			if bits == 0 {
				bits = 128
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		} else if _, n, err := net.ParseCIDR(s); err == nil {
			nets = append(nets, n)
		}
	}
	return func(c *gin.Context) {
		host, _, err := net.SplitHostPort(strings.TrimSpace(c.Request.RemoteAddr))
		ip := net.ParseIP(host)
		if c.GetHeader("X-Forwarded-For") != "" || c.GetHeader("X-Real-IP") != "" {
			// gin's ClientIP is the peer itself unless the peer is trusted.
			if client := net.ParseIP(c.ClientIP()); client == nil || client.Equal(ip) {
				ip = nil
			} else {
				ip = client
			}
		}
		for _, n := range nets {
			if err == nil && ip != nil && n.Contains(ip) {
				c.Next()
				return
			}
		}
		fail(c, errs.NotFound("ROUTE_NOT_FOUND", "接口不存在"))
	}
}

func (a *API) loginLimit(c *gin.Context) {
	if a.allowMinute(c, "login:ip:"+c.ClientIP(), a.d.LoginPerIPPerMinute, "操作太频繁，请一分钟后再试") {
		c.Next()
	}
}

// ---- health ----

func (a *API) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (a *API) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	out := gin.H{}
	ok := true
	for name, p := range a.d.Ready {
		if err := p.Ping(ctx); err != nil {
			out[name] = "down"
			ok = false
		} else {
			out[name] = "ok"
		}
	}
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": out})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": out})
}

// ---- metrics ----

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// series caches each (method, route, status)'s counter and histogram:
	// looking them up by label values hashes the labels on every request.
	series sync.Map // metricKey -> metricSeries
}

type metricKey struct {
	method, route string
	status        int
}

type metricSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gongjian_http_request_seconds", Help: "HTTP request latency.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	k := metricKey{method, route, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, metricSeries{
			count: m.requests.WithLabelValues(method, route, strconv.Itoa(status)), latency: m.latency.WithLabelValues(method, route),
		})
	}
	ms := v.(metricSeries)
	ms.count.Inc()
	ms.latency.Observe(d.Seconds())
}
