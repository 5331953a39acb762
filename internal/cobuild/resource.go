package cobuild

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/usertext"
)

// Resource kinds (资源清单).
const (
	ResVenue    = "venue"    // 场地 (linked to a bookable room when rooms exist)
	ResExpert   = "expert"   // 专家与服务: legal consultation, doctors, teachers
	ResMaterial = "material" // 物资
	ResFund     = "fund"     // 资金
	ResTeam     = "team"     // 志愿服务队
)

// ResourceKinds maps each kind to its Chinese name.
var ResourceKinds = map[string]string{ResVenue: "场地", ResExpert: "专家与服务", ResMaterial: "物资", ResFund: "资金", ResTeam: "志愿服务队"}

// Resource is what a unit offers.
type Resource struct {
	ID           int64
	UnitID       int64
	UnitName     string
	Kind         string
	Title        string
	Description  string
	Quantity     int
	QuantityUnit string
	Claimed      int
	CommunityIDs []int64 // the communities it serves (empty: every one)
	RoomID       int64   // a bookable room, when the venue is one
	ValidFrom    time.Time
	ValidTo      time.Time
	Status       string // open, closed
	CreatedBy    int64
	CreatedAt    time.Time
}

// Remaining is the quantity not claimed yet.
func (r Resource) Remaining() int { return max(r.Quantity-r.Claimed, 0) }

var (
	ErrResourceFullyClaimed = errs.Conflict("RESOURCE_FULLY_CLAIMED", "该资源已被认领完")
	errResourceClosed       = errs.Conflict("RESOURCE_CLOSED", "该资源已下架或不在有效期内")
	errResourceNotServed    = errs.Forbidden("RESOURCE_NOT_FOR_COMMUNITY", "该资源不服务于此社区")
	ErrResourceNotFound     = errs.NotFound("RESOURCE_NOT_FOUND", "资源不存在")
)

// Take decides a community's claim of qty on the locked resource.
func (r Resource) Take(communityID int64, qty int, now time.Time) (int, error) {
	if r.Status != NeedOpen || now.Before(r.ValidFrom) || now.After(r.ValidTo) {
		return 0, errResourceClosed
	}
	if len(r.CommunityIDs) > 0 && !slices.Contains(r.CommunityIDs, communityID) {
		return 0, errResourceNotServed
	}
	return takeQuantity(qty, r.Remaining(), r.QuantityUnit, ErrResourceFullyClaimed, "资源")
}

// ResourceInput is what a unit's contact publishes.
type ResourceInput struct {
	UnitID       int64
	Kind         string
	Title        string
	Description  string
	Quantity     int
	QuantityUnit string
	CommunityIDs []int64
	RoomID       int64
	ValidFrom    time.Time
	ValidTo      time.Time
}

// ResourceFilter selects resources.
type ResourceFilter struct {
	CommunityID int64 // resources serving it
	UnitID      int64
	Kind        string
	BeforeID    int64 // keyset: ids below it (0: from the newest)
	Limit       int
}

// ResourceClaim is a community's claim of a resource.
type ResourceClaim struct {
	ResourceID  int64
	CommunityID int64
	Quantity    int
	Plan        string
	By          int64
	Now         time.Time
}

// ResourceStore keeps resources and report-ins.
type ResourceStore interface {
	CreateResource(ctx context.Context, r *Resource) error
	Resource(ctx context.Context, id int64) (Resource, error) // ErrResourceNotFound when none
	Resources(ctx context.Context, f ResourceFilter) ([]Resource, error)
	// ClaimResource locks the resource, decides with Resource.Take and
	// writes the claim and its own project in one transaction.
	ClaimResource(ctx context.Context, c ResourceClaim) (Claim, error)
	// UnitRoom reports whether roomID is an open (active) room the unit owns.
	UnitRoom(ctx context.Context, unitID, roomID int64) (bool, error)
}

