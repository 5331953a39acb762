package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

func TestAPIErrorOf(t *testing.T) {
	tests := []struct {
		err  error
		code int
		msg  string
		ok   bool
	}{
		{util.NewCommonError("Send", 43101, "user refuse to accept the msg rid: 1"), 43101, "user refuse to accept the msg rid: 1", true},
		{fmt.Errorf("Code2Session error : errcode=%v , errmsg=%v", 40029, "invalid code, rid: x"), 40029, "invalid code, rid: x", true},
		{fmt.Errorf("template msg send error : errcode=%v , errmsg=%v", -1, "system error"), -1, "system error", true},
		{fmt.Errorf("get stable access_token error : errcode=%v , errormsg=%v", 40125, "invalid appsecret"), 40125, "invalid appsecret", true},
		{fmt.Errorf("fetchCode error : errcode=%v , errmsg=%v", 41030, "invalid page"), 41030, "invalid page", true},
		{fmt.Errorf("wrapped: %w", &APIError{Code: 45009, Msg: "quota"}), 45009, "quota", true},
		{errors.New("http get error : uri=https://x/?a=1 , statusCode=500"), 0, "", false},
		{errors.New("fetchCode error : unknown response content type - text/html"), 0, "", false},
		{errors.New("errcode=abc , errmsg=x"), 0, "", false},
	}
	for _, tt := range tests {
		ae, ok := apiErrorOf(tt.err)
		if ok != tt.ok || (ok && (ae.Code != tt.code || ae.Msg != tt.msg)) {
			t.Errorf("apiErrorOf(%q) = %+v, %v; want %d %q %v", tt.err, ae, ok, tt.code, tt.msg, tt.ok)
		}
	}
}

func TestScrub(t *testing.T) {
	in := `Get "https://h/sns/jscode2session?appid=wx1&secret=S&js_code=C&grant_type=g": EOF; ` +
		`uri=https://h/wxa/x?access_token=T , statusCode=500; errcode=40029 code=keep`
	got := scrub(in)
	for _, leak := range []string{"secret=S", "js_code=C", "access_token=T"} {
		if strings.Contains(got, leak) {
			t.Errorf("scrub left %q in %s", leak, got)
		}
	}
	for _, keep := range []string{"appid=wx1", "grant_type=g", "errcode=40029", "code=keep", "statusCode=500"} {
		if !strings.Contains(got, keep) {
			t.Errorf("scrub removed %q: %s", keep, got)
		}
	}
}

func TestValidScene(t *testing.T) {
	for scene, want := range map[string]bool{
		"a": true, "id=1&t=2": true, strings.Repeat("9", 32): true, "!#$&'()*+,/:;=?@-._~": true,
		"": false, strings.Repeat("9", 33): false, "a b": false, "中": false, "a%20": false,
	} {
		if got := validScene(scene); got != want {
			t.Errorf("validScene(%q) = %v", scene, got)
		}
	}
}

// The rewriter sends to the installed base (with its path prefix) and
// bounds the whole exchange, body included, by the installed limit.
func TestRewriter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/proxy/slow" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		fmt.Fprintf(w, "%s %s %s", r.Host, r.URL.Path, r.URL.RawQuery)
	}))
	defer srv.Close()

	h := &hook{}
	base, _ := parseBase(srv.URL + "/proxy/")
	h.base.Store(base)
	h.ceiling.Store(int64(200 * time.Millisecond))
	c := &http.Client{Transport: &rewriter{h: h, next: http.DefaultTransport}}

	resp, err := c.Get("https://api.weixin.qq.com/cgi-bin/x?access_token=T&a=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	u, _ := url.Parse(srv.URL)
	if want := u.Host + " /proxy/cgi-bin/x access_token=T&a=1"; string(b) != want {
		t.Errorf("server saw %q, want %q", b, want)
	}

	start := time.Now()
	resp, err = c.Get("https://api.weixin.qq.com/slow")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("slow body: err %v after %v, want deadline after 200ms", err, time.Since(start))
	}
}

func TestParseBase(t *testing.T) {
	for in, want := range map[string]string{
		"":                            DefaultAPIBase,
		"https://api2.weixin.qq.com/": "https://api2.weixin.qq.com",
		"http://127.0.0.1:8080/wx":    "http://127.0.0.1:8080/wx",
	} {
		u, err := parseBase(in)
		if err != nil || u.String() != want {
			t.Errorf("parseBase(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"api.weixin.qq.com", "ftp://x", "http://", "http://x/?a=1", "::"} {
		if _, err := parseBase(bad); err == nil {
			t.Errorf("parseBase(%q) accepted", bad)
		}
	}
}
