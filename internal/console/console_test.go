package console

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// assetName is one hashed asset of the embedded build.
func assetName(t *testing.T) string {
	t.Helper()
	h := Handler().(*handler)
	// The largest script: small ones (under 1 KiB) are not worth gzipping,
	// and map order must not decide which one a test gets.
	best, size := "", 0
	for name, f := range h.files {
		if f.immutable && strings.HasSuffix(name, ".js") && len(f.body) > size {
			best, size = name, len(f.body)
		}
	}
	if best == "" {
		t.Fatal("the embedded build has no assets/*.js")
	}
	return best
}

func TestHandler(t *testing.T) {
	h := Handler()
	asset := assetName(t)
	cases := []struct {
		name, method, path string
		header             map[string]string
		status             int
		ctype, cache, body string
	}{
		{"index", "GET", "/console/", nil, 200, "text/html", "no-cache", `<div id="app">`},
		{"client route", "GET", "/console/activities/12", nil, 200, "text/html", "no-cache", `<div id="app">`},
		{"deep client route", "GET", "/console/hours/claims?status=pending", nil, 200, "text/html", "no-cache", `/console/assets/`},
		{"hashed asset", "GET", "/console/" + asset, nil, 200, "javascript", "immutable", ""},
		{"missing asset", "GET", "/console/assets/gone-123.js", nil, 404, "", "", ""},
		{"traversal stays inside", "GET", "/console/../../go.mod", nil, 200, "text/html", "no-cache", `<div id="app">`},
		{"post refused", "POST", "/console/", nil, 405, "", "", ""},
		{"head", "HEAD", "/console/", nil, 200, "text/html", "no-cache", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			if got := rec.Header().Get("Content-Type"); !strings.Contains(got, c.ctype) {
				t.Errorf("Content-Type %q, want %q", got, c.ctype)
			}
			if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, c.cache) {
				t.Errorf("Cache-Control %q, want %q", got, c.cache)
			}
			if !strings.Contains(rec.Body.String(), c.body) {
				t.Errorf("body lacks %q: %.200s", c.body, rec.Body.String())
			}
			if c.status == 200 {
				if rec.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
					t.Errorf("security headers missing: %v", rec.Header())
				}
			}
		})
	}
}

// A browser holding the current ETag is told 304, not sent the file again.
func TestHandlerETag(t *testing.T) {
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest("GET", "/console/dashboard", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("status %d, want 304", rec.Code)
	}
}

// Scripts and styles go out gzipped to browsers that accept it, and plain
// to those that do not; both carry their own ETag.
func TestHandlerGzip(t *testing.T) {
	h := Handler()
	asset := assetName(t)
	get := func(enc string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/console/"+asset, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	plain, gz, refused := get(""), get("br, gzip;q=0.8"), get("gzip;q=0")
	if plain.Header().Get("Content-Encoding") != "" || refused.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client that did not ask for it")
	}
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len() {
		t.Fatalf("gzip: %q, %d bytes vs %d plain", gz.Header().Get("Content-Encoding"), gz.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if !bytes.Equal(unz, plain.Body.Bytes()) {
		t.Fatal("the gzipped asset is not the asset")
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("ETag %q/%q, Vary %q", gz.Header().Get("ETag"), plain.Header().Get("ETag"), gz.Header().Get("Vary"))
	}
}
