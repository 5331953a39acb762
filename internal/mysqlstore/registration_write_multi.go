package mysqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/notify"
)

// commitBatchMulti is commitBatch on MySQL in one round trip instead of
// seven (BEGIN, the epoch read, two INSERTs, the counters, the outbox,
// COMMIT), through the writer pool whose connections take several
// statements at once: commitFenced, which checks under lock that each
// activity's quota epoch is still the one its writes were decided on.
//
//   - A batch whose writes for one activity were decided on different
//     epochs, or whose fence found an epoch moved (nothing written), is
//     fenced against the epochs read anew (a write decided on another one
//     gets ErrFenced) and the others go in one round trip again; should
//     the fence fail once more, the batch takes the three round trips
//     below, whose epochs are read under the lock.
//   - The notices name their registrations' ids, which MySQL numbers only
//     in that round trip: they are built with provisional ids and written
//     with the real ones computed in SQL from the registrations' insert id
//     (LAST_INSERT_ID(), the rows step apart: DB.idStep). Should a notice
//     carry a provisional id anywhere else (never, today), the batch takes
//     three round trips instead: START TRANSACTION and the epochs and
//     session times read under lock (lockBatch); the rows; the notices
//     with their ids, the counters and COMMIT.
//
// Every sign-up batch pays for these round trips, and on a busy server
// they were a third of the writer's CPU and most of its time. A failed
// statement stops its round trip there (MySQL runs none of the rest) and
// the transaction is rolled back: an error MySQL answers is returned as
// before (the caller retries the batch's writes one by one, and tells an
// attendee or an Idempotency-Key already written). A round trip that
// carries COMMIT and gets no answer (the connection lost, a timeout) is
// settled like a failed COMMIT (errCommit: each group's primary key
// decides).
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
	epochs, one := writeEpochs(ws)
	for attempt := 0; ; attempt++ {
		if !one {
			// Fence each write against the epochs as they are now (the
			// round trip's fence checks them again, under lock).
			if epochs, err = readEpochs(ctx, conn, ids); err != nil {
				return err
			}
		}
		err := s.commitFenced(ctx, conn, ws, res, ids, sids, epochs)
		if err == nil {
			open = false
			return nil
		}
		if !errors.Is(err, errFenceMoved) && !errors.Is(err, errThreeTrips) {
			return err
		}
		clear(res)
		if errors.Is(err, errThreeTrips) {
			break
		}
		// Nothing was written; an epoch moved meanwhile.
		rollbackOrDrop(conn)
		if attempt > 0 {
			break // moved again: the epochs are read under lock below
		}
		one = false
	}
	q, args := s.lockBatchSQL(ids, sids)
	epoch, times, err := scanLockBatch(conn.QueryContext(ctx, "START TRANSACTION; "+q, args...))
	if err != nil {
		return err
	}
	okIdx, groups, regs, err := batchRows(ws, epoch, res)
	if err != nil || len(okIdx) == 0 {
		return err
	}
	step := s.db.idStep
	gq, gargs := groupsInsert(groups)
	rq, rargs := registrationsInsert(regs, times)
	cq, cargs, sessions, actOf := counterUpdates(regs)

	// A notice names a provisional id beyond its registration and dedup
	// key: the epochs and times read under lock, the rows, then the
	// notices numbered for real and COMMIT.
	r, err := conn.ExecContext(ctx, gq+"; "+rq, append(gargs, rargs...)...)
	if err != nil {
		return err
	}
	if err := numberRows(regs, r, step); err != nil {
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
	b.WriteString(cq)
	b.WriteString("COMMIT")
	affected, _, err := execAll(ctx, conn, b.String(), append(args, cargs...))
	if err != nil {
		return failedCommit(err, okIdx, res)
	}
	open = false
	s.countersAfter(ctx, affected, sessions, actOf)
	s.seats.mark(ids...)
	return nil
}

