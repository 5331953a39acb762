package activity_test

import (
	"errors"
	"fmt"
	"testing"

	"gongjian/internal/activity"
)

// refuseOutbox adds a trigger that refuses new outbox rows while the fault
// is on: on MySQL the writer's last round trip (notices, counters, COMMIT)
// then fails after its first two wrote the groups and registrations.
func refuseOutbox(t *testing.T, e *env) func(on bool) {
	t.Helper()
	return installFault(t, e, "outbox_fault", "notices refused", "INSERT ON outbox")
}

// A sign-up batch whose notices cannot be written leaves nothing behind:
// no group (a void tombstone at most, settling it), no registration, no counted seat, none committed later by the
// next batch on the same connection, and every seat given back.
func TestAFailedLastWriteLeavesNothingHalfWritten(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{100, 0})
	fault := refuseOutbox(t, e)
	refused := e.newUsers(40)
	fault(true)
	codes := tally(len(refused), func(i int) string {
		_, err := e.register(e.ctx, refused[i], sid)
		return code(err)
	}, nil)
	if codes["OK"] != 0 {
		t.Fatalf("sign-ups without their notices were confirmed: %v", codes)
	}
	fault(false)
	later := e.newUsers(40)
	codes = tally(len(later), func(i int) string {
		_, err := e.register(e.ctx, later[i], sid)
		return code(err)
	}, nil)
	if codes["OK"] != len(later) {
		t.Fatalf("after the fault every sign-up is confirmed: %v", codes)
	}
	var groups, regs int64
	e.db.G.Table("registration_groups").Where("activity_id = ? AND user_id IN ? AND void = ?", a.ID, refused, false).Count(&groups)
	e.db.G.Table("registrations").Where("activity_id = ? AND user_id IN ?", a.ID, refused).Count(&regs)
	if groups != 0 || regs != 0 {
		t.Fatalf("refused sign-ups left %d groups and %d registrations", groups, regs)
	}
	if n := len(e.liveRows(a.ID)); n != len(later) {
		t.Fatalf("%d live registrations, want %d", n, len(later))
	}
	if n := e.outbox("registration_confirmed", a.ID); n != int64(len(later)) {
		t.Fatalf("%d confirmations queued, want %d", n, len(later))
	}
	e.assertConsistent(a.ID)
}

