package testenv

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

// EditXLSXSheets is the workbook xlsx with its worksheets' XML rewritten
// by edit.
func EditXLSXSheets(t testing.TB, xlsx []byte, edit func([]byte) []byte) *bytes.Buffer {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := zf.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			body = edit(body)
		}
		w.Write(body)
	}
	zw.Close()
	return &out
}

// XLSXBomb is the workbook xlsx with its worksheets padded with 40 MiB of
// white space: a small file that unpacks to far more.
func XLSXBomb(t testing.TB, xlsx []byte) *bytes.Buffer {
	t.Helper()
	return EditXLSXSheets(t, xlsx, func(body []byte) []byte {
		return bytes.Replace(body, []byte("</worksheet>"), append(bytes.Repeat([]byte(" "), 40<<20), []byte("</worksheet>")...), 1)
	})
}
