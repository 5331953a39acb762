package auth

import (
	"sync"
	"time"

	"gongjian/internal/errs"
)

// Login's defence against a slow or failing WeChat: each exchange has a
// budget shorter than WeChat's general time limit, and after a few
// outages in a row logins are refused at once (503 WECHAT_UNAVAILABLE)
// instead of each resident waiting out the budget; after a cool-down one
// login goes through as a probe and its outcome decides.
const (
	defaultLoginTimeout    = 3 * time.Second
	defaultBreakerFailures = 3
	defaultBreakerCooldown = 10 * time.Second
	codeWeChatUnavailable  = "WECHAT_UNAVAILABLE"
	msgLoginUnavailable    = "微信登录服务暂时不可用，请稍后再试"
)

var errLoginBreakerOpen = errs.New(errs.KindUnavailable, codeWeChatUnavailable, msgLoginUnavailable)

// breaker counts WeChat outages of this process's logins.
type breaker struct {
	failures int           // outages in a row that open it
	cooldown time.Duration // how long it stays open before a probe
	now      func() time.Time

	mu        sync.Mutex
	streak    int       // outages in a row
	openUntil time.Time // refusing until then (zero: closed)
	probing   bool      // a probe is in flight (half-open)
}

func newBreaker(failures int, cooldown time.Duration, now func() time.Time) *breaker {
	if failures <= 0 {
		failures = defaultBreakerFailures
	}
	if cooldown <= 0 {
		cooldown = defaultBreakerCooldown
	}
	return &breaker{failures: failures, cooldown: cooldown, now: now}
}

// allow reports whether a login may call WeChat now, and whether that call
// is the probe after a cool-down.
func (b *breaker) allow() (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true, false
	}
	if b.probing || b.now().Before(b.openUntil) {
		return false, false
	}
	b.probing = true
	return true, true
}

// done records the outcome of a call allow let through: outage is true
// when WeChat was unreachable, slow or failing (not when it refused the
// code: that is an answer).
func (b *breaker) done(probe, outage bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if !outage {
		b.streak, b.openUntil = 0, time.Time{}
		return
	}
	b.streak++
	if probe || b.streak >= b.failures {
		b.openUntil = b.now().Add(b.cooldown)
	}
}

// abandon records a call whose caller left before its outcome was known.
func (b *breaker) abandon(probe bool) {
	if probe {
		b.mu.Lock()
		b.probing = false
		b.mu.Unlock()
	}
}
