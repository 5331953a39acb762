package rooms

import (
	"fmt"

	"gongjian/internal/cst"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
)

// BookingDecided is the template key of booking notices: in-app only (no
// WeChat subscribe template is configured for it).
const BookingDecided = "booking_decided"

const bookingsPage = "pages/rooms/bookings"

func bookingNotice(b Booking, roomName, key, title, body, status string) notify.Notice {
	return notify.Notice{
		UserID: b.BookedBy, TemplateKey: BookingDecided, DedupKey: fmt.Sprintf("booking:%d:%s", b.ID, key),
		Title: title, Body: body, Page: bookingsPage,
		Fields: map[string]string{"activity": roomName, "time": b.StartsAt.In(cst.Zone).Format("2006-01-02T15:04:05-07:00") + "~" + b.EndsAt.In(cst.Zone).Format("2006-01-02T15:04:05-07:00"), "status": status},
	}
}

func when(b Booking) string {
	return cst.Minute(b.StartsAt) + "–" + b.EndsAt.In(cst.Zone).Format("15:04")
}

// decisionNotice tells the booker the owner's decision.
func (s *Service) decisionNotice(b Booking, r Room, approve bool, note string) []notify.Notice {
	if approve {
		return []notify.Notice{bookingNotice(b, r.Name, "approved", "场地预约已通过",
			fmt.Sprintf("您预约的%s（%s）已通过审批，请按时到场签到。", r.Name, when(b)), "已通过")}
	}
	body := fmt.Sprintf("您预约的%s（%s）未通过审批。", r.Name, when(b))
	if note != "" {
		body += "原因：" + note
	}
	return []notify.Notice{bookingNotice(b, r.Name, "rejected", "场地预约未通过", body, "未通过")}
}

// cancelNotice tells the booker that someone else cancelled the booking:
// neither its booker nor the resident desk staff booked it for, who see
// and cancel it as their own.
func (s *Service) cancelNotice(u resident.User, b Booking, r Room, reason string) []notify.Notice {
	if b.HeldBy(u.ID) {
		return nil
	}
	body := fmt.Sprintf("您预约的%s（%s）已被管理方取消。", r.Name, when(b))
	if reason != "" {
		body += "原因：" + reason
	}
	return []notify.Notice{bookingNotice(b, r.Name, "cancelled", "场地预约已取消", body, "已取消")}
}

// closureNotice tells the booker that a closure cancelled the booking.
func closureNotice(r Room, c Closure) func(Booking) []notify.Notice {
	return func(b Booking) []notify.Notice {
		if !b.ShortenedFrom.IsZero() {
			// Under way: what already happened stays; it ends early.
			end := b.EndsAt.In(cst.Zone).Format("15:04")
			body := fmt.Sprintf("%s自%s起闭馆（%s），您正在使用的预约（原定%s–%s）提前到%s结束，请在此之前离场。", r.Name, end, c.Reason,
				cst.Minute(b.StartsAt), b.ShortenedFrom.In(cst.Zone).Format("15:04"), end)
			n := bookingNotice(b, r.Name, fmt.Sprintf("cut:%d", b.EndsAt.Unix()), "场地闭馆，预约提前结束", body, "提前结束")
			return []notify.Notice{n}
		}
		body := fmt.Sprintf("%s在%s闭馆（%s），您的预约已取消，请另选时间。", r.Name, when(b), c.Reason)
		return []notify.Notice{bookingNotice(b, r.Name, "closed", "场地闭馆，预约已取消", body, "已取消")}
	}
}
