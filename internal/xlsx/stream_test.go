package xlsx_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/xlsx"
)

// What the stream writes opens as a workbook: the sheet's name, numbers as
// numbers, text as written (escaped characters back, characters XML cannot
// carry dropped, long text cut at Excel's limit), empty cells where nil was
// given, and columns past Z.
func TestStreamOpensAsWorkbook(t *testing.T) {
	var buf bytes.Buffer
	s, err := xlsx.NewStream(&buf, "报名名单")
	if err != nil {
		t.Fatal(err)
	}
	wide := make([]any, 30)
	for i := range wide {
		wide[i] = i
	}
	long := strings.Repeat("长", xlsx.MaxCellChars+10)
	rows := [][]any{
		{"序号", "姓名", "备注"},
		{1, "张<三> & \"李\"", "a\x00b\x1fc\td"},
		{int64(2), nil, long},
		{2.5, "=SUM(A1:A2)", 7},
		wide,
	}
	for _, r := range rows {
		if err := s.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "报名名单" {
		t.Fatalf("sheets %v", got)
	}
	got, err := f.GetRows("报名名单")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"序号", "姓名", "备注"},
		{"1", "张<三> & \"李\"", "abc\td"},
		{"2", "", strings.Repeat("长", xlsx.MaxCellChars)},
		{"2.5", "=SUM(A1:A2)", "7"},
	}
	for i, w := range want {
		if strings.Join(got[i], "|") != strings.Join(w, "|") {
			t.Fatalf("row %d: %.80q, want %.80q", i+1, got[i], w)
		}
	}
	if v, _ := f.GetCellValue("报名名单", "AD5"); v != "29" {
		t.Fatalf("AD5 = %q", v)
	}
	if typ, _ := f.GetCellType("报名名单", "A2"); typ == excelize.CellTypeInlineString {
		t.Fatal("a number written as text")
	}
	if formula, _ := f.GetCellFormula("报名名单", "B4"); formula != "" {
		t.Fatalf("text became a formula: %q", formula)
	}
}
