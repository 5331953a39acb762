package mysqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// seats_until keeps, on each activity, until when it has a confirmed seat
// left: the latest start of its sessions with a free seat (a series, booked
// as a whole, needs a seat in every session: then it holds farFuture). The
// public list's "has seats" filter compares it with now from its index
// alone, instead of walking every upcoming activity's sessions and
// counters (8 requests a second at 5,000 activities). It is written in the
// transaction that changes what it summarises: counters, capacities,
// sessions. It is not a field of activityRow, so saving a row never
// overwrites it.
var seatsUntilMigration = Migration{ID: "1260_activities_seats_until", Up: func(tx *gorm.DB) error {
	if err := addTimeColumns(tx, "activities", "seats_until"); err != nil {
		return err
	}
	if err := createIndexes(index{"activities", "idx_activities_public_seats", "status, first_starts_at, id, last_ends_at, seats_until"})(tx); err != nil {
		return err
	}
	return tx.Session(&gorm.Session{NewDB: true}).Exec(refreshSeatsSQL+"1 = 1", farFuture).Error
}}

// addTimeColumns adds nullable time columns that are not there yet
// (idempotent, like createIndexes).
func addTimeColumns(tx *gorm.DB, table string, cols ...string) error {
	db := tx.Session(&gorm.Session{NewDB: true})
	typ := "DATETIME(3) NULL"
	if db.Dialector.Name() != "mysql" {
		typ = "DATETIME"
	}
	for _, col := range cols {
		if db.Migrator().HasColumn(table, col) {
			continue
		}
		if err := db.Exec("ALTER TABLE " + table + " ADD COLUMN " + col + " " + typ).Error; err != nil {
			return err
		}
	}
	return nil
}

// farFuture is a series' seats_until while every session has a seat.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// seatsUntil is an activity's seats_until computed from its sessions and
// counters (one parameter: farFuture).
const seatsUntil = `CASE WHEN series THEN
  (CASE WHEN NOT EXISTS (SELECT 1 FROM sessions s WHERE s.activity_id = activities.id AND s.cancelled_at IS NULL AND NOT (` + seatsLeft + `))
    AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.activity_id = activities.id AND s.cancelled_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM sessions o WHERE o.activity_id = activities.id AND o.cancelled_at IS NULL)) THEN ? END)
  ELSE (SELECT MAX(s.starts_at) FROM sessions s WHERE s.activity_id = activities.id AND ` + seatsLeft + `) END`

const refreshSeatsSQL = `UPDATE activities SET seats_until = ` + seatsUntil + `
WHERE `

// staleSeats returns those of the activities whose seats_until is not what
// refreshSeats would write, with a plain read (no lock).
func (db *DB) staleSeats(ctx context.Context, activityIDs []int64) ([]int64, error) {
	differs := "NOT (seats_until <=> (" + seatsUntil + "))"
	if db.Dialect != "mysql" {
		differs = "seats_until IS NOT (" + seatsUntil + ")"
	}
	var ids []int64
	err := db.G.WithContext(ctx).Raw("SELECT id FROM activities WHERE "+differs+" AND id IN ?", farFuture, activityIDs).Scan(&ids).Error
	return ids, err
}

// refreshSeats recomputes seats_until of the activities (in tx).
func refreshSeats(ctx context.Context, tx *gorm.DB, activityIDs ...int64) error {
	switch len(activityIDs) {
	case 0:
		return nil
	case 1:
		_, err := tx.Statement.ConnPool.ExecContext(ctx, refreshSeatsSQL+"id = ?", farFuture, activityIDs[0])
		return err
	}
	return tx.Session(&gorm.Session{NewDB: true}).WithContext(ctx).Exec(refreshSeatsSQL+"id IN ?", farFuture, activityIDs).Error
}

// seatsRefresher refreshes seats_until after the sign-up writers and
// cancellations commit, outside their transactions: they hold the activity
// row under a shared lock (lockEpochs), and taking it exclusively there
// would deadlock two batches. Marked activities are refreshed by one
// goroutine that lives while there is work; each refresh reads the
// counters as committed last, so the value after the last change is right.
// The "has seats" filter may lag a change by the time of one statement,
// and while changes keep coming by up to seatsRefreshGap. A pass first reads which activities' value would change and updates only
// those: while a big session keeps a seat, a popular release's batches (one
// every few milliseconds) change nothing here, and updating the hot
// activity's row after each of them waited for the writers' shared locks
// and held up the next batches.
//
// settle lets the "has seats" list wait (briefly) for the passes that
// carry the changes this process made before it: marked counts the
// marks, settled the marks whose pass has ended, and passDone is closed
// at the end of each pass.
type seatsRefresher struct {
	db       *DB
	mu       sync.Mutex
	dirty    map[int64]struct{}
	running  bool
	marked   uint64
	settled  uint64
	passDone chan struct{}
}

