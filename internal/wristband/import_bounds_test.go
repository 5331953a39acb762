package wristband_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
	"gongjian/internal/testenv"
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
	bomb := testenv.XLSXBomb(t, small.Bytes())
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

// A row is bounded too: a cell far to the right (column XFD, the 16,384th)
// makes the reader hold a slice of 16,384 strings for that row, so a 100-KB
// file of such rows would take gigabytes. A row reaching past the columns an
// import can have is refused (IMPORT_BAD_FILE) as soon as it is read.
func TestImportXLSXRowWidthBounded(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]string{"IMEI", "型号", "厂商"})
	var small bytes.Buffer
	if err := f.Write(&small); err != nil {
		t.Fatal(err)
	}
	// The same workbook with 400 device rows, each with a cell in XFD.
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>IMEI</t></is></c><c r="B1" t="inlineStr"><is><t>型号</t></is></c><c r="C1" t="inlineStr"><is><t>厂商</t></is></c></row>`)
	for i := 2; i <= 400; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>86%013d</t></is></c><c r="B%d" t="inlineStr"><is><t>W1</t></is></c>`+
			`<c r="C%d" t="inlineStr"><is><t>acme</t></is></c><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, i, i, i, i, i, i)
	}
	wide := testenv.EditXLSXSheets(t, small.Bytes(), func(body []byte) []byte {
		i, j := bytes.Index(body, []byte("<sheetData>")), bytes.Index(body, []byte("</sheetData>"))
		if i < 0 || j < 0 {
			t.Fatalf("sheet without sheetData: %s", body)
		}
		return append(append(append([]byte{}, body[:i+len("<sheetData>")]...), rows.String()...), body[j:]...)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := wristband.ParseImportFile(wide.Bytes())
	runtime.ReadMemStats(&after)
	if errs.CodeOf(err) != "IMPORT_BAD_FILE" {
		t.Fatalf("rows reaching column XFD: %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Fatalf("reading a %d-byte file allocated %d MiB", wide.Len(), got>>20)
	}
}
