package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/activity"
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
	own    bool // counts is the limiter's own (NewLimiter)
}

// NewLimiter builds a limiter; Close stops its dispatchers.
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{keys: Keys{Prefix: prefix}, now: time.Now, counts: newBatcher(rdb, 1, 2*time.Second), own: true}
}

// NewLimiterWith builds a limiter whose counts travel in the same
// pipelines as q's sign-up decisions (a sign-up's count and decision are
// then one round trip's share each, not one round trip each). A count
// then has the decisions' deadline (5 s) rather than its own (2 s).
func NewLimiterWith(q *Quota, prefix string) *Limiter {
	return &Limiter{keys: Keys{Prefix: prefix}, now: time.Now, counts: q.decisions}
}

// Close stops the dispatchers after the counts queued are sent (a limiter
// sharing a Quota's leaves them to the Quota's Close).
func (l *Limiter) Close() {
	if l.own {
		l.counts.close()
	}
}

// Allow counts one attempt for key and reports whether it is within limit.
func (l *Limiter) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, error) {
	v, err := l.counts.run(fixedWindow, []string{l.windowKey(key, window)}, []any{window.Milliseconds()})
	return within(v, err, limit)
}

// AllowAll checks the keys in order (a request against its user's limit,
// then its address's) as Allow would one after the other: the attempt is
// counted for each key up to the first that is over its limit, not for the
// keys after it. The counts go to Redis together, in one round trip; the
// rare attempt refused by an earlier key is taken back from the later ones
// (until then it holds one of their counts: a concurrent attempt at the
// very edge of a later key's limit may be refused by it).
func (l *Limiter) AllowAll(ctx context.Context, keys []string, limits []int, window time.Duration) (bool, error) {
	ks := make([][]string, len(keys))
	for i, k := range keys {
		ks[i] = []string{l.windowKey(k, window)}
	}
	replies, err := l.counts.runEach(fixedWindow, ks, []any{window.Milliseconds()})
	if err != nil {
		return within(nil, err, 0)
	}
	for i, r := range replies {
		ok, err := within(r.v, r.err, limits[i])
		if err != nil {
			return false, err
		}
		if !ok {
			if later := ks[i+1:]; len(later) > 0 {
				pipe := l.counts.rdb.Pipeline()
				for _, k := range later {
					pipe.Decr(ctx, k[0])
				}
				if _, err := pipe.Exec(context.WithoutCancel(ctx)); err != nil {
					return false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
				}
			}
			return false, nil
		}
	}
	return true, nil
}

// Count is the count AllowAll would make for keys, in a form the quota
// can make in a sign-up's decision (activity.RateCount, Quota.Reserve):
// the same Redis keys, counted the same way. Nil for a limiter not built
// on the quota (NewLimiterWith).
func (l *Limiter) Count(keys []string, limits []int, window time.Duration, refuse func() error) *activity.RateCount {
	if l.own {
		return nil // the quota may count in another Redis: only a limiter sharing its (NewLimiterWith) hands counts over
	}
	c := &activity.RateCount{Keys: make([]string, len(keys)), Limits: limits, Window: window, Refuse: refuse}
	for i, k := range keys {
		c.Keys[i] = l.windowKey(k, window)
	}
	return c
}

func (l *Limiter) windowKey(key string, window time.Duration) string {
	slot := l.now().UnixNano() / int64(window)
	return l.keys.Key("rl", key, strconv.FormatInt(slot, 10))
}

func within(v any, err error, limit int) (bool, error) {
	n, ok := v.(int64)
	if err == nil && !ok {
		err = fmt.Errorf("rate limit: unexpected answer %T", v)
	}
	if err != nil {
		return false, errs.Unavailable(err, "服务暂时繁忙，请稍后再试")
	}
	return n <= int64(limit), nil
}
