package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/cobuild"
	"gongjian/internal/cst"
	"gongjian/internal/dashboard"
)

// DashboardStore reads the console's figures (dashboard.Store).
type DashboardStore struct{ base }

// NewDashboardStore returns the store.
func NewDashboardStore(db *DB) *DashboardStore { return &DashboardStore{base{db}} }

// scoped limits q to activities (aliased act) in sc.
func scoped(q *gorm.DB, sc dashboard.Scope) *gorm.DB {
	if sc.All {
		return q
	}
	return q.Where("act.community_id IN ? OR act.host_org_id IN ?", append(sc.CommunityIDs, -1), append(sc.OrgIDs, -1))
}

// Figures computes the dashboard.
func (s *DashboardStore) Figures(ctx context.Context, sc dashboard.Scope, w dashboard.Window) (dashboard.Figures, error) {
	var f dashboard.Figures
	var n int64
	q := scoped(s.g(ctx).Table("sessions se").Joins("JOIN activities act ON act.id = se.activity_id").
		Where("se.starts_at >= ? AND se.starts_at < ? AND act.status <> 'draft'", w.DayStart.UTC(), w.DayEnd.UTC()), sc)
	if err := q.Count(&n).Error; err != nil {
		return f, translate(err, nil)
	}
	f.Today.Sessions = int(n)
	q = scoped(s.g(ctx).Table("checkins c").Joins("JOIN activities act ON act.id = c.activity_id").
		Where("c.checked_in_at >= ? AND c.checked_in_at < ?", w.DayStart.UTC(), w.DayEnd.UTC()), sc)
	if err := q.Count(&n).Error; err != nil {
		return f, translate(err, nil)
	}
	f.Today.Checkins = int(n)

	// Sign-ups per day and category (days in China time, grouped here).
	var regs []struct {
		CreatedAt time.Time
		Category  string
	}
	q = scoped(s.g(ctx).Table("registrations r").Joins("JOIN activities act ON act.id = r.activity_id").
		Select("r.created_at, act.category").Where("r.created_at >= ?", w.DaysFrom.UTC()), sc)
	if err := q.Scan(&regs).Error; err != nil {
		return f, translate(err, nil)
	}
	type key struct{ day, cat string }
	counts := map[key]int{}
	for _, r := range regs {
		t := r.CreatedAt.In(cst.Zone)
		counts[key{t.Format("2006-01-02"), r.Category}]++
		if !t.Before(w.DayStart) {
			f.Today.Registrations++
		}
	}
	for d := w.DaysFrom; d.Before(w.DayEnd); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		for k, c := range counts {
			if k.day == day {
				f.SignupsByDay = append(f.SignupsByDay, dashboard.DayCount{Date: day, Category: k.cat, Count: c})
			}
		}
	}

	// Hours this month by party organisation (the ledger's org of the person).
	hq := s.g(ctx).Table("hours_ledger h").Select("h.org_id, COALESCE(o.name, '') AS org_name, SUM(h.minutes) AS minutes").
		Joins("LEFT JOIN organizations o ON o.id = h.org_id").
		Where("h.served_at >= ? AND h.org_id <> 0", w.MonthStart.UTC()).Group("h.org_id, o.name").Order("minutes DESC").Limit(20)
	if !sc.All {
		hq = hq.Where("h.activity_community_id IN ? OR h.community_id IN ? OR h.host_org_id IN ? OR h.org_id IN ?",
			append(sc.CommunityIDs, -1), append(sc.CommunityIDs, -1), append(sc.OrgIDs, -1), append(sc.OrgIDs, -1))
	}
	var orgs []struct {
		OrgID   int64
		OrgName string
		Minutes int
	}
	if err := hq.Scan(&orgs).Error; err != nil {
		return f, translate(err, nil)
	}
	for _, o := range orgs {
		f.HoursByOrg = append(f.HoursByOrg, dashboard.OrgMinutes{OrgID: o.OrgID, OrgName: o.OrgName, Minutes: o.Minutes})
	}

	// Alarms: open ones, acknowledged today, time to acknowledge (30 days).
	aq := func() *gorm.DB { return alarmScope(alarms(s.g(ctx)), sc) }
	if err := aq().Where("a.status = 'open'").Count(&n).Error; err != nil {
		return f, translate(err, nil)
	}
	f.Alarms.Open = int(n)
	var acks []struct {
		OpenedAt time.Time
		AckedAt  time.Time
	}
	if err := aq().Select("a.opened_at, a.acked_at").Where("a.acked_at >= ?", w.AckSince.UTC()).Scan(&acks).Error; err != nil {
		return f, translate(err, nil)
	}
	secs := make([]int, 0, len(acks))
	for _, a := range acks {
		secs = append(secs, int(a.AckedAt.Sub(a.OpenedAt)/time.Second))
		if !a.AckedAt.Before(w.DayStart) {
			f.Alarms.AckedToday++
		}
	}
	f.Alarms.MedianAckSeconds = dashboard.Median(secs)
	return f, nil
}

