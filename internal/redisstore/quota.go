package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

// The quota of one activity lives in one hash, "<prefix>{a<id>}:q":
//
//	epoch          the MySQL quota epoch it was built at
//	st             "open" when sign-ups may be decided
//	ver            bumped by every change (the reconciler compares it)
//	seq            the last decision number (orders the waitlist in MySQL)
//	cap:<s>        capacity of session s          wcap:<s>  waitlist capacity
//	n:<s>          confirmed (incl. reserved)     q:<s>     waitlisted
//	m:<s>:<att>    "c"|"w": the attendee holds a seat or a waitlist place
//	u:<s>:<uid>    attendees the account has in session s
//
// beside it "{a<id>}:p" (operations reserved but not yet acknowledged, with
// their time), "{a<id>}:lock" (the rebuild lock) and "{a<id>}:i:<uid>:<key>"
// (Idempotency-Key → group). Every key expires: the quota a week after the
// activity's last session (a decision after that rebuilds it), the pending
// set with it, the lock and the idempotency keys on their own (a rebuild
// sets the idempotency keys of the groups MySQL holds from within their
// TTL again, each expiring when it would have). One hash tag per activity keeps every key a
// script touches, a series' sessions included, in one Cluster slot; a lost
// hash is lost whole, so the quota is either complete or missing.

var (
	//go:embed lua/quota_reserve.lua
	reserveSrc string
	//go:embed lua/quota_count.lua
	countSrc string
	//go:embed lua/quota_release.lua
	releaseSrc string
	//go:embed lua/quota_prepare.lua
	prepareSrc string
	//go:embed lua/quota_unprepare.lua
	unprepareSrc string
	//go:embed lua/quota_apply.lua
	applySrc string
	//go:embed lua/quota_load.lua
	loadSrc string
	//go:embed lua/quota_invalidate.lua
	invalidateSrc string
	//go:embed lua/quota_unlock.lua
	unlockSrc string

	reserveScript    = redis.NewScript(reserveSrc)
	reserveCounted   = redis.NewScript(countSrc + reserveSrc)
	releaseScript    = redis.NewScript(releaseSrc)
	prepareScript    = redis.NewScript(prepareSrc)
	unprepareScript  = redis.NewScript(unprepareSrc)
	applyScript      = redis.NewScript(applySrc)
	loadScript       = redis.NewScript(loadSrc)
	invalidateScript = redis.NewScript(invalidateSrc)
	unlockScript     = redis.NewScript(unlockSrc)
)

// Quota implements activity.Quota on Redis (or the embedded server).
type Quota struct {
	keyed

	// Decisions from concurrent requests are sent together (batcher).
	decisions *batcher
	// counts: a decision may count a rate limit (Reservation.Count): the
	// limiter's keys are in the same server (not a Cluster).
	counts bool
}

var _ activity.Quota = (*Quota)(nil)

const (
	dispatchers   = 1
	reserveBudget = 5 * time.Second
)

// NewQuota builds the quota store; Close stops its dispatchers.
func NewQuota(rdb redis.UniversalClient, prefix string) *Quota {
	_, cluster := rdb.(*redis.ClusterClient)
	return &Quota{keyed: newKeyed(rdb, prefix), decisions: newBatcher(rdb, dispatchers, reserveBudget), counts: !cluster}
}

// CountsInDecision reports whether Reserve counts a Reservation's rate
// limit in its own script run (activity.CountingQuota): not on a Redis
// Cluster, where the limiter's keys and the activity's are in different
// slots.
func (q *Quota) CountsInDecision() bool { return q.counts }

// Close stops the dispatchers after the decisions queued are sent.
func (q *Quota) Close() { q.decisions.close() }

func tag(activityID int64) string { return Tag("a", strconv.FormatInt(activityID, 10)) }

// HashKey is the quota hash of an activity.
func (q *Quota) HashKey(activityID int64) string { return q.keys.Key(tag(activityID), "q") }

