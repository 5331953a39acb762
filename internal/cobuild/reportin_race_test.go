package cobuild_test

import (
	"testing"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// A decision is taken on the report-in staff read: when the member
// re-reports (to another community, or naming another workplace) between
// staff's read and the write, the decision is refused and the new
// report-in stays pending for the community it names now; nothing is
// confirmed for the community that no longer holds it.
func TestReportInDecisionOnTheReportStaffSaw(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, _ := e.unit("区教育局")
	other, _ := e.unit("区卫健委")
	for _, tc := range []struct {
		name      string
		community int64
		workplace int64
	}{
		{"moved to another community", e.commB, unit.ID},
		{"named another workplace", e.commA, other.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			member := e.user("member", resident.Role{Role: resident.RolePartyMember})
			if _, err := e.svc.ReportInTo(e.ctx, member, e.commA, unit.ID); err != nil {
				t.Fatal(err)
			}
			seen, err := e.store.ReportIn(e.ctx, member.ID) // what staff of community A read
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.ReportInTo(e.ctx, member, tc.community, tc.workplace); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			seen.Status, seen.ReviewedAt = cobuild.ReportConfirmed, &now
			if err := e.store.ReviewReportIn(e.ctx, seen, nil); errs.KindOf(err) != errs.KindConflict || errs.CodeOf(err) != "REPORT_IN_CHANGED" {
				t.Fatalf("decision on a report-in changed meanwhile: %v, want 409 REPORT_IN_CHANGED", err)
			}
			got, err := e.store.ReportIn(e.ctx, member.ID)
			if err != nil || got.Status != cobuild.ReportPending || got.CommunityID != tc.community || got.WorkplaceOrgID != tc.workplace {
				t.Fatalf("report-in after the refused decision: %+v %v", got, err)
			}
			var n int64
			if err := e.db.G.Table("party_memberships").Where("user_id = ?", member.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("the refused decision recorded a membership")
			}
		})
	}
}