// Cobuild sums up co-building in sc: its communities' needs, wishes and
// report-ins, and the projects of its communities or its units.
func (s *DashboardStore) Cobuild(ctx context.Context, sc dashboard.Scope, now time.Time) (dashboard.Cobuild, error) {
	var f dashboard.Cobuild
	inComms := func(q *gorm.DB) *gorm.DB {
		if sc.All {
			return q
		}
		return q.Where("community_id IN ?", append(sc.CommunityIDs, -1))
	}
	var needs struct{ Open, Quantity, Claimed int }
	// Open counts the needs the lists show open at now (needStatusesAt):
	// one past its deadline is expired. Quantity and claimed are summed
	// over the needs shown open or full: an expired need's remainder can
	// no longer be claimed, so it is out of the figures like a closed one.
	open, openArgs := needStatusesAt([]string{cobuild.NeedOpen}, now)
	live, liveArgs := needStatusesAt([]string{cobuild.NeedOpen, cobuild.NeedFull}, now)
	if err := inComms(s.g(ctx).Model(&cbNeedRow{})).Where(live, liveArgs...).
		Select("COALESCE(SUM(CASE WHEN "+open+" THEN 1 ELSE 0 END), 0) AS open, COALESCE(SUM(quantity), 0) AS quantity, COALESCE(SUM(claimed), 0) AS claimed", openArgs...).
		Scan(&needs).Error; err != nil {
		return f, translate(err, nil)
	}
	f.OpenNeeds, f.NeedQuantity, f.NeedClaimed = needs.Open, needs.Quantity, needs.Claimed
	pq := s.g(ctx).Model(&cbProjectRow{}).Where("status IN ?", []string{cobuild.ProjectClaimed, cobuild.ProjectInProgress})
	if !sc.All {
		units := append(append([]int64{-1}, sc.UnitIDs...), sc.OrgIDs...)
		pq = pq.Where("community_id IN ? OR id IN (?)", append(sc.CommunityIDs, -1),
			s.g(ctx).Model(&cbPartyRow{}).Select("project_id").Where("unit_id IN ?", units))
	}
	var projects struct{ Active, Overdue int }
	if err := pq.Select("COUNT(*) AS active, COALESCE(SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END), 0) AS overdue", now.UTC()).
		Scan(&projects).Error; err != nil {
		return f, translate(err, nil)
	}
	f.ProjectsActive, f.ProjectsOverdue = projects.Active, projects.Overdue
	var n int64
	if err := inComms(s.g(ctx).Model(&cbWishRow{})).Where("status = ?", cobuild.WishPending).Count(&n).Error; err != nil {
		return f, translate(err, nil)
	}
	f.PendingWishes = int(n)
	if err := inComms(s.g(ctx).Model(&cbReportInRow{})).Where("status = ?", cobuild.ReportPending).Count(&n).Error; err != nil {
		return f, translate(err, nil)
	}
	f.PendingReportIns = int(n)
	return f, nil
}

// alarmScope limits alarms (the wristband store's query) to the wearers'
// communities in sc.
func alarmScope(q *gorm.DB, sc dashboard.Scope) *gorm.DB {
	if sc.All {
		return q
	}
	return q.Where("u.community_id IN ?", append(sc.CommunityIDs, -1))
}

func toBoardAlarms(q *gorm.DB) ([]dashboard.Alarm, error) {
	as, err := scanAlarms(q)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.Alarm, 0, len(as))
	for _, a := range as {
		out = append(out, dashboard.Alarm{ID: a.ID, WristbandID: a.DeviceID, Type: string(a.Type), Status: string(a.Status),
			WearerName: a.WearerName, CommunityID: a.CommunityID, OpenedAt: a.OpenedAt, AckedAt: a.AckedAt, ResolvedAt: a.ResolvedAt})
	}
	return out, nil
}

// AlarmsAfter lists alarms in scope after afterID, oldest first.
func (s *DashboardStore) AlarmsAfter(ctx context.Context, sc dashboard.Scope, afterID int64, limit int) ([]dashboard.Alarm, error) {
	return toBoardAlarms(alarmScope(alarms(s.g(ctx)), sc).Where("a.id > ?", afterID).Order("a.id").Limit(limit))
}

// AlarmsChanged lists alarms in scope acknowledged or resolved since.
func (s *DashboardStore) AlarmsChanged(ctx context.Context, sc dashboard.Scope, since time.Time) ([]dashboard.Alarm, error) {
	return toBoardAlarms(alarmScope(alarms(s.g(ctx)), sc).
		Where("a.acked_at >= ? OR a.resolved_at >= ?", since.UTC(), since.UTC()).Order("a.id").Limit(200))
}

// LastAlarmID is the newest alarm's id.
func (s *DashboardStore) LastAlarmID(ctx context.Context) (int64, error) {
	var id *int64
	if err := s.g(ctx).Table("wristband_alarms").Select("MAX(id)").Scan(&id).Error; err != nil {
		return 0, translate(err, nil)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// CommunitiesOf lists a subdistrict's communities.
func (s *DashboardStore) CommunitiesOf(ctx context.Context, subdistrictID int64) ([]int64, error) {
	var ids []int64
	if err := s.g(ctx).Model(&communityRow{}).Where("subdistrict_id = ?", subdistrictID).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, nil)
	}
	return ids, nil
}
