package wristband_test

import (
	"strings"
	"testing"
	"time"

	"gongjian/internal/wristband"
)

// Revoking consent withdraws what the outbox still holds of the wearer's
// alarms: notices not yet sent (to guardians and escalated to staff) are
// cancelled, and no notice, sent or not, keeps the reading in its text or
// fields.
func TestRevokeConsentWithdrawsAlarmNotices(t *testing.T) {
	f := newFixture(t)
	u, imei, b := f.wearer("周爷爷")
	t0 := f.clock.Now()
	hr := 150
	r := f.push(imei, wristband.EventHeartRate, t0, func(p *wristband.Push) { p.HeartRate = &hr })
	if r.AlarmID == 0 {
		t.Fatalf("no alarm: %+v", r)
	}
	if n, err := f.svc.Escalate(f.ctx, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("escalate: %d %v", n, err)
	}
	type row struct {
		ID           int64
		Status, Body string
		Fields       string
	}
	read := func() []row {
		var rows []row
		if err := f.db.G.Table("outbox").Select("id, status, body, fields").
			Where("dedup_key LIKE ? OR dedup_key LIKE ?", "wristband:alarm:%", "wristband:escalate:%").Order("id").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := read()
	if len(before) < 2 || !strings.Contains(before[0].Body, "150") || !strings.Contains(before[0].Fields, "150") {
		t.Fatalf("want the guardian's and the staff's notices with the reading, got %+v", before)
	}
	// The guardian's notice went out already; the staff's is still queued.
	if err := f.db.G.Table("outbox").Where("id = ?", before[0].ID).Update("status", "sent").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeConsent(f.ctx, wristband.GuardianActor(u), b.DeviceID, ""); err != nil {
		t.Fatal(err)
	}
	after := read()
	if len(after) != len(before) {
		t.Fatalf("notices deleted: %d of %d left", len(after), len(before))
	}
	for i, n := range after {
		if strings.Contains(n.Body, "150") || strings.Contains(n.Fields, "150") {
			t.Errorf("notice %d keeps the reading: %q %s", n.ID, n.Body, n.Fields)
		}
		want := "cancelled"
		if i == 0 {
			want = "sent"
		}
		if n.Status != want {
			t.Errorf("notice %d: status %s, want %s", n.ID, n.Status, want)
		}
		if !strings.Contains(n.Body+n.Fields, "周爷爷") {
			t.Errorf("notice %d lost what it was about: %q %s", n.ID, n.Body, n.Fields)
		}
	}
}
