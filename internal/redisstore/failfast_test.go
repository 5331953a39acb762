package redisstore_test

import (
	"context"
	"testing"
	"time"

	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
)

// The client's options (Open): a command whose connection is lost
// mid-command is retried once on a new connection (no error), and with
// Redis gone a command fails at once (go-redis's defaults: ≈1.7 s).
func TestClientRetriesOnceAndFailsFastWhenRedisIsGone(t *testing.T) {
	if !testenv.RealRedis() {
		t.Skip("needs a real Redis")
	}
	p := testenv.NewProxy(t, testenv.RedisAddr())
	ctx := context.Background()
	conn, err := redisstore.Open(ctx, redisstore.Options{Addr: p.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rdb := conn.Client
	key := testenv.RandomName("gjtest:failfast:")
	defer rdb.Del(ctx, key)

	for i := 1; i <= 5; i++ {
		p.DropNext()
		n, err := rdb.Incr(ctx, key).Result()
		if err != nil {
			t.Fatalf("a command whose connection was lost: %v (it must be retried once)", err)
		}
		if n != int64(i) {
			t.Fatalf("INCR answered %d, want %d", n, i)
		}
		if p.DropPending() {
			t.Fatal("the proxy swallowed nothing")
		}
	}

	p.Cut()
	start := time.Now()
	err = rdb.Incr(ctx, key).Err()
	took := time.Since(start)
	t.Logf("a command with Redis gone: %v in %v", err, took.Round(time.Millisecond))
	if err == nil {
		t.Fatal("a command succeeded with Redis gone")
	}
	if took > time.Second {
		t.Fatalf("a command with Redis gone took %v", took)
	}
	p.Restore()
	for i := 0; i < 50 && rdb.Ping(ctx).Err() != nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if err := rdb.Incr(ctx, key).Err(); err != nil {
		t.Fatalf("after Redis came back: %v", err)
	}
}
