package mysqlstore

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/cobuild"
	"gongjian/internal/cst"
)

var deliveredStatuses = []string{cobuild.ProjectDelivered, cobuild.ProjectEvaluated, cobuild.ProjectClosed}

func projectLine(p cbProjectRow, rating float64) cobuild.ProjectLine {
	l := cobuild.ProjectLine{ID: p.ID, Title: p.Title, CommunityID: p.CommunityID, Status: p.Status, Quantity: p.Quantity,
		Unit: p.QuantityUnit, Served: p.Served, RatingAvg: rating}
	if p.DueAt != nil {
		l.DueAt = p.DueAt.In(cst.Zone).Format("2006-01-02")
	}
	return l
}

// ratingsOf averages the beneficiaries' ratings of projects (created in
// [from, to) when from is set).
func ratingsOf(g *gorm.DB, ids []int64, from, to time.Time) (map[int64][2]float64, error) {
	out := map[int64][2]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ProjectID int64
		N         float64
		Total     float64
	}
	q := g.Model(&cbRatingRow{}).Select("project_id, COUNT(*) AS n, SUM(score) AS total").Where("project_id IN ?", ids)
	if !from.IsZero() {
		q = q.Where("created_at >= ? AND created_at < ?", from.UTC(), to.UTC())
	}
	if err := q.Group("project_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ProjectID] = [2]float64{r.N, r.Total}
	}
	return out, nil
}

// memberCounts counts party members of organisations and those confirmed
// reported in to their communities.
func memberCounts(g *gorm.DB, orgs []int64) (members, reported int64, err error) {
	if err = g.Model(&partyMembershipRow{}).Where("org_id IN ?", orgs).Count(&members).Error; err != nil {
		return
	}
	err = g.Model(&cbReportInRow{}).Where("workplace_org_id IN ? AND status = ?", orgs, cobuild.ReportConfirmed).Count(&reported).Error
	return
}

func unitOrgs(u cobuild.Unit) []int64 {
	if u.PartyOrgID != 0 {
		return []int64{u.ID, u.PartyOrgID}
	}
	return []int64{u.ID}
}

func rate(reported, members int64) float64 {
	if members == 0 {
		return 0
	}
	return float64(reported) / float64(members)
}

// UnitReport computes a unit's year.
func (s *CobuildStore) UnitReport(ctx context.Context, u cobuild.Unit, from, to, now time.Time) (cobuild.UnitReport, error) {
	g := s.g(ctx)
	var out cobuild.UnitReport
	var parties []cbPartyRow
	if err := g.Where("unit_id = ?", u.ID).Find(&parties).Error; err != nil {
		return out, translate(err, nil)
	}
	ids := make([]int64, 0, len(parties))
	claimedIn := map[int64]bool{}
	for _, p := range parties {
		ids = append(ids, p.ProjectID)
		if !p.CreatedAt.Before(from) && p.CreatedAt.Before(to) {
			out.ProjectsClaimed++
			out.Quantity += p.Quantity
			claimedIn[p.ProjectID] = true
		}
	}
	var projects []cbProjectRow
	if len(ids) > 0 {
		if err := g.Where("id IN ?", ids).Order("id").Find(&projects).Error; err != nil {
			return out, translate(err, nil)
		}
	}
	ratings, err := ratingsOf(g, ids, from, to)
	if err != nil {
		return out, translate(err, nil)
	}
	var n, total, cn, ctotal float64
	for _, p := range projects {
		delivered := p.DeliveredAt != nil && !p.DeliveredAt.Before(from) && p.DeliveredAt.Before(to)
		if delivered {
			out.ProjectsDelivered++
			out.Served += p.Served
		}
		if p.EvaluatedAt != nil && !p.EvaluatedAt.Before(from) && p.EvaluatedAt.Before(to) && p.UnitRating > 0 {
			cn, ctotal = cn+1, ctotal+float64(p.UnitRating)
		}
		r := ratings[p.ID]
		n, total = n+r[0], total+r[1]
		if delivered || claimedIn[p.ID] {
			avg := 0.0
			if r[0] > 0 {
				avg = r[1] / r[0]
			}
			out.Projects = append(out.Projects, projectLine(p, avg))
		}
	}
	if n > 0 {
		out.RatingAvg, out.RatingCount = total/n, int(n)
	}
	if cn > 0 {
		out.CommunityRating = ctotal / cn
	}
	var minutes struct{ M int64 }
	if err := g.Model(&hoursLedgerRow{}).Select("COALESCE(SUM(minutes), 0) AS m").
		Where("org_id IN ? AND served_at >= ? AND served_at < ?", unitOrgs(u), from.UTC(), to.UTC()).Scan(&minutes).Error; err != nil {
		return out, translate(err, nil)
	}
	out.MemberMinutes = int(minutes.M)
	members, reported, err := memberCounts(g, unitOrgs(u))
	if err != nil {
		return out, translate(err, nil)
	}
	out.Members, out.ReportedIn, out.ReportInRate = int(members), int(reported), rate(reported, members)
	if out.Projects == nil {
		out.Projects = []cobuild.ProjectLine{}
	}
	return out, nil
}