func (q *Quota) pendingKey(activityID int64) string { return q.keys.Key(tag(activityID), "p") }
func (q *Quota) lockKey(activityID int64) string    { return q.keys.Key(tag(activityID), "lock") }
func (q *Quota) personKey(activityID int64, person string) string {
	return q.keys.Key(tag(activityID), "person", person)
}
func (q *Quota) idemKey(activityID, userID int64, key string) string {
	if key == "" {
		return q.keys.Key(tag(activityID), "i", "-")
	}
	return q.keys.Key(tag(activityID), "i", strconv.FormatInt(userID, 10), key)
}

// ActivityKeys lists every key of an activity's quota (tests delete them to
// simulate a Redis that lost everything).
func (q *Quota) ActivityKeys(ctx context.Context, activityID int64) ([]string, error) {
	var out []string
	iter := q.rdb.Scan(ctx, 0, q.keys.Key(tag(activityID), "*"), 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	return out, iter.Err()
}

func unavailable(err error) error {
	return errs.Unavailable(err, "报名服务暂时繁忙，请稍后再试")
}

// withGroup appends a group's sessions and attendees to a script's
// arguments, each list after its length (as the scripts read them).
func withGroup[A any](args []any, sessions []int64, attendees []A) []any {
	args = append(args, len(sessions))
	for _, s := range sessions {
		args = append(args, i64(s))
	}
	args = append(args, len(attendees))
	for _, a := range attendees {
		args = append(args, a)
	}
	return args
}

func i64(s int64) string { return strconv.FormatInt(s, 10) }

func statusCode(status string) string {
	if status == activity.RegConfirmed {
		return "c"
	}
	return "w"
}

func reply(v any) ([]any, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("quota: unexpected script answer %T %v", v, v)
	}
	return arr, nil
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		return ""
	}
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	default:
		return 0
	}
}

// Reserve runs the decision script (through the dispatchers, which give it
// its own deadline: a started decision is not abandoned with the caller).
func (q *Quota) Reserve(_ context.Context, r activity.Reservation) (activity.ReserveResult, error) {
	idem := "0"
	if r.IdemKey != "" {
		idem = "1"
	}
	ttl := int64(r.IdemTTL / time.Second)
	if ttl <= 0 {
		ttl = 86400
	}
	args := make([]any, 0, 10+len(r.Sessions)+len(r.Attendees))
	args = append(args, i64(r.Epoch), i64(r.UserID), r.Limit, r.GroupKey, r.Now.UnixMilli(), idem, ttl)
	args = withGroup(args, r.Sessions, r.Attendees)
	keys := []string{q.HashKey(r.ActivityID), q.pendingKey(r.ActivityID), q.idemKey(r.ActivityID, r.UserID, r.IdemKey)}
	script := reserveScript
	if c := r.Count; c != nil && q.counts {
		script = reserveCounted
		keys = append(keys, c.Keys...)
		for _, l := range c.Limits {
			args = append(args, l)
		}
		args = append(args, c.Window.Milliseconds(), len(c.Keys))
	}
	v, err := q.decisions.run(script, keys, args)
	if err != nil {
		return activity.ReserveResult{}, unavailable(err)
	}
	arr, err := reply(v)
	if err != nil {
		return activity.ReserveResult{}, errs.Internal(err)
	}
	res := activity.ReserveResult{}
	if len(arr) > 1 {
		res.Epoch = asInt(arr[1])
	}
	switch asString(arr[0]) {
	case "OK":
		res.Outcome = activity.Reserved
		res.Status = activity.RegWaitlisted
		if asString(arr[2]) == "c" {
			res.Status = activity.RegConfirmed
		}
		res.PositionBefore = int(asInt(arr[3]))
		if len(arr) > 4 {
			res.Decision = asInt(arr[4])
		}
	case "REBUILD":
		res.Outcome = activity.NeedsRebuild
	case "EPOCH":
		res.Outcome = activity.EpochChanged
	case "CLOSED":
		res.Outcome = activity.Closed
	case "IDEM":
		res.Outcome, res.GroupKey = activity.IdemHit, asString(arr[2])
	case "NOSESSION":
		res.Outcome = activity.UnknownSession
	case "DUP":
		res.Outcome, res.Attendee = activity.Duplicate, asString(arr[2])
	case "LIMIT":
		res.Outcome = activity.LimitExceeded
	case "FULL":
		res.Outcome = activity.Full
	case "RATE":
		res.Outcome, res.Over, res.Epoch = activity.RateLimited, int(asInt(arr[1])), 0
	default:
		return res, errs.Internal(fmt.Errorf("quota: unknown answer %v", arr))
	}
	return res, nil
}

