package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/media"
)

// uploadPerHour is the upload rate limit of the uploads tests' app.
const uploadPerHour = 6

// multipartBody builds a multipart/form-data body with data in field.
func multipartBody(field, filename, contentType string, data []byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename)}
	h["Content-Type"] = []string{contentType}
	w.WriteField("note", "现场照片") // a field before the file is skipped
	part, _ := w.CreatePart(h)
	part.Write(data)
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// upload posts data as the multipart field "file". chunked sends it without
// a Content-Length (so only the body reader can notice its size).
func (ta *testApp) upload(token string, data []byte, chunked bool) resp {
	ta.t.Helper()
	ct, body := multipartBody("file", "photo.jpg", "image/jpeg", data)
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		pr, pw := io.Pipe()
		go func() { pw.Write(body); pw.Close() }()
		rd = pr
	}
	return ta.do("POST", "/api/v1/uploads", token, rd, "Content-Type", ct)
}

func testJPEG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noisePNG is an uncompressed PNG of random pixels: about 4·w·h bytes.
func noisePNG(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.IntN(256))
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A 1×1 lossless WebP.
var tinyWebP = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

func (ta *testApp) fetchUpload(token, ref string, headers ...string) resp {
	ta.t.Helper()
	return ta.do("GET", ref, token, nil, headers...)
}

