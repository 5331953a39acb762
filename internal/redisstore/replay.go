package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// Nonces remembers keys for a while across server processes (e.g. signed
// webhook requests, so a replayed request is refused).
type Nonces struct{ keyed }

// NewNonces builds the key memory under prefix.
func NewNonces(rdb redis.UniversalClient, prefix string) *Nonces {
	return &Nonces{newKeyed(rdb, prefix)}
}

// Claim records key for ttl; it reports false when key was recorded already.
func (n *Nonces) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := n.rdb.SetNX(ctx, n.keys.Key("nonce", key), 1, ttl).Result()
	if err != nil {
		return false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return ok, nil
}

// Release forgets key.
func (n *Nonces) Release(ctx context.Context, key string) error {
	if err := n.rdb.Del(ctx, n.keys.Key("nonce", key)).Err(); err != nil {
		return errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return nil
}
