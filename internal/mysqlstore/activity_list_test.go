package mysqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/mysqlstore"
)

const firstHeldMigration = "1360_activities_first_held_start"

// Activities whose first session was cancelled before first_starts_at
// followed cancellations kept that session's start: 1360 recomputes it as
// the first session still held (every session cancelled: the first one),
// so the public list sorts them right. The list's date filter never
// matches a cancelled session. Both dialects.
func TestFirstStartsAtBackfilledForCancelledSessions(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := db.G
			t0 := time.Now().Add(72 * time.Hour).Truncate(time.Hour).UTC()
			h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
			type sess struct {
				start     time.Time
				cancelled bool
			}
			// first_starts_at as written before 1360: the first session,
			// cancelled or not.
			acts := []struct {
				id       int64
				title    string
				sessions []sess
				want     time.Time // first_starts_at after 1360
			}{
				{9001, "first-cancelled", []sess{{h(0), true}, {h(2), false}}, h(2)},
				{9002, "all-cancelled", []sess{{h(1), true}, {h(5), true}}, h(1)},
				{9003, "plain", []sess{{h(3), false}}, h(3)},
				{9004, "middle-cancelled", []sess{{h(4), false}, {h(6), true}, {h(8), false}}, h(4)},
			}
			for _, a := range acts {
				if err := g.Exec(`INSERT INTO activities (id, title, category, community_id, host_org_id, address, status, signup_opens_at, signup_closes_at, first_starts_at, last_ends_at, created_at, updated_at)
					VALUES (?, ?, 'lecture', 1, 2, '阳光社区', 'published', ?, ?, ?, ?, ?, ?)`,
					a.id, a.title, t0.Add(-96*time.Hour), t0.Add(-time.Hour), a.sessions[0].start, a.sessions[len(a.sessions)-1].start.Add(time.Hour), t0, t0).Error; err != nil {
					t.Fatal(err)
				}
				for _, s := range a.sessions {
					var cancelled *time.Time
					if s.cancelled {
						c := t0.Add(-48 * time.Hour)
						cancelled = &c
					}
					if err := g.Exec(`INSERT INTO sessions (activity_id, starts_at, ends_at, capacity, waitlist_capacity, cancelled_at, cancel_reason, cancelled_by, created_at, updated_at)
						VALUES (?, ?, ?, 5, 0, ?, '', 0, ?, ?)`, a.id, s.start, s.start.Add(time.Hour), cancelled, t0, t0).Error; err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := g.Exec("DELETE FROM schema_migrations WHERE id = ?", firstHeldMigration).Error; err != nil {
				t.Fatal(err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 1 || applied[0] != firstHeldMigration {
				t.Errorf("migrate: %v %v", applied, err)
			}
			store := mysqlstore.NewActivityStore(db)
			list := func(from, to time.Time) []string {
				t.Helper()
				f := activity.ActivityFilter{Statuses: []string{activity.StatusPublished}, ScopeAll: true, From: from, To: to}
				as, err := store.ListActivities(ctx, f, 0, 20)
				if err != nil {
					t.Fatal(err)
				}
				n, err := store.CountActivities(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				out := []string{}
				for _, a := range as {
					out = append(out, a.Title)
				}
				if n != len(out) {
					t.Fatalf("counted %d, listed %v", n, out)
				}
				return out
			}
			for _, tc := range []struct {
				name     string
				from, to time.Time
				want     []string
			}{
				{"every date", time.Time{}, time.Time{}, []string{"all-cancelled", "first-cancelled", "plain", "middle-cancelled"}},
				{"cancelled sessions only", h(0), h(2), []string{}},
				{"a held session", h(2), h(3), []string{"first-cancelled"}},
				{"a cancelled middle session", h(5), h(7), []string{}},
				{"its held sessions around it", h(5), h(9), []string{"middle-cancelled"}},
			} {
				if got := list(tc.from, tc.to); !slices.Equal(got, tc.want) {
					t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
				}
			}
			// Run again (an interrupted step is): nothing changes.
			if err := g.Exec("DELETE FROM schema_migrations WHERE id = ?", firstHeldMigration).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
			if got, want := list(time.Time{}, time.Time{}), []string{"all-cancelled", "first-cancelled", "plain", "middle-cancelled"}; !slices.Equal(got, want) {
				t.Fatalf("after running 1360 again: %v, want %v", got, want)
			}
		})
	}
}
