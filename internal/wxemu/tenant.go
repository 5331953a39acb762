package wxemu

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Fault changes how the emulator answers calls to one endpoint of one
// tenant. Exactly one effect applies, checked in this order: Drop, Status,
// Body, ErrCode; Delay applies before any of them and, when it is the only
// field set, before normal processing.
type Fault struct {
	// ErrCode answers {"errcode":ErrCode,"errmsg":ErrMsg} with HTTP 200.
	// 40001, 42001 and 40014 also invalidate the access token the call
	// carried, as WeChat would, so a retry must fetch a fresh token.
	ErrCode int
	// ErrMsg overrides WeChat's message for ErrCode.
	ErrMsg string
	// Status answers with this HTTP status (e.g. 500) and Body (default:
	// the status text).
	Status int
	// Body answers these raw bytes with HTTP 200 (or Status), e.g. an HTML
	// page from a proxy: non-JSON.
	Body string
	// ContentType of Body; default text/html.
	ContentType string
	// Delay waits before answering (for client timeouts). It ends early if
	// the client goes away.
	Delay time.Duration
	// Drop closes the connection without answering. Note that net/http
	// clients may transparently resend an idempotent GET once on a reused
	// connection, so a Times: 1 drop of code2session can go unnoticed.
	Drop bool
	// Times is how many calls the fault applies to; 0 means every call
	// until [Tenant.ClearFaults].
	Times int
}

// Call is one request the emulator received, as seen in [Tenant.Calls].
type Call struct {
	Endpoint    Endpoint
	AccessToken string // the token the call carried, if any
	Status      int    // HTTP status answered (0 when dropped)
	ErrCode     int    // errcode answered, 0 on success
	Dropped     bool   // the connection was closed without an answer
	At          time.Time
}

// SentMessage is one accepted subscribe message.
type SentMessage struct {
	AppID            string
	ToUser           string
	TemplateID       string
	Page             string
	Data             map[string]string
	MiniprogramState string
	Lang             string
	MsgID            int64
	At               time.Time
}

// template is a subscribe-message template known to a tenant.
type template struct {
	id   string
	keys []string // e.g. "thing1", "time2"; empty means any keys
}

// Tenant is the emulator state of one AppID. All methods are safe for
// concurrent use. Configuration methods affect later calls only.
type Tenant struct {
	appID string

	mu               sync.Mutex
	pushURL          string // message push (media check results)
	pushToken        string
	riskyMedia       []string // SHA-256 of files judged risky
	mediaPushes      int
	secret           string // "" accepts any secret
	unionID          bool
	templates        map[string]template
	pages            map[string]bool
	requireGrants    bool
	grants           map[grant]int
	knownOpenIDsOnly bool
	openIDs          map[string]bool // openids issued by code2session
	riskyWords       []string

	faults map[Endpoint][]*Fault
	counts map[Endpoint]int
	calls  []Call
	sent   []SentMessage

	usedLoginCodes map[string]bool
	usedPhoneCodes map[string]bool

	stable string // current stable token
	tokens map[string]*tokenState
	issued int
}

type grant struct{ openID, templateID string }

type tokenState struct {
	expires time.Time
	revoked bool
}

func newTenant(appID string) *Tenant {
	return &Tenant{
		appID:          appID,
		templates:      map[string]template{},
		pages:          map[string]bool{},
		grants:         map[grant]int{},
		openIDs:        map[string]bool{},
		faults:         map[Endpoint][]*Fault{},
		counts:         map[Endpoint]int{},
		usedLoginCodes: map[string]bool{},
		usedPhoneCodes: map[string]bool{},
		tokens:         map[string]*tokenState{},
	}
}

// AppID returns the tenant's AppID.
func (t *Tenant) AppID() string { return t.appID }

// SetSecret makes code2session, token and stable_token require secret
// (40125 otherwise). The default "" accepts any secret.
func (t *Tenant) SetSecret(secret string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.secret = secret
}

// SetUnionID makes code2session return a unionid.
func (t *Tenant) SetUnionID(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unionID = on
}

// AddTemplate registers a subscribe template. Once any template is
// registered, sends with another template id fail with 40037; a template
// with keys requires exactly those data keys (47003 otherwise).
func (t *Tenant) AddTemplate(id string, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.templates[id] = template{id: id, keys: slices.Clone(keys)}
}

// AddPages registers published pages. Once any page is registered,
// getwxacodeunlimit for another page fails with 41030 unless the request
// sets check_path to false.
func (t *Tenant) AddPages(pages ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range pages {
		t.pages[p] = true
	}
}

// RequireGrants switches on the one-time subscription model: each send
// consumes one grant of (openid, template) given by [Tenant.Grant], and a
// send without one fails with 43101. Off by default (every send accepted).
func (t *Tenant) RequireGrants(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requireGrants = on
}

// Grant records that openID tapped "allow" n more times for templateID.
func (t *Tenant) Grant(openID, templateID string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.grants[grant{openID, templateID}] += n
}

