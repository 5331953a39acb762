package activity

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// QuotaChanges tells every process of a deployment when a quota changed in
// a way that may free places: a reservation given back, a cancellation
// applied, a quota rebuilt or dropped. redisstore.Quota implements it.
type QuotaChanges interface {
	// Watch listens until ctx ends: ready when it starts listening (again
	// after a reconnection), freed for each change, lost when it stopped
	// listening (changes may have been missed until the next ready).
	Watch(ctx context.Context, ready func(), freed func(activityID int64), lost func())
}

// soldOut remembers the sign-ups the quota refused as full, so that the
// same account asking again for the same session and attendees is refused
// by this process without a Redis round trip: the storm of retries on a
// sold-out release. An answer from it is what the quota would give: an
// entry lives only while this process hears every change that may free a
// place (QuotaChanges), is dropped with its activity on such a change, and
// expires after ttl in any case. Staff additions never use it.
//
// What it does not see: an Idempotency-Key that the same account used for
// a reservation in another session of the same activity (a client reusing
// one key for two different sign-ups) is refused QUOTA_FULL here instead of
// IDEMPOTENCY_KEY_REUSED.
type soldOut struct {
	on  atomic.Bool   // listening to QuotaChanges
	gen atomic.Uint64 // bumped by every change heard: an answer read before it is not kept
	ttl time.Duration
	max int // entries per activity before it starts afresh

	mu   sync.Mutex
	acts map[int64]*fullActivity
}

type fullActivity struct {
	epoch   int64
	refused map[string]time.Time // request fingerprint -> when refused
}

func newSoldOut(ttl time.Duration, max int) *soldOut {
	return &soldOut{ttl: ttl, max: max, acts: map[int64]*fullActivity{}}
}

// generation is read before asking the quota; remember keeps the answer
// only if no change was heard meanwhile.
func (m *soldOut) generation() uint64 { return m.gen.Load() }

// refuses reports whether fp was refused as full at this epoch within ttl.
func (m *soldOut) refuses(activityID, epoch int64, fp string, now time.Time) bool {
	if !m.on.Load() {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fa := m.acts[activityID]
	if fa == nil || fa.epoch != epoch {
		return false
	}
	at, ok := fa.refused[fp]
	if !ok {
		return false
	}
	if now.Sub(at) >= m.ttl {
		delete(fa.refused, fp)
		return false
	}
	return true
}

// remember keeps a refusal the quota gave.
func (m *soldOut) remember(activityID, epoch int64, fp string, gen uint64, now time.Time) {
	if !m.on.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen.Load() != gen {
		return
	}
	fa := m.acts[activityID]
	if fa == nil || fa.epoch != epoch || len(fa.refused) >= m.max {
		fa = &fullActivity{epoch: epoch, refused: map[string]time.Time{}}
		m.acts[activityID] = fa
	}
	fa.refused[fp] = now
}

// forget drops an activity's entries (a change that may have freed places).
func (m *soldOut) forget(activityID int64) {
	m.mu.Lock()
	m.gen.Add(1)
	delete(m.acts, activityID)
	m.mu.Unlock()
}

// reset drops every entry; on says whether entries may be kept from now on.
func (m *soldOut) reset(on bool) {
	m.mu.Lock()
	m.gen.Add(1)
	m.acts = map[int64]*fullActivity{}
	m.on.Store(on)
	m.mu.Unlock()
}

// FollowQuota lets the service remember sold-out refusals while it hears
// every quota change through changes; it returns when ctx ends. Without it
// every sign-up asks the quota.
func (s *Service) FollowQuota(ctx context.Context, changes QuotaChanges) {
	changes.Watch(ctx, func() { s.full.reset(true) }, s.full.forget, func() { s.full.reset(false) })
}

// refusedFromMemory reports whether the sign-up retries one this process
// has just refused as full (see soldOut), judged from memory alone, before
// the attempt is counted against the rate limit (RegisterInput.Admit): in
// a storm of retries on a sold-out release the count would cost more than
// the answer. It needs the session's activity and definition cached, and
// the checks the full path makes before the quota that need nothing else
// (sign-up window, attendees, per-account limit, answers) to pass, so that
// it answers what the full path would. The checks that need a store
// (eligibility, family members, suspension, the same person twice) passed
// when the refusal was remembered, at most SoldOutMemo ago. Whatever it
// cannot tell, it leaves to the full path.
func (s *Service) refusedFromMemory(in RegisterInput) bool {
	if in.StaffID != 0 || !s.full.on.Load() || len(in.Attendees) == 0 || len(in.Attendees) > 10 ||
		(in.IdemKey != "" && !ValidIdemKey(in.IdemKey)) {
		return false
	}
	aid, ok := s.sessAct.Load(in.SessionID)
	if !ok {
		return false
	}
	a, ok := s.defs.cached(aid.(int64))
	if !ok {
		return false
	}
	keys := make([]string, len(in.Attendees))
	for i, ref := range in.Attendees {
		k := AttendeeKey(in.UserID, ref.DependentID)
		if !ref.valid() || slices.Contains(keys[:i], k) {
			return false
		}
		keys[i] = k
	}
	memo := strconv.FormatInt(in.UserID, 10) + "|" + fingerprint(in.SessionID, keys)
	if !s.full.refuses(a.ID, a.QuotaEpoch, memo, s.now()) || s.checkOpen(a, in) != nil ||
		(a.PerAccountLimit > 0 && len(keys) > a.PerAccountLimit) {
		return false
	}
	_, err := validateAnswers(a.Questions, in.Answers, true)
	return err == nil
}
