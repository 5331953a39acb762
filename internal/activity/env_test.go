package activity_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

func TestMain(m *testing.M) {
	fmt.Fprintf(os.Stderr, "activity tests: backend %s\n", testenv.Backend())
	os.Exit(m.Run())
}

// env is the real service on a fresh database and a private Redis key space.
type env struct {
	t         *testing.T
	ctx       context.Context
	db        *mysqlstore.DB
	store     *mysqlstore.ActivityStore
	people    *mysqlstore.ResidentStore
	residents *resident.Service
	quota     *redisstore.Quota
	rdb       redis.UniversalClient
	prefix    string // the test's Redis key space
	svc       *activity.Service
	deps      activity.Deps // what svc was built from (tests build variants)
	offset    atomic.Int64  // added to the service's clock
	admin     resident.User
	community resident.Community
	org       activity.Organization
	users     int
}

func newEnv(t *testing.T, cfg activity.Config) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background()}
	e.db = testenv.DB(t)
	// The MariaDB here is shared by every engineer's tests: stay well within
	// its connection limit (requests queue in the pool instead).
	e.db.SQL().SetMaxOpenConns(16)
	rdb, prefix := testenv.Redis(t)
	e.rdb, e.prefix = rdb, prefix
	key := make([]byte, 32)
	rand.Read(key)
	box, err := pii.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	e.people = mysqlstore.NewResidentStore(e.db)
	e.residents = resident.NewService(e.people, box, nil, now)
	e.store = mysqlstore.NewActivityStore(e.db)
	e.quota = redisstore.NewQuota(rdb, prefix)
	t.Cleanup(e.quota.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e.deps = activity.Deps{Store: e.store, Quota: e.quota, People: e.residents, Box: box, Log: log, Config: cfg, Now: now}
	e.svc = activity.NewService(e.deps)
	t.Cleanup(e.svc.Close)
	e.admin = resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}
	if e.community, err = e.people.EnsureCommunity(e.ctx, "阳光社区"); err != nil {
		t.Fatal(err)
	}
	if e.org, err = e.svc.CreateOrganization(e.ctx, e.admin, activity.OrganizationInput{Name: "区青少年宫", Type: activity.OrgCoBuilding, CommunityIDs: []int64{e.community.ID}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// newUsers creates n accounts living in the env's community (one INSERT).
func (e *env) newUsers(n int) []int64 {
	e.t.Helper()
	now := time.Now().UTC()
	var sb strings.Builder
	args := make([]any, 0, 4*n)
	openIDs := make([]string, n)
	for i := range n {
		e.users++
		openIDs[i] = fmt.Sprintf("o-test-%d", e.users)
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(?, ?, ?, ?)")
		args = append(args, openIDs[i], e.community.ID, now, now)
	}
	if err := e.db.G.Exec("INSERT INTO users (open_id, community_id, created_at, updated_at) VALUES "+sb.String(), args...).Error; err != nil {
		e.t.Fatal(err)
	}
	var rows []struct {
		ID     int64
		OpenID string
	}
	if err := e.db.G.Table("users").Select("id, open_id").Where("open_id IN ?", openIDs).Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, r := range rows {
		ids[r.OpenID] = r.ID
	}
	out := make([]int64, n)
	for i, o := range openIDs {
		out[i] = ids[o]
	}
	return out
}

// dependent adds an adult family member to the account.
func (e *env) dependent(userID int64, name string, birth time.Time) int64 {
	e.t.Helper()
	d, err := e.residents.AddDependent(e.ctx, userID, resident.DependentInput{
		Name: name, Relation: resident.RelationParent, BirthDate: birth, Gender: "female", ConsentVersion: resident.CurrentConsentVersion,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

type sess struct{ capacity, wait int }

// publish creates and publishes an activity open for sign-up now.
func (e *env) publish(mod func(*activity.ActivityInput), sessions ...sess) activity.Activity {
	e.t.Helper()
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	in := activity.ActivityInput{
		Title: "测试活动", Category: activity.CategoryLecture, CommunityID: e.community.ID, HostOrgID: e.org.ID,
		Place: activity.Place{Address: "阳光社区活动室"}, SignupOpensAt: time.Now().Add(-time.Hour), SignupClosesAt: start.Add(-time.Hour),
		CancelDeadlineMinutes: 60,
	}
	for i, s := range sessions {
		st := start.Add(time.Duration(i) * 24 * time.Hour)
		in.Sessions = append(in.Sessions, activity.SessionInput{StartsAt: st, EndsAt: st.Add(time.Hour), Capacity: s.capacity, WaitlistCapacity: s.wait})
	}
	if mod != nil {
		mod(&in)
	}
	a, err := e.svc.CreateActivity(e.ctx, e.admin, in)
	if err != nil {
		e.t.Fatal(err)
	}
	if a, err = e.svc.Publish(e.ctx, e.admin, a.ID); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// publishOne publishes an activity of one session with the given places;
// it returns the activity and the session's id.
func (e *env) publishOne(places sess) (activity.Activity, int64) {
	e.t.Helper()
	a := e.publish(nil, places)
	return a, a.Sessions[0].ID
}

var idem atomic.Int64

func (e *env) register(ctx context.Context, uid, sid int64, atts ...activity.AttendeeRef) (activity.RegisterResult, error) {
	return registerOn(ctx, e.svc, uid, sid, atts...)
}

// registerOn signs attendees (the account holder when none) up through svc
// with a fresh Idempotency-Key.
func registerOn(ctx context.Context, svc *activity.Service, uid, sid int64, atts ...activity.AttendeeRef) (activity.RegisterResult, error) {
	if len(atts) == 0 {
		atts = []activity.AttendeeRef{{Self: true}}
	}
	return svc.Register(ctx, activity.RegisterInput{UserID: uid, SessionID: sid, Attendees: atts, IdemKey: fmt.Sprintf("k%d", idem.Add(1))})
}

// liveRows reads the live registrations from MySQL: "session:attendee" -> c|w.
func (e *env) liveRows(aid int64) map[string]string {
	e.t.Helper()
	var rows []struct {
		SessionID   int64
		AttendeeKey string
		Status      string
	}
	if err := e.db.G.Table("registrations").Select("session_id, attendee_key, status").
		Where("activity_id = ? AND status IN ?", aid, []string{"confirmed", "waitlisted"}).Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[fmt.Sprintf("%d:%s", r.SessionID, r.AttendeeKey)] = r.Status[:1]
	}
	return out
}

// assertConsistent fails unless Redis and MySQL agree on every count and
// every attendee, no reservation is left pending and no session is oversold.
func (e *env) assertConsistent(aid int64) {
	e.t.Helper()
	a, err := e.store.Activity(e.ctx, aid)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for _, s := range a.Sessions {
		ids = append(ids, s.ID)
	}
	var st activity.QuotaState
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, err = e.quota.State(e.ctx, aid, ids); err != nil {
			e.t.Fatal(err)
		}
		if !st.Exists || len(st.Pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // acknowledgements are written in the background
	}
	if !st.Exists {
		e.t.Fatalf("quota of activity %d missing from Redis", aid)
	}
	if len(st.Pending) != 0 {
		e.t.Fatalf("%d reservations left pending (orphans): %v", len(st.Pending), st.Pending)
	}
	mysql, err := e.store.SessionCounts(e.ctx, []int64{aid})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range a.Sessions {
		r, m := st.Sessions[s.ID], mysql[s.ID]
		if r != m {
			e.t.Fatalf("session %d: redis %+v, mysql %+v", s.ID, r, m)
		}
		if m.Confirmed > s.Capacity || m.Waitlisted > s.WaitlistCapacity {
			e.t.Fatalf("session %d oversold: %+v", s.ID, m)
		}
	}
	// The session counters (kept in the registrations' transactions) equal
	// the rows they count.
	counted := map[int64]activity.Counts{}
	for k, st := range e.liveRows(aid) {
		var sid int64
		fmt.Sscanf(k, "%d:", &sid)
		c := counted[sid]
		if st == "c" {
			c.Confirmed++
		} else {
			c.Waitlisted++
		}
		counted[sid] = c
	}
	for _, s := range a.Sessions {
		m := mysql[s.ID]
		if c := counted[s.ID]; c.Confirmed != m.Confirmed || c.Waitlisted != m.Waitlisted {
			e.t.Fatalf("session %d: counter %d/%d, rows %d/%d", s.ID, m.Confirmed, m.Waitlisted, c.Confirmed, c.Waitlisted)
		}
	}
	members, err := e.quota.Members(e.ctx, aid)
	if err != nil {
		e.t.Fatal(err)
	}
	rows := e.liveRows(aid)
	if len(members) != len(rows) {
		e.t.Fatalf("redis has %d attendees, mysql %d", len(members), len(rows))
	}
	for k, v := range rows {
		if members[k] != v {
			e.t.Fatalf("attendee %s: redis %q, mysql %q", k, members[k], v)
		}
	}
}

// tally calls fn(i) for every i < n at once and counts what they answer;
// during, when not nil, runs while the calls are under way.
func tally(n int, fn func(i int) string, during func()) map[string]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	for i := range n {
		wg.Go(func() {
			c := fn(i)
			mu.Lock()
			counts[c]++
			mu.Unlock()
		})
	}
	if during != nil {
		during()
	}
	wg.Wait()
	return counts
}

func code(err error) string {
	if err == nil {
		return "OK"
	}
	return errs.CodeOf(err)
}

// flushActivity deletes every Redis key of the activity (a Redis that lost
// everything, without touching anyone else's keys).
func (e *env) flushActivity(aid int64) {
	e.t.Helper()
	keys, err := e.quota.ActivityKeys(e.ctx, aid)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(keys) == 0 {
		e.t.Fatal("no quota keys to flush")
	}
	for _, k := range keys {
		if !strings.Contains(k, "}:") {
			e.t.Fatalf("unexpected key %s", k)
		}
	}
	if err := e.quota.DeleteKeys(e.ctx, keys); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) outbox(template string, aid int64) int64 {
	var n int64
	if err := e.db.G.Table("outbox").Where("template_key = ? AND activity_id = ?", template, aid).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}
