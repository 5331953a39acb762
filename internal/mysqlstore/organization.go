package mysqlstore

import (
	"context"

	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

// ---- organisations ----

func toOrg(r organizationRow, communities []int64) activity.Organization {
	return activity.Organization{ID: r.ID, Name: r.Name, Type: r.Type, ParentID: r.ParentID, CommunityIDs: communities, CreatedAt: r.CreatedAt}
}

// CreateOrganization inserts an organisation with its communities.
func (s *ActivityStore) CreateOrganization(ctx context.Context, o *activity.Organization) error {
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		r := organizationRow{Name: o.Name, Type: o.Type, ParentID: o.ParentID}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		for _, c := range o.CommunityIDs {
			if err := tx.Create(&orgCommunityRow{OrgID: r.ID, CommunityID: c}).Error; err != nil {
				return err
			}
		}
		o.ID, o.CreatedAt = r.ID, r.CreatedAt
		return nil
	})
	if IsDuplicate(err) {
		return errs.Conflict("ORGANIZATION_EXISTS", "同名组织已存在")
	}
	return translate(err, nil)
}

func (s *ActivityStore) orgCommunities(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	var rows []orgCommunityRow
	if err := s.g(ctx).Where("org_id IN ?", ids).Order("community_id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.OrgID] = append(out[r.OrgID], r.CommunityID)
	}
	return out, nil
}

// Organization loads one organisation.
func (s *ActivityStore) Organization(ctx context.Context, id int64) (activity.Organization, error) {
	return byIDFilled(ctx, s.g(ctx), id, errOrgNotFound, s.toOrgs)
}

// toOrgs completes organisations with their communities.
func (s *ActivityStore) toOrgs(ctx context.Context, rows []organizationRow) ([]activity.Organization, error) {
	return joined(ctx, rows, func(r organizationRow) int64 { return r.ID }, s.orgCommunities, toOrg)
}

// ListOrganizations lists every organisation.
func (s *ActivityStore) ListOrganizations(ctx context.Context) ([]activity.Organization, error) {
	var rows []organizationRow
	if err := s.g(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.toOrgs(ctx, rows)
}
