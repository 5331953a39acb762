// Package redisstore connects to Redis (standalone, Sentinel or Cluster via
// go-redis's UniversalClient) or starts an in-process Redis-protocol server
// for the embedded mode, and holds the Lua scripts that run on either.
package redisstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options configure Open.
type Options struct {
	Addr       string // comma-separated; empty starts the embedded server
	Password   string
	DB         int
	MasterName string
}

// Conn is an open Redis connection, with the embedded server when used.
type Conn struct {
	Client   redis.UniversalClient
	Embedded *miniredis.Miniredis // nil when talking to a real Redis
}

// Open connects to Redis, or starts the embedded server when Addr is empty.
func Open(ctx context.Context, o Options) (*Conn, error) {
	c := &Conn{}
	// Fail fast when Redis is away: go-redis's defaults retry a command
	// 3 times and dial 5 times 100 ms apart for each try, so a call met a
	// dead Redis for ≈1.7 s before its 503, and a sign-up (several calls)
	// for ≈6 s. One retry still covers a pooled connection that was
	// dropped (it is retried once on a new one); one dial per try answers
	// a refused connection at once; a short back-off and dial timeout
	// bound an unreachable host. Read and write timeouts are unchanged
	// (a busy Redis must not look dead). TestRedisDownFailsFast.
	uo := &redis.UniversalOptions{
		Password:        o.Password,
		DB:              o.DB,
		MasterName:      o.MasterName,
		MaxRetries:      1,
		MinRetryBackoff: 5 * time.Millisecond,
		MaxRetryBackoff: 50 * time.Millisecond,
		DialTimeout:     time.Second,
		DialerRetries:   1,
		ReadTimeout:     2 * time.Second,
		WriteTimeout:    2 * time.Second,
		PoolSize:        128,
		MinIdleConns:    8,
	}
	if o.Addr == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("redisstore: start embedded server: %w", err)
		}
		c.Embedded = m
		uo.Addrs = []string{m.Addr()}
		uo.DB = 0
	} else {
		for _, a := range strings.Split(o.Addr, ",") {
			if a = strings.TrimSpace(a); a != "" {
				uo.Addrs = append(uo.Addrs, a)
			}
		}
	}
	c.Client = redis.NewUniversalClient(uo)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Client.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redisstore: ping %s: %w", strings.Join(uo.Addrs, ","), err)
	}
	return c, nil
}

// Close closes the client and stops the embedded server.
func (c *Conn) Close() {
	if c.Client != nil {
		c.Client.Close()
	}
	if c.Embedded != nil {
		c.Embedded.Close()
	}
}

// Keys builds key names under one prefix. Keys that a script touches together
// must share a hash tag: Tag wraps the part in braces so Redis Cluster puts
// them in one slot.
type Keys struct{ Prefix string }

// Key joins parts under the prefix.
func (k Keys) Key(parts ...string) string { return k.Prefix + strings.Join(parts, ":") }

// Tag returns a hash-tagged segment, e.g. Tag("s", "42") = "{s42}".
func Tag(kind, id string) string { return "{" + kind + id + "}" }

// DeletePrefix deletes every key under prefix (on every master of a
// Cluster): what a test or a benchmark run wrote under its private prefix.
func DeletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, del)
	case *redis.Client:
		return del(ctx, c)
	}
	return fmt.Errorf("redisstore: cannot scan a %T", rdb)
}

// keyed is what a store keeping values under its own keys holds: the
// client and the keys below its prefix.
type keyed struct {
	rdb  redis.UniversalClient
	keys Keys
}

func newKeyed(rdb redis.UniversalClient, prefix string) keyed {
	return keyed{rdb: rdb, keys: Keys{Prefix: prefix}}
}
