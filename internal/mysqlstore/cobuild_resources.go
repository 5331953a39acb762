package mysqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
)

// idList writes ids as "1,2,3".
func idList(ids []int64) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, ",")
}

// joinIDs writes ids as ",1,2,3," (LIKE "%,2,%" finds one of them); none
// is "".
func joinIDs(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	return "," + idList(ids) + ","
}

// splitIDs reads the ids joinIDs or idList wrote.
func splitIDs(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(strings.Trim(s, ","), ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func toResource(r cbResourceRow, unitName string) cobuild.Resource {
	return cobuild.Resource{ID: r.ID, UnitID: r.UnitID, UnitName: unitName, Kind: r.Kind, Title: r.Title, Description: r.Description,
		Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Claimed: r.Claimed, CommunityIDs: splitIDs(r.Communities), RoomID: r.RoomID,
		ValidFrom: r.ValidFrom.UTC(), ValidTo: r.ValidTo.UTC(), Status: r.Status, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

// UnitRoom reports whether roomID is an active room the unit owns.
func (s *CobuildStore) UnitRoom(ctx context.Context, unitID, roomID int64) (bool, error) {
	var n int64
	err := s.g(ctx).Model(&roomRow{}).Where("id = ? AND org_id = ? AND active", roomID, unitID).Count(&n).Error
	return n > 0, err
}

// CreateResource inserts a resource.
func (s *CobuildStore) CreateResource(ctx context.Context, res *cobuild.Resource) error {
	now := res.CreatedAt.UTC()
	r := cbResourceRow{UnitID: res.UnitID, Kind: res.Kind, Title: res.Title, Description: res.Description, Quantity: res.Quantity,
		QuantityUnit: res.QuantityUnit, Communities: joinIDs(res.CommunityIDs), RoomID: res.RoomID, ValidFrom: res.ValidFrom.UTC(),
		ValidTo: res.ValidTo.UTC(), Status: res.Status, CreatedBy: res.CreatedBy, CreatedAt: now, UpdatedAt: now}
	if err := s.db.transaction(ctx, func(tx *gorm.DB) error { r.ID = 0; return tx.Create(&r).Error }); err != nil {
		return translate(err, nil)
	}
	res.ID = r.ID
	return nil
}

// orgNames maps organisation ids to names.
func (s *CobuildStore) orgNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return orgNames(s.g(ctx), ids)
}

func (s *CobuildStore) toResources(ctx context.Context, rows []cbResourceRow) ([]cobuild.Resource, error) {
	return joined(ctx, rows, func(r cbResourceRow) int64 { return r.UnitID }, s.orgNames, toResource)
}

// Resource loads one resource.
func (s *CobuildStore) Resource(ctx context.Context, id int64) (cobuild.Resource, error) {
	return byIDFilled(ctx, s.g(ctx), id, cobuild.ErrResourceNotFound, s.toResources)
}

// Resources lists resources newest first.
func (s *CobuildStore) Resources(ctx context.Context, f cobuild.ResourceFilter) ([]cobuild.Resource, error) {
	q := s.g(ctx).Model(&cbResourceRow{})
	if f.CommunityID != 0 {
		q = q.Where("(communities = '' OR communities LIKE ?)", "%,"+strconv.FormatInt(f.CommunityID, 10)+",%")
	}
	q = whereEq(q, "unit_id", f.UnitID)
	q = whereEq(q, "kind", f.Kind)
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []cbResourceRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.toResources(ctx, rows)
}

// ClaimResource applies cobuild.Resource.Take to the locked resource and
// writes the claim and its own project.
func (s *CobuildStore) ClaimResource(ctx context.Context, c cobuild.ResourceClaim) (cobuild.Claim, error) {
	var out cobuild.Claim
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		var rr cbResourceRow
		if err := s.db.forUpdate(tx).First(&rr, c.ResourceID).Error; err != nil {
			return translate(err, cobuild.ErrResourceNotFound)
		}
		res := toResource(rr, "")
		qty, err := res.Take(c.CommunityID, c.Quantity, c.Now)
		if err != nil {
			return err
		}
		now := c.Now.UTC()
		p := cbProjectRow{ResourceID: rr.ID, CommunityID: c.CommunityID, Title: rr.Title, Category: rr.Kind, QuantityUnit: rr.QuantityUnit,
			Quantity: qty, Plan: c.Plan, Status: cobuild.ProjectClaimed, DueAt: tptr(rr.ValidTo), Milestones: "[]", Evidence: "{}", CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		cl := cbClaimRow{ResourceID: rr.ID, UnitID: rr.UnitID, CommunityID: c.CommunityID, Quantity: qty, Plan: c.Plan, ProjectID: p.ID,
			Status: cobuild.ClaimActive, ClaimedBy: c.By, CreatedAt: now}
		if err := tx.Create(&cl).Error; err != nil {
			return err
		}
		if err := tx.Create(&cbPartyRow{ProjectID: p.ID, UnitID: rr.UnitID, Quantity: qty, ClaimID: cl.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&cbResourceRow{}).Where("id = ?", rr.ID).Updates(map[string]any{"claimed": rr.Claimed + qty, "updated_at": now}).Error; err != nil {
			return err
		}
		out = toCbClaim(cl)
		return nil
	})
	return out, translate(err, nil)
}

// ---- report-ins ----

func (s *CobuildStore) toReportIns(ctx context.Context, rows []cbReportInRow) ([]cobuild.ReportIn, error) {
	orgs, users := make([]int64, 0, len(rows)), make([]int64, 0, len(rows))
	for _, r := range rows {
		orgs, users = append(orgs, r.WorkplaceOrgID), append(users, r.UserID)
	}
	names, err := s.orgNames(ctx, orgs)
	if err != nil {
		return nil, err
	}
	people, err := userNames(s.g(ctx), users)
	if err != nil {
		return nil, err
	}
	out := make([]cobuild.ReportIn, 0, len(rows))
	for _, r := range rows {
		out = append(out, cobuild.ReportIn{UserID: r.UserID, UserName: people[r.UserID], CommunityID: r.CommunityID, WorkplaceOrgID: r.WorkplaceOrgID,
			WorkplaceName: names[r.WorkplaceOrgID], Status: r.Status, Note: r.Note, ReviewedAt: utcPtr(r.ReviewedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()})
	}
	return out, nil
}

// SaveReportIn creates or replaces a member's report-in (pending again).
func (s *CobuildStore) SaveReportIn(ctx context.Context, r cobuild.ReportIn) error {
	now := r.CreatedAt.UTC()
	row := cbReportInRow{UserID: r.UserID, CommunityID: r.CommunityID, WorkplaceOrgID: r.WorkplaceOrgID, Status: r.Status, CreatedAt: now, UpdatedAt: now}
	return translate(s.g(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.Assignments(map[string]any{"community_id": r.CommunityID, "workplace_org_id": r.WorkplaceOrgID, "status": r.Status,
			"reviewed_by": 0, "reviewed_at": nil, "note": "", "updated_at": now})}).Create(&row).Error, nil)
}

// ReportIn loads a member's report-in.
func (s *CobuildStore) ReportIn(ctx context.Context, userID int64) (cobuild.ReportIn, error) {
	var r cbReportInRow
	if err := s.g(ctx).Where("user_id = ?", userID).First(&r).Error; err != nil {
		return cobuild.ReportIn{}, translate(err, errs.NotFound("REPORT_IN_NOT_FOUND", "报到记录不存在"))
	}
	out, err := s.toReportIns(ctx, []cbReportInRow{r})
	if err != nil {
		return cobuild.ReportIn{}, err
	}
	return out[0], nil
}

// ReportIns lists report-ins of communities (nil: every one), newest
// change first, keyset-paged (see cobuild.ReportInStore); indexes
// idx_report_ins_community_status_updated and _community_updated.
func (s *CobuildStore) ReportIns(ctx context.Context, communityIDs []int64, status string, after *page.Cursor, limit int) ([]cobuild.ReportIn, error) {
	q := s.g(ctx).Model(&cbReportInRow{})
	if communityIDs != nil {
		q = q.Where("community_id IN ?", communityIDs)
	}
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if after != nil {
		at := time.UnixMicro(after.Key).UTC()
		q = q.Where("(updated_at < ? OR (updated_at = ? AND user_id < ?))", at, at, after.ID)
	}
	var rows []cbReportInRow
	if err := q.Order("updated_at DESC, user_id DESC").Limit(page.WithinPeek(limit, page.DefaultLimit)).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.toReportIns(ctx, rows)
}

// ReviewReportIn records the outcome of a pending report-in; a
// confirmation sets the member's party organisation (their workplace's)
// and reporting community, so their hours roll up to both. The decision
// is on the report-in r as staff read it: one the member submitted anew
// meanwhile (another community or workplace) is left pending
// (REPORT_IN_CHANGED), so staff never decide for a community that no
// longer holds it.
func (s *CobuildStore) ReviewReportIn(ctx context.Context, r cobuild.ReportIn, notices []notify.Notice) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&cbReportInRow{}).Where("user_id = ? AND status = ? AND community_id = ? AND workplace_org_id = ?",
			r.UserID, cobuild.ReportPending, r.CommunityID, r.WorkplaceOrgID).
			Updates(map[string]any{"status": r.Status, "note": r.Note, "reviewed_at": utcPtr(r.ReviewedAt), "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var cur cbReportInRow
			if err := tx.Where("user_id = ?", r.UserID).First(&cur).Error; err == nil && cur.Status == cobuild.ReportPending {
				return errs.Conflict("REPORT_IN_CHANGED", "该党员已重新提交报到信息，请刷新后再处理")
			}
			return errs.Conflict("REPORT_IN_REVIEWED", "该报到已处理")
		}
		if r.Status == cobuild.ReportConfirmed {
			now := time.Now().UTC()
			m := partyMembershipRow{UserID: r.UserID, OrgID: r.WorkplaceOrgID, CommunityID: r.CommunityID, CreatedAt: now, UpdatedAt: now}
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"org_id", "community_id", "updated_at"})}).Create(&m).Error; err != nil {
				return err
			}
		}
		return AddNotices(tx, notices)
	}), nil)
}

// OrgName returns an organisation's name and type.
func (s *CobuildStore) OrgName(ctx context.Context, id int64) (string, string, error) {
	var r organizationRow
	if err := s.g(ctx).First(&r, id).Error; err != nil {
		return "", "", translate(err, errs.NotFound("ORG_NOT_FOUND", "组织不存在"))
	}
	return r.Name, r.Type, nil
}
