package cobuild

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/media"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// UnitInput is a unit to create. Contacts carry their plain phone numbers
// (sealed before storing).
type UnitInput struct {
	Name         string
	Kind         string
	PartyOrgID   int64
	CommunityIDs []int64
	Contacts     []ContactInput
	Agreements   []Agreement

	// adopt is the organisation of that name that becomes the unit (set
	// by checkUnit; 0: a new organisation).
	adopt int64
}

// ContactInput is a contact as entered.
type ContactInput struct {
	Name  string
	Phone string
}

var phonePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// ImportError is one bad row of an import.
type ImportError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// MaxImportUnits is the most rows one import takes.
const MaxImportUnits = 1000

var (
	errUnknownPartyOrg = errs.Invalid("UNKNOWN_ORG", "所选党组织不存在")
	errNotPartyOrg     = errs.Invalid("NOT_A_PARTY_ORG", "所选组织不是党组织，请选择单位所属的党组织")
)

// checkUnit validates in against the known communities and organisations.
// A unit is an organisation: registering one under the name of an
// organisation that hosts activities already (and is neither a unit nor a
// party organisation) makes that organisation the unit, its id, staff
// roles and activities kept.
func (s *Service) checkUnit(in *UnitInput, l unitLookups) error {
	in.Name = usertext.Clean(in.Name)
	if k := kindOf(in.Kind); k != "" {
		in.Kind = k
	}
	existing := l.orgs[in.Name]
	in.adopt = 0
	switch {
	case !textLen(in.Name, 50):
		return errs.Invalid("UNIT_NAME_REQUIRED", "请填写单位名称（不超过 50 字）")
	case existing != 0 && (l.units[existing] || l.types[existing] == OrgTypeParty):
		return errs.Conflict("UNIT_EXISTS", "同名单位或组织已存在")
	case UnitKinds[in.Kind] == "":
		return errs.Invalid("INVALID_UNIT_KIND", "单位类型只能是机关、事业单位、学校、医院、企业、商务楼宇或社会组织")
	case len(in.CommunityIDs) == 0:
		return errs.Invalid("COMMUNITIES_REQUIRED", "请选择至少一个共建社区")
	}
	in.adopt = existing
	if in.PartyOrgID != 0 {
		switch t, ok := l.types[in.PartyOrgID]; {
		case !ok:
			return errUnknownPartyOrg
		case t != OrgTypeParty:
			return errNotPartyOrg
		}
	}
	for _, c := range in.CommunityIDs {
		if !l.comms[c] {
			return errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")
		}
	}
	slices.Sort(in.CommunityIDs)
	in.CommunityIDs = slices.Compact(in.CommunityIDs)
	for i := range in.Contacts {
		c := &in.Contacts[i]
		c.Name = usertext.Clean(c.Name)
		if !textLen(c.Name, 20) || !phonePattern.MatchString(strings.TrimSpace(c.Phone)) {
			return errs.Invalid("INVALID_CONTACT", "联系人须填写姓名和 11 位手机号")
		}
	}
	for _, a := range in.Agreements {
		if !slices.Contains(in.CommunityIDs, a.CommunityID) {
			return errs.Invalid("AGREEMENT_COMMUNITY", "共建协议的社区须是该单位的共建社区之一")
		}
		if _, upload := media.ParseRef(a.DocumentRef); a.StartsOn.IsZero() || a.EndsOn.Before(a.StartsOn) || utf8.RuneCountInString(a.Content) > 1000 ||
			(a.DocumentRef != "" && !upload) {
			return errs.Invalid("INVALID_AGREEMENT", "共建协议须有起止日期（结束不早于开始），内容不超过 1000 字，协议文件须通过上传添加")
		}
	}
	return nil
}

