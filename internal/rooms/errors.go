package rooms

import "gongjian/internal/errs"

// Errors the stores return and the mini-program shows.
var (
	ErrSlotTaken       = errs.Conflict("SLOT_TAKEN", "该时段已被预约或不开放，请选择其他时间")
	ErrWeeklyLimit     = errs.Unprocessable("WEEKLY_LIMIT", "本周在该场地的预约时长已达上限")
	ErrStateChanged    = errs.Conflict("BOOKING_STATE_CHANGED", "预约状态已变化，请刷新后再试")
	ErrIdemReused      = errs.Unprocessable("IDEMPOTENCY_KEY_REUSED", "该请求编号已用于另一次预约，请刷新页面后重试")
	ErrRoomNotFound    = errs.NotFound("ROOM_NOT_FOUND", "场地不存在")
	ErrBookingNotFound = errs.NotFound("BOOKING_NOT_FOUND", "预约不存在")
	ErrUnitNotFound    = errs.Invalid("UNKNOWN_UNIT", "共建单位不存在")
	ErrTeamNotFound    = errs.NotFound("TEAM_NOT_FOUND", "队伍不存在")
	ErrClosureNotFound = errs.NotFound("CLOSURE_NOT_FOUND", "闭馆安排不存在")

	errForbidden   = errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	errNotAllowed  = errs.Forbidden("BOOKING_NOT_ALLOWED", "该场地不对您开放预约")
	errNotResident = errs.Forbidden("BOOKING_NOT_ALLOWED", "该场地不对您开放预约：仅限本社区居民，请先在“我的—居住认证”中申请，社区审核通过后即可预约")
	// A unit books rooms only in the communities it is tied to.
	errUnitElsewhere  = errs.Forbidden("BOOKING_NOT_ALLOWED", "该场地不对贵单位开放预约：共建单位只能预约其共建社区的场地")
	errNotInCommunity = errs.Forbidden("NOT_IN_COMMUNITY", "只有本社区居民可以加入该队伍")
	errJoinResident   = errs.Forbidden("NOT_IN_COMMUNITY", "只有本社区居民可以加入该队伍，请先在“我的—居住认证”中申请，社区审核通过后即可加入")
	errNotApprover    = errs.Forbidden("NOT_ROOM_OWNER", "只有场地所属单位可以审批该预约")
	errBadTime        = errs.Invalid("INVALID_TIME", "请选择有效的开始和结束时间")
	errNotAligned     = errs.Unprocessable("NOT_ON_SLOT", "预约须按场地的时段整点开始和结束")
	errTooShort       = errs.Unprocessable("TOO_SHORT", "预约时长短于场地规定的最短时长")
	errTooLong        = errs.Unprocessable("TOO_LONG", "预约时长超过场地规定的最长时长")
	errInPast         = errs.Unprocessable("IN_PAST", "不能预约已经开始或过去的时间")
	errTooFarAhead    = errs.Unprocessable("TOO_FAR_AHEAD", "超出了可提前预约的天数")
	errOutsideHours   = errs.Unprocessable("OUTSIDE_OPENING_HOURS", "所选时间不在场地开放时间内")
	errOverCapacity   = errs.Unprocessable("OVER_CAPACITY", "预计人数超过场地容量")
	errRoomClosed     = errs.Unprocessable("ROOM_INACTIVE", "场地已停用")
	errReasonRequired = errs.Invalid("REASON_REQUIRED", "代人预约请填写原因")
	errNotCancellable = errs.Conflict("NOT_CANCELLABLE", "该预约已结束或已取消，不能取消")
	errNotPending     = errs.Conflict("NOT_PENDING", "该预约不在待审批状态")
	errNotConfirmed   = errs.Unprocessable("NOT_CONFIRMED", "预约尚未确认，确认后才有入场码")
	errBadTicket      = errs.Unprocessable("BAD_TICKET", "无效的入场码")
	errTooEarly       = errs.Unprocessable("TOO_EARLY", "还没到签到时间")
	errTooLate        = errs.Unprocessable("TOO_LATE", "签到时间已过")
	errAlreadyIn      = errs.Conflict("ALREADY_CHECKED_IN", "已经签到过了")
)
