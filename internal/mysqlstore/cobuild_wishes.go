package mysqlstore

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/media"
	"gongjian/internal/notify"
	"gongjian/internal/page"
)

func toWish(r cbWishRow) cobuild.Wish {
	w := cobuild.Wish{ID: r.ID, UserID: r.UserID, CommunityID: r.CommunityID, Title: r.Title, Description: r.Description,
		ContactName: r.ContactName, PhoneSealed: r.PhoneSealed, PhoneMasked: r.PhoneMasked, Status: r.Status, SecStatus: r.SecStatus,
		NeedID: r.NeedID, DeclineReason: r.DeclineReason, ReviewedAt: utcPtr(r.ReviewedAt), CreatedAt: r.CreatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.Photos), &w.Photos)
	return w
}

// CreateWish inserts a wish unless its author has limit open wishes; the
// author's user row is locked so concurrent wishes are counted one by one.
func (s *CobuildStore) CreateWish(ctx context.Context, w *cobuild.Wish, limit int, traces map[string]string) error {
	photos, _ := json.Marshal(w.Photos)
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		var uid int64
		if err := s.db.forUpdate(tx.Table("users").Select("id").Where("id = ?", w.UserID)).Scan(&uid).Error; err != nil {
			return err
		}
		var open int64
		if err := tx.Table("cobuild_wishes w").Joins("LEFT JOIN cobuild_needs n ON n.id = w.need_id").
			Where("w.user_id = ? AND (w.status = ? OR (w.status IN ? AND (n.status IS NULL OR n.status <> ?)))",
				w.UserID, cobuild.WishPending, []string{cobuild.WishAccepted, cobuild.WishMerged}, cobuild.NeedClosed).
			Count(&open).Error; err != nil {
			return err
		}
		if int(open) >= limit {
			return errs.Conflict("WISH_LIMIT_REACHED", "您已有未完成的心愿，完成或处理后再许新的心愿").With("limit", limit)
		}
		now := w.CreatedAt.UTC()
		r := cbWishRow{UserID: w.UserID, CommunityID: w.CommunityID, Title: w.Title, Description: w.Description, Photos: string(photos),
			ContactName: w.ContactName, PhoneSealed: w.PhoneSealed, PhoneMasked: w.PhoneMasked, Status: w.Status, SecStatus: w.SecStatus,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		w.ID = r.ID
		for trace, ref := range traces {
			// ref "" is the text's own verdict (review), kept beside the photos'.
			id, status := "", cobuild.SecReview
			if ref != "" {
				id, _ = media.ParseRef(ref)
				status = cobuild.SecChecking
			}
			// A verdict pushed before this commit waits under its trace id
			// (object 0): the row is claimed for the wish, keeping the verdict.
			row := cbMediaCheckRow{TraceID: trace, UploadID: id, Kind: "wish", ObjectID: r.ID, Status: status, CreatedAt: now}
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "trace_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"upload_id", "kind", "object_id"})}).Create(&row).Error; err != nil {
				return err
			}
		}
		if len(traces) > 0 {
			if err := s.settleWish(tx, r.ID); err != nil {
				return err
			}
		}
		for _, ref := range w.Photos {
			if err := attachMedia(tx, ref, "wish", r.ID, w.CommunityID, 0, false); err != nil {
				return err
			}
		}
		return nil
	}), nil)
}

// Wish loads one wish.
func (s *CobuildStore) Wish(ctx context.Context, id int64) (cobuild.Wish, error) {
	return byID(s.g(ctx), id, cobuild.ErrWishNotFound, toWish)
}

