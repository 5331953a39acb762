package resident

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/errs"
	"gongjian/internal/imageurl"
	"gongjian/internal/pii"
	"gongjian/internal/usertext"
)

// PhoneSource resolves a getPhoneNumber code to a phone number (WeChat).
type PhoneSource interface {
	PhoneNumber(ctx context.Context, code string) (phone, countryCode string, err error)
}

// Service holds the rules about people.
type Service struct {
	store   Store
	box     *pii.Box
	phones  PhoneSource
	avatars imageurl.Checker // nil: no avatar address is accepted
	now     func() time.Time
}

// AcceptAvatars sets which addresses a profile's avatar_url may be
// (imageurl.Policy: an https URL on a configured host, or one of the
// user's own uploads — the mini-program uploads the picture chosen with
// chooseAvatar and sets the answer as the avatar). Call it while wiring,
// before the service is used.
func (s *Service) AcceptAvatars(images imageurl.Checker) { s.avatars = images }

// NewService builds a Service; now may be nil (time.Now).
func NewService(store Store, box *pii.Box, phones PhoneSource, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, box: box, phones: phones, now: now}
}

// Me returns the user with roles.
func (s *Service) Me(ctx context.Context, userID int64) (User, error) {
	return s.store.UserByID(ctx, userID)
}

func checkText(field, label string, v *string, max int) error {
	if v == nil {
		return nil
	}
	*v = usertext.Clean(*v)
	if utf8.RuneCountInString(*v) > max {
		return errs.Invalid("INVALID_"+strings.ToUpper(field), label+"不能超过"+strconv.Itoa(max)+"个字")
	}
	if strings.ContainsAny(*v, "\x00\r\n\t") {
		return errs.Invalid("INVALID_"+strings.ToUpper(field), label+"包含不允许的字符")
	}
	return nil
}

var errAvatarURL = errs.Invalid("INVALID_AVATAR_URL", "头像地址无效，请重新选择头像")

// UpdateProfile validates and applies a profile patch.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, p ProfilePatch) (User, error) {
	if err := checkText("nickname", "昵称", p.Nickname, 32); err != nil {
		return User{}, err
	}
	if err := checkText("real_name", "姓名", p.RealName, 32); err != nil {
		return User{}, err
	}
	if p.AvatarURL != nil && *p.AvatarURL != "" {
		if err := imageurl.Require(ctx, s.avatars, userID, *p.AvatarURL, errAvatarURL); err != nil {
			return User{}, err
		}
	}
	if p.CommunityID != nil && *p.CommunityID != 0 {
		if err := s.knownCommunity(ctx, *p.CommunityID); err != nil {
			return User{}, err
		}
	}
	if err := s.store.UpdateProfile(ctx, userID, p); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, userID)
}

// BindPhone exchanges a getPhoneNumber code for the phone and stores it encrypted.
func (s *Service) BindPhone(ctx context.Context, userID int64, code string) (User, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 256 {
		return User{}, errs.Invalid("INVALID_PHONE_CODE", "手机号授权码无效，请重新授权")
	}
	phone, _, err := s.phones.PhoneNumber(ctx, code)
	if err != nil {
		return User{}, err
	}
	sealed, err := s.box.Seal(phone)
	if err != nil {
		return User{}, errs.Internal(err)
	}
	if err := s.store.SetPhone(ctx, userID, sealed, s.box.Hash(phone), pii.MaskPhone(phone)); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, userID)
}

// DependentInput is what a resident submits for a family member.
type DependentInput struct {
	Name           string
	Relation       string
	BirthDate      time.Time
	Gender         string
	IDNumber       string
	ConsentVersion string // guardian consent for under-14s
}

func validRelation(r string) bool {
	switch r {
	case RelationChild, RelationParent, RelationSpouse, RelationOther:
		return true
	}
	return false
}

func validGender(g string) bool { return g == "male" || g == "female" }

// applyIDNumber validates, seals and masks an ID number into d.
func (s *Service) applyIDNumber(d *Dependent, id string) error {
	id = pii.NormalizeIDNumber(id)
	if id == "" {
		d.IDNumberSealed, d.IDNumberHash, d.IDNumberMasked = "", "", ""
		return nil
	}
	birth, err := pii.ValidateIDNumber(id, s.now())
	if err != nil {
		return errs.Invalid("INVALID_ID_NUMBER", err.Error())
	}
	if err := fromIDNumber(d, id, birth); err != nil {
		return err
	}
	sealed, err := s.box.Seal(id)
	if err != nil {
		return errs.Internal(err)
	}
	d.IDNumberSealed, d.IDNumberHash, d.IDNumberMasked = sealed, s.box.Hash(id), pii.MaskIDNumber(id)
	return nil
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.Month() == b.Month() && a.Day() == b.Day()
}

