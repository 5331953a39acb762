package activity

import (
	"sort"
	"time"
)

// NoShowPolicy: Strikes no-shows within Window suspend sign-ups to popular
// activities for Suspension, counted from the last of them.
type NoShowPolicy struct {
	Strikes    int
	Window     time.Duration
	Suspension time.Duration
}

// DefaultNoShowPolicy: 3 no-shows in 90 days suspend for 30 days.
var DefaultNoShowPolicy = NoShowPolicy{Strikes: 3, Window: 90 * 24 * time.Hour, Suspension: 30 * 24 * time.Hour}

// Lookback is how far back no-shows matter.
func (p NoShowPolicy) Lookback() time.Duration { return p.Window + p.Suspension }

// SuspendedUntil returns the end of the suspension the no-shows at times
// cause (zero when none is in force at now). A suspension starts at the
// no-show that completes Strikes within Window.
func (p NoShowPolicy) SuspendedUntil(times []time.Time, now time.Time) time.Time {
	if p.Strikes <= 0 || len(times) < p.Strikes {
		return time.Time{}
	}
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var until time.Time
	for i := p.Strikes - 1; i < len(ts); i++ {
		if ts[i].Sub(ts[i-p.Strikes+1]) <= p.Window {
			if end := ts[i].Add(p.Suspension); end.After(until) {
				until = end
			}
		}
	}
	if !until.After(now) {
		return time.Time{}
	}
	return until
}