func wishQuery(q *gorm.DB, f cobuild.WishFilter, visible []string) *gorm.DB {
	q = whereEq(q, "user_id", f.UserID)
	q = whereEq(q, "need_id", f.NeedID)
	if len(f.CommunityIDs) > 0 {
		q = q.Where("community_id IN ?", f.CommunityIDs)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.VisibleOnly {
		q = q.Where("sec_status IN ?", visible)
	}
	if len(f.SecStatuses) > 0 {
		q = q.Where("sec_status IN ?", f.SecStatuses)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	return q.Order("id DESC").Limit(page.WithinPeek(f.Limit, 100))
}

// Wishes lists wishes newest first.
func (s *CobuildStore) Wishes(ctx context.Context, f cobuild.WishFilter) ([]cobuild.Wish, error) {
	return findAs(wishQuery(s.g(ctx).Model(&cbWishRow{}), f, []string{cobuild.SecPass, cobuild.SecReview}), toWish)
}

// ReviewWish records staff's decision on a pending wish (creating the
// need an acceptance makes) with the notices.
func (s *CobuildStore) ReviewWish(ctx context.Context, w cobuild.Wish, need *cobuild.Need, notices []notify.Notice) (cobuild.Wish, error) {
	err := s.decide(ctx, cbDecision{model: &cbWishRow{}, id: w.ID, from: []string{cobuild.WishPending}, status: w.Status, needID: &w.NeedID,
		declineReason: w.DeclineReason, reviewedAt: w.ReviewedAt, done: errs.Conflict("WISH_REVIEWED", "该心愿已处理")}, need, notices)
	return w, translate(err, nil)
}

// cbDecision is staff's decision on a wish or a proposal (model: its row
// type) taken while its status is still one of from (undecided).
type cbDecision struct {
	model         any
	id            int64
	from          []string
	status        string
	needID        *int64
	declineReason string
	reviewedAt    *time.Time
	done          *errs.Error // the decision was taken meanwhile
}

// decide records a decision with its notices, creating first the need an
// acceptance makes (its id set through d.needID).
func (s *CobuildStore) decide(ctx context.Context, d cbDecision, need *cobuild.Need, notices []notify.Notice) error {
	return s.db.transaction(ctx, func(tx *gorm.DB) error {
		if need != nil {
			if err := s.createNeedIn(tx, need, nil); err != nil {
				return err
			}
			*d.needID = need.ID
		}
		res := tx.Model(d.model).Where("id = ? AND status IN ?", d.id, d.from).Updates(map[string]any{
			"status": d.status, "need_id": *d.needID, "decline_reason": d.declineReason, "reviewed_at": utcPtr(d.reviewedAt), "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return d.done
		}
		return AddNotices(tx, notices)
	})
}

// MediaChecked records a pushed verdict. A verdict can arrive before the
// wish that asked for it is stored (WeChat is quick): it is then kept
// under its trace id and applied when the wish is stored (CreateWish).
func (s *CobuildStore) MediaChecked(ctx context.Context, traceID, verdict string) (string, int64, bool, error) {
	var kind string
	var object int64
	found := false
	apply := func(tx *gorm.DB) error {
		var m cbMediaCheckRow
		err := tx.Where("trace_id = ?", traceID).First(&m).Error
		if err == gorm.ErrRecordNotFound {
			return tx.Create(&cbMediaCheckRow{TraceID: traceID, Status: verdict, CreatedAt: time.Now().UTC(), CheckedAt: tptr(time.Now())}).Error
		}
		if err != nil {
			return err
		}
		found, kind, object = m.ObjectID != 0, m.Kind, m.ObjectID
		if err := tx.Model(&cbMediaCheckRow{}).Where("trace_id = ?", traceID).Updates(map[string]any{"status": verdict, "checked_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		if m.ObjectID == 0 {
			return nil
		}
		return s.settleWish(tx, m.ObjectID)
	}
	err := s.db.transaction(ctx, apply)
	if IsDuplicate(err) { // the wish was being stored meanwhile: now it is
		err = s.db.transaction(ctx, apply)
	}
	return kind, object, found, translate(err, nil)
}

// settleWish derives a wish's content state from its checks: any risky
// verdict hides it; any still pending keeps it checking; else review when
// one asks for it, pass otherwise.
func (s *CobuildStore) settleWish(tx *gorm.DB, wishID int64) error {
	var w cbWishRow
	if err := s.db.forUpdate(tx).First(&w, wishID).Error; err != nil {
		return err
	}
	if w.SecStatus == cobuild.SecRisky {
		return nil
	}
	var checks []cbMediaCheckRow
	if err := tx.Where("kind = ? AND object_id = ?", "wish", wishID).Find(&checks).Error; err != nil {
		return err
	}
	if len(checks) == 0 {
		return nil
	}
	state := cobuild.SecPass
	for _, c := range checks {
		switch c.Status {
		case cobuild.SecRisky:
			return tx.Model(&cbWishRow{}).Where("id = ?", wishID).Updates(map[string]any{"sec_status": cobuild.SecRisky, "status": cobuild.WishHidden, "updated_at": time.Now().UTC()}).Error
		case cobuild.SecChecking:
			state = cobuild.SecChecking
		case cobuild.SecReview:
			if state != cobuild.SecChecking {
				state = cobuild.SecReview
			}
		}
	}
	return tx.Model(&cbWishRow{}).Where("id = ?", wishID).Updates(map[string]any{"sec_status": state, "updated_at": time.Now().UTC()}).Error
}

// UnitClaimedNeed reports an active claim of the unit on the need.
func (s *CobuildStore) UnitClaimedNeed(ctx context.Context, needID, unitID int64) (bool, error) {
	return exists(s.g(ctx).Model(&cbClaimRow{}).Where("need_id = ? AND unit_id = ? AND status = ?", needID, unitID, cobuild.ClaimActive))
}

// ---- proposals ----

func toProposal(r cbProposalRow) cobuild.Proposal {
	return cobuild.Proposal{ID: r.ID, UserID: r.UserID, CommunityID: r.CommunityID, Title: r.Title, Description: r.Description,
		Status: r.Status, SecStatus: r.SecStatus, Supports: r.Supports, NeedID: r.NeedID, DeclineReason: r.DeclineReason,
		AgendaAt: utcPtr(r.AgendaAt), ReviewedAt: utcPtr(r.ReviewedAt), CreatedAt: r.CreatedAt.UTC()}
}

// CreateProposal inserts a proposal.
func (s *CobuildStore) CreateProposal(ctx context.Context, p *cobuild.Proposal) error {
	now := p.CreatedAt.UTC()
	r := cbProposalRow{UserID: p.UserID, CommunityID: p.CommunityID, Title: p.Title, Description: p.Description, Status: p.Status,
		SecStatus: p.SecStatus, CreatedAt: now, UpdatedAt: now}
	if err := s.g(ctx).Create(&r).Error; err != nil {
		return translate(err, nil)
	}
	p.ID = r.ID
	return nil
}

// Proposal loads one proposal.
func (s *CobuildStore) Proposal(ctx context.Context, id int64) (cobuild.Proposal, error) {
	return byID(s.g(ctx), id, cobuild.ErrProposalNotFound, toProposal)
}

// Proposals lists proposals newest first.
func (s *CobuildStore) Proposals(ctx context.Context, f cobuild.WishFilter) ([]cobuild.Proposal, error) {
	return findAs(wishQuery(s.g(ctx).Model(&cbProposalRow{}), f, []string{cobuild.SecPass}), toProposal)
}

// supportThreshold reads the community's support threshold (def when it
// has none of its own).
func supportThreshold(g *gorm.DB, communityID int64, def int) (int, error) {
	own, err := supportThresholds(g, []int64{communityID})
	if t := own[communityID]; t > 0 {
		return t, err
	}
	return def, err
}

func supportThresholds(g *gorm.DB, communityIDs []int64) (map[int64]int, error) {
	var rows []communityRow
	if err := g.Model(&communityRow{}).Select("id, support_threshold").
		Where("id IN ? AND support_threshold IS NOT NULL", communityIDs).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ID] = *r.SupportThreshold
	}
	return out, nil
}

// SupportThresholds returns the communities' own support thresholds.
func (s *CobuildStore) SupportThresholds(ctx context.Context, communityIDs []int64) (map[int64]int, error) {
	if len(communityIDs) == 0 {
		return map[int64]int{}, nil
	}
	return supportThresholds(s.g(ctx), communityIDs)
}

// PutOnAgenda puts the community's open public proposals that have its
// support threshold on the agenda. One statement: each row it moves is
// locked, so a support counted meanwhile (which locks the row and reads
// the threshold after) is either seen here or sees the new threshold.
func (s *CobuildStore) PutOnAgenda(ctx context.Context, communityID int64, def int, now time.Time) (int, error) {
	var n int64
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		threshold, err := supportThreshold(tx, communityID, def)
		if err != nil {
			return err
		}
		res := tx.Model(&cbProposalRow{}).
			Where("community_id = ? AND status = ? AND sec_status = ? AND supports >= ?", communityID, cobuild.ProposalOpen, cobuild.SecPass, threshold).
			Updates(map[string]any{"status": cobuild.ProposalAgenda, "agenda_at": now.UTC(), "updated_at": now.UTC()})
		n = res.RowsAffected
		return res.Error
	})
	return int(n), translate(err, nil)
}

