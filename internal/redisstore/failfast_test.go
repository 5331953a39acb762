package redisstore_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
)

// dropProxy forwards TCP to Redis. swallowNext makes it drop the
// connection that carries the next command, without passing the command
// on (a connection lost mid-command); down closes its port and every
// connection (Redis gone: connections are refused) until up.
type dropProxy struct {
	t       *testing.T
	target  string
	addr    string
	swallow atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	p := &dropProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *dropProxy) up() {
	p.t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln {
				// down ran while this connection was being set up: it
				// must not outlive it (a pool dialling in the background
				// kept one, and a command "with Redis gone" succeeded).
				p.mu.Unlock()
				c.Close()
				s.Close()
				return
			}
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			go p.forward(c, s)
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// forward passes the client's bytes on, unless the proxy is to swallow
// the next command: then both ends are closed instead.
func (p *dropProxy) forward(c, s net.Conn) {
	defer s.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 && p.swallow.CompareAndSwap(true, false) {
			c.Close()
			return
		}
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *dropProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// The client's options (Open): a command whose connection is lost
// mid-command is retried once on a new connection (no error), and with
// Redis gone a command fails at once (go-redis's defaults: ≈1.7 s).
func TestClientRetriesOnceAndFailsFastWhenRedisIsGone(t *testing.T) {
	if !testenv.RealRedis() {
		t.Skip("needs a real Redis")
	}
	p := newDropProxy(t, testenv.RedisAddr())
	ctx := context.Background()
	conn, err := redisstore.Open(ctx, redisstore.Options{Addr: p.addr})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rdb := conn.Client
	key := testenv.RandomName("gjtest:failfast:")
	defer rdb.Del(ctx, key)

	for i := 1; i <= 5; i++ {
		p.swallow.Store(true)
		n, err := rdb.Incr(ctx, key).Result()
		if err != nil {
			t.Fatalf("a command whose connection was lost: %v (it must be retried once)", err)
		}
		if n != int64(i) {
			t.Fatalf("INCR answered %d, want %d", n, i)
		}
		if p.swallow.Load() {
			t.Fatal("the proxy swallowed nothing")
		}
	}

	p.down()
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
	p.up()
	for i := 0; i < 50 && rdb.Ping(ctx).Err() != nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if err := rdb.Incr(ctx, key).Err(); err != nil {
		t.Fatalf("after Redis came back: %v", err)
	}
}