// Release gives a reservation back.
func (q *Quota) Release(ctx context.Context, r activity.Reservation, epoch int64) error {
	idem := "0"
	if r.IdemKey != "" {
		idem = "1"
	}
	args := make([]any, 0, 8+len(r.Sessions)+len(r.Attendees))
	args = append(args, i64(epoch), i64(r.UserID), r.GroupKey, idem)
	args = withGroup(args, r.Sessions, r.Attendees)
	keys := []string{q.HashKey(r.ActivityID), q.pendingKey(r.ActivityID), q.idemKey(r.ActivityID, r.UserID, r.IdemKey)}
	if err := releaseScript.Run(ctx, q.rdb, keys, args...).Err(); err != nil {
		return unavailable(err)
	}
	q.freed(ctx, r.ActivityID)
	return nil
}

// Ack drops acknowledged operations from the pending hash.
func (q *Quota) Ack(ctx context.Context, activityID int64, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := q.rdb.HDel(ctx, q.pendingKey(activityID), keys...).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// Pending reports whether an operation is reserved but not acknowledged.
func (q *Quota) Pending(ctx context.Context, activityID int64, key string) (bool, error) {
	ok, err := q.rdb.HExists(ctx, q.pendingKey(activityID), key).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return ok, nil
}

// Prepare reserves seats for promotions before a cancellation commits.
func (q *Quota) Prepare(ctx context.Context, activityID, epoch int64, opKey string, freed map[int64]int, cands []activity.Candidate, now time.Time) (activity.Outcome, []int, error) {
	args := []any{i64(epoch), opKey, now.UnixMilli(), len(freed)}
	fs := make([]int64, 0, len(freed))
	for s := range freed {
		fs = append(fs, s)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i] < fs[j] })
	for _, s := range fs {
		args = append(args, i64(s), freed[s])
	}
	args = append(args, len(cands))
	for _, c := range cands {
		ids := c.SessionIDs()
		args = append(args, len(ids))
		for _, s := range ids {
			args = append(args, i64(s), c.Sizes[s])
		}
	}
	v, err := prepareScript.Run(ctx, q.rdb, []string{q.HashKey(activityID), q.pendingKey(activityID)}, args...).Result()
	if err != nil {
		return 0, nil, unavailable(err)
	}
	arr, err := reply(v)
	if err != nil {
		return 0, nil, errs.Internal(err)
	}
	switch asString(arr[0]) {
	case "REBUILD":
		return activity.NeedsRebuild, nil, nil
	case "EPOCH":
		return activity.EpochChanged, nil, nil
	case "OK":
	default:
		return 0, nil, errs.Internal(fmt.Errorf("quota: unknown prepare answer %v", arr))
	}
	var chosen []int
	if len(arr) > 2 {
		if list, ok := arr[2].([]any); ok {
			for _, x := range list {
				chosen = append(chosen, int(asInt(x)))
			}
		}
	}
	return activity.Reserved, chosen, nil
}

// Unprepare gives back seats reserved by Prepare.
func (q *Quota) Unprepare(ctx context.Context, activityID, epoch int64, opKey string, chosen []activity.Candidate) error {
	seats := map[int64]int{}
	for _, c := range chosen {
		for s, n := range c.Sizes {
			seats[s] += n
		}
	}
	args := []any{i64(epoch), opKey}
	for s, n := range seats {
		args = append(args, i64(s), n)
	}
	if err := unprepareScript.Run(ctx, q.rdb, []string{q.HashKey(activityID), q.pendingKey(activityID)}, args...).Err(); err != nil {
		return unavailable(err)
	}
	q.freed(ctx, activityID)
	return nil
}

// Apply records a committed cancellation and its promotions.
func (q *Quota) Apply(ctx context.Context, activityID, epoch int64, opKey string, cancelled, promoted []activity.Seat) error {
	args := make([]any, 0, 4+4*len(cancelled)+2*len(promoted))
	args = append(args, i64(epoch), opKey, len(cancelled))
	for _, s := range cancelled {
		args = append(args, i64(s.SessionID), s.AttendeeKey, i64(s.UserID), statusCode(s.Status))
	}
	args = append(args, len(promoted))
	for _, s := range promoted {
		args = append(args, i64(s.SessionID), s.AttendeeKey)
	}
	if err := applyScript.Run(ctx, q.rdb, []string{q.HashKey(activityID), q.pendingKey(activityID)}, args...).Err(); err != nil {
		return unavailable(err)
	}
	q.freed(ctx, activityID)
	return nil
}

