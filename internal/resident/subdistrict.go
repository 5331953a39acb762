package resident

import (
	"context"
	"slices"
	"time"

	"gongjian/internal/errs"
)

// Subdistrict is a subdistrict (街道) of the district: one deployment
// serves the whole district, each subdistrict with its communities.
type Subdistrict struct {
	ID             int64
	Name           string
	CommunityCount int
	CreatedAt      time.Time
}

// SubdistrictStore is what the subdistrict rules need from persistence.
type SubdistrictStore interface {
	// ListSubdistricts lists subdistricts (ids nil: all).
	ListSubdistricts(ctx context.Context, ids []int64) ([]Subdistrict, error)
	Subdistrict(ctx context.Context, id int64) (Subdistrict, error)
	CreateSubdistrict(ctx context.Context, d *Subdistrict) error
	RenameSubdistrict(ctx context.Context, id int64, name string) error
	UpdateCommunity(ctx context.Context, c Community) error
}

// Served is what a user serves as staff: every community (All) or these
// communities and organisations. An admin of a subdistrict serves its
// communities.
type Served struct {
	All          bool
	CommunityIDs []int64
	OrgIDs       []int64
}

// Any reports whether u serves anything.
func (s Served) Any() bool { return s.All || len(s.CommunityIDs) > 0 || len(s.OrgIDs) > 0 }

// Serves works out what u serves from the roles.
func (u User) Serves() Served {
	if u.IsAdmin() {
		return Served{All: true}
	}
	var s Served
	add := func(list *[]int64, ids ...int64) {
		for _, id := range ids {
			if !slices.Contains(*list, id) {
				*list = append(*list, id)
			}
		}
	}
	for _, r := range u.Roles {
		switch {
		case r.Role == RoleAdmin && r.SubdistrictID != 0:
			add(&s.CommunityIDs, r.Communities...)
		case r.Role != RoleStaff:
		case r.OrgID != 0:
			add(&s.OrgIDs, r.OrgID)
		case r.CommunityID == 0:
			s.All = true
		default:
			add(&s.CommunityIDs, r.CommunityID)
		}
	}
	return s
}

var errDistrictOnly = errs.Forbidden("DISTRICT_ADMIN_ONLY", "只有区级管理员可以管理街道、社区和角色")

// Subdistricts lists the subdistricts u's scope covers (district-wide
// scopes: all; others: those of their communities).
func (s *Service) Subdistricts(ctx context.Context, u User) ([]Subdistrict, error) {
	sc := u.ConsoleScope()
	if sc.Level == LevelNone {
		return nil, errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	}
	if sc.Level == LevelDistrict {
		return s.store.ListSubdistricts(ctx, nil)
	}
	ids := append([]int64{}, sc.SubdistrictIDs...)
	comms, err := s.store.ListCommunities(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range comms {
		if slices.Contains(sc.CommunityIDs, c.ID) && !slices.Contains(ids, c.SubdistrictID) {
			ids = append(ids, c.SubdistrictID)
		}
	}
	return s.store.ListSubdistricts(ctx, ids)
}

// ScopedCommunities lists the communities u's scope covers, optionally in
// one subdistrict.
func (s *Service) ScopedCommunities(ctx context.Context, u User, subdistrictID int64) ([]Community, error) {
	sc := u.ConsoleScope()
	if sc.Level == LevelNone {
		return nil, errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	}
	all, err := s.store.ListCommunities(ctx)
	if err != nil {
		return nil, err
	}
	out := []Community{}
	for _, c := range all {
		if (subdistrictID == 0 || c.SubdistrictID == subdistrictID) && sc.SeesCommunity(c.ID) {
			out = append(out, c)
		}
	}
	// Narrowing to a subdistrict outside the scope is refused, as on the
	// other console lists (docs/console-api.md §2), not answered empty.
	if subdistrictID != 0 && len(out) == 0 && !sc.SeesSubdistrict(subdistrictID) {
		return nil, errs.Forbidden("FORBIDDEN", "没有权限查看该范围的数据")
	}
	return s.nameSubdistricts(ctx, out)
}

// nameSubdistricts fills in each community's subdistrict name.
func (s *Service) nameSubdistricts(ctx context.Context, cs []Community) ([]Community, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	var ids []int64
	for _, c := range cs {
		if !slices.Contains(ids, c.SubdistrictID) {
			ids = append(ids, c.SubdistrictID)
		}
	}
	subs, err := s.store.ListSubdistricts(ctx, ids)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(subs))
	for _, d := range subs {
		names[d.ID] = d.Name
	}
	for i := range cs {
		cs[i].SubdistrictName = names[cs[i].SubdistrictID]
	}
	return cs, nil
}

