package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// fixedWindow counts a hit in the current window and reports the count.
var fixedWindow = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// Limiter is a fixed-window rate limiter shared by every server process.
type Limiter struct {
	rdb  redis.UniversalClient
	keys Keys
	now  func() time.Time
}

// NewLimiter builds a limiter.
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, keys: Keys{Prefix: prefix}, now: time.Now}
}

// Allow counts one attempt for key and reports whether it is within limit.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	slot := l.now().UnixNano() / int64(window)
	k := l.keys.Key("rl", key, strconv.FormatInt(slot, 10))
	n, err := fixedWindow.Run(ctx, l.rdb, []string{k}, window.Milliseconds()).Int64()
	if err != nil {
		return false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return n <= int64(limit), nil
}
