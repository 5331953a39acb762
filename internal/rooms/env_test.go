package rooms_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"gongjian/internal/activity"
	"gongjian/internal/checkin"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
	"gongjian/internal/testenv"
)

func TestMain(m *testing.M) {
	fmt.Fprintf(os.Stderr, "rooms tests: backend %s\n", testenv.Backend())
	code := m.Run()
	for _, done := range shared.cleanup {
		done()
	}
	os.Exit(code)
}

// shared are the databases of this package's tests: one migrated MariaDB
// database and one SQLite file for the whole run (a fresh database per
// test costs a migration each, which a busy shared MariaDB answers slowly).
// Tests stay apart by their own communities, rooms and user ids.
var shared struct {
	sync.Mutex
	dbs     map[string]*mysqlstore.DB
	cleanup []func()
}

// userSeq numbers the users of every test (ids stay unique across tests sharing a database).
var userSeq atomic.Int64

func sharedDB(t *testing.T, kind string) *mysqlstore.DB {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if db := shared.dbs[kind]; db != nil {
		return db
	}
	o := mysqlstore.Options{MaxOpenConns: 16}
	if kind == "configured" && testenv.RealMySQL() {
		admin, err := sql.Open("mysql", testenv.MySQLAdminDSN())
		if err != nil {
			t.Fatal(err)
		}
		name := testenv.RandomName("gjt_rooms_")
		if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			t.Fatal(err)
		}
		shared.cleanup = append(shared.cleanup, func() { admin.Exec("DROP DATABASE IF EXISTS " + name); admin.Close() })
		cfg, _ := mysqldrv.ParseDSN(testenv.MySQLAdminDSN())
		cfg.DBName = name
		o.DSN = cfg.FormatDSN()
	} else {
		if os.Getenv("GONGJIAN_TEST_BACKEND") == "real" && kind == "configured" {
			t.Fatal("GONGJIAN_TEST_BACKEND=real but MariaDB/MySQL is not reachable")
		}
		dir, err := os.MkdirTemp("", "gj-rooms-")
		if err != nil {
			t.Fatal(err)
		}
		shared.cleanup = append(shared.cleanup, func() { os.RemoveAll(dir) })
		o.SQLitePath = filepath.Join(dir, "rooms.db")
	}
	db, err := mysqlstore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	shared.cleanup = append([]func(){func() { db.Close() }}, shared.cleanup...)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if shared.dbs == nil {
		shared.dbs = map[string]*mysqlstore.DB{}
	}
	shared.dbs[kind] = db
	return db
}

// env is the real rooms service on a fresh database.
type env struct {
	t         *testing.T
	ctx       context.Context
	db        *mysqlstore.DB
	store     *mysqlstore.RoomStore
	people    *mysqlstore.ResidentStore
	svc       *rooms.Service
	keys      *checkin.Keys
	offset    atomic.Int64 // added to the service's clock
	admin     resident.User
	community int64
	other     int64 // a second community
	unit      int64 // a co-building unit of the community
}

// backends are the databases the storage-level guarantees are tested on:
// the configured one (MariaDB when reachable) and the embedded SQLite.
func backends(t *testing.T) map[string]func(*testing.T) *mysqlstore.DB {
	return map[string]func(*testing.T) *mysqlstore.DB{
		"configured": func(t *testing.T) *mysqlstore.DB { return sharedDB(t, "configured") },
		"sqlite":     func(t *testing.T) *mysqlstore.DB { return sharedDB(t, "sqlite") },
	}
}

func newEnv(t *testing.T) *env { return newEnvOn(t, sharedDB(t, "configured")) }