func (s *Service) unitOf(in UnitInput) (Unit, error) {
	u := Unit{ID: in.adopt, Name: in.Name, Kind: in.Kind, PartyOrgID: in.PartyOrgID, Status: UnitActive, CommunityIDs: in.CommunityIDs, Agreements: in.Agreements}
	for _, c := range in.Contacts {
		phone := strings.TrimSpace(c.Phone)
		sealed, err := s.box.Seal(phone)
		if err != nil {
			return Unit{}, errs.Internal(err)
		}
		u.Contacts = append(u.Contacts, Contact{Name: strings.TrimSpace(c.Name), PhoneSealed: sealed, PhoneHash: s.box.Hash(phone), PhoneMasked: pii.MaskPhone(phone)})
	}
	return u, nil
}

// unitLookups are what units are checked against: the communities, the
// organisations by name, their types by id and the units among them.
type unitLookups struct {
	comms map[int64]bool
	orgs  map[string]int64
	types map[int64]string
	units map[int64]bool
}

func (s *Service) lookups(ctx context.Context) (unitLookups, error) {
	cs, err := s.people.ListCommunities(ctx)
	if err != nil {
		return unitLookups{}, err
	}
	l := unitLookups{comms: map[int64]bool{}}
	for _, c := range cs {
		l.comms[c.ID] = true
	}
	if l.orgs, err = s.store.OrgNames(ctx); err != nil {
		return unitLookups{}, err
	}
	if l.types, err = s.store.OrgTypes(ctx); err != nil {
		return unitLookups{}, err
	}
	ids, err := s.store.UnitIDs(ctx)
	l.units = make(map[int64]bool, len(ids))
	for _, id := range ids {
		l.units[id] = true
	}
	return l, err
}

// registersUnits reports whether u may register co-building units at all:
// the district's admins for any community, a subdistrict's admins and a
// community's staff for the communities they serve (registersUnitFor).
func registersUnits(u resident.User) bool { return u.ConsoleScope().ServesCommunities() }

// registersUnitFor reports whether u serves every community a unit is to
// co-build with.
func registersUnitFor(u resident.User, communities []int64) bool {
	for _, c := range communities {
		if !u.IsStaffOf(c) {
			return false
		}
	}
	return true
}

// errUnitCommunity refuses a unit co-building with a community its
// registrant does not serve.
var errUnitCommunity = errs.Forbidden("FORBIDDEN", "只能为您服务的社区登记共建单位")

// CreateUnit creates a co-building unit: district admins for any
// communities, a subdistrict's admins and a community's staff for the
// communities they serve.
func (s *Service) CreateUnit(ctx context.Context, u resident.User, in UnitInput) (Unit, error) {
	if !registersUnits(u) {
		return Unit{}, errNotStaff
	}
	l, err := s.lookups(ctx)
	if err != nil {
		return Unit{}, err
	}
	if err := s.checkUnit(&in, l); err != nil {
		return Unit{}, err
	}
	if !registersUnitFor(u, in.CommunityIDs) {
		return Unit{}, errUnitCommunity
	}
	unit, err := s.unitOf(in)
	if err != nil {
		return Unit{}, err
	}
	if err := s.store.CreateUnit(ctx, &unit); err != nil {
		return Unit{}, err
	}
	return s.store.Unit(ctx, unit.ID)
}

// SetUnitStatus suspends or reactivates a unit (admins). A suspended unit
// claims needs and publishes resources no more (UNIT_INACTIVE); what it
// claimed before stays.
func (s *Service) SetUnitStatus(ctx context.Context, u resident.User, id int64, status string) (Unit, error) {
	if !u.IsAdmin() {
		return Unit{}, errNotStaff
	}
	if status != UnitActive && status != UnitSuspended {
		return Unit{}, errs.Invalid("INVALID_UNIT_STATUS", "单位状态只能是共建中或已暂停")
	}
	if err := s.store.SetUnitStatus(ctx, id, status); err != nil {
		return Unit{}, err
	}
	return s.store.Unit(ctx, id)
}

// Unit returns a unit.
func (s *Service) Unit(ctx context.Context, id int64) (Unit, error) { return s.store.Unit(ctx, id) }

// Units lists every unit.
func (s *Service) Units(ctx context.Context) ([]Unit, error) { return s.store.Units(ctx) }

// ParseDate reads a YYYY-MM-DD date as CST midnight.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), cst.Zone)
	return t, err == nil
}
