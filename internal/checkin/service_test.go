package checkin_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongjian/internal/checkin"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// regTable is the registration feature's data as the check-in service reads
// it, held in memory: these tests exercise the rules and the real check-in
// store; the SQL view over the registration tables is covered end to end in
// server/checkin_test.go.
type regTable struct {
	mu       sync.Mutex
	sessions map[int64]checkin.Session
	regs     map[int64]checkin.Registration
	db       *mysqlstore.DB // the registrations' rows: the store reads their status when it writes a check-in
}

func (t *regTable) Registration(_ context.Context, id int64) (checkin.Registration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.regs[id]
	if !ok {
		return r, errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
	}
	r.Session = t.sessions[r.Session.ID]
	return r, nil
}

func (t *regTable) OwnRegistrations(_ context.Context, userID, activityID int64) ([]checkin.Registration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []checkin.Registration
	for _, r := range t.regs {
		if r.UserID == userID && r.DependentID == 0 && t.sessions[r.Session.ID].ActivityID == activityID {
			r.Session = t.sessions[r.Session.ID]
			out = append(out, r)
		}
	}
	return out, nil
}

func (t *regTable) Session(_ context.Context, id int64) (checkin.Session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok {
		return s, errs.NotFound("SESSION_NOT_FOUND", "场次不存在")
	}
	return s, nil
}

