package cobuild_test

import (
	"slices"
	"testing"

	"gongjian/internal/activity"
	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
)

// "A unit is an organisation (its id is the org_id roles already use)": a
// unit registered under the name of an organisation that already hosts
// activities is that organisation, with its id and communities kept, and
// becomes a unit (listed, claimable for, typed as a unit). An organisation
// that is a unit already, or a party organisation, is refused as before
// (409 UNIT_EXISTS); an import adopts the same way.
func TestUnitRegisteredForAnExistingOrganisationKeepsItsID(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	hospital := e.org("市第一人民医院", activity.OrgCoBuilding, e.commB)
	library := e.org("区图书馆", activity.OrgSocial)
	e.org("阳光社区党支部", activity.OrgParty)

	u, err := e.svc.CreateUnit(e.ctx, e.admin, cobuild.UnitInput{Name: "市第一人民医院", Kind: cobuild.KindHospital, CommunityIDs: []int64{e.commA},
		Contacts: []cobuild.ContactInput{{Name: "周主任", Phone: "13811110007"}}})
	if err != nil || u.ID != hospital || u.Kind != cobuild.KindHospital || len(u.Contacts) != 1 {
		t.Fatalf("unit of the existing hospital: %+v %v, want id %d", u, err, hospital)
	}
	if !slices.Contains(u.CommunityIDs, e.commA) || !slices.Contains(u.CommunityIDs, e.commB) {
		t.Errorf("communities %v: want the unit's (%d) and those the organisation served (%d)", u.CommunityIDs, e.commA, e.commB)
	}
	got, err := mysqlstore.NewActivityStore(e.db).Organization(e.ctx, hospital)
	if err != nil || got.Type != cobuild.OrgTypeUnit {
		t.Errorf("the organisation after: %+v %v, want type %s", got, err, cobuild.OrgTypeUnit)
	}
	// A contact of it acts for it: a need of community A is claimed.
	contact := e.user("contact", resident.Role{Role: resident.RoleUnitContact, OrgID: hospital})
	need := e.need(10, true)
	if c, err := e.svc.ClaimNeed(e.ctx, contact, need.ID, cobuild.ClaimInput{UnitID: hospital, Quantity: 2}); err != nil || c.UnitID != hospital {
		t.Fatalf("claim for the adopted unit: %+v %v", c, err)
	}

	for _, name := range []string{"市第一人民医院", "阳光社区党支部"} {
		_, err := e.svc.CreateUnit(e.ctx, e.admin, cobuild.UnitInput{Name: name, Kind: cobuild.KindHospital, CommunityIDs: []int64{e.commA}})
		if errs.CodeOf(err) != "UNIT_EXISTS" {
			t.Errorf("unit named %s: %v, want 409 UNIT_EXISTS", name, err)
		}
	}
	n, err := e.svc.ImportUnits(e.ctx, e.admin, []cobuild.UnitRow{{Line: 2, Name: "区图书馆", Kind: "事业单位", Communities: "阳光社区"}})
	if err != nil || n != 1 {
		t.Fatalf("import adopting the library: %d %v", n, err)
	}
	if lib, err := e.svc.Unit(e.ctx, library); err != nil || lib.Name != "区图书馆" {
		t.Fatalf("the library as a unit: %+v %v", lib, err)
	}
	us, err := e.svc.Units(e.ctx)
	if err != nil || len(us) != 2 {
		t.Fatalf("units: %d %v", len(us), err)
	}
}
