package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// flakyFinishStore: the database is away for the first failures calls of
// Finish (as while MariaDB restarts).
type flakyFinishStore struct {
	notify.Store
	failures atomic.Int32
}

func (s *flakyFinishStore) Finish(ctx context.Context, d notify.Delivery, w string, o notify.Outcome, now time.Time) error {
	if s.failures.Add(-1) >= 0 {
		return errs.Unavailable(errors.New("dial tcp: connection refused"), "数据库暂时不可用，请稍后再试")
	}
	return s.Store.Finish(ctx, d, w, o, now)
}

// WeChat accepted a message while the database was restarting: the worker
// keeps trying to record it and, once the database is back, records it
// sent — not uncertain — and it is not sent again (found by the MariaDB
// fault scenario in internal/faulttest).
func TestOutcomeRecordedAfterDatabaseRestart(t *testing.T) {
	e := newEnv(t)
	key := notify.RegistrationConfirmed
	uid, openID := e.subscriber("restart", key, 1)
	id := e.add(notice(uid, key, "restart:1", "活动一"))[0]
	flaky := &flakyFinishStore{Store: e.store}
	flaky.failures.Store(5)
	e.drain(e.runner("w", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Store = flaky }))
	if got := e.row(id); got.Status != notify.StatusSent || got.Attempts != 1 || len(e.tenant.SentTo(openID)) != 1 {
		t.Fatalf("after the restart: %+v, %d sent", got, len(e.tenant.SentTo(openID)))
	}
}
