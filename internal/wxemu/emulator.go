// Package wxemu is a fake of the WeChat server API (api.weixin.qq.com) for
// the endpoints Gongjian uses. It is the built-in emulator of the embedded
// and dev servers and the one fake used by tests.
//
// # Multi-tenancy
//
// The emulator is multi-tenant by AppID: every AppID gets its own [Tenant]
// with its own configuration (secret, templates, pages, grants), faults,
// counters, call log, tokens and sent messages. Calls that carry only an
// access_token are attributed to the AppID encoded in the token (the
// emulator issues tokens of the form "EMU.<base64url(appid)>.<random>").
// Tests in one process therefore share one emulator and isolate themselves
// by using a distinct AppID each; this matters because the HTTP client of
// silenceper/wechat is process-wide (see package internal/wechat).
//
// # Behaviour
//
//   - GET  /sns/jscode2session: "dev:<name>" codes are reusable and give a
//     stable openid ([OpenID]); any other code of up to 128 characters from
//     [A-Za-z0-9_.:-] is a one-time code (second use: 40163); an empty or
//     malformed code gives 40029.
//   - GET  /cgi-bin/token and POST /cgi-bin/stable_token issue access tokens
//     valid for Options.TokenTTL. stable_token returns the same token until
//     it expires or is invalidated, like WeChat.
//   - POST /cgi-bin/message/subscribe/send validates the message (see
//     [Tenant.AddTemplate] and the field rules in rules.go) and records it.
//   - POST /wxa/business/getuserphonenumber: "dev:phone:<11 digits>" gives
//     that number (reusable); other valid codes give a deterministic number
//     once.
//   - POST /wxa/getwxacodeunlimit returns a small real JPEG
//     (Content-Type image/jpeg), errors as JSON.
//   - POST /wxa/msg_sec_check flags text containing a tenant's risky words.
//   - POST /wxa/media_check_async answers a trace id, fetches the file and
//     pushes the verdict to the tenant's push URL (see [Tenant.SetPush],
//     [Tenant.SetRiskyMedia]).
//
// Every endpoint that takes an access_token validates it: unknown or
// invalidated tokens give 40001, expired ones 42001.
//
// # Use
//
// In tests, start one emulator per test binary in TestMain (New, then
// Start) and pass its base URL as wechat.Config.APIBase; configure faults
// and read records through e.Tenant(appID). In a dev server, either Start
// it, or mount it on the server's own mux with http.StripPrefix and use
// "http://host:port/<prefix>" as the API base.
package wxemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dev credentials for a server that runs against the built-in emulator. Any
// AppID works; these are merely conventional.
const (
	DevAppID     = "wxemu00000000000000"
	DevAppSecret = "wxemu-dev-secret"
)

// Endpoint names an emulated API by its URL path.
type Endpoint string

// The emulated endpoints.
const (
	EndpointCode2Session   Endpoint = "/sns/jscode2session"
	EndpointToken          Endpoint = "/cgi-bin/token"
	EndpointStableToken    Endpoint = "/cgi-bin/stable_token"
	EndpointSubscribeSend  Endpoint = "/cgi-bin/message/subscribe/send"
	EndpointPhoneNumber    Endpoint = "/wxa/business/getuserphonenumber"
	EndpointWXACodeUnlimit Endpoint = "/wxa/getwxacodeunlimit"
	EndpointMsgSecCheck    Endpoint = "/wxa/msg_sec_check"
)

// Options configures an Emulator. The zero value is ready to use.
type Options struct {
	// TokenTTL is the lifetime of issued access tokens; default 7200s.
	TokenTTL time.Duration
	// Now is the emulator's clock; default time.Now.
	Now func() time.Time
}

// Emulator is the fake WeChat API. It implements http.Handler and is safe
// for concurrent use.
type Emulator struct {
	ttl    time.Duration
	now    func() time.Time
	routes map[Endpoint]route
	msgID  atomic.Int64

	mu      sync.Mutex
	tenants map[string]*Tenant
}

// route describes how one endpoint is served.
type route struct {
	method  string
	tokened bool // requires ?access_token=
	handle  func(e *Emulator, t *Tenant, r *http.Request, body []byte) reply
}

