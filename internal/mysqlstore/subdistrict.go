package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// subdistrictRow is a subdistrict (街道) of the district the deployment serves.
type subdistrictRow struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	Name      string `gorm:"size:64;not null;uniqueIndex:uq_subdistricts_name"`
	CreatedAt time.Time
}

func (subdistrictRow) TableName() string { return "subdistricts" }

// DefaultSubdistrict is where communities that existed before subdistricts
// live (and new ones when none is named).
const DefaultSubdistrict = "默认街道"

// subdistrictMigrations: subdistricts; every community in one (existing
// ones in 默认街道); admin roles limited to a subdistrict.
var subdistrictMigrations = []Migration{
	{ID: "1100_subdistricts", Up: func(tx *gorm.DB) error {
		if err := createTables(&subdistrictRow{}, &communityRow{}, &roleRow{})(tx); err != nil {
			return err
		}
		def := subdistrictRow{Name: DefaultSubdistrict}
		if err := createUnlessExists(tx, &def).Error; err != nil {
			return err
		}
		if err := tx.Where("name = ?", DefaultSubdistrict).First(&def).Error; err != nil {
			return err
		}
		if err := tx.Model(&communityRow{}).Where("subdistrict_id = 0").Update("subdistrict_id", def.ID).Error; err != nil {
			return err
		}
		// The role's unique key now names the subdistrict too.
		m := tx.Migrator()
		if m.HasIndex(&roleRow{}, "uq_user_roles") {
			if err := m.DropIndex(&roleRow{}, "uq_user_roles"); err != nil {
				return err
			}
		}
		return m.CreateIndex(&roleRow{}, "uq_user_roles")
	}},
	// A community's own 议事厅 support threshold (NULL: the configured
	// default).
	{ID: "1350_communities_support_threshold", Up: func(tx *gorm.DB) error {
		if m := tx.Migrator(); !m.HasColumn(&communityRow{}, "SupportThreshold") {
			return m.AddColumn(&communityRow{}, "SupportThreshold")
		}
		return nil
	}},
}

var errSubdistrictNotFound = errs.NotFound("SUBDISTRICT_NOT_FOUND", "街道不存在")

func toSubdistrict(r subdistrictRow, communities int) resident.Subdistrict {
	return resident.Subdistrict{ID: r.ID, Name: r.Name, CommunityCount: communities, CreatedAt: r.CreatedAt}
}

// ListSubdistricts lists subdistricts by id with their community counts
// (ids empty: all).
func (s *ResidentStore) ListSubdistricts(ctx context.Context, ids []int64) ([]resident.Subdistrict, error) {
	q := s.g(ctx).Order("id")
	if ids != nil {
		q = q.Where("id IN ?", append(ids, 0))
	}
	var rows []subdistrictRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	var counts []struct {
		SubdistrictID int64
		N             int
	}
	if err := s.g(ctx).Model(&communityRow{}).Select("subdistrict_id, COUNT(*) AS n").Group("subdistrict_id").Scan(&counts).Error; err != nil {
		return nil, translate(err, nil)
	}
	n := map[int64]int{}
	for _, c := range counts {
		n[c.SubdistrictID] = c.N
	}
	out := make([]resident.Subdistrict, 0, len(rows))
	for _, r := range rows {
		out = append(out, toSubdistrict(r, n[r.ID]))
	}
	return out, nil
}

// Subdistrict loads one subdistrict.
func (s *ResidentStore) Subdistrict(ctx context.Context, id int64) (resident.Subdistrict, error) {
	return byID(s.g(ctx), id, errSubdistrictNotFound, func(r subdistrictRow) resident.Subdistrict { return toSubdistrict(r, 0) })
}

// DefaultSubdistrictID is the id of 默认街道.
func (s *ResidentStore) DefaultSubdistrictID(ctx context.Context) (int64, error) {
	var r subdistrictRow
	if err := s.g(ctx).Where("name = ?", DefaultSubdistrict).First(&r).Error; err != nil {
		return 0, translate(err, errSubdistrictNotFound)
	}
	return r.ID, nil
}

var errSubdistrictExists = errs.Conflict("SUBDISTRICT_EXISTS", "同名街道已存在")

// CreateSubdistrict inserts a subdistrict.
func (s *ResidentStore) CreateSubdistrict(ctx context.Context, d *resident.Subdistrict) error {
	r := subdistrictRow{Name: d.Name}
	err := s.db.transaction(ctx, func(tx *gorm.DB) error { return tx.Create(&r).Error })
	if IsDuplicate(err) {
		return errSubdistrictExists
	}
	if err != nil {
		return translate(err, nil)
	}
	d.ID, d.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// RenameSubdistrict renames a subdistrict.
func (s *ResidentStore) RenameSubdistrict(ctx context.Context, id int64, name string) error {
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&subdistrictRow{}).Where("id = ?", id).Update("name", name)
		if res.Error == nil && res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&subdistrictRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return errSubdistrictNotFound
			}
		}
		return res.Error
	})
	if IsDuplicate(err) {
		return errSubdistrictExists
	}
	return translate(err, nil)
}

// UpdateCommunity changes a community's name, address, subdistrict or
// support threshold (0: back to the default).
func (s *ResidentStore) UpdateCommunity(ctx context.Context, c resident.Community) error {
	var threshold *int
	if c.SupportThreshold > 0 {
		threshold = &c.SupportThreshold
	}
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		var r communityRow
		if err := tx.First(&r, c.ID).Error; err != nil {
			return translate(err, errs.NotFound("COMMUNITY_NOT_FOUND", "社区不存在"))
		}
		return tx.Model(&communityRow{}).Where("id = ?", c.ID).
			Updates(map[string]any{"name": c.Name, "address": c.Address, "subdistrict_id": c.SubdistrictID, "support_threshold": threshold}).Error
	})
	if IsDuplicate(err) {
		return errs.Conflict("COMMUNITY_EXISTS", "同名社区已存在")
	}
	return translate(err, nil)
}

// subdistrictCommunities maps each of the subdistricts to its communities.
func (s *ResidentStore) subdistrictCommunities(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []communityRow
	if err := s.g(ctx).Select("id, subdistrict_id").Where("subdistrict_id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	for _, r := range rows {
		out[r.SubdistrictID] = append(out[r.SubdistrictID], r.ID)
	}
	return out, nil
}
