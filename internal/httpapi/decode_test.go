package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
)

// testContext is a gin context over a request with body and content type,
// its body limited to max bytes as the middleware does.
func testContext(method, contentType, body string, max int64) (*gin.Context, *httptest.ResponseRecorder) {
	gin.SetMode(gin.TestMode)
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	req := httptest.NewRequest(method, "/x", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Body = http.MaxBytesReader(rec, req.Body, max)
	c.Request = req
	c.Set(ctxRequestID, "req-1")
	c.Set(ctxLogger, slog.New(slog.DiscardHandler))
	return c, rec
}

// decode is strict: JSON only, one value, no unknown fields, the body
// limit kept; each refusal has its own code.
func TestDecodeStrictJSON(t *testing.T) {
	type target struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	for _, tc := range []struct {
		name, ct, body string
		max            int64
		code           string
	}{
		{"valid", "application/json", `{"name":"张三","count":2}`, 1 << 10, ""},
		{"valid, charset", "application/json; charset=utf-8", `{"name":"张三"}`, 1 << 10, ""},
		{"valid, media type in capitals", "Application/JSON; charset=UTF-8", `{"name":"张三"}`, 1 << 10, ""},
		{"no content type", "", `{"name":"a"}`, 1 << 10, ""},
		{"form", "application/x-www-form-urlencoded", `name=a`, 1 << 10, "UNSUPPORTED_MEDIA_TYPE"},
		// What `curl -d` and a bare fetch send: a JSON object under a
		// generic type is read as JSON; anything else under it is not.
		{"JSON sent as a form", "application/x-www-form-urlencoded", `{"name":"a"}`, 1 << 10, ""},
		{"JSON sent as text", "text/plain;charset=UTF-8", ` {"name":"a"}`, 1 << 10, ""},
		{"text", "text/plain", `name`, 1 << 10, "UNSUPPORTED_MEDIA_TYPE"},
		{"JSON-looking upload", "multipart/form-data; boundary=x", `{"name":"a"}`, 1 << 10, "UNSUPPORTED_MEDIA_TYPE"},
		{"empty", "application/json", "   ", 1 << 10, "EMPTY_BODY"},
		{"not JSON", "application/json", `{"name":`, 1 << 10, "BAD_JSON"},
		{"two values", "application/json", `{"name":"a"} {"name":"b"}`, 1 << 10, "BAD_JSON"},
		{"unknown field", "application/json", `{"name":"a","admin":true}`, 1 << 10, "UNKNOWN_FIELD"},
		{"wrong type", "application/json", `{"count":"two"}`, 1 << 10, "BAD_FIELD"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("a", 100) + `"}`, 32, "BODY_TOO_LARGE"},
		{"duplicate key", "application/json", `{"name":"a","count":1,"name":"b"}`, 1 << 10, "DUPLICATE_KEY"},
		{"duplicate key, other case", "application/json", `{"name":"a","Name":"b"}`, 1 << 10, "DUPLICATE_KEY"},
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\xfe张\"}", 1 << 10, "INVALID_UTF8"},
		{"invalid UTF-8 in a key", "application/json", "{\"na\xc3me\":\"a\"}", 1 << 10, "INVALID_UTF8"},
		{"a replacement character typed", "application/json", `{"name":"\ufffd张"}`, 1 << 10, ""},
	} {
		c, _ := testContext("POST", tc.ct, tc.body, tc.max)
		var v target
		err := decode(c, &v)
		if errs.CodeOf(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
		if tc.code == "" && v.Name == "" {
			t.Errorf("%s: nothing decoded", tc.name)
		}
	}
	// The field of a refusal is in details, as a path; the same key in
	// different objects (array elements included) is not a duplicate.
	for _, tc := range []struct{ body, code, field string }{
		{`{"items":[{"id":1,"note":"a"},{"id":2,"id":3}]}`, "DUPLICATE_KEY", "items[1].id"},
		{`{"items":[{"id":1},{"id":2}],"meta":{"id":1}}`, "", ""},
		{"{\"items\":[{\"id\":1},{\"note\":\"ok\"},{\"note\":\"\xed\xa0\x80\"}]}", "INVALID_UTF8", "items[2].note"},
		{"{\"a\":{\"b\":[\"x\",\"\xc0\"]}}", "INVALID_UTF8", "a.b[1]"},
		{`{"a":1,"b":{"c":[1,{"d":2,"d":3}]}}`, "DUPLICATE_KEY", "b.c[1].d"},
	} {
		err := checkJSONText([]byte(tc.body))
		if errs.CodeOf(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.code)
			continue
		}
		if e := errs.As(err); err != nil && (e.Details["field"] != tc.field || !hasHan(e.Message) || e.Kind != errs.KindInvalid) {
			t.Errorf("%s: %+v, want field %q and a Chinese message", tc.body, e, tc.field)
		}
	}
	// A wrong type is named by the field the body gave, also inside an
	// embedded struct (which encoding/json names by its Go type), an
	// array or a nested object.
	type inner struct {
		Minutes int `json:"minutes"`
	}
	type place struct {
		Lat float64 `json:"lat"`
	}
	type withEmbedded struct {
		inner
		place
		Code  string  `json:"code"`
		Items []inner `json:"items"`
		Where place   `json:"where"`
	}
	for _, tc := range []struct{ body, field string }{
		{`{"minutes":"ten"}`, "minutes"},
		{`{"lat":"north"}`, "lat"},
		{`{"code":1}`, "code"},
		{`{"items":[{"minutes":1},{"minutes":"x"}]}`, "items.minutes"},
		{`{"where":{"lat":"x"}}`, "where.lat"},
	} {
		c, _ := testContext("POST", "application/json", tc.body, 1<<10)
		var v withEmbedded
		err := decode(c, &v)
		if e := errs.As(err); errs.CodeOf(err) != "BAD_FIELD" || e.Details["field"] != tc.field {
			t.Errorf("%s: %v %v, want BAD_FIELD naming %q", tc.body, err, e.Details, tc.field)
		}
	}
	// An optional body may be absent; present, it is as strict.
	c, _ := testContext("POST", "application/json", "", 1<<10)
	var v target
	if err := decodeOptional(c, &v); err != nil {
		t.Fatalf("optional, absent: %v", err)
	}
	c, _ = testContext("POST", "application/json", `{"nope":1}`, 1<<10)
	if err := decodeOptional(c, &v); errs.CodeOf(err) != "UNKNOWN_FIELD" {
		t.Fatalf("optional, unknown field: %v", err)
	}
}