// Grants returns the unused grants of openID for templateID.
func (t *Tenant) Grants(openID, templateID string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.grants[grant{openID, templateID}]
}

// KnownOpenIDsOnly makes subscribe send reject (40003) openids this tenant's
// code2session has not issued. Off by default.
func (t *Tenant) KnownOpenIDsOnly(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.knownOpenIDsOnly = on
}

// SetRiskyWords makes msg_sec_check answer "risky" for text containing any
// of words.
func (t *Tenant) SetRiskyWords(words ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.riskyWords = slices.Clone(words)
}

// Fail adds a fault for endpoint. Faults of one endpoint apply in the order
// added; one with Times left (or Times 0) is used per call.
func (t *Tenant) Fail(endpoint Endpoint, f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults[endpoint] = append(t.faults[endpoint], &f)
}

// ClearFaults removes all faults of the tenant.
func (t *Tenant) ClearFaults() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.faults)
}

// takeFault returns the fault applying to the next call of endpoint.
func (t *Tenant) takeFault(endpoint Endpoint) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.faults[endpoint]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			t.faults[endpoint] = q[1:]
		}
	}
	return *f, true
}

// InvalidateTokens invalidates every access token of the tenant: calls
// carrying one fail with 40001 and stable_token issues a new one.
func (t *Tenant) InvalidateTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.tokens {
		s.revoked = true
	}
}

// ExpireTokens makes every access token of the tenant expired: calls
// carrying one fail with 42001 and stable_token issues a new one.
func (t *Tenant) ExpireTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.tokens {
		s.expires = time.Time{}
	}
}

// TokensIssued returns how many distinct access tokens the tenant was given.
func (t *Tenant) TokensIssued() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issued
}

// Count returns how many calls endpoint received, including faulted and
// in-flight ones.
func (t *Tenant) Count(endpoint Endpoint) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[endpoint]
}

// Calls returns the answered (or dropped) calls of endpoint in order; all
// endpoints when endpoint is "".
func (t *Tenant) Calls(endpoint Endpoint) []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Call
	for _, c := range t.calls {
		if endpoint == "" || c.Endpoint == endpoint {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns every accepted subscribe message in order.
func (t *Tenant) Sent() []SentMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]SentMessage, len(t.sent))
	for i, m := range t.sent {
		m.Data = maps.Clone(m.Data)
		out[i] = m
	}
	return out
}

// SentTo returns the messages accepted for openID, oldest first.
func (t *Tenant) SentTo(openID string) []SentMessage {
	var out []SentMessage
	for _, m := range t.Sent() {
		if m.ToUser == openID {
			out = append(out, m)
		}
	}
	return out
}

// Reset clears faults, counters, the call log, sent messages, grants, used
// codes and tokens, keeping configuration.
func (t *Tenant) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.faults)
	clear(t.counts)
	clear(t.grants)
	clear(t.usedLoginCodes)
	clear(t.usedPhoneCodes)
	clear(t.tokens)
	t.calls, t.sent, t.stable, t.issued = nil, nil, "", 0
}

func (t *Tenant) countCall(endpoint Endpoint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[endpoint]++
}

func (t *Tenant) logCall(c Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, c)
}

// checkSecret reports the errcode for a request's secret (0 if fine).
func (t *Tenant) checkSecret(secret string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case secret == "":
		return 41004
	case t.secret != "" && secret != t.secret:
		return 40125
	}
	return 0
}

// issueToken creates a token valid until now+ttl. The caller holds t.mu.
func (t *Tenant) issueToken(now time.Time, ttl time.Duration) string {
	tok := newToken(t.appID)
	t.tokens[tok] = &tokenState{expires: now.Add(ttl)}
	t.issued++
	return tok
}

// stableToken returns the current stable token and its remaining lifetime,
// issuing a new one if there is no valid one or force is set (which
// invalidates the old one).
func (t *Tenant) stableToken(now time.Time, ttl time.Duration, force bool) (string, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.tokens[t.stable]; ok {
		if !force && !s.revoked && now.Before(s.expires) {
			return t.stable, s.expires.Sub(now)
		}
		if force {
			s.revoked = true
		}
	}
	t.stable = t.issueToken(now, ttl)
	return t.stable, ttl
}

// legacyToken issues a /cgi-bin/token token; the previous ones stay valid
// for at most five more minutes, as on WeChat. Stable tokens are separate.
func (t *Tenant) legacyToken(now time.Time, ttl time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	grace := now.Add(5 * time.Minute)
	for tok, s := range t.tokens {
		if tok != t.stable && s.expires.After(grace) {
			s.expires = grace
		}
	}
	return t.issueToken(now, ttl)
}

// checkToken returns 0 for a valid token, else the errcode WeChat answers.
func (t *Tenant) checkToken(token string, now time.Time) int {
	if token == "" {
		return 41001
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.tokens[token]
	switch {
	case !ok || s.revoked:
		return 40001
	case !now.Before(s.expires):
		return 42001
	}
	return 0
}

func (t *Tenant) revokeToken(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.tokens[token]; ok {
		s.revoked = true
	}
}
