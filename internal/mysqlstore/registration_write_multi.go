package mysqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sort"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"gongjian/internal/activity"
)

// commitBatchMulti is commitBatch on MySQL in three round trips instead of
// seven (BEGIN, the epoch read, two INSERTs, the counters, the outbox,
// COMMIT), through the writer pool whose connections take several
// statements at once:
//
//  1. START TRANSACTION and the epoch and session-time read (lockBatch);
//  2. the groups' and the registrations' INSERTs, the latter last so that
//     the answer's insert id numbers the rows;
//  3. the notices (which name the rows' ids), the counters and COMMIT.
//
// Every sign-up batch pays for these round trips, and on a busy server
// they were a third of the writer's CPU and most of its time. A failed
// statement stops its round trip there (MySQL runs none of the rest) and
// the transaction is rolled back; a failure of the third round trip, which
// may have committed, is settled like a failed COMMIT (errCommit).
func (s *ActivityStore) commitBatchMulti(ctx context.Context, ws []activity.Write, res []activity.WriteResult) error {
	conn, err := s.db.writer.Conn(ctx)
	if err != nil {
		return err
	}
	open := true // a transaction may be open on conn
	defer func() {
		if open {
			rollbackOrDrop(conn)
		}
		_ = conn.Close()
	}()
	ids, sids := batchKeys(ws)
	q, args := s.lockBatchSQL(ids, sids)
	epoch, times, err := scanLockBatch(conn.QueryContext(ctx, "START TRANSACTION; "+q, args...))
	if err != nil {
		return err
	}
	okIdx, groups, regs, err := batchRows(ws, epoch, res)
	if err != nil || len(okIdx) == 0 {
		return err
	}
	gq, gargs := groupsInsert(groups)
	rq, rargs := registrationsInsert(regs, times)
	r, err := conn.ExecContext(ctx, gq+"; "+rq, append(gargs, rargs...)...)
	if err != nil {
		return err
	}
	if err := numberRows(regs, r, s.db.idStep); err != nil {
		return err
	}
	notices := batchAnswers(ws, okIdx, regs, res)
	var b strings.Builder
	args = args[:0]
	for len(notices) > 0 {
		n := min(len(notices), noticeChunk)
		nq, nargs, err := noticesInsert(notices[:n], true)
		if err != nil {
			return err
		}
		b.WriteString(nq)
		b.WriteString("; ")
		args = append(args, nargs...)
		notices = notices[n:]
	}
	// The counters last: their rows are the batches' one point of contact,
	// locked from here to the COMMIT that follows in the same round trip.
	d, actOf := batchCounters(regs)
	sessions := make([]int64, 0, len(d))
	for sid, c := range d {
		if c != (counterDelta{}) {
			sessions = append(sessions, sid)
		}
	}
	sort.Slice(sessions, func(i, j int) bool { return sessions[i] < sessions[j] })
	now := time.Now().UTC()
	for _, sid := range sessions {
		c := d[sid]
		b.WriteString("UPDATE session_counters SET confirmed = confirmed + ?, waitlisted = waitlisted + ?, updated_at = ? WHERE session_id = ?; ")
		args = append(args, c.confirmed, c.waitlisted, now, sid)
	}
	b.WriteString("COMMIT")
	affected, err := execAll(ctx, conn, b.String(), args)
	if err != nil {
		for _, i := range okIdx {
			res[i].Regs = nil
		}
		return errCommit{err}
	}
	open = false
	// A session without its counter row (never expected: sessions are
	// created with one) gets one counted from the rows, committed ones
	// included; a failure leaves the drift to the next quota rebuild,
	// which rewrites the counters.
	for k, sid := range sessions {
		if i := len(affected) - 1 - len(sessions) + k; i >= 0 && affected[i] == 0 {
			_ = s.g(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
				return recount(ctx, tx, actOf[sid], sid, now)
			})
		}
	}
	s.seats.mark(ids...)
	return nil
}

// execAll runs a multi-statement on conn and returns the rows each
// statement affected.
func execAll(ctx context.Context, conn *sql.Conn, query string, args []any) ([]int64, error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, err
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	var affected []int64
	err := conn.Raw(func(dc any) error {
		r, err := dc.(driver.ExecerContext).ExecContext(ctx, query, nv)
		if err != nil {
			return err
		}
		affected = r.(mysqldrv.Result).AllRowsAffected()
		return nil
	})
	return affected, err
}

// rollbackOrDrop rolls back whatever transaction conn has open; a
// connection that cannot is closed instead (MySQL then rolls back).
func rollbackOrDrop(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}
