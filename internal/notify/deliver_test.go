package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

// Each WeChat answer leads to its outcome, through the real client
// (silenceper) against the emulator.
func TestOutcomeOfEachWeChatAnswer(t *testing.T) {
	e := newEnv(t)
	r := e.runner("w1")
	key := notify.RegistrationConfirmed
	type want struct {
		status   string
		attempts int
		errCode  int
		balance  int  // grants left after the attempt (2 granted)
		retry    bool // next_at moved into the future
		calls    int  // subscribe/send calls the emulator saw
	}
	cases := []struct {
		name  string
		fault *wxemu.Fault
		want  want
	}{
		{"success", nil, want{status: notify.StatusSent, attempts: 1, balance: 1, calls: 1}},
		{"43101 refused", &wxemu.Fault{ErrCode: 43101, Times: 1}, want{status: notify.StatusNoGrant, attempts: 1, errCode: 43101, balance: 0, calls: 1}},
		{"47003 bad value", &wxemu.Fault{ErrCode: 47003, Times: 1}, want{status: notify.StatusFailed, attempts: 1, errCode: 47003, balance: 2, calls: 1}},
		{"40037 bad template", &wxemu.Fault{ErrCode: 40037, Times: 1}, want{status: notify.StatusFailed, attempts: 1, errCode: 40037, balance: 2, calls: 1}},
		{"40003 bad openid", &wxemu.Fault{ErrCode: 40003, Times: 1}, want{status: notify.StatusFailed, attempts: 1, errCode: 40003, balance: 2, calls: 1}},
		{"-1 busy", &wxemu.Fault{ErrCode: -1, Times: 1}, want{status: notify.StatusPending, attempts: 1, errCode: -1, balance: 2, retry: true, calls: 1}},
		{"45009 quota", &wxemu.Fault{ErrCode: 45009, Times: 1}, want{status: notify.StatusPending, attempts: 1, errCode: 45009, balance: 2, retry: true, calls: 1}},
		{"HTTP 502", &wxemu.Fault{Status: 502, Times: 1}, want{status: notify.StatusPending, attempts: 1, balance: 2, retry: true, calls: 1}},
		{"timeout", &wxemu.Fault{Delay: 3 * time.Second, Times: 1}, want{status: notify.StatusPending, attempts: 1, balance: 2, retry: true, calls: 1}},
		// A refused token is dropped and the call retried at once (by
		// internal/wechat): one attempt, sent.
		{"40001 token invalid", &wxemu.Fault{ErrCode: 40001, Times: 1}, want{status: notify.StatusSent, attempts: 1, balance: 1, calls: 2}},
		{"42001 token expired", &wxemu.Fault{ErrCode: 42001, Times: 1}, want{status: notify.StatusSent, attempts: 1, balance: 1, calls: 2}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			uid, openID := e.subscriber(fmt.Sprintf("outcome%d", i), key, 2)
			if _, err := e.wc.SendSubscribe(e.ctx, e.warmup(openID)); err != nil { // fetch a token first
				t.Fatal(err)
			}
			calls0, tokens0 := e.tenant.Count(wxemu.EndpointSubscribeSend), e.tenant.TokensIssued()
			id := e.add(notice(uid, key, fmt.Sprintf("outcome:%d", i), "活动"))[0]
			if c.fault != nil {
				e.tenant.Fail(wxemu.EndpointSubscribeSend, *c.fault)
			}
			rejected0 := e.metrics.Rejected(key, c.want.errCode)
			e.drain(r)
			e.tenant.ClearFaults()
			got := e.row(id)
			if got.Status != c.want.status || got.Attempts != c.want.attempts || got.ErrCode != c.want.errCode {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			if b := e.balance(uid, key); b != c.want.balance {
				t.Errorf("grants left %d, want %d", b, c.want.balance)
			}
			if n := e.tenant.Count(wxemu.EndpointSubscribeSend) - calls0; n != c.want.calls {
				t.Errorf("%d WeChat calls, want %d", n, c.want.calls)
			}
			if c.want.retry != (got.NextAt != nil && got.NextAt.After(e.clock.Now())) {
				t.Errorf("next_at %v, now %v, want retry %v", got.NextAt, e.clock.Now(), c.want.retry)
			}
			switch c.want.status {
			case notify.StatusSent:
				if got.MsgID == 0 || len(e.tenant.SentTo(openID)) != 2 { // warm-up + this one
					t.Errorf("msg id %d, sent %d", got.MsgID, len(e.tenant.SentTo(openID)))
				}
			case notify.StatusFailed:
				if !strings.Contains(got.LastError, fmt.Sprint(c.want.errCode)) {
					t.Errorf("reason %q lacks the errcode", got.LastError)
				}
				if d := e.metrics.Rejected(key, c.want.errCode) - rejected0; d != 1 {
					t.Errorf("rejected metric +%v, want +1", d)
				}
			}
			if c.want.calls == 2 && e.tenant.TokensIssued() <= tokens0 {
				t.Error("the refused token was not replaced")
			}
			if c.want.retry {
				// After the backoff the notice is sent on the next attempt.
				e.clock.Add(11 * time.Minute)
				e.drain(r)
				if got := e.row(id); got.Status != notify.StatusSent || got.Attempts != 2 {
					t.Fatalf("after the backoff: %+v", got)
				}
				if b := e.balance(uid, key); b != 1 {
					t.Errorf("grants left %d after the retry, want 1", b)
				}
			}
		})
	}
}

