package wechat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

// A subscribe message given up on — its deadline passed while the access
// token was still being fetched — never goes out afterwards. The caller
// records it as failed and retries it, so a late send would deliver it
// twice (found by the Redis fault scenario in internal/faulttest).
func TestAbandonedSendNeverGoesOut(t *testing.T) {
	// Another client of the process has a longer timeout: the library's
	// HTTP exchanges may then run that long (the process-wide backstop).
	if err := wechat.Install(emu.Base, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 300*time.Millisecond)
	f.tenant.Fail(wxemu.EndpointStableToken, wxemu.Fault{Delay: 800 * time.Millisecond, Times: 1})
	_, err := f.client.SendSubscribe(context.Background(), wechat.Message{
		ToUser: wxemu.OpenID(f.appID, "alice"), TemplateID: "TPL", Data: map[string]string{"thing1": "社区议事会"},
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	// The abandoned token fetch ends when the emulator answers it; a send
	// that followed it would arrive right after.
	deadline := time.Now().Add(5 * time.Second)
	for len(f.tenant.Calls(wxemu.EndpointStableToken)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := f.tenant.Count(wxemu.EndpointSubscribeSend); n != 0 || len(f.tenant.Sent()) != 0 {
		t.Fatalf("a send given up on went out later (%d calls): a retry would duplicate it", n)
	}
	// The next send works with the token fetched meanwhile.
	sendOK(t, f)
	if len(f.tenant.Sent()) != 1 {
		t.Fatalf("%d messages", len(f.tenant.Sent()))
	}
}

// While Redis is down the process keeps the access token it fetched:
// calls do not each fetch one (queueing one at a time behind the
// library's lock until they time out).
func TestRedisDownKeepsTheToken(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	c := f.clientWithRedisDown(t)
	for range 5 {
		if _, err := c.SendSubscribe(context.Background(), wechat.Message{
			ToUser: wxemu.OpenID(f.appID, "alice"), TemplateID: "TPL", Data: map[string]string{"thing1": "社区议事会"},
		}); err != nil {
			t.Fatalf("with Redis down: %v", err)
		}
	}
	if n := f.tenant.Count(wxemu.EndpointStableToken); n != 1 {
		t.Errorf("%d token fetches for 5 sends while Redis is down, want 1", n)
	}
}
