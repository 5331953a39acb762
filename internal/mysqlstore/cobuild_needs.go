package mysqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// CobuildStore implements cobuild.Store.
type CobuildStore struct{ base }

// NewCobuildStore returns the co-building store.
func NewCobuildStore(db *DB) *CobuildStore { return &CobuildStore{base{db}} }

var _ cobuild.Store = (*CobuildStore)(nil)

func tptr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func tval(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toNeed(r cbNeedRow) cobuild.Need {
	return cobuild.Need{ID: r.ID, CommunityID: r.CommunityID, Category: r.Category, Title: r.Title, Description: r.Description,
		Place: r.Place, Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Claimed: r.Claimed, Beneficiaries: r.Beneficiaries,
		Deadline: tval(r.Deadline), Shareable: r.Shareable, Status: r.Status, Source: r.Source, SourceID: r.SourceID,
		ProjectID: r.ProjectID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

func fromNeed(n cobuild.Need) cbNeedRow {
	return cbNeedRow{ID: n.ID, CommunityID: n.CommunityID, Category: n.Category, Title: n.Title, Description: n.Description,
		Place: n.Place, Quantity: n.Quantity, QuantityUnit: n.QuantityUnit, Claimed: n.Claimed, Beneficiaries: n.Beneficiaries,
		Deadline: tptr(n.Deadline), Shareable: n.Shareable, Status: n.Status, Source: n.Source, SourceID: n.SourceID,
		ProjectID: n.ProjectID, CreatedBy: n.CreatedBy, CreatedAt: n.CreatedAt.UTC()}
}

// CreateNeed inserts a need with its notices.
func (s *CobuildStore) CreateNeed(ctx context.Context, n *cobuild.Need, notices []notify.Notice) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		return s.createNeedIn(tx, n, notices)
	}), nil)
}

func (s *CobuildStore) createNeedIn(tx *gorm.DB, n *cobuild.Need, notices []notify.Notice) error {
	r := fromNeed(*n)
	if err := tx.Create(&r).Error; err != nil {
		return err
	}
	n.ID, n.CreatedAt = r.ID, r.CreatedAt.UTC()
	return AddNotices(tx, notices)
}

// Need loads one need.
func (s *CobuildStore) Need(ctx context.Context, id int64) (cobuild.Need, error) {
	return byID(s.g(ctx), id, cobuild.ErrNeedNotFound, toNeed)
}

// Needs lists needs newest first (keyset by id).
func (s *CobuildStore) Needs(ctx context.Context, f cobuild.NeedFilter) ([]cobuild.Need, error) {
	q := s.g(ctx).Model(&cbNeedRow{})
	if len(f.CommunityIDs) > 0 {
		q = q.Where("community_id IN ?", f.CommunityIDs)
	}
	q = whereEq(q, "category", f.Category)
	if len(f.Statuses) > 0 {
		where, args := needStatusesAt(f.Statuses, f.At)
		q = q.Where(where, args...)
	}
	if f.AfterID > 0 {
		q = q.Where("id < ?", f.AfterID)
	}
	return findAs(q.Order("id DESC").Limit(f.Limit), toNeed)
}

