package cobuild_test

import (
	"strings"
	"testing"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
)

// What residents, contacts and admins type beyond what the columns hold is
// refused with a 400 they can act on (or folded, for repeated ids), never
// a failure of the database.
func TestOversizedInputRefused(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区档案馆")
	resident := e.user("wisher")
	many := make([]int64, 200)
	for i := range many {
		many[i] = e.commA
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"wish contact name of 80 characters", func() error {
			_, err := e.svc.CreateWish(e.ctx, resident, cobuild.WishInput{Title: "修门锁", ContactName: strings.Repeat("王", 80), ContactPhone: "13900001111"})
			return err
		}, "INVALID_CONTACT_NAME"},
		{"agreement document that is not an upload", func() error {
			_, err := e.svc.CreateUnit(e.ctx, e.admin, cobuild.UnitInput{Name: "区气象局", Kind: cobuild.KindInstitution, CommunityIDs: []int64{e.commA},
				Agreements: []cobuild.Agreement{{CommunityID: e.commA, StartsOn: e.clock, EndsOn: e.clock.AddDate(1, 0, 0),
					DocumentRef: "https://example.com/" + strings.Repeat("a", 200)}}})
			return err
		}, "INVALID_AGREEMENT"},
		{"resource serving one community named 200 times", func() error {
			r, err := e.svc.CreateResource(e.ctx, contact, cobuild.ResourceInput{UnitID: unit.ID, Kind: cobuild.ResVenue, Title: "阅览室",
				Quantity: 10, QuantityUnit: "次", CommunityIDs: many, ValidFrom: e.clock.Add(-time.Hour), ValidTo: e.clock.Add(time.Hour)})
			if err == nil && len(r.CommunityIDs) != 1 {
				t.Errorf("communities kept: %v", r.CommunityIDs)
			}
			return err
		}, ""},
	} {
		err := tc.call()
		if tc.code == "" && err != nil || tc.code != "" && (errs.CodeOf(err) != tc.code || errs.KindOf(err) != errs.KindInvalid) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
}