// warmup is a valid checkin_done message for openID.
func (e *env) warmup(openID string) wechat.Message {
	tpl, _ := e.templates.Get(notify.CheckinDone)
	return wechat.Message{ToUser: openID, TemplateID: tpl.ID, Data: tpl.Data(map[string]string{"activity": "热身"}, e.clock.Now(), shanghai)}
}

// Transient errors are retried with growing delays up to MaxAttempts, then
// the notice fails with the reason.
func TestTransientErrorsGiveUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t)
	r := e.runner("w1") // MaxAttempts 3
	uid, _ := e.user("busy")
	e.grant(uid, notify.RegistrationConfirmed, 1)
	id := e.add(notice(uid, notify.RegistrationConfirmed, "busy:1", "活动"))[0]
	e.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: -1})
	defer e.tenant.ClearFaults()
	var delays []time.Duration
	for i := 0; i < 5 && !notify.Terminal(e.row(id).Status); i++ {
		e.drain(r)
		got := e.row(id)
		if got.Status == notify.StatusPending {
			delays = append(delays, got.NextAt.Sub(e.clock.Now()))
			e.clock.Set(*got.NextAt)
		}
	}
	got := e.row(id)
	if got.Status != notify.StatusFailed || got.Attempts != 3 || !strings.Contains(got.LastError, "gave up after 3 attempts") {
		t.Fatalf("got %+v", got)
	}
	if len(delays) != 2 || delays[0] < 30*time.Second || delays[0] > time.Minute || delays[1] < time.Minute || delays[1] > 2*time.Minute {
		t.Fatalf("backoff delays %v, want ~[30s..1m] then [1m..2m]", delays)
	}
	if b := e.balance(uid, notify.RegistrationConfirmed); b != 1 {
		t.Fatalf("grant not given back: %d", b)
	}
}

