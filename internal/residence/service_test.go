package residence

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
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

// decideStore records the notices a decision hands to the store.
type decideStore struct {
	listStore
	notices []notify.Notice
}

func (s *decideStore) Approve(_ context.Context, _, _ int64, _ time.Time, ns []notify.Notice) (bool, error) {
	s.notices = append(s.notices, ns...)
	s.apps[0].Status = StatusApproved
	return true, nil
}

func (s *decideStore) Reject(_ context.Context, _, _ int64, _ string, _ time.Time, ns []notify.Notice) (bool, error) {
	s.notices = append(s.notices, ns...)
	return true, nil
}

// The resident is told every decision, in the write of the decision: the
// confirmed community's name, or the staff member's reason; the notice
// opens the residence page.
func TestDecisionsTellTheResident(t *testing.T) {
	staff := User{ID: 9, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: 10}}}
	cases := []struct {
		name    string
		decide  func(*Service) error
		title   string
		status  string
		mention string
	}{
		{"approved", func(s *Service) error { _, err := s.Approve(context.Background(), staff, 1); return err }, "居住认证已通过", "已通过", "阳光社区"},
		{"rejected", func(s *Service) error {
			_, err := s.Reject(context.Background(), staff, 1, "门牌号与登记不符")
			return err
		}, "居住认证未通过", "未通过", "门牌号与登记不符"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &decideStore{listStore: listStore{apps: []Application{{ID: 1, UserID: 42, CommunityID: 10, CommunityName: "阳光社区",
				Address: "幸福路88号", Building: "3号楼", Unit: "2单元301", Status: StatusPending}}}}
			if err := c.decide(NewService(st, nil, func() time.Time { return time.Unix(0, 0) })); err != nil {
				t.Fatal(err)
			}
			if len(st.notices) != 1 {
				t.Fatalf("%d notices, want 1", len(st.notices))
			}
			n := st.notices[0]
			if n.UserID != 42 || n.TemplateKey != NoticeTemplate || n.Page != "pages/residence/index" || n.DedupKey != "residence:1:reviewed" ||
				n.Title != c.title || n.Fields["status"] != c.status || !strings.Contains(n.Body, c.mention) || n.Fields["note"] != c.mention {
				t.Fatalf("notice: %+v", n)
			}
		})
	}
}

// applyStore knows every community and keeps what is filed.
type applyStore struct {
	Store
	created []Application
}

func (s *applyStore) CommunityExists(context.Context, int64) (bool, error) { return true, nil }

func (s *applyStore) Create(_ context.Context, a *Application) error {
	a.ID = int64(len(s.created) + 1)
	s.created = append(s.created, *a)
	return nil
}

// A resident is told what is wrong with the address: a missing part is
// asked for, a part too long is said to be too long (not "please fill in").
func TestApplicationAddressRefusalsSayWhatToDo(t *testing.T) {
	s := NewService(&applyStore{}, nil, nil)
	long := func(n int) string { return strings.Repeat("号", n) }
	cases := []struct {
		name string
		in   Input
		code string
	}{
		{"complete", Input{CommunityID: 1, Address: "阳光路1号", Building: "3号楼", Unit: "2单元"}, ""},
		{"no address", Input{CommunityID: 1, Address: " ", Building: "3号楼", Unit: "2单元"}, "ADDRESS_REQUIRED"},
		{"no unit", Input{CommunityID: 1, Address: "阳光路1号", Building: "3号楼"}, "ADDRESS_REQUIRED"},
		{"address of 100", Input{CommunityID: 1, Address: long(100), Building: "3号楼", Unit: "2单元"}, ""},
		{"address of 101", Input{CommunityID: 1, Address: long(101), Building: "3号楼", Unit: "2单元"}, "INVALID_ADDRESS"},
		{"unit of 21", Input{CommunityID: 1, Address: "阳光路1号", Building: "3号楼", Unit: long(21)}, "INVALID_ADDRESS"},
		{"a line break", Input{CommunityID: 1, Address: "阳光路\n1号", Building: "3号楼", Unit: "2单元"}, "INVALID_ADDRESS"},
	}
	for _, c := range cases {
		_, err := s.Apply(context.Background(), 7, c.in)
		got := ""
		if err != nil {
			got = errs.CodeOf(err)
			if !strings.ContainsAny(errs.As(err).Message, "请不") {
				t.Errorf("%s: message %q", c.name, errs.As(err).Message)
			}
		}
		if got != c.code {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, err, c.code)
		}
	}
}
