package wechat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// DefaultAPIBase is WeChat's API host.
const DefaultAPIBase = "https://api.weixin.qq.com"

// silenceper/wechat sends every request through its package variable
// util.DefaultHTTPClient (default http.DefaultClient: no timeout) to
// hard-coded https://api.weixin.qq.com URLs. process is the one place that
// owns that global: Install sets util.DefaultHTTPClient exactly once, to a
// client whose transport reads its target and time limit from atomics, so
// later Installs never write the library's variable again (no data race
// with requests in flight).
var process hook

type hook struct {
	once    sync.Once
	base    atomic.Pointer[url.URL]
	ceiling atomic.Int64 // time limit of one HTTP exchange, in nanoseconds
}

// Install points every silenceper/wechat request of this process at
// apiBase ("" means [DefaultAPIBase]; a path such as
// "http://proxy/weixin" is prefixed to WeChat's paths) and bounds each HTTP
// exchange by at least timeout.
//
// ONE PROCESS TALKS TO ONE API BASE. The HTTP client of silenceper/wechat is
// a process-wide global, so the last Install wins for every Client of the
// process, including ones created earlier. Tests must therefore share one
// emulator per test binary (start it in TestMain) and isolate themselves by
// AppID; the emulator in internal/wxemu is multi-tenant by AppID for this
// reason.
//
// The per-exchange limit only grows: it is the largest timeout ever
// installed, a backstop for calls that silenceper makes without a context.
// Each Client still enforces its own Config.Timeout on every call.
//
// Install is safe to call many times and concurrently. [New] calls it.
func Install(apiBase string, timeout time.Duration) error {
	u, err := parseBase(apiBase)
	if err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	process.base.Store(u)
	for {
		cur := process.ceiling.Load()
		if int64(timeout) <= cur || process.ceiling.CompareAndSwap(cur, int64(timeout)) {
			break
		}
	}
	process.once.Do(func() {
		next := http.DefaultTransport.(*http.Transport).Clone()
		next.MaxIdleConnsPerHost = 32
		util.DefaultHTTPClient = &http.Client{Transport: &rewriter{h: &process, next: next}}
	})
	return nil
}

// APIBase returns the API base the process talks to ("" before any
// [Install]).
func APIBase() string {
	if u := process.base.Load(); u != nil {
		return u.String()
	}
	return ""
}

func parseBase(apiBase string) (*url.URL, error) {
	if apiBase == "" {
		apiBase = DefaultAPIBase
	}
	u, err := url.Parse(apiBase)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("wechat: API base %q must be an absolute http(s) URL", apiBase)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// rewriter sends each request to the installed API base, bounded by the
// installed time limit.
type rewriter struct {
	h    *hook
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.h.base.Load()
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(t.h.ceiling.Load()))
	out := r.Clone(ctx)
	out.URL.Scheme, out.URL.Host, out.Host = base.Scheme, base.Host, base.Host
	if base.Path != "" {
		out.URL.Path = base.Path + out.URL.Path
		out.URL.RawPath = ""
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the exchange's context once the body is closed,
// so the time limit covers reading the body too.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
