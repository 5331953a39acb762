package mysqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"gongjian/internal/activity"
	"gongjian/internal/audit"
	"gongjian/internal/errs"
	"gongjian/internal/notify"
)

// ---- registrations: writes ----

func toReg(r registrationRow) activity.Registration {
	return activity.Registration{
		ID: r.ID, ActivityID: r.ActivityID, SessionID: r.SessionID, GroupKey: r.GroupKey, UserID: r.UserID, DependentID: r.DependentID,
		Status: r.Status, FirstStatus: r.FirstStatus, FirstPosition: r.FirstPosition, Decision: r.Decision, NoShow: r.NoShow, Source: r.Source, Reason: r.Reason,
		CancelReason: r.CancelReason, CancelledBy: r.CancelledBy, CancelledAt: r.CancelledAt, PromotedAt: r.PromotedAt, CreatedAt: r.CreatedAt,
	}
}

func toRegs(rows []registrationRow) []activity.Registration {
	out := make([]activity.Registration, 0, len(rows))
	for _, r := range rows {
		out = append(out, toReg(r))
	}
	return out
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func groupRow(g activity.Group) (registrationGroupRow, error) {
	answers := ""
	if len(g.Answers) > 0 {
		b, err := json.Marshal(g.Answers)
		if err != nil {
			return registrationGroupRow{}, err
		}
		answers = string(b)
	}
	return registrationGroupRow{
		GroupKey: g.Key, UserID: g.UserID, IdemKey: strPtr(g.IdemKey), ActivityID: g.ActivityID, Fingerprint: g.Fingerprint,
		Answers: answers, Source: g.Source, CreatedBy: g.CreatedBy, Reason: g.Reason,
	}, nil
}

func toGroup(r registrationGroupRow) activity.Group {
	g := activity.Group{Key: r.GroupKey, UserID: r.UserID, ActivityID: r.ActivityID, Fingerprint: r.Fingerprint,
		Source: r.Source, CreatedBy: r.CreatedBy, Reason: r.Reason}
	if r.IdemKey != nil {
		g.IdemKey = *r.IdemKey
	}
	if r.Answers != "" {
		_ = json.Unmarshal([]byte(r.Answers), &g.Answers)
	}
	return g
}

// errCommit marks a failure of COMMIT itself: the outcome is unclear.
type errCommit struct{ err error }

func (e errCommit) Error() string { return "commit: " + e.err.Error() }
func (e errCommit) Unwrap() error { return e.err }

// CommitRegistrations writes a batch of reserved sign-ups in one
// transaction (group commit). A refused statement makes every write retry
// alone so that one bad write does not fail the others; a failed COMMIT is
// settled write by write against the group's primary key.
func (s *ActivityStore) CommitRegistrations(ctx context.Context, ws []activity.Write) []activity.WriteResult {
	res := make([]activity.WriteResult, len(ws))
	err := s.commitBatch(ctx, ws, res)
	if err == nil {
		return res
	}
	var ce errCommit
	if errors.As(err, &ce) {
		for i, w := range ws {
			if res[i].Err != nil {
				continue
			}
			ok, regs, serr := s.SettleGroup(context.WithoutCancel(ctx), w.Group)
			switch {
			case serr != nil:
				res[i].Err = serr
			case ok:
				res[i].Regs = regs
			default:
				res[i].Err = translate(ce.err, nil)
			}
		}
		return res
	}
	if len(ws) == 1 {
		res[0].Err = classifyWrite(err)
		return res
	}
	for i := range ws {
		if res[i].Err != nil {
			continue
		}
		one := make([]activity.WriteResult, 1)
		if err := s.commitBatch(ctx, ws[i:i+1], one); err != nil {
			if errors.As(err, &ce) {
				ok, regs, serr := s.SettleGroup(context.WithoutCancel(ctx), ws[i].Group)
				switch {
				case serr != nil:
					one[0].Err = serr
				case ok:
					one[0] = activity.WriteResult{Regs: regs}
				default:
					one[0].Err = translate(ce.err, nil)
				}
			} else {
				one[0].Err = classifyWrite(err)
			}
		}
		res[i] = one[0]
	}
	return res
}

func classifyWrite(err error) error {
	if IsDuplicate(err) {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "live"):
			return activity.ErrDuplicateAttendee
		case strings.Contains(msg, "idem"):
			return activity.ErrDuplicateIdem
		}
	}
	return translate(err, nil)
}

