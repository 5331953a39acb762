// Package resident owns the people of the system: users (one per WeChat
// account), their family members (dependents), the communities they live in
// and the roles they hold.
package resident

import (
	"context"
	"slices"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/pii"
)

// Role names.
const (
	RoleResident    = "resident"
	RoleVolunteer   = "volunteer"
	RolePartyMember = "party_member"
	RoleStaff       = "staff"
	RoleAdmin       = "admin"
	// RoleUnitContact acts for one co-building unit (an organisation, OrgID)
	// and for nothing else.
	RoleUnitContact = "unit_contact"
)

// GrantableRoles are the roles an admin may grant (resident is implicit).
var GrantableRoles = []string{RoleAdmin, RoleStaff, RoleVolunteer, RolePartyMember, RoleUnitContact}

// IsGrantable reports whether r can be granted.
func IsGrantable(r string) bool { return slices.Contains(GrantableRoles, r) }

// OpensStaffDoors reports whether role r gives access beyond a resident's
// own affairs (staff routes, the console, a unit's rooms): revoking it
// ends the access tokens the user holds. Volunteers and party members are
// residents whose role is read on each request; losing it needs no new
// login.
func OpensStaffDoors(r string) bool {
	return r == RoleAdmin || r == RoleStaff || r == RoleUnitContact
}

// User is one WeChat account.
type User struct {
	ID          int64
	OpenID      string
	Nickname    string
	AvatarURL   string
	RealName    string
	CommunityID int64 // 0 = not chosen
	PhoneMasked string
	PhoneSealed string // AES-GCM ciphertext, never shown
	CreatedAt   time.Time
	Roles       []Role
}

// Role is a role a user holds, optionally scoped to a community or an organisation.
type Role struct {
	Role        string
	CommunityID int64 // 0 = every community
	OrgID       int64 // 0 = no organisation scope
	// SubdistrictID limits an admin to one subdistrict (0 = the whole
	// district); Communities are that subdistrict's communities, filled
	// when the user is loaded.
	SubdistrictID int64
	Communities   []int64
}

// HasRole reports whether u holds role anywhere.
func (u User) HasRole(role string) bool {
	if role == RoleResident {
		return true
	}
	for _, r := range u.Roles {
		if r.Role == role {
			return true
		}
	}
	return false
}

// DisplayName is how a user is named to family and staff (NameOf).
func (u User) DisplayName() string { return NameOf(u.RealName, u.Nickname) }

// Unverified marks a nickname shown where a real name is expected; NoName
// names a resident with neither a real name nor a nickname.
const (
	Unverified = pii.Unverified
	NoName     = pii.NoName
)

// NameOf is how a resident is named to staff everywhere (lists, exports,
// hours, claims, the console): the real name; else the nickname marked
// 「（未实名）」; else 「未实名居民」.
func NameOf(realName, nickname string) string {
	switch {
	case realName != "":
		return realName
	case nickname != "":
		return nickname + Unverified
	}
	return NoName
}

// IsAdmin reports whether u administers the whole district. An admin
// limited to a subdistrict is not: they act as staff of its communities
// (IsStaffOf) and administer only what their scope covers.
func (u User) IsAdmin() bool { return u.IsDistrictAdmin() }

// IsStaffOf reports whether u is staff for the community (or an admin).
// Staff without a community scope serve every community.
func (u User) IsStaffOf(communityID int64) bool {
	if u.IsAdmin() {
		return true
	}
	for _, r := range u.Roles {
		if r.Role == RoleStaff && r.OrgID == 0 && (r.CommunityID == 0 || r.CommunityID == communityID) {
			return true
		}
		if r.Role == RoleAdmin && communityID != 0 && slices.Contains(r.Communities, communityID) {
			return true
		}
	}
	return false
}

// IsStaffOfOrg reports whether u is staff of the organisation (or an admin).
func (u User) IsStaffOfOrg(orgID int64) bool {
	if u.IsAdmin() {
		return true
	}
	for _, r := range u.Roles {
		if r.Role == RoleStaff && orgID != 0 && r.OrgID == orgID {
			return true
		}
	}
	return false
}

// IsContactOf reports whether u is a contact of the co-building unit
// (organisation) orgID. Admins are not contacts: they act as staff.
func (u User) IsContactOf(orgID int64) bool {
	for _, r := range u.Roles {
		if r.Role == RoleUnitContact && orgID != 0 && r.OrgID == orgID {
			return true
		}
	}
	return false
}

// ContactUnits lists the units u is a contact of.
func (u User) ContactUnits() []int64 {
	var out []int64
	for _, r := range u.Roles {
		if r.Role == RoleUnitContact && r.OrgID != 0 {
			out = append(out, r.OrgID)
		}
	}
	return out
}