// New returns an emulator.
func New(opts Options) *Emulator {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 7200 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Emulator{
		ttl:     opts.TokenTTL,
		now:     opts.Now,
		tenants: make(map[string]*Tenant),
		routes: map[Endpoint]route{
			EndpointCode2Session:    {http.MethodGet, false, (*Emulator).code2Session},
			EndpointToken:           {http.MethodGet, false, (*Emulator).token},
			EndpointStableToken:     {http.MethodPost, false, (*Emulator).stableToken},
			EndpointSubscribeSend:   {http.MethodPost, true, (*Emulator).subscribeSend},
			EndpointPhoneNumber:     {http.MethodPost, true, (*Emulator).phoneNumber},
			EndpointWXACodeUnlimit:  {http.MethodPost, true, (*Emulator).wxaCodeUnlimit},
			EndpointMsgSecCheck:     {http.MethodPost, true, (*Emulator).msgSecCheck},
			EndpointMediaCheckAsync: {http.MethodPost, true, (*Emulator).mediaCheckAsync},
		},
	}
	// Message ids look like WeChat's: large and increasing.
	e.msgID.Store(3_000_000_000_000_000_000)
	return e
}

// Tenant returns the state of appID, creating it with permissive defaults
// (any secret, template, page and openid is accepted) on first use.
func (e *Emulator) Tenant(appID string) *Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.tenants[appID]
	if !ok {
		t = newTenant(appID)
		e.tenants[appID] = t
	}
	return t
}

// Start serves the emulator on a fresh 127.0.0.1 port, like httptest.Server.
// It panics if no port can be had; use [Emulator.Listen] to handle that.
// close stops the server and drops open connections; it may be called more
// than once.
func (e *Emulator) Start() (baseURL string, close func()) {
	baseURL, close, err := e.Listen("127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("wxemu: %v", err))
	}
	return baseURL, close
}

// Listen serves the emulator on addr (host:port) and returns its base URL.
func (e *Emulator) Listen(addr string) (baseURL string, close func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	return "http://" + ln.Addr().String(), func() { once.Do(func() { _ = srv.Close() }) }, nil
}

// reply is one HTTP answer.
type reply struct {
	status      int
	contentType string
	body        []byte
	errCode     int // for the call log
}

const jsonType = "application/json; encoding=utf-8"

// jsonReply answers 200 with v as JSON.
func jsonReply(v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{status: http.StatusInternalServerError, contentType: "text/plain", body: []byte(err.Error())}
	}
	return reply{status: http.StatusOK, contentType: jsonType, body: b}
}

// errReply answers a WeChat error; an empty msg uses the canonical one.
func errReply(code int, msg string) reply {
	if msg == "" {
		msg = ErrMsg(code)
	}
	r := jsonReply(map[string]any{"errcode": code, "errmsg": msg + " rid: " + randHex(12)})
	r.errCode = code
	return r
}

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep := Endpoint(r.URL.Path)
	rt, ok := e.routes[ep]
	if !ok {
		write(w, reply{status: http.StatusNotFound, contentType: jsonType,
			body: []byte(`{"errcode":404,"errmsg":"wxemu: endpoint not emulated"}`)})
		return
	}
	if r.Method != rt.method {
		code := 43001 // require GET method
		if rt.method == http.MethodPost {
			code = 43002
		}
		write(w, errReply(code, ""))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}

	token := r.URL.Query().Get("access_token")
	t := e.Tenant(e.attribute(ep, r, body, token))
	call := Call{Endpoint: ep, AccessToken: token, At: e.now()}
	t.countCall(ep)

	rep, abort := e.serve(t, rt, r, body, token)
	if abort {
		call.Dropped = true
		t.logCall(call)
		drop(w)
		return
	}
	call.Status, call.ErrCode = rep.status, rep.errCode
	t.logCall(call)
	write(w, rep)
}