func (s *ActivityStore) commitBatch(ctx context.Context, ws []activity.Write, res []activity.WriteResult) error {
	if s.db.writer != nil && s.db.idStep > 0 {
		return s.commitBatchMulti(ctx, ws, res)
	}
	tx := s.g(ctx).Begin()
	if tx.Error != nil {
		return tx.Error
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	ids, sids := batchKeys(ws)
	epoch, times, err := s.lockBatch(ctx, tx, ids, sids)
	if err != nil {
		return err
	}
	okIdx, groups, regs, err := batchRows(ws, epoch, res)
	if err != nil || len(okIdx) == 0 {
		return err
	}
	if err := s.insertGroups(ctx, tx, groups); err != nil {
		return err
	}
	if err := s.insertRegistrations(ctx, tx, regs, times); err != nil {
		return err
	}
	d, actOf := batchCounters(regs)
	if err := d.apply(ctx, tx, func(sid int64) int64 { return actOf[sid] }); err != nil {
		return err
	}
	if err := AddNotices(tx, batchAnswers(ws, okIdx, regs, res)); err != nil {
		return err
	}
	if err := tx.Commit().Error; err != nil {
		committed = true // nothing to roll back: the connection decides
		for _, i := range okIdx {
			res[i].Regs = nil
		}
		return errCommit{err}
	}
	committed = true
	s.seats.mark(ids...)
	return nil
}

// batchKeys lists a batch's activities and sessions, each once.
func batchKeys(ws []activity.Write) (ids, sids []int64) {
	ids, sids = make([]int64, 0, 1), make([]int64, 0, 1)
	seen := map[int64]bool{}
	seenSession := map[int64]bool{}
	for _, w := range ws {
		if !seen[w.Group.ActivityID] {
			seen[w.Group.ActivityID] = true
			ids = append(ids, w.Group.ActivityID)
		}
		for _, r := range w.Regs {
			if !seenSession[r.SessionID] {
				seenSession[r.SessionID] = true
				sids = append(sids, r.SessionID)
			}
		}
	}
	return ids, sids
}

// batchRows fences the batch's writes against the quota epochs read under
// lock (a write decided on another epoch gets ErrFenced in res) and builds
// the rows of the others, whose indexes it returns.
func batchRows(ws []activity.Write, epoch map[int64]int64, res []activity.WriteResult) (okIdx []int, groups []registrationGroupRow, regs []registrationRow, err error) {
	nregs := 0
	for _, w := range ws {
		nregs += len(w.Regs)
	}
	okIdx = make([]int, 0, len(ws))
	groups = make([]registrationGroupRow, 0, len(ws))
	regs = make([]registrationRow, 0, nregs)
	for i, w := range ws {
		if epoch[w.Group.ActivityID] != w.Epoch {
			res[i].Err = activity.ErrFenced
			continue
		}
		gr, err := groupRow(w.Group)
		if err != nil {
			return nil, nil, nil, err
		}
		okIdx = append(okIdx, i)
		groups = append(groups, gr)
		for _, r := range w.Regs {
			ak := r.AttendeeKey()
			regs = append(regs, registrationRow{
				ActivityID: r.ActivityID, SessionID: r.SessionID, GroupKey: w.Group.Key, UserID: r.UserID, DependentID: r.DependentID,
				AttendeeKey: ak, LiveKey: &ak, Status: r.Status, FirstStatus: r.Status, FirstPosition: r.FirstPosition, Decision: r.Decision,
				Source: w.Group.Source, Reason: w.Group.Reason,
			})
		}
	}
	return okIdx, groups, regs, nil
}

// batchCounters is what the rows add to their sessions' counters, and
// each session's activity.
func batchCounters(regs []registrationRow) (counterDeltas, map[int64]int64) {
	d := counterDeltas{}
	actOf := map[int64]int64{}
	for _, r := range regs {
		d.add(r.SessionID, r.Status, 1)
		actOf[r.SessionID] = r.ActivityID
	}
	return d, actOf
}

// batchAnswers sets each written write's registrations in res (the rows
// numbered by now) and returns the notices to queue with them.
func batchAnswers(ws []activity.Write, okIdx []int, regs []registrationRow, res []activity.WriteResult) []notify.Notice {
	notices := make([]notify.Notice, 0, len(regs))
	k := 0
	for _, i := range okIdx {
		w := ws[i]
		out := make([]activity.Registration, len(w.Regs))
		for j := range w.Regs {
			out[j] = toReg(regs[k])
			out[j].Answers = w.Group.Answers
			k++
		}
		res[i].Regs = out
		if w.Notices != nil && len(out) > 0 {
			ev := activity.EventConfirmed
			if out[0].Status == activity.RegWaitlisted {
				ev = activity.EventWaitlisted
			}
			notices = append(notices, w.Notices(ev, out)...)
		}
	}
	return notices
}

// lockBatch reads the activities' quota epochs under a shared lock (a
// rebuild or a staff change, exclusive lock and epoch bump, waits for this
// transaction, and this one sees theirs) and the sessions' times, copied
// into each registration. Every sign-up batch pays for this read, so on
// MySQL it is one statement instead of two: the lock is taken first, and a
// session move raises the epoch, so a batch never writes times older than
// its epoch.
func (s *ActivityStore) lockBatch(ctx context.Context, tx *gorm.DB, ids, sids []int64) (map[int64]int64, map[int64][2]time.Time, error) {
	if !s.mysql() {
		epochs, err := s.lockEpochs(ctx, tx, ids)
		if err != nil {
			return nil, nil, err
		}
		times, err := sessionTimes(ctx, tx, sids)
		return epochs, times, err
	}
	q, args := s.lockBatchSQL(ids, sids)
	return scanLockBatch(tx.Statement.ConnPool.QueryContext(ctx, q, args...))
}

// lockBatchSQL is lockBatch's statement on MySQL.
func (s *ActivityStore) lockBatchSQL(ids, sids []int64) (string, []any) {
	in, args := idParams(ids)
	sin, sargs := idParams(sids)
	return "(SELECT 0, id, quota_epoch, NULL, NULL FROM activities WHERE id IN " + in + s.shareLock() +
		") UNION ALL (SELECT 1, id, 0, starts_at, ends_at FROM sessions WHERE id IN " + sin + ")", append(args, sargs...)
}

// scanLockBatch reads lockBatch's rows: the epochs and the sessions' times.
func scanLockBatch(rows *sql.Rows, err error) (map[int64]int64, map[int64][2]time.Time, error) {
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	epochs := map[int64]int64{}
	times := map[int64][2]time.Time{}
	for rows.Next() {
		var kind, id, e int64
		var from, to sql.NullTime
		if err := rows.Scan(&kind, &id, &e, &from, &to); err != nil {
			return nil, nil, err
		}
		if kind == 0 {
			epochs[id] = e
		} else {
			times[id] = [2]time.Time{from.Time.UTC(), to.Time.UTC()}
		}
	}
	return epochs, times, rows.Err()
}

// lockEpochs reads the activities' quota epochs (under a shared lock where
// the database has one).
func (s *ActivityStore) lockEpochs(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]int64, error) {
	in, args := idParams(ids)
	return scanEpochs(tx.Statement.ConnPool.QueryContext(ctx, "SELECT id, quota_epoch FROM activities WHERE id IN "+in+s.shareLock(), args...))
}

