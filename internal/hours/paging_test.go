package hours_test

import (
	"context"
	"testing"
	"time"

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
	log, err := store.MinuteLog(ctx, 7)
	if err != nil || len(log) != n || log[0].Minutes != 60 {
		t.Fatalf("minute log: %d rows, %v", len(log), err)
	}
}
