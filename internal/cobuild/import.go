package cobuild

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// UnitRow is one row of a units import file, as written.
type UnitRow struct {
	Line             int
	Name             string
	Kind             string // a kind code or its Chinese name
	PartyOrg         string // the party organisation's name (optional)
	Communities      string // community names separated by 、 , ， ; or ；
	ContactName      string
	ContactPhone     string
	AgreementStart   string // YYYY-MM-DD (optional: then no agreement)
	AgreementEnd     string
	AgreementContent string
}

// Import file bounds.
const (
	maxImportUnzipped = 32 << 20
	maxImportSheetXML = 16 << 20
	// maxImportColumns: no row reaches further right. The reader holds a
	// row as wide as its rightmost cell (column XFD: 16,384 strings).
	maxImportColumns = 64
)

var (
	errImportFile  = errs.Invalid("IMPORT_BAD_FILE", "请上传 XLSX 文件，第一行为表头：单位名称、单位类型、所属党组织、共建社区、联系人、联系电话、协议开始、协议结束、协议内容")
	errImportEmpty = errs.Invalid("IMPORT_EMPTY", "文件中没有单位")
	errImportLarge = errs.New(errs.KindTooLarge, "IMPORT_TOO_LARGE", fmt.Sprintf("一次最多导入 %d 个单位，且文件解压后不超过 32 MB，请拆分文件", MaxImportUnits))
)

var unitColumns = map[string]string{
	"单位名称": "name", "名称": "name", "name": "name",
	"单位类型": "kind", "类型": "kind", "kind": "kind",
	"所属党组织": "party_org", "党组织": "party_org", "party_org": "party_org",
	"共建社区": "communities", "communities": "communities",
	"联系人": "contact_name", "contact_name": "contact_name",
	"联系电话": "contact_phone", "手机号": "contact_phone", "contact_phone": "contact_phone",
	"协议开始": "start", "协议开始日期": "start", "agreement_start": "start",
	"协议结束": "end", "协议结束日期": "end", "agreement_end": "end",
	"协议内容": "content", "agreement_content": "content",
}

// ParseUnitsFile reads the first sheet of an XLSX file whose first row
// names the columns (Chinese or English, any order).
func ParseUnitsFile(data []byte) ([]UnitRow, error) {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, errImportFile
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxImportUnzipped, UnzipXMLSizeLimit: maxImportSheetXML})
	if err != nil {
		if strings.Contains(err.Error(), "size limit") || strings.Contains(err.Error(), "unzip size") {
			return nil, errImportLarge
		}
		return nil, errImportFile
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet == "" {
		return nil, errImportFile
	}
	all, err := sheetRows(f, sheet)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errImportEmpty
	}
	col := map[string]int{}
	for i, h := range all[0] {
		if k, ok := unitColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[k] = i
		}
	}
	if _, ok := col["name"]; !ok {
		return nil, errImportFile
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []UnitRow
	for n, rec := range all[1:] {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		out = append(out, UnitRow{Line: n + 2, Name: get(rec, "name"), Kind: get(rec, "kind"), PartyOrg: get(rec, "party_org"),
			Communities: get(rec, "communities"), ContactName: get(rec, "contact_name"), ContactPhone: get(rec, "contact_phone"),
			AgreementStart: get(rec, "start"), AgreementEnd: get(rec, "end"), AgreementContent: get(rec, "content")})
	}
	if len(out) == 0 {
		return nil, errImportEmpty
	}
	return out, nil
}

// kindOf is the unit kind s names: a kind, its Chinese name or another
// spelling of it (unitKindAliases); "" when none.
func kindOf(s string) string { return codeOf(strings.TrimSpace(s), UnitKinds, unitKindAliases) }

// Other spellings of the unit kinds and need categories: the issue's
// English words.
var (
	unitKindAliases = map[string]string{"government_office": KindGovernment, "public_institution": KindInstitution,
		"social_organisation": KindSocialOrg, "social_organization": KindSocialOrg, "complex": KindComplex, "商业综合体": KindComplex}
	categoryAliases = map[string]string{"elderly": CatElderly, "children_and_study": CatChildren, "children": CatChildren,
		"environment_and_repairs": CatEnvironment, "environment": CatEnvironment, "repairs": CatEnvironment, "legal": CatLegal}
	// resourceKindAliases: the words for what a unit offers.
	resourceKindAliases = map[string]string{"venues": ResVenue, "experts": ResExpert, "services": ResExpert, "service": ResExpert,
		"experts_and_services": ResExpert, "expert_service": ResExpert, "materials": ResMaterial, "materials_and_funds": ResMaterial,
		"funds": ResFund, "volunteer_team": ResTeam, "volunteer_teams": ResTeam, "teams": ResTeam}
)

// ResourceKindOf is the resource kind s names: a kind, its Chinese name
// or another spelling of it; s itself when none (refused by the caller).
func ResourceKindOf(s string) string {
	if c := codeOf(s, ResourceKinds, resourceKindAliases); c != "" {
		return c
	}
	return s
}