func (t *regTable) Sessions(_ context.Context, ids []int64) ([]checkin.Session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []checkin.Session
	for _, id := range ids {
		if s, ok := t.sessions[id]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func (t *regTable) ActivitySessions(_ context.Context, activityID int64) ([]checkin.Session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []checkin.Session
	for id := int64(1); id <= int64(len(t.sessions))+100; id++ {
		if s, ok := t.sessions[id]; ok && s.ActivityID == activityID {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	}
	return out, nil
}

func (t *regTable) filter(f func(checkin.Registration) bool) []checkin.Registration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []checkin.Registration
	for _, r := range t.regs {
		r.Session = t.sessions[r.Session.ID]
		if f(r) {
			out = append(out, r)
		}
	}
	return out
}

func (t *regTable) Cancelled(_ context.Context, activityID int64) ([]checkin.Registration, error) {
	return t.filter(func(r checkin.Registration) bool {
		return r.Session.ActivityID == activityID && r.Status == checkin.StatusCancelled
	}), nil
}

func (t *regTable) SessionRegistrations(_ context.Context, sessionID int64) ([]checkin.Registration, error) {
	return t.filter(func(r checkin.Registration) bool {
		return r.Session.ID == sessionID && r.Status == checkin.StatusConfirmed
	}), nil
}

func (t *regTable) setStatus(id int64, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.regs[id]
	r.Status = status
	t.regs[id] = r
	if err := t.db.G.Table("registrations").Where("id = ?", id).Update("status", status).Error; err != nil {
		panic(err)
	}
}

// insertRegistrations writes the table's registrations as rows of the
// registration feature's table (the columns check-in's store reads).
func (t *regTable) insertRegistrations(tb *testing.T, at time.Time) {
	var rows []map[string]any
	for id, r := range t.regs {
		rows = append(rows, map[string]any{"id": id, "activity_id": t.sessions[r.Session.ID].ActivityID, "session_id": r.Session.ID,
			"group_key": fmt.Sprintf("g%d", id), "user_id": r.UserID, "attendee_key": fmt.Sprintf("a%d", id), "status": r.Status,
			"first_status": r.Status, "created_at": at, "updated_at": at})
	}
	if err := t.db.G.Table("registrations").Create(rows).Error; err != nil {
		tb.Fatal(err)
	}
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture: a clinic (activity 1, sessions 1 and 2) hosted by org 10 in
// community 5, and a volunteer service (activity 2, session 3).
type fixture struct {
	db    *mysqlstore.DB
	regs  *regTable
	store *mysqlstore.CheckinStore
	svc   *checkin.Service
	clock *clock
	staff resident.User
	start time.Time
}

var place = struct{ lat, lng float64 }{31.2304, 121.4737}

var fixtureConfig = checkin.Config{OpenBefore: time.Hour, CloseAfter: 30 * time.Minute, RadiusMeters: 500, ClockSkew: 2 * time.Minute}

func newFixture(t *testing.T) *fixture {
	db := testenv.DB(t)
	// A small pool: the machine's MariaDB is shared by every test running.
	db.SQL().SetMaxOpenConns(12)
	start := time.Now().UTC().Truncate(time.Minute).Add(2 * time.Hour)
	sess := func(id, act int64, title, cat string, starts time.Time) checkin.Session {
		return checkin.Session{ID: id, ActivityID: act, ActivityTitle: title, Category: cat, ActivityStatus: "published",
			StartsAt: starts, EndsAt: starts.Add(3 * time.Hour), HostOrgID: 10, HostOrgName: "幸福街道社区卫生服务中心", CommunityID: 5,
			Place: "阳光社区活动中心", Lat: place.lat, Lng: place.lng}
	}
	regs := &regTable{sessions: map[int64]checkin.Session{
		1: sess(1, 1, "健康义诊", "clinic", start),
		2: sess(2, 1, "健康义诊", "clinic", start.Add(24*time.Hour)),
		3: sess(3, 2, "垃圾分类宣传", checkin.CategoryVolunteer, start),
	}, regs: map[int64]checkin.Registration{}}
	for i := int64(1); i <= 20; i++ {
		regs.regs[i] = checkin.Registration{ID: i, UserID: 100 + i, AttendeeName: "张三" + fmt.Sprint(i), Status: checkin.StatusConfirmed,
			Session: checkin.Session{ID: 1}}
	}
	regs.regs[21] = checkin.Registration{ID: 21, UserID: 121, AttendeeName: "李四", Status: checkin.StatusConfirmed, Session: checkin.Session{ID: 2}}
	regs.regs[22] = checkin.Registration{ID: 22, UserID: 122, AttendeeName: "王五", Status: checkin.StatusWaitlisted, Session: checkin.Session{ID: 1}}
	for i := int64(30); i < 35; i++ { // volunteers of session 3
		regs.regs[i] = checkin.Registration{ID: i, UserID: 200 + i, AttendeeName: "志愿者", Status: checkin.StatusConfirmed, Session: checkin.Session{ID: 3}}
	}
	seed := make([]byte, 32)
	rand.Read(seed)
	keys, err := checkin.NewKeys(seed)
	if err != nil {
		t.Fatal(err)
	}
	// The people appointed as checkers and volunteers exist (an
	// appointment of nobody is USER_NOT_FOUND).
	var users []map[string]any
	for _, id := range append(seq(100, 240), append(seq(500, 503), seq(1000, 1050)...)...) {
		users = append(users, map[string]any{"id": id, "open_id": fmt.Sprintf("o-fixture-%d", id), "created_at": start, "updated_at": start})
	}
	if err := db.G.Table("users").Create(users).Error; err != nil {
		t.Fatal(err)
	}
	regs.db = db
	regs.insertRegistrations(t, start)
	c := &clock{t: start.Add(-30 * time.Minute)}
	store := mysqlstore.NewCheckinStore(db)
	svc := checkin.NewService(keys, regs, store, nil, nil, fixtureConfig, c.now)
	return &fixture{db: db, regs: regs, store: store, svc: svc, clock: c, start: start,
		staff: resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: 10}}}}
}

// newFixtureAtStart is newFixture with the clock at the sessions' start.
func newFixtureAtStart(t *testing.T) *fixture {
	f := newFixture(t)
	f.clock.set(f.start)
	return f
}

