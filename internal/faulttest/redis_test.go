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

// newScenarioRelease makes, as d's admin, the fault scenarios' hot
// activity (capacityN seats, waitlistN waitlist places) and residentsN
// residents, named with prefix, to rush its session.
func newScenarioRelease(d *deployment, prefix string) (admin resident, activityID int64, h *hotRelease) {
	d.t.Helper()
	admin = d.login(0, "admin")
	activityID, sid := d.hotActivity(admin, "新春文艺演出", capacityN, waitlistN)
	return admin, activityID, newHotRelease(d, sid, d.residents(prefix, residentsN, 1))
}

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
	d, rds := newTwoServerDeployment(t)
	killedDuringHotRelease(t, d, "r", "Redis", rds, func() {})
}

// backing is a backing server a scenario kills and starts again.
type backing interface {
	kill()
	restart(t *testing.T)
}

// killedDuringHotRelease runs a hot release over d's two processes in
// which srv (named name) is SIGKILLed when a third of the first third of
// the residents (named with prefix) are answered: while it is down every
// sign-up is a clear 503 UNAVAILABLE (and down checks more); after its
// restart the session ends exactly full, the quota agrees with MySQL and
// every confirmation is sent once.
func killedDuringHotRelease(t *testing.T, d *deployment, prefix, name string, srv backing, down func()) {
	t.Helper()
	admin, aid, h := newScenarioRelease(d, prefix)
	both := []int{0, 1}

	// The first third rushes in; the server dies when a third of them are answered.
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		waitFor(30*time.Second, func() bool { return h.answered.Load() >= residentsN/9 })
		srv.kill()
	}()
	h.wave(indexes(0, residentsN/3), both, 12, "at the kill")
	<-killed
	before := len(h.attempts)
	h.wave(indexes(residentsN/3, 2*residentsN/3), both, 12, name+" down")
	for _, a := range h.attempts[before:] {
		if a.status != 503 || a.code != "UNAVAILABLE" {
			t.Errorf("while %s is down resident %d got %d %s", name, a.resident, a.status, a.raw)
		}
	}
	down()
	srv.restart(t)
	h.wave(indexes(2*residentsN/3, residentsN), both, 12, "after the restart")
	h.settle(both, 60*time.Second)

	kinds := h.checkAnswers(t, nil)
	lives := h.checkTruth(t, capacityN, waitlistN)
	checkFull(t, lives, capacityN, waitlistN)
	h.checkQuota(t, admin, aid, capacityN, both)
	st := h.checkNotices(t, 0)
	t.Logf("answers: %s; notices: %v", h.summary(kinds), st)
}
