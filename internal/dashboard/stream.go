package dashboard

import (
	"context"
	"time"
)

// Event is one message of the alarm stream: a new alarm ("alarm") or one
// acknowledged or resolved ("alarm_update").
type Event struct {
	Kind  string
	Alarm Alarm
}

// PollEvery is how often the stream looks for alarms: a new alarm reaches
// the board within about this long (any process may have taken it in).
const PollEvery = 400 * time.Millisecond

// Stream sends the alarms of sc after afterID (negative: from now on), and the changes of alarms
// from now on, to send until ctx ends or send fails. The database is the
// one source every server process shares, so the stream needs no message
// bus: it asks it twice a second with indexed queries.
// idle is called once a round (keep-alive comments).
func (s *Service) Stream(ctx context.Context, sc Scope, afterID int64, send func(Event) error, idle func() error) error {
	if afterID < 0 {
		// A fresh board starts from now: the list route gave it what is open.
		last, err := s.store.LastAlarmID(ctx)
		if err != nil {
			return err
		}
		afterID = last
	}
	since := s.now().Add(-PollEvery)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		news, err := s.store.AlarmsAfter(ctx, sc, afterID, 200)
		if err != nil {
			return err
		}
		for _, a := range news {
			if err := send(Event{Kind: "alarm", Alarm: a}); err != nil {
				return err
			}
			afterID = a.ID
		}
		next := s.now()
		changed, err := s.store.AlarmsChanged(ctx, sc, since)
		if err != nil {
			return err
		}
		for _, a := range changed {
			if err := send(Event{Kind: "alarm_update", Alarm: a}); err != nil {
				return err
			}
		}
		since = next
		if err := idle(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