// Support adds one support per resident; the count and the agenda move in
// the same transaction (the proposal's row is locked first, then its
// community's threshold is read).
func (s *CobuildStore) Support(ctx context.Context, proposalID, userID int64, def int, now time.Time) (cobuild.Proposal, error) {
	var out cbProposalRow
	threshold := def
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.db.forUpdate(tx).First(&out, proposalID).Error; err != nil {
			return translate(err, cobuild.ErrProposalNotFound)
		}
		var err error
		if threshold, err = supportThreshold(tx, out.CommunityID, def); err != nil {
			return err
		}
		if out.Status != cobuild.ProposalOpen && out.Status != cobuild.ProposalAgenda {
			return errs.Conflict("PROPOSAL_CLOSED", "该议题已处理，不能再支持")
		}
		if err := tx.Create(&cbSupportRow{ProposalID: proposalID, UserID: userID, CreatedAt: now.UTC()}).Error; err != nil {
			if IsDuplicate(err) {
				return errs.Conflict("SUPPORTED_ALREADY", "您已支持过该议题")
			}
			return err
		}
		out.Supports++
		upd := map[string]any{"supports": out.Supports, "updated_at": now.UTC()}
		if out.Status == cobuild.ProposalOpen && out.Supports >= threshold {
			at := now.UTC()
			out.Status, out.AgendaAt = cobuild.ProposalAgenda, &at
			upd["status"], upd["agenda_at"] = out.Status, at
		}
		return tx.Model(&cbProposalRow{}).Where("id = ?", proposalID).Updates(upd).Error
	})
	p := toProposal(out)
	p.Threshold = threshold
	return p, translate(err, nil)
}

// ReviewProposal records staff's decision while the proposal is undecided:
// still from, or on the agenda since (a support reaching the threshold
// meanwhile does not decide it).
func (s *CobuildStore) ReviewProposal(ctx context.Context, p cobuild.Proposal, from string, need *cobuild.Need, notices []notify.Notice) (cobuild.Proposal, error) {
	undecided := []string{from}
	if from == cobuild.ProposalOpen {
		undecided = append(undecided, cobuild.ProposalAgenda)
	}
	err := s.decide(ctx, cbDecision{model: &cbProposalRow{}, id: p.ID, from: undecided, status: p.Status, needID: &p.NeedID,
		declineReason: p.DeclineReason, reviewedAt: p.ReviewedAt, done: errs.Conflict("PROPOSAL_REVIEWED", "该议题已处理")}, need, notices)
	return p, translate(err, nil)
}
