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

// heldOrNot is a session as the span tests seed it: an hour from start,
// cancelled by staff or held.
type heldOrNot struct {
	start     time.Time
	cancelled bool
}

// seedSpanActivity writes a published activity and its sessions as rows
// from before migrations 1360 and 1370: first_starts_at is its first
// session's start and last_ends_at its last session's end, cancelled or not.
func seedSpanActivity(t *testing.T, db *mysqlstore.DB, id int64, title string, t0 time.Time, sessions []heldOrNot) {
	t.Helper()
	if err := db.G.Exec(`INSERT INTO activities (id, title, category, community_id, host_org_id, address, status, signup_opens_at, signup_closes_at, first_starts_at, last_ends_at, created_at, updated_at)
		VALUES (?, ?, 'lecture', 1, 2, '阳光社区', 'published', ?, ?, ?, ?, ?, ?)`,
		id, title, t0.Add(-96*time.Hour), t0.Add(-4*time.Hour), sessions[0].start, sessions[len(sessions)-1].start.Add(time.Hour), t0, t0).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		var cancelled *time.Time
		if s.cancelled {
			c := t0.Add(-48 * time.Hour)
			cancelled = &c
		}
		if err := db.G.Exec(`INSERT INTO sessions (activity_id, starts_at, ends_at, capacity, waitlist_capacity, cancelled_at, cancel_reason, cancelled_by, created_at, updated_at)
			VALUES (?, ?, ?, 5, 0, ?, '', 0, ?, ?)`, id, s.start, s.start.Add(time.Hour), cancelled, t0, t0).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// publishedTitles lists the titles of the published activities f finds,
// after checking that the count agrees with the list.
func publishedTitles(t *testing.T, store *mysqlstore.ActivityStore, f activity.ActivityFilter) []string {
	t.Helper()
	ctx := context.Background()
	f.Statuses, f.ScopeAll = []string{activity.StatusPublished}, true
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

// rerunMigration runs one applied migration again, as after an
// interrupted step, and checks that only it ran.
func rerunMigration(t *testing.T, db *mysqlstore.DB, id string) {
	t.Helper()
	if err := db.G.Exec("DELETE FROM schema_migrations WHERE id = ?", id).Error; err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 1 || applied[0] != id {
		t.Fatalf("migrate: %v %v", applied, err)
	}
}

// Activities whose first session was cancelled before first_starts_at
// followed cancellations kept that session's start: 1360 recomputes it as
// the first session still held (every session cancelled: the first one),
// so the public list sorts them right. The list's date filter never
// matches a cancelled session. Both dialects.
func TestFirstStartsAtBackfilledForCancelledSessions(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			t0 := time.Now().Add(72 * time.Hour).Truncate(time.Hour).UTC()
			h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
			for i, a := range []struct {
				title    string
				sessions []heldOrNot
			}{
				{"first-cancelled", []heldOrNot{{h(0), true}, {h(2), false}}},
				{"all-cancelled", []heldOrNot{{h(1), true}, {h(5), true}}},
				{"plain", []heldOrNot{{h(3), false}}},
				{"middle-cancelled", []heldOrNot{{h(4), false}, {h(6), true}, {h(8), false}}},
			} {
				seedSpanActivity(t, db, int64(9001+i), a.title, t0, a.sessions)
			}
			rerunMigration(t, db, firstHeldMigration)
			store := mysqlstore.NewActivityStore(db)
			list := func(from, to time.Time) []string {
				return publishedTitles(t, store, activity.ActivityFilter{From: from, To: to})
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
			rerunMigration(t, db, firstHeldMigration)
			if got, want := list(time.Time{}, time.Time{}), []string{"all-cancelled", "first-cancelled", "plain", "middle-cancelled"}; !slices.Equal(got, want) {
				t.Fatalf("after running 1360 again: %v, want %v", got, want)
			}
		})
	}
}

const lastHeldMigration = "1370_activities_last_held_end"

// The public list keeps an activity while its last_ends_at has not passed.
// Before 1370 that was the end of its last session even when staff had
// cancelled it, so an activity whose other sessions were over stayed among
// the coming ones. 1370 recomputes it from the sessions still held (every
// session cancelled: the last one), and cancelling a session refreshes it.
// Both dialects.
func TestCancelledLastSessionLeavesTheComingList(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC()
			t0 := now.Truncate(time.Hour)
			h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
			store := mysqlstore.NewActivityStore(db)
			coming := func() []string {
				out := publishedTitles(t, store, activity.ActivityFilter{EndsAfter: now})
				slices.Sort(out)
				return out
			}
			for i, a := range []struct {
				title    string
				sessions []heldOrNot
			}{
				{"over-last-cancelled", []heldOrNot{{h(-3), false}, {h(5), true}}},
				{"all-cancelled", []heldOrNot{{h(1), true}, {h(5), true}}},
				{"going-on", []heldOrNot{{h(-3), false}, {h(5), false}}},
				{"middle-cancelled", []heldOrNot{{h(2), false}, {h(4), true}, {h(8), false}}},
			} {
				seedSpanActivity(t, db, int64(9101+i), a.title, t0, a.sessions)
			}
			want := []string{"all-cancelled", "going-on", "middle-cancelled", "over-last-cancelled"}
			if got := coming(); !slices.Equal(got, want) {
				t.Fatalf("before 1370: %v, want %v", got, want)
			}
			want = []string{"all-cancelled", "going-on", "middle-cancelled"}
			for run := 1; run <= 2; run++ { // run again (an interrupted step is): nothing changes
				rerunMigration(t, db, lastHeldMigration)
				if got := coming(); !slices.Equal(got, want) {
					t.Fatalf("after 1370 (run %d): %v, want %v", run, got, want)
				}
			}

			// The path: staff cancel the last session of an activity whose
			// first session is over.
			a := activity.Activity{Title: "cancelled-today", Category: "lecture", CommunityID: 1, HostOrgID: 2, Status: activity.StatusPublished,
				Place: activity.Place{Address: "阳光社区"}, SignupOpensAt: h(-96), SignupClosesAt: h(-4),
				Sessions: []activity.Session{{StartsAt: h(-3), EndsAt: h(-2), Capacity: 5}, {StartsAt: h(5), EndsAt: h(6), Capacity: 5}}}
			if err := store.CreateActivity(context.Background(), &a); err != nil {
				t.Fatal(err)
			}
			if got := coming(); !slices.Contains(got, "cancelled-today") {
				t.Fatalf("with a session to come: %v lacks it", got)
			}
			if _, err := store.CancelSession(context.Background(), a.ID, a.Sessions[1].ID, 1, "场地维修", now, nil); err != nil {
				t.Fatal(err)
			}
			if got := coming(); !slices.Equal(got, want) {
				t.Fatalf("after its last session was cancelled: %v, want %v", got, want)
			}
		})
	}
}