func (s *Service) validateDependent(d *Dependent) error {
	name := usertext.Clean(d.Name)
	if name == "" || utf8.RuneCountInString(name) > 32 || strings.ContainsAny(name, "\x00\r\n\t") {
		return errs.Invalid("INVALID_NAME", "请填写家庭成员的姓名（不超过32个字）")
	}
	d.Name = name
	if !validRelation(d.Relation) {
		return errs.Invalid("INVALID_RELATION", "关系只能是子女、父母、配偶或其他")
	}
	if !validGender(d.Gender) {
		return errs.Invalid("INVALID_GENDER", "请选择性别")
	}
	// A birth date is a calendar date; "not in the future" is judged by today in China.
	if d.BirthDate.IsZero() || d.BirthDate.After(pii.ChinaToday(s.now())) || d.BirthDate.Year() < 1900 {
		return errs.Invalid("INVALID_BIRTH_DATE", "出生日期无效")
	}
	return nil
}

// AddDependent creates a family member.
func (s *Service) AddDependent(ctx context.Context, userID int64, in DependentInput) (Dependent, error) {
	d := Dependent{UserID: userID, Name: in.Name, Relation: in.Relation, BirthDate: in.BirthDate, Gender: in.Gender}
	// An ID number gives the birth date and gender (or must agree with them).
	if err := s.applyIDNumber(&d, in.IDNumber); err != nil {
		return Dependent{}, err
	}
	if err := s.validateDependent(&d); err != nil {
		return Dependent{}, err
	}
	if err := s.applyConsent(&d, in.ConsentVersion); err != nil {
		return Dependent{}, err
	}
	existing, err := s.store.ListDependents(ctx, userID)
	if err != nil {
		return Dependent{}, err
	}
	if len(existing) >= 20 {
		return Dependent{}, errs.Unprocessable("TOO_MANY_DEPENDENTS", "家庭成员最多添加20位")
	}
	if err := s.store.CreateDependent(ctx, &d); err != nil {
		return Dependent{}, err
	}
	return d, nil
}

// MaxConsentVersionLen is the longest consent version recorded (in characters).
const MaxConsentVersionLen = 32

// applyConsent records the guardian's consent: the version of the text the
// client says was agreed to (as sent, trimmed) and the server's time. No
// version records nothing; the family member then stays unusable under 14.
func (s *Service) applyConsent(d *Dependent, version string) error {
	version = strings.TrimSpace(version)
	if version == "" {
		return nil
	}
	if utf8.RuneCountInString(version) > MaxConsentVersionLen {
		return errs.Invalid("INVALID_CONSENT_VERSION", "同意书版本号不能超过32个字符")
	}
	now := s.now().UTC()
	d.ConsentVersion, d.ConsentAt = version, &now
	return nil
}

// UpdateDependent changes a family member the user owns.
func (s *Service) UpdateDependent(ctx context.Context, userID, id int64, p DependentPatch) (Dependent, error) {
	d, err := s.store.Dependent(ctx, userID, id)
	if err != nil {
		return Dependent{}, err
	}
	if p.Name != nil {
		d.Name = *p.Name
	}
	if p.Relation != nil {
		d.Relation = *p.Relation
	}
	if p.BirthDate != nil {
		d.BirthDate = *p.BirthDate
	}
	if p.Gender != nil {
		d.Gender = *p.Gender
	}
	if p.IDNumber != nil && pii.NormalizeIDNumber(*p.IDNumber) != "" {
		if err := s.patchIDNumber(&d, p); err != nil {
			return Dependent{}, err
		}
	} else {
		if err := s.validateDependent(&d); err != nil {
			return Dependent{}, err
		}
		if p.IDNumber != nil {
			d.IDNumberSealed, d.IDNumberHash, d.IDNumberMasked = "", "", ""
		} else if p.BirthDate != nil || p.Gender != nil {
			if err := s.checkStoredIDNumber(&d); err != nil {
				return Dependent{}, err
			}
		}
	}
	if p.ConsentVersion != nil {
		if err := s.applyConsent(&d, *p.ConsentVersion); err != nil {
			return Dependent{}, err
		}
	}
	if err := s.store.UpdateDependent(ctx, d); err != nil {
		return Dependent{}, err
	}
	return d, nil
}

