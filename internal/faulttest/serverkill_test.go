package faulttest

import (
	"testing"
	"time"

	"gongjian/internal/wxemu"
)

// One of two server processes is SIGKILLed in the middle of a hot release
// (with sign-ups, group-commit writes and WeChat sends under way) and
// started again. Residents whose request died with it retry on the other
// process with the same Idempotency-Key, as the mini-program does. After
// the restart MySQL and Redis agree (the reconciler settles the seats the
// dead process had reserved), no sign-up answered 201 is lost, the session
// ends exactly full, and every confirmation is sent once — except the few
// whose WeChat call was under way at the kill, which are marked uncertain
// and never resent.
func TestServerKilledDuringHotRelease(t *testing.T) {
	d, _ := newTwoServerDeployment(t, "GONGJIAN_NOTIFY_CONCURRENCY", "4")
	admin, aid, h := newScenarioRelease(d, "k")
	both := []int{0, 1}
	// WeChat answers after 30 ms so sends are under way when the process dies.
	d.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Delay: 30 * time.Millisecond})

	killed := make(chan struct{})
	go func() {
		defer close(killed)
		waitFor(30*time.Second, func() bool { return h.answered.Load() >= residentsN/6 })
		d.servers[1].kill()
	}()
	h.wave(indexes(0, residentsN/2), both, 12, "at the kill")
	<-killed
	// The load balancer sends everyone to the survivor; those whose request
	// died retry there.
	h.wave(indexes(residentsN/2, 3*residentsN/4), []int{0}, 12, "one process")
	h.settle([]int{0}, 60*time.Second)
	d.startServer(1)
	h.wave(indexes(3*residentsN/4, residentsN), both, 12, "after the restart")
	h.settle(both, 60*time.Second)

	kinds := h.checkAnswers(t, map[int]bool{1: true})
	if kinds["no answer"] == 0 {
		t.Log("the kill cut no request short (it landed between requests)")
	}
	lives := h.checkTruth(t, capacityN, waitlistN)
	checkFull(t, lives, capacityN, waitlistN)
	h.checkQuota(t, admin, aid, capacityN, both)
	d.tenant.ClearFaults()
	st := h.checkNotices(t, 4) // at most the dead process's concurrent WeChat calls
	t.Logf("answers: %s; notices: %v", h.summary(kinds), st)
}
