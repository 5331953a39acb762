package jsonhttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every kind of body reaches the server as it should, with the headers the
// API expects, and the answer is read into status, object and bytes.
func TestDoSendsBodiesAndReadsAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Seen-Auth", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"body":`+quote(string(b))+`,"n":7}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name     string
		body     any
		headers  []string
		wantBody string
		wantType string
	}{
		{"none", nil, nil, "", ""},
		{"value", map[string]int{"a": 1}, nil, `{"a":1}`, "application/json"},
		{"string", `{"raw":true}`, nil, `{"raw":true}`, "application/json"},
		{"bytes", []byte("xyz"), []string{"Content-Type", "text/plain"}, "xyz", "text/plain"},
		{"reader", strings.NewReader("stream"), nil, "stream", "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Do(srv.Client(), "POST", srv.URL+"/x", "tok", tc.body, tc.headers...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != 201 || r.Str("body") != tc.wantBody || r.Num("n") != 7 {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
			if got := r.Header.Get("X-Seen-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if got := r.Header.Get("X-Seen-Auth"); got != "Bearer tok" {
				t.Errorf("Authorization %q", got)
			}
		})
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
