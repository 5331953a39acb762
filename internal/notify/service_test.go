package notify_test

import (
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// Who may see an activity's notices, with the activity's owners read from
// the activity tables: admins; staff of its community or its organisation.
func TestActivityMessagesScope(t *testing.T) {
	e := newEnv(t)
	regs := newSQLRegs(t, e.db.G) // activity 9: community 1, host organisation 2
	uid, _ := e.user("resident")
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, shanghai)
	regs.set(notify.Attendance{RegistrationID: 1, UserID: uid, ActivityID: 9, Confirmed: true, ActivityTitle: "讲座",
		StartsAt: start, EndsAt: start.Add(time.Hour), ConfirmedAt: start.Add(-48 * time.Hour)})
	n := notice(uid, notify.RegistrationConfirmed, "scope:1", "讲座")
	n.ActivityID = 9
	e.add(n)
	dir := mysqlstore.NewRegistrationReminders(e.db)
	svc := notify.NewService(e.store, e.templates, dir, dir, e.clock.Now)
	staff := func(community, org int64) resident.User {
		return resident.User{ID: 100, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: community, OrgID: org}}}
	}
	cases := []struct {
		name     string
		viewer   resident.User
		activity int64
		code     string
	}{
		{"admin", resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}, 9, ""},
		{"staff of its community", staff(1, 0), 9, ""},
		{"staff of its organisation", staff(0, 2), 9, ""},
		{"staff of every community", staff(0, 0), 9, ""},
		{"staff of another community", staff(5, 0), 9, "FORBIDDEN"},
		{"staff of another organisation", staff(0, 7), 9, "FORBIDDEN"},
		{"resident", resident.User{ID: uid}, 9, "FORBIDDEN"},
		{"no such activity", staff(1, 0), 404, "ACTIVITY_NOT_FOUND"},
		{"no such activity, admin", resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}, 404, "ACTIVITY_NOT_FOUND"},
	}
	for _, c := range cases {
		items, counts, err := svc.ActivityMessages(e.ctx, c.viewer, c.activity, 0, 10)
		if c.code != "" {
			if errs.CodeOf(err) != c.code {
				t.Errorf("%s: got %v, want %s", c.name, err, c.code)
			}
			continue
		}
		if err != nil || len(items) != 1 || counts[notify.StatusPending] != 1 {
			t.Errorf("%s: %v %v %v", c.name, items, counts, err)
		}
	}
	// Without the activity tables, only admins.
	bare := notify.NewService(e.store, e.templates, nil, nil, e.clock.Now)
	if _, _, err := bare.ActivityMessages(e.ctx, staff(1, 0), 9, 0, 10); errs.CodeOf(err) != "FORBIDDEN" {
		t.Fatalf("staff without activity tables: %v", err)
	}
}

