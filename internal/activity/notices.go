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
//
// A group (one request: the account holder with family members, or a
// series of sessions) is one act of the resident's, so its confirmation,
// its place in the waitlist and its promotion are one notice, which says
// how many people and sessions it covers: a parent who signs up two
// children for eight Saturdays gets one 「报名成功」, not sixteen, and
// spends one subscription grant. Cancellations and changes stay one notice
// per registration.
func noticesFor(a *Activity, reason string) NoticeFunc {
	return func(event string, regs []Registration) []notify.Notice {
		out := make([]notify.Notice, 0, len(regs))
		when := map[int64]string{}
		whenOf := func(sid int64) string {
			w, ok := when[sid]
			if !ok {
				if s, found := a.Session(sid); found {
					w = FormatTime(s.StartsAt)
				}
				when[sid] = w
			}
			return w
		}
		if len(regs) == 1 || !groupedEvent(event) {
			for _, r := range regs {
				out = append(out, buildNotice(a, event, r, reason, whenOf(r.SessionID)))
			}
			return out
		}
		for _, g := range groupsOf(regs) {
			first := g[0]
			sessions, attendees := map[int64]bool{}, map[string]bool{}
			for _, r := range g {
				sessions[r.SessionID] = true
				attendees[r.AttendeeKey()] = true
				if earlier(a, r.SessionID, first.SessionID) {
					first = r
				}
			}
			n := buildNotice(a, event, first, reason, whenOf(first.SessionID))
			if len(sessions) > 1 || len(attendees) > 1 {
				n.Body = groupBody(a, event, first, whenOf(first.SessionID), len(attendees), len(sessions))
			}
			// The group's first registration (by id) names the notice, so a
			// retried write of the same group finds the same dedup key.
			n.RegistrationID = g[0].ID
			n.DedupKey = "reg:" + strconv.FormatInt(g[0].ID, 10) + ":" + event
			out = append(out, n)
		}
		return out
	}
}

// groupedEvent reports whether a group's registrations share one notice of event.
func groupedEvent(event string) bool {
	return event == EventConfirmed || event == EventWaitlisted || event == EventPromoted || event == EventWaitlistEnded
}

// groupsOf splits regs by group key, in the order the groups first appear;
// registrations without a group key stay alone.
func groupsOf(regs []Registration) [][]Registration {
	type key struct {
		group string
		user  int64
	}
	var out [][]Registration
	at := map[key]int{}
	for _, r := range regs {
		if r.GroupKey == "" {
			out = append(out, []Registration{r})
			continue
		}
		k := key{r.GroupKey, r.UserID}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// earlier reports whether session x starts before session y.
func earlier(a *Activity, x, y int64) bool {
	sx, okx := a.Session(x)
	sy, oky := a.Session(y)
	return okx && oky && sx.StartsAt.Before(sy.StartsAt)
}

// groupBody is the text of a group's notice: how many people, and for a
// series how many sessions from which first one.
func groupBody(a *Activity, event string, r Registration, when string, people, sessions int) string {
	who := ""
	if people > 1 {
		who = fmt.Sprintf("为 %d 人", people)
	}
	span := when
	if sessions > 1 {
		span = fmt.Sprintf("共 %d 场，首场 %s", sessions, when)
	}
	switch event {
	case EventConfirmed:
		return "您已" + who + "成功报名「" + a.Title + "」，时间：" + span + "，地点：" + a.Place.Address + "。请准时参加。"
	case EventWaitlisted:
		return fmt.Sprintf("「%s」（%s）名额已满，您%s已加入候补，第 %d 位。有人取消时将按顺序自动递补并通知您。", a.Title, span, who, r.FirstPosition)
	case EventWaitlistEnded:
		return fmt.Sprintf("您%s候补的「%s」（%s）%s，本次候补已自动结束。", who, a.Title, span, ReasonWaitlistLapsed)
	default: // EventPromoted
		return fmt.Sprintf("您%s候补的「%s」（%s）已递补成功，请准时参加。", who, a.Title, span)
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
	case EventWaitlistEnded:
		n.TemplateKey, n.Title = notify.ActivityChanged, "候补未成功"
		n.Body = fmt.Sprintf("您候补的「%s」（%s）%s，本次候补已自动结束。", a.Title, when, ReasonWaitlistLapsed)
		n.Fields["status"] = "候补未成功"
		n.Fields["note"] = ReasonWaitlistLapsed
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