// seq is from, from+1, ..., to-1.
func seq(from, to int64) []int64 {
	out := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func (f *fixture) ticket(t *testing.T, regID int64) string {
	t.Helper()
	tk, err := f.svc.Ticket(context.Background(), f.regs.regs[regID].UserID, regID)
	if err != nil {
		t.Fatalf("ticket %d: %v", regID, err)
	}
	return tk.Ticket
}

var nonceSeq atomic.Int64

func nonce() string { return fmt.Sprintf("n%08d", nonceSeq.Add(1)) }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

// atOnce calls fn(i) for every i < n, each in its own goroutine, and
// waits for them all.
func atOnce(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}

func (f *fixture) count(t *testing.T, table, where string, args ...any) int64 {
	var n int64
	q := f.db.G.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTicketsAndTheirRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tk := f.ticket(t, 1)

	// Only the owner gets a ticket; a waitlisted registration has none.
	if _, err := f.svc.Ticket(ctx, 999, 1); errs.CodeOf(err) != "REGISTRATION_NOT_FOUND" {
		t.Fatalf("someone else's ticket: %v", err)
	}
	if _, err := f.svc.Ticket(ctx, 122, 22); errs.CodeOf(err) != "NOT_CONFIRMED" {
		t.Fatalf("waitlisted: %v", err)
	}

	scan := func(u resident.User, ticket string, mod func(*checkin.ScanInput)) error {
		in := checkin.ScanInput{Ticket: ticket, Nonce: nonce(), ScannedAt: f.clock.now()}
		if mod != nil {
			mod(&in)
		}
		_, err := f.svc.Scan(ctx, u, in)
		return err
	}
	stranger := resident.User{ID: 2, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: 11}}}
	communityStaff := resident.User{ID: 3, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: 5}}}

	// Forged: another key, and a byte changed.
	seed := make([]byte, 32)
	rand.Read(seed)
	otherKeys, _ := checkin.NewKeys(seed)
	forged := otherKeys.Issue(checkin.Ticket{RegistrationID: 1, SessionID: 1, ValidFrom: f.start.Add(-time.Hour), ValidUntil: f.start.Add(4 * time.Hour)})
	wantCode(t, scan(f.staff, forged, nil), "BAD_TICKET")
	wantCode(t, scan(f.staff, flip(tk, len(tk)-2), nil), "BAD_TICKET")
	wantCode(t, scan(f.staff, "", nil), "BAD_TICKET")
	// A genuine ticket of a registration that does not exist.
	wantCode(t, scan(f.staff, f.svc.Keys().Issue(checkin.Ticket{RegistrationID: 9999, SessionID: 1, ValidFrom: f.start, ValidUntil: f.start}), nil), "BAD_TICKET")

	// Not a checker of this activity; appointed, they are.
	wantCode(t, scan(stranger, tk, nil), "NOT_A_CHECKER")
	if err := f.svc.AddChecker(ctx, stranger, 1, 2); errs.CodeOf(err) != "NOT_ACTIVITY_STAFF" {
		t.Fatalf("a stranger appointing: %v", err)
	}

	// Other session: the door names session 2, or the ticket names a session the registration is not in.
	wantCode(t, scan(f.staff, tk, func(in *checkin.ScanInput) { in.SessionID = 2 }), "WRONG_SESSION")
	wantCode(t, scan(f.staff, tk, func(in *checkin.ScanInput) { in.ActivityID = 2 }), "WRONG_SESSION")
	moved := f.svc.Keys().Issue(checkin.Ticket{RegistrationID: 21, SessionID: 1, ValidFrom: f.start.Add(-time.Hour), ValidUntil: f.start.Add(4 * time.Hour)})
	wantCode(t, scan(communityStaff, moved, nil), "WRONG_SESSION")

	// Too early (more than an hour before), then too late (ended more than 30 min ago).
	f.clock.set(f.start.Add(-61 * time.Minute))
	wantCode(t, scan(f.staff, tk, nil), "TOO_EARLY")
	f.clock.set(f.start.Add(3*time.Hour + 31*time.Minute))
	wantCode(t, scan(f.staff, tk, nil), "TOO_LATE")
	// Tomorrow's ticket today is too early as well.
	f.clock.set(f.start)
	wantCode(t, scan(communityStaff, f.ticket(t, 21), nil), "TOO_EARLY")

	// Cancelling revokes it.
	f.regs.setStatus(2, checkin.StatusCancelled)
	tk2 := f.svc.Keys().Issue(checkin.Ticket{RegistrationID: 2, SessionID: 1, ValidFrom: f.start.Add(-time.Hour), ValidUntil: f.start.Add(210 * time.Minute)})
	wantCode(t, scan(f.staff, tk2, nil), "REVOKED")
	if _, err := f.svc.Ticket(ctx, 102, 2); errs.CodeOf(err) != "REVOKED" {
		t.Fatalf("ticket of a cancelled registration: %v", err)
	}
	// The kit lists it as revoked (by the very string the holder shows).
	kit, err := f.svc.Kit(ctx, f.staff, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(kit.Revoked) != 1 || kit.Revoked[0] != tk2 || kit.RevokedRegistrationIDs[0] != 2 || len(kit.Sessions) != 2 || kit.PublicKey == "" {
		t.Fatalf("kit %+v", kit)
	}
	if _, err := f.svc.Kit(ctx, stranger, 1); errs.CodeOf(err) != "NOT_A_CHECKER" {
		t.Fatalf("kit for a stranger: %v", err)
	}

	// None of the refusals checked anybody in; a good scan does, with the name masked.
	if n := f.count(t, "checkins", ""); n != 0 {
		t.Fatalf("%d check-ins after refusals", n)
	}
	res, err := f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: tk, Nonce: nonce()})
	if err != nil || res.AttendeeNameMasked != "张**" || res.SessionID != 1 || !res.CheckedInAt.Equal(f.start) {
		t.Fatalf("good scan: %+v %v", res, err)
	}
	err = scan(f.staff, tk, nil)
	wantCode(t, err, "ALREADY_CHECKED_IN")
	if d := errs.As(err).Details; d["first_checked_in_at"] == nil || d["attendee_name_masked"] != "张**" {
		t.Fatalf("details %v", d)
	}
}