// IsAnyStaff reports whether u holds a staff or admin role anywhere.
func (u User) IsAnyStaff() bool { return u.HasRole(RoleAdmin) || u.HasRole(RoleStaff) }

// Relations of a dependent to the account holder.
const (
	RelationChild  = "child"
	RelationParent = "parent"
	RelationSpouse = "spouse"
	RelationOther  = "other"
)

// ConsentAge is the age under which a dependent needs the guardian's consent.
const ConsentAge = 14

// CurrentConsentVersion is the version of the guardian-consent text in force.
const CurrentConsentVersion = "guardian-v1"

// ConsentText is the guardian-consent text of CurrentConsentVersion, as the
// family page shows it (GET /api/v1/me/dependents/consent).
const ConsentText = "您正在为未满 14 周岁的儿童登记信息。我们仅将其姓名、性别、出生日期及证件号用于活动报名、入场核验和安全保障，" +
	"不用于其他用途，您可随时在“家庭成员”中删除。根据《儿童个人信息网络保护规定》，需要您作为监护人同意。"

// Dependent is a family member an account holder acts for.
type Dependent struct {
	ID             int64
	UserID         int64
	Name           string
	Relation       string
	BirthDate      time.Time
	Gender         string // male | female
	IDNumberSealed string
	IDNumberHash   string
	IDNumberMasked string
	ConsentVersion string
	ConsentAt      *time.Time
	CreatedAt      time.Time
}

// AgeOn returns the age in whole years on t's day in China (birth is a
// calendar date: its own year, month and day).
func AgeOn(birth, t time.Time) int {
	t = t.In(cst.Zone)
	age := t.Year() - birth.Year()
	if t.Month() < birth.Month() || (t.Month() == birth.Month() && t.Day() < birth.Day()) {
		age--
	}
	return age
}

// NeedsConsent reports whether d is under ConsentAge on t.
func (d Dependent) NeedsConsent(t time.Time) bool {
	return AgeOn(d.BirthDate, t) < ConsentAge
}

// Usable reports whether d may be signed up or bound anywhere: adults always,
// children only with the guardian's recorded consent.
func (d Dependent) Usable(t time.Time) bool {
	return !d.NeedsConsent(t) || (d.ConsentAt != nil && d.ConsentVersion != "")
}

// Community is a residents' community (社区).
type Community struct {
	ID            int64
	Name          string
	Address       string
	SubdistrictID int64 // 0 on creation: the default subdistrict
	// SupportThreshold is the supports that put one of the community's
	// 议事厅 proposals on the joint meeting's agenda; 0: the configured
	// default (co-building's Config.SupportThreshold).
	SupportThreshold int
	CreatedAt        time.Time

	// SubdistrictName is filled by the console's scoped list only.
	SubdistrictName string
}

// ProfilePatch changes a user's profile; nil fields stay as they are.
type ProfilePatch struct {
	Nickname    *string
	AvatarURL   *string
	RealName    *string
	CommunityID *int64
}

// DependentPatch changes a dependent; nil fields stay as they are.
type DependentPatch struct {
	Name           *string
	Relation       *string
	BirthDate      *time.Time
	Gender         *string
	IDNumber       *string // plain, validated and sealed by the service
	ConsentVersion *string
}

// Store is what the resident service needs from persistence.
type Store interface {
	UserByID(ctx context.Context, id int64) (User, error)
	UserByOpenID(ctx context.Context, openID string) (User, error)
	EnsureUser(ctx context.Context, openID string) (User, error)
	UpdateProfile(ctx context.Context, id int64, p ProfilePatch) error
	SetPhone(ctx context.Context, id int64, sealed, hash, masked string) error

	ListDependents(ctx context.Context, userID int64) ([]Dependent, error)
	// Dependent returns the dependent only if userID owns it (NotFound otherwise).
	Dependent(ctx context.Context, userID, id int64) (Dependent, error)
	CreateDependent(ctx context.Context, d *Dependent) error
	UpdateDependent(ctx context.Context, d Dependent) error
	DeleteDependent(ctx context.Context, userID, id int64) error

	ListCommunities(ctx context.Context) ([]Community, error)
	Community(ctx context.Context, id int64) (Community, error)
	CreateCommunity(ctx context.Context, c *Community) error
	EnsureCommunity(ctx context.Context, name string) (Community, error)

	SubdistrictStore

	GrantRole(ctx context.Context, userID int64, r Role, grantedBy int64) error
	// RevokeRole removes a role; removing the admin role of the last user
	// holding one fails with ErrLastAdmin, decided atomically (two admins
	// removing each other at once leave one).
	RevokeRole(ctx context.Context, userID int64, r Role) error

	// People lists residents for staff, newest first, keyset-paged.
	People(ctx context.Context, f PeopleFilter) ([]User, error)
}
