package wristband_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/redisstore"
	"gongjian/internal/testenv"
	"gongjian/internal/wristband"
)

// Binding needs a secret only the device's holder has: the vendor's
// activation code imported with it, or a one-time, expiring code staff
// issue at hand-over. An unknown IMEI and a wrong code get the very same
// answer; attempts are limited per account and per device.
func TestBindNeedsTheHoldersSecret(t *testing.T) {
	f := newFixture(t)
	rdb, prefix := testenv.Redis(t)
	f.svc.LimitBindAttempts(redisstore.NewLimiter(rdb, prefix))
	admin := f.staff("admin", 0)
	bind := func(u string, imei, code string) error {
		_, err := f.svc.Bind(f.ctx, wristband.GuardianActor(f.user(u, 0)), wristband.BindInput{IMEI: imei, Code: code,
			Wearer: wristband.WearerRef{Self: true}, ConsentVersion: wristband.ConsentVersion})
		return err
	}
	same := func(what string, err error) {
		t.Helper()
		e := errs.As(err)
		if e.Code != "BIND_CODE_INVALID" || e.Message != wristband.ErrBindCode.Message || len(e.Details) != 0 {
			t.Fatalf("%s: %v %v", what, err, e.Details)
		}
	}
	imei := f.device(admin) // imported with its activation code
	if err := bind("甲", imei, ""); errs.CodeOf(err) != "BIND_CODE_REQUIRED" {
		t.Fatalf("no code: %v", err)
	}
	same("a wrong code", bind("甲", imei, "ACT000000"))
	unknown := f.newIMEI()
	same("an unknown IMEI", bind("乙", unknown, "ACT000000"))
	// The activation code binds (any case, dashes and spaces ignored).
	if err := bind("丙", imei, strings.ToLower(activation(imei)[:3])+"-"+activation(imei)[3:]); err != nil {
		t.Fatalf("activation code: %v", err)
	}

	// A device imported without an activation code: a staff bind code, once.
	bare := f.newIMEI()
	if _, err := f.svc.Import(f.ctx, admin, []wristband.ImportRow{{Line: 1, IMEI: bare, Model: "W1", Vendor: "acme"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.IssueBindCode(f.ctx, f.user("丁", 0), 1); errs.CodeOf(err) != "FORBIDDEN" {
		t.Fatalf("a resident issuing a bind code: %v", err)
	}
	items, err := f.svc.Devices(f.ctx, admin, wristband.DeviceFilter{IMEI: bare})
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	dev := items[0].Device.ID
	first, err := f.svc.IssueBindCode(f.ctx, admin, dev)
	if err != nil || len(first.Code) != 8 || first.ExpiresAt.Sub(f.clock.Now()) != wristband.DefaultBindCodeTTL {
		t.Fatalf("bind code: %+v %v", first, err)
	}
	second, err := f.svc.IssueBindCode(f.ctx, admin, dev) // replaces the first
	if err != nil {
		t.Fatal(err)
	}
	if first.Code != second.Code {
		same("a replaced code", bind("戊", bare, first.Code))
	}
	// Expired: refused the same way.
	f.clock.Set(second.ExpiresAt.Add(time.Second))
	same("an expired code", bind("己", bare, second.Code))
	f.clock.Set(time.Now().UTC())
	third, _ := f.svc.IssueBindCode(f.ctx, admin, dev)
	if err := bind("庚", bare, third.Code); err != nil {
		t.Fatalf("staff bind code: %v", err)
	}
	if _, err := f.svc.IssueBindCode(f.ctx, admin, dev); errs.CodeOf(err) != "DEVICE_ALREADY_BOUND" {
		t.Fatalf("a code for a bound device: %v", err)
	}

	// Attempts: 5 per account, 5 per device, every 15 minutes.
	target := f.device(admin)
	for i := 0; i < wristband.BindAttempts; i++ {
		same("guess", bind("辛", target, "GUESS00"+string(rune('0'+i))))
	}
	if err := bind("辛", f.newIMEI(), "GUESS"); errs.CodeOf(err) != "RATE_LIMITED" {
		t.Fatalf("the account's sixth attempt: %v", err)
	}
	if err := bind("壬", target, activation(target)); errs.CodeOf(err) != "RATE_LIMITED" {
		t.Fatalf("the device's sixth attempt (from another account, right code): %v", err)
	}
}

// A push older than the live window (24 h by default) is history: its
// reading is stored, but it opens no alarm and notifies nobody — an SOS
// dated 2001 included.
func TestLateEventsAreHistoryOnly(t *testing.T) {
	f := newFixture(t)
	_, imei, _ := f.wearer("钱奶奶")
	now := f.clock.Now()
	for _, at := range []time.Time{time.Date(2001, 3, 1, 8, 0, 0, 0, time.UTC), now.Add(-25 * time.Hour)} {
		if r := f.push(imei, wristband.EventSOS, at, loc(30, 120)); r.Outcome != wristband.OutcomeHistory || r.AlarmID != 0 {
			t.Fatalf("SOS of %v: %+v", at, r)
		}
		if r := f.push(imei, wristband.EventBloodPressure, at, bp(190, 120)); r.Outcome != wristband.OutcomeHistory || r.AlarmID != 0 {
			t.Fatalf("blood pressure of %v: %+v", at, r)
		}
	}
	if a, n, r := f.count("wristband_alarms", ""), f.count("outbox", ""), f.count("wristband_readings", ""); a != 0 || n != 0 || r != 4 {
		t.Fatalf("alarms %d, notices %d, readings %d; want 0, 0 and 4 (history)", a, n, r)
	}
	// Within the window it is live.
	if r := f.push(imei, wristband.EventSOS, now.Add(-23*time.Hour), nil); r.Outcome != wristband.OutcomeStored || r.AlarmID == 0 {
		t.Fatalf("SOS of 23 hours ago: %+v", r)
	}
}

// Pushes of unknown or unbound devices are for the staff who manage the
// registry (admins, subdistrict-wide staff), not every community's staff,
// and are purged after a week.
func TestUnattachedPushesForTheRegistryAndPurgedAfterAWeek(t *testing.T) {
	f := newFixture(t)
	admin := f.staff("admin", 0)
	community := f.staff("社区值守", f.community("阳光社区"))
	now := f.clock.Now()
	f.clock.Set(now.AddDate(0, 0, -8))
	f.push(f.newIMEI(), wristband.EventLocation, now.AddDate(0, 0, -8), loc(31, 121))
	f.clock.Set(now.AddDate(0, 0, -6))
	f.push(f.newIMEI(), wristband.EventLocation, now.AddDate(0, 0, -6), loc(31, 121))
	f.clock.Set(now)
	if _, err := f.svc.Unattached(f.ctx, community, 0, 50); errs.CodeOf(err) != "FORBIDDEN" {
		t.Fatalf("community staff: %v", err)
	}
	if xs, err := f.svc.Unattached(f.ctx, admin, 0, 50); err != nil || len(xs) != 2 {
		t.Fatalf("registry staff: %d %v", len(xs), err)
	}
	res, err := f.svc.Purge(f.ctx, now)
	if err != nil || res.Unattached != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if n := f.count("wristband_unattached", ""); n != 1 {
		t.Fatalf("%d pushes kept aside left, want the one of 6 days ago", n)
	}
}

// newIMEI is a valid IMEI no device has.
func (f *fixture) newIMEI() string {
	f.imeiSeq++
	payload := fmt.Sprintf("35%012d", f.imeiSeq)
	return payload + string(wristband.LuhnDigit(payload))
}

// Staff who acknowledge or resolve an alarm see its location in the
// answer: that view is written to the access log like any other.
func TestStaffHandlingAnAlarmLogsItsLocationView(t *testing.T) {
	f := newFixture(t)
	cid := f.community("锦绣社区")
	u := f.user("周奶奶", cid)
	imei := f.device(f.staff("admin", 0))
	b := f.bindSelf(u, imei)
	st := f.staff("值班员", cid)
	now := f.clock.Now()
	f.push(imei, wristband.EventLocation, now, loc(30, 120))
	r := f.push(imei, wristband.EventSOS, now, nil)
	if r.AlarmID == 0 {
		t.Fatalf("no alarm: %+v", r)
	}
	for i, ack := range []bool{true, false} {
		al, err := f.svc.HandleAlarm(f.ctx, wristband.StaffActor(st), 0, r.AlarmID, ack, "已电话联系")
		if err != nil || al.Lat == nil {
			t.Fatalf("handle (ack=%v): %+v %v", ack, al, err)
		}
		if n := f.count("wristband_access_log", "binding_id = ? AND viewer_user_id = ? AND what = ?", b.ID, st.ID, wristband.ViewAlarmLocation); n != int64(i+1) {
			t.Fatalf("after ack=%v: %d access-log entries for the staff's view of the location, want %d", ack, n, i+1)
		}
	}
	// A guardian's answer has no location, so nothing is logged for them.
	r = f.push(imei, wristband.EventFall, now, nil)
	if al, err := f.svc.HandleAlarm(f.ctx, wristband.GuardianActor(u), b.DeviceID, r.AlarmID, true, ""); err != nil || al.Lat != nil {
		t.Fatalf("guardian ack: %+v %v", al, err)
	}
	if n := f.count("wristband_access_log", "viewer_user_id = ?", u.ID); n != 0 {
		t.Fatalf("guardian saw no location but %d entries were logged", n)
	}
}
