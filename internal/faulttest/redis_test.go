package faulttest

import (
	"testing"
	"time"
)

// releaseSize is every fault scenario's hot release: more residents than
// seats and waitlist places, so the session must end exactly full.
const (
	residentsN = 120
	capacityN  = 30
	waitlistN  = 10
)

// checkFull: the session ended exactly full — every seat and waitlist
// place taken once, none twice (demand was larger than both).
func checkFull(t *testing.T, lives []live, capacity, waitlist int) {
	t.Helper()
	n := map[string]int{}
	for _, l := range lives {
		n[l.status]++
	}
	if n["confirmed"] != capacity || n["waitlisted"] != waitlist {
		t.Errorf("the session ended with %d confirmed of %d seats and %d of %d waitlist places: seats were lost or oversold",
			n["confirmed"], capacity, n["waitlisted"], waitlist)
	}
}

// Redis is SIGKILLed in the middle of a hot release over two server
// processes and comes back empty. While it is down every sign-up is
// answered with a clear 503 UNAVAILABLE and nothing is written; sign-ups
// answered before the kill are all in MySQL; after the restart the quota
// is rebuilt from MySQL, the session fills exactly to capacity, the
// quota agrees with MySQL and every confirmation is sent once.
func TestRedisKilledDuringHotRelease(t *testing.T) {
	rds := startRedis(t, "redis", false)
	d := newDeployment(t, rds.addr(), 2)
	admin := d.login(0, "admin")
	aid, sid := d.hotActivity(admin, "新春文艺演出", capacityN, waitlistN)
	res := d.residents("r", residentsN, 1)
	h := newHotRelease(d, sid, res)
	both := []int{0, 1}

	// The first third rushes in; Redis dies when a third of them are answered.
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		waitFor(30*time.Second, func() bool { return h.answered.Load() >= residentsN/9 })
		rds.kill()
	}()
	h.wave(indexes(0, residentsN/3), both, 12, "at the kill")
	<-killed
	before := len(h.attempts)
	h.wave(indexes(residentsN/3, 2*residentsN/3), both, 12, "redis down")
	for _, a := range h.attempts[before:] {
		if a.status != 503 || a.code != "UNAVAILABLE" {
			t.Errorf("while Redis is down resident %d got %d %s", a.resident, a.status, a.raw)
		}
	}
	rds.restart(t) // empty
	h.wave(indexes(2*residentsN/3, residentsN), both, 12, "after the restart")
	h.settle(both, 60*time.Second)

	kinds := h.checkAnswers(t, nil)
	lives := h.checkTruth(t, capacityN, waitlistN)
	checkFull(t, lives, capacityN, waitlistN)
	h.checkQuota(t, admin, aid, capacityN, both)
	st := h.checkNotices(t, 0)
	t.Logf("answers: %s; notices: %v", h.summary(kinds), st)
}