// Epoch reads the quota's epoch.
func (q *Quota) Epoch(ctx context.Context, activityID int64) (int64, bool, error) {
	v, err := q.rdb.HGet(ctx, q.HashKey(activityID), "epoch").Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, unavailable(err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, true, nil
}

// Lock takes the rebuild lock.
func (q *Quota) Lock(ctx context.Context, activityID int64, token string, ttl time.Duration) (bool, error) {
	ok, err := q.rdb.SetNX(ctx, q.lockKey(activityID), token, ttl).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return ok, nil
}

// Unlock releases the rebuild lock held by token.
func (q *Quota) Unlock(ctx context.Context, activityID int64, token string) error {
	if err := unlockScript.Run(ctx, q.rdb, []string{q.lockKey(activityID)}, token).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// HoldPerson takes the lock of one person signing up for an activity.
func (q *Quota) HoldPerson(ctx context.Context, activityID int64, person, token string, ttl time.Duration) (bool, error) {
	ok, err := q.rdb.SetNX(ctx, q.personKey(activityID, person), token, ttl).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return ok, nil
}

// ReleasePerson releases a person's lock held by token.
func (q *Quota) ReleasePerson(ctx context.Context, activityID int64, person, token string) error {
	if err := unlockScript.Run(ctx, q.rdb, []string{q.personKey(activityID, person)}, token).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// Load replaces the quota with the snapshot.
func (q *Quota) Load(ctx context.Context, token string, s activity.Snapshot) (bool, error) {
	st := "closed"
	if s.Open {
		st = "open"
	}
	args := make([]any, 0, 9+8*len(s.Sessions)+2*len(s.Members)+2*len(s.Idem))
	expires := s.ExpiresAt
	if expires.IsZero() || expires.Before(time.Now().Add(time.Hour)) {
		expires = time.Now().Add(7 * 24 * time.Hour)
	}
	keys := make([]string, 3, 3+len(s.Idem))
	keys[0], keys[1], keys[2] = q.HashKey(s.ActivityID), q.pendingKey(s.ActivityID), q.lockKey(s.ActivityID)
	args = append(args, token, expires.UnixMilli(), 0)
	now := time.Now()
	for _, r := range s.Idem {
		if r.Key == "" || !r.ExpiresAt.After(now) {
			continue
		}
		keys = append(keys, q.idemKey(s.ActivityID, r.UserID, r.Key))
		args = append(args, r.GroupKey, r.ExpiresAt.UnixMilli())
	}
	args[2] = len(keys) - 3
	args = append(args, "epoch", i64(s.Epoch), "st", st, "ver", 1, "seq", i64(s.LastDecision))
	accounts := map[string]int{}
	for _, m := range s.Members {
		sid := i64(m.SessionID)
		args = append(args, "m:"+sid+":"+m.AttendeeKey, statusCode(m.Status))
		accounts["u:"+sid+":"+i64(m.UserID)]++
	}
	for k, n := range accounts {
		args = append(args, k, n)
	}
	for _, ss := range s.Sessions {
		sid := i64(ss.ID)
		args = append(args, "cap:"+sid, ss.Capacity, "wcap:"+sid, ss.WaitlistCapacity, "n:"+sid, ss.Confirmed, "q:"+sid, ss.Waitlisted)
	}
	n, err := loadScript.Run(ctx, q.rdb, keys, args...).Int64()
	if err != nil {
		return false, unavailable(err)
	}
	if n == 1 {
		q.freed(ctx, s.ActivityID)
	}
	return n == 1, nil
}

// Invalidate drops the quota.
func (q *Quota) Invalidate(ctx context.Context, activityID, epoch int64) error {
	if err := invalidateScript.Run(ctx, q.rdb, []string{q.HashKey(activityID), q.pendingKey(activityID)}, i64(epoch)).Err(); err != nil {
		return unavailable(err)
	}
	q.freed(ctx, activityID)
	return nil
}

func countFields(sessions []int64) []string {
	fields := make([]string, 0, 1+4*len(sessions))
	fields = append(fields, "epoch")
	for _, s := range sessions {
		sid := i64(s)
		fields = append(fields, "cap:"+sid, "wcap:"+sid, "n:"+sid, "q:"+sid)
	}
	return fields
}

func parseCounts(sessions []int64, vals []any) map[int64]activity.Counts {
	out := make(map[int64]activity.Counts, len(sessions))
	for i, s := range sessions {
		b := 1 + 4*i
		out[s] = activity.Counts{
			Capacity: int(asInt(vals[b])), WaitlistCapacity: int(asInt(vals[b+1])),
			Confirmed: int(asInt(vals[b+2])), Waitlisted: int(asInt(vals[b+3])),
		}
	}
	return out
}

// Counts reads live counts of many activities in one pipeline.
func (q *Quota) Counts(ctx context.Context, sessions map[int64][]int64) (map[int64]map[int64]activity.Counts, error) {
	if len(sessions) == 0 {
		return map[int64]map[int64]activity.Counts{}, nil
	}
	pipe := q.rdb.Pipeline()
	cmds := make(map[int64]*redis.SliceCmd, len(sessions))
	for a, ss := range sessions {
		cmds[a] = pipe.HMGet(ctx, q.HashKey(a), countFields(ss)...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	out := make(map[int64]map[int64]activity.Counts, len(sessions))
	for a, cmd := range cmds {
		vals, err := cmd.Result()
		if err != nil || len(vals) == 0 || vals[0] == nil {
			continue
		}
		out[a] = parseCounts(sessions[a], vals)
	}
	return out, nil
}

// State reads what the reconciler compares.
func (q *Quota) State(ctx context.Context, activityID int64, sessions []int64) (activity.QuotaState, error) {
	sts, err := q.States(ctx, map[int64][]int64{activityID: sessions})
	return sts[activityID], err
}

// States reads the state of many activities in one pipelined round trip.
func (q *Quota) States(ctx context.Context, sessions map[int64][]int64) (map[int64]activity.QuotaState, error) {
	pipe := q.rdb.Pipeline()
	type cmds struct {
		hm   *redis.SliceCmd
		pend *redis.MapStringStringCmd
	}
	all := make(map[int64]cmds, len(sessions))
	for id, ss := range sessions {
		fields := append(countFields(ss), "ver")
		all[id] = cmds{pipe.HMGet(ctx, q.HashKey(id), fields...), pipe.HGetAll(ctx, q.pendingKey(id))}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	out := make(map[int64]activity.QuotaState, len(sessions))
	for id, c := range all {
		vals := c.hm.Val()
		st := activity.QuotaState{}
		if len(vals) == 0 || vals[0] == nil {
			out[id] = st
			continue
		}
		st.Exists = true
		st.Epoch = asInt(vals[0])
		st.Version = asInt(vals[len(vals)-1])
		st.Sessions = parseCounts(sessions[id], vals)
		st.Pending = map[string]time.Time{}
		for k, v := range c.pend.Val() {
			if k == "_" {
				continue // the placeholder that keeps the set (and its expiry) alive
			}
			ms, _ := strconv.ParseInt(strings.SplitN(v, "|", 2)[0], 10, 64)
			st.Pending[k] = time.UnixMilli(ms)
		}
		out[id] = st
	}
	return out, nil
}

// Members returns the attendee map of an activity's quota (for tests and diagnostics).
func (q *Quota) Members(ctx context.Context, activityID int64) (map[string]string, error) {
	all, err := q.rdb.HGetAll(ctx, q.HashKey(activityID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := map[string]string{}
	for k, v := range all {
		if strings.HasPrefix(k, "m:") {
			out[k[2:]] = v
		}
	}
	return out, nil
}

// DeleteKeys deletes keys one by one (they may live in different Cluster
// slots); tests use it to simulate a Redis that lost an activity's quota.
func (q *Quota) DeleteKeys(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := q.rdb.Del(ctx, k).Err(); err != nil {
			return unavailable(err)
		}
	}
	return nil
}
