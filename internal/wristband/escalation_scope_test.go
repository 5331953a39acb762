package wristband_test

import (
	"testing"
	"time"

	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// An alarm escalated in a community without staff goes to the admins who
// serve that community: district admins and its own subdistrict's admins,
// never another subdistrict's admin (who may not see the wearer at all).
func TestEscalationWithoutStaffStaysInTheSubdistrict(t *testing.T) {
	f := newFixture(t)
	north := resident.Subdistrict{Name: "北街道"}
	if err := f.people.CreateSubdistrict(f.ctx, &north); err != nil {
		t.Fatal(err)
	}
	south, err := f.people.DefaultSubdistrictID(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := f.community("无人社区")
	cm, err := f.people.Community(f.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	cm.SubdistrictID = north.ID
	if err := f.people.UpdateCommunity(f.ctx, cm); err != nil {
		t.Fatal(err)
	}
	admin := func(name string, sub int64) resident.User {
		u := f.user(name, 0)
		if err := f.people.GrantRole(f.ctx, u.ID, resident.Role{Role: resident.RoleAdmin, SubdistrictID: sub}, 0); err != nil {
			t.Fatal(err)
		}
		return u
	}
	district, northAdmin, southAdmin := admin("district", 0), admin("north", north.ID), admin("south", south)
	u := f.user("周奶奶", c)
	imei := f.device(f.staff("registrar", f.community("另一个社区")))
	f.bindSelf(u, imei)
	t0 := f.clock.Now()
	f.push(imei, wristband.EventFall, t0, nil)
	if n, err := f.svc.Escalate(f.ctx, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("escalate: %d %v", n, err)
	}
	for _, tc := range []struct {
		who  resident.User
		want int64
	}{{district, 1}, {northAdmin, 1}, {southAdmin, 0}} {
		if got := f.count("outbox", "dedup_key LIKE ? AND user_id = ?", "wristband:escalate:%", tc.who.ID); got != tc.want {
			t.Errorf("escalation notices to %s: %d, want %d", tc.who.RealName, got, tc.want)
		}
	}
}
