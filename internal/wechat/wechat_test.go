package wechat_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/errs"
	"gongjian/internal/testenv"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

var emu = testenv.SharedWeChat() // every test has its own AppID (tenant)

const secret = "s3cret-do-not-leak"

type fixture struct {
	appID  string
	client *wechat.Client
	tenant *wxemu.Tenant
	mr     *miniredis.Miniredis
	rdb    *redis.Client
}

// newFixture gives the test its own AppID (and so its own emulator tenant),
// its own miniredis and a Client with the given timeout.
func newFixture(t *testing.T, timeout time.Duration) *fixture {
	t.Helper()
	sum := sha256.Sum256([]byte(t.Name()))
	appID := "wx" + hex.EncodeToString(sum[:8])
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	tenant := emu.Tenant(appID)
	tenant.Reset()
	tenant.SetSecret(secret)
	f := &fixture{appID: appID, tenant: tenant, mr: mr, rdb: rdb}
	f.client = f.newClient(t, timeout)
	return f
}

func (f *fixture) newClient(t *testing.T, timeout time.Duration) *wechat.Client {
	t.Helper()
	c, err := wechat.New(wechat.Config{AppID: f.appID, AppSecret: secret, APIBase: emu.Base, Timeout: timeout}, f.rdb, "gj:")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// clientWithRedisDown returns a client whose Redis fails fast, then stops
// that Redis.
func (f *fixture) clientWithRedisDown(t *testing.T) *wechat.Client {
	t.Helper()
	f.rdb = redis.NewClient(&redis.Options{Addr: f.mr.Addr(), MaxRetries: -1, DialerRetries: 1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = f.rdb.Close() })
	c := f.newClient(t, 2*time.Second)
	f.mr.Close()
	return c
}

// wantErr asserts err's kind, machine code and WeChat errcode (0: none),
// that it has a Chinese message, and that it leaks no secret.
func wantErr(t *testing.T, err error, kind errs.Kind, code string, errcode int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %s %s", kind, code)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *errs.Error", err, err)
	}
	if e.Kind != kind || e.Code != code {
		t.Errorf("got %s %s (%v), want %s %s", e.Kind, e.Code, err, kind, code)
	}
	if !hasHan(e.Message) {
		t.Errorf("message %q is not Chinese", e.Message)
	}
	got, ok := wechat.ErrCode(err)
	switch {
	case errcode == 0 && ok:
		t.Errorf("unexpected errcode %d", got)
	case errcode != 0 && (!ok || got != errcode):
		t.Errorf("errcode = %d, %v; want %d", got, ok, errcode)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "EMU.") {
		t.Errorf("error leaks a secret or token: %v", err)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestCode2Session(t *testing.T) {
	f := newFixture(t, time.Second)
	f.tenant.SetUnionID(true)
	s, err := f.client.Code2Session(context.Background(), wxemu.LoginCode("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if want := wxemu.OpenID(f.appID, "alice"); s.OpenID != want {
		t.Errorf("openid %q, want %q", s.OpenID, want)
	}
	if s.UnionID != wxemu.UnionID("alice") || s.SessionKey == "" {
		t.Errorf("session %+v", s)
	}
	if str := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(str, s.SessionKey) {
		t.Errorf("formatting leaks the session key: %s", str)
	}
	// Dev codes are reusable and stable.
	s2, err := f.client.Code2Session(context.Background(), wxemu.LoginCode("alice"))
	if err != nil || s2.OpenID != s.OpenID {
		t.Errorf("second login: %v %v", s2.OpenID, err)
	}
	// One-time codes work once.
	if _, err := f.client.Code2Session(context.Background(), "0a1B2c3D4e"); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Code2Session(context.Background(), "0a1B2c3D4e")
	wantErr(t, err, errs.KindUnauthorized, "INVALID_CODE", 40163)
}

// errorCase is a call with code, or under fault, and the error it must
// give: its kind, machine code and WeChat errcode.
type errorCase struct {
	name    string
	code    string
	fault   *wxemu.Fault
	kind    errs.Kind
	mcode   string
	errcode int
	retry   bool // IsTransient
}

func TestCode2SessionErrors(t *testing.T) {
	tests := []errorCase{
		{name: "garbage code", code: "bad code&x=1", kind: errs.KindUnauthorized, mcode: "INVALID_CODE", errcode: 40029},
		{name: "empty code", code: "", kind: errs.KindUnauthorized, mcode: "INVALID_CODE"},
		{name: "40029", fault: &wxemu.Fault{ErrCode: 40029}, kind: errs.KindUnauthorized, mcode: "INVALID_CODE", errcode: 40029},
		{name: "40163", fault: &wxemu.Fault{ErrCode: 40163}, kind: errs.KindUnauthorized, mcode: "INVALID_CODE", errcode: 40163},
		{name: "45011", fault: &wxemu.Fault{ErrCode: 45011}, kind: errs.KindRateLimited, mcode: "WECHAT_RATE_LIMITED", errcode: 45011, retry: true},
		{name: "40226", fault: &wxemu.Fault{ErrCode: 40226}, kind: errs.KindForbidden, mcode: "WECHAT_USER_BLOCKED", errcode: 40226},
		{name: "-1", fault: &wxemu.Fault{ErrCode: -1}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", errcode: -1, retry: true},
		{name: "http 500", fault: &wxemu.Fault{Status: 500}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", retry: true},
		{name: "http 502 json", fault: &wxemu.Fault{Status: 502, Body: `{"errcode":0}`, ContentType: "application/json"}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", retry: true},
		{name: "non-JSON", fault: &wxemu.Fault{Body: "<html>busy</html>"}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", retry: true},
		{name: "JSON without openid", fault: &wxemu.Fault{Body: `{"foo":1}`, ContentType: "application/json"}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", retry: true},
		{name: "connection closed", fault: &wxemu.Fault{Drop: true}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", retry: true},
		{name: "unknown errcode", fault: &wxemu.Fault{ErrCode: 40999}, kind: errs.KindInternal, mcode: "WECHAT_ERROR", errcode: 40999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 2*time.Second)
			if tt.fault != nil {
				f.tenant.Fail(wxemu.EndpointCode2Session, *tt.fault)
			}
			code := tt.code
			if code == "" && tt.fault != nil {
				code = wxemu.LoginCode("bob")
			}
			_, err := f.client.Code2Session(context.Background(), code)
			wantErr(t, err, tt.kind, tt.mcode, tt.errcode)
			if got := wechat.IsTransient(err); got != tt.retry {
				t.Errorf("IsTransient = %v, want %v", got, tt.retry)
			}
			if strings.Contains(err.Error(), "bob") {
				t.Errorf("error leaks the login code: %v", err)
			}
		})
	}
}

func TestWrongSecretIsMisconfiguration(t *testing.T) {
	f := newFixture(t, time.Second)
	f.tenant.SetSecret("another")
	_, err := f.client.Code2Session(context.Background(), wxemu.LoginCode("a"))
	wantErr(t, err, errs.KindInternal, "WECHAT_MISCONFIGURED", 40125)
	// Token fetches fail the same way.
	_, _, err = f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000"))
	wantErr(t, err, errs.KindInternal, "WECHAT_MISCONFIGURED", 40125)
}

func TestTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	calls := []struct {
		name     string
		endpoint wxemu.Endpoint
		call     func(*fixture) error
	}{
		{"code2session", wxemu.EndpointCode2Session, func(f *fixture) error {
			_, err := f.client.Code2Session(context.Background(), wxemu.LoginCode("a"))
			return err
		}},
		{"phone", wxemu.EndpointPhoneNumber, func(f *fixture) error {
			_, _, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000"))
			return err
		}},
		{"subscribe (no context in silenceper)", wxemu.EndpointSubscribeSend, func(f *fixture) error {
			_, err := f.client.SendSubscribe(context.Background(), wechat.Message{ToUser: "o1", TemplateID: "T", Data: map[string]string{"thing1": "x"}})
			return err
		}},
		{"wxacode (no context in silenceper)", wxemu.EndpointWXACodeUnlimit, func(f *fixture) error {
			_, err := f.client.WXACodeUnlimit(context.Background(), "a=1", "pages/index/index")
			return err
		}},
		{"stable token", wxemu.EndpointStableToken, func(f *fixture) error {
			_, _, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000"))
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, timeout)
			f.tenant.Fail(c.endpoint, wxemu.Fault{Delay: 3 * time.Second})
			start := time.Now()
			err := c.call(f)
			elapsed := time.Since(start)
			wantErr(t, err, errs.KindUnavailable, "WECHAT_UNAVAILABLE", 0)
			if !wechat.IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("want a transient deadline error, got %v", err)
			}
			if elapsed < timeout || elapsed > timeout+500*time.Millisecond {
				t.Errorf("took %v, want about %v", elapsed, timeout)
			}
		})
	}
}

func TestCallerContextCancels(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	f.tenant.Fail(wxemu.EndpointCode2Session, wxemu.Fault{Delay: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client.Code2Session(ctx, wxemu.LoginCode("a"))
	wantErr(t, err, errs.KindUnavailable, "WECHAT_UNAVAILABLE", 0)
	if time.Since(start) > time.Second {
		t.Errorf("ignored the caller's deadline: %v", time.Since(start))
	}
}

func sendOK(t *testing.T, f *fixture) int64 {
	t.Helper()
	id, err := f.client.SendSubscribe(context.Background(), wechat.Message{
		ToUser: wxemu.OpenID(f.appID, "alice"), TemplateID: "TPL", Data: map[string]string{"thing1": "社区议事会"},
	})
	if err != nil {
		t.Fatalf("SendSubscribe: %v", err)
	}
	return id
}

func TestTokenRetry(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(f *fixture) // after a first successful send cached a token
	}{
		{"40001 on first use", func(f *fixture) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 40001, Times: 1})
		}},
		{"42001 on first use", func(f *fixture) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 42001, Times: 1})
		}},
		{"40014 on first use", func(f *fixture) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 40014, Times: 1})
		}},
		{"tokens invalidated", func(f *fixture) { f.tenant.InvalidateTokens() }},
		{"tokens expired", func(f *fixture) { f.tenant.ExpireTokens() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 2*time.Second)
			sendOK(t, f)
			tt.prepare(f)
			id := sendOK(t, f)

			calls := f.tenant.Calls(wxemu.EndpointSubscribeSend)
			if len(calls) != 3 {
				t.Fatalf("%d send calls, want 3 (ok, refused, retried): %+v", len(calls), calls)
			}
			refused, retried := calls[1], calls[2]
			if refused.ErrCode == 0 || retried.ErrCode != 0 {
				t.Errorf("errcodes %d then %d, want refusal then success", refused.ErrCode, retried.ErrCode)
			}
			if refused.AccessToken != calls[0].AccessToken || retried.AccessToken == refused.AccessToken {
				t.Errorf("retry did not use a fresh token")
			}
			if n := f.tenant.Count(wxemu.EndpointStableToken); n != 2 {
				t.Errorf("stable_token called %d times, want 2", n)
			}
			got, _ := f.rdb.Get(context.Background(), "gj:"+wechat.StableTokenCacheKey(f.appID)).Result()
			if got != retried.AccessToken {
				t.Errorf("Redis holds %q, want the fresh token", got)
			}
			sent := f.tenant.Sent()
			if len(sent) != 2 || sent[1].MsgID != id {
				t.Errorf("sent %+v, want 2 messages, the last with msgid %d", sent, id)
			}
		})
	}
}

