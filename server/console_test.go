package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The server serves the embedded console at /console/: the app for its
// client-side routes, its assets, a redirect from /console; the API's own
// not-found answers stay JSON.
func TestConsoleServedByTheServer(t *testing.T) {
	ta := newTestApp(t)
	for _, p := range []string{"/console/", "/console/activities/3", "/console/login?redirect=%2Faudit"} {
		r := ta.do("GET", p, "", nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Raw), `<div id="app">`) {
			t.Fatalf("GET %s: %d %s %.200s", p, r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
		if r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, r.Header.Get("Cache-Control"))
		}
	}
	index := string(ta.do("GET", "/console/", "", nil).Raw)
	for _, src := range regexp.MustCompile(`(?:src|href)="(/console/assets/[^"]+)"`).FindAllStringSubmatch(index, -1) {
		r := ta.do("GET", src[1], "", nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %q", src[1], r.Status, r.Header.Get("Cache-Control"))
		}
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(ta.srv.URL + "/console")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/console/" {
		t.Errorf("GET /console: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	expectError(t, ta.do("GET", "/api/v1/no-such-route", "", nil), 404, "ROUTE_NOT_FOUND")
	if r := ta.do("GET", "/console/assets/missing-0000.js", "", nil); r.Status != 404 {
		t.Errorf("a missing asset: %d", r.Status)
	}
}
