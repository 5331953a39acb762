package activity

import (
	"fmt"
	"strconv"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/notify"
)

// The mini-program page residents open from a notice.
const registrationsPage = "pages/registrations/index"

// FormatTime formats a time for residents (Beijing time): 2026年12月5日 16:30.
func FormatTime(t time.Time) string {
	return t.In(cst.Zone).Format("2006年1月2日 15:04")
}

// noticesFor returns the NoticeFunc of an activity (its title, sessions and
// place go into every notice). reason is told with cancellations.
func noticesFor(a *Activity, reason string) NoticeFunc {
	return func(event string, regs []Registration) []notify.Notice {
		out := make([]notify.Notice, 0, len(regs))
		when := map[int64]string{}
		for _, r := range regs {
			w, ok := when[r.SessionID]
			if !ok {
				if s, found := a.Session(r.SessionID); found {
					w = FormatTime(s.StartsAt)
				}
				when[r.SessionID] = w
			}
			out = append(out, buildNotice(a, event, r, reason, w))
		}
		return out
	}
}

func buildNotice(a *Activity, event string, r Registration, reason, when string) notify.Notice {
	n := notify.Notice{
		UserID: r.UserID, Page: registrationsPage, ActivityID: a.ID, RegistrationID: r.ID,
		DedupKey: "reg:" + strconv.FormatInt(r.ID, 10) + ":" + event,
		Fields:   map[string]string{"activity": a.Title, "time": when, "place": a.Place.Address},
	}
	switch event {
	case EventConfirmed:
		n.TemplateKey, n.Title = notify.RegistrationConfirmed, "报名成功"
		n.Body = "您已成功报名「" + a.Title + "」，时间：" + when + "，地点：" + a.Place.Address + "。请准时参加。"
		n.Fields["status"] = "报名成功"
	case EventWaitlisted:
		n.TemplateKey, n.Title = notify.RegistrationWaitlisted, "已加入候补"
		n.Body = fmt.Sprintf("「%s」（%s）名额已满，您已加入候补，第 %d 位。有人取消时将按顺序自动递补并通知您。", a.Title, when, r.FirstPosition)
		n.Fields["status"] = "候补中"
	case EventPromoted:
		n.TemplateKey, n.Title = notify.WaitlistPromoted, "候补成功"
		n.Body = fmt.Sprintf("您候补的「%s」（%s）已递补成功，请准时参加。", a.Title, when)
		n.Fields["status"] = "候补成功"
	case EventCancelled:
		n.TemplateKey, n.Title = notify.ActivityChanged, "报名已取消"
		n.Body = fmt.Sprintf("您报名的「%s」（%s）已被取消。原因：%s", a.Title, when, reason)
		n.Fields["status"] = "已取消"
		n.Fields["note"] = reason
	case EventChanged:
		n.TemplateKey, n.Title = notify.ActivityChanged, "活动信息变更"
		n.Body = fmt.Sprintf("您报名的「%s」有变更，最新时间：%s，地点：%s。%s。", a.Title, when, a.Place.Address, reason)
		n.Fields["status"] = "活动变更"
		n.Fields["note"] = reason
		// One notice per change.
		n.DedupKey += ":" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	}
	return n
}
