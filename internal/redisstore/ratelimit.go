package redisstore

import (
	"context"
	"fmt"
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
// Counts from concurrent requests are sent to Redis together (batcher).
type Limiter struct {
	keys   Keys
	now    func() time.Time
	counts *batcher
}

// NewLimiter builds a limiter; Close stops its dispatchers.
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{keys: Keys{Prefix: prefix}, now: time.Now, counts: newBatcher(rdb, fixedWindow, 1, 2*time.Second)}
}

// Close stops the dispatchers after the counts queued are sent.
func (l *Limiter) Close() { l.counts.close() }

// Allow counts one attempt for key and reports whether it is within limit.
func (l *Limiter) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, error) {
	slot := l.now().UnixNano() / int64(window)
	k := l.keys.Key("rl", key, strconv.FormatInt(slot, 10))
	v, err := l.counts.run([]string{k}, []any{window.Milliseconds()})
	n, ok := v.(int64)
	if err == nil && !ok {
		err = fmt.Errorf("rate limit: unexpected answer %T", v)
	}
	if err != nil {
		return false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return n <= int64(limit), nil
}
