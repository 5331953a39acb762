package audit

import (
	"context"
	"testing"
	"time"
)

func TestCreatedFillsTheCreatingNoteOnce(t *testing.T) {
	ctx := WithRecorder(context.Background(), "127.0.0.1", "req-1")
	SetActor(ctx, 7, "张三", "staff", 1)
	Note(ctx, Entry{Action: "room.update", ObjectType: "room", ObjectID: 3})
	Note(ctx, Entry{Action: "room.create", ObjectType: "room", Creates: true})
	mark := Savepoint(ctx)
	Created(ctx, "room", 41) // an attempt that rolls back
	Created(ctx, "room", 42) // a second room row of the same attempt names nothing
	Rollback(ctx, mark)
	Created(ctx, "booking", 9)
	Created(ctx, "room", 43) // the retry
	got := Pending(ctx, time.Now())
	if len(got) != 2 || got[0].ObjectID != 3 || got[1].ObjectID != 43 {
		t.Fatalf("ids: %+v", got)
	}
	if got[1].Actor.UserID != 7 || got[1].Actor.RequestID != "req-1" {
		t.Fatalf("actor: %+v", got[1].Actor)
	}
}

func TestStaffOnlyNotesOfResidentsAreDropped(t *testing.T) {
	for _, tc := range []struct {
		role string
		want int
	}{{"resident", 1}, {"", 1}, {"staff", 2}, {"unit_contact", 2}} {
		ctx := WithRecorder(context.Background(), "", "")
		SetActor(ctx, 1, "", tc.role, 0)
		Note(ctx, Entry{Action: "booking.cancel", StaffOnly: true})
		Note(ctx, Entry{Action: "role.grant"})
		if got := Pending(ctx, time.Now()); len(got) != tc.want {
			t.Errorf("%q: %d notes, want %d", tc.role, len(got), tc.want)
		}
	}
}

func TestCleanRemovesPhonesAndSecrets(t *testing.T) {
	got := Clean(map[string]any{"name": "李大爷", "on_behalf_of": map[string]any{"phone": "13811112222", "reason": "电话13811112222"},
		"ticket": "abc", "contacts": []any{map[string]any{"name": "周", "phone": "13700001234"}}})
	if _, ok := got["ticket"]; ok {
		t.Error("ticket kept")
	}
	ob := got["on_behalf_of"].(map[string]any)
	if _, ok := ob["phone"]; ok || ob["reason"] != "电话[已隐去]" {
		t.Errorf("on_behalf_of: %v", ob)
	}
	if c := got["contacts"].([]any)[0].(map[string]any); c["phone"] != nil || c["name"] != "周" {
		t.Errorf("contacts: %v", c)
	}
}
