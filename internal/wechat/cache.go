package wechat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// redisCache adapts a go-redis v9 client to silenceper's cache.Cache (the
// library's own Redis cache uses go-redis v8). silenceper stores only the
// access token in it, as a string.
//
// The last value set is also kept in the process and used while Redis
// cannot answer: without it every WeChat call of a process would fetch a
// token (one at a time, behind silenceper's lock) for as long as Redis is
// down, and calls would time out queueing for tokens.
type redisCache struct {
	rdb    redis.UniversalClient
	prefix string

	mu    sync.Mutex
	local map[string]localValue
}

type localValue struct {
	val     string
	expires time.Time
}

var _ cache.ContextCache = (*redisCache)(nil)

// Get returns the cached string, or nil when missing or unreadable (the
// library then fetches a new token).
func (c *redisCache) Get(key string) any { return c.GetContext(context.Background(), key) }

// GetContext is Get with a context.
func (c *redisCache) GetContext(ctx context.Context, key string) any {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	switch {
	case err == nil:
		return v
	case errors.Is(err, redis.Nil):
		return nil // really missing (deleted after WeChat refused it, or expired)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if lv, ok := c.local[key]; ok && time.Now().Before(lv.expires) {
		return lv.val
	}
	return nil
}

// Set stores val (a string or []byte) for timeout. A timeout of zero or
// less means the value is already stale: the key is deleted instead, so a
// token never lingers without expiry.
//
// A failed Redis write is not reported: silenceper would fail the call even
// though it holds a good token. The next call simply fetches the token
// again, so WeChat calls keep working while Redis is down.
func (c *redisCache) Set(key string, val any, timeout time.Duration) error {
	return c.SetContext(context.Background(), key, val, timeout)
}

// SetContext is Set with a context.
func (c *redisCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	var s string
	switch v := val.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("wechat cache: unsupported value type %T", val)
	}
	if timeout <= 0 {
		_ = c.DeleteContext(ctx, key)
		return nil
	}
	c.mu.Lock()
	if c.local == nil {
		c.local = map[string]localValue{}
	}
	c.local[key] = localValue{val: s, expires: time.Now().Add(timeout)}
	c.mu.Unlock()
	_ = c.rdb.Set(ctx, c.prefix+key, s, timeout).Err()
	return nil
}

// IsExist reports whether key is cached.
func (c *redisCache) IsExist(key string) bool { return c.IsExistContext(context.Background(), key) }

// IsExistContext is IsExist with a context.
func (c *redisCache) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (c *redisCache) Delete(key string) error { return c.DeleteContext(context.Background(), key) }

// DeleteContext is Delete with a context.
func (c *redisCache) DeleteContext(ctx context.Context, key string) error {
	c.mu.Lock()
	delete(c.local, key)
	c.mu.Unlock()
	err := c.rdb.Del(ctx, c.prefix+key).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}