// scanEpochs reads rows of (activity id, quota epoch).
func scanEpochs(rows *sql.Rows, err error) (map[int64]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, e int64
		if err := rows.Scan(&id, &e); err != nil {
			return nil, err
		}
		out[id] = e
	}
	return out, rows.Err()
}

// idParams is "(?,?,…)" for the ids and the ids as arguments, for the
// hand-written queries of the write path.
func idParams(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

// The hot inserts are written by hand: building a multi-row INSERT costs a
// fraction of GORM's reflection, and these run for every sign-up.

func placeholders(b *strings.Builder, rows, cols int) {
	row := "(" + strings.Repeat("?,", cols-1) + "?)"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
}

func (s *ActivityStore) insertGroups(ctx context.Context, tx *gorm.DB, rows []registrationGroupRow) error {
	q, args := groupsInsert(rows)
	_, err := tx.Statement.ConnPool.ExecContext(ctx, q, args...)
	return err
}

// groupsInsert is the multi-row INSERT of the groups.
func groupsInsert(rows []registrationGroupRow) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO registration_groups (group_key, user_id, idem_key, activity_id, fingerprint, answers, source, created_by, reason, void, created_at) VALUES ")
	placeholders(&b, len(rows), 11)
	now := time.Now().UTC()
	args := make([]any, 0, 11*len(rows))
	for _, r := range rows {
		var idem any
		if r.IdemKey != nil {
			idem = *r.IdemKey
		}
		args = append(args, r.GroupKey, r.UserID, idem, r.ActivityID, r.Fingerprint, r.Answers, r.Source, r.CreatedBy, r.Reason, false, now)
	}
	return b.String(), args
}