// 50 checkers scanning one ticket at once give one check-in and one notice;
// the others hear ALREADY_CHECKED_IN with the first time.
func TestConcurrentScansOfOneTicket(t *testing.T) {
	f := newFixtureAtStart(t)
	ctx := context.Background()
	tk := f.ticket(t, 3)
	checkers := make([]resident.User, 50)
	for i := range checkers {
		checkers[i] = resident.User{ID: int64(1000 + i)}
		if err := f.svc.AddChecker(ctx, f.staff, 1, checkers[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	var ok, already atomic.Int64
	var firsts sync.Map
	atOnce(len(checkers), func(i int) {
		res, err := f.svc.Scan(ctx, checkers[i], checkin.ScanInput{Ticket: tk, Nonce: nonce(), ScannedAt: f.clock.now()})
		switch {
		case err == nil:
			ok.Add(1)
			firsts.Store(res.CheckedInAt.UnixMilli(), true)
		case errs.CodeOf(err) == "ALREADY_CHECKED_IN":
			already.Add(1)
			firsts.Store(errs.As(err).Details["first_checked_in_at"].(time.Time).UnixMilli(), true)
		default:
			t.Error(err)
		}
	})
	distinct := 0
	firsts.Range(func(any, any) bool { distinct++; return true })
	if ok.Load() != 1 || already.Load() != 49 || distinct != 1 {
		t.Fatalf("ok %d already %d distinct first times %d", ok.Load(), already.Load(), distinct)
	}
	if n := f.count(t, "checkins", "registration_id = ?", 3); n != 1 {
		t.Fatalf("%d check-in rows", n)
	}
	if n := f.count(t, "outbox", "template_key = ? AND registration_id = ?", "checkin_done", 3); n != 1 {
		t.Fatalf("%d checkin_done notices", n)
	}
}

// The same nonce sent twice (a retry), even at once, is one check-in and
// the same answer; a nonce reused for another ticket is refused.
func TestSameNonceIsOneCheckin(t *testing.T) {
	f := newFixtureAtStart(t)
	ctx := context.Background()
	tk := f.ticket(t, 4)
	n := nonce()
	results := make([]error, 8)
	atOnce(len(results), func(i int) {
		_, results[i] = f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: tk, Nonce: n})
	})
	for i, err := range results {
		if err != nil {
			t.Fatalf("retry %d of one nonce: %v", i, err)
		}
	}
	if c := f.count(t, "checkins", "registration_id = ?", 4); c != 1 {
		t.Fatalf("%d check-ins", c)
	}
	_, err := f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: f.ticket(t, 5), Nonce: n})
	wantCode(t, err, "NONCE_REUSED")
	// Another checker's scan with a new nonce is a duplicate.
	_, err = f.svc.Scan(ctx, resident.User{ID: 7, Roles: []resident.Role{{Role: resident.RoleAdmin}}}, checkin.ScanInput{Ticket: tk, Nonce: nonce()})
	wantCode(t, err, "ALREADY_CHECKED_IN")
}

