package wristband_test

import (
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// Transferring a wristband to the wearer who already wears it is refused:
// it would end the binding, drop every guardian and close the open alarms
// ("转给他人佩戴") while the same person keeps wearing it.
func TestTransferToTheSameWearerIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.community("阳光社区")
	staff := f.staff("staff", c)
	owner := f.user("王女士", c)
	son := f.user("王先生", c)
	mother, err := f.res.AddDependent(f.ctx, owner.ID, dependentInput("王奶奶"))
	if err != nil {
		t.Fatal(err)
	}
	imei := f.device(staff)
	b, err := f.svc.Bind(f.ctx, wristband.GuardianActor(owner), wristband.BindInput{IMEI: imei, Code: activation(imei),
		Wearer: wristband.WearerRef{DependentID: mother.ID}, ConsentVersion: wristband.ConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := f.svc.Invite(f.ctx, wristband.GuardianActor(owner), b.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvitation(f.ctx, son.ID, code); err != nil {
		t.Fatal(err)
	}
	sos := f.push(imei, wristband.EventSOS, f.clock.Now(), nil)
	for _, tc := range []struct {
		name   string
		wearer wristband.WearerRef
		code   string
	}{
		{"the same dependent", wristband.WearerRef{DependentID: mother.ID}, "ALREADY_WEARER"},
		{"the owner herself", wristband.WearerRef{Self: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Transfer(f.ctx, wristband.StaffActor(staff), b.DeviceID, wristband.TransferInput{OwnerUserID: owner.ID,
				Wearer: tc.wearer, ConsentVersion: wristband.ConsentVersion, Reason: "换人佩戴"})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := errs.As(err); e == nil || e.Code != tc.code || e.Kind != errs.KindConflict {
				t.Fatalf("want 409 %s, got %v", tc.code, err)
			}
			if n := f.count("wristband_bindings", "device_id = ?", b.DeviceID); n != 1 {
				t.Fatalf("%d bindings after a refused transfer", n)
			}
			if _, err := f.svc.Readings(f.ctx, wristband.GuardianActor(son), b.DeviceID, wristband.ReadingFilter{}); err != nil {
				t.Fatalf("the son lost access: %v", err)
			}
			if n := f.count("wristband_alarms", "id = ? AND status = ?", sos.AlarmID, "open"); n != 1 {
				t.Fatal("the open SOS alarm was closed")
			}
		})
	}
}

func dependentInput(name string) resident.DependentInput {
	return resident.DependentInput{Name: name, Relation: resident.RelationParent, BirthDate: time.Date(1945, 3, 1, 0, 0, 0, 0, time.UTC), Gender: "female"}
}
