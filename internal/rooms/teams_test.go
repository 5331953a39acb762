package rooms_test

import (
	"sync"
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

// TestHandoverAndLeavingAtOnce: a member the leadership passes to while
// they leave the team either leads it (their leaving refused
// LEADER_STAYS) or has left it (the handover refused LEADER_NOT_MEMBER);
// never a team led by someone who left it.
func TestHandoverAndLeavingAtOnce(t *testing.T) {
	e := newEnv(t)
	for round := 0; round < 20; round++ {
		leader, err := e.people.EnsureUser(e.ctx, testenv.RandomName("leader-"))
		if err != nil {
			t.Fatal(err)
		}
		next, err := e.people.EnsureUser(e.ctx, testenv.RandomName("next-"))
		if err != nil {
			t.Fatal(err)
		}
		leader.CommunityID, next.CommunityID = e.community, e.community
		team, err := e.svc.CreateTeam(e.ctx, e.staff(), rooms.Team{CommunityID: e.community, Name: testenv.RandomName("秧歌队"), Kind: "dance", LeaderID: leader.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Join(e.ctx, next, team.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DecideMember(e.ctx, leader, team.ID, next.ID, true); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var handErr, leaveErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, handErr = e.svc.ChangeLeader(e.ctx, leader, team.ID, next.ID) }()
		go func() { defer wg.Done(); leaveErr = e.svc.RemoveMember(e.ctx, next, team.ID, next.ID) }()
		wg.Wait()
		after, err := e.store.Team(e.ctx, team.ID)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.store.Member(e.ctx, team.ID, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case after.LeaderID == next.ID && m.Status == rooms.MemberActive:
			wantCode(t, leaveErr, "LEADER_STAYS")
		case after.LeaderID == leader.ID && m.Status == rooms.MemberLeft:
			wantCode(t, handErr, "LEADER_NOT_MEMBER")
		default:
			t.Fatalf("round %d: leader %d (next %d) with next's membership %s; handover %v, leaving %v", round, after.LeaderID, next.ID, m.Status, handErr, leaveErr)
		}
	}
}