// Offline batches and online scans of the same tickets: the earliest scan
// counts wherever it came from and whenever it arrived; the others are
// duplicates; sending a batch again changes nothing.
func TestOfflineBatchesOverlappingOnlineScans(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	phoneA := resident.User{ID: 501}
	phoneB := resident.User{ID: 502}
	for _, u := range []resident.User{phoneA, phoneB} {
		if err := f.svc.AddChecker(ctx, f.staff, 1, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	t0 := f.start.Add(-20 * time.Minute)
	tk6, tk7, tk8, tk9 := f.ticket(t, 6), f.ticket(t, 7), f.ticket(t, 8), f.ticket(t, 9)

	// 10:00 (t0+10m): ticket 6 is scanned online by the staff member.
	f.clock.set(t0.Add(10 * time.Minute))
	online, err := f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: tk6, Nonce: "online-6"})
	if err != nil {
		t.Fatal(err)
	}
	// Phone A was offline and scanned ticket 6 at t0+2m (earlier), ticket 7
	// at t0+3m and ticket 7 again at t0+4m, ticket 8 at t0+5m; a revoked
	// ticket 9 got through its stale kit.
	f.regs.setStatus(9, checkin.StatusCancelled)
	f.clock.set(t0.Add(30 * time.Minute))
	batchA := []checkin.ScanInput{
		{Ticket: tk7, Nonce: "a-7b", ScannedAt: t0.Add(4 * time.Minute)},
		{Ticket: tk6, Nonce: "a-6", ScannedAt: t0.Add(2 * time.Minute)},
		{Ticket: tk7, Nonce: "a-7a", ScannedAt: t0.Add(3 * time.Minute)},
		{Ticket: tk8, Nonce: "a-8", ScannedAt: t0.Add(5 * time.Minute)},
		{Ticket: tk9, Nonce: "a-9", ScannedAt: t0.Add(6 * time.Minute)},
	}
	want := map[string]string{"a-7b": "duplicate", "a-6": "checked_in", "a-7a": "checked_in", "a-8": "checked_in", "a-9": "refused"}
	for round := 0; round < 2; round++ { // the second upload is a retry
		rs, err := f.svc.Batch(ctx, phoneA, batchA, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Result != want[r.Nonce] {
				t.Fatalf("round %d: %s: %s (%v), want %s", round, r.Nonce, r.Result, r.Err, want[r.Nonce])
			}
		}
		if rs[4].Err.Code != "REVOKED" {
			t.Fatalf("revoked offline scan: %v", rs[4].Err)
		}
	}
	// Ticket 6's check-in is now phone A's earlier scan; the online one is
	// the duplicate when its nonce comes again.
	recs, _ := f.store.CheckedIn(ctx, 1)
	at := map[int64]time.Time{}
	for _, r := range recs {
		at[r.RegistrationID] = r.At
	}
	if !at[6].Equal(t0.Add(2*time.Minute)) || !at[7].Equal(t0.Add(3*time.Minute)) || online.CheckedInAt.Equal(at[6]) {
		t.Fatalf("check-in times %v", at)
	}
	_, err = f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: tk6, Nonce: "online-6"})
	wantCode(t, err, "ALREADY_CHECKED_IN")

	// Phone B uploads after A: its scan of 8 was later (duplicate), its scan
	// of 7 earlier than A's (takes over). Its clock was 5 minutes slow.
	rs, err := f.svc.Batch(ctx, phoneB, []checkin.ScanInput{
		{Ticket: tk8, Nonce: "b-8", ScannedAt: t0.Add(9*time.Minute - 5*time.Minute)},
		{Ticket: tk7, Nonce: "b-7", ScannedAt: t0.Add(1*time.Minute - 5*time.Minute)},
	}, f.clock.now().Add(-5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Result != "duplicate" || rs[1].Result != "checked_in" || !rs[1].Scan.CheckedInAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("phone B: %+v", rs)
	}
	// Phone A's retry now reports its scan of 7 as the duplicate it became.
	again, _ := f.svc.Batch(ctx, phoneA, batchA[2:3], time.Time{})
	if again[0].Result != "duplicate" {
		t.Fatalf("A's superseded scan: %+v", again[0])
	}
	// One check-in per ticket, one notice per registration, every offline scan kept.
	if n := f.count(t, "checkins", ""); n != 3 {
		t.Fatalf("%d check-ins, want 3", n)
	}
	if n := f.count(t, "outbox", "template_key = ?", "checkin_done"); n != 3 {
		t.Fatalf("%d notices, want 3", n)
	}
	if n := f.count(t, "checkin_scans", "offline = ?", true); n != 6 {
		t.Fatalf("%d offline scans stored, want 6", n)
	}
	// A scan from the future is refused.
	rs, _ = f.svc.Batch(ctx, phoneA, []checkin.ScanInput{{Ticket: tk8, Nonce: "a-future", ScannedAt: f.clock.now().Add(time.Hour)}}, time.Time{})
	if rs[0].Result != "refused" || rs[0].Err.Code != "BAD_SCANNED_AT" {
		t.Fatalf("future scan: %+v", rs[0])
	}
}

