package mysqlstore_test

import (
	"context"
	"testing"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/rooms"
)

// Desk bookings made for a registered resident before 1340 become that
// resident's: the migration reads the resident from the weekly-hours key
// those bookings already count against ("user:<id>"); a guest's desk
// booking and staff's own booking are nobody's but their booker's.
func TestDeskBookingsForResidentsBackfilled(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := db.G
			drop := []string{"DROP INDEX idx_rb_for_user_starts ON room_bookings", "ALTER TABLE room_bookings DROP COLUMN for_user_id"}
			if name == "sqlite" {
				drop[0] = "DROP INDEX idx_rb_for_user_starts"
			}
			// Back to the schema before 1340, with a desk booking for
			// resident 42, a guest's and staff member 7's own.
			for _, q := range append(drop,
				"DELETE FROM schema_migrations WHERE id = '1340_room_bookings_for_user'",
				`INSERT INTO room_bookings (room_id, series_id, starts_at, ends_at, purpose, attendance, status, booked_for, booked_by, team_id, org_id,
					booker_key, week_start, release_at, created_at, updated_at) VALUES
					(1, 0, '2027-03-02 01:00:00', '2027-03-02 02:00:00', '读书会', 3, 'confirmed', 'desk', 7, 0, 0, 'user:42', '2027-03-01 00:00:00', '2027-03-02 01:15:00', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
					(1, 0, '2027-03-02 03:00:00', '2027-03-02 04:00:00', '读书会', 3, 'confirmed', 'desk', 7, 0, 0, 'guest:ab12', '2027-03-01 00:00:00', '2027-03-02 03:15:00', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
					(1, 0, '2027-03-02 05:00:00', '2027-03-02 06:00:00', '例会', 3, 'confirmed', 'staff', 7, 0, 0, 'user:7', '2027-03-01 00:00:00', '2027-03-02 05:15:00', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			) {
				if err := g.Exec(q).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 1 || applied[0] != "1340_room_bookings_for_user" {
				t.Fatalf("migrate: %v %v", applied, err)
			}
			store := mysqlstore.NewRoomStore(db)
			for _, tc := range []struct {
				user int64
				want []string // booker keys
			}{{42, []string{"user:42"}}, {7, nil}} {
				bs, err := store.Bookings(ctx, rooms.BookingFilter{ForUser: tc.user})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, b := range bs {
					got = append(got, b.BookerKey)
					if b.ForUser != tc.user {
						t.Errorf("booking %d for %d, want %d", b.ID, b.ForUser, tc.user)
					}
				}
				if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
					t.Errorf("bookings for resident %d: %v, want %v", tc.user, got, tc.want)
				}
			}
			// Run again (an interrupted step is): nothing changes, nothing fails.
			if err := g.Exec("DELETE FROM schema_migrations WHERE id = '1340_room_bookings_for_user'").Error; err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
		})
	}
}
