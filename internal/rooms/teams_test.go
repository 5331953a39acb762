package rooms_test

import (
	"testing"

	"gongjian/internal/rooms"
	"gongjian/internal/testenv"
)

// TestInviteNamesAnAccount: a leader invites a resident by account id; an
// id no account has is refused (USER_NOT_FOUND), not recorded as an
// invitation nobody can accept.
func TestInviteNamesAnAccount(t *testing.T) {
	e := newEnv(t)
	leader, err := e.people.EnsureUser(e.ctx, testenv.RandomName("leader-"))
	if err != nil {
		t.Fatal(err)
	}
	invitee, err := e.people.EnsureUser(e.ctx, testenv.RandomName("invitee-"))
	if err != nil {
		t.Fatal(err)
	}
	team, err := e.svc.CreateTeam(e.ctx, e.staff(), rooms.Team{CommunityID: e.community, Name: testenv.RandomName("合唱团"), Kind: "choir", LeaderID: leader.ID})
	if err != nil {
		t.Fatal(err)
	}
	leader.CommunityID = e.community
	m, err := e.svc.Invite(e.ctx, leader, team.ID, invitee.ID)
	if err != nil || m.Status != rooms.MemberInvited {
		t.Fatalf("invite: %+v %v", m, err)
	}
	_, err = e.svc.Invite(e.ctx, leader, team.ID, invitee.ID+1_000_000)
	wantCode(t, err, "USER_NOT_FOUND")
	ms, err := e.store.Members(e.ctx, team.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("members %+v %v, want the leader and the invitee", ms, err)
	}
}