// errFenceMoved: commitFenced's fence found an activity's quota epoch
// other than its writes' (the round trip stopped there, nothing written).
// errThreeTrips: the batch does not fit one round trip and takes the
// three of the locked path (nothing sent).
var (
	errFenceMoved = errors.New("registrations: a quota epoch moved")
	errThreeTrips = errors.New("registrations: the batch takes three round trips")
)

// errFenceNumber is what the fence's failure answers: MySQL's "subquery
// returns more than 1 row", which no other statement of the round trip
// can raise (every other subquery reads a primary key).
const errFenceNumber = 1242

// writeEpochs is each activity's quota epoch the batch's writes were
// decided on; one is false when two writes for one activity were decided
// on different epochs (one of them is fenced for sure).
func writeEpochs(ws []activity.Write) (epochs map[int64]int64, one bool) {
	epochs = make(map[int64]int64, 1)
	for _, w := range ws {
		if e, seen := epochs[w.Group.ActivityID]; seen && e != w.Epoch {
			return nil, false
		}
		epochs[w.Group.ActivityID] = w.Epoch
	}
	return epochs, true
}

// commitFenced writes a batch whose writes agree on each activity's quota
// epoch in one round trip:
//
//	START TRANSACTION; the fence; the sessions' times; the groups; the
//	registrations; the notices; the counters; COMMIT
//
// The fence reads the activities' epochs under the shared lock that
// lockBatch takes, first, and fails the round trip (errFenceMoved) unless
// every one is its writes'; the sessions' times, copied into each
// registration, are then read as lockBatch reads them. errThreeTrips: the
// batch's notices do not fit (nothing sent). Any other error is
// failedCommit's.
func (s *ActivityStore) commitFenced(ctx context.Context, conn *sql.Conn, ws []activity.Write, res []activity.WriteResult, ids, sids []int64, epochs map[int64]int64) error {
	okIdx, groups, regs, err := batchRows(ws, epochs, res)
	if err != nil || len(okIdx) == 0 {
		return err
	}
	step := s.db.idStep
	for i := range regs {
		regs[i].ID = provisionalID + int64(i)
	}
	notices := batchAnswers(ws, okIdx, regs, res)
	nq, nargs, ok, err := noticesAtInsertID(notices, len(regs), step)
	if err != nil {
		return err
	}
	if !ok {
		return errThreeTrips
	}
	fq, fargs := s.fenceSQL(ids, epochs)
	tq, targs := sessionTimesSet(sids)
	gq, gargs := groupsInsert(groups)
	rq, rargs := registrationsInsertAt(regs, nil, sids)
	cq, cargs, sessions, actOf := counterUpdates(regs)
	var b strings.Builder
	b.WriteString("START TRANSACTION; ")
	b.WriteString(fq)
	b.WriteString("; ")
	b.WriteString(tq)
	b.WriteString("; ")
	b.WriteString(gq)
	b.WriteString("; ")
	b.WriteString(rq)
	b.WriteString("; SET @gj_first_reg = LAST_INSERT_ID(); ")
	b.WriteString(nq)
	b.WriteString(cq)
	b.WriteString("COMMIT")
	all := make([]any, 0, len(fargs)+len(targs)+len(gargs)+len(rargs)+len(nargs)+len(cargs))
	all = append(append(append(append(append(append(all, fargs...), targs...), gargs...), rargs...), nargs...), cargs...)
	affected, insertIDs, err := execAll(ctx, conn, b.String(), all)
	if err != nil {
		var answered *mysqldrv.MySQLError
		if errors.As(err, &answered) && answered.Number == errFenceNumber {
			return errFenceMoved
		}
		return failedCommit(err, okIdx, res)
	}
	// One entry a statement (the driver's; the fence's row adds zeros):
	// START TRANSACTION, the fence, the times, the groups, then the
	// registrations.
	const regsAt = 4
	if len(insertIDs) <= regsAt || affected[regsAt] != int64(len(regs)) {
		return fmt.Errorf("registrations: inserted %v rows of %d", affected, len(regs))
	}
	renumber(regs, okIdx, res, insertIDs[regsAt], step)
	s.countersAfter(ctx, affected, sessions, actOf)
	s.seats.mark(ids...)
	return nil
}