// Photos of hours claims: real multipart uploads of JPEG, PNG (bigger than
// the global 1 MiB body limit) and WebP are stored and served back with
// their type to the owner and staff only; too-large files (with and
// without a Content-Length), non-images and anonymous callers are refused;
// the rest of the API keeps its 1 MiB limit; an avatar and a claim take only
// the user's own uploads, and the reviewing staff fetch the claim's photos.
func TestUploadsEndToEnd(t *testing.T) {
	w, ta := newCkWorld(t, func(c *config.Config) { c.Uploads.PerUserPerHour = uploadPerHour })
	if ta.app.cfg.HTTP.MaxBodyBytes != 1<<20 {
		t.Fatalf("the test assumes the default 1 MiB body limit, have %d", ta.app.cfg.HTTP.MaxBodyBytes)
	}
	volTok, volID := ta.login("up-volunteer")
	otherTok, _ := ta.login("up-other")

	// Real uploads: the answer's url is the reference; the bytes and the
	// sniffed type come back (the declared image/jpeg of the PNG is ignored).
	jpg := testJPEG(t, 64, 48)
	big := noisePNG(t, 1100, 1100) // ≈ 4.6 MiB: over the global limit, under the upload limit
	if len(big) <= 1<<20 || len(big) > media.MaxBytes {
		t.Fatalf("test PNG is %d bytes", len(big))
	}
	var refs []string
	for _, c := range []struct {
		data    []byte
		typ     string
		w, h    int
		chunked bool
	}{{jpg, "image/jpeg", 64, 48, false}, {big, "image/png", 1100, 1100, true}, {tinyWebP, "image/webp", 1, 1, false}} {
		r := w.must(ta.upload(volTok, c.data, c.chunked), 201)
		ref := r.str("url")
		id, ok := media.ParseRef(ref)
		if !ok || r.str("id") != id || r.str("content_type") != c.typ ||
			num(r.Body["width"]) != int64(c.w) || num(r.Body["height"]) != int64(c.h) {
			t.Fatalf("upload answer %s", r.Raw)
		}
		// Served as stored: re-encoded without metadata (the WebP, which
		// has none, as it came), the same type and dimensions.
		got := w.must(ta.fetchUpload(volTok, ref), 200)
		if typ, gw, gh, ok := media.Sniff(got.Raw); !ok || typ != c.typ || gw != c.w || gh != c.h ||
			num(r.Body["size"]) != int64(len(got.Raw)) || (c.typ == "image/webp") != bytes.Equal(got.Raw, c.data) ||
			got.Header.Get("Content-Type") != c.typ ||
			!strings.HasPrefix(got.Header.Get("Cache-Control"), "private") || got.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: %d bytes, headers %v", ref, len(got.Raw), got.Header)
		}
		if nm := ta.fetchUpload(volTok, ref, "If-None-Match", got.Header.Get("ETag")); nm.Status != 304 || len(nm.Raw) != 0 {
			t.Fatalf("conditional GET: %d", nm.Status)
		}
		refs = append(refs, ref)
	}
	var stored int64
	ta.app.db.G.Table("uploads").Where("owner_id = ?", volID).Count(&stored)
	if stored != 3 {
		t.Fatalf("%d uploads stored, want 3", stored)
	}
	ids := map[string]bool{}
	for _, r := range refs {
		ids[r] = true
	}
	if len(ids) != 3 {
		t.Fatalf("upload ids repeat: %v", refs)
	}

	// Too large: refused by its Content-Length before reading, and by the
	// body reader when the length is not announced; nothing stored.
	huge := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 6<<20)...)
	expectError(t, ta.upload(otherTok, huge, false), 413, "UPLOAD_TOO_LARGE")
	expectError(t, ta.upload(otherTok, huge, true), 413, "UPLOAD_TOO_LARGE")
	justOver := append(append([]byte{}, jpg...), make([]byte, media.MaxBytes+1-len(jpg))...)
	expectError(t, ta.upload(otherTok, justOver, false), 413, "UPLOAD_TOO_LARGE")
	// The rest of the API keeps the global 1 MiB limit.
	bigJSON := `{"activity_id": 1, "minutes": 60, "description": "` + strings.Repeat("长", 1<<19) + `"}`
	expectError(t, ta.do("POST", "/api/v1/hours/claims", otherTok, bigJSON), 413, "BODY_TOO_LARGE")

	// Not images: text claiming to be a JPEG, an HTML page, a JPEG header with garbage, an empty file.
	expectError(t, ta.upload(otherTok, []byte("这不是照片，只是一段文字"), false), 400, "UNSUPPORTED_FILE_TYPE")
	expectError(t, ta.upload(otherTok, []byte("<html><script>alert(1)</script></html>"), false), 400, "UNSUPPORTED_FILE_TYPE")
	expectError(t, ta.upload(otherTok, append([]byte{0xFF, 0xD8, 0xFF}, []byte("garbage garbage garbage")...), false), 400, "UNSUPPORTED_FILE_TYPE")
	expectError(t, ta.upload(otherTok, nil, false), 400, "UPLOAD_EMPTY")
	// A small PNG declaring 60000×60000 pixels: refused from its header.
	bomb := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\xea\x60\x00\x00\xea\x60\x08\x02\x00\x00\x00"), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29]))
	bomb = append(bomb, make([]byte, 350<<10)...)
	bombTok, _ := ta.login("up-bomb") // otherTok has used its hour's uploads
	r := ta.upload(bombTok, bomb, false)
	expectError(t, r, 422, "IMAGE_TOO_LARGE")
	if d, _ := r.Body["details"].(map[string]any); num(d["width"]) != 60000 {
		t.Fatalf("details %s", r.Raw)
	}
	// Not multipart, or no field "file".
	expectError(t, ta.do("POST", "/api/v1/uploads", otherTok, map[string]string{"file": "x"}), 400, "NOT_MULTIPART")
	ct, body := multipartBody("photo", "a.jpg", "image/jpeg", jpg)
	expectError(t, ta.do("POST", "/api/v1/uploads", otherTok, body, "Content-Type", ct), 400, "FILE_REQUIRED")
	ta.app.db.G.Table("uploads").Count(&stored)
	if stored != 3 {
		t.Fatalf("%d uploads stored after refusals, want 3", stored)
	}

	// Anonymous: neither upload nor read.
	expectError(t, ta.upload("", jpg, false), 401, "UNAUTHENTICATED")
	expectError(t, ta.fetchUpload("", refs[0]), 401, "UNAUTHENTICATED")

	// Someone else's file: another resident sees nothing (404, as for an
	// id that does not exist or is malformed); nor does staff while no
	// claim they review uses it; admins see it.
	expectError(t, ta.fetchUpload(otherTok, refs[0]), 404, "UPLOAD_NOT_FOUND")
	expectError(t, ta.fetchUpload(otherTok, media.RefPrefix+strings.Repeat("0", 32)), 404, "UPLOAD_NOT_FOUND")
	expectError(t, ta.fetchUpload(otherTok, media.RefPrefix+"not-an-upload-id"), 404, "UPLOAD_NOT_FOUND")
	expectError(t, ta.fetchUpload(w.staff, refs[2]), 404, "UPLOAD_NOT_FOUND")
	w.must(ta.fetchUpload(w.admin, refs[2]), 200)

	// The avatar chosen in the mini-program is an upload too: only one's own.
	me := w.must(ta.do("PATCH", "/api/v1/me", volTok, map[string]any{"avatar_url": refs[0]}), 200)
	if me.str("avatar_url") != refs[0] {
		t.Fatalf("avatar %s", me.Raw)
	}
	expectError(t, ta.do("PATCH", "/api/v1/me", otherTok, map[string]any{"avatar_url": refs[0]}), 400, "INVALID_AVATAR_URL")
	expectError(t, ta.do("PATCH", "/api/v1/me", otherTok, map[string]any{"avatar_url": "/etc/passwd"}), 400, "INVALID_AVATAR_URL")
	expectError(t, ta.do("PATCH", "/api/v1/me", otherTok, map[string]any{"avatar_url": "//evil.example/a.jpg"}), 400, "INVALID_AVATAR_URL")
	w.must(ta.do("PATCH", "/api/v1/me", otherTok, map[string]any{"avatar_url": "https://thirdwx.qlogo.cn/a.jpg"}), 200)

	// Claims: only the claimant's own uploads, as the exact reference.
	w.shiftSessions(w.vol, -6*time.Hour)
	claim := func(tok string, photos ...string) resp {
		return ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"activity_id": w.vol, "minutes": 120,
			"description": "在小区门口宣传垃圾分类", "photo_urls": photos})
	}
	expectError(t, claim(otherTok, refs[0]), 400, "PHOTO_NOT_YOURS")
	expectError(t, claim(volTok, media.RefPrefix+strings.Repeat("ab", 16)), 400, "PHOTO_NOT_YOURS")
	for _, bad := range []string{"https://img.example.com/a.jpg", ta.srv.URL + refs[0], "https://evil.example" + refs[0], refs[0] + "?x=1", strings.ToUpper(refs[0])} {
		expectError(t, claim(volTok, bad), 400, "INVALID_PHOTO_URL")
	}
	c := w.must(claim(volTok, refs[0], refs[2]), 201)
	if got := c.Body["photo_urls"].([]any); len(got) != 2 || got[0] != refs[0] || got[1] != refs[2] {
		t.Fatalf("claim photos %s", c.Raw)
	}
	// The reviewing staff read the photos through the claim.
	pending := w.must(ta.do("GET", "/api/v1/admin/hours/claims?status=pending", w.staff, nil), 200)
	its := items(pending)
	if len(its) != 1 {
		t.Fatalf("pending claims %s", pending.Raw)
	}
	for _, p := range its[0]["photo_urls"].([]any) {
		if r := w.must(ta.fetchUpload(w.staff, p.(string)), 200); len(r.Raw) == 0 {
			t.Fatalf("staff fetched an empty photo %s", p)
		}
	}
}

