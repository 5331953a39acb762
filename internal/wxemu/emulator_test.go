package wxemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// harness talks to a fresh emulator over real HTTP.
type harness struct {
	t    *testing.T
	e    *Emulator
	base string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	e := New(opts)
	base, stop := e.Start()
	t.Cleanup(stop)
	return &harness{t: t, e: e, base: base}
}

// do sends a request and returns status, content type and body.
func (h *harness) do(method, path string, body any) (int, string, []byte) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.base+path, r)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// json sends a request and decodes a JSON answer.
func (h *harness) json(method, path string, body any) map[string]any {
	h.t.Helper()
	status, ct, b := h.do(method, path, body)
	if status != 200 || !strings.HasPrefix(ct, "application/json") {
		h.t.Fatalf("%s %s: %d %s %s", method, path, status, ct, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		h.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return m
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

func (h *harness) login(appID, code string) map[string]any {
	q := url.Values{"appid": {appID}, "secret": {"s"}, "js_code": {code}, "grant_type": {"authorization_code"}}
	return h.json("GET", "/sns/jscode2session?"+q.Encode(), nil)
}

func (h *harness) stableToken(appID string, force bool) string {
	h.t.Helper()
	m := h.json("POST", "/cgi-bin/stable_token", map[string]any{
		"grant_type": "client_credential", "appid": appID, "secret": "s", "force_refresh": force,
	})
	tok, _ := m["access_token"].(string)
	if tok == "" || m["expires_in"] == nil {
		h.t.Fatalf("stable_token answered %v", m)
	}
	return tok
}

func TestCode2Session(t *testing.T) {
	h := newHarness(t, Options{})
	m := h.login("wxA", "dev:alice")
	if m["openid"] != OpenID("wxA", "alice") || m["session_key"] == "" || m["unionid"] != nil || errcode(m) != 0 {
		t.Errorf("dev login: %v", m)
	}
	if id := OpenID("wxA", "alice"); len(id) != 28 || id[0] != 'o' || id == OpenID("wxB", "alice") {
		t.Errorf("openid %q must be 28 chars, start with o, differ per app", id)
	}
	if m := h.login("wxA", "dev:alice"); m["openid"] != OpenID("wxA", "alice") {
		t.Errorf("dev codes must be reusable: %v", m)
	}
	h.e.Tenant("wxA").SetUnionID(true)
	if m := h.login("wxA", "dev:alice"); m["unionid"] != UnionID("alice") {
		t.Errorf("unionid: %v", m)
	}

	first := h.login("wxA", "081abcDEF")
	if first["openid"] == nil {
		t.Fatalf("one-time code: %v", first)
	}
	for code, want := range map[string]int{"081abcDEF": 40163, "": 40029, "dev:": 40029, "bad code": 40029, strings.Repeat("a", 129): 40029} {
		if got := errcode(h.login("wxA", code)); got != want {
			t.Errorf("code %q: errcode %d, want %d", code, got, want)
		}
	}

	h.e.Tenant("wxS").SetSecret("right")
	if got := errcode(h.login("wxS", "dev:a")); got != 40125 {
		t.Errorf("wrong secret: %d", got)
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t, Options{})
	tok := h.stableToken("wxT", false)
	if app, ok := AppIDOfToken(tok); !ok || app != "wxT" {
		t.Errorf("token %q does not encode its appid", tok)
	}
	if again := h.stableToken("wxT", false); again != tok {
		t.Error("stable_token must return the same token while it is valid")
	}
	send := func(tok string) int {
		return errcode(h.json("POST", "/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok),
			map[string]any{"touser": "o1", "template_id": "T", "data": map[string]any{"thing1": map[string]any{"value": "x"}}}))
	}
	if got := send(tok); got != 0 {
		t.Fatalf("valid token: %d", got)
	}
	if got := send("garbage"); got != 40001 {
		t.Errorf("garbage token: %d", got)
	}
	if got := errcode(h.json("POST", "/cgi-bin/message/subscribe/send", map[string]any{})); got != 41001 {
		t.Errorf("missing token: %d", got)
	}

	tn := h.e.Tenant("wxT")
	tn.ExpireTokens()
	if got := send(tok); got != 42001 {
		t.Errorf("expired token: %d", got)
	}
	tok2 := h.stableToken("wxT", false)
	if tok2 == tok || send(tok2) != 0 {
		t.Error("stable_token must issue a new, working token after expiry")
	}
	tn.InvalidateTokens()
	if got := send(tok2); got != 40001 {
		t.Errorf("invalidated token: %d", got)
	}
	tok3 := h.stableToken("wxT", false)
	forced := h.stableToken("wxT", true)
	if forced == tok3 || send(tok3) != 40001 || send(forced) != 0 {
		t.Error("force_refresh must replace the stable token")
	}
	if n := tn.TokensIssued(); n != 4 {
		t.Errorf("%d tokens issued, want 4", n)
	}

	// The legacy endpoint issues separate tokens.
	m := h.json("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxT&secret=s", nil)
	if lt, _ := m["access_token"].(string); lt == "" || lt == forced || send(lt) != 0 || send(forced) != 0 {
		t.Errorf("legacy token: %v", m)
	}
}

func TestTokenTTLOption(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	h := newHarness(t, Options{TokenTTL: time.Hour, Now: clock})
	m := h.json("POST", "/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": "wxC", "secret": "s"})
	if m["expires_in"] != float64(3600) {
		t.Errorf("expires_in %v", m["expires_in"])
	}
	if code := h.e.Tenant("wxC").checkToken(m["access_token"].(string), now.Add(time.Hour)); code != 42001 {
		t.Errorf("token past its TTL: %d", code)
	}
}

func TestSubscribeSend(t *testing.T) {
	h := newHarness(t, Options{})
	tok := h.stableToken("wxM", false)
	tn := h.e.Tenant("wxM")
	send := func(msg map[string]any) map[string]any {
		return h.json("POST", "/cgi-bin/message/subscribe/send?access_token="+tok, msg)
	}
	data := func(kv ...string) map[string]any {
		d := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			d[kv[i]] = map[string]any{"value": kv[i+1]}
		}
		return d
	}
	m := send(map[string]any{"touser": "oX", "template_id": "T1", "page": "pages/a", "data": data("thing1", "停电通知", "date2", "2025年1月2日")})
	if errcode(m) != 0 || m["errmsg"] != "ok" || m["msgid"] == nil {
		t.Fatalf("send: %v", m)
	}
	sent := tn.Sent()
	if len(sent) != 1 || float64(sent[0].MsgID) != m["msgid"] || sent[0].Data["thing1"] != "停电通知" || sent[0].Page != "pages/a" || sent[0].AppID != "wxM" {
		t.Errorf("recorded %+v", sent)
	}

	tests := []struct {
		name string
		msg  map[string]any
		want int
	}{
		{"no template", map[string]any{"touser": "oX", "data": data("thing1", "a")}, 40037},
		{"no touser", map[string]any{"template_id": "T1", "data": data("thing1", "a")}, 40003},
		{"no data", map[string]any{"touser": "oX", "template_id": "T1"}, 47003},
		{"unknown key type", map[string]any{"touser": "oX", "template_id": "T1", "data": data("foo1", "a")}, 47003},
		{"thing 21", map[string]any{"touser": "oX", "template_id": "T1", "data": data("thing1", strings.Repeat("字", 21))}, 47003},
		{"bad state", map[string]any{"touser": "oX", "template_id": "T1", "miniprogram_state": "beta", "data": data("thing1", "a")}, 47003},
		{"number value", map[string]any{"touser": "oX", "template_id": "T1", "data": map[string]any{"number1": map[string]any{"value": 5}}}, 47003},
	}
	for _, tt := range tests {
		if got := errcode(send(tt.msg)); got != tt.want {
			t.Errorf("%s: errcode %d, want %d", tt.name, got, tt.want)
		}
	}

	tn.AddTemplate("T2", "thing1", "time2")
	okMsg := map[string]any{"touser": "oX", "template_id": "T2", "data": data("thing1", "a", "time2", "15:01")}
	for _, tt := range []struct {
		name string
		msg  map[string]any
		want int
	}{
		{"registered template", okMsg, 0},
		{"unregistered template", map[string]any{"touser": "oX", "template_id": "T1", "data": data("thing1", "a")}, 40037},
		{"missing key", map[string]any{"touser": "oX", "template_id": "T2", "data": data("thing1", "a")}, 47003},
		{"extra key", map[string]any{"touser": "oX", "template_id": "T2", "data": data("thing1", "a", "time2", "15:01", "thing3", "b")}, 47003},
	} {
		if got := errcode(send(tt.msg)); got != tt.want {
			t.Errorf("%s: errcode %d, want %d", tt.name, got, tt.want)
		}
	}

	tn.RequireGrants(true)
	tn.Grant("oX", "T2", 2)
	got := []int{errcode(send(okMsg)), errcode(send(okMsg)), errcode(send(okMsg))}
	if fmt.Sprint(got) != "[0 0 43101]" || tn.Grants("oX", "T2") != 0 {
		t.Errorf("grants: %v", got)
	}

	tn.KnownOpenIDsOnly(true)
	tn.Grant("oX", "T2", 1)
	if got := errcode(send(okMsg)); got != 40003 {
		t.Errorf("unknown openid: %d", got)
	}
	if n := len(tn.Sent()); n != 4 {
		t.Errorf("%d messages recorded, want 4", n)
	}
}

func TestCheckField(t *testing.T) {
	ok := map[string]string{
		"thing1":             strings.Repeat("字", 20),
		"short_thing2":       "五个字以内",
		"number3":            "12345.67",
		"letter4":            "abcXYZ",
		"symbol5":            "%$#",
		"character_string6":  "NO.2025-001",
		"time7":              "15:01",
		"time8":              "2019年10月1日 15:01",
		"time9":              "2025-03-01 09:00~11:30",
		"date10":             "2019年10月1日",
		"date11":             "2019-10-01 15:01",
		"date12":             "2025年3月1日~2025年3月2日",
		"amount13":           "¥100.50",
		"amount14":           "88元",
		"phone_number15":     "+86-0766-66888866",
		"car_number16":       "粤A8Z888挂",
		"name17":             "欧阳娜娜",
		"name18":             "Zhang San",
		"phrase19":           "已报名",
		"character_string20": strings.Repeat("x", 32),
	}
	for k, v := range ok {
		if p := checkField(k, v); p != "" {
			t.Errorf("%s=%q rejected: %s", k, v, p)
		}
	}
	bad := map[string]string{
		"thing1":            strings.Repeat("字", 21),
		"thing2":            "  ",
		"short_thing3":      "六个字的内容",
		"number4":           "12a",
		"letter5":           "abc1",
		"symbol6":           "%%%%%%",
		"character_string7": "中文",
		"character_string8": strings.Repeat("x", 33),
		"time9":             "2019年10月1日",
		"time10":            "下午三点",
		"date11":            "15:01",
		"date12":            "2019-13-01",
		"amount13":          "12345678901",
		"phone_number14":    "13800138000-13800138000",
		"car_number15":      "粤A8Z8888挂",
		"name16":            "一二三四五六七八九十一",
		"name17":            "Bob2",
		"phrase18":          "六个汉字太长",
		"phrase19":          "ok",
		"thing":             "no digits",
		"unknown1":          "x",
		"number20":          strings.Repeat("1", 33),
	}
	for k, v := range bad {
		if p := checkField(k, v); p == "" {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
}

func TestPhoneNumber(t *testing.T) {
	h := newHarness(t, Options{})
	tok := h.stableToken("wxP", false)
	ask := func(code string) map[string]any {
		return h.json("POST", "/wxa/business/getuserphonenumber?access_token="+tok, map[string]any{"code": code})
	}
	m := ask("dev:phone:13912345678")
	pi, _ := m["phone_info"].(map[string]any)
	if errcode(m) != 0 || pi["purePhoneNumber"] != "13912345678" || pi["phoneNumber"] != "13912345678" {
		t.Fatalf("dev phone: %v", m)
	}
	if cc, isString := pi["countryCode"].(string); !isString || cc != "86" {
		t.Errorf("countryCode must be the JSON string \"86\": %#v", pi["countryCode"])
	}
	if wm, _ := pi["watermark"].(map[string]any); wm["appid"] != "wxP" || wm["timestamp"] == nil {
		t.Errorf("watermark %v", pi["watermark"])
	}
	if errcode(ask("dev:phone:13912345678")) != 0 {
		t.Error("dev phone codes must be reusable")
	}
	one := ask("abc123")
	if p := one["phone_info"].(map[string]any)["purePhoneNumber"]; p != derivedPhone("wxP", "abc123") || len(p.(string)) != 11 {
		t.Errorf("derived phone: %v", one)
	}
	for code, want := range map[string]int{"abc123": 40029, "": 40029, "dev:phone:123": 40029, "dev:phone:1391234567x": 40029} {
		if got := errcode(ask(code)); got != want {
			t.Errorf("code %q: %d, want %d", code, got, want)
		}
	}
}

func TestWXACodeUnlimit(t *testing.T) {
	h := newHarness(t, Options{})
	tok := h.stableToken("wxQ", false)
	path := "/wxa/getwxacodeunlimit?access_token=" + tok
	status, ct, b := h.do("POST", path, map[string]any{"scene": "id=1", "page": "pages/a/index", "width": 280})
	if status != 200 || ct != "image/jpeg" {
		t.Fatalf("%d %q", status, ct)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 280 {
		t.Fatalf("JPEG: %v %v", err, img)
	}
	if len(b) > 64<<10 {
		t.Errorf("JPEG of %d bytes is not small", len(b))
	}

	tn := h.e.Tenant("wxQ")
	tn.AddPages("pages/a/index")
	noCheck := false
	for _, tt := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"scene": strings.Repeat("s", 33)}, 40169},
		{map[string]any{"scene": ""}, 40169},
		{map[string]any{"scene": "中文"}, 40169},
		{map[string]any{"scene": "a", "page": "pages/b/index"}, 41030},
		{map[string]any{"scene": "a", "page": "/pages/a/index"}, 41030},
		{map[string]any{"scene": "a", "page": "pages/b/index", "check_path": noCheck}, 0},
		{map[string]any{"scene": "a", "page": "pages/a/index"}, 0},
	} {
		status, ct, b := h.do("POST", path, tt.body)
		if tt.want == 0 {
			if ct != "image/jpeg" {
				t.Errorf("%v: %d %s %s", tt.body, status, ct, b)
			}
			continue
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if !strings.HasPrefix(ct, "application/json") || errcode(m) != tt.want {
			t.Errorf("%v: %s %s, want errcode %d", tt.body, ct, b, tt.want)
		}
	}
}

func TestMsgSecCheck(t *testing.T) {
	h := newHarness(t, Options{})
	tok := h.stableToken("wxR", false)
	h.e.Tenant("wxR").SetRiskyWords("违禁词")
	check := func(body map[string]any) map[string]any {
		return h.json("POST", "/wxa/msg_sec_check?access_token="+tok, body)
	}
	m := check(map[string]any{"content": "你好", "version": 2, "scene": 2, "openid": "o1"})
	if r, _ := m["result"].(map[string]any); errcode(m) != 0 || r["suggest"] != "pass" || r["label"] != float64(100) {
		t.Errorf("pass: %v", m)
	}
	m = check(map[string]any{"content": "含有违禁词的话", "version": 2, "scene": 2, "openid": "o1"})
	if r, _ := m["result"].(map[string]any); errcode(m) != 0 || r["suggest"] != "risky" {
		t.Errorf("risky: %v", m)
	}
	if got := errcode(check(map[string]any{"content": "x", "version": 2, "scene": 2})); got != 40003 {
		t.Errorf("no openid: %d", got)
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Options{})
	tn := h.e.Tenant("wxF")

	tn.Fail(EndpointCode2Session, Fault{ErrCode: 45011, Times: 2})
	tn.Fail(EndpointCode2Session, Fault{ErrCode: 40226, Times: 1})
	got := []int{}
	for range 4 {
		got = append(got, errcode(h.login("wxF", "dev:a")))
	}
	if fmt.Sprint(got) != "[45011 45011 40226 0]" {
		t.Errorf("fault sequence %v", got)
	}

	// Faults are per tenant.
	tn.Fail(EndpointCode2Session, Fault{ErrCode: -1})
	if errcode(h.login("wxOther", "dev:a")) != 0 || errcode(h.login("wxF", "dev:a")) != -1 {
		t.Error("a fault leaked to another tenant")
	}
	tn.ClearFaults()

	tn.Fail(EndpointCode2Session, Fault{Status: 500, Times: 1})
	if status, _, _ := h.do("GET", "/sns/jscode2session?appid=wxF&secret=s&js_code=dev:a&grant_type=authorization_code", nil); status != 500 {
		t.Errorf("status %d", status)
	}
	tn.Fail(EndpointCode2Session, Fault{Body: "<html>gateway</html>", Times: 1})
	if _, ct, b := h.do("GET", "/sns/jscode2session?appid=wxF&secret=s&js_code=dev:a&grant_type=authorization_code", nil); ct != "text/html" || string(b) != "<html>gateway</html>" {
		t.Errorf("raw body: %s %s", ct, b)
	}

	tn.Fail(EndpointStableToken, Fault{Drop: true})
	req, _ := http.NewRequest("POST", h.base+"/cgi-bin/stable_token", strings.NewReader(`{"appid":"wxF"}`))
	if resp, err := (&http.Transport{}).RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Error("dropped connection answered")
	}
	tn.ClearFaults()

	tn.Fail(EndpointCode2Session, Fault{Delay: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	if m := h.login("wxF", "dev:a"); errcode(m) != 0 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("delay-only fault: %v after %v", m, time.Since(start))
	}

	// 40001 from a fault invalidates the token it was given.
	tok := h.stableToken("wxF", false)
	tn.Fail(EndpointPhoneNumber, Fault{ErrCode: 40001, Times: 1})
	ask := func() int {
		return errcode(h.json("POST", "/wxa/business/getuserphonenumber?access_token="+tok, map[string]any{"code": "dev:phone:13800138000"}))
	}
	if a, b := ask(), ask(); a != 40001 || b != 40001 {
		t.Errorf("faulted token: %d then %d, want 40001 twice", a, b)
	}
	if fresh := h.stableToken("wxF", false); fresh == tok {
		t.Error("stable_token returned the invalidated token")
	}

	calls := tn.Calls(EndpointCode2Session)
	if tn.Count(EndpointCode2Session) != len(calls) || len(calls) != 8 || calls[0].ErrCode != 45011 || calls[4].ErrCode != -1 || calls[5].Status != 500 {
		t.Errorf("count %d, calls %+v", tn.Count(EndpointCode2Session), calls)
	}
	if drops := tn.Calls(EndpointStableToken); len(drops) == 0 || !drops[0].Dropped {
		t.Errorf("stable_token calls %+v", drops)
	}
}

func TestRouting(t *testing.T) {
	h := newHarness(t, Options{})
	if status, _, _ := h.do("GET", "/cgi-bin/unknown", nil); status != 404 {
		t.Errorf("unknown endpoint: %d", status)
	}
	if m := h.json("GET", "/cgi-bin/stable_token", nil); errcode(m) != 43002 {
		t.Errorf("GET on a POST endpoint: %v", m)
	}
	if m := h.json("POST", "/cgi-bin/stable_token", map[string]any{"appid": "wx1", "secret": "s"}); errcode(m) != 40002 {
		t.Errorf("missing grant_type: %v", m)
	}
	if !strings.HasSuffix(ErrMsg(40001), "not latest") {
		t.Error(ErrMsg(40001))
	}
}
