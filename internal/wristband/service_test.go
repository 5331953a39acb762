package wristband_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
	"gongjian/internal/wristband"
)

// fakeClock is a settable clock shared by the service and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fixture struct {
	t       testing.TB
	ctx     context.Context
	db      *mysqlstore.DB
	people  *mysqlstore.ResidentStore
	res     *resident.Service
	svc     *wristband.Service
	clock   *fakeClock
	imeiSeq int
}

// acmeSecret is the webhook secret of the test vendor "acme".
const acmeSecret = "acme-secret-0123456789"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, wristband.Config{Vendors: map[string]string{"acme": acmeSecret}, EscalationDelay: 10 * time.Minute})
}

// newFixtureWith builds the service with cfg on the test database and
// Redis, its clock set to now; tb is a test or a fuzz target.
func newFixtureWith(tb testing.TB, cfg wristband.Config) *fixture {
	tb.Helper()
	db := testenv.DB(tb)
	rdb, prefix := testenv.Redis(tb)
	people := mysqlstore.NewResidentStore(db)
	res := resident.NewService(people, testenv.Box(tb), nil, nil)
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	svc := wristband.NewService(cfg, mysqlstore.NewWristbandStore(db), res, redisstore.NewNonces(rdb, prefix), clock.Now)
	return &fixture{t: tb, ctx: context.Background(), db: db, people: people, res: res, svc: svc, clock: clock}
}

// user creates a user living in community (0 = none chosen).
func (f *fixture) user(name string, community int64) resident.User {
	f.t.Helper()
	u, err := f.people.EnsureUser(f.ctx, "o-"+name)
	if err != nil {
		f.t.Fatal(err)
	}
	rn := name
	if err := f.people.UpdateProfile(f.ctx, u.ID, resident.ProfilePatch{RealName: &rn, CommunityID: &community}); err != nil {
		f.t.Fatal(err)
	}
	u, _ = f.people.UserByID(f.ctx, u.ID)
	return u
}