// The per-user upload limit holds when one user uploads many photos at
// once: exactly the limit succeeds, the rest are told to wait; another
// user is not affected.
func TestUploadRateLimitConcurrent(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) { c.Uploads.PerUserPerHour = uploadPerHour })
	tok, uid := ta.login("up-burst")
	jpg := testJPEG(t, 16, 16)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			r := ta.upload(tok, jpg, false)
			statuses[i] = r.Status
			if secs, _ := strconv.Atoi(r.Header.Get("Retry-After")); r.Status == 429 && (r.str("code") != "UPLOAD_RATE_LIMITED" || secs < 1 || secs > 3600) {
				t.Errorf("429 with code %s, Retry-After %q", r.str("code"), r.Header.Get("Retry-After"))
			}
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != uploadPerHour || count[429] != n-uploadPerHour {
		t.Fatalf("statuses %v, want %d×201 and %d×429", count, uploadPerHour, n-uploadPerHour)
	}
	var stored int64
	ta.app.db.G.Table("uploads").Where("owner_id = ?", uid).Count(&stored)
	if stored != uploadPerHour {
		t.Fatalf("%d uploads stored, want %d", stored, uploadPerHour)
	}
	other, _ := ta.login("up-calm")
	if r := ta.upload(other, jpg, false); r.Status != 201 {
		t.Fatalf("another user's upload: %d %s", r.Status, r.Raw)
	}
}
