// Command bench-rooms measures room bookings on a real MariaDB/MySQL:
//
//  1. throughput on one contended room: W workers book random hours of one
//     room for D seconds (most requests collide: SLOT_TAKEN);
//  2. throughput across 200 rooms: the same spread over 200 rooms;
//  3. a burst: 200 requests for overlapping ranges of one room released at
//     the same instant, timed until the last is answered.
//
// After each part it checks in SQL that no two bookings holding a room
// overlap and that every booking's slot rows are exactly its own.
// Bookings touch only the database (no Redis on their path).
//
// Run from the repository root (MariaDB running):
//
//	go run ./scripts/bench-rooms [-workers 32] [-seconds 5] [-mysql root@tcp(127.0.0.1:3306)/]
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"gongjian/internal/benchkit"
	"gongjian/internal/checkin"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

func main() {
	workers := flag.Int("workers", 32, "concurrent bookers")
	seconds := flag.Int("seconds", 5, "length of each throughput run")
	conns := flag.Int("conns", 32, "database connections")
	adminDSN := benchkit.MySQLFlag()
	flag.Parse()
	benchkit.ExitOnError("bench-rooms", run(*adminDSN, *workers, time.Duration(*seconds)*time.Second, *conns))
}

type bench struct {
	ctx   context.Context
	db    *mysqlstore.DB
	svc   *rooms.Service
	staff resident.User
	comm  int64
}

func run(adminDSN string, workers int, d time.Duration, conns int) error {
	ctx := context.Background()
	sdb, err := benchkit.OpenScratchDB(ctx, adminDSN, conns)
	if err != nil {
		return err
	}
	defer sdb.Close()
	db := sdb.DB
	key := make([]byte, 32)
	rand.Read(key)
	box, _ := pii.NewBox(key)
	keys, _ := checkin.NewKeys(key)
	c, err := mysqlstore.NewResidentStore(db).EnsureCommunity(ctx, "阳光社区")
	if err != nil {
		return err
	}
	bn := &bench{ctx: ctx, db: db, svc: rooms.NewService(mysqlstore.NewRoomStore(db), keys, box, rooms.Config{}, nil), comm: c.ID,
		staff: resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: c.ID}}}}
	fmt.Printf("bench-rooms: MariaDB/MySQL %s, %d workers, %d connections, %s per run\n", sdb.Scratch.Addr, workers, conns, d)

	one, err := bn.rooms(1)
	if err != nil {
		return err
	}
	if err := bn.throughput("one contended room", one, workers, d, 14); err != nil {
		return err
	}
	many, err := bn.rooms(200)
	if err != nil {
		return err
	}
	if err := bn.throughput("200 rooms", many, workers, d, 60); err != nil {
		return err
	}
	burst, err := bn.rooms(1)
	if err != nil {
		return err
	}
	return bn.burst(burst[0], 200)
}

// rooms creates n rooms open 08:00–21:00 with one-hour slots.
func (b *bench) rooms(n int) ([]int64, error) {
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		r, err := b.svc.CreateRoom(b.ctx, b.staff, rooms.Room{CommunityID: b.comm, Name: fmt.Sprintf("活动室%d", i), Kind: rooms.KindActivity, Capacity: 30,
			Rules: rooms.Rules{SlotMinutes: 60, MaxMinutes: 180, AheadDays: 365}})
		if err != nil {
			return nil, err
		}
		out = append(out, r.ID)
	}
	return out, nil
}

func dayAt(n, hour int) time.Time {
	l := time.Now().In(cst.Zone).AddDate(0, 0, n)
	return time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, cst.Zone)
}