// CommunityReport computes a community's (0: every community's) state.
func (s *CobuildStore) CommunityReport(ctx context.Context, communityID int64, from, to, now time.Time) (cobuild.CommunityReport, error) {
	g := s.g(ctx)
	out := cobuild.CommunityReport{Overdue: []cobuild.ProjectLine{}, Unclaimed: []cobuild.NeedLine{}, Agenda: []cobuild.ProposalLine{}, Units: []cobuild.UnitRank{}}
	scope := func(q *gorm.DB) *gorm.DB {
		if communityID != 0 {
			return q.Where("community_id = ?", communityID)
		}
		return q
	}
	count := func(model any, where string, args ...any) (int, error) {
		var n int64
		err := scope(g.Model(model)).Where(where, args...).Count(&n).Error
		return int(n), err
	}
	var err error
	// Open as the needs lists show it at now (needStatusesAt): a need past
	// its deadline is expired, neither open nor awaiting a claim.
	open, openArgs := needStatusesAt([]string{cobuild.NeedOpen}, now)
	if out.NeedsOpen, err = count(&cbNeedRow{}, open, openArgs...); err != nil {
		return out, translate(err, nil)
	}
	if out.NeedsClaimed, err = count(&cbNeedRow{}, "claimed > 0"); err != nil {
		return out, translate(err, nil)
	}
	if out.PendingWishes, err = count(&cbWishRow{}, "status = ? AND sec_status IN ?", cobuild.WishPending, []string{cobuild.SecPass, cobuild.SecReview}); err != nil {
		return out, translate(err, nil)
	}
	var needs []cbNeedRow
	if err := scope(g.Model(&cbNeedRow{})).Where(open, openArgs...).Where("claimed = 0 AND created_at < ?", now.Add(-30*24*time.Hour).UTC()).
		Order("created_at").Limit(500).Find(&needs).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, n := range needs {
		out.Unclaimed = append(out.Unclaimed, cobuild.NeedLine{ID: n.ID, Title: n.Title, CommunityID: n.CommunityID, Category: n.Category,
			Remaining: n.Quantity - n.Claimed, CreatedAt: n.CreatedAt.In(cst.Zone).Format("2006-01-02")})
	}
	out.NeedsUnclaimed = len(out.Unclaimed)
	var overdue []cbProjectRow
	if err := scope(g.Model(&cbProjectRow{})).Where("status IN ? AND due_at < ?", []string{cobuild.ProjectClaimed, cobuild.ProjectInProgress}, now.UTC()).
		Order("due_at").Limit(500).Find(&overdue).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, p := range overdue {
		out.Overdue = append(out.Overdue, projectLine(p, 0))
	}
	out.ProjectsOverdue = len(out.Overdue)
	var props []cbProposalRow
	if err := scope(g.Model(&cbProposalRow{})).Where("status = ? AND sec_status = ?", cobuild.ProposalAgenda, cobuild.SecPass).
		Order("agenda_at").Find(&props).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, p := range props {
		l := cobuild.ProposalLine{ID: p.ID, Title: p.Title, CommunityID: p.CommunityID, Supports: p.Supports}
		if p.AgendaAt != nil {
			l.AgendaAt = p.AgendaAt.In(cst.Zone).Format("2006-01-02")
		}
		out.Agenda = append(out.Agenda, l)
	}
	ranks, err := s.unitRanks(ctx, communityID, from, to)
	if err != nil {
		return out, err
	}
	out.Units = ranks
	return out, nil
}

