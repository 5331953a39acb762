package cobuild_test

import (
	"fmt"
	"strings"
	"testing"

	"gongjian/internal/activity"
	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// A unit's party organisation must be an existing party organisation, and
// a party member's report-in workplace an existing co-building unit or
// party organisation: an unknown id or an organisation of another kind
// (a social organisation; a co-building unit as a party organisation) is
// refused with 400 and a code, and nothing is stored.
func TestUnitPartyOrgAndWorkplaceAreOrganisationsOfTheirKind(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	party, social := e.org("阳光社区党支部", activity.OrgParty), e.org("阳光志愿者协会", activity.OrgSocial)
	other, _ := e.unit("区税务局")
	const missing = 987654321

	for i, tc := range []struct {
		name     string
		partyOrg int64
		code     string
	}{
		{"nonexistent", missing, "UNKNOWN_ORG"},
		{"negative", -1, "UNKNOWN_ORG"},
		{"social organisation", social, "NOT_A_PARTY_ORG"},
		{"co-building unit", other.ID, "NOT_A_PARTY_ORG"},
		{"party organisation", party, ""},
		{"none", 0, ""},
	} {
		t.Run("unit/"+tc.name, func(t *testing.T) {
			in := cobuild.UnitInput{Name: fmt.Sprintf("共建单位%d", i), Kind: cobuild.KindEnterprise, PartyOrgID: tc.partyOrg,
				CommunityIDs: []int64{e.commA}}
			u, err := e.svc.CreateUnit(e.ctx, e.admin, in)
			if tc.code == "" {
				if err != nil || u.PartyOrgID != tc.partyOrg {
					t.Fatalf("unit with party org %d: %+v %v", tc.partyOrg, u, err)
				}
				return
			}
			if errs.KindOf(err) != errs.KindInvalid || errs.CodeOf(err) != tc.code {
				t.Fatalf("unit with party org %d: %v, want 400 %s", tc.partyOrg, err, tc.code)
			}
			var n int64
			if err := e.db.G.Table("organizations").Where("name = ?", in.Name).Count(&n).Error; err != nil || n != 0 {
				t.Fatalf("a refused unit was stored: %d %v", n, err)
			}
		})
	}

	// An import naming a social organisation as a row's party organisation
	// imports nothing and names the row.
	_, err := e.svc.ImportUnits(e.ctx, e.admin, []cobuild.UnitRow{
		{Line: 2, Name: "导入单位甲", Kind: "企业", PartyOrg: "阳光社区党支部", Communities: "阳光社区"},
		{Line: 3, Name: "导入单位乙", Kind: "企业", PartyOrg: "阳光志愿者协会", Communities: "阳光社区"},
	})
	if ee := errs.As(err); errs.CodeOf(err) != "IMPORT_REJECTED" || !strings.Contains(fmt.Sprint(ee.Details["errors"]), "不是党组织") {
		t.Errorf("import with a social organisation as party organisation: %v %v", err, ee)
	}

	for _, tc := range []struct {
		name      string
		workplace int64
		code      string
	}{
		{"nonexistent", missing, "UNKNOWN_ORG"},
		{"none", 0, "UNKNOWN_ORG"},
		{"social organisation", social, "NOT_A_WORKPLACE_ORG"},
		{"co-building unit", other.ID, ""},
		{"party organisation", party, ""},
	} {
		t.Run("report-in/"+tc.name, func(t *testing.T) {
			member := e.user("member", resident.Role{Role: resident.RolePartyMember})
			r, err := e.svc.ReportInTo(e.ctx, member, e.commA, tc.workplace)
			if tc.code == "" {
				if err != nil || r.WorkplaceOrgID != tc.workplace || r.Status != cobuild.ReportPending {
					t.Fatalf("report-in naming %d: %+v %v", tc.workplace, r, err)
				}
				return
			}
			if errs.KindOf(err) != errs.KindInvalid || errs.CodeOf(err) != tc.code {
				t.Fatalf("report-in naming %d: %v, want 400 %s", tc.workplace, err, tc.code)
			}
			if _, err := e.store.ReportIn(e.ctx, member.ID); errs.KindOf(err) != errs.KindNotFound {
				t.Fatalf("a refused report-in was stored: %v", err)
			}
		})
	}
}
