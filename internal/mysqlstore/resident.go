package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/auth"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

type userRow struct {
	ID               int64  `gorm:"primaryKey;autoIncrement"`
	OpenID           string `gorm:"size:64;not null;uniqueIndex:uq_users_openid"`
	UnionID          string `gorm:"size:64;not null;default:''"`
	Nickname         string `gorm:"size:64;not null;default:''"`
	AvatarURL        string `gorm:"size:512;not null;default:''"`
	RealName         string `gorm:"size:64;not null;default:''"`
	CommunityID      int64  `gorm:"not null;default:0;index"`
	PhoneSealed      string `gorm:"size:255;not null;default:''"`
	PhoneHash        string `gorm:"size:64;not null;default:'';index"`
	PhoneMasked      string `gorm:"size:20;not null;default:''"`
	SessionKeySealed string `gorm:"size:255;not null;default:''"`
	LastLoginAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (userRow) TableName() string { return "users" }

type roleRow struct {
	ID          int64  `gorm:"primaryKey;autoIncrement"`
	UserID      int64  `gorm:"not null;uniqueIndex:uq_user_roles,priority:1"`
	Role        string `gorm:"size:20;not null;uniqueIndex:uq_user_roles,priority:2"`
	CommunityID int64  `gorm:"not null;default:0;uniqueIndex:uq_user_roles,priority:3"`
	OrgID       int64  `gorm:"not null;default:0;uniqueIndex:uq_user_roles,priority:4"`
	// SubdistrictID limits an admin to a subdistrict (1100_subdistricts).
	SubdistrictID int64 `gorm:"not null;default:0;uniqueIndex:uq_user_roles,priority:5"`
	GrantedBy     int64 `gorm:"not null;default:0"`
	CreatedAt     time.Time
}

func (roleRow) TableName() string { return "user_roles" }

type dependentRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	UserID         int64     `gorm:"not null;index;uniqueIndex:uq_dependents_id_number,priority:1"`
	Name           string    `gorm:"size:64;not null"`
	Relation       string    `gorm:"size:16;not null"`
	BirthDate      time.Time `gorm:"type:date;not null"`
	Gender         string    `gorm:"size:8;not null"`
	IDNumberSealed string    `gorm:"size:255;not null;default:''"`
	IDNumberHash   string    `gorm:"size:64;not null;default:'';index"`
	// IDNumberKey is the hash while the member is on the account (NULL
	// without an ID number or once deleted): one ID number once per
	// account. Added by 0701.
	IDNumberKey    *string `gorm:"size:64;uniqueIndex:uq_dependents_id_number,priority:2"`
	IDNumberMasked string  `gorm:"size:24;not null;default:''"`
	ConsentVersion string  `gorm:"size:32;not null;default:''"`
	ConsentAt      *time.Time
	DeletedAt      gorm.DeletedAt `gorm:"index"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (dependentRow) TableName() string { return "dependents" }

type communityRow struct {
	ID      int64  `gorm:"primaryKey;autoIncrement"`
	Name    string `gorm:"size:64;not null;uniqueIndex:uq_communities_name"`
	Address string `gorm:"size:200;not null;default:''"`
	// SubdistrictID: the subdistrict (1100_subdistricts moved every
	// existing community into 默认街道).
	SubdistrictID int64 `gorm:"not null;default:0;index"`
	// SupportThreshold is the community's own 议事厅 support threshold
	// (NULL: the configured default; 1350_communities_support_threshold).
	SupportThreshold *int `gorm:"column:support_threshold"`
	CreatedAt        time.Time
}

func toCommunity(r communityRow) resident.Community {
	c := resident.Community{ID: r.ID, Name: r.Name, Address: r.Address, SubdistrictID: r.SubdistrictID, CreatedAt: r.CreatedAt}
	if r.SupportThreshold != nil {
		c.SupportThreshold = *r.SupportThreshold
	}
	return c
}

func (communityRow) TableName() string { return "communities" }

type refreshTokenRow struct {
	Hash      string    `gorm:"primaryKey;size:64"`
	UserID    int64     `gorm:"not null;index"`
	FamilyID  string    `gorm:"size:32;not null;index"`
	ExpiresAt time.Time `gorm:"not null"`
	RotatedAt *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

var foundationMigrations = []Migration{
	{ID: "0001_foundation", Up: createTables(&userRow{}, &roleRow{}, &dependentRow{}, &communityRow{}, &refreshTokenRow{})},
}

// ResidentStore implements resident.Store and auth.Store.
type ResidentStore struct{ base }

// NewResidentStore returns the store of people.
func NewResidentStore(db *DB) *ResidentStore { return &ResidentStore{base{db}} }

var (
	_ resident.Store = (*ResidentStore)(nil)
	_ auth.Store     = (*ResidentStore)(nil)
)

var errUserNotFound = errs.NotFound("USER_NOT_FOUND", "用户不存在")

func (s *ResidentStore) withRoles(ctx context.Context, r userRow) (resident.User, error) {
	us, err := s.usersWithRoles(ctx, []userRow{r})
	if err != nil {
		return resident.User{}, err
	}
	return us[0], nil
}

// usersWithRoles makes users of rows with their roles (one query for all).
func (s *ResidentStore) usersWithRoles(ctx context.Context, rows []userRow) ([]resident.User, error) {
	out := make([]resident.User, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	var roles []roleRow
	if err := s.g(ctx).Where("user_id IN ?", ids).Order("id").Find(&roles).Error; err != nil {
		return nil, translate(err, nil)
	}
	var subs []int64
	byUser := map[int64][]roleRow{}
	for _, rr := range roles {
		if rr.SubdistrictID != 0 {
			subs = append(subs, rr.SubdistrictID)
		}
		byUser[rr.UserID] = append(byUser[rr.UserID], rr)
	}
	comms, err := s.subdistrictCommunities(ctx, subs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		u := resident.User{
			ID: r.ID, OpenID: r.OpenID, Nickname: r.Nickname, AvatarURL: r.AvatarURL, RealName: r.RealName,
			CommunityID: r.CommunityID, PhoneMasked: r.PhoneMasked, PhoneSealed: r.PhoneSealed, CreatedAt: r.CreatedAt,
		}
		for _, rr := range byUser[r.ID] {
			u.Roles = append(u.Roles, resident.Role{Role: rr.Role, CommunityID: rr.CommunityID, OrgID: rr.OrgID,
				SubdistrictID: rr.SubdistrictID, Communities: comms[rr.SubdistrictID]})
		}
		out = append(out, u)
	}
	return out, nil
}

// UserByID loads a user with roles.
func (s *ResidentStore) UserByID(ctx context.Context, id int64) (resident.User, error) {
	var r userRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return resident.User{}, translate(err, errUserNotFound)
	}
	return s.withRoles(ctx, r)
}

// UserByOpenID loads a user by openid.
func (s *ResidentStore) UserByOpenID(ctx context.Context, openID string) (resident.User, error) {
	var r userRow
	if err := s.g(ctx).Where("open_id = ?", openID).First(&r).Error; err != nil {
		return resident.User{}, translate(err, errUserNotFound)
	}
	return s.withRoles(ctx, r)
}

// EnsureUser returns the user with openid, creating it if missing.
func (s *ResidentStore) EnsureUser(ctx context.Context, openID string) (resident.User, error) {
	r := userRow{OpenID: openID}
	if err := createUnlessExists(s.g(ctx), &r).Error; err != nil {
		return resident.User{}, translate(err, nil)
	}
	return s.UserByOpenID(ctx, openID)
}

// LoginUser upserts the user and stores the sealed session key.
func (s *ResidentStore) LoginUser(ctx context.Context, openID, unionID, sealedKey string) (resident.User, error) {
	now := time.Now().UTC()
	r := userRow{OpenID: openID, UnionID: unionID, SessionKeySealed: sealedKey, LastLoginAt: &now}
	err := s.g(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "open_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"union_id", "session_key_sealed", "last_login_at", "updated_at"}),
	}).Create(&r).Error
	if err != nil {
		return resident.User{}, translate(err, nil)
	}
	return s.UserByOpenID(ctx, openID)
}

// UpdateProfile applies a patch.
func (s *ResidentStore) UpdateProfile(ctx context.Context, id int64, p resident.ProfilePatch) error {
	upd := map[string]any{}
	if p.Nickname != nil {
		upd["nickname"] = *p.Nickname
	}
	if p.AvatarURL != nil {
		upd["avatar_url"] = *p.AvatarURL
	}
	if p.RealName != nil {
		upd["real_name"] = *p.RealName
	}
	if p.CommunityID != nil {
		upd["community_id"] = *p.CommunityID
	}
	if len(upd) == 0 {
		return nil
	}
	upd["updated_at"] = time.Now().UTC()
	res := s.g(ctx).Model(&userRow{}).Where("id = ?", id).Updates(upd)
	if res.Error != nil {
		return translate(res.Error, nil)
	}
	return nil
}

// SetPhone stores the sealed phone.
func (s *ResidentStore) SetPhone(ctx context.Context, id int64, sealed, hash, masked string) error {
	return translate(s.g(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{
		"phone_sealed": sealed, "phone_hash": hash, "phone_masked": masked, "updated_at": time.Now().UTC(),
	}).Error, nil)
}

func toDependent(r dependentRow) resident.Dependent {
	return resident.Dependent{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Relation: r.Relation, BirthDate: r.BirthDate, Gender: r.Gender,
		IDNumberSealed: r.IDNumberSealed, IDNumberHash: r.IDNumberHash, IDNumberMasked: r.IDNumberMasked,
		ConsentVersion: r.ConsentVersion, ConsentAt: r.ConsentAt, CreatedAt: r.CreatedAt,
	}
}

func fromDependent(d resident.Dependent) dependentRow {
	return dependentRow{
		ID: d.ID, UserID: d.UserID, Name: d.Name, Relation: d.Relation, BirthDate: d.BirthDate, Gender: d.Gender,
		IDNumberSealed: d.IDNumberSealed, IDNumberHash: d.IDNumberHash, IDNumberMasked: d.IDNumberMasked, IDNumberKey: idNumberKey(d.IDNumberHash),
		ConsentVersion: d.ConsentVersion, ConsentAt: d.ConsentAt, CreatedAt: d.CreatedAt,
	}
}

func idNumberKey(hash string) *string {
	if hash == "" {
		return nil
	}
	return &hash
}

// ListDependents lists a user's dependents.
func (s *ResidentStore) ListDependents(ctx context.Context, userID int64) ([]resident.Dependent, error) {
	return findAs(s.g(ctx).Where("user_id = ?", userID).Order("id"), toDependent)
}

var errDependentNotFound = errs.NotFound("DEPENDENT_NOT_FOUND", "家庭成员不存在")

// Dependent returns a dependent owned by userID.
func (s *ResidentStore) Dependent(ctx context.Context, userID, id int64) (resident.Dependent, error) {
	return firstAs(s.g(ctx).Where("id = ? AND user_id = ?", id, userID), errDependentNotFound, toDependent)
}

// CreateDependent inserts a dependent and sets its ID.
func (s *ResidentStore) CreateDependent(ctx context.Context, d *resident.Dependent) error {
	r := fromDependent(*d)
	if err := s.g(ctx).Create(&r).Error; err != nil {
		if IsDuplicate(err) {
			return resident.ErrIDNumberExists
		}
		return translate(err, nil)
	}
	d.ID, d.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// UpdateDependent saves every field of d (owner checked).
func (s *ResidentStore) UpdateDependent(ctx context.Context, d resident.Dependent) error {
	r := fromDependent(d)
	res := s.g(ctx).Model(&dependentRow{}).Where("id = ? AND user_id = ?", d.ID, d.UserID).Updates(map[string]any{
		"name": r.Name, "relation": r.Relation, "birth_date": r.BirthDate, "gender": r.Gender,
		"id_number_sealed": r.IDNumberSealed, "id_number_hash": r.IDNumberHash, "id_number_masked": r.IDNumberMasked, "id_number_key": r.IDNumberKey,
		"consent_version": r.ConsentVersion, "consent_at": r.ConsentAt, "updated_at": time.Now().UTC(),
	})
	if res.Error != nil {
		if IsDuplicate(res.Error) {
			return resident.ErrIDNumberExists
		}
		return translate(res.Error, nil)
	}
	if res.RowsAffected == 0 {
		return errDependentNotFound
	}
	return nil
}

// DeleteDependent soft-deletes a dependent (registrations keep referring to it).
func (s *ResidentStore) DeleteDependent(ctx context.Context, userID, id int64) error {
	// The ID number is free again for a member added later.
	res := s.g(ctx).Model(&dependentRow{}).Where("id = ? AND user_id = ? AND deleted_at IS NULL", id, userID).
		Updates(map[string]any{"id_number_key": nil, "deleted_at": time.Now().UTC()})
	if res.Error != nil {
		return translate(res.Error, nil)
	}
	if res.RowsAffected == 0 {
		return errDependentNotFound
	}
	return nil
}

// ListCommunities lists communities by id.
func (s *ResidentStore) ListCommunities(ctx context.Context) ([]resident.Community, error) {
	return findAs(s.g(ctx).Order("id"), toCommunity)
}

// Community loads one community.
func (s *ResidentStore) Community(ctx context.Context, id int64) (resident.Community, error) {
	return byID(s.g(ctx), id, errs.NotFound("COMMUNITY_NOT_FOUND", "社区不存在"), toCommunity)
}

// CreateCommunity inserts a community.
func (s *ResidentStore) CreateCommunity(ctx context.Context, c *resident.Community) error {
	if c.SubdistrictID == 0 {
		def, err := s.DefaultSubdistrictID(ctx)
		if err != nil {
			return err
		}
		c.SubdistrictID = def
	}
	r := communityRow{Name: c.Name, Address: c.Address, SubdistrictID: c.SubdistrictID}
	if c.SupportThreshold > 0 {
		t := c.SupportThreshold
		r.SupportThreshold = &t
	}
	if err := s.db.transaction(ctx, func(tx *gorm.DB) error { return tx.Create(&r).Error }); err != nil {
		return translate(err, nil)
	}
	c.ID, c.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// EnsureCommunity returns the community named name, creating it if needed.
func (s *ResidentStore) EnsureCommunity(ctx context.Context, name string) (resident.Community, error) {
	def, err := s.DefaultSubdistrictID(ctx)
	if err != nil {
		return resident.Community{}, err
	}
	r := communityRow{Name: name, SubdistrictID: def}
	if err := createUnlessExists(s.g(ctx), &r).Error; err != nil {
		return resident.Community{}, translate(err, nil)
	}
	return firstAs(s.g(ctx).Where("name = ?", name), nil, toCommunity)
}

// GrantRole adds a role (idempotent).
func (s *ResidentStore) GrantRole(ctx context.Context, userID int64, r resident.Role, by int64) error {
	row := roleRow{UserID: userID, Role: r.Role, CommunityID: r.CommunityID, OrgID: r.OrgID, SubdistrictID: r.SubdistrictID, GrantedBy: by}
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		return createUnlessExists(tx, &row).Error
	}), nil)
}

// RevokeRole removes a role. Removing an admin role locks every admin
// row first, so of two admins removing each other at once one waits, sees
// the other gone and is refused (resident.ErrLastAdmin).
func (s *ResidentStore) RevokeRole(ctx context.Context, userID int64, r resident.Role) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		if r.Role == resident.RoleAdmin {
			q := s.db.forUpdate(tx.Model(&roleRow{}).Where("role = ? AND subdistrict_id = 0", resident.RoleAdmin))
			var ids []int64
			if err := q.Pluck("user_id", &ids).Error; err != nil {
				return err
			}
		}
		res := tx.Where("user_id = ? AND role = ? AND community_id = ? AND org_id = ? AND subdistrict_id = ?", userID, r.Role, r.CommunityID, r.OrgID, r.SubdistrictID).Delete(&roleRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.NotFound("ROLE_NOT_FOUND", "该用户没有这个角色")
		}
		if r.Role == resident.RoleAdmin && r.SubdistrictID == 0 {
			var left int64
			// A locking read: what is committed now, not the snapshot.
			q := s.db.forUpdate(tx.Model(&roleRow{}).Where("role = ? AND subdistrict_id = 0", resident.RoleAdmin))
			if err := q.Count(&left).Error; err != nil {
				return err
			}
			if left == 0 {
				return resident.ErrLastAdmin // rolls the delete back
			}
		}
		return nil
	}), nil)
}

// SaveRefresh stores a new refresh token.
func (s *ResidentStore) SaveRefresh(ctx context.Context, t auth.RefreshToken) error {
	return translate(s.g(ctx).Create(&refreshTokenRow{Hash: t.Hash, UserID: t.UserID, FamilyID: t.FamilyID, ExpiresAt: t.ExpiresAt.UTC()}).Error, nil)
}

// RefreshFamilyOwner returns the user whose login the refresh-token family
// is (revoked or not), or 0 when no such family is stored.
func (s *ResidentStore) RefreshFamilyOwner(ctx context.Context, family string) (int64, error) {
	var ids []int64
	if err := s.g(ctx).Model(&refreshTokenRow{}).Where("family_id = ?", family).Limit(1).Pluck("user_id", &ids).Error; err != nil {
		return 0, translate(err, nil)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// RevokeRefresh revokes the refresh tokens of one login of the user (its
// family), or of every login of the user when family is empty. Tokens of
// another user's family are left alone; revoking a revoked login changes
// nothing.
func (s *ResidentStore) RevokeRefresh(ctx context.Context, userID int64, family string, now time.Time) error {
	q := s.g(ctx).Model(&refreshTokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID)
	if family != "" {
		q = q.Where("family_id = ?", family)
	}
	return translate(q.Update("revoked_at", now.UTC()).Error, nil)
}

// RotateRefresh replaces a refresh token atomically; reuse revokes the family.
func (s *ResidentStore) RotateRefresh(ctx context.Context, old string, next auth.RefreshToken, now time.Time) (int64, error) {
	var userID int64
	reused := false
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		var r refreshTokenRow
		if err := s.db.forUpdate(tx).Where("hash = ?", old).First(&r).Error; err != nil {
			return translate(err, errs.NotFound("REFRESH_NOT_FOUND", "登录已失效"))
		}
		if r.FamilyID != next.FamilyID || r.RevokedAt != nil || !now.Before(r.ExpiresAt) {
			return errs.NotFound("REFRESH_NOT_FOUND", "登录已失效")
		}
		if r.RotatedAt != nil {
			reused, userID = true, r.UserID
			return tx.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", r.FamilyID).
				Update("revoked_at", now.UTC()).Error
		}
		// Mark rotated only if nobody else rotated it concurrently.
		res := tx.Model(&refreshTokenRow{}).Where("hash = ? AND rotated_at IS NULL", old).Update("rotated_at", now.UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			reused, userID = true, r.UserID
			return tx.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", r.FamilyID).
				Update("revoked_at", now.UTC()).Error
		}
		userID = r.UserID
		return tx.Create(&refreshTokenRow{Hash: next.Hash, UserID: r.UserID, FamilyID: r.FamilyID, ExpiresAt: next.ExpiresAt.UTC()}).Error
	})
	if err != nil {
		return 0, translate(err, nil)
	}
	if reused {
		return userID, auth.ErrRefreshReused
	}
	return userID, nil
}