func TestTokenRetryOnlyOnce(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	f.tenant.Fail(wxemu.EndpointPhoneNumber, wxemu.Fault{ErrCode: 40001})
	_, _, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000"))
	wantErr(t, err, errs.KindUnavailable, "WECHAT_UNAVAILABLE", 40001)
	if !wechat.IsTransient(err) {
		t.Error("a token refused after refresh should be transient")
	}
	if n := f.tenant.Count(wxemu.EndpointPhoneNumber); n != 2 {
		t.Errorf("%d calls, want exactly 2", n)
	}
}

func TestTokenCacheSharedInRedis(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	other := f.newClient(t, 2*time.Second) // e.g. a second server instance

	if _, _, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000")); err != nil {
		t.Fatal(err)
	}
	key := "gj:" + wechat.StableTokenCacheKey(f.appID)
	if key != "gj:gowechat_miniprogram__stable_access_token_"+f.appID {
		t.Errorf("unexpected key %q", key)
	}
	token, err := f.mr.Get(key)
	if err != nil {
		t.Fatalf("token not in Redis under %q: %v (keys %v)", key, err, f.mr.Keys())
	}
	if ttl := f.mr.TTL(key); ttl < 6800*time.Second || ttl > 6900*time.Second {
		t.Errorf("TTL %v, want expires_in-300s = 6900s", ttl)
	}

	sendOK(t, &fixture{appID: f.appID, client: other})
	if n := f.tenant.Count(wxemu.EndpointStableToken); n != 1 {
		t.Errorf("stable_token called %d times, want 1: the second client must use the cached token", n)
	}
	for _, c := range f.tenant.Calls("") {
		if c.Endpoint != wxemu.EndpointStableToken && c.AccessToken != token {
			t.Errorf("%s used another token", c.Endpoint)
		}
	}

	// InvalidateToken drops it for both.
	if err := other.InvalidateToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.mr.Exists(key) {
		t.Error("token still cached")
	}
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, _, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode(fmt.Sprintf("138%08d", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.tenant.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
}

func TestSendSubscribe(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	to := wxemu.OpenID(f.appID, "alice")
	f.tenant.AddTemplate("TPL_EVENT", "thing1", "time2", "phrase3")
	f.tenant.RequireGrants(true)
	f.tenant.Grant(to, "TPL_EVENT", 1)

	msg := wechat.Message{
		ToUser: to, TemplateID: "TPL_EVENT", Page: "pages/event/index?id=7",
		Data:             map[string]string{"thing1": "垃圾分类讲座", "time2": "2025年3月1日 14:30", "phrase3": "已报名"},
		MiniprogramState: "trial",
	}
	id, err := f.client.SendSubscribe(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.tenant.Sent()
	if len(sent) != 1 {
		t.Fatalf("%d messages recorded, want exactly 1", len(sent))
	}
	s := sent[0]
	if s.MsgID != id || id == 0 || s.AppID != f.appID || s.ToUser != to || s.TemplateID != "TPL_EVENT" ||
		s.Page != msg.Page || s.MiniprogramState != "trial" || s.Lang != "zh_CN" || fmt.Sprint(s.Data) != fmt.Sprint(msg.Data) {
		t.Errorf("recorded %+v, msgid %d", s, id)
	}

	// The grant is used up: 43101.
	_, err = f.client.SendSubscribe(context.Background(), msg)
	wantErr(t, err, errs.KindUnprocessable, "WECHAT_SUBSCRIBE_REFUSED", 43101)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 43101 || ae.Msg == "" {
		t.Errorf("errors.As APIError: %+v", ae)
	}
	if wechat.IsTransient(err) {
		t.Error("43101 is not transient")
	}
	if len(f.tenant.Sent()) != 1 {
		t.Error("a refused message was recorded")
	}
}

func TestSendSubscribeErrors(t *testing.T) {
	base := func(f *fixture) wechat.Message {
		return wechat.Message{ToUser: wxemu.OpenID(f.appID, "a"), TemplateID: "TPL", Data: map[string]string{"thing1": "停水通知"}}
	}
	tests := []struct {
		name    string
		prepare func(f *fixture, m *wechat.Message)
		kind    errs.Kind
		code    string
		errcode int
		retry   bool
	}{
		{"thing too long", func(f *fixture, m *wechat.Message) { m.Data["thing1"] = strings.Repeat("长", 21) },
			errs.KindInvalid, "WECHAT_INVALID_MESSAGE", 47003, false},
		{"phrase too long", func(f *fixture, m *wechat.Message) { m.Data["phrase2"] = "六个汉字太长" },
			errs.KindInvalid, "WECHAT_INVALID_MESSAGE", 47003, false},
		{"bad time", func(f *fixture, m *wechat.Message) { m.Data["time2"] = "明天下午" },
			errs.KindInvalid, "WECHAT_INVALID_MESSAGE", 47003, false},
		{"unknown template", func(f *fixture, m *wechat.Message) { f.tenant.AddTemplate("OTHER") },
			errs.KindInternal, "WECHAT_INVALID_TEMPLATE", 40037, false},
		{"unknown openid", func(f *fixture, m *wechat.Message) { f.tenant.KnownOpenIDsOnly(true) },
			errs.KindInvalid, "WECHAT_INVALID_OPENID", 40003, false},
		{"forced 43101", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 43101})
		}, errs.KindUnprocessable, "WECHAT_SUBSCRIBE_REFUSED", 43101, false},
		{"forced 40037", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 40037})
		}, errs.KindInternal, "WECHAT_INVALID_TEMPLATE", 40037, false},
		{"daily quota 45009", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 45009})
		}, errs.KindRateLimited, "WECHAT_RATE_LIMITED", 45009, true},
		{"system busy", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: -1})
		}, errs.KindUnavailable, "WECHAT_UNAVAILABLE", -1, true},
		{"http 500", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Status: 500})
		}, errs.KindUnavailable, "WECHAT_UNAVAILABLE", 0, true},
		{"connection closed", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Drop: true})
		}, errs.KindUnavailable, "WECHAT_UNAVAILABLE", 0, true},
		{"token endpoint down", func(f *fixture, m *wechat.Message) {
			f.tenant.Fail(wxemu.EndpointStableToken, wxemu.Fault{ErrCode: -1})
		}, errs.KindUnavailable, "WECHAT_UNAVAILABLE", -1, true},
		{"missing receiver (checked locally)", func(f *fixture, m *wechat.Message) { m.ToUser = "" },
			errs.KindInvalid, "WECHAT_INVALID_MESSAGE", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 2*time.Second)
			m := base(f)
			tt.prepare(f, &m)
			id, err := f.client.SendSubscribe(context.Background(), m)
			wantErr(t, err, tt.kind, tt.code, tt.errcode)
			if id != 0 {
				t.Errorf("msgid %d on error", id)
			}
			if got := wechat.IsTransient(err); got != tt.retry {
				t.Errorf("IsTransient = %v, want %v", got, tt.retry)
			}
			if n := len(f.tenant.Sent()); n != 0 {
				t.Errorf("%d messages recorded", n)
			}
		})
	}
}

