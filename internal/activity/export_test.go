package activity_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/activity"
	"gongjian/internal/resident"
)

// The streamed export holds every registration once, in sign-up order,
// across the batches it reads (more rows than one batch).
func TestExportStreamsEveryRegistration(t *testing.T) {
	e := newEnv(t, activity.Config{ExportBatch: 200})
	a := e.publish(nil, sess{600, 50})
	users := e.newUsers(620)
	for i, uid := range users {
		if _, err := e.register(e.ctx, uid, a.Sessions[0].ID); err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
	}
	name, write, err := e.svc.Export(e.ctx, e.admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if name == "" {
		t.Fatal("no file name")
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("报名名单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(users)+1 || rows[0][0] != "序号" {
		t.Fatalf("%d rows (header %v), want %d", len(rows), rows[0], len(users)+1)
	}
	waitlisted := 0
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(i+1) {
			t.Fatalf("row %d numbered %q", i+1, r[0])
		}
		if r[6] == activity.StatusName(activity.RegWaitlisted) {
			waitlisted++
		}
	}
	if waitlisted != 20 {
		t.Fatalf("%d waitlisted rows, want 20", waitlisted)
	}
	stranger := resident.User{ID: 98, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: e.org.ID + 1000}}}
	if _, _, err := e.svc.Export(e.ctx, stranger, a.ID); err == nil {
		t.Fatal("staff of another organisation exported the list")
	}
}
