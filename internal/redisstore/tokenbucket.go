package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
)

// takeToken is a token bucket in one hash: t = tokens, ts = last refill in
// microseconds of the Redis server clock (so processes on hosts with
// skewed clocks share one time line). It returns 0 when a token was taken,
// else the microseconds to wait for one.
var takeToken = redis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', string.format('%d', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait`)

// TokenBucket is a rate limiter shared by every process using the same
// Redis and key: at most Burst at once, refilled at PerSecond.
type TokenBucket struct {
	rdb       redis.UniversalClient
	key       string
	perSecond int
	burst     int
}

// NewTokenBucket returns the bucket name under prefix.
func NewTokenBucket(rdb redis.UniversalClient, prefix, name string, perSecond, burst int) *TokenBucket {
	if burst <= 0 {
		burst = max(1, perSecond)
	}
	return &TokenBucket{rdb: rdb, key: Keys{Prefix: prefix}.Key("bucket", Tag("", name)), perSecond: perSecond, burst: burst}
}

// Take takes one token: it returns 0 when taken, else how long to wait
// before a token is available.
func (b *TokenBucket) Take(ctx context.Context) (time.Duration, error) {
	us, err := takeToken.Run(ctx, b.rdb, []string{b.key}, b.perSecond, b.burst).Int64()
	if err != nil {
		return 0, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return time.Duration(us) * time.Microsecond, nil
}