func TestPhoneNumber(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	phone, cc, err := f.client.PhoneNumber(context.Background(), wxemu.PhoneCode("13912345678"))
	if err != nil || phone != "13912345678" || cc != "86" {
		t.Fatalf("got %q %q %v", phone, cc, err)
	}
	// Other codes give a deterministic number, once.
	phone, _, err = f.client.PhoneNumber(context.Background(), "phonecode-1")
	if err != nil || len(phone) != 11 || !strings.HasPrefix(phone, "1") {
		t.Fatalf("got %q %v", phone, err)
	}
	_, _, err = f.client.PhoneNumber(context.Background(), "phonecode-1")
	wantErr(t, err, errs.KindInvalid, "INVALID_PHONE_CODE", 40029)
	if strings.Contains(err.Error(), phone) {
		t.Error("error leaks the phone number")
	}

	for _, tc := range []errorCase{
		{name: "garbage", code: "not a code!", kind: errs.KindInvalid, mcode: "INVALID_PHONE_CODE", errcode: 40029},
		{name: "empty", kind: errs.KindInvalid, mcode: "INVALID_PHONE_CODE"},
		{name: "forced 40029", code: "c1", fault: &wxemu.Fault{ErrCode: 40029}, kind: errs.KindInvalid, mcode: "INVALID_PHONE_CODE", errcode: 40029},
		{name: "45011", code: "c2", fault: &wxemu.Fault{ErrCode: 45011}, kind: errs.KindRateLimited, mcode: "WECHAT_RATE_LIMITED", errcode: 45011},
		{name: "-1", code: "c3", fault: &wxemu.Fault{ErrCode: -1}, kind: errs.KindUnavailable, mcode: "WECHAT_UNAVAILABLE", errcode: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.tenant.ClearFaults()
			if tc.fault != nil {
				f.tenant.Fail(wxemu.EndpointPhoneNumber, *tc.fault)
			}
			_, _, err := f.client.PhoneNumber(context.Background(), tc.code)
			wantErr(t, err, tc.kind, tc.mcode, tc.errcode)
		})
	}
}