// flip replaces s[i] with another character of the base64url alphabet.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// An offline scan is never dated before its session's acceptance window,
// nor after the batch carrying it arrived: a phone clock a little ahead
// dates the check-in at the arrival.
func TestOfflineScanDatedWithinWindowAndArrival(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.start.Add(30 * time.Minute)
	f.clock.set(now)
	rs, err := f.svc.Batch(ctx, f.staff, []checkin.ScanInput{
		{Ticket: f.ticket(t, 11), Nonce: nonce(), ScannedAt: f.start.Add(-61 * time.Minute)}, // window opens 60 min before
		{Ticket: f.ticket(t, 12), Nonce: nonce(), ScannedAt: now.Add(90 * time.Second)},      // phone 90 s ahead
	}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Result != "refused" || rs[0].Err.Code != "TOO_EARLY" {
		t.Fatalf("scan before the window: %+v", rs[0])
	}
	if rs[1].Result != "checked_in" || rs[1].Scan.CheckedInAt.After(now) {
		t.Fatalf("scan dated after the batch arrived: %+v (arrived %v)", rs[1], now)
	}
	recs, _ := f.store.CheckedIn(ctx, 1)
	for _, r := range recs {
		if r.At.After(now) {
			t.Fatalf("check-in stored at %v, after the batch arrived at %v", r.At, now)
		}
	}
}

// cancelling answers a registration as it was read and then cancels it: a
// cancellation committed between a scan's admission and its write.
type cancelling struct {
	*regTable
	id int64
}

func (c cancelling) Registration(ctx context.Context, id int64) (checkin.Registration, error) {
	r, err := c.regTable.Registration(ctx, id)
	if id == c.id && r.Status == checkin.StatusConfirmed {
		c.setStatus(id, checkin.StatusCancelled)
	}
	return r, err
}

// A registration cancelled while its ticket is being scanned is never both
// cancelled and checked in: the scan that read it confirmed is REVOKED when
// the cancellation committed first (online and offline). (The other way
// round, the cancellation finds the check-in: REGISTRATION_CHECKED_IN.)
func TestCancelledWhileBeingScannedIsNotCheckedIn(t *testing.T) {
	f := newFixtureAtStart(t)
	ctx := context.Background()
	online, offline := f.ticket(t, 5), f.ticket(t, 6)

	svc := checkin.NewService(f.svc.Keys(), cancelling{f.regs, 5}, f.store, nil, nil, fixtureConfig, f.clock.now)
	_, err := svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: online, Nonce: nonce()})
	wantCode(t, err, "REVOKED")

	svc = checkin.NewService(f.svc.Keys(), cancelling{f.regs, 6}, f.store, nil, nil, fixtureConfig, f.clock.now)
	res, err := svc.Batch(ctx, f.staff, []checkin.ScanInput{{Ticket: offline, Nonce: nonce(), ScannedAt: f.start.Add(-time.Minute)}}, time.Time{})
	if err != nil || res[0].Result != checkin.ResultRefused || res[0].Err.Code != "REVOKED" {
		t.Fatalf("offline scan of a registration cancelled meanwhile: %+v %v", res, err)
	}
	if n := f.count(t, "checkins", "registration_id IN ?", []int64{5, 6}); n != 0 {
		t.Fatalf("%d cancelled registrations checked in", n)
	}
	// A registration that stays confirmed is checked in as before.
	if _, err := f.svc.Scan(ctx, f.staff, checkin.ScanInput{Ticket: f.ticket(t, 7), Nonce: nonce()}); err != nil {
		t.Fatal(err)
	}
}
