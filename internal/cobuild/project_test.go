package cobuild_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// A project goes claimed → in progress → delivered (with evidence) →
// evaluated → closed; a claim cannot be withdrawn once work started;
// steps out of order are refused; the wish maker rates it once and a
// resident who did not benefit cannot; an overdue project reminds the
// unit's contacts once a day.
func TestProjectLifecycleAndRatings(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区人民医院")
	n := e.need(1, false)
	wisher := e.user("wisher")
	if err := e.db.G.Exec(`INSERT INTO cobuild_wishes (user_id, community_id, title, status, sec_status, need_id, created_at, updated_at)
		VALUES (?, ?, '轮椅', 'accepted', 'pass', ?, ?, ?)`, wisher.ID, e.commA, n.ID, time.Now().UTC(), time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.ClaimNeed(e.ctx, contact, n.ID, cobuild.ClaimInput{UnitID: unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	step := func(who resident.User, in cobuild.ProjectUpdate) (cobuild.Project, error) {
		return e.svc.UpdateProject(e.ctx, who, c.ProjectID, in)
	}
	if _, err := e.svc.Rate(e.ctx, wisher, c.ProjectID, 5, ""); errs.CodeOf(err) != "PROJECT_NOT_DELIVERED" {
		t.Fatalf("rating before delivery: %v", err)
	}
	for _, bad := range []struct {
		who  resident.User
		in   cobuild.ProjectUpdate
		code string
	}{
		{e.user("passer-by"), cobuild.ProjectUpdate{Action: "start"}, "NOT_PROJECT_PARTY"},
		{e.staffA, cobuild.ProjectUpdate{Action: "start"}, "NOT_PROJECT_PARTY"},
		{contact, cobuild.ProjectUpdate{Action: "close"}, "FORBIDDEN"},
		{e.staffA, cobuild.ProjectUpdate{Action: "close"}, "PROJECT_STATE"},
		{contact, cobuild.ProjectUpdate{Action: "deliver", Evidence: &cobuild.Evidence{Served: 0, Photos: []string{"x"}}}, "EVIDENCE_REQUIRED"},
		{contact, cobuild.ProjectUpdate{Action: "start", Milestones: []cobuild.Milestone{{Title: "采购轮椅", DueOn: "下周"}}}, "INVALID_MILESTONE"},
	} {
		if _, err := step(bad.who, bad.in); errs.CodeOf(err) != bad.code {
			t.Fatalf("%s by %d: %v, want %s", bad.in.Action, bad.who.ID, err, bad.code)
		}
	}
	p, err := step(contact, cobuild.ProjectUpdate{Action: "start", Milestones: []cobuild.Milestone{{Title: "采购轮椅", DueOn: "2026-12-20"}}})
	if err != nil || p.Status != cobuild.ProjectInProgress || len(p.Milestones) != 1 || p.StartedAt == nil {
		t.Fatalf("start: %+v %v", p, err)
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, contact, c.ID); errs.CodeOf(err) != "PROJECT_STARTED" {
		t.Fatalf("withdraw after start: %v", err)
	}
	p, err = step(contact, cobuild.ProjectUpdate{Action: "deliver", Evidence: &cobuild.Evidence{Served: 1, Photos: []string{"/api/v1/uploads/abc"}, Note: "已送达"}})
	if err != nil || p.Status != cobuild.ProjectDelivered || p.Evidence.Served != 1 {
		t.Fatalf("deliver: %+v %v", p, err)
	}
	if got, _ := e.svc.Need(e.ctx, n.ID); got.Status != cobuild.NeedClosed {
		t.Fatalf("the delivered project's need is %s", got.Status)
	}
	var told int64
	e.db.G.Table("outbox").Where("user_id = ? AND dedup_key = ?", wisher.ID, fmt.Sprintf("cb:delivered:%d:%d", p.ID, wisher.ID)).Count(&told)
	if told != 1 {
		t.Fatalf("the wish maker was told %d times of the delivery", told)
	}
	if _, err := e.svc.Rate(e.ctx, e.user("neighbour"), p.ID, 5, ""); errs.CodeOf(err) != "NOT_BENEFICIARY" {
		t.Fatalf("a non-beneficiary rated: %v", err)
	}
	if _, err := e.svc.Rate(e.ctx, wisher, p.ID, 6, ""); errs.CodeOf(err) != "INVALID_SCORE" {
		t.Fatalf("score 6: %v", err)
	}
	if _, err := e.svc.Rate(e.ctx, wisher, p.ID, 4, "很及时"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Rate(e.ctx, wisher, p.ID, 5, "再评一次"); errs.CodeOf(err) != "RATED_ALREADY" {
		t.Fatalf("second rating: %v", err)
	}
	if _, err := e.svc.EvaluateUnits(e.ctx, contact, p.ID, 5, ""); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("the unit rated itself: %v", err)
	}
	p, err = e.svc.EvaluateUnits(e.ctx, e.staffA, p.ID, 5, "响应迅速")
	if err != nil || p.Status != cobuild.ProjectEvaluated || p.UnitRating != 5 || p.RatingCount != 1 || p.RatingAvg != 4 {
		t.Fatalf("evaluate: %+v %v", p, err)
	}
	// The community rates the units once: a second rating, before or
	// after closing, is told so (not "deliver first").
	if _, err := e.svc.EvaluateUnits(e.ctx, e.staffA, p.ID, 3, "再评一次"); errs.CodeOf(err) != "EVALUATED_ALREADY" || errs.KindOf(err) != errs.KindConflict {
		t.Fatalf("second evaluation: %v, want 409 EVALUATED_ALREADY", err)
	}
	if p, err = step(e.staffA, cobuild.ProjectUpdate{Action: "close"}); err != nil || p.Status != cobuild.ProjectClosed {
		t.Fatalf("close: %+v %v", p, err)
	}
	if _, err := e.svc.EvaluateUnits(e.ctx, e.staffA, p.ID, 3, ""); errs.CodeOf(err) != "EVALUATED_ALREADY" {
		t.Fatalf("evaluation of a closed project: %v, want EVALUATED_ALREADY", err)
	}

	// Overdue: a project past its due date reminds the unit's contacts, once a day.
	n2 := e.need(2, true)
	c2, err := e.svc.ClaimNeed(e.ctx, contact, n2.ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.clock = e.clock.Add(31 * 24 * time.Hour)
	for i, want := range []int{1, 0} {
		got, err := e.svc.RemindOverdue(e.ctx)
		if err != nil || got != want {
			t.Fatalf("reminder run %d: %d %v, want %d", i, got, err, want)
		}
	}
	p2, _ := e.svc.Project(e.ctx, c2.ProjectID)
	if !p2.Overdue(e.clock) {
		t.Fatal("the project is not overdue")
	}
	e.db.G.Table("outbox").Where("user_id = ? AND dedup_key LIKE ?", contact.ID, fmt.Sprintf("cb:overdue:%d:%%", p2.ID)).Count(&told)
	if told != 1 {
		t.Fatalf("contact reminded %d times", told)
	}
}

func unitsFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An import of 500 units is all or nothing: with bad rows nothing is
// written and every bad row is named; fixed, all 500 are created with
// their communities, masked contacts and agreements.
func TestUnitImportAllOrNothing(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	header := []any{"单位名称", "单位类型", "所属党组织", "共建社区", "联系人", "联系电话", "协议开始", "协议结束", "协议内容"}
	rows := [][]any{header}
	for i := 0; i < 500; i++ {
		rows = append(rows, []any{fmt.Sprintf("共建企业%03d", i), "企业", "", "阳光社区、和平社区", "王联络", fmt.Sprintf("139%08d", i), "2026-01-01", "2026-12-31", "助老服务"})
	}
	bad := append([][]any{}, rows...)
	bad[10] = []any{"共建企业008", "企业", "", "阳光社区", "", "", "", "", ""}                  // a name twice (row 11 repeats row 10)
	bad[20] = []any{"某单位", "外星机构", "", "阳光社区", "", "", "", "", ""}                    // unknown kind
	bad[30] = []any{"另一单位", "学校", "", "火星社区", "", "", "", "", ""}                     // unknown community
	bad[40] = []any{"第四单位", "医院", "", "阳光社区", "李", "12345", "", "", ""}               // bad phone
	bad[50] = []any{"第五单位", "医院", "", "阳光社区", "", "", "2026-13-01", "2026-12-01", ""} // bad date
	parsed, err := cobuild.ParseUnitsFile(unitsFile(t, bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ImportUnits(e.ctx, e.admin, parsed)
	if errs.CodeOf(err) != "IMPORT_REJECTED" {
		t.Fatalf("import with bad rows: %v", err)
	}
	named := errs.As(err).Details["errors"].([]cobuild.ImportError)
	var lines []int
	for _, b := range named {
		lines = append(lines, b.Row)
	}
	if fmt.Sprint(lines) != "[11 21 31 41 51]" {
		t.Fatalf("bad rows named: %v (%+v)", lines, named)
	}
	if us, _ := e.svc.Units(e.ctx); len(us) != 0 {
		t.Fatalf("%d units written by a refused import", len(us))
	}
	// Staff of 阳光社区 may import units, but only of the communities they
	// serve: these co-build with 和平社区 as well.
	if _, err := e.svc.ImportUnits(e.ctx, e.staffA, parsed); errs.CodeOf(err) != "IMPORT_REJECTED" {
		t.Fatalf("staff of one community imported units of two: %v", err)
	}
	if us, _ := e.svc.Units(e.ctx); len(us) != 0 {
		t.Fatalf("%d units written by a refused import", len(us))
	}
	parsed, err = cobuild.ParseUnitsFile(unitsFile(t, rows))
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.ImportUnits(e.ctx, e.admin, parsed)
	if err != nil || n != 500 {
		t.Fatalf("import: %d %v", n, err)
	}
	us, err := e.svc.Units(e.ctx)
	if err != nil || len(us) != 500 {
		t.Fatalf("units: %d %v", len(us), err)
	}
	u := us[7]
	if len(u.CommunityIDs) != 2 || len(u.Agreements) != 2 || len(u.Contacts) != 1 || u.Contacts[0].PhoneMasked != "139****0007" {
		t.Fatalf("imported unit: %+v", u)
	}
	// Importing the same file again names every row (they exist).
	if _, err := e.svc.ImportUnits(e.ctx, e.admin, parsed); errs.CodeOf(err) != "IMPORT_REJECTED" {
		t.Fatalf("second import: %v", err)
	}
	if _, err := cobuild.ParseUnitsFile([]byte("name\nx")); errs.CodeOf(err) != "IMPORT_BAD_FILE" {
		t.Fatalf("a CSV: %v", err)
	}
}

// A project links only activities that exist, each once, at most 20:
// anything else is a 400 the unit's contact can act on, never a failure
// of the database (the column holds 400 characters).
func TestProjectActivityLinksChecked(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区图书馆")
	c, err := e.svc.ClaimNeed(e.ctx, contact, e.need(10, true).ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 5})
	if err != nil {
		t.Fatal(err)
	}
	many := make([]int64, 60)
	for i := range many {
		many[i] = int64(1000000 + i)
	}
	for _, ids := range [][]int64{many, {-5}, {0}, {987654321}} {
		_, err := e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "progress", ActivityIDs: ids})
		if errs.CodeOf(err) != "INVALID_ACTIVITIES" || errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("%d activity ids %v…: %v", len(ids), ids[0], err)
		}
	}
	now := time.Now().UTC()
	res := e.db.G.Exec(`INSERT INTO activities (title, category, community_id, host_org_id, status, signup_opens_at, signup_closes_at,
		first_starts_at, last_ends_at, created_at, updated_at) VALUES ('图书馆开放日', 'culture', ?, ?, 'published', ?, ?, ?, ?, ?, ?)`,
		e.commA, unit.ID, now, now, now, now, now, now)
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	var act int64
	if err := e.db.G.Table("activities").Select("MAX(id)").Scan(&act).Error; err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "progress", ActivityIDs: []int64{act, act}})
	if err != nil || len(p.ActivityIDs) != 1 || p.ActivityIDs[0] != act {
		t.Fatalf("one activity linked twice: %+v %v", p.ActivityIDs, err)
	}
	p, err = e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "progress", ActivityIDs: []int64{}})
	if err != nil || len(p.ActivityIDs) != 0 {
		t.Fatalf("no activities: %+v %v", p.ActivityIDs, err)
	}
	// Another organisation's activity in another community is not the
	// project's to claim (its attendees would rate the project, its
	// volunteers' hours count for it); one of the project's community is.
	other, _ := e.unit("区文化馆")
	activity := func(community, host int64) int64 {
		if err := e.db.G.Exec(`INSERT INTO activities (title, category, community_id, host_org_id, status, signup_opens_at, signup_closes_at,
			first_starts_at, last_ends_at, created_at, updated_at) VALUES ('读书会', 'culture', ?, ?, 'published', ?, ?, ?, ?, ?, ?)`,
			community, host, now, now, now, now, now, now).Error; err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := e.db.G.Table("activities").Select("MAX(id)").Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	foreign, local, hosted := activity(e.commB, other.ID), activity(e.commA, other.ID), activity(e.commB, unit.ID)
	if _, err := e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "progress", ActivityIDs: []int64{act, foreign}}); errs.CodeOf(err) != "INVALID_ACTIVITIES" {
		t.Fatalf("another organisation's activity of another community linked: %v", err)
	}
	if p, err = e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "progress", ActivityIDs: []int64{act, local, hosted}}); err != nil || len(p.ActivityIDs) != 3 {
		t.Fatalf("the unit's and the community's activities: %+v %v", p.ActivityIDs, err)
	}
}

