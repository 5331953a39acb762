package resident

import (
	"slices"
	"testing"
)

// TestConsolePermissions checks which console sections each persona's
// scope opens (the console hides menus by them; routes check again).
func TestConsolePermissions(t *testing.T) {
	tests := []struct {
		name  string
		roles []Role
		has   []string
		lacks []string
	}{
		{"district admin", []Role{{Role: RoleAdmin}},
			[]string{"dashboard", "activities", "audit", "cobuild", "cobuild.review", "cobuild.units", "rooms", "residence", "roles.grant"}, nil},
		{"staff of every community", []Role{{Role: RoleStaff}}, []string{"residence", "cobuild.review", "cobuild.units"}, []string{"audit"}},
		{"subdistrict admin", []Role{{Role: RoleAdmin, SubdistrictID: 2, Communities: []int64{5}}},
			[]string{"audit", "cobuild", "cobuild.review", "cobuild.units", "rooms", "residence"}, []string{"roles.grant"}},
		{"community staff", []Role{{Role: RoleStaff, CommunityID: 1}},
			[]string{"activities", "hours", "cobuild", "cobuild.review", "cobuild.units", "rooms", "residence"}, []string{"audit"}},
		{"organisation staff", []Role{{Role: RoleStaff, OrgID: 4}}, []string{"activities", "hours"}, []string{"residence", "audit", "cobuild.units"}},
		{"unit contact", []Role{{Role: RoleUnitContact, OrgID: 9}},
			[]string{"dashboard", "activities", "cobuild", "rooms"}, []string{"hours", "people", "cobuild.review", "cobuild.units", "audit", "residence"}},
		{"resident", []Role{{Role: "resident"}}, nil, []string{"dashboard", "cobuild", "rooms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := User{Roles: tt.roles}.ConsoleScope().Permissions()
			for _, want := range tt.has {
				if !slices.Contains(p, want) {
					t.Errorf("permissions %v lack %q", p, want)
				}
			}
			for _, not := range tt.lacks {
				if slices.Contains(p, not) {
					t.Errorf("permissions %v have %q", p, not)
				}
			}
		})
	}
}
