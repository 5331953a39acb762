package faulttest

import (
	"testing"
	"time"
)

// MariaDB is SIGKILLed in the middle of a hot release over two server
// processes and started again (InnoDB recovers what was committed). While
// it is down every sign-up is answered (a clear 503 UNAVAILABLE; a seat
// reserved in Redis whose write failed is given back or, when the outcome
// was unclear, settled by the reconciler); nothing answered 201 is lost,
// nothing is half-written, the session ends exactly full, the quota agrees
// with MySQL and every confirmation is sent once.
func TestMariaDBKilledDuringHotRelease(t *testing.T) {
	rds := startRedis(t, "redis", false)
	d := newDeployment(t, rds.addr(), 2)
	admin := d.login(0, "admin")
	aid, sid := d.hotActivity(admin, "新春文艺演出", capacityN, waitlistN)
	res := d.residents("m", residentsN, 1)
	h := newHotRelease(d, sid, res)
	both := []int{0, 1}

	killed := make(chan struct{})
	go func() {
		defer close(killed)
		waitFor(30*time.Second, func() bool { return h.answered.Load() >= residentsN/9 })
		d.maria.kill()
	}()
	h.wave(indexes(0, residentsN/3), both, 12, "at the kill")
	<-killed
	before := len(h.attempts)
	h.wave(indexes(residentsN/3, 2*residentsN/3), both, 12, "mariadb down")
	for _, a := range h.attempts[before:] {
		if a.status != 503 || a.code != "UNAVAILABLE" {
			t.Errorf("while MariaDB is down resident %d got %d %s", a.resident, a.status, a.raw)
		}
	}
	// Logging in needs the database too: a clear 503, not a hang.
	if r, err := d.call(0, "POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:newcomer"}); err != nil || r.Status != 503 {
		t.Errorf("login while MariaDB is down: %d %s %v", r.Status, r.Raw, err)
	}
	d.maria.restart(t)
	h.wave(indexes(2*residentsN/3, residentsN), both, 12, "after the restart")
	h.settle(both, 60*time.Second)

	kinds := h.checkAnswers(t, nil)
	lives := h.checkTruth(t, capacityN, waitlistN)
	checkFull(t, lives, capacityN, waitlistN)
	h.checkQuota(t, admin, aid, capacityN, both)
	st := h.checkNotices(t, 0)
	t.Logf("answers: %s; notices: %v", h.summary(kinds), st)
}