// throughput books random one-to-three-hour ranges within the next days
// of the rooms for d and prints requests answered and bookings made per second.
func (b *bench) throughput(label string, ids []int64, workers int, d time.Duration, days int) error {
	var answered, booked, failed atomic.Int64
	lat := make([][]time.Duration, workers)
	deadline := time.Now().Add(d)
	start := time.Now()
	benchkit.Workers(workers, func(w int) {
		rng := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
		for time.Now().Before(deadline) {
			from := dayAt(1+rng.IntN(days), 8+rng.IntN(11))
			t0 := time.Now()
			_, err := b.svc.Book(b.ctx, b.staff, rooms.BookInput{RoomID: ids[rng.IntN(len(ids))], StartsAt: from,
				EndsAt: from.Add(time.Duration(1+rng.IntN(2)) * time.Hour), Purpose: "压测", Attendance: 5})
			lat[w] = append(lat[w], time.Since(t0))
			switch {
			case err == nil:
				booked.Add(1)
				answered.Add(1)
			case errs.CodeOf(err) == rooms.ErrSlotTaken.Code:
				answered.Add(1)
			default:
				failed.Add(1)
			}
		}
	})
	el := time.Since(start).Seconds()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p := func(q float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(q*float64(len(all)-1))].Round(100 * time.Microsecond)
	}
	overlaps, err := b.overlaps()
	if err != nil {
		return err
	}
	fmt.Printf("%-20s %7.0f requests/s answered, %6.0f bookings/s confirmed (%d requests, %d confirmed, %d failed), p50 %v p99 %v, overlaps %d\n",
		label+":", float64(answered.Load())/el, float64(booked.Load())/el, answered.Load(), booked.Load(), failed.Load(), p(0.5), p(0.99), overlaps)
	if overlaps != 0 || failed.Load() != 0 {
		return fmt.Errorf("%s: %d overlaps, %d failed requests", label, overlaps, failed.Load())
	}
	return nil
}

// burst releases n requests for overlapping ranges of one room at once.
func (b *bench) burst(room int64, n int) error {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	var won, taken, failed atomic.Int64
	day := dayAt(2, 0)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := day.Add(time.Duration(9+i%4) * time.Hour)
			<-gate
			_, err := b.svc.Book(b.ctx, b.staff, rooms.BookInput{RoomID: room, StartsAt: from, EndsAt: from.Add(3 * time.Hour), Purpose: "压测", Attendance: 5})
			switch {
			case err == nil:
				won.Add(1)
			case errs.CodeOf(err) == rooms.ErrSlotTaken.Code:
				taken.Add(1)
			default:
				failed.Add(1)
			}
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	el := time.Since(start)
	overlaps, err := b.overlaps()
	if err != nil {
		return err
	}
	fmt.Printf("%-20s %d simultaneous requests answered in %.2f s: %d confirmed, %d SLOT_TAKEN, %d failed, overlaps %d\n",
		"burst:", n, el.Seconds(), won.Load(), taken.Load(), failed.Load(), overlaps)
	if overlaps != 0 || failed.Load() != 0 || won.Load()+taken.Load() != int64(n) {
		return fmt.Errorf("burst: %d overlaps, %d failed", overlaps, failed.Load())
	}
	return nil
}

// overlaps counts pairs of slot-holding bookings of one room that overlap,
// and bookings whose slot rows are not exactly their granules.
func (b *bench) overlaps() (int64, error) {
	var pairs int64
	err := b.db.G.Raw(`SELECT COUNT(*) FROM room_bookings a JOIN room_bookings b
		ON a.room_id = b.room_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
		WHERE a.status IN ? AND b.status IN ?`, rooms.Holding, rooms.Holding).Scan(&pairs).Error
	if err != nil {
		return 0, err
	}
	var wrong int64
	err = b.db.G.Raw(`SELECT COUNT(*) FROM room_bookings bk
		WHERE bk.status IN ? AND (SELECT COUNT(*) FROM room_slots s WHERE s.holder = bk.id) <> TIMESTAMPDIFF(MINUTE, bk.starts_at, bk.ends_at) / 15`,
		rooms.Holding).Scan(&wrong).Error
	return pairs + wrong, err
}