// readEpochs is the activities' quota epochs, read without a lock.
func readEpochs(ctx context.Context, conn *sql.Conn, ids []int64) (map[int64]int64, error) {
	in, args := idParams(ids)
	return scanEpochs(conn.QueryContext(ctx, "SELECT id, quota_epoch FROM activities WHERE id IN "+in, args...))
}

// renumber gives the batch's rows and answers, numbered from provisionalID,
// their real ids: MySQL numbered the rows from first, step apart.
func renumber(regs []registrationRow, okIdx []int, res []activity.WriteResult, first, step int64) {
	for i := range regs {
		regs[i].ID = first + int64(i)*step
	}
	for _, i := range okIdx {
		for j := range res[i].Regs {
			res[i].Regs[j].ID = first + (res[i].Regs[j].ID-provisionalID)*step
		}
	}
}

// fenceSQL is commitFenced's fence: the activities' rows read under the
// shared lock, and an error ("more than 1 row") unless each one's quota
// epoch is epochs'.
func (s *ActivityStore) fenceSQL(ids []int64, epochs map[int64]int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 3*len(ids)+1)
	b.WriteString("SELECT IF(SUM(CASE id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN quota_epoch = ?")
		args = append(args, id, epochs[id])
	}
	in, inArgs := idParams(ids)
	b.WriteString(" END) <=> ?, 0, (SELECT 1 UNION ALL SELECT 2)) FROM activities WHERE id IN ")
	b.WriteString(in)
	b.WriteString(s.shareLock())
	args = append(append(args, len(ids)), inArgs...)
	return b.String(), args
}

// sessionTimesSet reads the sessions' times into @gj_s<k> and @gj_e<k>,
// k the session's index in sids, for registrationsInsertAt.
func sessionTimesSet(sids []int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(sids))
	b.WriteString("SET ")
	for k, sid := range sids {
		if k > 0 {
			b.WriteByte(',')
		}
		n := strconv.Itoa(k)
		b.WriteString("@gj_s" + n + " = (SELECT starts_at FROM sessions WHERE id = ?), @gj_e" + n + " = (SELECT ends_at FROM sessions WHERE id = ?)")
		args = append(args, sid, sid)
	}
	return b.String(), args
}

// provisionalID numbers a batch's registrations until MySQL has: far
// above any real id, and exact in every form a notice may hold it.
const provisionalID int64 = 1 << 50

// provisionalDigits is what every provisional id's decimal form starts
// with (for the first 157,376 rows of a batch, far more than a batch has).
var provisionalDigits = strconv.FormatInt(provisionalID, 10)[:10]

// noticesAtInsertID is the outbox INSERT of notices built on provisional
// registration ids, with each registration id (and the dedup key that
// contains it) computed from @gj_first_reg, the first registration's real
// id. ok is false when a notice holds a provisional id anywhere else.
func noticesAtInsertID(notices []notify.Notice, rows int, step int64) (q string, args []any, ok bool, err error) {
	if len(notices) == 0 {
		return "", nil, true, nil
	}
	now := time.Now().UTC()
	var b strings.Builder
	args = make([]any, 0, 16*len(notices))
	for start := 0; start < len(notices); start += noticeChunk {
		chunk := notices[start:min(len(notices), start+noticeChunk)]
		b.WriteString(noticeColumns)
		for i, n := range chunk {
			row, err := noticeRow(n, now)
			if err != nil {
				return "", nil, false, err
			}
			for c, v := range row {
				if c == 2 || c == 8 {
					continue
				}
				if str, isStr := v.(string); isStr && strings.Contains(str, provisionalDigits) {
					return "", nil, false, nil
				}
			}
			k := n.RegistrationID - provisionalID
			idExpr := "@gj_first_reg + " + strconv.FormatInt(k*step, 10)
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,")
			switch prov := strconv.FormatInt(n.RegistrationID, 10); {
			case k >= 0 && k < int64(rows) && strings.Count(n.DedupKey, prov) == 1:
				at := strings.Index(n.DedupKey, prov)
				b.WriteString("CONCAT(?, " + idExpr + ", ?)")
				args = append(args, row[0], row[1], n.DedupKey[:at], n.DedupKey[at+len(prov):])
			case strings.Contains(n.DedupKey, provisionalDigits):
				return "", nil, false, nil
			default:
				b.WriteByte('?')
				args = append(args, row[0], row[1], row[2])
			}
			b.WriteString(",?,?,?,?,?,")
			args = append(args, row[3], row[4], row[5], row[6], row[7])
			if k >= 0 && k < int64(rows) {
				b.WriteString(idExpr)
			} else {
				b.WriteByte('?')
				args = append(args, row[8])
			}
			b.WriteString(",?,?,?,?,?,?,?)")
			args = append(args, row[9:]...)
		}
		b.WriteString(" ON DUPLICATE KEY UPDATE id = id; ")
	}
	return b.String(), args, true, nil
}