// Without a grant nothing is sent to WeChat and the notice is no_grant; a
// template without id, or an in-app-only key, is in_app.
func TestNoGrantAndInAppOnly(t *testing.T) {
	e := newEnv(t)
	r := e.runner("w1")
	uid, openID := e.user("nogrant")
	ids := e.add(
		notice(uid, notify.RegistrationConfirmed, "ng:1", "活动"),
		notice(uid, notify.RegistrationWaitlisted, "ng:2", "活动"),
	)
	e.drain(r)
	if s := e.row(ids[0]).Status; s != notify.StatusNoGrant {
		t.Fatalf("without a grant: %s", s)
	}
	if s := e.row(ids[1]).Status; s != notify.StatusInApp {
		t.Fatalf("in-app only key: %s", s)
	}
	if n := e.tenant.Count(wxemu.EndpointSubscribeSend); n != 0 || len(e.tenant.SentTo(openID)) != 0 {
		t.Fatalf("WeChat called %d times", n)
	}
	// A banned template is not sent even with grants left.
	e.grant(uid, notify.RegistrationConfirmed, 2)
	if err := e.store.RecordGrants(e.ctx, uid, []notify.GrantResult{{TemplateKey: notify.RegistrationConfirmed, TemplateID: "tpl-" + notify.RegistrationConfirmed, Result: notify.ResultBan}}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	id := e.add(notice(uid, notify.RegistrationConfirmed, "ng:3", "活动"))[0]
	e.drain(r)
	if s := e.row(id).Status; s != notify.StatusNoGrant || e.tenant.Count(wxemu.EndpointSubscribeSend) != 0 {
		t.Fatalf("banned template: %s", s)
	}
}

// faultyStore makes steps of the store fail. failBegin and failFinish
// are the process dying at that step: the step's writes never happen.
// The first unavailable calls of Finish find the database away (as while
// MariaDB restarts).
type faultyStore struct {
	notify.Store
	failBegin, failFinish bool
	unavailable           atomic.Int32
}

var errCrash = errors.New("process killed")

func (s *faultyStore) BeginSend(ctx context.Context, d notify.Delivery, w string, g notify.Grant, now time.Time, l time.Duration) (notify.BeginResult, error) {
	if s.failBegin {
		return notify.Lost, errCrash
	}
	return s.Store.BeginSend(ctx, d, w, g, now, l)
}

func (s *faultyStore) Finish(ctx context.Context, d notify.Delivery, w string, o notify.Outcome, now time.Time) error {
	if s.failFinish {
		return errCrash
	}
	if s.unavailable.Add(-1) >= 0 {
		return errs.Unavailable(errors.New("dial tcp: connection refused"), "数据库暂时不可用，请稍后再试")
	}
	return s.Store.Finish(ctx, d, w, o, now)
}

// A worker dies after WeChat accepted a message but before recording it:
// a restarted worker finds the notice "sending", marks it uncertain and
// does not send it again. A worker that dies after claiming, before the
// attempt was recorded, sent nothing: its notices are sent after the lease.
func TestCrashRecovery(t *testing.T) {
	e := newEnv(t)
	key := notify.RegistrationConfirmed
	uid, openID := e.subscriber("crash", key, 5)

	// Dies between the WeChat call and the record.
	idSent := e.add(notice(uid, key, "crash:1", "活动一"))[0]
	e.drain(e.runner("dead1", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) {
		d.Store = &faultyStore{Store: e.store, failFinish: true}
	}))
	if got := e.row(idSent); got.Status != notify.StatusSending || got.Attempts != 1 || len(e.tenant.SentTo(openID)) != 1 {
		t.Fatalf("after the crash: %+v, %d sent", got, len(e.tenant.SentTo(openID)))
	}
	// Dies between claiming and recording the attempt.
	idClaimed := e.add(notice(uid, key, "crash:2", "活动二"))[0]
	e.drain(e.runner("dead2", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) {
		d.Store = &faultyStore{Store: e.store, failBegin: true}
	}))
	if got := e.row(idClaimed); got.Status != notify.StatusClaimed || got.Attempts != 0 {
		t.Fatalf("after the second crash: %+v", got)
	}

	// Restart before the leases end: the claims are respected.
	restarted := e.runner("alive")
	e.drain(restarted)
	if len(e.tenant.SentTo(openID)) != 1 || e.row(idClaimed).Status != notify.StatusClaimed {
		t.Fatalf("a live claim was taken over: %d sent", len(e.tenant.SentTo(openID)))
	}
	// After the leases.
	e.clock.Add(3 * time.Minute)
	e.drain(restarted)
	sent := e.tenant.SentTo(openID)
	if got := e.row(idSent); got.Status != notify.StatusUncertain {
		t.Fatalf("the interrupted send: %+v", got)
	}
	if got := e.row(idClaimed); got.Status != notify.StatusSent || got.Attempts != 1 {
		t.Fatalf("the unsent claim: %+v", got)
	}
	if len(sent) != 2 || sent[0].Data["thing1"] != "活动一" || sent[1].Data["thing1"] != "活动二" {
		t.Fatalf("messages %v: want each notice once", sent)
	}
	// The uncertain notice spent its grant (it probably went out); the
	// other one spent one too.
	if b := e.balance(uid, key); b != 3 {
		t.Fatalf("grants left %d, want 3", b)
	}
	// Draining again changes nothing.
	e.clock.Add(time.Hour)
	e.drain(restarted)
	if len(e.tenant.Sent()) != 2 {
		t.Fatal("resent after recovery")
	}
}

