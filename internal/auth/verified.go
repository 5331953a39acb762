package auth

import (
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature, issuer and
// expiry were checked, so that a resident's next requests skip the JWT
// parse (the largest cost of an authenticated request after the network).
// It holds the token itself as the key (never a hash of it: a collision
// must not pass one token for another) and forgets an entry when the token
// expires. Two generations bound its size: when the current one is full it
// becomes the previous one and the oldest is dropped; an entry found in the
// previous generation moves to the current one.
type verifiedTokens struct {
	mu        sync.RWMutex
	cur, prev map[string]verifiedToken
}

type verifiedToken struct {
	userID  int64
	ver     int64
	expires time.Time
}

// verifiedGeneration is the size of one generation: two of them hold the
// tokens of the last tens of thousands of residents (about 300 bytes each).
const verifiedGeneration = 32768

func (v *verifiedTokens) get(token string, now time.Time) (verifiedToken, bool) {
	v.mu.RLock()
	t, ok := v.cur[token]
	old := false
	if !ok {
		t, ok = v.prev[token]
		old = ok
	}
	v.mu.RUnlock()
	if !ok || !now.Before(t.expires) {
		return verifiedToken{}, false
	}
	if old {
		v.put(token, t)
	}
	return t, true
}

func (v *verifiedTokens) put(token string, t verifiedToken) {
	v.mu.Lock()
	if v.cur == nil || len(v.cur) >= verifiedGeneration {
		v.prev, v.cur = v.cur, make(map[string]verifiedToken, 1024)
	}
	v.cur[token] = t
	v.mu.Unlock()
}
