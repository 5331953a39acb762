// Package console serves the desk console: the Vue app whose sources live in
// web/ and whose build (web's `npm run build`) is committed in dist/ and
// embedded in the binary, so a fresh clone's `go run ./server` serves it
// without Node. TestDistIsWhatSourcesBuild proves dist/ is what web/ builds.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// securityHeaders go on every answer: the console runs only its own scripts,
// is never framed (clickjacking of staff actions) and sends no referrer.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
		"base-uri 'none'; form-action 'self'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
}

type file struct {
	body  []byte
	gz    []byte // gzip of body when that is smaller (text), else nil
	etag  string
	ctype string
	// immutable: a content-hashed asset, cached for a year.
	immutable bool
}

// Handler serves the embedded build under Prefix: a file of the build as
// itself (hashed assets cached for a year), any other path as index.html
// (the app's client-side routes), never cached.
func Handler() http.Handler {
	files := map[string]*file{}
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "dist/")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		files[name] = &file{
			body: b, gz: gzipped(b, ctype), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ctype,
			immutable: strings.HasPrefix(name, "assets/"),
		}
		return nil
	})
	if err != nil {
		panic("console: reading the embedded build: " + err.Error()) // cannot happen with embed.FS
	}
	return &handler{files: files, index: files["index.html"]}
}

type handler struct {
	files map[string]*file
	index *file
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "不支持的请求方式", http.StatusMethodNotAllowed)
		return
	}
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))), "/")
	f, ok := h.files[name]
	switch {
	case ok && f.immutable:
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	case ok:
		w.Header().Set("Cache-Control", "no-cache")
	case strings.HasPrefix(name, "assets/") || h.index == nil:
		// A missing asset is a 404, not the app: a stale page asking for an
		// old chunk must fail visibly (the app reloads) instead of parsing HTML as JS.
		http.Error(w, "文件不存在", http.StatusNotFound)
		return
	default:
		f = h.index
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("Content-Type", f.ctype)
	body, etag := f.body, f.etag
	if f.gz != nil {
		w.Header().Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			w.Header().Set("Content-Encoding", "gzip")
		}
	}
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// gzipped compresses a text file once, when the binary starts (the build's
// scripts and styles shrink to about a third); nil for images and for files
// it would not make smaller.
func gzipped(b []byte, ctype string) []byte {
	text := strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
	if !text || len(b) < 1024 {
		return nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