// Several worker sets drain one outbox at once: every notice is sent
// exactly once, and grants are never overspent.
func TestConcurrentWorkersSendEachNoticeOnce(t *testing.T) {
	e := newEnv(t)
	key := notify.RegistrationConfirmed
	const users, perUser, grants = 12, 10, 6
	var ns []notify.Notice
	openIDs := map[string]int64{}
	for u := range users {
		uid, openID := e.user(fmt.Sprintf("many%d", u))
		openIDs[openID] = uid
		e.grant(uid, key, grants)
		for i := range perUser {
			ns = append(ns, notice(uid, key, fmt.Sprintf("many:%d:%d", u, i), fmt.Sprintf("活动%d", i)))
		}
	}
	e.add(ns...)
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	for w := range 3 {
		r := e.runner(fmt.Sprintf("set%d", w), func(c *notify.RunnerConfig, _ *notify.RunnerDeps) { c.Concurrency = 4; c.BatchSize = 7 })
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx) }()
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		st := e.statuses()
		if st[notify.StatusSent]+st[notify.StatusNoGrant] == users*perUser {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	st := e.statuses()
	if st[notify.StatusSent] != users*grants || st[notify.StatusNoGrant] != users*(perUser-grants) {
		t.Fatalf("statuses %v, want %d sent and %d no_grant", st, users*grants, users*(perUser-grants))
	}
	seen := map[string]bool{}
	for _, m := range e.tenant.Sent() {
		k := m.ToUser + "/" + m.Data["thing1"]
		if seen[k] {
			t.Fatalf("notice %s sent twice", k)
		}
		seen[k] = true
	}
	for openID, uid := range openIDs {
		if n := len(e.tenant.SentTo(openID)); n != grants {
			t.Errorf("user %d got %d messages for %d grants", uid, n, grants)
		}
		if b := e.balance(uid, key); b != 0 {
			t.Errorf("user %d has %d grants left", uid, b)
		}
	}
}

// A burst of bulk notices does not hold back a personal one written after
// it, and a flood of personal notices does not starve the bulk lane.
func TestFairnessAcrossPriorities(t *testing.T) {
	e := newEnv(t)
	r := e.runner("w1") // batch 10, weights 6:3:1
	uid, openID := e.user("fair")
	e.grant(uid, notify.ActivityChanged, 50)
	e.grant(uid, notify.RegistrationConfirmed, 50)
	var bulk []notify.Notice
	for i := range 40 {
		n := notice(uid, notify.ActivityChanged, fmt.Sprintf("bulk:%d", i), fmt.Sprintf("变更%d", i))
		n.DueAt = e.clock.Now().Add(-time.Hour) // older
		bulk = append(bulk, n)
	}
	e.add(bulk...)
	e.add(notice(uid, notify.RegistrationConfirmed, "personal:1", "报名"))
	var personal []notify.Notice
	for i := range 30 {
		personal = append(personal, notice(uid, notify.RegistrationConfirmed, fmt.Sprintf("personal:x%d", i), fmt.Sprintf("报名%d", i)))
	}
	e.add(personal...)
	e.drain(r)
	sent := e.tenant.SentTo(openID)
	if len(sent) != 71 {
		t.Fatalf("%d sent", len(sent))
	}
	first := sent[:10]
	personalIn, bulkIn := 0, 0
	for _, m := range first {
		if m.TemplateID == "tpl-"+notify.RegistrationConfirmed {
			personalIn++
		} else {
			bulkIn++
		}
	}
	if personalIn == 0 || bulkIn == 0 {
		t.Fatalf("first batch: %d personal, %d bulk: a lane was starved", personalIn, bulkIn)
	}
	if first[0].TemplateID != "tpl-"+notify.RegistrationConfirmed || first[0].Data["thing1"] != "报名" {
		t.Fatalf("the personal notice did not go first: %v", first[0].Data)
	}
}

// slowLimiter never has a token: senders wait for it.
type slowLimiter struct{ asked chan struct{} }

func (l slowLimiter) Take(ctx context.Context) (time.Duration, error) {
	select {
	case l.asked <- struct{}{}:
	default:
	}
	return time.Hour, nil
}