func (r *seatsRefresher) mark(activityIDs ...int64) {
	if len(activityIDs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range activityIDs {
		r.dirty[id] = struct{}{}
	}
	r.marked++
	if !r.running {
		r.running = true
		go r.loop()
	}
}

func (r *seatsRefresher) loop() {
	for {
		r.mu.Lock()
		if len(r.dirty) == 0 {
			r.running = false
			r.endPass(r.marked)
			r.mu.Unlock()
			return
		}
		ids := make([]int64, 0, len(r.dirty))
		for id := range r.dirty {
			ids = append(ids, id)
		}
		clear(r.dirty)
		gen := r.marked // the marks this pass carries
		r.mu.Unlock()
		slices.Sort(ids)
		start := time.Now()
		for attempt := 0; attempt < 5; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			stale, err := r.db.staleSeats(ctx, ids)
			if err == nil && len(stale) > 0 {
				err = r.db.G.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return refreshSeats(ctx, tx, stale...) }, r.db.readCommitted())
			}
			cancel()
			if err == nil || !retryable(err) {
				break
			}
		}
		r.mu.Lock()
		r.endPass(gen)
		r.mu.Unlock()
		// Changes marked meanwhile wait for the next pass; one after a
		// quiet spell is refreshed at once (this goroutine has ended).
		time.Sleep(seatsRefreshGap - time.Since(start))
	}
}

// readCommitted is the isolation of the seats refresh on MySQL: under
// REPEATABLE READ its UPDATE reads the sessions and counters with shared
// locks, so one session row held by a long transaction (a cancellation, a
// staff edit) kept the refresh waiting while it held the activity row,
// and everything reading that row under a lock (the next sign-up batch, a
// cancellation) queued behind it. Under READ COMMITTED those reads take no
// locks and see what is committed, which is what the refresh wants.
func (db *DB) readCommitted() *sql.TxOptions {
	if db.Dialect != "mysql" {
		return nil
	}
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}

// seatsRefreshGap is the least time between two passes while changes keep
// coming: each pass reads the activities' sessions and counters.
const seatsRefreshGap = 50 * time.Millisecond

// endPass records that the marks up to gen are refreshed and wakes the
// waiters (r.mu held).
func (r *seatsRefresher) endPass(gen uint64) {
	r.settled = max(r.settled, gen)
	if r.passDone != nil {
		close(r.passDone)
		r.passDone = nil
	}
}

// settle waits, at most maxWait, until every change marked before the
// call is refreshed: a list filtered by seats then shows what this
// process's sign-ups and cancellations answered before it. Nothing
// pending (the usual case) returns at once. It returns the marks settled
// by then: the version of the seats the list reads.
func (r *seatsRefresher) settle(ctx context.Context, maxWait time.Duration) uint64 {
	r.mu.Lock()
	target := r.marked
	if r.settled >= target {
		r.mu.Unlock()
		return target
	}
	r.mu.Unlock()
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	for {
		r.mu.Lock()
		if r.settled >= target {
			v := r.settled
			r.mu.Unlock()
			return v
		}
		if r.passDone == nil {
			r.passDone = make(chan struct{})
		}
		ch := r.passDone
		v := r.settled
		r.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return v
		case <-ctx.Done():
			return v
		}
	}
}

// seatsSettleWait bounds how long a "has seats" list waits for the
// refresh of changes made just before it (one pass and the gap between
// passes, with room to spare).
const seatsSettleWait = 250 * time.Millisecond

// SettleSeats waits (at most seatsSettleWait) until the seats_until of
// the activities this process changed before the call is refreshed, and
// returns the version of the seats then (it grows with every refresh).
func (s *ActivityStore) SettleSeats(ctx context.Context) uint64 {
	return s.seats.settle(ctx, seatsSettleWait)
}