func subdistrictName(name *string) error {
	if err := checkText("name", "街道名称", name, 64); err != nil {
		return err
	}
	if *name == "" {
		return errs.Invalid("INVALID_NAME", "请填写街道名称")
	}
	return nil
}

// AddSubdistrict creates a subdistrict (district admins only).
func (s *Service) AddSubdistrict(ctx context.Context, u User, name string) (Subdistrict, error) {
	if !u.IsDistrictAdmin() {
		return Subdistrict{}, errDistrictOnly
	}
	if err := subdistrictName(&name); err != nil {
		return Subdistrict{}, err
	}
	d := Subdistrict{Name: name}
	return d, s.store.CreateSubdistrict(ctx, &d)
}

// RenameSubdistrict renames a subdistrict (district admins only).
func (s *Service) RenameSubdistrict(ctx context.Context, u User, id int64, name string) (Subdistrict, error) {
	if !u.IsDistrictAdmin() {
		return Subdistrict{}, errDistrictOnly
	}
	if err := subdistrictName(&name); err != nil {
		return Subdistrict{}, err
	}
	if err := s.store.RenameSubdistrict(ctx, id, name); err != nil {
		return Subdistrict{}, err
	}
	return s.store.Subdistrict(ctx, id)
}

// CommunityPatch changes a community; nil fields stay.
type CommunityPatch struct {
	Name          *string
	Address       *string
	SubdistrictID *int64
	// SupportThreshold sets the community's own 议事厅 support threshold
	// (1..MaxSupportThreshold); 0 (an explicit null in the request) puts
	// the community back on the configured default.
	SupportThreshold *int
}

// settings reports whether the patch changes only the community's own
// settings (its support threshold), which its staff may change.
func (p CommunityPatch) settings() bool {
	return p.SupportThreshold != nil && p.Name == nil && p.Address == nil && p.SubdistrictID == nil
}

// MaxSupportThreshold is the largest support threshold a community may set.
const MaxSupportThreshold = 10000

// ErrBadSupportThreshold refuses a support threshold outside 1..10000.
var ErrBadSupportThreshold = errs.Invalid("INVALID_SUPPORT_THRESHOLD", "议事厅附议门槛须为 1 到 10000 之间的整数")

// UpdateCommunity changes a community: its name, address and subdistrict
// (district admins only) and its support threshold (also the community's
// staff and the admins of its subdistrict).
func (s *Service) UpdateCommunity(ctx context.Context, u User, id int64, p CommunityPatch) (Community, error) {
	if !u.IsDistrictAdmin() && !(p.settings() && u.IsStaffOf(id)) {
		if p.settings() {
			return Community{}, errs.Forbidden("FORBIDDEN", "只有本社区工作人员或上级管理员可以修改本社区的议事厅附议门槛")
		}
		return Community{}, errDistrictOnly
	}
	if p.SupportThreshold != nil && (*p.SupportThreshold < 0 || *p.SupportThreshold > MaxSupportThreshold) {
		return Community{}, ErrBadSupportThreshold
	}
	c, err := s.store.Community(ctx, id)
	if err != nil {
		return Community{}, err
	}
	if p.SupportThreshold != nil {
		c.SupportThreshold = *p.SupportThreshold
	}
	if p.Name != nil {
		if err := checkText("name", "社区名称", p.Name, 64); err != nil {
			return Community{}, err
		}
		if *p.Name == "" {
			return Community{}, errs.Invalid("INVALID_NAME", "请填写社区名称")
		}
		c.Name = *p.Name
	}
	if p.Address != nil {
		if err := checkText("address", "地址", p.Address, 200); err != nil {
			return Community{}, err
		}
		c.Address = *p.Address
	}
	if p.SubdistrictID != nil {
		if err := s.checkSubdistrict(ctx, *p.SubdistrictID); err != nil {
			return Community{}, err
		}
		c.SubdistrictID = *p.SubdistrictID
	}
	if err := s.store.UpdateCommunity(ctx, c); err != nil {
		return Community{}, err
	}
	return c, nil
}

func (s *Service) checkSubdistrict(ctx context.Context, id int64) error {
	if _, err := s.store.Subdistrict(ctx, id); err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return errs.Invalid("UNKNOWN_SUBDISTRICT", "所选街道不存在")
		}
		return err
	}
	return nil
}
