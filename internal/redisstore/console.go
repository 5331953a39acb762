package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/consoleauth"
	"gongjian/internal/errs"
)

// ConsoleSessions keeps console sessions and login codes
// (consoleauth.Store): one JSON value per key, keys named by hashes of the
// secrets browsers hold.
type ConsoleSessions struct{ keyed }

// NewConsoleSessions builds the store.
func NewConsoleSessions(rdb redis.UniversalClient, prefix string) *ConsoleSessions {
	return &ConsoleSessions{newKeyed(rdb, prefix)}
}

const errConsoleStore = "服务暂时繁忙，请稍后再试"

func (c *ConsoleSessions) sessKey(k string) string { return c.keys.Key("console", "sess", k) }
func (c *ConsoleSessions) qrKey(t string) string   { return c.keys.Key("console", "qr", t) }

func (c *ConsoleSessions) put(ctx context.Context, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errs.Internal(err)
	}
	if err := c.rdb.Set(ctx, key, b, ttl).Err(); err != nil {
		return errs.Unavailable(err, errConsoleStore)
	}
	return nil
}

func (c *ConsoleSessions) get(ctx context.Context, key string, v any) (bool, error) {
	b, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, errs.Unavailable(err, errConsoleStore)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, errs.Internal(err)
	}
	return true, nil
}

// SaveSession stores s under key for ttl.
func (c *ConsoleSessions) SaveSession(ctx context.Context, key string, s consoleauth.Session, ttl time.Duration) error {
	return c.put(ctx, c.sessKey(key), s, ttl)
}

// Session loads a session.
func (c *ConsoleSessions) Session(ctx context.Context, key string) (consoleauth.Session, bool, error) {
	var s consoleauth.Session
	ok, err := c.get(ctx, c.sessKey(key), &s)
	return s, ok, err
}

// DeleteSession ends a session.
func (c *ConsoleSessions) DeleteSession(ctx context.Context, key string) error {
	if err := c.rdb.Del(ctx, c.sessKey(key)).Err(); err != nil {
		return errs.Unavailable(err, errConsoleStore)
	}
	return nil
}

// SaveQR stores a new login code.
func (c *ConsoleSessions) SaveQR(ctx context.Context, q consoleauth.QR, ttl time.Duration) error {
	return c.put(ctx, c.qrKey(q.Ticket), q, ttl)
}

// QR loads a login code.
func (c *ConsoleSessions) QR(ctx context.Context, ticket string) (consoleauth.QR, bool, error) {
	var q consoleauth.QR
	ok, err := c.get(ctx, c.qrKey(ticket), &q)
	return q, ok, err
}

// UpdateQR changes a code under WATCH: two phones acting at once cannot
// both win.
func (c *ConsoleSessions) UpdateQR(ctx context.Context, ticket string, fn func(q *consoleauth.QR) error) (consoleauth.QR, error) {
	key := c.qrKey(ticket)
	var out consoleauth.QR
	for attempt := 0; attempt < 5; attempt++ {
		err := c.rdb.Watch(ctx, func(tx *redis.Tx) error {
			b, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return consoleauth.ErrQRNotFound
			}
			if err != nil {
				return err
			}
			var q consoleauth.QR
			if err := json.Unmarshal(b, &q); err != nil {
				return err
			}
			if err := fn(&q); err != nil {
				return err
			}
			nb, _ := json.Marshal(q)
			ttl := tx.PTTL(ctx, key).Val()
			if ttl <= 0 {
				ttl = time.Minute
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, nb, ttl)
				return nil
			})
			out = q
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		var e *errs.Error
		if errors.As(err, &e) {
			return out, e
		}
		if err != nil {
			return out, errs.Unavailable(err, errConsoleStore)
		}
		return out, nil
	}
	return out, errs.Conflict("QR_BUSY", "操作太频繁，请重试")
}

// TakeQR deletes a code; only one caller gets true.
func (c *ConsoleSessions) TakeQR(ctx context.Context, ticket string) (bool, error) {
	n, err := c.rdb.Del(ctx, c.qrKey(ticket)).Result()
	if err != nil {
		return false, errs.Unavailable(err, errConsoleStore)
	}
	return n == 1, nil
}
