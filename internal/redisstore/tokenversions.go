package redisstore

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// TokenVersions keeps each user's access-token version (auth.Versions).
// Every version above 0 lives in one hash, "<prefix>{tokver}:v" (user id →
// version), raised with HINCRBY when the user's tokens are revoked, and
// every raise also raises "<prefix>{tokver}:seq". A missing field is
// version 0.
//
// Revocations are rare and reads are on every request, so each process
// keeps a snapshot of the whole hash and trusts it for maxAge: a request
// costs no Redis call at all, and once per maxAge one request reads the
// sequence number (one GET) and, only when it moved, the hash again. A
// revocation therefore reaches every process within maxAge.
//
// A revocation lives as long as Redis keeps it; access tokens expire
// within security.access_token_ttl anyway, so a lost hash only forgets
// revocations of tokens that end by themselves.
type TokenVersions struct {
	rdb    redis.UniversalClient
	keys   Keys
	maxAge time.Duration

	mu   sync.Mutex // one refresh at a time
	snap atomic.Pointer[versionSnapshot]
}

type versionSnapshot struct {
	seq int64
	at  time.Time
	v   map[int64]int64
}

var bumpVersion = redis.NewScript(`
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('INCR', KEYS[2])
return v`)

// NewTokenVersions builds the store; each process trusts what it read for
// maxAge (0: 1 s).
func NewTokenVersions(rdb redis.UniversalClient, prefix string, maxAge time.Duration) *TokenVersions {
	if maxAge <= 0 {
		maxAge = time.Second
	}
	return &TokenVersions{rdb: rdb, keys: Keys{Prefix: prefix}, maxAge: maxAge}
}

func (t *TokenVersions) hashKey() string { return t.keys.Key(Tag("tokver", ""), "v") }
func (t *TokenVersions) seqKey() string  { return t.keys.Key(Tag("tokver", ""), "seq") }

const errVersionsUnavailable = "服务暂时繁忙，请稍后再试"

// Version returns the user's current version (0 when never raised), as
// read at most maxAge ago by this process.
func (t *TokenVersions) Version(ctx context.Context, userID int64) (int64, error) {
	s := t.snap.Load()
	if s == nil || time.Since(s.at) >= t.maxAge {
		var err error
		if s, err = t.refresh(ctx); err != nil {
			return 0, err
		}
	}
	return s.v[userID], nil
}

// refresh reads the sequence number and, when it moved, the whole hash.
func (t *TokenVersions) refresh(ctx context.Context) (*versionSnapshot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.snap.Load()
	if old != nil && time.Since(old.at) < t.maxAge {
		return old, nil // refreshed while this caller waited
	}
	at := time.Now()
	seq, err := t.rdb.Get(ctx, t.seqKey()).Int64()
	if err != nil && err != redis.Nil {
		return nil, errs.Unavailable(err, errVersionsUnavailable)
	}
	if old != nil && seq == old.seq {
		s := &versionSnapshot{seq: seq, at: at, v: old.v}
		t.snap.Store(s)
		return s, nil
	}
	all, err := t.rdb.HGetAll(ctx, t.hashKey()).Result()
	if err != nil {
		return nil, errs.Unavailable(err, errVersionsUnavailable)
	}
	v := make(map[int64]int64, len(all))
	for k, x := range all {
		id, err1 := strconv.ParseInt(k, 10, 64)
		n, err2 := strconv.ParseInt(x, 10, 64)
		if err1 == nil && err2 == nil {
			v[id] = n
		}
	}
	// The hash is read after the sequence number: a raise in between is
	// in the map already and is read again (harmlessly) next time.
	s := &versionSnapshot{seq: seq, at: at, v: v}
	t.snap.Store(s)
	return s, nil
}

// Bump raises the user's version and returns it. This process's snapshot
// is read again at the next request.
func (t *TokenVersions) Bump(ctx context.Context, userID int64) (int64, error) {
	v, err := bumpVersion.Run(ctx, t.rdb, []string{t.hashKey(), t.seqKey()}, strconv.FormatInt(userID, 10)).Int64()
	if err != nil {
		return 0, errs.Unavailable(err, errVersionsUnavailable)
	}
	t.mu.Lock()
	t.snap.Store(nil)
	t.mu.Unlock()
	return v, nil
}

// Current reads the user's version from Redis as it is now (to sign new
// tokens under: a snapshot a moment old would sign under a version just
// raised elsewhere).
func (t *TokenVersions) Current(ctx context.Context, userID int64) (int64, error) {
	v, err := t.rdb.HGet(ctx, t.hashKey(), strconv.FormatInt(userID, 10)).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Unavailable(err, errVersionsUnavailable)
	}
	return v, nil
}
