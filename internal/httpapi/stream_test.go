package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"gongjian/internal/errs"
)

// A streamed workbook whose first batch cannot be read is answered as a
// plain JSON error: no XLSX type, no attachment header.
func TestStreamXLSXFirstBatchFails(t *testing.T) {
	c, rec := testContext(http.MethodGet, "", "", 1<<10)
	err := streamXLSX(c, "报名名单-1-测试.xlsx", func(io.Writer) error {
		return errs.Unavailable(errors.New("db down"), "服务暂时不可用，请稍后再试")
	})
	if err != nil {
		t.Fatalf("a failure before writing is answered, not returned: %v", err)
	}
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if _, ok := rec.Header()["Content-Disposition"]; ok {
		t.Errorf("Content-Disposition %q kept", rec.Header().Get("Content-Disposition"))
	}
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != "UNAVAILABLE" {
		t.Errorf("body %s (%v)", rec.Body, err)
	}
}

// A workbook that is written is sent as an attachment; a failure after the
// first bytes is returned to the caller (the response is cut short).
func TestStreamXLSXWrites(t *testing.T) {
	c, rec := testContext(http.MethodGet, "", "", 1<<10)
	if err := streamXLSX(c, "a.xlsx", func(w io.Writer) error { _, err := w.Write([]byte("PK")); return err }); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != xlsxType || rec.Header().Get("Content-Disposition") == "" || rec.Body.String() != "PK" {
		t.Errorf("%d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	c, _ = testContext(http.MethodGet, "", "", 1<<10)
	late := errors.New("late")
	if err := streamXLSX(c, "a.xlsx", func(w io.Writer) error { _, _ = w.Write([]byte("PK")); return late }); !errors.Is(err, late) {
		t.Errorf("late failure: %v", err)
	}
}
