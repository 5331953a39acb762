package cobuild_test

import (
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
)

// A units file is read row by row and each row is bounded: a cell past the
// 64th column (the reader holds a row as wide as its rightmost cell, up to
// 16,384 strings) is refused as soon as its row is read, and so is a file
// with more than MaxImportUnits units; blank rows after the last unit do
// not count.
func TestUnitsFileBounded(t *testing.T) {
	header := []any{"单位名称", "单位类型", "共建社区"}
	wide := [][]any{header, {"共建企业", "企业", "阳光社区"}}
	f := unitsFile(t, wide)
	if _, err := cobuild.ParseUnitsFile(f); err != nil {
		t.Fatalf("a plain file: %v", err)
	}
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &header)
	_ = x.SetSheetRow("Sheet1", "A2", &wide[1])
	_ = x.SetCellValue("Sheet1", "BM2", "x") // the 65th column
	b, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cobuild.ParseUnitsFile(b.Bytes()); errs.CodeOf(err) != "IMPORT_BAD_FILE" {
		t.Fatalf("a row reaching column BM: %v", err)
	}

	rows := [][]any{header}
	for i := 0; i < cobuild.MaxImportUnits; i++ {
		rows = append(rows, []any{fmt.Sprintf("共建企业%04d", i), "企业", "阳光社区"})
	}
	x = excelize.NewFile()
	for i, r := range rows {
		_ = x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r)
	}
	_ = x.SetCellStyle("Sheet1", fmt.Sprintf("A%d", len(rows)+1), fmt.Sprintf("C%d", len(rows)+20), 0)
	_ = x.SetRowHeight("Sheet1", len(rows)+5, 30) // a blank row written out
	b, err = x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cobuild.ParseUnitsFile(b.Bytes()); err != nil || len(got) != cobuild.MaxImportUnits {
		t.Fatalf("%d units and blank rows: %d %v", cobuild.MaxImportUnits, len(got), err)
	}
	_ = x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", len(rows)+3), &[]any{"又一个", "企业", "阳光社区"})
	b, err = x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cobuild.ParseUnitsFile(b.Bytes()); errs.CodeOf(err) != "IMPORT_TOO_LARGE" {
		t.Fatalf("%d units: %v", cobuild.MaxImportUnits+1, err)
	}
}
