package wristband

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gongjian/internal/notify"
)

// Escalate notifies the community's staff of every alarm still
// unacknowledged EscalationDelay after it opened, once per alarm (several
// server processes may run it together: each alarm is claimed by one).
func (s *Service) Escalate(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	total := 0
	for {
		due, err := s.store.DueEscalations(ctx, now.Add(-s.cfg.EscalationDelay), 100)
		if err != nil {
			return total, err
		}
		for _, a := range due {
			claimed := false
			err := s.store.Atomically(ctx, func(tx Tx) error {
				ok, err := tx.MarkEscalated(a.ID, now)
				if err != nil || !ok {
					return err
				}
				claimed = true
				staff, err := tx.StaffOfCommunity(a.CommunityID)
				if err != nil {
					return err
				}
				return tx.AddNotices(s.escalationNotices(a, staff))
			})
			if err != nil {
				return total, err
			}
			if claimed {
				total++
			}
		}
		if len(due) < 100 {
			return total, nil
		}
	}
}

func (s *Service) escalationNotices(a Alarm, staff []int64) []notify.Notice {
	out := make([]notify.Notice, 0, len(staff))
	label := a.Type.Label()
	mins := int(s.cfg.EscalationDelay / time.Minute)
	for _, uid := range staff {
		out = append(out, notify.Notice{
			UserID: uid, TemplateKey: notify.WristbandAlert,
			DedupKey: fmt.Sprintf("%suser:%d", AlarmNoticePrefixes(a.ID)[1], uid),
			Title:    fmt.Sprintf("告警超时未受理：%s %s", a.WearerName, label),
			Body:     fmt.Sprintf("%s的手环于 %s 报告%s，已超过%d分钟无人受理，请尽快联系家属或上门查看。", a.WearerName, clock(a.OpenedAt), label, mins),
			Fields:   map[string]string{"wearer": a.WearerName, "type": label, "time": clock(a.OpenedAt), "detail": a.Detail, "status": "超时未受理"},
			Page:     "pages/staff/alarms",
		})
	}
	return out
}

// Purge deletes raw readings, locations and invitations older than the
// retention period, pushes kept aside for unknown or unbound devices older
// than UnattachedDays (7), push records (event ids) and access-log entries
// older than theirs. Alarms and binding history are kept.
func (s *Service) Purge(ctx context.Context, now time.Time) (PurgeResult, error) {
	now = now.UTC()
	return s.store.Purge(ctx, PurgeBefore{
		Readings:    now.AddDate(0, 0, -s.cfg.RetentionDays),
		Unattached:  now.AddDate(0, 0, -s.cfg.UnattachedDays),
		PushRecords: now.AddDate(0, 0, -s.cfg.PushRecordDays),
		AccessLog:   now.AddDate(0, 0, -s.cfg.AccessLogRetentionDays),
	}, 1000)
}

// Run escalates overdue alarms every interval and purges old data every
// hour, until ctx ends. It runs in the server process (see server.Serve).
func (s *Service) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	log = jobLogger(log)
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastPurge time.Time
	for {
		now := s.now()
		if n, err := s.Escalate(ctx, now); err != nil && ctx.Err() == nil {
			log.Error("wristband: escalation failed", slog.String("cause", err.Error()))
		} else if n > 0 {
			log.Info("wristband: alarms escalated to staff", slog.Int("alarms", n))
		}
		if now.Sub(lastPurge) >= time.Hour {
			if r, err := s.Purge(ctx, now); err != nil && ctx.Err() == nil {
				log.Error("wristband: purge failed", slog.String("cause", err.Error()))
			} else if err == nil {
				lastPurge = now
				if r.Readings+r.Events+r.Unattached+r.AccessLog+r.Invitations > 0 {
					log.Info("wristband: old data purged", slog.Int64("readings", r.Readings), slog.Int64("events", r.Events),
						slog.Int64("unattached", r.Unattached), slog.Int64("access_log", r.AccessLog), slog.Int64("invitations", r.Invitations))
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
