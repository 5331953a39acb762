package activity_test

import (
	"strings"
	"testing"
	"time"

	"gongjian/internal/activity"
)

// A group — the account holder with family members, over a series of
// sessions — is one act of the resident's: its confirmation, its place in
// the waitlist and its promotion are one notice each (one WeChat message,
// one subscription grant spent), saying how many people and sessions it
// covers.
func TestAGroupHearsOnceOfEachStep(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(func(in *activity.ActivityInput) { in.Series = true; in.Title = "陶艺营" }, sess{2, 4}, sess{2, 4}, sess{2, 4})
	u := e.newUsers(2)
	adult := time.Date(1960, 5, 1, 0, 0, 0, 0, time.UTC)
	first := mustRegister(t, e, u[0], a.Sessions[0].ID, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[0], "小明", adult)})
	second := mustRegister(t, e, u[1], a.Sessions[0].ID, activity.AttendeeRef{Self: true}, activity.AttendeeRef{DependentID: e.dependent(u[1], "小红", adult)})
	if len(first) != 6 || first[0].Status != activity.RegConfirmed || len(second) != 6 || second[0].Status != activity.RegWaitlisted {
		t.Fatalf("setup: %d %s, %d %s", len(first), first[0].Status, len(second), second[0].Status)
	}
	body := func(template string, uid int64) []string {
		var out []string
		if err := e.db.G.Table("outbox").Where("template_key = ? AND user_id = ? AND activity_id = ?", template, uid, a.ID).Pluck("body", &out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		template string
		uid      int64
		want     []string
	}{
		{"registration_confirmed", u[0], []string{"为 2 人", "共 3 场", "陶艺营"}},
		{"registration_waitlisted", u[1], []string{"为 2 人", "共 3 场", "第 1 位"}},
	} {
		got := body(c.template, c.uid)
		if len(got) != 1 {
			t.Fatalf("%s: %d notices, want one for the group: %q", c.template, len(got), got)
		}
		for _, w := range c.want {
			if !strings.Contains(got[0], w) {
				t.Fatalf("%s: %q does not say %q", c.template, got[0], w)
			}
		}
	}
	// Staff remove the first family from every session; the second is
	// promoted as a whole and hears it once.
	for _, r := range first {
		if _, err := e.svc.Cancel(e.ctx, u[0], r.ID); err != nil && code(err) != "ALREADY_CANCELLED" {
			t.Fatal(err)
		}
	}
	if got := statuses(t, e, second...); got[0] != activity.RegConfirmed {
		t.Fatalf("the waitlisted family was not promoted: %v", got)
	}
	if got := body("waitlist_promoted", u[1]); len(got) != 1 || !strings.Contains(got[0], "为 2 人") || !strings.Contains(got[0], "共 3 场") {
		t.Fatalf("promotion notices: %q", got)
	}
	// A lone sign-up's notice reads as before.
	solo, _ := e.publishOne(sess{5, 0})
	mustRegister(t, e, u[1], solo.Sessions[0].ID)
	var one []string
	e.db.G.Table("outbox").Where("template_key = ? AND activity_id = ?", "registration_confirmed", solo.ID).Pluck("body", &one)
	if len(one) != 1 || strings.Contains(one[0], "人") && strings.Contains(one[0], "为 ") || strings.Contains(one[0], "共 ") {
		t.Fatalf("a lone sign-up's notice: %q", one)
	}
}