// insertRegistrations inserts the rows, each with its session's times
// (from lockBatch), in one statement and sets their IDs:
// numbered from the statement's insert id where MySQL spaces them evenly
// (DB.idStep), else read back (SQLite, or MySQL in interleaved lock mode).
func (s *ActivityStore) insertRegistrations(ctx context.Context, tx *gorm.DB, rows []registrationRow, times map[int64][2]time.Time) error {
	q, args := registrationsInsert(rows, times)
	res, err := tx.Statement.ConnPool.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if s.db.idStep > 0 {
		return numberRows(rows, res, s.db.idStep)
	}
	return readBackIDs(ctx, tx, rows)
}

// registrationsInsert is the multi-row INSERT of the rows, each with its
// session's times; it sets the rows' created and updated times.
func registrationsInsert(rows []registrationRow, times map[int64][2]time.Time) (string, []any) {
	return registrationsInsertAt(rows, times, nil)
}

// registrationsInsertAt is registrationsInsert with each row's times from
// times or, when times is nil, from the variables sessionTimesSet sets for
// sids (the session's index in it).
func registrationsInsertAt(rows []registrationRow, times map[int64][2]time.Time, sids []int64) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO registrations (activity_id, session_id, group_key, user_id, dependent_id, attendee_key, live_key, status, first_status, first_position, decision, no_show, source, reason, cancel_reason, cancelled_by, created_at, updated_at, starts_at, ends_at) VALUES ")
	cols := 20
	if times == nil {
		cols = 18
	}
	row := "(" + strings.Repeat("?,", cols-1) + "?"
	now := time.Now().UTC()
	args := make([]any, 0, cols*len(rows))
	for i := range rows {
		r := &rows[i]
		r.CreatedAt, r.UpdatedAt = now, now
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
		args = append(args, r.ActivityID, r.SessionID, r.GroupKey, r.UserID, r.DependentID, r.AttendeeKey, *r.LiveKey, r.Status, r.FirstStatus,
			r.FirstPosition, r.Decision, false, r.Source, r.Reason, "", 0, now, now)
		if times != nil {
			t := times[r.SessionID]
			args = append(args, t[0], t[1])
			b.WriteByte(')')
			continue
		}
		k := strconv.Itoa(slices.Index(sids, r.SessionID))
		b.WriteString(",@gj_s" + k + ",@gj_e" + k + ")")
	}
	return b.String(), args
}

// numberRows sets the IDs of rows inserted by one multi-row INSERT (res is
// its result, or a multi-statement's ending with it) from its first insert
// id, MySQL numbering them step apart (DB.idStep).
func numberRows(rows []registrationRow, res sql.Result, step int64) error {
	first, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(rows)) {
		return fmt.Errorf("registrations: inserted %d rows of %d (%v)", n, len(rows), err)
	}
	for i := range rows {
		rows[i].ID = first + int64(i)*step
	}
	return nil
}

// readBackIDs sets inserted rows' IDs by reading them through the live key
// (session, attendee), unique among live registrations.
func readBackIDs(ctx context.Context, tx *gorm.DB, rows []registrationRow) error {
	type key struct {
		session int64
		live    string
	}
	var q strings.Builder
	q.WriteString("SELECT id, session_id, live_key FROM registrations WHERE (session_id, live_key) IN (")
	placeholders(&q, len(rows), 2)
	q.WriteByte(')')
	keys := make([]any, 0, 2*len(rows))
	for _, r := range rows {
		keys = append(keys, r.SessionID, *r.LiveKey)
	}
	found, err := tx.Statement.ConnPool.QueryContext(ctx, q.String(), keys...)
	if err != nil {
		return err
	}
	defer found.Close()
	ids := make(map[key]int64, len(rows))
	for found.Next() {
		var id, session int64
		var live string
		if err := found.Scan(&id, &session, &live); err != nil {
			return err
		}
		ids[key{session, live}] = id
	}
	if err := found.Err(); err != nil {
		return err
	}
	for i := range rows {
		id, ok := ids[key{rows[i].SessionID, *rows[i].LiveKey}]
		if !ok {
			return fmt.Errorf("registrations: inserted row %d/%s not found", rows[i].SessionID, *rows[i].LiveKey)
		}
		rows[i].ID = id
	}
	return nil
}

