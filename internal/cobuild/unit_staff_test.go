package cobuild_test

import (
	"fmt"
	"strings"
	"testing"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Units are registered by the district's admins for any community and by
// the communities' own staff for the communities they serve ("Staff import
// units from XLSX"); an organisation's staff, a unit's contact and a
// resident register none. An import row co-building with a community the
// importer does not serve is a bad row: nothing is imported and the row is
// named.
func TestCommunityStaffRegisterUnitsOfTheirCommunities(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	org, _ := e.unit("区疾控中心")
	staffB := e.user("staff-b", resident.Role{Role: resident.RoleStaff, CommunityID: e.commB})
	everyCommunity := e.user("staff-all", resident.Role{Role: resident.RoleStaff})
	orgStaff := e.user("org-staff", resident.Role{Role: resident.RoleStaff, OrgID: org.ID})
	contact := e.contacts[org.ID]
	plain := e.user("resident")
	both := []int64{e.commA, e.commB}
	for _, tc := range []struct {
		name  string
		who   resident.User
		comms []int64
		want  errs.Kind // 0: created
	}{
		{"admin, both communities", e.admin, both, 0},
		{"staff of every community, both", everyCommunity, both, 0},
		{"staff of A, A", e.staffA, []int64{e.commA}, 0},
		{"staff of A, A and B", e.staffA, both, errs.KindForbidden},
		{"staff of B, A", staffB, []int64{e.commA}, errs.KindForbidden},
		{"staff of B, B", staffB, []int64{e.commB}, 0},
		{"an organisation's staff", orgStaff, []int64{e.commA}, errs.KindForbidden},
		{"a unit's contact", contact, []int64{e.commA}, errs.KindForbidden},
		{"a resident", plain, []int64{e.commA}, errs.KindForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("共建单位%d", e.seq)
			e.seq++
			u, err := e.svc.CreateUnit(e.ctx, tc.who, cobuild.UnitInput{Name: name, Kind: cobuild.KindSchool, CommunityIDs: tc.comms})
			if tc.want == 0 {
				if err != nil || u.ID == 0 || len(u.CommunityIDs) != len(tc.comms) {
					t.Fatalf("create: %+v %v", u, err)
				}
				return
			}
			if errs.KindOf(err) != tc.want {
				t.Fatalf("create: %v, want %v", err, tc.want)
			}
			var n int64
			if err := e.db.G.Table("organizations").Where("name = ?", name).Count(&n).Error; err != nil || n != 0 {
				t.Fatalf("a refused unit was stored: %d %v", n, err)
			}
		})
	}

	rows := func(prefix string, communities ...string) []cobuild.UnitRow {
		var out []cobuild.UnitRow
		for i, c := range communities {
			out = append(out, cobuild.UnitRow{Line: i + 2, Name: fmt.Sprintf("%s%d", prefix, i), Kind: "企业", Communities: c})
		}
		return out
	}
	if n, err := e.svc.ImportUnits(e.ctx, e.staffA, rows("阳光导入", "阳光社区", "阳光社区")); err != nil || n != 2 {
		t.Fatalf("staff of A importing units of A: %d %v", n, err)
	}
	n, err := e.svc.ImportUnits(e.ctx, e.staffA, rows("混合导入", "阳光社区", "和平社区", "阳光社区、和平社区"))
	ee := errs.As(err)
	if n != 0 || errs.CodeOf(err) != "IMPORT_REJECTED" {
		t.Fatalf("staff of A importing units of B: %d %v", n, err)
	}
	got := fmt.Sprint(ee.Details["errors"])
	if strings.Contains(got, "2 ") || !strings.Contains(got, "3 只能为您服务的社区登记共建单位") || !strings.Contains(got, "4 只能为您服务的社区登记共建单位") {
		t.Errorf("bad rows named: %s", got)
	}
	var stored int64
	if err := e.db.G.Table("organizations").Where("name LIKE ?", "混合导入%").Count(&stored).Error; err != nil || stored != 0 {
		t.Fatalf("a refused import stored %d units: %v", stored, err)
	}
	if _, err := e.svc.ImportUnits(e.ctx, orgStaff, rows("机构导入", "阳光社区")); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("an organisation's staff importing: %v", err)
	}
}