func TestWXACodeUnlimit(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	f.tenant.AddPages("pages/event/index")

	img, err := f.client.WXACodeUnlimit(context.Background(), "e=42&r=abc", "/pages/event/index")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(img, []byte{0xff, 0xd8}) {
		t.Fatalf("not a JPEG: % x", img[:min(8, len(img))])
	}
	if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("JPEG does not decode: %v", err)
	}

	_, err = f.client.WXACodeUnlimit(context.Background(), "e=42", "pages/unknown/index")
	wantErr(t, err, errs.KindInternal, "WECHAT_INVALID_PAGE", 41030)

	before := f.tenant.Count(wxemu.EndpointWXACodeUnlimit)
	for _, scene := range []string{"", strings.Repeat("x", 33), "中文", "a b"} {
		_, err = f.client.WXACodeUnlimit(context.Background(), scene, "pages/event/index")
		wantErr(t, err, errs.KindInvalid, "INVALID_SCENE", 0)
	}
	if _, err := f.client.WXACodeUnlimit(context.Background(), strings.Repeat("x", 32), "pages/event/index"); err != nil {
		t.Errorf("32-character scene: %v", err)
	}
	if n := f.tenant.Count(wxemu.EndpointWXACodeUnlimit) - before; n != 1 {
		t.Errorf("%d calls reached WeChat, want only the valid one", n)
	}

	f.tenant.Fail(wxemu.EndpointWXACodeUnlimit, wxemu.Fault{ErrCode: 45009, Times: 1})
	_, err = f.client.WXACodeUnlimit(context.Background(), "e=1", "pages/event/index")
	wantErr(t, err, errs.KindRateLimited, "WECHAT_RATE_LIMITED", 45009)

	// 40001 on the image call: retried with a fresh token.
	f.tenant.Fail(wxemu.EndpointWXACodeUnlimit, wxemu.Fault{ErrCode: 40001, Times: 1})
	if _, err := f.client.WXACodeUnlimit(context.Background(), "e=1", "pages/event/index"); err != nil {
		t.Errorf("after 40001: %v", err)
	}
}