// SettleGroup decides an unclear write by the group's primary key: a
// tombstone insert either succeeds (the write never committed, and now never
// will) or collides with the committed group. The insert waits for a
// transaction still holding the key, so the answer is final.
func (s *ActivityStore) SettleGroup(ctx context.Context, g activity.Group) (bool, []activity.Registration, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
		}
		tomb := registrationGroupRow{GroupKey: g.Key, UserID: g.UserID, ActivityID: g.ActivityID, Void: true}
		err := s.g(ctx).Create(&tomb).Error
		if err == nil {
			return false, nil, nil
		}
		if !IsDuplicate(err) {
			lastErr = err
			continue
		}
		gr, regs, err := s.RegistrationsByGroup(ctx, g.Key)
		if err != nil {
			lastErr = err
			continue
		}
		if gr.Key == "" {
			return false, nil, nil // a void tombstone: never committed
		}
		return true, regs, nil
	}
	return false, nil, fmt.Errorf("%w: %v", activity.ErrUnclear, lastErr)
}

// CancelRegistrations cancels live rows and promotes from the waitlist, in
// one transaction that holds the session rows: cancellations and promotions
// of a session are serialised, sign-ups (inserts) go on beside them.
//
// A deadlock victim or a lock wait timeout is not run again here (unlike
// transaction and fenced): prepare has told Redis, under the operation's
// key, which candidates this try read and promotes, and running prepare a
// second time under that key would reserve their seats twice. The error
// says activity.ErrLockLost; the service gives the prepared seats back and
// runs the whole operation again (see Service.cancelRows).
func (s *ActivityStore) CancelRegistrations(ctx context.Context, op activity.CancelOp, prepare activity.PrepareFunc) (out activity.CancelResult, err error) {
	defer func() { err = lockLost(err) }()
	tx := s.begin(ctx, true)
	if tx.Error != nil {
		return out, translate(tx.Error, nil)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	// A staff removal's audit entry is written in this transaction too.
	before, err := auditStart(ctx, tx)
	if err != nil {
		return out, translate(err, nil)
	}
	var epoch int64
	if err := tx.Raw("SELECT quota_epoch FROM activities WHERE id = ?"+s.shareLock(), op.ActivityID).Scan(&epoch).Error; err != nil {
		return out, translate(err, nil)
	}
	if epoch != op.Epoch {
		return out, activity.ErrFenced
	}
	var targets []registrationRow
	if len(op.RegIDs) > 0 {
		if err := tx.Where("id IN ? AND activity_id = ?", op.RegIDs, op.ActivityID).Order("id").Find(&targets).Error; err != nil {
			return out, translate(err, nil)
		}
	}
	sessSet := map[int64]bool{}
	for _, t := range targets {
		sessSet[t.SessionID] = true
	}
	for _, id := range op.FillSessions {
		sessSet[id] = true
	}
	sessIDs := make([]int64, 0, len(sessSet))
	for id := range sessSet {
		sessIDs = append(sessIDs, id)
	}
	sort.Slice(sessIDs, func(i, j int) bool { return sessIDs[i] < sessIDs[j] })
	if len(sessIDs) == 0 {
		committed = true
		tx.Rollback()
		return out, nil
	}
	var locked []sessionRow
	if err := s.db.forUpdate(tx.Session(&gorm.Session{NewDB: true})).Where("id IN ?", sessIDs).Order("id").Find(&locked).Error; err != nil {
		return out, translate(err, nil)
	}
	if !op.StartedBy.IsZero() && !slices.ContainsFunc(locked, func(x sessionRow) bool { return !x.StartsAt.After(op.StartedBy) }) {
		// No session of the targets has started (one was moved later):
		// nothing to end.
		committed = true
		tx.Rollback()
		return out, nil
	}
	// Re-read the targets now that the sessions are ours.
	targets = nil
	if len(op.RegIDs) > 0 {
		if err := s.db.forUpdate(tx.Session(&gorm.Session{NewDB: true})).Where("id IN ?", op.RegIDs).Order("id").Find(&targets).Error; err != nil {
			return out, translate(err, nil)
		}
	}
	// An attendee who was checked in was there: that registration stays
	// (a series' later sessions may still be cancelled).
	attended, err := checkedIn(tx, targets)
	if err != nil {
		return out, translate(err, nil)
	}
	freed := map[int64]int{}
	var live []registrationRow
	exclude := map[int64]bool{}
	for _, t := range targets {
		if t.Status != activity.RegConfirmed && t.Status != activity.RegWaitlisted || attended[t.ID] {
			continue
		}
		live = append(live, t)
		exclude[t.ID] = true
		if t.Status == activity.RegConfirmed {
			freed[t.SessionID]++
		}
	}
	if len(live) == 0 && len(op.FillSessions) == 0 {
		committed = true
		tx.Rollback()
		if len(attended) > 0 {
			return out, activity.ErrRegistrationCheckedIn
		}
		return out, nil
	}
	now := time.Now().UTC()
	ids := make([]int64, 0, len(live))
	for _, t := range live {
		ids = append(ids, t.ID)
	}
	if len(ids) > 0 {
		if err := tx.Session(&gorm.Session{NewDB: true}).Model(&registrationRow{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": activity.RegCancelled, "live_key": nil, "cancel_reason": op.Reason, "cancelled_by": op.By, "cancelled_at": now, "updated_at": now,
		}).Error; err != nil {
			return out, translate(err, nil)
		}
	}
	d := counterDeltas{}
	for _, t := range live {
		r := toReg(t)
		r.CancelReason, r.CancelledBy = op.Reason, op.By
		out.Cancelled = append(out.Cancelled, r)
		d.add(t.SessionID, t.Status, -1)
	}
	if err := d.apply(ctx, tx, func(int64) int64 { return op.ActivityID }); err != nil {
		return out, translate(err, nil)
	}
	cands, err := candidates(tx, sessIDs, exclude)
	if err != nil {
		return out, translate(err, nil)
	}
	starts := make(map[int64]time.Time, len(locked))
	for _, x := range locked {
		starts[x.ID] = x.StartsAt
	}
	cands = notStarted(cands, starts, now)
	chosenIdx, err := prepare(freed, cands)
	if err != nil {
		return out, err
	}
	for _, i := range chosenIdx {
		out.Chosen = append(out.Chosen, cands[i])
	}
	promoted, err := promote(tx, out.Chosen, op.Notices, now)
	if err != nil {
		return out, translate(err, nil)
	}
	out.Promoted = promoted
	if op.NoticeCancelled && op.Notices != nil {
		event := op.NoticeEvent
		if event == "" {
			event = activity.EventCancelled
		}
		if err := AddNotices(tx, op.Notices(event, out.Cancelled)); err != nil {
			return out, translate(err, nil)
		}
	}
	notes, err := auditFinish(ctx, tx, before)
	if err != nil {
		return out, translate(err, nil)
	}
	committed = true
	err = tx.Commit().Error
	s.seats.mark(op.ActivityID) // even when unclear: the refresh reads what is there
	if err != nil {
		return out, fmt.Errorf("%w: %v", activity.ErrUnclear, err)
	}
	audit.Written(ctx, notes)
	return out, nil
}

// lockLost marks a deadlock victim or a lock wait timeout (whatever
// translate made of it) with activity.ErrLockLost: the transaction was
// rolled back whole (CancelRegistrations' deferred Rollback ends one that
// lost only its last statement to the timeout), nothing was written, and
// the operation may be run again. It is still a 503 UNAVAILABLE, as
// before, when it is not.
func lockLost(err error) error {
	var me *mysqldrv.MySQLError
	if err == nil || errors.Is(err, activity.ErrLockLost) || !retryable(err) || !errors.As(err, &me) {
		return err
	}
	return errs.Unavailable(fmt.Errorf("%w: %w", activity.ErrLockLost, me), "数据库暂时不可用，请稍后再试")
}

// checkedIn returns which of the confirmed rows have a check-in.
func checkedIn(tx *gorm.DB, rows []registrationRow) (map[int64]bool, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		if r.Status == activity.RegConfirmed {
			ids = append(ids, r.ID)
		}
	}
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var got []int64
	if err := tx.Session(&gorm.Session{NewDB: true}).Model(&checkinRow{}).Where("registration_id IN ?", ids).Pluck("registration_id", &got).Error; err != nil {
		return nil, err
	}
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}

// CancelOutcome reads the targets with a locking read (waiting for any
// transaction still holding them) and reports whether all are cancelled.
func (s *ActivityStore) CancelOutcome(ctx context.Context, regIDs []int64) (bool, error) {
	var rows []registrationRow
	err := s.g(ctx).Transaction(func(tx *gorm.DB) error {
		return s.db.forUpdate(tx).Where("id IN ?", regIDs).Find(&rows).Error
	})
	if err != nil {
		return false, translate(err, nil)
	}
	for _, r := range rows {
		if r.Status != activity.RegCancelled {
			return false, nil
		}
	}
	return len(rows) > 0, nil
}