// Stopping a worker set gracefully gives its claimed, unsent notices back
// at once (no lease to wait for), and sends nothing.
func TestGracefulStopReleasesClaims(t *testing.T) {
	e := newEnv(t)
	uid, _ := e.user("stop")
	e.grant(uid, notify.RegistrationConfirmed, 20)
	var ns []notify.Notice
	for i := range 15 {
		ns = append(ns, notice(uid, notify.RegistrationConfirmed, fmt.Sprintf("stop:%d", i), "活动"))
	}
	e.add(ns...)
	lim := slowLimiter{asked: make(chan struct{}, 1)}
	r := e.runner("w1", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Limiter = lim })
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	<-lim.asked // a sender holds a claimed notice and waits for a token
	if st := e.statuses(); st[notify.StatusClaimed] == 0 {
		t.Fatalf("nothing claimed: %v", st)
	}
	cancel()
	<-done
	if st := e.statuses(); st[notify.StatusPending] != 15 {
		t.Fatalf("after the stop: %v, want all 15 pending", st)
	}
	if n := e.tenant.Count(wxemu.EndpointSubscribeSend); n != 0 {
		t.Fatalf("%d sends", n)
	}
	if b := e.balance(uid, notify.RegistrationConfirmed); b != 20 {
		t.Fatalf("grants %d", b)
	}
}

// ackLostStore records the attempt, then reports a failure: the database
// went away while the commit's answer was on its way.
type ackLostStore struct{ notify.Store }

func (s *ackLostStore) BeginSend(ctx context.Context, d notify.Delivery, w string, g notify.Grant, now time.Time, l time.Duration) (notify.BeginResult, error) {
	if _, err := s.Store.BeginSend(ctx, d, w, g, now, l); err != nil {
		return notify.Lost, err
	}
	return notify.Lost, errCrash
}

// An attempt recorded although its worker was told it failed: nothing was
// sent, so the worker puts the notice back (and its grant) instead of
// leaving it to become uncertain; it is then sent once. Only the worker
// that began an attempt can record its outcome, late ones included.
func TestAttemptRecordedButNotSent(t *testing.T) {
	e := newEnv(t)
	key := notify.RegistrationConfirmed
	uid, openID := e.subscriber("ack", key, 2)
	id := e.add(notice(uid, key, "ack:1", "活动"))[0]
	e.drain(e.runner("w1", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Store = &ackLostStore{Store: e.store} }))
	if got := e.row(id); got.Status != notify.StatusPending || got.Attempts != 1 || len(e.tenant.SentTo(openID)) != 0 {
		t.Fatalf("after the lost answer: %+v, %d sent", got, len(e.tenant.SentTo(openID)))
	}
	if b := e.balance(uid, key); b != 2 {
		t.Fatalf("grants left %d, want 2 (the unsent attempt gives its grant back)", b)
	}
	e.clock.Add(10 * time.Minute) // its retry is due
	e.drain(e.runner("w2"))
	if got := e.row(id); got.Status != notify.StatusSent || len(e.tenant.SentTo(openID)) != 1 || e.balance(uid, key) != 1 {
		t.Fatalf("after the retry: %+v, %d sent, %d grants", got, len(e.tenant.SentTo(openID)), e.balance(uid, key))
	}

	// A worker dies during a call; its notice turns uncertain. Another
	// worker cannot record an outcome for that attempt; the one that made
	// it still can, late.
	id2 := e.add(notice(uid, key, "ack:2", "活动二"))[0]
	e.drain(e.runner("dead", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) {
		d.Store = &faultyStore{Store: e.store, failFinish: true}
	}))
	e.clock.Add(10 * time.Minute)
	e.drain(e.runner("w2"))
	if got := e.row(id2); got.Status != notify.StatusUncertain {
		t.Fatalf("the interrupted send: %+v", got)
	}
	d := notify.Delivery{ID: id2, UserID: uid, TemplateKey: key}
	if err := e.store.Finish(e.ctx, d, "w2", notify.Outcome{Status: notify.StatusPending, NextAt: e.clock.Now(), Refund: true}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := e.row(id2); got.Status != notify.StatusUncertain {
		t.Fatalf("another worker rewrote the attempt: %+v", got)
	}
	if err := e.store.Finish(e.ctx, d, "dead", notify.Outcome{Status: notify.StatusSent, MsgID: 7}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := e.row(id2); got.Status != notify.StatusSent || got.MsgID != 7 {
		t.Fatalf("the late record of the worker that sent it: %+v", got)
	}
}
