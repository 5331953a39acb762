package residence

import (
	"context"
	"slices"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// listStore records the filter the staff list asks for; every other
// method is unused here.
type listStore struct {
	Store
	apps []Application
	got  *Filter
}

func (s *listStore) List(_ context.Context, f Filter) ([]Application, error) {
	s.got = &f
	var out []Application
	for _, a := range s.apps {
		if f.CommunityIDs == nil || slices.Contains(f.CommunityIDs, a.CommunityID) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *listStore) Application(_ context.Context, id int64) (Application, error) {
	for _, a := range s.apps {
		if a.ID == id {
			return a, nil
		}
	}
	return Application{}, ErrNotFound
}

// Whoever may decide an application sees it in their list: a subdistrict
// admin (staff of that subdistrict's communities) too, not only staff
// holding a community role.
func TestStaffListShowsWhatTheyMayDecide(t *testing.T) {
	st := &listStore{apps: []Application{
		{ID: 1, CommunityID: 10, Status: StatusPending},
		{ID: 2, CommunityID: 20, Status: StatusPending},
		{ID: 3, CommunityID: 30, Status: StatusPending},
	}}
	s := NewService(st, nil, func() time.Time { return time.Unix(0, 0) })
	ctx := context.Background()
	cases := []struct {
		name string
		u    User
		want []int64
	}{
		{"district admin", User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}, []int64{1, 2, 3}},
		{"subdistrict admin", User{ID: 2, Roles: []resident.Role{{Role: resident.RoleAdmin, SubdistrictID: 5, Communities: []int64{10, 20}}}}, []int64{1, 2}},
		{"community staff", User{ID: 3, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: 30}}}, []int64{3}},
		{"subdistrict-wide staff", User{ID: 4, Roles: []resident.Role{{Role: resident.RoleStaff}}}, []int64{1, 2, 3}},
		{"organisation staff", User{ID: 5, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: 7}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := s.List(ctx, c.u, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, a := range list {
				ids = append(ids, a.ID)
				if _, err := s.handled(ctx, c.u, a.ID); err != nil {
					t.Errorf("listed application %d cannot be decided: %v", a.ID, err)
				}
			}
			if !slices.Equal(ids, c.want) {
				t.Fatalf("listed %v, want %v", ids, c.want)
			}
			// And everything they may decide is listed.
			for _, a := range st.apps {
				if _, err := s.handled(ctx, c.u, a.ID); err == nil && !slices.Contains(ids, a.ID) {
					t.Errorf("application %d may be decided but is not listed", a.ID)
				}
			}
		})
	}
}