// CreateResource publishes a unit's offer (its contacts, or admins).
func (s *Service) CreateResource(ctx context.Context, u resident.User, in ResourceInput) (Resource, error) {
	if !u.IsContactOf(in.UnitID) && !u.IsAdmin() {
		return Resource{}, errNotContact
	}
	unit, err := s.store.Unit(ctx, in.UnitID)
	if err != nil {
		return Resource{}, err
	}
	if unit.Status != UnitActive {
		return Resource{}, errUnitInactive
	}
	in.Title, in.Description, in.QuantityUnit = usertext.Clean(in.Title), strings.TrimSpace(in.Description), usertext.Clean(in.QuantityUnit)
	in.Kind = ResourceKindOf(in.Kind)
	switch {
	case ResourceKinds[in.Kind] == "":
		return Resource{}, errs.Invalid("INVALID_RESOURCE_KIND", "资源类型只能是场地、专家与服务、物资、资金或志愿服务队")
	case !textLen(in.Title, 50) || utf8.RuneCountInString(in.Description) > 2000:
		return Resource{}, errTitleRequired
	case in.Quantity < 1 || in.Quantity > 1000000:
		return Resource{}, errNeedQuantity
	case !textLen(in.QuantityUnit, 10):
		return Resource{}, errQuantityUnit
	case in.ValidFrom.IsZero() || in.ValidTo.IsZero() || !in.ValidTo.After(in.ValidFrom) || !in.ValidTo.After(s.now()):
		return Resource{}, errs.Invalid("INVALID_VALIDITY", "请填写有效期（结束晚于开始，且晚于现在）")
	}
	slices.Sort(in.CommunityIDs)
	in.CommunityIDs = slices.Compact(in.CommunityIDs)
	for _, c := range in.CommunityIDs {
		if err := s.checkCommunity(ctx, c); err != nil || c == 0 {
			return Resource{}, errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")
		}
	}
	if in.RoomID != 0 {
		// A venue offered as a bookable room is one of the unit's own.
		ok, err := s.resources.UnitRoom(ctx, unit.ID, in.RoomID)
		if err != nil {
			return Resource{}, err
		}
		if !ok || in.RoomID < 0 {
			return Resource{}, errs.Invalid("INVALID_ROOM", "所选场地不存在、已停用或不属于本单位")
		}
	}
	r := Resource{UnitID: unit.ID, UnitName: unit.Name, Kind: in.Kind, Title: in.Title, Description: in.Description, Quantity: in.Quantity,
		QuantityUnit: in.QuantityUnit, CommunityIDs: in.CommunityIDs, RoomID: in.RoomID, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
		Status: NeedOpen, CreatedBy: u.ID, CreatedAt: s.now()}
	if err := s.resources.CreateResource(ctx, &r); err != nil {
		return Resource{}, err
	}
	return r, nil
}

// Resource returns one resource (public).
func (s *Service) Resource(ctx context.Context, id int64) (Resource, error) {
	return s.resources.Resource(ctx, id)
}

// Resources lists resources (public).
func (s *Service) Resources(ctx context.Context, f ResourceFilter) ([]Resource, error) {
	f.Limit = page.WithinPeek(f.Limit, 50)
	return s.resources.Resources(ctx, f)
}

// ClaimResource has a community (its staff) claim (part of) a resource:
// every such claim is its own project.
func (s *Service) ClaimResource(ctx context.Context, u resident.User, resourceID, communityID int64, qty int, plan string) (Claim, error) {
	if communityID == 0 && u.IsAnyStaff() {
		return Claim{}, errs.Invalid("COMMUNITY_REQUIRED", "请选择认领该资源的社区")
	}
	if communityID == 0 || !u.IsStaffOf(communityID) {
		return Claim{}, errNotStaff
	}
	if utf8.RuneCountInString(plan) > 2000 {
		return Claim{}, errs.Invalid("TEXT_TOO_LONG", "实施计划不超过 2000 字")
	}
	// A suspended unit's offers are not taken up.
	r, err := s.resources.Resource(ctx, resourceID)
	if err != nil {
		return Claim{}, errs.NotFoundAs(err, ErrResourceNotFound)
	}
	if status, err := s.store.UnitStatus(ctx, r.UnitID); err != nil {
		return Claim{}, err
	} else if status != UnitActive {
		return Claim{}, errUnitInactive
	}
	c, err := s.resources.ClaimResource(ctx, ResourceClaim{ResourceID: resourceID, CommunityID: communityID, Quantity: qty,
		Plan: strings.TrimSpace(plan), By: u.ID, Now: s.now()})
	if errs.KindOf(err) == errs.KindNotFound {
		return Claim{}, ErrResourceNotFound
	}
	return c, err
}
