// Package periodic runs the background jobs every server process runs at a
// fixed interval (reconciling quotas, closing forgotten check-outs,
// purging, releasing bookings, scheduling reminders).
package periodic

import (
	"context"
	"time"
)

// Run calls job every interval until ctx ends: at once when first is set,
// else after one interval. A job's error, unless ctx has ended, goes to
// onErr (when not nil); its result is of no interest here.
func Run[T any](ctx context.Context, interval time.Duration, first bool, job func(context.Context) (T, error), onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if first {
			if _, err := job(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
		first = true
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