// The overdue filter is the store's: the first page of overdue projects
// holds them, however many newer projects are on time.
func TestOverdueProjectsListedFirstPage(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区体育馆")
	var projects []int64
	for i := 0; i < 4; i++ {
		c, err := e.svc.ClaimNeed(e.ctx, contact, e.need(5, false).ID, cobuild.ClaimInput{UnitID: unit.ID})
		if err != nil {
			t.Fatal(err)
		}
		projects = append(projects, c.ProjectID)
	}
	late := projects[0] // the oldest
	if err := e.db.G.Exec("UPDATE cobuild_projects SET due_at = ? WHERE id = ?", e.clock.Add(-48*time.Hour).UTC(), late).Error; err != nil {
		t.Fatal(err)
	}
	ps, err := e.svc.Projects(e.ctx, cobuild.ProjectFilter{CommunityIDs: []int64{e.commA}, Limit: 2, OverdueAt: e.clock})
	if err != nil || len(ps) != 1 || ps[0].ID != late || !ps[0].Overdue(e.clock) {
		t.Fatalf("overdue projects: %+v %v, want only %d", ps, err, late)
	}
}

// Admins suspend a unit: its contacts claim and publish no more, and
// claim again once it is reactivated; others cannot change its status.
func TestSuspendedUnitClaimsNothing(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区博物馆")
	n := e.need(10, true)
	offer := e.resource(unit, 5, e.commA)
	for _, tc := range []struct {
		who    resident.User
		id     int64
		status string
		code   string
	}{
		{contact, unit.ID, cobuild.UnitSuspended, "FORBIDDEN"},
		{e.staffA, unit.ID, cobuild.UnitSuspended, "FORBIDDEN"},
		{e.admin, unit.ID, "closed", "INVALID_UNIT_STATUS"},
		{e.admin, 987654321, cobuild.UnitSuspended, "UNIT_NOT_FOUND"},
	} {
		if _, err := e.svc.SetUnitStatus(e.ctx, tc.who, tc.id, tc.status); errs.CodeOf(err) != tc.code {
			t.Fatalf("status %q of %d by %d: %v, want %s", tc.status, tc.id, tc.who.ID, err, tc.code)
		}
	}
	u, err := e.svc.SetUnitStatus(e.ctx, e.admin, unit.ID, cobuild.UnitSuspended)
	if err != nil || u.Status != cobuild.UnitSuspended {
		t.Fatalf("suspend: %+v %v", u, err)
	}
	if _, err := e.svc.ClaimNeed(e.ctx, contact, n.ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 2}); errs.CodeOf(err) != "UNIT_INACTIVE" {
		t.Fatalf("a suspended unit claimed: %v", err)
	}
	// What a suspended unit offered is not claimed either (it was
	// published while the unit was active).
	if _, err := e.svc.ClaimResource(e.ctx, e.staffA, offer.ID, e.commA, 1, ""); errs.CodeOf(err) != "UNIT_INACTIVE" {
		t.Fatalf("a suspended unit's resource claimed: %v", err)
	}
	if _, err := e.svc.SetUnitStatus(e.ctx, e.admin, unit.ID, cobuild.UnitActive); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ClaimNeed(e.ctx, contact, n.ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 2}); err != nil {
		t.Fatalf("a reactivated unit claims: %v", err)
	}
	if _, err := e.svc.ClaimResource(e.ctx, e.staffA, offer.ID, e.commA, 1, ""); err != nil {
		t.Fatalf("a reactivated unit's resource claimed: %v", err)
	}
}
