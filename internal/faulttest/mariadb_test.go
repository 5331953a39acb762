package faulttest

import (
	"testing"
)

// MariaDB is SIGKILLed in the middle of a hot release over two server
// processes and started again (InnoDB recovers what was committed). While
// it is down every sign-up is answered (a clear 503 UNAVAILABLE; a seat
// reserved in Redis whose write failed is given back or, when the outcome
// was unclear, settled by the reconciler); nothing answered 201 is lost,
// nothing is half-written, the session ends exactly full, the quota agrees
// with MySQL and every confirmation is sent once.
func TestMariaDBKilledDuringHotRelease(t *testing.T) {
	d, _ := newTwoServerDeployment(t)
	killedDuringHotRelease(t, d, "m", "MariaDB", d.maria, func() {
		// Logging in needs the database too: a clear 503, not a hang.
		if r, err := d.call(0, "POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:newcomer"}); err != nil || r.Status != 503 {
			t.Errorf("login while MariaDB is down: %d %s %v", r.Status, r.Raw, err)
		}
	})
}
