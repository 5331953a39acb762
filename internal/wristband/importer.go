package wristband

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// ImportRow is one device line of an import (CSV/XLSX line or API item).
type ImportRow struct {
	Line   int // 1-based line in the file (the header is line 1) or item number
	IMEI   string
	Model  string
	Vendor string
	Batch  string
	// ActivationCode is the vendor's activation code printed in the box
	// (optional): residents bind with it (see bindcode.go).
	ActivationCode string
}

// LineError is one refused import line.
type LineError struct {
	Line    int    `json:"line"`
	IMEI    string `json:"imei"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Bounds of one import: rows, and the uncompressed size of an XLSX file
// (a zip: a few kilobytes can unpack to gigabytes).
const (
	MaxImportRows     = 10000
	MaxImportUnzipped = 32 << 20 // the whole workbook
	MaxImportSheetXML = 16 << 20 // one worksheet
	// MaxImportColumns: no row reaches further right. The reader holds a
	// row as wide as its rightmost cell (column XFD: 16,384 strings).
	MaxImportColumns = 64
)

var (
	errImportEmpty    = errs.Invalid("IMPORT_EMPTY", "文件中没有手环数据")
	errImportTooLarge = errs.Invalid("IMPORT_TOO_MANY_ROWS", fmt.Sprintf("一次最多导入 %d 只手环", MaxImportRows))
	errImportFormat   = errs.Invalid("IMPORT_BAD_FILE", "请上传 CSV 或 XLSX 文件，第一行为表头：IMEI、型号、厂商、批次")
	vendorName        = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// header names accepted for each column, lower-cased.
var columns = map[string]string{
	"imei": "imei", "手环号": "imei", "imei号": "imei", "设备号": "imei",
	"model": "model", "型号": "model",
	"vendor": "vendor", "厂商": "vendor", "供应商": "vendor",
	"batch": "batch", "批次": "batch", "批次号": "batch",
	"activation_code": "activation_code", "激活码": "activation_code", "注册码": "activation_code",
}

// ParseImportFile reads a CSV or XLSX file (by content: XLSX is a zip) whose
// first row is the header: IMEI, model, vendor, batch (English or Chinese
// names, any order). Blank lines are skipped.
func ParseImportFile(data []byte) ([]ImportRow, error) {
	var records [][]string
	var lines []int // file line of each record
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		var err error
		if records, err = xlsxRecords(data); err != nil {
			return nil, err
		}
		for i := range records {
			lines = append(lines, i+1)
		}
	} else {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			return nil, errs.Invalid("IMPORT_BAD_ENCODING", "CSV 文件请使用 UTF-8 编码保存")
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, errImportFormat
			}
			line, _ := r.FieldPos(0)
			records = append(records, rec)
			lines = append(lines, line)
			if len(records) > MaxImportRows+1 {
				return nil, errImportTooLarge
			}
		}
	}
	if len(records) == 0 {
		return nil, errImportEmpty
	}
	idx := map[string]int{}
	for i, h := range records[0] {
		if c, ok := columns[strings.ToLower(strings.TrimSpace(h))]; ok {
			idx[c] = i
		}
	}
	for _, need := range []string{"imei", "model", "vendor"} {
		if _, ok := idx[need]; !ok {
			return nil, errImportFormat
		}
	}
	cell := func(rec []string, col string) string {
		i, ok := idx[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []ImportRow
	for n, rec := range records[1:] {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		rows = append(rows, ImportRow{Line: lines[n+1], IMEI: cell(rec, "imei"), Model: cell(rec, "model"), Vendor: cell(rec, "vendor"),
			Batch: cell(rec, "batch"), ActivationCode: cell(rec, "activation_code")})
	}
	return rows, nil
}

var errImportUnzipped = errs.New(errs.KindTooLarge, "IMPORT_TOO_LARGE", fmt.Sprintf("文件解压后超过 %d MB，请拆分后分批导入", MaxImportUnzipped>>20))

// xlsxRecords reads the first sheet's rows within the bounds: the
// uncompressed size of the workbook and of the sheet, and the row count
// (read row by row, never all at once).
func xlsxRecords(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxImportUnzipped, UnzipXMLSizeLimit: MaxImportSheetXML})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") || strings.Contains(err.Error(), "size limit") {
			return nil, errImportUnzipped
		}
		return nil, errImportFormat
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errImportFormat
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, errImportFormat
	}
	defer rows.Close()
	var records [][]string
	for rows.Next() {
		if len(records) > MaxImportRows {
			return nil, errImportTooLarge
		}
		rec, err := rows.Columns()
		if err != nil || len(rec) > MaxImportColumns {
			return nil, errImportFormat
		}
		records = append(records, rec)
	}
	if rows.Error() != nil {
		return nil, errImportFormat
	}
	return records, nil
}

// Import registers devices. The policy is all or nothing: every line is
// checked (IMEI format and Luhn check digit, model, vendor, duplicates in the
// file and in the registry) and if any line is bad nothing is imported and
// every bad line is reported (422 IMPORT_REJECTED, details.errors).
func (s *Service) Import(ctx context.Context, u resident.User, rows []ImportRow) (int, error) {
	if !IsStaff(u) {
		return 0, ErrNotStaff
	}
	if len(rows) == 0 {
		return 0, errImportEmpty
	}
	if len(rows) > MaxImportRows {
		return 0, errImportTooLarge
	}
	var bad []LineError
	fail := func(r ImportRow, e *errs.Error) {
		bad = append(bad, LineError{Line: r.Line, IMEI: r.IMEI, Code: e.Code, Message: e.Message})
	}
	first := map[string]int{}
	devs := make([]Device, 0, len(rows))
	var imeis []string
	for _, r := range rows {
		r.IMEI = NormalizeIMEI(r.IMEI)
		if err := ValidateIMEI(r.IMEI); err != nil {
			fail(r, errs.As(err))
			continue
		}
		if l, dup := first[r.IMEI]; dup {
			fail(r, errs.Invalid("DUPLICATE_IN_FILE", fmt.Sprintf("与第 %d 行的手环号重复", l)))
			continue
		}
		first[r.IMEI] = r.Line
		vendor := strings.ToLower(strings.TrimSpace(r.Vendor))
		model, batch := strings.TrimSpace(r.Model), strings.TrimSpace(r.Batch)
		switch {
		case model == "" || utf8.RuneCountInString(model) > 64:
			fail(r, errs.Invalid("INVALID_MODEL", "请填写型号（不超过64个字）"))
			continue
		case !vendorName.MatchString(vendor):
			fail(r, errs.Invalid("INVALID_VENDOR", "厂商应为英文小写字母、数字、-或_（与推送接口的厂商名一致）"))
			continue
		case utf8.RuneCountInString(batch) > 64:
			fail(r, errs.Invalid("INVALID_BATCH", "批次不能超过64个字"))
			continue
		}
		var activation string
		if code := normalizeCode(r.ActivationCode); code != "" {
			if !validActivation(code) {
				fail(r, errBadActivation)
				continue
			}
			activation = CodeHash(r.IMEI, code)
		}
		imeis = append(imeis, r.IMEI)
		devs = append(devs, Device{IMEI: r.IMEI, Model: model, Vendor: vendor, Batch: batch, ImportedBy: u.ID, ActivationHash: activation})
	}
	existing, err := s.store.ExistingIMEIs(ctx, imeis)
	if err != nil {
		return 0, err
	}
	for _, imei := range existing {
		fail(ImportRow{Line: first[imei], IMEI: imei}, errs.Conflict("ALREADY_REGISTERED", "该手环已登记过"))
	}
	if len(bad) > 0 {
		slices.SortStableFunc(bad, func(a, b LineError) int { return a.Line - b.Line })
		return 0, errs.Unprocessable("IMPORT_REJECTED", fmt.Sprintf("共 %d 行有问题，本次没有导入任何手环，请修改后重新上传", len(bad))).
			With("errors", bad).With("lines", len(rows))
	}
	if err := s.store.CreateDevices(ctx, devs); err != nil {
		if errs.KindOf(err) == errs.KindConflict {
			return 0, errs.Conflict("IMPORT_CONFLICT", "部分手环刚刚被其他人登记，本次没有导入任何手环，请重新上传")
		}
		return 0, err
	}
	return len(devs), nil
}
