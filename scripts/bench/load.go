package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// result of one request.
type result struct {
	status int
	code   string
	lat    time.Duration // from the release (hot) or from sending (sustained, sold out)
	err    error
}

func newTransport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: 5 * time.Minute,
		DisableCompression: true, DialContext: (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
}

var keySeq atomic.Int64

// signUp sends one registration on rc and reads the whole answer.
func signUp(rc *rawConn, token string, sessionID int64) (int, string, error) {
	body := []byte(`{"session_id":` + strconv.FormatInt(sessionID, 10) + `,"attendees":[{"self":true}]}`)
	status, raw, err := rc.do("POST", "/api/v1/registrations", []string{
		"Authorization", "Bearer " + token, "Idempotency-Key", "bench-" + strconv.FormatInt(keySeq.Add(1), 36),
	}, body)
	if err != nil {
		return 0, "", err
	}
	code := ""
	if status != 201 {
		var e struct {
			Code string `json:"code"`
		}
		json.Unmarshal(raw, &e)
		code = e.Code
	}
	return status, code, nil
}

// openConns dials n keep-alive connections, connection i to server
// i mod len(bases) (round-robin over the processes), and sends one request
// on each.
func openConns(bases []string, n int) ([]*rawConn, error) {
	conns := make([]*rawConn, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 64)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rc, err := dialRaw(bases[i%len(bases)])
			if err == nil {
				_, _, err = rc.do("GET", "/healthz", nil, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			conns[i] = rc
		}()
	}
	wg.Wait()
	if first != nil {
		closeAll(conns)
		return nil, fmt.Errorf("opening connections: %w", first)
	}
	return conns, nil
}

func closeAll(conns []*rawConn) {
	for _, c := range conns {
		if c != nil {
			c.close()
		}
	}
}

// hotRelease opens one connection per resident (resident i on server
// i mod len(bases)), then fires every sign-up at the same instant;
// latencies are measured from that instant.
func hotRelease(bases []string, tokens []string, sessionID int64) ([]result, error) {
	conns, err := openConns(bases, len(tokens))
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	out := make([]result, len(tokens))
	start := make(chan struct{})
	var wg, ready sync.WaitGroup
	var release time.Time
	for i := range tokens {
		wg.Add(1)
		ready.Add(1)
		go func(i int) {
			defer wg.Done()
			ready.Done()
			<-start
			st, code, err := signUp(conns[i], tokens[i], sessionID)
			out[i] = result{status: st, code: code, lat: time.Since(release), err: err}
		}(i)
	}
	ready.Wait()
	time.Sleep(50 * time.Millisecond) // every goroutine parked on the barrier
	release = time.Now()
	close(start)
	wg.Wait()
	return out, nil
}

// sustained sends one sign-up per token over n keep-alive connections
// (spread over bases), as fast as answers come back; latency is per request.
func sustained(bases []string, tokens []string, sessionID int64, n int) ([]result, time.Duration, error) {
	conns, err := openConns(bases, n)
	if err != nil {
		return nil, 0, err
	}
	defer closeAll(conns)
	out := make([]result, len(tokens))
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for _, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tokens) {
					return
				}
				t0 := time.Now()
				st, code, err := signUp(rc, tokens[i], sessionID)
				out[i] = result{status: st, code: code, lat: time.Since(t0), err: err}
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, time.Since(begin), nil
}

// soldOut sends sign-ups to a full session for d over n connections
// (spread over bases).
func soldOut(bases []string, tokens []string, sessionID int64, n int, d time.Duration) ([]result, time.Duration, error) {
	conns, err := openConns(bases, n)
	if err != nil {
		return nil, 0, err
	}
	defer closeAll(conns)
	var mu sync.Mutex
	var all []result
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	deadline := begin.Add(d)
	for _, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]result, 0, 1<<14)
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) % len(tokens)
				t0 := time.Now()
				st, code, err := signUp(rc, tokens[i], sessionID)
				mine = append(mine, result{status: st, code: code, lat: time.Since(t0), err: err})
				if err != nil {
					break
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, time.Since(begin), nil
}

// stats summarises results.
type stats struct {
	n, confirmed, full, other int
	firstOther                string
	p50, p95, p99, max        time.Duration
}

func summarize(rs []result) stats {
	s := stats{n: len(rs)}
	lats := make([]time.Duration, 0, len(rs))
	for _, r := range rs {
		switch {
		case r.err == nil && r.status == 201:
			s.confirmed++
		case r.err == nil && r.status == 409 && r.code == "QUOTA_FULL":
			s.full++
		default:
			s.other++
			if s.firstOther == "" {
				s.firstOther = fmt.Sprintf("status %d code %s err %v", r.status, r.code, r.err)
			}
		}
		lats = append(lats, r.lat)
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(float64(len(lats))*p))]
	}
	s.p50, s.p95, s.p99 = pct(0.50), pct(0.95), pct(0.99)
	if len(lats) > 0 {
		s.max = lats[len(lats)-1]
	}
	return s
}

// confirmedPerServer counts the 201 answers of a hot release per server
// (resident i was sent to server i mod k).
func confirmedPerServer(rs []result, k int) []int {
	out := make([]int, k)
	for i, r := range rs {
		if r.err == nil && r.status == 201 {
			out[i%k]++
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