// A session whose counter row is missing gets it back, counted from the
// rows, when the next batch writes to it.
func TestAMissingCounterRowIsCountedAgain(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sid := e.publishOne(sess{10, 0})
	users := e.newUsers(5)
	for _, uid := range users[:3] {
		if _, err := e.register(e.ctx, uid, sid); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.G.Exec("DELETE FROM session_counters WHERE session_id = ?", sid).Error; err != nil {
		t.Fatal(err)
	}
	for _, uid := range users[3:] {
		if _, err := e.register(e.ctx, uid, sid); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := e.store.SessionCounts(e.ctx, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c := counts[sid]; c.Confirmed != 5 {
		t.Fatalf("counter %+v, want 5 confirmed", c)
	}
	var n int64
	e.db.G.Table("session_counters").Where("session_id = ? AND confirmed = 5", sid).Count(&n)
	if n != 1 {
		t.Fatalf("the counter row was not written back (%d rows)", n)
	}
	e.assertConsistent(a.ID)
}

// Each confirmation in the outbox names its registration's real id (in
// registration_id and in its dedup key), the batch written in one round
// trip with the ids computed in SQL or, when the activity's text holds
// what looks like a provisional id, in the longer way.
func TestNoticesNameTheirRegistrationsRealIDs(t *testing.T) {
	for _, tc := range []struct{ name, title string }{
		{"ids computed in SQL", "测试活动"},
		{"a title that looks like a provisional id", "编号1125899906842624的讲座"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, activity.Config{})
			a := e.publish(func(in *activity.ActivityInput) { in.Title = tc.title }, sess{60, 0})
			sid := a.Sessions[0].ID
			users := e.newUsers(40)
			ids := make([]int64, len(users))
			codes := tally(len(users), func(i int) string {
				res, err := e.register(e.ctx, users[i], sid)
				if err == nil {
					ids[i] = res.Registrations[0].ID
				}
				return code(err)
			}, nil)
			if codes["OK"] != len(users) {
				t.Fatalf("every sign-up is confirmed: %v", codes)
			}
			var rows []struct {
				ID     int64
				UserID int64
			}
			if err := e.db.G.Table("registrations").Select("id, user_id").Where("activity_id = ?", a.ID).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			byUser := map[int64]int64{}
			for _, r := range rows {
				byUser[r.UserID] = r.ID
			}
			for i, uid := range users {
				if ids[i] != byUser[uid] || ids[i] == 0 {
					t.Fatalf("user %d was answered registration %d, MySQL has %d", uid, ids[i], byUser[uid])
				}
			}
			var notices []struct {
				UserID         int64
				RegistrationID int64
				DedupKey       string
			}
			if err := e.db.G.Table("outbox").Select("user_id, registration_id, dedup_key").
				Where("activity_id = ? AND template_key = ?", a.ID, "registration_confirmed").Scan(&notices).Error; err != nil {
				t.Fatal(err)
			}
			if len(notices) != len(users) {
				t.Fatalf("%d confirmations, want %d", len(notices), len(users))
			}
			for _, n := range notices {
				want := byUser[n.UserID]
				if n.RegistrationID != want || n.DedupKey != fmt.Sprintf("reg:%d:confirmed", want) {
					t.Fatalf("user %d's confirmation names registration %d (%s), want %d", n.UserID, n.RegistrationID, n.DedupKey, want)
				}
			}
			e.assertConsistent(a.ID)
		})
	}
}

// A batch is written only under the quota epochs its writes were decided
// on. After a rebuild or a staff change raised an activity's epoch, a write
// decided before is refused (ErrFenced) and leaves nothing, whether its
// batch holds only such writes, writes for the same activity decided
// after, or writes for another activity; the others are written, each row
// with its session's times, and counted once.
func TestABatchIsFencedByItsEpoch(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a, sa := e.publishOne(sess{100, 0})
	b, sb := e.publishOne(sess{100, 0})
	epoch := func(id int64) int64 {
		var ep int64
		if err := e.db.G.Table("activities").Select("quota_epoch").Where("id = ?", id).Scan(&ep).Error; err != nil {
			t.Fatal(err)
		}
		return ep
	}
	oldA, oldB := epoch(a.ID), epoch(b.ID)
	if err := e.db.G.Exec("UPDATE activities SET quota_epoch = quota_epoch + 1 WHERE id IN ?", []int64{a.ID, b.ID}).Error; err != nil {
		t.Fatal(err)
	}
	curA, curB := oldA+1, oldB+1
	type w struct {
		act, sid, epoch int64
		written         bool
	}
	next := 0
	for _, tc := range []struct {
		name   string
		writes []w
	}{
		{"every write decided before", []w{{a.ID, sa, oldA, false}, {a.ID, sa, oldA, false}}},
		{"one activity, before and after", []w{{a.ID, sa, oldA, false}, {a.ID, sa, curA, true}, {a.ID, sa, curA, true}}},
		{"two activities, one decided before", []w{{a.ID, sa, curA, true}, {b.ID, sb, oldB, false}, {a.ID, sa, curA, true}}},
		{"every write decided after", []w{{a.ID, sa, curA, true}, {b.ID, sb, curB, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users := e.newUsers(len(tc.writes))
			ws := make([]activity.Write, len(tc.writes))
			for i, x := range tc.writes {
				next++
				ws[i] = activity.Write{
					Group: activity.Group{Key: fmt.Sprintf("%032x", 0xfe0000+next), UserID: users[i], ActivityID: x.act, Source: activity.SourceSelf},
					Regs:  []activity.Registration{{ActivityID: x.act, SessionID: x.sid, UserID: users[i], Status: activity.RegConfirmed, Decision: int64(next)}},
					Epoch: x.epoch,
				}
			}
			res := e.store.CommitRegistrations(e.ctx, ws)
			for i, x := range tc.writes {
				var regs, groups int64
				e.db.G.Table("registrations").Where("user_id = ?", users[i]).Count(&regs)
				e.db.G.Table("registration_groups").Where("user_id = ? AND void = ?", users[i], false).Count(&groups)
				switch {
				case x.written && (res[i].Err != nil || len(res[i].Regs) != 1 || res[i].Regs[0].ID == 0):
					t.Fatalf("write %d (epoch %d) was answered %+v, want it written", i, x.epoch, res[i])
				case !x.written && !errors.Is(res[i].Err, activity.ErrFenced):
					t.Fatalf("write %d (epoch %d) was answered %+v, want ErrFenced", i, x.epoch, res[i])
				case x.written && (regs != 1 || groups != 1), !x.written && (regs != 0 || groups != 0):
					t.Fatalf("write %d (written %v) left %d registrations and %d groups", i, x.written, regs, groups)
				}
			}
		})
	}
	for _, sid := range []int64{sa, sb} {
		var bad, live, counted int64
		e.db.G.Table("registrations r").Joins("JOIN sessions s ON s.id = r.session_id").
			Where("r.session_id = ? AND NOT (r.starts_at <=> s.starts_at AND r.ends_at <=> s.ends_at)", sid).Count(&bad)
		e.db.G.Table("registrations").Where("session_id = ? AND status = ?", sid, activity.RegConfirmed).Count(&live)
		e.db.G.Table("session_counters").Select("confirmed").Where("session_id = ?", sid).Scan(&counted)
		if bad != 0 || live != counted {
			t.Fatalf("session %d: %d rows without its times; %d confirmed rows, %d counted", sid, bad, live, counted)
		}
	}
}