// The reminder template is asked for until the user has a grant for each
// upcoming activity not reminded yet; other templates until one is left.
func TestAskCountsUpcomingReminders(t *testing.T) {
	e := newEnv(t)
	regs := newSQLRegs(t, e.db.G)
	uid, _ := e.user("planner")
	for i := range 3 {
		start := e.clock.Now().Add(time.Duration(24*(i+1)) * time.Hour)
		regs.set(notify.Attendance{RegistrationID: int64(i + 1), UserID: uid, ActivityID: 9, Confirmed: true, ActivityTitle: "讲座",
			StartsAt: start, EndsAt: start.Add(time.Hour), ConfirmedAt: e.clock.Now()})
	}
	src := mysqlstore.NewRegistrationReminders(e.db)
	svc := notify.NewService(e.store, e.templates, src, src, e.clock.Now)
	need := func() (reminder, confirmed bool, first string) {
		s, err := svc.Subscriptions(e.ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Ask {
			reminder = reminder || a.Key == notify.ActivityReminder
			confirmed = confirmed || a.Key == notify.RegistrationConfirmed
		}
		return reminder, confirmed, s.Ask[0].Key
	}
	if r, c, first := need(); !r || !c || first != notify.ActivityReminder {
		t.Fatalf("ask reminder %v confirmed %v first %s", r, c, first)
	}
	for i := range 3 {
		if _, err := svc.RecordSubscriptions(e.ctx, uid, map[string]string{notify.ActivityReminder: "accept", notify.RegistrationConfirmed: "accept"}); err != nil {
			t.Fatal(err)
		}
		r, c, _ := need()
		if r != (i < 2) || c {
			t.Fatalf("after %d accepts: ask reminder %v confirmed %v", i+1, r, c)
		}
	}
}

// A long-term subscription WeChat answers 43101 for (the user turned it
// off in WeChat's settings) is no longer counted as granted: the notice is
// no_grant, the next one is not sent to WeChat, and the mini-program is told
// to ask for it again.
func TestLongTermRefusedByWeChatIsAskedAgain(t *testing.T) {
	e := newEnv(t)
	var ts []notify.Template
	for _, key := range notify.TemplateKeys {
		tpl, _ := e.templates.Get(key)
		tpl.LongTerm = key == notify.WristbandAlert
		ts = append(ts, tpl)
	}
	templates, err := notify.NewTemplates(ts)
	if err != nil {
		t.Fatal(err)
	}
	svc := notify.NewService(e.store, templates, nil, nil, e.clock.Now)
	r := e.runner("w1", func(_ *notify.RunnerConfig, d *notify.RunnerDeps) { d.Templates = templates })
	uid, _ := e.user("family")
	asked := func() bool {
		s, err := svc.Subscriptions(e.ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Ask {
			if a.Key == notify.WristbandAlert {
				return true
			}
		}
		return false
	}
	if _, err := svc.RecordSubscriptions(e.ctx, uid, map[string]string{notify.WristbandAlert: "accept"}); err != nil {
		t.Fatal(err)
	}
	if asked() {
		t.Fatal("an accepted long-term template is asked for")
	}
	calls0 := e.tenant.Count(wxemu.EndpointSubscribeSend)
	e.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 43101, Times: 1})
	defer e.tenant.ClearFaults()
	first := e.add(notice(uid, notify.WristbandAlert, "lt:1", "跌倒报警"))[0]
	e.drain(r)
	if got := e.row(first); got.Status != notify.StatusNoGrant || got.ErrCode != 43101 {
		t.Fatalf("first notice %+v", got)
	}
	second := e.add(notice(uid, notify.WristbandAlert, "lt:2", "跌倒报警"))[0]
	e.drain(r)
	if got := e.row(second); got.Status != notify.StatusNoGrant {
		t.Fatalf("second notice %+v", got)
	}
	if n := e.tenant.Count(wxemu.EndpointSubscribeSend) - calls0; n != 1 {
		t.Fatalf("%d WeChat calls, want 1: the refused subscription was still counted", n)
	}
	if !asked() {
		t.Fatal("the long-term template WeChat refused is not asked for again")
	}
}

// wx.requestSubscribeMessage answers "filter" for a template WeChat's
// background filtered out (a title the same as another's). It is a valid
// answer the user had no say in: the report is accepted, nothing is granted
// for that template, and the other templates' answers are recorded.
func TestFilteredTemplateIsAcceptedAndGrantsNothing(t *testing.T) {
	e := newEnv(t)
	svc := notify.NewService(e.store, e.templates, nil, nil, e.clock.Now)
	uid, _ := e.user("filtered")
	got, err := svc.RecordSubscriptions(e.ctx, uid, map[string]string{notify.RegistrationConfirmed: "filter", notify.WaitlistPromoted: "accept"})
	if err != nil {
		t.Fatalf("a report with filter: %v", err)
	}
	if g := got.Grants[notify.RegistrationConfirmed]; g.Balance != 0 || g.Status != "" {
		t.Fatalf("a filtered template was recorded: %+v", g)
	}
	if g := got.Grants[notify.WaitlistPromoted]; g.Balance != 1 || g.Status != notify.ResultAccept {
		t.Fatalf("the accepted template beside it: %+v", g)
	}
	if _, err := svc.RecordSubscriptions(e.ctx, uid, map[string]string{notify.RegistrationConfirmed: "filter"}); err != nil {
		t.Fatalf("a report of filter alone: %v", err)
	}
	if _, err := svc.RecordSubscriptions(e.ctx, uid, map[string]string{notify.RegistrationConfirmed: "maybe"}); errs.CodeOf(err) != "BAD_SUBSCRIPTION_RESULT" {
		t.Fatalf("an unknown answer: %v", err)
	}
}
