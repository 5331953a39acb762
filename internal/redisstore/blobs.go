package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// Blobs caches small binary values (generated images) under the prefix.
type Blobs struct{ keyed }

// NewBlobs builds the cache.
func NewBlobs(rdb redis.UniversalClient, prefix string) *Blobs {
	return &Blobs{newKeyed(rdb, prefix)}
}

// Get returns the value of key (ok=false when absent).
func (b *Blobs) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := b.rdb.Get(ctx, b.keys.Key("blob", key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return v, true, nil
}

// Set stores value under key for ttl.
func (b *Blobs) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := b.rdb.Set(ctx, b.keys.Key("blob", key), value, ttl).Err(); err != nil {
		return errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return nil
}