// Every error kind has its status in the one table, and fail answers the
// error body with the request id (503 and 429 with Retry-After; an unknown kind 500
// without leaking its cause).
func TestErrorTable(t *testing.T) {
	want := map[errs.Kind]int{
		errs.KindInvalid: 400, errs.KindUnprocessable: 422, errs.KindUnauthorized: 401, errs.KindForbidden: 403,
		errs.KindNotFound: 404, errs.KindConflict: 409, errs.KindQuotaFull: 409, errs.KindRateLimited: 429,
		errs.KindTooLarge: 413, errs.KindUnavailable: 503, errs.KindInternal: 500, errs.KindMethodNotAllowed: 405,
	}
	for k := errs.KindInternal; k <= errs.KindMethodNotAllowed; k++ {
		if _, ok := want[k]; !ok {
			t.Fatalf("kind %d has no expected status in this test", k)
		}
	}
	for k, status := range want {
		if statusOf[k] != status {
			t.Errorf("kind %d: status %d, want %d", k, statusOf[k], status)
		}
		c, rec := testContext("GET", "", "", 1)
		fail(c, errs.New(k, "SOME_CODE", "出错了"))
		var body ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != status || body.Code != "SOME_CODE" ||
			body.Message != "出错了" || body.RequestID != "req-1" || !c.IsAborted() {
			t.Errorf("kind %d answered %d %s", k, rec.Code, rec.Body)
		}
		if (rec.Header().Get("Retry-After") != "") != (status == 503 || status == 429) {
			t.Errorf("kind %d: Retry-After %q", k, rec.Header().Get("Retry-After"))
		}
	}
	c, rec := testContext("GET", "", "", 1)
	fail(c, errors.New("dial tcp 10.0.0.5:3306: secret detail"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "10.0.0.5") {
		t.Fatalf("a plain error: %d %s", rec.Code, rec.Body)
	}
}

// Every 429 carries Retry-After in whole seconds: the wait the limit named
// (rounded up), or a minute when it named none.
func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	limited := errs.New(errs.KindRateLimited, "RATE_LIMITED", "操作太频繁，请稍后再试")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{limited, "60"},
		{limited.RetryIn(90 * time.Second), "90"},
		{limited.RetryIn(1200 * time.Millisecond), "2"},
		{limited.RetryIn(15 * time.Minute), "900"},
	} {
		c, rec := testContext("GET", "", "", 1)
		fail(c, tc.err)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != tc.want {
			t.Errorf("%v: %d, Retry-After %q, want %q", tc.err, rec.Code, rec.Header().Get("Retry-After"), tc.want)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// The fast check skips the walk only where the walk finds nothing: over
// bodies with and without repeated keys (in one object, across objects,
// differing in case, escaped, beyond ASCII, as values), invalid UTF-8 and
// broken syntax, distinctKeys never answers true where walkJSONText
// refuses, and it does answer true for an ordinary sign-up body.
func TestDistinctKeysOnlySkipsWhatTheWalkAccepts(t *testing.T) {
	bodies := []string{
		`{"session_id":12,"attendees":[{"self":true}],"answers":{"q1":"是"},"accept_no_cancel":false}`,
		`{"a":1,"a":2}`, `{"a":1,"A":2}`, `{"a":{"b":1},"c":{"b":2}}`, `{"a":{"a":1}}`,
		`{"\u0061":1,"a":2}`, `{"a\"":1,"a\"":2}`, `{"名":1,"名":2}`, `{"k":1,"` + "\u212a" + `":2}`,
		`{"x":"a","y":"a"}`, `{"x":"key:","x" : 2}`, "{\"x\":\"\xff\"}", `{"x":`, `{"x`, `["a","a"]`, `{"x":["a",{"x":1}]}`,
		`{ "a" :1, "b":{"c":[1,{"d":2, "d" :3}]}}`, `{"a":"b\\","a":1}`,
	}
	for _, b := range bodies {
		fast := distinctKeys([]byte(b))
		if err := walkJSONText([]byte(b)); fast && err != nil {
			t.Errorf("%s: the fast check skips a body the walk refuses (%v)", b, err)
		}
	}
	if !distinctKeys([]byte(bodies[0])) {
		t.Error("an ordinary sign-up body takes the walk")
	}
	if distinctKeys([]byte(`{"a":1,"A":2}`)) || distinctKeys([]byte(`{"x":"key:","x" : 2}`)) {
		t.Error("repeated keys not noticed")
	}
}

// A time that does not parse is BAD_TIME with the field's path in
// details (as checkJSONText writes paths), whichever level it is at.
func TestDecodeBadTimeNamesField(t *testing.T) {
	type session struct {
		StartsAt *time.Time `json:"starts_at"`
		EndsAt   time.Time  `json:"ends_at"`
	}
	type Embedded struct {
		Deadline *time.Time `json:"deadline"`
	}
	type target struct {
		Embedded
		Title    string     `json:"title"`
		OpensAt  *time.Time `json:"opens_at"`
		Sessions []session  `json:"sessions"`
		Ptr      *session   `json:"ptr"`
	}
	for _, tc := range []struct{ body, field string }{
		{`{"title":"a","opens_at":"2026-12-01 09:00"}`, "opens_at"},
		{`{"OPENS_AT":"2026-12-01T09:00:00"}`, "opens_at"},
		{`{"sessions":[{"starts_at":"2026-12-01T09:00:00+08:00","ends_at":"2026-12-01T10:00:00+08:00"},{"starts_at":null,"ends_at":"明天"}]}`, "sessions[1].ends_at"},
		{`{"ptr":{"starts_at":"9点"}}`, "ptr.starts_at"},
		{`{"deadline":"2026-12-01"}`, "deadline"},
	} {
		var v target
		err := decodeBytes([]byte(tc.body), &v)
		if e := errs.As(err); errs.CodeOf(err) != "BAD_TIME" || e.Details["field"] != tc.field || e.Details["example"] == nil {
			t.Errorf("%s: %v %v, want BAD_TIME on %q", tc.body, err, e.Details, tc.field)
		}
	}
}
