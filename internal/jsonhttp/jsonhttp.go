// Package jsonhttp calls the Gongjian API as its clients do: a JSON body, a
// bearer token, and an answer read into its status, JSON object and bytes.
// Tests and the benchmark programs share it.
package jsonhttp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Response is an answer: its status, its body as a JSON object (nil when
// it is not one), the raw body and the headers.
type Response struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

// Str is the string field k of the body ("" when absent).
func (r Response) Str(k string) string { s, _ := r.Body[k].(string); return s }

// Num is the numeric field k of the body as an integer (0 when absent).
func (r Response) Num(k string) int64 { f, _ := r.Body[k].(float64); return int64(f) }

// NewRequest builds a request to url. body is nil (none), a string, []byte
// or io.Reader (sent as it is) or any other value (sent JSON-encoded); a
// request with a body says Content-Type: application/json. token, when set,
// is sent as a bearer token; headers are name, value pairs set last (so
// they may replace the Content-Type).
func NewRequest(method, url, token string, body any, headers ...string) (*http.Request, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

// Read reads (and closes) an answer's body.
func Read(res *http.Response) (Response, error) {
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	out := Response{Status: res.StatusCode, Raw: raw, Header: res.Header}
	_ = json.Unmarshal(raw, &out.Body)
	return out, err
}

// Do sends a request built as NewRequest does with hc and reads its answer.
func Do(hc *http.Client, method, url, token string, body any, headers ...string) (Response, error) {
	req, err := NewRequest(method, url, token, body, headers...)
	if err != nil {
		return Response{}, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	return Read(res)
}