func TestMsgCheck(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	f.tenant.SetRiskyWords("赌博")
	to := wxemu.OpenID(f.appID, "a")
	v, err := f.client.MsgCheck(context.Background(), wechat.TextCheck{OpenID: to, Content: "周六上午社区义诊"})
	if err != nil || !v.Pass() || v.Label != 100 {
		t.Fatalf("got %+v %v", v, err)
	}
	v, err = f.client.MsgCheck(context.Background(), wechat.TextCheck{OpenID: to, Scene: wechat.SceneForum, Content: "线上赌博"})
	if err != nil || v.Pass() || v.Suggest != "risky" {
		t.Fatalf("got %+v %v", v, err)
	}
	f.tenant.Fail(wxemu.EndpointMsgSecCheck, wxemu.Fault{ErrCode: 40001, Times: 1})
	if _, err := f.client.MsgCheck(context.Background(), wechat.TextCheck{OpenID: to, Content: "你好"}); err != nil {
		t.Errorf("after 40001: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, cfg := range []wechat.Config{
		{AppSecret: "s", APIBase: emu.Base},
		{AppID: "wx1", APIBase: emu.Base},
		{AppID: "wx1", AppSecret: "s", APIBase: "ftp://example.com"},
		{AppID: "wx1", AppSecret: "s", APIBase: "not a url"},
	} {
		if _, err := wechat.New(cfg, rdb, ""); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := wechat.New(wechat.Config{AppID: "wx1", AppSecret: "s", APIBase: emu.Base}, nil, ""); err == nil {
		t.Error("New accepted a nil Redis client")
	}
	if got := wechat.APIBase(); got != emu.Base {
		t.Errorf("APIBase() = %q, want %q (a failed New must not switch it)", got, emu.Base)
	}
}

// The cache degrades to "no cache" when Redis is down: calls still work
// (as long as Redis fails fast).
func TestRedisDown(t *testing.T) {
	f := newFixture(t, 2*time.Second)
	c := f.clientWithRedisDown(t)
	for range 2 {
		if _, _, err := c.PhoneNumber(context.Background(), wxemu.PhoneCode("13800138000")); err != nil {
			t.Fatalf("with Redis down: %v", err)
		}
	}
	if n := f.tenant.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued; stable_token should keep returning the same one", n)
	}
}
