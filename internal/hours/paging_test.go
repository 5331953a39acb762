package hours_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/page"
	"gongjian/internal/testenv"
)

// A person's entries page by keyset, newest served first: every entry once,
// ties on the served time broken by id, the totals read apart.
func TestEntriesPageNewestFirst(t *testing.T) {
	db := testenv.DB(t)
	store := mysqlstore.NewHoursStore(db)
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Millisecond)
	const n = 257
	for i := 0; i < n; i++ {
		// Three entries share each served time.
		at := base.Add(-time.Duration(i/3) * time.Hour)
		if err := db.G.Exec(`INSERT INTO hours_ledger (user_id, minutes, source, served_at, created_at) VALUES (?, ?, 'checkin', ?, ?)`,
			7, 60, at, base).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.G.Exec(`INSERT INTO hours_ledger (user_id, minutes, source, served_at, created_at) VALUES (8, 30, 'checkin', ?, ?)`, base, base).Error; err != nil {
		t.Fatal(err)
	}
	var after *page.Cursor
	seen := map[int64]bool{}
	var last time.Time
	var lastID int64
	pages := 0
	for {
		es, err := store.EntryPage(ctx, 7, after, 51)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		show := es
		if len(es) > 50 {
			show = es[:50]
		}
		for _, e := range show {
			if seen[e.ID] {
				t.Fatalf("entry %d twice", e.ID)
			}
			seen[e.ID] = true
			if !last.IsZero() && (e.ServedAt.After(last) || (e.ServedAt.Equal(last) && e.ID > lastID)) {
				t.Fatalf("entry %d (%s) after %d (%s): not newest first", e.ID, e.ServedAt, lastID, last)
			}
			last, lastID = e.ServedAt, e.ID
		}
		if len(es) <= 50 {
			break
		}
		after = &page.Cursor{Key: show[len(show)-1].ServedAt.UnixMilli(), ID: show[len(show)-1].ID}
	}
	if len(seen) != n || pages != 6 {
		t.Fatalf("%d entries in %d pages, want %d in 6", len(seen), pages, n)
	}
	months, err := store.MonthlyMinutes(ctx, 7)
	total := 0
	for _, m := range months {
		total += m.Minutes
	}
	if err != nil || total != n*60 {
		t.Fatalf("monthly minutes: %v (total %d, want %d), %v", months, total, n*60, err)
	}
}

// A person's minutes are summed per month of China time in the database,
// on MariaDB and on the embedded SQLite alike: an hour served at 23:59 on
// 31 January in Beijing counts in January, one at 00:00 on 1 February in
// February, whatever the UTC date.
func TestMonthlyMinutesInChinaTime(t *testing.T) {
	backends := map[string]func(t *testing.T) *mysqlstore.DB{
		"default": func(t *testing.T) *mysqlstore.DB { return testenv.DB(t) },
		"sqlite": func(t *testing.T) *mysqlstore.DB {
			db, err := mysqlstore.Open(context.Background(), mysqlstore.Options{SQLitePath: filepath.Join(t.TempDir(), "h.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			store := mysqlstore.NewHoursStore(db)
			ctx := context.Background()
			for _, e := range []struct {
				at      time.Time
				minutes int
			}{
				{time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC), 10},   // 31 Dec 23:59 in Beijing
				{time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), 20},    // 1 Jan 00:00
				{time.Date(2026, 1, 31, 15, 59, 30, 0, time.UTC), 40},   // 31 Jan 23:59:30
				{time.Date(2026, 1, 31, 16, 0, 0, 0, time.UTC), 80},     // 1 Feb 00:00
				{time.Date(2026, 2, 10, 3, 0, 0, 123e6, time.UTC), 160}, // 10 Feb, with milliseconds
			} {
				if err := db.G.Exec(`INSERT INTO hours_ledger (user_id, minutes, source, served_at, created_at) VALUES (?, ?, 'checkin', ?, ?)`,
					5, e.minutes, e.at, e.at).Error; err != nil {
					t.Fatal(err)
				}
			}
			got, err := store.MonthlyMinutes(ctx, 5)
			if err != nil {
				t.Fatal(err)
			}
			want := []hours.Month{{Month: "2025-12", Minutes: 10}, {Month: "2026-01", Minutes: 60}, {Month: "2026-02", Minutes: 240}}
			if !slices.Equal(got, want) {
				t.Fatalf("months %v, want %v", got, want)
			}
		})
	}
}
