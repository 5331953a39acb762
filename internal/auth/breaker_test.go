package auth

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBreaker(t *testing.T) {
	type step struct {
		advance time.Duration
		allowed bool
		probe   bool
		outcome string // after an allowed call: "ok", "outage", "left"
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"outages below the threshold keep it closed", []step{
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "ok"},
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "ok"},
		}},
		{"three outages in a row open it until the cool-down", []step{
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "outage"},
			{0, false, false, ""}, {9 * time.Second, false, false, ""},
		}},
		{"a successful probe closes it", []step{
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "outage"},
			{10 * time.Second, true, true, "ok"}, {0, true, false, "outage"}, {0, true, false, "ok"},
		}},
		{"a failed probe opens it for another cool-down", []step{
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "outage"},
			{10 * time.Second, true, true, "outage"}, {0, false, false, ""}, {9 * time.Second, false, false, ""},
			{time.Second, true, true, "ok"},
		}},
		{"a probe whose caller left lets the next call probe", []step{
			{0, true, false, "outage"}, {0, true, false, "outage"}, {0, true, false, "outage"},
			{10 * time.Second, true, true, "left"}, {0, true, true, "ok"}, {0, true, false, "ok"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			b := newBreaker(3, 10*time.Second, clk.now)
			for i, s := range c.steps {
				clk.t = clk.t.Add(s.advance)
				ok, probe := b.allow()
				if ok != s.allowed || probe != s.probe {
					t.Fatalf("step %d: allow() = %v, %v; want %v, %v", i, ok, probe, s.allowed, s.probe)
				}
				switch s.outcome {
				case "ok":
					b.done(probe, false)
				case "outage":
					b.done(probe, true)
				case "left":
					b.abandon(probe)
				}
			}
		})
	}
}

// After the cool-down, of many logins arriving at once exactly one goes
// through to WeChat; the others are refused at once.
func TestBreakerOneProbeAtATime(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	b := newBreaker(1, time.Second, clk.now)
	b.allow()
	b.done(false, true)
	clk.t = clk.t.Add(time.Second)
	var through atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if ok, probe := b.allow(); ok {
				if !probe {
					t.Error("a call went through an open breaker without being the probe")
				}
				through.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := through.Load(); n != 1 {
		t.Fatalf("%d calls went through after the cool-down, want exactly 1", n)
	}
}