// patchIDNumber applies a new ID number to d: it gives the birth date and
// gender the patch leaves out (those on record came from the old number,
// or were typed before it), and those the patch gives are checked
// against it.
func (s *Service) patchIDNumber(d *Dependent, p DependentPatch) error {
	if p.Gender != nil && !validGender(*p.Gender) {
		return errs.Invalid("INVALID_GENDER", "请选择性别")
	}
	if p.BirthDate == nil {
		d.BirthDate = time.Time{}
	}
	if p.Gender == nil {
		d.Gender = ""
	}
	if err := s.applyIDNumber(d, *p.IDNumber); err != nil {
		return err
	}
	return s.validateDependent(d)
}

// Dependents lists the user's family members.
func (s *Service) Dependents(ctx context.Context, userID int64) ([]Dependent, error) {
	return s.store.ListDependents(ctx, userID)
}

// Dependent returns a family member the user owns (DEPENDENT_NOT_FOUND otherwise).
func (s *Service) Dependent(ctx context.Context, userID, id int64) (Dependent, error) {
	return s.store.Dependent(ctx, userID, id)
}

// RemoveDependent deletes a family member the user owns.
func (s *Service) RemoveDependent(ctx context.Context, userID, id int64) error {
	return s.store.DeleteDependent(ctx, userID, id)
}

// UsableDependent returns a dependent the user owns that may be used now:
// under-14s need the guardian's consent on record.
func (s *Service) UsableDependent(ctx context.Context, userID, id int64) (Dependent, error) {
	d, err := s.store.Dependent(ctx, userID, id)
	if err != nil {
		return Dependent{}, err
	}
	if !d.Usable(s.now()) {
		return Dependent{}, errs.Unprocessable("CONSENT_REQUIRED", "未满14周岁的家庭成员需要监护人先确认同意书").With("version", CurrentConsentVersion)
	}
	return d, nil
}

// Communities lists communities.
func (s *Service) Communities(ctx context.Context) ([]Community, error) {
	return s.store.ListCommunities(ctx)
}

// AddCommunity creates a community in the default subdistrict (admin).
func (s *Service) AddCommunity(ctx context.Context, name, address string) (Community, error) {
	return s.AddCommunityIn(ctx, Community{Name: name, Address: address})
}

// AddCommunityIn creates a community from in's name, address, subdistrict
// (0: the default subdistrict) and support threshold (0: the configured
// default; else 1..MaxSupportThreshold).
func (s *Service) AddCommunityIn(ctx context.Context, in Community) (Community, error) {
	name, address, subdistrictID := in.Name, in.Address, in.SubdistrictID
	if in.SupportThreshold != 0 && (in.SupportThreshold < 1 || in.SupportThreshold > MaxSupportThreshold) {
		return Community{}, ErrBadSupportThreshold
	}
	if err := checkText("name", "社区名称", &name, 64); err != nil {
		return Community{}, err
	}
	if name == "" {
		return Community{}, errs.Invalid("INVALID_NAME", "请填写社区名称")
	}
	if err := checkText("address", "地址", &address, 200); err != nil {
		return Community{}, err
	}
	if subdistrictID != 0 {
		if err := s.checkSubdistrict(ctx, subdistrictID); err != nil {
			return Community{}, err
		}
	}
	c := Community{Name: name, Address: address, SubdistrictID: subdistrictID, SupportThreshold: in.SupportThreshold}
	if err := s.store.CreateCommunity(ctx, &c); err != nil {
		if errs.KindOf(err) == errs.KindConflict {
			return Community{}, errs.Conflict("COMMUNITY_EXISTS", "同名社区已存在")
		}
		return Community{}, err
	}
	return c, nil
}

// RoleChange describes a grant or revocation by an admin or the CLI.
type RoleChange struct {
	Role        string
	CommunityID int64
	OrgID       int64
	// Scope names the breadth of a staff role: "community" (CommunityID),
	// "org" (OrgID) or "subdistrict" (every community). A staff role
	// without a community or an organisation must say "subdistrict":
	// a missing field never widens a role.
	Scope string
	// SubdistrictID limits an admin role to one subdistrict (0: the whole
	// district).
	SubdistrictID int64
}

func (rc RoleChange) role() Role {
	return Role{Role: rc.Role, CommunityID: rc.CommunityID, OrgID: rc.OrgID, SubdistrictID: rc.SubdistrictID}
}

// Role scopes (RoleChange.Scope).
const (
	ScopeSubdistrict = "subdistrict"
	ScopeCommunity   = "community"
	ScopeOrg         = "org"
)

// ErrLastAdmin refuses to remove the admin role of the last admin (the
// store returns it, deciding atomically).
var ErrLastAdmin = errs.Conflict("LAST_ADMIN", "这是最后一位管理员，不能取消其管理员角色；请先任命另一位管理员")

