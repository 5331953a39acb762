package wristband_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
	"gongjian/internal/wristband"
)

// An XLSX import is bounded by what it unpacks to (a 100-KB zip can hold
// gigabytes) and by its rows, read one by one: a zip bomb is refused with
// IMPORT_TOO_LARGE, a file over 10,000 rows with IMPORT_TOO_MANY_ROWS,
// before the rows are all held at once.
func TestImportXLSXBounded(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]string{"IMEI", "型号", "厂商", "批次", "激活码"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]string{"868120034567890", "W1", "acme", "2026-01", "K7P2QX91"})
	var small bytes.Buffer
	if err := f.Write(&small); err != nil {
		t.Fatal(err)
	}
	rows, err := wristband.ParseImportFile(small.Bytes())
	if err != nil || len(rows) != 1 || rows[0].ActivationCode != "K7P2QX91" {
		t.Fatalf("a small file: %+v %v", rows, err)
	}

	// The same workbook whose sheet unpacks to 40 MiB (whitespace).
	zr, err := zip.NewReader(bytes.NewReader(small.Bytes()), int64(small.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	for _, zf := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := zf.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			body = bytes.Replace(body, []byte("</worksheet>"), append(bytes.Repeat([]byte(" "), 40<<20), []byte("</worksheet>")...), 1)
		}
		w.Write(body)
	}
	zw.Close()
	if bomb.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes: not a bomb", bomb.Len())
	}
	if _, err := wristband.ParseImportFile(bomb.Bytes()); errs.CodeOf(err) != "IMPORT_TOO_LARGE" || errs.KindOf(err) != errs.KindTooLarge {
		t.Fatalf("an XLSX unpacking to 40 MiB: %v", err)
	}

	// 10,001 device rows.
	big := excelize.NewFile()
	sw, _ := big.NewStreamWriter("Sheet1")
	_ = sw.SetRow("A1", []any{"IMEI", "型号", "厂商"})
	for i := 0; i <= wristband.MaxImportRows; i++ {
		_ = sw.SetRow(fmt.Sprintf("A%d", i+2), []any{fmt.Sprintf("86%013d", i), "W1", "acme"})
	}
	_ = sw.Flush()
	var many bytes.Buffer
	if err := big.Write(&many); err != nil {
		t.Fatal(err)
	}
	if _, err := wristband.ParseImportFile(many.Bytes()); errs.CodeOf(err) != "IMPORT_TOO_MANY_ROWS" {
		t.Fatalf("10,001 rows: %v", err)
	}
}
