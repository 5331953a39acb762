package httpapi

import (
	"net/http"
	"testing"
)

// writeError answers exactly what gin's AbortWithStatusJSON answers: the
// same status, headers and bytes, whether it writes the body itself or
// leaves it to gin; and the request is aborted either way.
func TestWriteErrorAsGinWould(t *testing.T) {
	cases := []struct {
		name string
		body ErrorBody
	}{
		{"a refusal", ErrorBody{Code: "QUOTA_FULL", Message: "名额已满", RequestID: "req-1"}},
		{"no request id", ErrorBody{Code: "NOT_FOUND", Message: "活动不存在"}},
		{"empty", ErrorBody{}},
		{"punctuation", ErrorBody{Code: "BAD_FIELD", Message: "字段 session_id 应为正整数（1、2、3…）", RequestID: "a-b_c.d"}},
		{"details", ErrorBody{Code: "BAD_FIELD", Message: "字段有误", RequestID: "r", Details: map[string]any{"field": "phone", "n": 3}}},
		{"quotes", ErrorBody{Code: "X", Message: `请填写"姓名"`, RequestID: "r"}},
		{"backslash", ErrorBody{Code: "X", Message: `a\b`, RequestID: "r"}},
		{"html", ErrorBody{Code: "X", Message: "<b>&</b>", RequestID: "r"}},
		{"newline", ErrorBody{Code: "X", Message: "第一行\n第二行", RequestID: "r"}},
		{"line separator", ErrorBody{Code: "X", Message: "甲\u2028乙\u2029丙", RequestID: "r"}},
		{"invalid UTF-8", ErrorBody{Code: "X", Message: "坏\xff", RequestID: "r"}},
		{"delete character", ErrorBody{Code: "X", Message: "a\x7fb", RequestID: "r"}},
	}
	for _, tc := range cases {
		for _, status := range []int{http.StatusConflict, http.StatusTooManyRequests, http.StatusInternalServerError} {
			c, got := testContext(http.MethodPost, "application/json", "{}", 1<<10)
			c.Header("Retry-After", "2")
			writeError(c, status, tc.body)
			if !c.IsAborted() {
				t.Errorf("%s: not aborted", tc.name)
			}
			g, want := testContext(http.MethodPost, "application/json", "{}", 1<<10)
			g.Header("Retry-After", "2")
			g.AbortWithStatusJSON(status, tc.body)
			if got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Errorf("%s, %d: wrote %d %s, gin %d %s", tc.name, status, got.Code, got.Body, want.Code, want.Body)
			}
			for _, h := range []string{"Content-Type", "Retry-After", "Content-Length"} {
				if got.Header().Get(h) != want.Header().Get(h) {
					t.Errorf("%s: %s %q, gin %q", tc.name, h, got.Header().Get(h), want.Header().Get(h))
				}
			}
		}
	}
}

func FuzzMarshalsAsIs(f *testing.F) {
	for _, s := range []string{"名额已满", `"`, "<", "\u2028", "\xff", "a\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, got := testContext(http.MethodPost, "application/json", "{}", 1<<10)
		writeError(c, http.StatusConflict, ErrorBody{Code: "X", Message: s, RequestID: "r"})
		g, want := testContext(http.MethodPost, "application/json", "{}", 1<<10)
		g.AbortWithStatusJSON(http.StatusConflict, ErrorBody{Code: "X", Message: s, RequestID: "r"})
		if got.Body.String() != want.Body.String() {
			t.Fatalf("%q: wrote %s, gin %s", s, got.Body, want.Body)
		}
	})
}
