package faulttest

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/wxemu"
)

// The fake WeChat is slow (every call takes 5 s), then down (5xx and cut
// connections), then back. Logging in fails fast with a clear 503 —
// before WeChat's 5 s are up — while everything else that does not need
// WeChat works: browsing, one's own data, signing up. The confirmations of
// those sign-ups wait in the outbox and are delivered exactly once when
// WeChat is back.
func TestWeChatSlowThenDown(t *testing.T) {
	d, _ := newTwoServerDeployment(t, "GONGJIAN_WECHAT_TIMEOUT", "1s")
	admin := d.login(0, "admin")
	aid, sid := d.hotActivity(admin, "社区义诊", 20, 0)
	res := d.residents("w", 16, 1)
	h := newHotRelease(d, sid, res)
	both := []int{0, 1}

	outage := func(phase string, faults func(), residents []int) {
		t.Helper()
		d.tenant.ClearFaults()
		faults()
		for i, srv := range both {
			start := time.Now()
			r, err := d.call(srv, "POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(fmt.Sprintf("new-%s-%d", phase, i))})
			took := time.Since(start)
			if err != nil || r.Status != 503 || r.str("code") != "WECHAT_UNAVAILABLE" || !hasHan(r.str("message")) {
				t.Errorf("%s: login on server %d: %d %s %v", phase, srv, r.Status, r.Raw, err)
			}
			if took >= 5*time.Second {
				t.Errorf("%s: login took %v: it waited for WeChat instead of failing fast", phase, took)
			}
			d.must(srv, 200, "GET", "/api/v1/activities", "", nil)
			d.must(srv, 200, "GET", fmt.Sprintf("/api/v1/activities/%d", aid), "", nil)
			d.must(srv, 200, "GET", "/api/v1/me", res[residents[0]].token, nil)
			d.must(srv, 200, "GET", "/api/v1/me/messages", res[residents[0]].token, nil)
		}
		h.wave(residents, both, 4, phase)
		for _, a := range h.attempts {
			if a.phase == phase && (a.status != 201 || a.reg != "confirmed") {
				t.Errorf("%s: sign-up of resident %d: %d %s", phase, a.resident, a.status, a.raw)
			}
		}
		// The confirmations wait: none reaches WeChat while it is away.
		time.Sleep(1500 * time.Millisecond)
		if n := len(d.tenant.Sent()); n != 0 {
			t.Errorf("%s: %d messages got through a WeChat that is away", phase, n)
		}
	}
	outage("slow", func() {
		for _, ep := range []wxemu.Endpoint{wxemu.EndpointCode2Session, wxemu.EndpointSubscribeSend, wxemu.EndpointStableToken, wxemu.EndpointToken} {
			d.tenant.Fail(ep, wxemu.Fault{Delay: 5 * time.Second, Status: 504})
		}
	}, indexes(0, 8))
	outage("down", func() {
		d.tenant.Fail(wxemu.EndpointCode2Session, wxemu.Fault{Status: 502})
		d.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Drop: true})
		d.tenant.Fail(wxemu.EndpointStableToken, wxemu.Fault{Status: 503})
	}, indexes(8, 16))
	// Waiting: queued, or claimed by a worker retrying at this moment.
	if n := d.count("SELECT COUNT(*) FROM outbox WHERE template_key = 'registration_confirmed' AND status IN ('pending', 'claimed', 'sending')"); n != 16 {
		t.Errorf("%d confirmations waiting, want 16", n)
	}

	d.tenant.ClearFaults()
	d.login(1, "after-the-outage")
	st := h.checkNotices(t, 0)
	if st["sent"] != 16 {
		t.Errorf("notices after WeChat came back: %v", st)
	}
	t.Logf("notices: %v; WeChat calls: %d sends", st, d.tenant.Count(wxemu.EndpointSubscribeSend))
}