func (f *fixture) community(name string) int64 {
	c, err := f.people.EnsureCommunity(f.ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) staff(name string, community int64) resident.User {
	u := f.user(name, 0)
	if err := f.people.GrantRole(f.ctx, u.ID, resident.Role{Role: resident.RoleStaff, CommunityID: community}, 0); err != nil {
		f.t.Fatal(err)
	}
	u, _ = f.people.UserByID(f.ctx, u.ID)
	return u
}

// activation is the vendor's activation code the fixture imports with a device.
func activation(imei string) string { return "ACT" + imei[len(imei)-6:] }

// device registers a new device (with its activation code) and returns its IMEI.
func (f *fixture) device(admin resident.User) string {
	f.t.Helper()
	f.imeiSeq++
	payload := fmt.Sprintf("86%012d", f.imeiSeq)
	imei := payload + string(wristband.LuhnDigit(payload))
	if _, err := f.svc.Import(f.ctx, admin, []wristband.ImportRow{{Line: 1, IMEI: imei, Model: "W1", Vendor: "acme", ActivationCode: activation(imei)}}); err != nil {
		f.t.Fatal(err)
	}
	return imei
}

// wearer is a resident wearing a band they bound themself (registered by
// an admin): the resident, the band's IMEI and the binding.
func (f *fixture) wearer(name string) (resident.User, string, wristband.Binding) {
	f.t.Helper()
	u := f.user(name, 0)
	imei := f.device(f.staff("admin", 0))
	return u, imei, f.bindSelf(u, imei)
}

func (f *fixture) bindSelf(u resident.User, imei string) wristband.Binding {
	f.t.Helper()
	b, err := f.svc.Bind(f.ctx, wristband.GuardianActor(u), wristband.BindInput{IMEI: imei, Code: activation(imei),
		Wearer: wristband.WearerRef{Self: true}, ConsentVersion: wristband.ConsentVersion})
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

var evSeq int

func (f *fixture) push(imei string, typ wristband.EventType, at time.Time, set func(p *wristband.Push)) wristband.IngestResult {
	f.t.Helper()
	evSeq++
	p := wristband.Push{Vendor: "acme", EventID: fmt.Sprintf("ev-%d-%d", time.Now().UnixNano(), evSeq), IMEI: imei, Type: typ, At: at}
	if set != nil {
		set(&p)
	}
	r, err := f.svc.Ingest(f.ctx, p)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func bp(sys, dia int) func(*wristband.Push) {
	return func(p *wristband.Push) { p.Systolic, p.Diastolic = &sys, &dia }
}

func loc(lat, lng float64) func(*wristband.Push) {
	return func(p *wristband.Push) { p.Lat, p.Lng = &lat, &lng }
}

func (f *fixture) count(table, where string, args ...any) int64 {
	f.t.Helper()
	var n int64
	q := f.db.G.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

// Readings outside the (default, then per-wearer) thresholds open one alarm
// per type and notify every guardian once; repeats while it is unresolved
// notify nobody. An alarm unacknowledged for the escalation delay notifies
// the community's staff once; an acknowledged one does not escalate.
func TestThresholdAlarmsAndEscalationWithFakeClock(t *testing.T) {
	f := newFixture(t)
	c1, c2 := f.community("阳光社区"), f.community("和平社区")
	admin := f.staff("admin", 0)
	staff1 := f.staff("staff1", c1)
	f.staff("staff2", c2) // another community's staff: never notified
	grandma := f.user("王奶奶", c1)
	son := f.user("王先生", c2)
	imei := f.device(admin)
	b := f.bindSelf(grandma, imei)
	code, _, err := f.svc.Invite(f.ctx, wristband.GuardianActor(grandma), b.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvitation(f.ctx, son.ID, code); err != nil {
		t.Fatal(err)
	}
	t0 := f.clock.Now()
	f.push(imei, wristband.EventLocation, t0, loc(31.23, 121.47))
	if r := f.push(imei, wristband.EventBloodPressure, t0, bp(150, 95)); r.AlarmID != 0 || r.Outcome != wristband.OutcomeStored {
		t.Fatalf("150/95 is within the defaults: %+v", r)
	}
	r1 := f.push(imei, wristband.EventBloodPressure, t0, bp(172, 95))
	if r1.AlarmID == 0 {
		t.Fatal("172 mmHg must open an alarm")
	}
	notices := func() int64 { return f.count("outbox", "template_key = ?", "wristband_alert") }
	if n := notices(); n != 2 {
		t.Fatalf("want one notice per guardian (2), got %d", n)
	}
	for i := 0; i < 3; i++ {
		if r := f.push(imei, wristband.EventBloodPressure, t0, bp(175+i, 96)); r.AlarmID != r1.AlarmID {
			t.Fatalf("a repeat opened another alarm: %+v", r)
		}
	}
	if n := notices(); n != 2 {
		t.Fatalf("repeats notified again: %d notices", n)
	}
	a, _ := mysqlstore.NewWristbandStore(f.db).Alarm(f.ctx, r1.AlarmID)
	if a.Repeats != 3 || a.Lat == nil || *a.Lat != 31.23 || a.Status != wristband.StatusOpen {
		t.Fatalf("alarm %+v", a)
	}
	hr := 120
	r2 := f.push(imei, wristband.EventHeartRate, t0, func(p *wristband.Push) { p.HeartRate = &hr })
	if r2.AlarmID == 0 || r2.AlarmID == r1.AlarmID || notices() != 4 {
		t.Fatalf("heart rate alarm: %+v, notices %d", r2, notices())
	}

	// The son acknowledges the heart-rate alarm: it will not escalate.
	if _, err := f.svc.HandleAlarm(f.ctx, wristband.GuardianActor(son), b.DeviceID, r2.AlarmID, true, "已电话确认"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.Escalate(f.ctx, t0.Add(10*time.Minute-time.Second)); err != nil || n != 0 {
		t.Fatalf("escalated before the delay: %d %v", n, err)
	}
	if n, err := f.svc.Escalate(f.ctx, t0.Add(10*time.Minute)); err != nil || n != 1 {
		t.Fatalf("want the open blood-pressure alarm escalated, got %d %v", n, err)
	}
	staffNotices := f.count("outbox", "dedup_key LIKE ?", "wristband:escalate:%")
	// staff1 (community 1) and admin (unscoped staff) serve grandma's community.
	if staffNotices != 2 || f.count("outbox", "dedup_key LIKE ? AND user_id = ?", "wristband:escalate:%", staff1.ID) != 1 {
		t.Fatalf("escalation notices: %d", staffNotices)
	}
	if n, _ := f.svc.Escalate(f.ctx, t0.Add(time.Hour)); n != 0 {
		t.Fatalf("escalated twice: %d", n)
	}

	// Per-wearer limits: with an upper systolic limit of 180, 172 is fine.
	if _, err := f.svc.HandleAlarm(f.ctx, wristband.StaffActor(staff1), 0, r1.AlarmID, false, "已上门，血压已复测"); err != nil {
		t.Fatal(err)
	}
	high := 180
	if _, err := f.svc.SetThresholds(f.ctx, wristband.GuardianActor(grandma), b.DeviceID, wristband.ThresholdsPatch{SystolicHigh: &high}); err != nil {
		t.Fatal(err)
	}
	if r := f.push(imei, wristband.EventBloodPressure, t0, bp(172, 95)); r.AlarmID != 0 {
		t.Fatalf("172 alarmed despite the wearer's limit of 180: %+v", r)
	}
	if r := f.push(imei, wristband.EventBloodPressure, t0, bp(181, 95)); r.AlarmID == 0 || r.AlarmID == r1.AlarmID {
		t.Fatalf("181 after the resolved alarm must open a new one: %+v", r)
	}
	if _, err := f.svc.SetThresholds(f.ctx, wristband.GuardianActor(son), b.DeviceID, wristband.ThresholdsPatch{SystolicHigh: &high}); errs.CodeOf(err) != "NOT_PRIMARY_GUARDIAN" {
		t.Fatalf("a secondary guardian changed thresholds: %v", err)
	}
}

// Concurrent out-of-range readings for one wearer open exactly one alarm and
// notify each guardian exactly once.
func TestConcurrentReadingsOpenOneAlarm(t *testing.T) {
	f := newFixture(t)
	_, imei, _ := f.wearer("李爷爷")
	const n = 12
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errsOut := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, d := 170+i, 90
			r, err := f.svc.Ingest(f.ctx, wristband.Push{Vendor: "acme", EventID: fmt.Sprintf("c-%d", i), IMEI: imei, Type: wristband.EventBloodPressure,
				At: f.clock.Now(), Systolic: &s, Diastolic: &d})
			ids[i], errsOut[i] = r.AlarmID, err
		}(i)
	}
	wg.Wait()
	for i, err := range errsOut {
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Fatalf("pushes saw different alarms: %v", ids)
		}
	}
	if a := f.count("wristband_alarms", ""); a != 1 {
		t.Fatalf("%d alarms, want 1", a)
	}
	if r := f.count("wristband_readings", ""); r != n {
		t.Fatalf("%d readings stored, want %d", r, n)
	}
	if m := f.count("outbox", ""); m != 1 {
		t.Fatalf("%d notices, want 1", m)
	}
}

// The purge deletes readings, locations and push records older than the
// retention period; alarms and the binding history stay.
func TestPurgeJob(t *testing.T) {
	f := newFixture(t)
	u, imei, b := f.wearer("赵奶奶")
	now := f.clock.Now()
	old := now.AddDate(0, 0, -181)
	f.clock.Set(old)
	f.push(imei, wristband.EventLocation, old, loc(30, 120))
	f.push(imei, wristband.EventBloodPressure, old, bp(170, 90)) // opens an alarm
	f.push("490154203237518", wristband.EventSOS, old, nil)      // unknown device: kept aside
	// A month ago: the reading is within the retention period, its push
	// record (event id) is not (kept 7 days by default).
	f.clock.Set(now.AddDate(0, 0, -30))
	f.push(imei, wristband.EventLocation, now.AddDate(0, 0, -30), loc(30.2, 120.2))
	f.clock.Set(now)
	f.push(imei, wristband.EventLocation, now.Add(-time.Hour), loc(30.1, 120.1))
	f.push(imei, wristband.EventBloodPressure, now.Add(-time.Hour), bp(130, 80))
	if err := f.svc.Unbind(f.ctx, wristband.GuardianActor(u), b.DeviceID, ""); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Purge(f.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Readings != 2 || res.Unattached != 1 || res.Events != 4 {
		t.Fatalf("purged %+v", res)
	}
	if n := f.count("wristband_readings", ""); n != 3 {
		t.Fatalf("%d recent readings left, want 3", n)
	}
	if n := f.count("wristband_events", ""); n != 2 {
		t.Fatalf("%d push records left, want the 2 of the last hour", n)
	}
	if f.count("wristband_alarms", "") != 1 || f.count("wristband_bindings", "") != 1 || f.count("wristband_guardians", "") != 1 {
		t.Fatal("alarms or binding history were purged")
	}
	if again, _ := f.svc.Purge(f.ctx, now); again != (wristband.PurgeResult{}) {
		t.Fatalf("second purge removed %+v", again)
	}
}

// Revoking consent deletes the wearer's readings, clears the location and
// values kept in alarms, and stores nothing more until consent is given again.
func TestRevokeConsent(t *testing.T) {
	f := newFixture(t)
	u, imei, b := f.wearer("孙奶奶")
	now := f.clock.Now()
	f.push(imei, wristband.EventLocation, now, loc(30, 120))
	f.push(imei, wristband.EventSOS, now, nil)
	n, err := f.svc.RevokeConsent(f.ctx, wristband.GuardianActor(u), b.DeviceID, "")
	if err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	if f.count("wristband_readings", "") != 0 || f.count("wristband_alarms", "lat IS NOT NULL OR detail <> ''") != 0 {
		t.Fatal("revoked data kept")
	}
	if f.count("wristband_alarms", "status = ?", "resolved") != 1 {
		t.Fatal("the alarm itself must be kept (closed)")
	}
	if r := f.push(imei, wristband.EventLocation, now, loc(30, 120)); r.Outcome != wristband.OutcomeNoConsent {
		t.Fatalf("after revocation: %+v", r)
	}
	if r := f.push(imei, wristband.EventFall, now, nil); r.AlarmID != 0 || f.count("wristband_readings", "")+f.count("wristband_unattached", "") != 0 {
		t.Fatalf("stored data after revocation: %+v", r)
	}
	if _, err := f.svc.RevokeConsent(f.ctx, wristband.GuardianActor(u), b.DeviceID, ""); errs.CodeOf(err) != "CONSENT_ALREADY_REVOKED" {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := f.svc.GiveConsent(f.ctx, wristband.GuardianActor(u), b.DeviceID, wristband.ConsentVersion); err != nil {
		t.Fatal(err)
	}
	if r := f.push(imei, wristband.EventLocation, now, loc(30, 120)); r.Outcome != wristband.OutcomeStored {
		t.Fatalf("after consent again: %+v", r)
	}
}

// The import is all or nothing and reports every bad line.
func TestImportAllOrNothing(t *testing.T) {
	f := newFixture(t)
	admin := f.staff("admin", 0)
	existing := f.device(admin)
	rows := []wristband.ImportRow{
		{Line: 2, IMEI: "490154203237518", Model: "W1", Vendor: "acme", Batch: "B"},
		{Line: 3, IMEI: "490154203237517", Model: "W1", Vendor: "acme"},
		{Line: 4, IMEI: "490154203237518", Model: "W1", Vendor: "acme"},
		{Line: 5, IMEI: existing, Model: "W1", Vendor: "acme"},
		{Line: 6, IMEI: "12345", Model: "W1", Vendor: "acme"},
		{Line: 7, IMEI: "352099001761481", Model: "", Vendor: "acme"},
		{Line: 8, IMEI: "356938035643809", Model: "W1", Vendor: "ACME Inc"},
	}
	_, err := f.svc.Import(f.ctx, admin, rows)
	e := errs.As(err)
	if e.Code != "IMPORT_REJECTED" || e.Kind != errs.KindUnprocessable {
		t.Fatalf("want IMPORT_REJECTED, got %v", err)
	}
	got := e.Details["errors"].([]wristband.LineError)
	want := map[int]string{3: "IMEI_CHECK_DIGIT", 4: "DUPLICATE_IN_FILE", 5: "ALREADY_REGISTERED", 6: "INVALID_IMEI", 7: "INVALID_MODEL", 8: "INVALID_VENDOR"}
	if len(got) != len(want) {
		t.Fatalf("errors %+v", got)
	}
	for _, le := range got {
		if want[le.Line] != le.Code {
			t.Errorf("line %d: %s, want %s", le.Line, le.Code, want[le.Line])
		}
	}
	if n := f.count("wristband_devices", ""); n != 1 {
		t.Fatalf("a rejected import stored %d devices", n-1)
	}
	if n, err := f.svc.Import(f.ctx, admin, rows[:1]); err != nil || n != 1 {
		t.Fatalf("good import: %d %v", n, err)
	}
	if _, err := f.svc.Import(f.ctx, f.user("居民", 0), rows[:1]); errs.CodeOf(err) != "FORBIDDEN" {
		t.Fatalf("a resident imported: %v", err)
	}
}

// An invitation code works once, before it expires and while the binding lasts.
func TestInvitationLifetime(t *testing.T) {
	f := newFixture(t)
	admin := f.staff("admin", 0)
	owner, a, b, c := f.user("owner", 0), f.user("a", 0), f.user("b", 0), f.user("c", 0)
	imei := f.device(admin)
	bd := f.bindSelf(owner, imei)
	invite := func() string {
		code, exp, err := f.svc.Invite(f.ctx, wristband.GuardianActor(owner), bd.DeviceID)
		if err != nil || !exp.Equal(f.clock.Now().Add(wristband.DefaultInvitationTTL)) {
			t.Fatalf("invite: %v %v", exp, err)
		}
		return code
	}
	expired := invite()
	f.clock.Set(f.clock.Now().Add(wristband.DefaultInvitationTTL))
	if _, err := f.svc.AcceptInvitation(f.ctx, a.ID, expired); errs.CodeOf(err) != "INVITATION_EXPIRED" {
		t.Fatalf("expired code: %v", err)
	}
	code := invite()
	if _, err := f.svc.AcceptInvitation(f.ctx, a.ID, code); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvitation(f.ctx, a.ID, code); errs.CodeOf(err) != "ALREADY_GUARDIAN" {
		t.Fatalf("same user again: %v", err)
	}
	if _, err := f.svc.AcceptInvitation(f.ctx, b.ID, code); errs.CodeOf(err) != "INVITATION_USED" {
		t.Fatalf("used code: %v", err)
	}
	pending := invite()
	if err := f.svc.Unbind(f.ctx, wristband.GuardianActor(owner), bd.DeviceID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvitation(f.ctx, c.ID, pending); errs.CodeOf(err) != "INVITATION_EXPIRED" {
		t.Fatalf("code of an ended binding: %v", err)
	}
	if bands, _ := f.svc.MyBands(f.ctx, wristband.GuardianActor(a)); len(bands) != 0 {
		t.Fatal("a guardian of an ended binding still sees it")
	}
}

// A community without staff escalates to the admins rather than to nobody.
func TestEscalationWithoutStaffGoesToAdmins(t *testing.T) {
	f := newFixture(t)
	registrar := f.staff("registrar", f.community("另一个社区"))
	adminUser := f.user("admin", 0)
	if err := f.people.GrantRole(f.ctx, adminUser.ID, resident.Role{Role: resident.RoleAdmin}, 0); err != nil {
		t.Fatal(err)
	}
	u := f.user("周奶奶", f.community("无人社区"))
	imei := f.device(registrar)
	f.bindSelf(u, imei)
	t0 := f.clock.Now()
	f.push(imei, wristband.EventFall, t0, nil)
	if n, err := f.svc.Escalate(f.ctx, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("escalate: %d %v", n, err)
	}
	if f.count("outbox", "dedup_key LIKE ? AND user_id = ?", "wristband:escalate:%", adminUser.ID) != 1 ||
		f.count("outbox", "dedup_key LIKE ? AND user_id = ?", "wristband:escalate:%", registrar.ID) != 0 {
		t.Fatal("escalation did not go to the admin (and only to them)")
	}
}