func newEnvOn(t *testing.T, db *mysqlstore.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db}
	key := make([]byte, 32)
	rand.Read(key)
	box, err := pii.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	if e.keys, err = checkin.NewKeys(key); err != nil {
		t.Fatal(err)
	}
	e.people = mysqlstore.NewResidentStore(db)
	e.store = mysqlstore.NewRoomStore(db)
	now := func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	e.svc = rooms.NewService(e.store, e.keys, box, rooms.Config{}, now)
	e.admin = resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}
	c, err := e.people.EnsureCommunity(e.ctx, testenv.RandomName("阳光社区"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.people.EnsureCommunity(e.ctx, testenv.RandomName("明月社区"))
	if err != nil {
		t.Fatal(err)
	}
	e.community, e.other = c.ID, o.ID
	acts := mysqlstore.NewActivityStore(db)
	unit := activity.Organization{Name: testenv.RandomName("实验小学"), Type: activity.OrgCoBuilding, CommunityIDs: []int64{c.ID}}
	if err := acts.CreateOrganization(e.ctx, &unit); err != nil {
		t.Fatal(err)
	}
	e.unit = unit.ID
	return e
}

// resident returns a resident of the community (no database row: the
// rooms service needs none).
func (e *env) resident() resident.User {
	return resident.User{ID: 1000 + userSeq.Add(1), CommunityID: e.community}
}

func (e *env) staff() resident.User {
	return resident.User{ID: 1000 + userSeq.Add(1), CommunityID: e.community, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: e.community}}}
}

func (e *env) contact() resident.User {
	return resident.User{ID: 1000 + userSeq.Add(1), Roles: []resident.Role{{Role: resident.RoleUnitContact, OrgID: e.unit}}}
}

// room creates a community room open 08:00–21:00 every day with the rules given.
func (e *env) room(rules rooms.Rules) rooms.Room {
	e.t.Helper()
	r, err := e.svc.CreateRoom(e.ctx, e.admin, rooms.Room{CommunityID: e.community, Name: fmt.Sprintf("活动室%d", userSeq.Add(1)), Kind: rooms.KindActivity, Capacity: 40, Rules: rules})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// day is 00:00 CST of the day n days from now.
func (e *env) day(n int) time.Time {
	l := time.Now().Add(time.Duration(e.offset.Load())).In(cst.Zone).AddDate(0, 0, n)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
}

func at(day time.Time, hhmm string) time.Time {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// bookTogether makes the n bookings book(i) asks for at the same moment:
// it returns those confirmed and the indexes of those refused with the
// code refused; any other answer fails the test.
func bookTogether(t *testing.T, n int, refused string, book func(i int) (rooms.Booking, error)) (won []rooms.Booking, lost []int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			b, err := book(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, b)
			case errs.CodeOf(err) == refused:
				lost = append(lost, i)
			default:
				t.Errorf("request %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return won, lost
}

func (e *env) book(u resident.User, roomID int64, from, to time.Time) (rooms.Booking, error) {
	return e.svc.Book(e.ctx, u, rooms.BookInput{RoomID: roomID, StartsAt: from, EndsAt: to, Purpose: "排练", Attendance: 10})
}

func (e *env) mustBook(u resident.User, roomID int64, from, to time.Time) rooms.Booking {
	e.t.Helper()
	b, err := e.book(u, roomID, from, to)
	if err != nil {
		e.t.Fatalf("book %s–%s: %v", cst.Minute(from), cst.Minute(to), err)
	}
	return b
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if errs.CodeOf(err) != code || err == nil {
		t.Fatalf("want %s, got %v", code, err)
	}
}

// wantStatusOrCode checks a call's outcome: with code "" it succeeded and
// left the status want, otherwise it was refused with code.
func wantStatusOrCode(t *testing.T, status string, err error, want, code string) {
	t.Helper()
	if code != "" {
		wantCode(t, err, code)
		return
	}
	if err != nil || status != want {
		t.Fatalf("want %s, got %s %v", want, status, err)
	}
}

// slots counts the slot rows held by a holder.
func (e *env) slots(holder int64) int {
	var n int64
	if err := e.db.G.Table("room_slots").Where("holder = ?", holder).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}