var (
	errInvalidRole  = errs.Invalid("INVALID_ROLE", "角色无效，请选择管理员、工作人员、志愿者、党员或共建单位联系人")
	errInvalidScope = errs.Invalid("INVALID_SCOPE", "范围无效，请选择全街道、社区或单位")
	errScopeReq     = errs.Invalid("SCOPE_REQUIRED", "请指定工作人员负责的社区或单位；负责全街道须明确选择“全街道”")
	errScopeClash   = errs.Invalid("SCOPE_CONFLICT", "范围与所填的社区或单位不一致：全街道范围不能同时指定社区或单位")
)

// checkScope enforces explicit breadth: staff name a community, an
// organisation or, explicitly, the whole subdistrict; a scope never
// contradicts the ids given; admins are subdistrict-wide by nature.
func checkScope(rc RoleChange) error {
	scoped := rc.CommunityID != 0 || rc.OrgID != 0
	switch rc.Scope {
	case "":
	case ScopeSubdistrict:
		if scoped {
			return errScopeClash
		}
	case ScopeCommunity:
		if rc.CommunityID == 0 {
			return errScopeReq
		}
		if rc.OrgID != 0 {
			return errScopeClash
		}
	case ScopeOrg:
		if rc.OrgID == 0 {
			return errScopeReq
		}
		if rc.CommunityID != 0 {
			return errScopeClash
		}
	default:
		return errInvalidScope
	}
	switch rc.Role {
	case RoleStaff:
		if !scoped && rc.Scope != ScopeSubdistrict {
			return errScopeReq
		}
	case RoleAdmin:
		if scoped {
			return errScopeClash
		}
	}
	return nil
}

func (s *Service) checkRole(ctx context.Context, rc RoleChange) error {
	if !IsGrantable(rc.Role) {
		return errInvalidRole
	}
	if rc.Role == RoleUnitContact && (rc.OrgID == 0 || rc.CommunityID != 0) {
		return errs.Invalid("UNIT_REQUIRED", "共建单位联系人须指定所属单位，且不能指定社区")
	}
	if err := checkScope(rc); err != nil {
		return err
	}
	if rc.SubdistrictID != 0 {
		if rc.Role != RoleAdmin || rc.CommunityID != 0 || rc.OrgID != 0 {
			return errs.Invalid("SUBDISTRICT_ADMIN_ONLY", "只有管理员角色可以限定街道，且不能同时指定社区或单位")
		}
		if err := s.checkSubdistrict(ctx, rc.SubdistrictID); err != nil {
			return err
		}
	}
	if rc.CommunityID != 0 {
		return s.knownCommunity(ctx, rc.CommunityID)
	}
	return nil
}

var errUnknownCommunity = errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")

// knownCommunity refuses a community id nobody created.
func (s *Service) knownCommunity(ctx context.Context, id int64) error {
	_, err := s.store.Community(ctx, id)
	if errs.KindOf(err) == errs.KindNotFound {
		return errUnknownCommunity
	}
	return err
}

// GrantRole grants a role to a user id (USER_NOT_FOUND when there is no
// such user).
func (s *Service) GrantRole(ctx context.Context, by, userID int64, rc RoleChange) (User, error) {
	if err := s.checkRole(ctx, rc); err != nil {
		return User{}, err
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return User{}, err
	}
	if err := s.store.GrantRole(ctx, userID, rc.role(), by); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, userID)
}

// GrantRoleByOpenID grants a role, creating the user if the openid never logged in (CLI).
func (s *Service) GrantRoleByOpenID(ctx context.Context, openID string, rc RoleChange) (User, error) {
	openID = strings.TrimSpace(openID)
	if openID == "" || len(openID) > 64 {
		return User{}, errs.Invalid("INVALID_OPENID", "用户标识无效")
	}
	if err := s.checkRole(ctx, rc); err != nil {
		return User{}, err
	}
	u, err := s.store.EnsureUser(ctx, openID)
	if err != nil {
		return User{}, err
	}
	return s.GrantRole(ctx, 0, u.ID, rc)
}

// RevokeRole removes a role from a user. The last admin's admin role
// stays (ErrLastAdmin): the system is never left without an admin.
func (s *Service) RevokeRole(ctx context.Context, userID int64, rc RoleChange) (User, error) {
	if !IsGrantable(rc.Role) {
		return User{}, errInvalidRole
	}
	if rc.Scope != "" && rc.Scope != ScopeSubdistrict && rc.Scope != ScopeCommunity && rc.Scope != ScopeOrg {
		return User{}, errInvalidScope
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return User{}, err
	}
	if err := s.store.RevokeRole(ctx, userID, rc.role()); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, userID)
}