// counterUpdates is the counters' UPDATEs (each ended by "; "), in session
// order (one lock order for every writer), the sessions in that order, and
// each session's activity. They go last, just before COMMIT: the counter
// rows are the batches' one point of contact.
func counterUpdates(regs []registrationRow) (string, []any, []int64, map[int64]int64) {
	d, actOf := batchCounters(regs)
	sessions := make([]int64, 0, len(d))
	for sid, c := range d {
		if c != (counterDelta{}) {
			sessions = append(sessions, sid)
		}
	}
	sort.Slice(sessions, func(i, j int) bool { return sessions[i] < sessions[j] })
	now := time.Now().UTC()
	var b strings.Builder
	args := make([]any, 0, 4*len(sessions))
	for _, sid := range sessions {
		c := d[sid]
		b.WriteString("UPDATE session_counters SET confirmed = confirmed + ?, waitlisted = waitlisted + ?, updated_at = ? WHERE session_id = ?; ")
		args = append(args, c.confirmed, c.waitlisted, now, sid)
	}
	return b.String(), args, sessions, actOf
}

// countersAfter gives a session whose counter row was missing (its UPDATE,
// among the last statements before COMMIT, changed no row; never expected:
// sessions are created with one) a row counted from the registrations,
// the committed batch's included. A failure leaves the drift to the next
// quota rebuild, which rewrites the counters.
func (s *ActivityStore) countersAfter(ctx context.Context, affected []int64, sessions []int64, actOf map[int64]int64) {
	now := time.Now().UTC()
	for k, sid := range sessions {
		if i := len(affected) - 1 - len(sessions) + k; i >= 0 && affected[i] == 0 {
			_ = s.g(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
				return recount(ctx, tx, actOf[sid], sid, now)
			})
		}
	}
}

// failedCommit answers a failure of the round trip that carries COMMIT.
// An error MySQL answered stopped the round trip at its statement: COMMIT
// did not run, or ran and failed, and nothing is committed; it is
// returned as it is (a unique-key violation told apart, the batch's writes
// retried one by one). Anything else (the connection lost, a timeout) may
// have committed and is settled group by group, like a failed COMMIT.
func failedCommit(err error, okIdx []int, res []activity.WriteResult) error {
	for _, i := range okIdx {
		res[i].Regs = nil
	}
	var answered *mysqldrv.MySQLError
	if errors.As(err, &answered) {
		return err
	}
	return errCommit{err}
}

// execAll runs a multi-statement on conn and returns the rows each
// statement affected and its insert id.
func execAll(ctx context.Context, conn *sql.Conn, query string, args []any) (affected, insertIDs []int64, err error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, nil, err
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	err = conn.Raw(func(dc any) error {
		r, err := dc.(driver.ExecerContext).ExecContext(ctx, query, nv)
		if err != nil {
			return err
		}
		affected, insertIDs = r.(mysqldrv.Result).AllRowsAffected(), r.(mysqldrv.Result).AllLastInsertIds()
		return nil
	})
	return affected, insertIDs, err
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