// serve applies faults, token checks and the endpoint handler. abort reports
// that the connection must be dropped.
func (e *Emulator) serve(t *Tenant, rt route, r *http.Request, body []byte, token string) (rep reply, abort bool) {
	if f, ok := t.takeFault(Endpoint(r.URL.Path)); ok {
		if f.Delay > 0 {
			timer := time.NewTimer(f.Delay)
			select {
			case <-timer.C:
			case <-r.Context().Done():
				timer.Stop()
				return reply{}, true
			}
		}
		switch {
		case f.Drop:
			return reply{}, true
		case f.Status != 0:
			ct := f.ContentType
			if ct == "" {
				ct = "text/html"
			}
			b := f.Body
			if b == "" {
				b = http.StatusText(f.Status)
			}
			return reply{status: f.Status, contentType: ct, body: []byte(b)}, false
		case f.Body != "":
			ct := f.ContentType
			if ct == "" {
				ct = "text/html"
			}
			return reply{status: http.StatusOK, contentType: ct, body: []byte(f.Body)}, false
		case f.ErrCode != 0:
			if token != "" && (f.ErrCode == 40001 || f.ErrCode == 42001 || f.ErrCode == 40014) {
				// WeChat said the token is bad, so make it bad: a retry must
				// fetch a fresh one.
				t.revokeToken(token)
			}
			return errReply(f.ErrCode, f.ErrMsg), false
		}
		// A delay-only fault falls through to normal processing.
	}
	if rt.tokened {
		if code := t.checkToken(token, e.now()); code != 0 {
			return errReply(code, ""), false
		}
	}
	return rt.handle(e, t, r, body), false
}

// attribute finds the AppID a request belongs to.
func (e *Emulator) attribute(ep Endpoint, r *http.Request, body []byte, token string) string {
	switch ep {
	case EndpointCode2Session, EndpointToken:
		return r.URL.Query().Get("appid")
	case EndpointStableToken:
		var req struct {
			AppID string `json:"appid"`
		}
		_ = json.Unmarshal(body, &req)
		return req.AppID
	}
	appID, _ := AppIDOfToken(token)
	return appID
}

// drop closes the connection without an answer: by hijacking it where
// possible (which also works behind recovery middleware), else by
// http.ErrAbortHandler.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func write(w http.ResponseWriter, rep reply) {
	w.Header().Set("Content-Type", rep.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(rep.body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// tokenPrefix starts every access token the emulator issues.
const tokenPrefix = "EMU."

// newToken returns a fresh access token for appID.
func newToken(appID string) string {
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(appID)) + "." + randHex(24)
}

// AppIDOfToken reports the AppID encoded in an access token the emulator
// issued.
func AppIDOfToken(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", false
	}
	enc, _, ok := strings.Cut(rest, ".")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrMsg returns WeChat's errmsg for code (without the " rid: …" suffix).
func ErrMsg(code int) string {
	switch code {
	case -1:
		return "system error"
	case 0:
		return "ok"
	case 40001:
		return "invalid credential, access_token is invalid or not latest"
	case 40002:
		return "invalid grant_type"
	case 40003:
		return "invalid openid"
	case 40013:
		return "invalid appid"
	case 40014:
		return "invalid access_token"
	case 40029:
		return "invalid code"
	case 40037:
		return "invalid template_id"
	case 40125:
		return "invalid appsecret"
	case 40163:
		return "code been used"
	case 40169:
		return "invalid length for scene, or the data is not json string"
	case 40226:
		return "user is in high risk, login blocked"
	case 41001:
		return "access_token missing"
	case 41002:
		return "appid missing"
	case 41004:
		return "appsecret missing"
	case 41008:
		return "missing code"
	case 41030:
		return "invalid page"
	case 42001:
		return "access_token expired"
	case 43001:
		return "require GET method"
	case 43002:
		return "require POST method"
	case 43101:
		return "user refuse to accept the msg"
	case 44002:
		return "empty post data"
	case 45009:
		return "reach max api daily quota limit"
	case 45011:
		return "api minute-quota reach limit  mustslower  retry next minute"
	case 47001:
		return "data format error"
	case 47003:
		return "argument invalid!"
	default:
		return "error"
	}
}

// decode unmarshals a JSON request body and reports whether it could.
func decode(body []byte, v any) bool {
	return len(body) > 0 && json.Unmarshal(body, v) == nil
}
