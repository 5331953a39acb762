package activity_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/redisstore"
)

// scriptTrips counts the round trips to Redis that run a script (a
// pipeline of several runs is one).
type scriptTrips struct{ n atomic.Int64 }

func (h *scriptTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// A round trip whose scripts Redis did not know (NOSCRIPT: the script
// cache was flushed, e.g. by another package's tests sharing this Redis,
// and the script is sent again in full) is not counted: the one that runs
// it is.
func (h *scriptTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if isScript(cmd) && !redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			h.n.Add(1)
		}
		return err
	}
}

func (h *scriptTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if isScript(c) && !redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				h.n.Add(1)
				break
			}
		}
		return err
	}
}

func isScript(c redis.Cmder) bool {
	n := strings.ToLower(c.Name())
	return n == "evalsha" || n == "eval"
}

// limitedSignUps signs up with the rate limit as the API counts it: the
// account's key, then the address's, in the decision when the quota can
// (RegisterInput.Count), else on their own (Admit).
type limitedSignUps struct {
	e       *env
	limiter *redisstore.Limiter
	limits  []int
}

var errLimited = errs.New(errs.KindRateLimited, "RATE_LIMITED", "操作太频繁，请稍后再试")

func (l limitedSignUps) keys(uid int64, ip string) []string {
	return []string{"registration:u:" + itoa(uid), "registration:ip:" + ip}
}

func (l limitedSignUps) input(uid int64, ip string, sid int64, key string) activity.RegisterInput {
	keys := l.keys(uid, ip)
	return activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: []activity.AttendeeRef{{Self: true}}, IdemKey: key,
		Admit: func(ctx context.Context) error {
			ok, err := l.limiter.AllowAll(ctx, keys, l.limits, time.Minute)
			if err == nil && !ok {
				return errLimited
			}
			return err
		},
		Count: l.limiter.Count(keys, l.limits, time.Minute, func() error { return errLimited })}
}

// count reads the limiter's count of a key in the current window.
func (l limitedSignUps) count(key string) int64 {
	l.e.t.Helper()
	c := l.limiter.Count([]string{key}, []int{1}, time.Minute, nil)
	n, err := l.e.rdb.Get(l.e.ctx, c.Keys[0]).Int64()
	if err != nil && err != redis.Nil {
		l.e.t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// waitForFreshWindow starts the test at the beginning of a limiter window
// (a clock minute) when fewer than 15 s are left of the current one.
func waitForFreshWindow() {
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 15*time.Second {
		time.Sleep(left + 50*time.Millisecond)
	}
}

// A sign-up's rate-limit count travels in its decision's Redis call: one
// round trip to Redis per sign-up instead of two. The count is made once
// per attempt, in the order the API counts (the account's key, then the
// address's, not the address's when the account is over), before
// anything is reserved; an attempt refused before its decision is counted
// afterwards; an account known to be over its limit is refused without
// Redis until the window ends.
func TestRateLimitCountedInTheDecision(t *testing.T) {
	e := newEnv(t, activity.Config{})
	trips := &scriptTrips{}
	e.rdb.AddHook(trips)
	l := limitedSignUps{e: e, limiter: redisstore.NewLimiterWith(e.quota, e.prefix+"rl:"), limits: []int{2, 4}}
	a := e.publish(nil, sess{10, 0}, sess{10, 0}, sess{10, 0})
	s1, s2, s3 := a.Sessions[0].ID, a.Sessions[1].ID, a.Sessions[2].ID
	u := e.newUsers(4)
	const ip = "198.51.100.7"
	waitForFreshWindow()
	// Redis learns the scripts (a script's first run is sent twice: EVALSHA, EVAL).
	if _, err := e.svc.Register(e.ctx, l.input(u[3], "192.0.2.1", s1, "rc-warm")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.limiter.AllowAll(e.ctx, l.keys(u[3], "192.0.2.1"), []int{100, 100}, time.Minute); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		why        string
		uid, sid   int64
		want       string
		trips      int64 // script round trips this attempt made
		user, addr int64 // the counts after it (user: the attempt's account)
	}{
		{"a sign-up: count and decision in one round trip", u[0], s1, "OK", 1, 1, 1},
		{"the account's second", u[0], s2, "OK", 1, 2, 2},
		{"over the account's limit: refused, nothing reserved, the address not counted", u[0], s3, "RATE_LIMITED", 1, 3, 2},
		{"again: refused from memory, without Redis", u[0], s3, "RATE_LIMITED", 0, 3, 2},
		{"refused before its decision: counted afterwards", u[1], s3 + 1000000, "SESSION_NOT_FOUND", 1, 1, 3},
		{"another account, the address's 4th", u[1], s3, "OK", 1, 2, 4},
		{"over the address's limit: counted for the account, then refused", u[2], s1, "RATE_LIMITED", 1, 1, 5},
		{"the address known over its limit: refused from memory", u[2], s3 + 1000000, "RATE_LIMITED", 0, 1, 5},
	}
	for i, s := range steps {
		before := trips.n.Load()
		_, err := e.svc.Register(e.ctx, l.input(s.uid, ip, s.sid, "rc"+itoa(int64(i))))
		got := trips.n.Load() - before
		if code(err) != s.want || got != s.trips || l.count("registration:u:"+itoa(s.uid)) != s.user || l.count("registration:ip:"+ip) != s.addr {
			t.Fatalf("%s: got %s, %d script round trips, counts %d/%d; want %s, %d, %d/%d", s.why, code(err), got,
				l.count("registration:u:"+itoa(s.uid)), l.count("registration:ip:"+ip), s.want, s.trips, s.user, s.addr)
		}
	}
	rows := e.liveRows(a.ID)
	if len(rows) != 4 {
		t.Fatalf("live registrations %v, want the 4 admitted", rows)
	}
	e.assertConsistent(a.ID)
}

// Many residents behind one address sign up at once: exactly the
// address's limit get places, the others are refused by the limit with
// nothing reserved, and Redis ends equal to MySQL.
func TestRateLimitInTheDecisionUnderConcurrency(t *testing.T) {
	e := newEnv(t, activity.Config{})
	const n, limit = 40, 25
	l := limitedSignUps{e: e, limiter: redisstore.NewLimiterWith(e.quota, e.prefix+"rl:"), limits: []int{5, limit}}
	a, sid := e.publishOne(sess{100, 0})
	u := e.newUsers(n)
	waitForFreshWindow()
	var wg sync.WaitGroup
	var ok, limited, other atomic.Int64
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Register(e.ctx, l.input(u[i], "203.0.113.9", sid, "cc"+itoa(int64(i))))
			switch code(err) {
			case "OK":
				ok.Add(1)
			case "RATE_LIMITED":
				limited.Add(1)
			default:
				other.Add(1)
				t.Errorf("unexpected answer %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != limit || limited.Load() != n-limit || other.Load() != 0 {
		t.Fatalf("%d confirmed, %d limited, %d other; want %d, %d, 0", ok.Load(), limited.Load(), other.Load(), limit, n-limit)
	}
	if got := l.count("registration:ip:203.0.113.9"); got != n {
		t.Fatalf("the address counted %d attempts, want %d", got, n)
	}
	if rows := e.liveRows(a.ID); len(rows) != limit {
		t.Fatalf("%d live registrations, want %d", len(rows), limit)
	}
	e.assertConsistent(a.ID)
}
