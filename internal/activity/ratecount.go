package activity

import (
	"context"
	"sync"
	"time"
)

// A sign-up's rate-limit count travels in its decision's Redis call when
// the quota can make it there (CountingQuota, RegisterInput.Count): every
// sign-up then costs one Redis round trip fewer. The count is still made
// once per attempt and before anything is reserved. An attempt refused
// before it reaches a decision (not eligible, a bad answer, full from
// memory) is counted afterwards through Admit, and answered with Admit's
// refusal when that is over the limit, as if it had been counted first.

// overLimits remembers, per process, the rate-limit keys found over their
// limit. Each key names its window (the limiter's keys carry the window's
// number), and a count in a fixed window only grows: a key over its limit
// stays over until its window ends. An attempt with such a key is refused
// at once, without Redis or MySQL (cheaper than counting it first was).
type overLimits struct {
	mu   sync.Mutex
	keys map[string]time.Time // key -> when its window ends (at the latest)
}

const overLimitsMax = 10_000

func (o *overLimits) add(key string, until time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys == nil {
		o.keys = map[string]time.Time{}
	}
	if len(o.keys) >= overLimitsMax {
		now := time.Now()
		for k, t := range o.keys {
			if !t.After(now) {
				delete(o.keys, k)
			}
		}
		if len(o.keys) >= overLimitsMax {
			return
		}
	}
	o.keys[key] = until
}

// over reports whether one of c's keys is known to be over its limit.
func (o *overLimits) over(c *RateCount, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, k := range c.Keys {
		if t, ok := o.keys[k]; ok {
			if now.Before(t) {
				return true
			}
			delete(o.keys, k)
		}
	}
	return false
}

// admitFirst counts the attempt on its own, before anything is looked up
// (the quota cannot count it in its decision), or refuses it from the
// memory of keys over their limit. It reports whether the count is still
// to be made (in the decision, or afterwards by admitLate).
func (s *Service) admitFirst(ctx context.Context, in *RegisterInput) (pending bool, err error) {
	if in.Count != nil && s.countsInDecision {
		if s.overLimit.over(in.Count, time.Now()) {
			return false, in.Count.Refuse()
		}
		return in.Admit != nil, nil
	}
	in.Count = nil
	if in.Admit != nil {
		return false, in.Admit(ctx)
	}
	return false, nil
}

// admitLate counts an attempt that ended before its decision counted it;
// over the limit, the limit's refusal is the answer.
func (s *Service) admitLate(ctx context.Context, in RegisterInput, err error) error {
	if in.Count != nil && in.Count.made {
		return err
	}
	if lerr := in.Admit(ctx); lerr != nil {
		return lerr
	}
	return err
}

// rateLimited answers a decision whose count was over a limit, and
// remembers the key until its window ends.
func (s *Service) rateLimited(c *RateCount, over int) error {
	if over >= 0 && over < len(c.Keys) && c.Window > 0 {
		// The limiter numbers windows from the Unix epoch on the wall clock.
		w := int64(c.Window)
		s.overLimit.add(c.Keys[over], time.Unix(0, (time.Now().UnixNano()/w+1)*w))
	}
	return c.Refuse()
}
