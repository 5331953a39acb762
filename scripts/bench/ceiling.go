package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// The ceilings: what this machine does in the same run with nothing of
// ours in the way, so that our figures read as fractions of them rather
// than as absolute numbers of one machine.
//
//   - bare Gin: a Gin engine (release mode, no middleware) in the bench
//     process answering POST /api/v1/registrations by decoding the JSON
//     body and answering 409 QUOTA_FULL, driven by the same load generator
//     over the same number of connections as the sold-out mode;
//   - bare EVALSHA: go-redis clients calling EVALSHA of a one-key script
//     (a GET and a comparison, the least a quota decision does) in a loop
//     on the same Redis, with as many goroutines as connections.

// bareGin serves the bare Gin handler on a free loopback port.
type bareGin struct {
	srv *http.Server
	url string
}

func startBareGin() (*bareGin, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/registrations", func(c *gin.Context) {
		var req struct {
			SessionID int64 `json:"session_id"`
			Attendees []struct {
				Self bool `json:"self"`
			} `json:"attendees"`
		}
		if err := c.ShouldBindJSON(&req); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"code": "BAD_JSON"})
			return
		}
		c.JSON(http.StatusConflict, gin.H{"code": "QUOTA_FULL", "message": "名额已满"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &bareGin{srv: &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}, url: "http://" + ln.Addr().String()}
	go g.srv.Serve(ln)
	return g, nil
}

func (g *bareGin) close() { g.srv.Close() }

const bareScript = `local v = redis.call('GET', KEYS[1]) if v and tonumber(v) >= tonumber(ARGV[1]) then return 1 end return 0`

// evalshaLoop runs EVALSHA of bareScript from n goroutines for d and
// returns the calls per second.
func evalshaLoop(rdb redis.UniversalClient, key string, n int, d time.Duration) (float64, error) {
	ctx := context.Background()
	sha, err := rdb.ScriptLoad(ctx, bareScript).Result()
	if err != nil {
		return 0, err
	}
	if err := rdb.Set(ctx, key, 0, time.Minute).Err(); err != nil {
		return 0, err
	}
	defer rdb.Del(ctx, key)
	var calls atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	begin := time.Now()
	deadline := begin.Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := rdb.EvalSha(ctx, sha, []string{key}, 1).Err(); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return 0, fmt.Errorf("bare EVALSHA: %w", err)
	}
	return float64(calls.Load()) / time.Since(begin).Seconds(), nil
}

// ceilings measures both ceilings with the sold-out mode's connections
// and duration and prints them.
func (b *bench) ceilings(sessionID int64) (gin, evalsha float64, err error) {
	g, err := startBareGin()
	if err != nil {
		return 0, 0, err
	}
	defer g.close()
	var rs []result
	var took time.Duration
	b.measure("bare Gin, served by the bench process", func() int {
		rs, took, err = soldOut([]string{g.url}, b.tokens[1:], sessionID, b.o.conns, b.o.duration)
		return len(rs)
	})
	if err != nil {
		return 0, 0, err
	}
	st := summarize(rs)
	if st.full != len(rs) {
		return 0, 0, fmt.Errorf("bare Gin: %d of %d answers were not 409 QUOTA_FULL", len(rs)-st.full, len(rs))
	}
	gin = float64(st.full) / took.Seconds()
	b.measure("bare EVALSHA loop in the bench process", func() int {
		evalsha, err = evalshaLoop(b.rdb, "gjbench-evalsha:"+randHex(4), b.o.conns, b.o.duration)
		return int(evalsha * b.o.duration.Seconds())
	})
	if err != nil {
		return 0, 0, err
	}
	fmt.Printf("  ceilings in this run: bare Gin %.0f answers/s (p50 %s, p99 %s), bare EVALSHA %.0f calls/s\n", gin, ms(st.p50), ms(st.p99), evalsha)
	return gin, evalsha, nil
}
