package rooms_test

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"gongjian/internal/rooms"
)

// TestConcurrentBookingsNeverOverlap sends 200 booking requests for one
// room at the same instant, on MariaDB and on the embedded SQLite: the
// confirmed bookings never overlap, every other request is refused with
// SLOT_TAKEN, and the slots held are exactly the confirmed bookings'.
func TestConcurrentBookingsNeverOverlap(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name    string
				shared  bool // every range covers 10:00–10:30
				wantOne bool
			}{
				{"all overlap", true, true},
				{"random ranges", false, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e := newEnvOn(t, open(t))
					room := e.room(rooms.Rules{SlotMinutes: 30, MaxMinutes: 180})
					day := e.day(2)
					type req struct{ from, to time.Time }
					reqs := make([]req, 200)
					rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
					for i := range reqs {
						if tc.shared {
							from := at(day, "10:00").Add(-time.Duration(rng.IntN(4)) * 30 * time.Minute)
							reqs[i] = req{from, at(day, "10:30").Add(time.Duration(rng.IntN(3)) * 30 * time.Minute)}
						} else {
							from := at(day, "08:00").Add(time.Duration(rng.IntN(22)) * 30 * time.Minute)
							reqs[i] = req{from, from.Add(time.Duration(1+rng.IntN(4)) * 30 * time.Minute)}
						}
					}
					won, refused := bookTogether(t, len(reqs), "SLOT_TAKEN", func(i int) (rooms.Booking, error) {
						return e.book(e.resident(), room.ID, reqs[i].from, reqs[i].to)
					})
					var lost []req
					for _, i := range refused {
						lost = append(lost, reqs[i])
					}
					if len(won) == 0 || len(won)+len(lost) != len(reqs) {
						t.Fatalf("%d confirmed, %d refused of %d", len(won), len(lost), len(reqs))
					}
					if tc.wantOne && len(won) != 1 {
						t.Fatalf("every range overlaps the others: want 1 confirmed, got %d", len(won))
					}
					sort.Slice(won, func(i, j int) bool { return won[i].StartsAt.Before(won[j].StartsAt) })
					slots := 0
					for i, b := range won {
						if b.Status != rooms.StatusConfirmed {
							t.Errorf("booking %d is %s", b.ID, b.Status)
						}
						if i > 0 && b.StartsAt.Before(won[i-1].EndsAt) {
							t.Errorf("bookings %d and %d overlap", won[i-1].ID, b.ID)
						}
						if n := e.slots(b.ID); n != b.Minutes()/15 {
							t.Errorf("booking %d holds %d slots, want %d", b.ID, n, b.Minutes()/15)
						}
						slots += b.Minutes() / 15
					}
					// A refused request overlaps a confirmed booking: no refusal was wrong.
					for _, r := range lost {
						hit := false
						for _, b := range won {
							hit = hit || (r.from.Before(b.EndsAt) && b.StartsAt.Before(r.to))
						}
						if !hit {
							t.Errorf("%v refused but overlaps no confirmed booking", r)
						}
					}
					var total, rows int64
					e.db.G.Table("room_slots").Where("room_id = ?", room.ID).Count(&total)
					e.db.G.Table("room_bookings").Where("room_id = ?", room.ID).Count(&rows)
					if int(total) != slots || int(rows) != len(won) {
						t.Fatalf("%d slot rows (want %d), %d booking rows (want %d): a refused booking left rows", total, slots, rows, len(won))
					}
					t.Logf("%s: %d confirmed, %d refused", name, len(won), len(lost))
				})
			}
		})
	}
}
