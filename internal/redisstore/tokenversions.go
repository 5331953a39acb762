package redisstore

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// TokenVersions keeps each user's access-token version (auth.Versions):
// one key per user, raised with INCR when the user's tokens are revoked.
// A missing key is version 0. A revocation lives as long as Redis keeps it;
// access tokens expire within security.access_token_ttl anyway.
type TokenVersions struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewTokenVersions builds the store.
func NewTokenVersions(rdb redis.UniversalClient, prefix string) *TokenVersions {
	return &TokenVersions{rdb: rdb, keys: Keys{Prefix: prefix}}
}

func (t *TokenVersions) key(userID int64) string {
	return t.keys.Key("tokver", strconv.FormatInt(userID, 10))
}

// Version returns the user's current version (0 when never raised).
func (t *TokenVersions) Version(ctx context.Context, userID int64) (int64, error) {
	v, err := t.rdb.Get(ctx, t.key(userID)).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return v, nil
}

// Bump raises the user's version and returns it.
func (t *TokenVersions) Bump(ctx context.Context, userID int64) (int64, error) {
	v, err := t.rdb.Incr(ctx, t.key(userID)).Result()
	if err != nil {
		return 0, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return v, nil
}