// unitRanks ranks the units (of the community, or all) by projects
// delivered in [from, to), then by beneficiaries' rating.
func (s *CobuildStore) unitRanks(ctx context.Context, communityID int64, from, to time.Time) ([]cobuild.UnitRank, error) {
	g := s.g(ctx)
	units, err := s.units(ctx, nil)
	if err != nil {
		return nil, err
	}
	var delivered []struct {
		UnitID    int64
		ProjectID int64
	}
	q := g.Table("cobuild_project_parties pp").Select("pp.unit_id, pp.project_id").Joins("JOIN cobuild_projects p ON p.id = pp.project_id").
		Where("p.status IN ? AND p.delivered_at >= ? AND p.delivered_at < ?", deliveredStatuses, from.UTC(), to.UTC())
	if communityID != 0 {
		q = q.Where("p.community_id = ?", communityID)
	}
	if err := q.Scan(&delivered).Error; err != nil {
		return nil, translate(err, nil)
	}
	ids := make([]int64, 0, len(delivered))
	for _, d := range delivered {
		ids = append(ids, d.ProjectID)
	}
	ratings, err := ratingsOf(g, ids, time.Time{}, time.Time{})
	if err != nil {
		return nil, translate(err, nil)
	}
	type acc struct{ delivered, n, total float64 }
	by := map[int64]*acc{}
	for _, d := range delivered {
		a := by[d.UnitID]
		if a == nil {
			a = &acc{}
			by[d.UnitID] = a
		}
		a.delivered++
		r := ratings[d.ProjectID]
		a.n, a.total = a.n+r[0], a.total+r[1]
	}
	members, err := countBy(g.Model(&partyMembershipRow{}), "org_id")
	if err != nil {
		return nil, translate(err, nil)
	}
	reported, err := countBy(g.Model(&cbReportInRow{}).Where("status = ?", cobuild.ReportConfirmed), "workplace_org_id")
	if err != nil {
		return nil, translate(err, nil)
	}
	out := []cobuild.UnitRank{}
	for _, u := range units {
		a := by[u.ID]
		if communityID != 0 && a == nil && !containsInt(u.CommunityIDs, communityID) {
			continue
		}
		r := cobuild.UnitRank{UnitID: u.ID, Name: u.Name}
		if a != nil {
			r.Delivered = int(a.delivered)
			if a.n > 0 {
				r.RatingAvg = a.total / a.n
			}
		}
		var m, rep int64
		for _, o := range unitOrgs(u) {
			m, rep = m+members[o], rep+reported[o]
		}
		r.Members, r.ReportedIn, r.ReportInRate = int(m), int(rep), rate(rep, m)
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Delivered != out[j].Delivered {
			return out[i].Delivered > out[j].Delivered
		}
		return out[i].RatingAvg > out[j].RatingAvg
	})
	return out, nil
}

func containsInt(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// countBy counts q's rows by the column col.
func countBy(q *gorm.DB, col string) (map[int64]int64, error) {
	var rows []struct {
		K int64
		N int64
	}
	if err := q.Select(col + " AS k, COUNT(*) AS n").Group(col).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.K] = r.N
	}
	return out, nil
}
