package mysqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gongjian/internal/auth"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// Migrating an empty MySQL and an empty SQLite gives working schemas, and
// running the migrations again (or from two processes at once) changes nothing.
func TestMigrateEmptyDatabases(t *testing.T) {
	kinds := map[string]mysqlstore.Options{"sqlite": {SQLitePath: filepath.Join(t.TempDir(), "m.db")}}
	if dsn := testenv.DSN(t); dsn != "" {
		kinds["mysql"] = mysqlstore.Options{DSN: dsn}
	}
	for name, o := range kinds {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := mysqlstore.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			pending, _ := db.Pending(ctx)
			if len(pending) == 0 {
				t.Fatal("an empty database must have pending migrations")
			}
			var wg sync.WaitGroup
			results := make([][]string, 2)
			errsOut := make([]error, 2)
			for i := 0; i < 2; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					results[i], errsOut[i] = db.Migrate(ctx)
				}(i)
			}
			wg.Wait()
			for _, e := range errsOut {
				if e != nil {
					t.Fatal(e)
				}
			}
			if len(results[0])+len(results[1]) != len(pending) {
				t.Fatalf("migrations applied %d+%d times, want %d in all", len(results[0]), len(results[1]), len(pending))
			}
			again, err := db.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate: %v %v", again, err)
			}
			// The schema works: the stores read and write through it.
			s := mysqlstore.NewResidentStore(db)
			u, err := s.LoginUser(ctx, "o-mig", "", "sealed")
			if err != nil || u.ID == 0 {
				t.Fatalf("login user: %v", err)
			}
			d := resident.Dependent{UserID: u.ID, Name: "小明", Relation: "child", BirthDate: time.Date(2015, 1, 2, 0, 0, 0, 0, time.UTC), Gender: "male"}
			if err := s.CreateDependent(ctx, &d); err != nil {
				t.Fatal(err)
			}
			got, err := s.Dependent(ctx, u.ID, d.ID)
			if err != nil || got.Name != "小明" || got.BirthDate.Format("2006-01-02") != "2015-01-02" {
				t.Fatalf("dependent round trip: %+v %v", got, err)
			}
			if err := s.SaveRefresh(ctx, auth.RefreshToken{Hash: "h1", UserID: u.ID, FamilyID: "f", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if uid, err := s.RotateRefresh(ctx, "h1", auth.RefreshToken{Hash: "h2", FamilyID: "f", ExpiresAt: time.Now().Add(time.Hour)}, time.Now()); err != nil || uid != u.ID {
				t.Fatalf("rotate: %d %v", uid, err)
			}
		})
	}
}

// Concurrent rotations of one refresh token: exactly one wins, a loser is
// told of the reuse, and the whole family is revoked, the winner's new token
// included.
func TestRefreshRotationRace(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := mysqlstore.NewResidentStore(db)
	u, _ := s.LoginUser(ctx, "o-race", "", "")
	exp := time.Now().Add(time.Hour)
	if err := s.SaveRefresh(ctx, auth.RefreshToken{Hash: "root", UserID: u.ID, FamilyID: "fam", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, reused := 0, 0
	var winner string
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			next := testenv.RandomName("n")
			_, err := s.RotateRefresh(ctx, "root", auth.RefreshToken{Hash: next, FamilyID: "fam", ExpiresAt: exp}, time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
				winner = next
			case errors.Is(err, auth.ErrRefreshReused):
				reused++
			case errs.KindOf(err) == errs.KindNotFound:
				// The family was already revoked by an earlier reuse.
			default:
				t.Errorf("rotation %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if wins != 1 || reused == 0 {
		t.Fatalf("%d concurrent rotations succeeded and %d were told of reuse, want exactly 1 and at least 1", wins, reused)
	}
	// The reuse revoked the whole family: the winner's new token is dead too,
	// and so is any token of the family, however fresh.
	if _, err := s.RotateRefresh(ctx, winner, auth.RefreshToken{Hash: testenv.RandomName("n"), FamilyID: "fam", ExpiresAt: exp}, time.Now()); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("the winner's token after the family was revoked: %v, want not found", err)
	}
	var live int64
	if err := db.G.Table("refresh_tokens").Where("family_id = ? AND revoked_at IS NULL", "fam").Count(&live).Error; err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Fatalf("%d tokens of the revoked family are still live", live)
	}
}
