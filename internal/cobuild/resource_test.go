package cobuild_test

import (
	"testing"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

func (e *env) resource(unit cobuild.Unit, qty int, communities ...int64) cobuild.Resource {
	e.t.Helper()
	r, err := e.svc.CreateResource(e.ctx, e.contacts[unit.ID], cobuild.ResourceInput{UnitID: unit.ID, Kind: cobuild.ResExpert, Title: "法律咨询",
		Quantity: qty, QuantityUnit: "次", CommunityIDs: communities, ValidFrom: e.clock.Add(-time.Hour), ValidTo: e.clock.Add(60 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// A unit's contact publishes resources; communities' staff claim them,
// each claim its own project, exactly under concurrency; a withdrawn claim
// returns its quantity. A party member reports in to their community; its
// staff confirm; the member's organisation and community are then their
// workplace's and the residential community (hours roll up to both), and
// the unit's report-in rate counts them.
func TestResourcesAndReportIn(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区司法局")
	other, _ := e.unit("区图书馆")
	if _, err := e.svc.CreateResource(e.ctx, e.contacts[other.ID], cobuild.ResourceInput{UnitID: unit.ID, Kind: cobuild.ResExpert, Title: "x",
		Quantity: 1, QuantityUnit: "次", ValidFrom: e.clock, ValidTo: e.clock.Add(time.Hour)}); errs.CodeOf(err) != "NOT_UNIT_CONTACT" {
		t.Fatalf("another unit's contact published: %v", err)
	}
	if _, err := e.svc.CreateResource(e.ctx, contact, cobuild.ResourceInput{UnitID: unit.ID, Kind: cobuild.ResExpert, Title: "x",
		Quantity: 1, QuantityUnit: "次", ValidFrom: e.clock, ValidTo: e.clock.Add(-time.Hour)}); errs.CodeOf(err) != "INVALID_VALIDITY" {
		t.Fatalf("validity ending before it starts: %v", err)
	}
	r := e.resource(unit, 10, e.commA)
	staffs := make([]resident.User, 20)
	for i := range staffs {
		staffs[i] = e.user("staff", resident.Role{Role: resident.RoleStaff, CommunityID: e.commA})
	}
	claims, codes := together(staffs, func(s resident.User) (cobuild.Claim, error) {
		return e.svc.ClaimResource(e.ctx, s, r.ID, e.commA, 1, "")
	})
	if len(claims) != 10 || codes["RESOURCE_FULLY_CLAIMED"] != 10 {
		t.Fatalf("resource claims %d, refusals %v", len(claims), codes)
	}
	projects := map[int64]bool{}
	for _, c := range claims {
		projects[c.ProjectID] = true
	}
	if len(projects) != 10 {
		t.Fatalf("%d projects for 10 resource claims", len(projects))
	}
	staffB := e.user("staff-b", resident.Role{Role: resident.RoleStaff, CommunityID: e.commB})
	for _, c := range []struct {
		who       resident.User
		community int64
		code      string
	}{
		{staffB, e.commA, "FORBIDDEN"},
		{staffB, e.commB, "RESOURCE_NOT_FOR_COMMUNITY"},
		{contact, e.commA, "FORBIDDEN"},
		{contact, 0, "FORBIDDEN"},
		{e.staffA, 0, "COMMUNITY_REQUIRED"},
		{e.staffA, e.commA, "RESOURCE_FULLY_CLAIMED"},
	} {
		if _, err := e.svc.ClaimResource(e.ctx, c.who, r.ID, c.community, 1, ""); errs.CodeOf(err) != c.code {
			t.Fatalf("claim by %d for %d: %v, want %s", c.who.ID, c.community, err, c.code)
		}
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, staffB, claims[0].ID); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("another community's staff withdrew: %v", err)
	}
	if _, err := e.svc.WithdrawClaim(e.ctx, e.staffA, claims[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Resource(e.ctx, r.ID); got.Remaining() != 1 {
		t.Fatalf("after withdrawal %d remain", got.Remaining())
	}

	// Report-in.
	member := e.user("member")
	if _, err := e.svc.ReportInTo(e.ctx, member, 0, unit.ID); errs.CodeOf(err) != "NOT_PARTY_MEMBER" {
		t.Fatalf("a non-member reported in: %v", err)
	}
	member = e.user("member", resident.Role{Role: resident.RolePartyMember})
	if _, err := e.svc.ReportInTo(e.ctx, member, 0, 987654); errs.CodeOf(err) != "UNKNOWN_ORG" {
		t.Fatalf("unknown workplace: %v", err)
	}
	ri, err := e.svc.ReportInTo(e.ctx, member, 0, unit.ID)
	if err != nil || ri.Status != cobuild.ReportPending || ri.CommunityID != e.commA || ri.WorkplaceName != "区司法局" {
		t.Fatalf("report in: %+v %v", ri, err)
	}
	if _, err := e.svc.ReviewReportIn(e.ctx, staffB, member.ID, true, ""); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("another community confirmed: %v", err)
	}
	if list, _, err := e.svc.ReportIns(e.ctx, e.staffA, 0, cobuild.ReportPending, page.Request{}); err != nil || len(list) != 1 {
		t.Fatalf("pending report-ins: %d %v", len(list), err)
	}
	ri, err = e.svc.ReviewReportIn(e.ctx, e.staffA, member.ID, true, "")
	if err != nil || ri.Status != cobuild.ReportConfirmed {
		t.Fatalf("confirm: %+v %v", ri, err)
	}
	var m struct{ OrgID, CommunityID int64 }
	if err := e.db.G.Table("party_memberships").Select("org_id, community_id").Where("user_id = ?", member.ID).Scan(&m).Error; err != nil {
		t.Fatal(err)
	}
	if m.OrgID != unit.ID || m.CommunityID != e.commA {
		t.Fatalf("membership after confirmation: %+v", m)
	}
	if _, err := e.svc.ReviewReportIn(e.ctx, e.staffA, member.ID, true, ""); errs.CodeOf(err) != "REPORT_IN_REVIEWED" {
		t.Fatalf("second confirmation: %v", err)
	}
	rep, err := e.svc.UnitReport(e.ctx, contact, unit.ID, 0)
	if err != nil || rep.Members != 1 || rep.ReportedIn != 1 || rep.ReportInRate != 1 {
		t.Fatalf("unit report after report-in: %+v %v", rep, err)
	}
}

// The unit's year and the community's state count what happened: claimed
// and delivered projects, quantities, residents served, ratings, members'
// hours; open, claimed, overdue and long-unclaimed needs, proposals on the
// agenda, units ranked. XLSX has one Chinese sheet per section. Others
// than the unit's people and the community's staff are refused.
func TestCobuildReports(t *testing.T) {
	e := newEnv(t, cobuild.Config{SupportThreshold: 1})
	unit, contact := e.unit("区疾控中心")
	idle, idleContact := e.unit("区档案馆")
	delivered := e.need(10, true)
	c, err := e.svc.ClaimNeed(e.ctx, contact, delivered.ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "deliver", Evidence: &cobuild.Evidence{Served: 35, Documents: []string{"/api/v1/uploads/x"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.EvaluateUnits(e.ctx, e.staffA, c.ProjectID, 4, "认真负责"); err != nil {
		t.Fatal(err)
	}
	late := e.need(3, true)
	c2, err := e.svc.ClaimNeed(e.ctx, contact, late.ID, cobuild.ClaimInput{UnitID: unit.ID, Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	old := e.need(5, false)
	e.db.G.Exec("UPDATE cobuild_needs SET created_at = ? WHERE id = ?", e.clock.Add(-40*24*time.Hour).UTC(), old.ID)
	e.db.G.Exec("UPDATE cobuild_projects SET due_at = ? WHERE id = ?", e.clock.Add(-24*time.Hour).UTC(), c2.ProjectID)
	p, err := e.svc.CreateProposal(e.ctx, e.user("proposer"), 0, "修缮健身器材", "小区健身器材老化")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Support(e.ctx, e.user("supporter"), p.ID); err != nil {
		t.Fatal(err)
	}
	member := e.user("member", resident.Role{Role: resident.RolePartyMember})
	if err := e.db.G.Exec(`INSERT INTO hours_ledger (user_id, minutes, source, served_at, org_id, community_id, created_at) VALUES (?, 150, 'claim', ?, ?, ?, ?)`,
		member.ID, e.clock.UTC(), unit.ID, e.commA, e.clock.UTC()).Error; err != nil {
		t.Fatal(err)
	}

	if _, err := e.svc.UnitReport(e.ctx, idleContact, unit.ID, 0); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("another unit read the report: %v", err)
	}
	r, err := e.svc.UnitReport(e.ctx, contact, unit.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ProjectsClaimed != 2 || r.ProjectsDelivered != 1 || r.Quantity != 11 || r.Served != 35 || r.CommunityRating != 4 || r.MemberMinutes != 150 || len(r.Projects) != 2 {
		t.Fatalf("unit report: %+v", r)
	}
	staffB := e.user("staff-b", resident.Role{Role: resident.RoleStaff, CommunityID: e.commB})
	if _, err := e.svc.CommunityReport(e.ctx, staffB, e.commA, 0); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("another community's staff: %v", err)
	}
	if _, err := e.svc.CommunityReport(e.ctx, e.staffA, 0, 0); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("community staff read the subdistrict's report: %v", err)
	}
	cr, err := e.svc.CommunityReport(e.ctx, e.staffA, e.commA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cr.NeedsOpen != 1 || cr.NeedsClaimed != 2 || cr.NeedsUnclaimed != 1 || cr.Unclaimed[0].ID != old.ID || cr.ProjectsOverdue != 1 ||
		len(cr.Agenda) != 1 || len(cr.Units) != 2 || cr.Units[0].UnitID != unit.ID || cr.Units[0].Delivered != 1 || cr.Units[1].UnitID != idle.ID {
		t.Fatalf("community report: %+v", cr)
	}
	sub, err := e.svc.CommunityReport(e.ctx, e.admin, 0, 0)
	if err != nil || sub.NeedsUnclaimed != 1 || len(sub.Units) != 2 {
		t.Fatalf("subdistrict report: %+v %v", sub, err)
	}
	for _, x := range []struct {
		render func() ([]byte, error)
		sheets []string
		cell   string
		want   string
	}{
		{r.XLSX, []string{"年度概况", "项目明细"}, "A2", "区疾控中心"},
		{cr.XLSX, []string{"概况", "逾期项目", "30天未认领需求", "上会议题", "单位排名"}, "", ""},
		{cr.AgendaXLSX, []string{"联席会议议程"}, "A2", "居民议题"},
	} {
		f := openRendered(t, x.render)
		if got := f.GetSheetList(); len(got) != len(x.sheets) || got[0] != x.sheets[0] || got[len(got)-1] != x.sheets[len(x.sheets)-1] {
			t.Fatalf("sheets %v, want %v", got, x.sheets)
		}
		if x.cell != "" {
			if v, _ := f.GetCellValue(x.sheets[0], x.cell); v != x.want {
				t.Fatalf("%s!%s = %q, want %q", x.sheets[0], x.cell, v, x.want)
			}
		}
	}
}

// Members whose report-ins are confirmed at the same moment are each told:
// one member's notice does not stand for another's.
func TestReportInNoticeForEveryMember(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, _ := e.unit("区税务局")
	var members []resident.User
	for i := 0; i < 2; i++ {
		m := e.user("member", resident.Role{Role: resident.RolePartyMember})
		if _, err := e.svc.ReportInTo(e.ctx, m, 0, unit.ID); err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	for _, m := range members {
		if _, err := e.svc.ReviewReportIn(e.ctx, e.staffA, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range members {
		var told int64
		if err := e.db.G.Table("outbox").Where("user_id = ? AND title = ?", m.ID, "社区报到结果").Count(&told).Error; err != nil {
			t.Fatal(err)
		}
		if told != 1 {
			t.Fatalf("member %d was told %d times of the confirmation", m.ID, told)
		}
	}
}

// TestResourceVenueIsTheUnitsRoom: a resource naming a bookable room names
// an active room of the publishing unit, never another's or none.
func TestResourceVenueIsTheUnitsRoom(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区文化馆")
	other, _ := e.unit("区体育馆")
	rs := mysqlstore.NewRoomStore(e.db)
	room := func(org int64, active bool) int64 {
		r := rooms.Room{CommunityID: e.commA, OrgID: org, Name: "多功能厅", Kind: "hall", Capacity: 50, Active: active,
			Rules: rooms.Rules{SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 120, AheadDays: 14, GraceMinutes: 15, Audience: []string{rooms.AudienceResidents}}}
		if err := rs.CreateRoom(e.ctx, &r); err != nil {
			t.Fatal(err)
		}
		if !active {
			if err := e.db.G.Exec("UPDATE rooms SET active = FALSE WHERE id = ?", r.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		return r.ID
	}
	own, others, closed, community := room(unit.ID, true), room(other.ID, true), room(unit.ID, false), room(0, true)
	in := func(roomID int64) cobuild.ResourceInput {
		return cobuild.ResourceInput{UnitID: unit.ID, Kind: cobuild.ResVenue, Title: "文化馆多功能厅", Quantity: 10, QuantityUnit: "场",
			CommunityIDs: []int64{e.commA}, RoomID: roomID, ValidFrom: e.clock.Add(-time.Hour), ValidTo: e.clock.Add(30 * 24 * time.Hour)}
	}
	for name, id := range map[string]int64{"another unit's": others, "a closed": closed, "a community's": community, "no such": own + 1000, "a negative": -1} {
		if _, err := e.svc.CreateResource(e.ctx, contact, in(id)); errs.CodeOf(err) != "INVALID_ROOM" {
			t.Errorf("%s room: %v, want INVALID_ROOM", name, err)
		}
	}
	r, err := e.svc.CreateResource(e.ctx, contact, in(own))
	if err != nil || r.RoomID != own {
		t.Fatalf("the unit's own room: %+v %v", r, err)
	}
	if _, err := e.svc.CreateResource(e.ctx, contact, in(0)); err != nil {
		t.Fatalf("a venue without a bookable room: %v", err)
	}
}