// needStatusesAt is the condition of needs whose shown status
// (cobuild.Need.StatusAt at at) is one of statuses: an open row is open
// while its deadline has not passed, expired after. In SQL, so that keyset
// pages hold only matching needs.
func needStatusesAt(statuses []string, at time.Time) (string, []any) {
	conds := make([]string, 0, len(statuses))
	args := []any{}
	for _, st := range statuses {
		switch st {
		case cobuild.NeedOpen:
			conds = append(conds, "(status = ? AND (deadline IS NULL OR deadline >= ?))")
			args = append(args, cobuild.NeedOpen, at.UTC())
		case cobuild.NeedExpired:
			conds = append(conds, "(status = ? AND deadline < ?)")
			args = append(args, cobuild.NeedOpen, at.UTC())
		default:
			conds = append(conds, "status = ?")
			args = append(args, st)
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// ClaimNeed applies cobuild.Need.Take to the locked need and writes the
// claim and its project in the same transaction.
func (s *CobuildStore) ClaimNeed(ctx context.Context, req cobuild.ClaimRequest) (cobuild.Claim, error) {
	// A need already taken or closed is refused from a plain read, without
	// queueing on its row lock: the crowd that arrives after it filled up is
	// answered at once. Grants are decided only under the lock below.
	var peek cbNeedRow
	if err := s.g(ctx).First(&peek, req.NeedID).Error; err != nil {
		return cobuild.Claim{}, translate(err, cobuild.ErrNeedNotFound)
	}
	if _, err := toNeed(peek).Take(req.UnitID, req.Quantity, false, req.Now); errs.CodeOf(err) == cobuild.ErrNeedFullyClaimed.Code || errs.CodeOf(err) == cobuild.ErrNeedClosed.Code {
		var mine int64
		if err := s.g(ctx).Model(&cbClaimRow{}).Where("need_id = ? AND unit_id = ? AND status = ?", req.NeedID, req.UnitID, cobuild.ClaimActive).Count(&mine).Error; err != nil {
			return cobuild.Claim{}, translate(err, nil)
		}
		if mine > 0 {
			return cobuild.Claim{}, cobuild.ErrAlreadyClaimed
		}
		return cobuild.Claim{}, err
	}
	var out cobuild.Claim
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		var nr cbNeedRow
		if err := s.db.forUpdate(tx).First(&nr, req.NeedID).Error; err != nil {
			return translate(err, cobuild.ErrNeedNotFound)
		}
		need := toNeed(nr)
		var mine int64
		if err := tx.Model(&cbClaimRow{}).Where("need_id = ? AND unit_id = ? AND status = ?", need.ID, req.UnitID, cobuild.ClaimActive).Count(&mine).Error; err != nil {
			return err
		}
		qty, err := need.Take(req.UnitID, req.Quantity, mine > 0, req.Now)
		if err != nil {
			return err
		}
		projectID := int64(0)
		if need.Shareable && need.ProjectID != 0 {
			var p cbProjectRow
			if err := tx.First(&p, need.ProjectID).Error; err != nil {
				return err
			}
			switch p.Status {
			case cobuild.ProjectClaimed, cobuild.ProjectInProgress:
				projectID = p.ID
			case cobuild.ProjectWithdrawn:
			default:
				return cobuild.ErrNeedClosed
			}
		}
		now := req.Now.UTC()
		if projectID == 0 {
			p := cbProjectRow{NeedID: need.ID, CommunityID: need.CommunityID, Title: need.Title, Category: need.Category,
				QuantityUnit: need.QuantityUnit, Plan: req.Plan, Status: cobuild.ProjectClaimed, DueAt: tptr(need.Deadline),
				Milestones: "[]", Evidence: "{}", CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			projectID = p.ID
		}
		c := cbClaimRow{NeedID: need.ID, UnitID: req.UnitID, CommunityID: need.CommunityID, Quantity: qty, Plan: req.Plan,
			ProjectID: projectID, Status: cobuild.ClaimActive, ClaimedBy: req.By, CreatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		if err := tx.Create(&cbPartyRow{ProjectID: projectID, UnitID: req.UnitID, Quantity: qty, ClaimID: c.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&cbProjectRow{}).Where("id = ?", projectID).Updates(map[string]any{"quantity": gorm.Expr("quantity + ?", qty), "updated_at": now}).Error; err != nil {
			return err
		}
		status := cobuild.NeedOpen
		if need.Claimed+qty >= need.Quantity {
			status = cobuild.NeedFull
		}
		upd := map[string]any{"claimed": need.Claimed + qty, "status": status, "updated_at": now}
		if need.Shareable {
			upd["project_id"] = projectID
		}
		if err := tx.Model(&cbNeedRow{}).Where("id = ?", need.ID).Updates(upd).Error; err != nil {
			return err
		}
		// A unit refused earlier that claims now waits no more: it is not
		// told of quantity returning.
		if err := tx.Where("need_id = ? AND unit_id = ?", need.ID, req.UnitID).Delete(&cbRefusalRow{}).Error; err != nil {
			return err
		}
		out = toCbClaim(c)
		return nil
	})
	return out, translate(err, nil)
}

func toCbClaim(r cbClaimRow) cobuild.Claim {
	return cobuild.Claim{ID: r.ID, NeedID: r.NeedID, ResourceID: r.ResourceID, UnitID: r.UnitID, CommunityID: r.CommunityID,
		Quantity: r.Quantity, Plan: r.Plan, ProjectID: r.ProjectID, Status: r.Status, ClaimedBy: r.ClaimedBy,
		CreatedAt: r.CreatedAt.UTC(), WithdrawnAt: utcPtr(r.WithdrawnAt)}
}

// RecordRefusal remembers a unit refused for lack of quantity.
func (s *CobuildStore) RecordRefusal(ctx context.Context, needID, unitID, userID int64) error {
	return translate(createUnlessExists(s.g(ctx), &cbRefusalRow{NeedID: needID, UnitID: unitID, UserID: userID, CreatedAt: time.Now().UTC()}).Error, nil)
}

// Claim loads one claim.
func (s *CobuildStore) Claim(ctx context.Context, id int64) (cobuild.Claim, error) {
	return byID(s.g(ctx), id, cobuild.ErrClaimNotFound, toCbClaim)
}

// lockActiveClaim locks the claim's need or resource (parent: the order
// every claim takes), then the claim id into c, which must still be
// active, and releases its project.
func (s *CobuildStore) lockActiveClaim(tx *gorm.DB, parent any, parentID, id int64, c *cbClaimRow, now time.Time) error {
	if err := s.db.forUpdate(tx).First(parent, parentID).Error; err != nil {
		return err
	}
	if err := s.db.forUpdate(tx).First(c, id).Error; err != nil {
		return err
	}
	if c.Status != cobuild.ClaimActive {
		return errs.Conflict("CLAIM_WITHDRAWN", "该认领已撤回")
	}
	return s.releaseProject(tx, *c, now)
}

// WithdrawClaim returns a claim's quantity unless its project started.
func (s *CobuildStore) WithdrawClaim(ctx context.Context, id, by int64, now time.Time, notices func(cobuild.Claim, []int64) []notify.Notice) (cobuild.Claim, error) {
	var out cobuild.Claim
	now = now.UTC()
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		var c cbClaimRow
		if err := tx.First(&c, id).Error; err != nil {
			return translate(err, cobuild.ErrClaimNotFound)
		}
		// Lock the need or resource first (the order every claim takes).
		var refused []int64
		if c.NeedID != 0 {
			var nr cbNeedRow
			if err := s.lockActiveClaim(tx, &nr, c.NeedID, id, &c, now); err != nil {
				return err
			}
			status := nr.Status
			if status == cobuild.NeedFull {
				status = cobuild.NeedOpen
			}
			if err := tx.Model(&cbNeedRow{}).Where("id = ?", nr.ID).Updates(map[string]any{"claimed": gorm.Expr("claimed - ?", c.Quantity), "status": status, "updated_at": now}).Error; err != nil {
				return err
			}
			var rs []cbRefusalRow
			if err := tx.Where("need_id = ?", nr.ID).Find(&rs).Error; err != nil {
				return err
			}
			// Told it is open again only while units may claim it.
			for _, r := range rs {
				if toNeed(nr).Claimable(now) {
					refused = append(refused, r.UserID)
				}
			}
			if err := tx.Where("need_id = ?", nr.ID).Delete(&cbRefusalRow{}).Error; err != nil {
				return err
			}
		} else {
			var rr cbResourceRow
			if err := s.lockActiveClaim(tx, &rr, c.ResourceID, id, &c, now); err != nil {
				return err
			}
			if err := tx.Model(&cbResourceRow{}).Where("id = ?", rr.ID).Updates(map[string]any{"claimed": gorm.Expr("claimed - ?", c.Quantity), "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&cbClaimRow{}).Where("id = ?", id).Updates(map[string]any{"status": cobuild.ClaimWithdrawn, "withdrawn_by": by, "withdrawn_at": now}).Error; err != nil {
			return err
		}
		c.Status, c.WithdrawnBy, c.WithdrawnAt = cobuild.ClaimWithdrawn, by, &now
		out = toCbClaim(c)
		if notices != nil {
			return AddNotices(tx, notices(out, refused))
		}
		return nil
	})
	return out, translate(err, nil)
}

// releaseProject removes the claim's party from its project (refused once
// work started); a project left without parties is withdrawn.
func (s *CobuildStore) releaseProject(tx *gorm.DB, c cbClaimRow, now time.Time) error {
	var p cbProjectRow
	if err := s.db.forUpdate(tx).First(&p, c.ProjectID).Error; err != nil {
		return err
	}
	if p.Status != cobuild.ProjectClaimed {
		return errs.Conflict("PROJECT_STARTED", "项目已开始实施，不能撤回认领")
	}
	if err := tx.Where("project_id = ? AND unit_id = ?", p.ID, c.UnitID).Delete(&cbPartyRow{}).Error; err != nil {
		return err
	}
	var left int64
	if err := tx.Model(&cbPartyRow{}).Where("project_id = ?", p.ID).Count(&left).Error; err != nil {
		return err
	}
	upd := map[string]any{"quantity": gorm.Expr("quantity - ?", c.Quantity), "updated_at": now}
	if left == 0 {
		upd["status"] = cobuild.ProjectWithdrawn
		upd["closed_at"] = now
	}
	return tx.Model(&cbProjectRow{}).Where("id = ?", p.ID).Updates(upd).Error
}

// ---- projects ----

func (s *CobuildStore) toProjects(ctx context.Context, rows []cbProjectRow) ([]cobuild.Project, error) {
	if len(rows) == 0 {
		return []cobuild.Project{}, nil
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	var parties []struct {
		ProjectID, UnitID, ClaimID int64
		Quantity                   int
		Name                       string
	}
	if err := s.g(ctx).Table("cobuild_project_parties p").Select("p.project_id, p.unit_id, p.claim_id, p.quantity, o.name").Joins("LEFT JOIN organizations o ON o.id = p.unit_id").
		Where("p.project_id IN ?", ids).Order("p.created_at, p.unit_id").Scan(&parties).Error; err != nil {
		return nil, translate(err, nil)
	}
	var ratings []struct {
		ProjectID int64
		N         int
		Total     int
	}
	if err := s.g(ctx).Model(&cbRatingRow{}).Select("project_id, COUNT(*) AS n, SUM(score) AS total").Where("project_id IN ?", ids).
		Group("project_id").Scan(&ratings).Error; err != nil {
		return nil, translate(err, nil)
	}
	byP := map[int64][]cobuild.Party{}
	for _, x := range parties {
		byP[x.ProjectID] = append(byP[x.ProjectID], cobuild.Party{UnitID: x.UnitID, UnitName: x.Name, Quantity: x.Quantity, ClaimID: x.ClaimID})
	}
	rate := map[int64][2]int{}
	for _, r := range ratings {
		rate[r.ProjectID] = [2]int{r.N, r.Total}
	}
	out := make([]cobuild.Project, 0, len(rows))
	for _, r := range rows {
		p := cobuild.Project{ID: r.ID, NeedID: r.NeedID, ResourceID: r.ResourceID, CommunityID: r.CommunityID, Title: r.Title,
			Category: r.Category, Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Plan: r.Plan, Status: r.Status,
			DueAt: tval(r.DueAt), Parties: byP[r.ID], UnitRating: r.UnitRating, UnitComment: r.UnitComment,
			StartedAt: utcPtr(r.StartedAt), DeliveredAt: utcPtr(r.DeliveredAt), EvaluatedAt: utcPtr(r.EvaluatedAt),
			ClosedAt: utcPtr(r.ClosedAt), CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
		_ = json.Unmarshal([]byte(r.Milestones), &p.Milestones)
		_ = json.Unmarshal([]byte(r.Evidence), &p.Evidence)
		p.Evidence.Served = r.Served
		p.ActivityIDs = splitIDs(r.ActivityIDs)
		if rt := rate[r.ID]; rt[0] > 0 {
			p.RatingCount, p.RatingAvg = rt[0], float64(rt[1])/float64(rt[0])
		}
		out = append(out, p)
	}
	return out, nil
}

// Project loads one project with its parties and ratings.
func (s *CobuildStore) Project(ctx context.Context, id int64) (cobuild.Project, error) {
	return byIDFilled(ctx, s.g(ctx), id, cobuild.ErrProjectNotFound, s.toProjects)
}

// Projects lists projects newest first.
func (s *CobuildStore) Projects(ctx context.Context, f cobuild.ProjectFilter) ([]cobuild.Project, error) {
	q := s.g(ctx).Model(&cbProjectRow{})
	if len(f.CommunityIDs) > 0 {
		q = q.Where("community_id IN ?", f.CommunityIDs)
	}
	if f.UnitID != 0 {
		q = q.Where("id IN (?)", s.g(ctx).Model(&cbPartyRow{}).Select("project_id").Where("unit_id = ?", f.UnitID))
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if !f.OverdueAt.IsZero() {
		q = q.Where("status IN ? AND due_at < ?", []string{cobuild.ProjectClaimed, cobuild.ProjectInProgress}, f.OverdueAt.UTC())
	}
	if f.AfterID > 0 {
		q = q.Where("id < ?", f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	var rows []cbProjectRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.toProjects(ctx, rows)
}

// UpdateProject writes the project's state when its status is still from
// and its version still p.Version: a read-modify-write made on an older
// read is refused, never written over the newer one.
func (s *CobuildStore) UpdateProject(ctx context.Context, p cobuild.Project, from string, notices []notify.Notice) error {
	ms, _ := json.Marshal(p.Milestones)
	ev, _ := json.Marshal(p.Evidence)
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&cbProjectRow{}).Where("id = ? AND status = ? AND version = ?", p.ID, from, p.Version).Updates(map[string]any{
			"version": gorm.Expr("version + 1"),
			"status":  p.Status, "milestones": string(ms), "evidence": string(ev), "served": p.Evidence.Served,
			"activity_ids": idList(p.ActivityIDs), "plan": p.Plan, "unit_rating": p.UnitRating, "unit_comment": p.UnitComment,
			"started_at": utcPtr(p.StartedAt), "delivered_at": utcPtr(p.DeliveredAt), "evaluated_at": utcPtr(p.EvaluatedAt),
			"closed_at": utcPtr(p.ClosedAt), "updated_at": time.Now().UTC(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return cobuild.ErrProjectChanged
		}
		if p.Status == cobuild.ProjectDelivered && from != cobuild.ProjectDelivered {
			// Evidence is public from delivery on.
			for _, ref := range append(append([]string{}, p.Evidence.Photos...), p.Evidence.Documents...) {
				if err := attachMedia(tx, ref, "evidence", p.ID, p.CommunityID, 0, true); err != nil {
					return err
				}
			}
		}
		if p.Status == cobuild.ProjectDelivered && from != cobuild.ProjectDelivered && p.NeedID != 0 {
			// A delivered project closes its need.
			if err := tx.Model(&cbNeedRow{}).Where("id = ? AND status <> ?", p.NeedID, cobuild.NeedClosed).
				Updates(map[string]any{"status": cobuild.NeedClosed, "updated_at": time.Now().UTC()}).Error; err != nil {
				return err
			}
		}
		return AddNotices(tx, notices)
	}), nil)
}

// AddRating inserts a beneficiary's rating, once per user and project.
func (s *CobuildStore) AddRating(ctx context.Context, r cobuild.Rating) error {
	err := s.g(ctx).Create(&cbRatingRow{ProjectID: r.ProjectID, UserID: r.UserID, Score: r.Score, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC()}).Error
	if IsDuplicate(err) {
		return errs.Conflict("RATED_ALREADY", "您已评价过该项目")
	}
	return translate(err, nil)
}

// OverdueProjects lists projects past due, not reminded in the last day.
func (s *CobuildStore) OverdueProjects(ctx context.Context, now time.Time, limit int) ([]cobuild.Project, error) {
	var rows []cbProjectRow
	if err := s.g(ctx).Where("status IN ? AND due_at < ? AND (reminded_at IS NULL OR reminded_at < ?)",
		[]string{cobuild.ProjectClaimed, cobuild.ProjectInProgress}, now.UTC(), now.Add(-24*time.Hour).UTC()).
		Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.toProjects(ctx, rows)
}

// MarkReminded records a reminder and writes its notices.
func (s *CobuildStore) MarkReminded(ctx context.Context, projectID int64, at time.Time, notices []notify.Notice) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&cbProjectRow{}).Where("id = ?", projectID).Update("reminded_at", at.UTC()).Error; err != nil {
			return err
		}
		return AddNotices(tx, notices)
	}), nil)
}

// Beneficiary: the resident whose wish became the project's need, or who
// checked in at one of its activities.
func (s *CobuildStore) Beneficiary(ctx context.Context, p cobuild.Project, userID int64) (bool, error) {
	var n int64
	if p.NeedID != 0 {
		if err := s.g(ctx).Model(&cbWishRow{}).Where("need_id = ? AND user_id = ?", p.NeedID, userID).Count(&n).Error; err != nil {
			return false, translate(err, nil)
		}
		if n > 0 {
			return true, nil
		}
	}
	if len(p.ActivityIDs) > 0 {
		if err := s.g(ctx).Model(&checkinRow{}).Where("user_id = ? AND activity_id IN ?", userID, p.ActivityIDs).Count(&n).Error; err != nil {
			return false, translate(err, nil)
		}
	}
	return n > 0, nil
}

// ContactUsers lists the unit's contacts (users holding unit_contact for it).
func (s *CobuildStore) ContactUsers(ctx context.Context, unitID int64) ([]int64, error) {
	var ids []int64
	err := s.g(ctx).Model(&roleRow{}).Where("role = ? AND org_id = ?", "unit_contact", unitID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, translate(err, nil)
}

// ActivitiesLinkable reports whether every id (distinct) names an
// activity hosted by one of units or held in community (0: none).
func (s *CobuildStore) ActivitiesLinkable(ctx context.Context, ids, units []int64, community int64) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	mine := s.g(ctx).Where("community_id = ? AND community_id <> 0", community)
	if len(units) > 0 {
		mine = mine.Or("host_org_id IN ?", units)
	}
	var n int64
	err := s.g(ctx).Model(&activityRow{}).Where("id IN ?", ids).Where(mine).Count(&n).Error
	return n == int64(len(ids)), translate(err, nil)
}

// WishMakers lists the residents whose wishes were accepted into or merged
// into the need.
func (s *CobuildStore) WishMakers(ctx context.Context, needID int64) ([]int64, error) {
	var ids []int64
	if needID == 0 {
		return nil, nil
	}
	err := s.g(ctx).Model(&cbWishRow{}).Where("need_id = ?", needID).Distinct("user_id").Order("user_id").Pluck("user_id", &ids).Error
	return ids, translate(err, nil)
}
