// Package xlsx writes a one-sheet XLSX workbook row by row straight into a
// writer (an HTTP response): the sheet is deflated as it is written, so
// memory stays flat whatever the number of rows (excelize's stream writer
// keeps up to 16 MiB of sheet XML in memory and builds the whole zip in a
// buffer before writing it out).
//
// Cells are numbers or inline strings (no shared-string table, no styles
// beyond the default): what a list export needs. Characters XML cannot
// carry are dropped and a string is cut at Excel's 32,767 characters.
package xlsx

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// MaxCellChars is the most characters Excel shows in a cell.
const MaxCellChars = 32767

// Stream is a workbook being written. Not safe for concurrent use.
type Stream struct {
	zw   *zip.Writer
	w    *bufio.Writer
	row  int
	buf  []byte
	cols []string
	err  error
}

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
		`</styleSheet>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail   = `</sheetData></worksheet>`
	inlineOpen  = `" t="inlineStr"><is><t xml:space="preserve">`
	inlineClose = `</t></is></c>`
)

// NewStream starts a workbook of one sheet named sheet on w. Rows follow
// with Row; Close ends the workbook (without it the file is incomplete).
func NewStream(w io.Writer, sheet string) (*Stream, error) {
	s := &Stream{zw: zip.NewWriter(w)}
	workbook := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="` + string(appendEscaped(nil, sheetName(sheet))) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}, {"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", workbookRels}, {"xl/styles.xml", styles},
	} {
		if err := s.part(part.name, part.body); err != nil {
			return nil, err
		}
	}
	fw, err := s.zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return nil, err
	}
	s.w = bufio.NewWriterSize(fw, 32<<10)
	if _, err := s.w.WriteString(sheetHead); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Stream) part(name, body string) error {
	w, err := s.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, body)
	return err
}

// sheetName keeps what Excel accepts in a sheet name: at most 31
// characters, none of : \ / ? * [ ].
func sheetName(s string) string {
	out := make([]rune, 0, 31)
	for _, r := range s {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			continue
		}
		if out = append(out, r); len(out) == 31 {
			break
		}
	}
	if len(out) == 0 {
		return "Sheet1"
	}
	return string(out)
}

// Row writes the next row: integers and floats as numbers, strings (and
// anything else, by fmt) as text; nil is an empty cell.
func (s *Stream) Row(values ...any) error {
	if s.err != nil {
		return s.err
	}
	s.row++
	b := append(s.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(s.row), 10)
	b = append(b, `">`...)
	for i, v := range values {
		if v == nil {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, s.col(i)...)
		b = strconv.AppendInt(b, int64(s.row), 10)
		switch x := v.(type) {
		case int:
			b = append(strconv.AppendInt(append(b, `"><v>`...), int64(x), 10), `</v></c>`...)
		case int64:
			b = append(strconv.AppendInt(append(b, `"><v>`...), x, 10), `</v></c>`...)
		case float64:
			b = append(strconv.AppendFloat(append(b, `"><v>`...), x, 'f', -1, 64), `</v></c>`...)
		case string:
			b = append(appendEscaped(append(b, inlineOpen...), x), inlineClose...)
		default:
			b = append(appendEscaped(append(b, inlineOpen...), fmt.Sprint(x)), inlineClose...)
		}
	}
	b = append(b, `</row>`...)
	s.buf = b
	_, s.err = s.w.Write(b)
	return s.err
}

// col is the letters of the 0-based column i (A, B, … Z, AA, …).
func (s *Stream) col(i int) string {
	for len(s.cols) <= i {
		n, name := len(s.cols)+1, ""
		for n > 0 {
			n--
			name = string(rune('A'+n%26)) + name
			n /= 26
		}
		s.cols = append(s.cols, name)
	}
	return s.cols[i]
}

// Rows is the number of rows written so far.
func (s *Stream) Rows() int { return s.row }

// Close ends the sheet and the workbook.
func (s *Stream) Close() error {
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.WriteString(sheetTail); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	return s.zw.Close()
}

// appendEscaped appends s escaped for XML text, without the characters XML
// 1.0 cannot carry, at most MaxCellChars characters.
func appendEscaped(b []byte, s string) []byte {
	n := 0
	for _, r := range s {
		if n == MaxCellChars {
			break
		}
		n++
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&quot;"...)
		case r == '\t' || r == '\n' || r == '\r':
			b = append(b, byte(r))
		case r < 0x20, r == utf8.RuneError, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			n--
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