// CategoryOf is the need category s names: a category, its Chinese name
// or another spelling of it; s itself when none (refused by the caller).
func CategoryOf(s string) string {
	if c := codeOf(strings.TrimSpace(s), Categories, categoryAliases); c != "" {
		return c
	}
	return s
}

// codeOf is the code of names that s spells (usertext.Code); "" when
// none.
func codeOf(s string, names, aliases map[string]string) string {
	return usertext.Code(s, names, aliases)
}

// resolve turns a written row into a unit to create.
func (r UnitRow) resolve(comms map[string]int64, orgs map[string]int64) (UnitInput, string) {
	in := UnitInput{Name: r.Name, Kind: kindOf(r.Kind)}
	if in.Kind == "" {
		return in, "单位类型无效：" + r.Kind
	}
	if r.PartyOrg != "" {
		if in.PartyOrgID = orgs[r.PartyOrg]; in.PartyOrgID == 0 {
			return in, "党组织不存在：" + r.PartyOrg
		}
	}
	for _, name := range strings.FieldsFunc(r.Communities, func(c rune) bool { return strings.ContainsRune("、,，;；", c) }) {
		id := comms[strings.TrimSpace(name)]
		if id == 0 {
			return in, "社区不存在：" + name
		}
		in.CommunityIDs = append(in.CommunityIDs, id)
	}
	if r.ContactName != "" || r.ContactPhone != "" {
		in.Contacts = []ContactInput{{Name: r.ContactName, Phone: r.ContactPhone}}
	}
	if r.AgreementStart != "" || r.AgreementEnd != "" {
		start, ok1 := ParseDate(r.AgreementStart)
		end, ok2 := ParseDate(r.AgreementEnd)
		if !ok1 || !ok2 {
			return in, "协议日期格式应为 2026-01-31"
		}
		for _, c := range in.CommunityIDs {
			in.Agreements = append(in.Agreements, Agreement{CommunityID: c, StartsOn: start, EndsOn: end, Content: r.AgreementContent})
		}
	}
	return in, ""
}

// ImportUnits creates every unit of rows or none: every row is checked
// (also against the other rows: a name twice) and when any is bad nothing
// is written and every bad row is named (422 IMPORT_REJECTED, details.errors).
// Who may import is who may create (CreateUnit): a row co-building with a
// community the importer does not serve is a bad row.
func (s *Service) ImportUnits(ctx context.Context, u resident.User, rows []UnitRow) (int, error) {
	if !registersUnits(u) {
		return 0, errNotStaff
	}
	if len(rows) == 0 {
		return 0, errImportEmpty
	}
	if len(rows) > MaxImportUnits {
		return 0, errImportLarge
	}
	l, err := s.lookups(ctx)
	if err != nil {
		return 0, err
	}
	cs, err := s.people.ListCommunities(ctx)
	if err != nil {
		return 0, err
	}
	commByName := map[string]int64{}
	for _, c := range cs {
		commByName[c.Name] = c.ID
	}
	var bad []ImportError
	units := make([]Unit, 0, len(rows))
	seen := map[string]int{}
	for _, r := range rows {
		in, msg := r.resolve(commByName, l.orgs)
		if msg == "" {
			if err := s.checkUnit(&in, l); err != nil {
				msg = errs.As(err).Message
			} else if !registersUnitFor(u, in.CommunityIDs) {
				msg = errUnitCommunity.Message
			} else if prev, dup := seen[in.Name]; dup {
				msg = fmt.Sprintf("单位名称与第 %d 行重复", prev)
			}
		}
		if msg != "" {
			bad = append(bad, ImportError{Row: r.Line, Message: msg})
			continue
		}
		seen[in.Name] = r.Line
		unit, err := s.unitOf(in)
		if err != nil {
			return 0, err
		}
		units = append(units, unit)
	}
	if len(bad) > 0 {
		return 0, errs.Unprocessable("IMPORT_REJECTED", fmt.Sprintf("有 %d 行有误，未导入任何单位，请修改后重新导入", len(bad))).With("errors", bad)
	}
	if err := s.store.CreateUnits(ctx, units); err != nil {
		return 0, err
	}
	return len(units), nil
}

// sheetRows reads the sheet row by row, refusing a file with more rows
// than an import takes (header included; blank rows after them are
// ignored) or a row reaching past maxImportColumns as soon as it is read,
// before the rows are all held.
func sheetRows(f *excelize.File, sheet string) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, errImportFile
	}
	defer rows.Close()
	var all [][]string
	for rows.Next() {
		rec, err := rows.Columns()
		if err != nil || len(rec) > maxImportColumns {
			return nil, errImportFile
		}
		if len(all) > MaxImportUnits {
			if strings.TrimSpace(strings.Join(rec, "")) == "" {
				continue // blank rows after the last one count for nothing
			}
			return nil, errImportLarge
		}
		all = append(all, rec)
	}
	if rows.Error() != nil {
		return nil, errImportFile
	}
	return all, nil
}
