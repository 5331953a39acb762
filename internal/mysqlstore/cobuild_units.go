package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/media"
)

var errCbUnitNotFound = errs.NotFound("UNIT_NOT_FOUND", "共建单位不存在")

// CreateUnit inserts the organisation and the unit in one transaction.
func (s *CobuildStore) CreateUnit(ctx context.Context, u *cobuild.Unit) error {
	err := s.db.transaction(ctx, func(tx *gorm.DB) error { return createUnitIn(tx, u) })
	if IsDuplicate(err) {
		return errs.Conflict("UNIT_EXISTS", "同名单位或组织已存在")
	}
	return translate(err, nil)
}

// CreateUnits inserts every unit or none.
func (s *CobuildStore) CreateUnits(ctx context.Context, us []cobuild.Unit) error {
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		for i := range us {
			if err := createUnitIn(tx, &us[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if IsDuplicate(err) {
		return errs.Conflict("UNIT_EXISTS", "同名单位或组织已存在")
	}
	return translate(err, nil)
}

// createUnitIn inserts u with a new organisation, or, when u.ID is set,
// makes that existing organisation the unit (its type becomes a unit's;
// the communities it served stay, the unit's are added).
func createUnitIn(tx *gorm.DB, u *cobuild.Unit) error {
	now := time.Now().UTC()
	org := organizationRow{ID: u.ID, Name: u.Name, Type: cobuild.OrgTypeUnit, CreatedAt: now}
	if u.ID != 0 {
		if err := tx.Model(&organizationRow{}).Where("id = ? AND type <> ?", u.ID, cobuild.OrgTypeParty).Update("type", cobuild.OrgTypeUnit).Error; err != nil {
			return err
		}
	} else if err := tx.Create(&org).Error; err != nil {
		return err
	}
	u.ID, u.CreatedAt = org.ID, now
	for _, c := range u.CommunityIDs {
		if err := createUnlessExists(tx, &orgCommunityRow{OrgID: org.ID, CommunityID: c}).Error; err != nil {
			return err
		}
	}
	if err := tx.Create(&cbUnitRow{OrgID: org.ID, Kind: u.Kind, PartyOrgID: u.PartyOrgID, Status: u.Status, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
		return err
	}
	for _, c := range u.Contacts {
		if err := tx.Create(&cbContactRow{OrgID: org.ID, Name: c.Name, PhoneSealed: c.PhoneSealed, PhoneHash: c.PhoneHash, PhoneMasked: c.PhoneMasked, CreatedAt: now}).Error; err != nil {
			return err
		}
	}
	for _, a := range u.Agreements {
		if err := tx.Create(&cbAgreementRow{OrgID: org.ID, CommunityID: a.CommunityID, StartsOn: a.StartsOn, EndsOn: a.EndsOn,
			Content: a.Content, DocumentRef: a.DocumentRef, CreatedAt: now}).Error; err != nil {
			return err
		}
		if a.DocumentRef != "" {
			if err := attachMedia(tx, a.DocumentRef, "agreement", org.ID, a.CommunityID, org.ID, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// Unit loads one unit with its communities, contacts and agreements.
func (s *CobuildStore) Unit(ctx context.Context, id int64) (cobuild.Unit, error) {
	us, err := s.units(ctx, []int64{id})
	if err != nil {
		return cobuild.Unit{}, err
	}
	if len(us) == 0 {
		return cobuild.Unit{}, errCbUnitNotFound
	}
	return us[0], nil
}

// Units lists every unit by id.
func (s *CobuildStore) Units(ctx context.Context) ([]cobuild.Unit, error) { return s.units(ctx, nil) }

// UnitIDs lists every unit's id.
func (s *CobuildStore) UnitIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&cbUnitRow{}).Pluck("org_id", &ids).Error
	return ids, translate(err, nil)
}

func (s *CobuildStore) units(ctx context.Context, ids []int64) ([]cobuild.Unit, error) {
	g := s.g(ctx)
	var rows []struct {
		OrgID      int64
		Kind       string
		PartyOrgID int64
		Status     string
		CreatedAt  time.Time
		Name       string
	}
	q := g.Table("cobuild_units u").Select("u.org_id, u.kind, u.party_org_id, u.status, u.created_at, o.name").Joins("JOIN organizations o ON o.id = u.org_id").Order("u.org_id")
	if ids != nil {
		q = q.Where("u.org_id IN ?", ids)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(rows) == 0 {
		return []cobuild.Unit{}, nil
	}
	keys := make([]int64, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, r.OrgID)
	}
	var comms []orgCommunityRow
	var contacts []cbContactRow
	var agreements []cbAgreementRow
	if err := g.Where("org_id IN ?", keys).Order("community_id").Find(&comms).Error; err != nil {
		return nil, translate(err, nil)
	}
	if err := g.Where("org_id IN ?", keys).Order("id").Find(&contacts).Error; err != nil {
		return nil, translate(err, nil)
	}
	if err := g.Where("org_id IN ?", keys).Order("id").Find(&agreements).Error; err != nil {
		return nil, translate(err, nil)
	}
	byID := map[int64]*cobuild.Unit{}
	out := make([]cobuild.Unit, len(rows))
	for i, r := range rows {
		out[i] = cobuild.Unit{ID: r.OrgID, Name: r.Name, Kind: r.Kind, PartyOrgID: r.PartyOrgID, Status: r.Status, CreatedAt: r.CreatedAt.UTC()}
		byID[r.OrgID] = &out[i]
	}
	for _, c := range comms {
		byID[c.OrgID].CommunityIDs = append(byID[c.OrgID].CommunityIDs, c.CommunityID)
	}
	for _, c := range contacts {
		byID[c.OrgID].Contacts = append(byID[c.OrgID].Contacts, cobuild.Contact{Name: c.Name, PhoneMasked: c.PhoneMasked})
	}
	for _, a := range agreements {
		byID[a.OrgID].Agreements = append(byID[a.OrgID].Agreements, cobuild.Agreement{CommunityID: a.CommunityID,
			StartsOn: a.StartsOn, EndsOn: a.EndsOn, Content: a.Content, DocumentRef: a.DocumentRef})
	}
	return out, nil
}

// OrgNames maps every organisation's name to its id.
func (s *CobuildStore) OrgNames(ctx context.Context) (map[string]int64, error) {
	return orgMap(s.g(ctx), "id, name", func(r organizationRow) (string, int64) { return r.Name, r.ID })
}

// OrgTypes maps every organisation's id to its type.
func (s *CobuildStore) OrgTypes(ctx context.Context) (map[int64]string, error) {
	return orgMap(s.g(ctx), "id, type", func(r organizationRow) (int64, string) { return r.ID, r.Type })
}

// orgMap reads the columns cols of every organisation and maps each by
// entry's key to its value.
func orgMap[K comparable, V any](g *gorm.DB, cols string, entry func(organizationRow) (K, V)) (map[K]V, error) {
	var rows []organizationRow
	if err := g.Select(cols).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make(map[K]V, len(rows))
	for _, r := range rows {
		k, v := entry(r)
		out[k] = v
	}
	return out, nil
}

// attachMedia records that an upload belongs to a co-building object.
func attachMedia(tx *gorm.DB, ref, kind string, objectID, communityID, unitID int64, public bool) error {
	id, ok := media.ParseRef(ref)
	if !ok {
		return nil
	}
	return tx.Save(&cbMediaRow{UploadID: id, Kind: kind, ObjectID: objectID, CommunityID: communityID, UnitID: unitID, Public: public, CreatedAt: time.Now().UTC()}).Error
}

// SetUnitStatus sets a unit's status.
func (s *CobuildStore) SetUnitStatus(ctx context.Context, id int64, status string) error {
	if _, err := s.UnitStatus(ctx, id); err != nil {
		return err
	}
	return translate(s.g(ctx).Model(&cbUnitRow{}).Where("org_id = ?", id).
		Updates(map[string]any{"status": status, "updated_at": time.Now().UTC()}).Error, nil)
}

// UnitStatus returns a unit's status.
func (s *CobuildStore) UnitStatus(ctx context.Context, id int64) (string, error) {
	var r cbUnitRow
	if err := s.g(ctx).Select("org_id, status").First(&r, id).Error; err != nil {
		return "", translate(err, errCbUnitNotFound)
	}
	return r.Status, nil
}
