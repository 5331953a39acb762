package notify_test

import (
	"testing"

	"gongjian/internal/notify"
)

// WeChat accepted a message while the database was restarting: the worker
// keeps trying to record it and, once the database is back, records it
// sent — not uncertain — and it is not sent again (found by the MariaDB
// fault scenario in internal/faulttest).
func TestOutcomeRecordedAfterDatabaseRestart(t *testing.T) {
	e := newEnv(t)
	key := notify.RegistrationConfirmed
	uid, openID := e.subscriber("restart", key, 1)
	id := e.add(notice(uid, key, "restart:1", "活动一"))[0]
	flaky := &faultyStore{Store: e.store}
	flaky.unavailable.Store(5)
	e.drain(e.runner("w", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Store = flaky }))
	if got := e.row(id); got.Status != notify.StatusSent || got.Attempts != 1 || len(e.tenant.SentTo(openID)) != 1 {
		t.Fatalf("after the restart: %+v, %d sent", got, len(e.tenant.SentTo(openID)))
	}
}
