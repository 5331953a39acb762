package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/activity"
)

// Every change that may free places in an activity's quota (a reservation
// given back, a cancellation applied, prepared seats given back, a rebuild,
// a dropped quota) is published on "<prefix>quota:freed" with the
// activity's id, after its script ran: processes that remember sold-out
// refusals (activity.FollowQuota) forget that activity's. A lost publish
// leaves such memories to their expiry (seconds).

var _ activity.QuotaChanges = (*Quota)(nil)

func (q *Quota) freedChannel() string { return q.keys.Key("quota", "freed") }

// freed announces that activityID's quota changed in a way that may free
// places. The change is done whatever this answers.
func (q *Quota) freed(ctx context.Context, activityID int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = q.rdb.Publish(ctx, q.freedChannel(), activityID).Err()
}

// Watch listens to the changes other processes (and this one) publish. It
// reports lost at once when the subscription fails, and ready again when it
// is back (go-redis resubscribes after a reconnection).
func (q *Quota) Watch(ctx context.Context, ready func(), freed func(activityID int64), lost func()) {
	ps := q.rdb.Subscribe(ctx, q.freedChannel())
	// Receive blocks on the connection whatever ctx says: closing it ends
	// the wait.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	defer ps.Close()
	listening := false
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			if listening {
				lost()
			}
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				listening = true
				ready()
			}
		case *redis.Message:
			if id, err := strconv.ParseInt(m.Payload, 10, 64); err == nil {
				freed(id)
			}
		}
		if err != nil {
			if listening {
				listening = false
				lost()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}
