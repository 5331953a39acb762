package checkin

import "gongjian/internal/errs"

// Errors with the codes the mini-program shows: scanning a ticket (staff
// check-in) and checking oneself in and out with the session's code.
var (
	ErrBadTicketCode = errs.Unprocessable("BAD_TICKET", "无效的入场码")
	errNotChecker    = errs.Forbidden("NOT_A_CHECKER", "您不是这个活动的核验员，不能核验入场码")
	errRevoked       = errs.Unprocessable("REVOKED", "这张入场码已作废（报名已取消）")
	errWrongSession  = errs.Unprocessable("WRONG_SESSION", "不是本场次的入场码")
	errTooEarly      = errs.Unprocessable("TOO_EARLY", "还没到签到时间")
	errTooLate       = errs.Unprocessable("TOO_LATE", "签到时间已过")
	errAlready       = errs.Conflict("ALREADY_CHECKED_IN", "已经签到过了")
	errBadNonce      = errs.Invalid("BAD_NONCE", "扫码编号无效，请重新扫码")
	errNonceReused   = errs.Conflict("NONCE_REUSED", "扫码编号重复，请重新扫码")
	errRegNotFound   = errs.NotFound("REGISTRATION_NOT_FOUND", "报名记录不存在")
	errNotConfirmed  = errs.Unprocessable("NOT_CONFIRMED", "报名还在候补中，确认后才有入场码")
	errNotStaff      = errs.Forbidden("NOT_ACTIVITY_STAFF", "只有主办单位或社区的工作人员可以进行此操作")
	errBadScannedAt  = errs.Invalid("BAD_SCANNED_AT", "扫码时间无效，请检查手机时间")

	errBadCode      = errs.Unprocessable("BAD_CODE", "签到码无效，请扫描现场的签到码")
	errCodeExpired  = errs.Unprocessable("CODE_EXPIRED", "签到码已过期，请重新扫描现场的签到码")
	errBadLocation  = errs.Invalid("BAD_LOCATION", "无法获取您的位置，请允许使用位置信息后重试")
	errNoPlace      = errs.Unprocessable("NO_PLACE", "活动没有设置地点坐标，请联系工作人员签到")
	errTooFar       = errs.Unprocessable("TOO_FAR", "您不在活动地点附近，请到现场后再签到")
	errNotSignedUp  = errs.Forbidden("NOT_SIGNED_UP", "您没有报名这个场次的志愿服务")
	errNotCheckedIn = errs.Conflict("NOT_CHECKED_IN", "您还没有签到，不能签退")
	errAlreadyOut   = errs.Conflict("ALREADY_CHECKED_OUT", "本场次已签退，时长已记录；如有遗漏请提交补录申请")
	errBadAction    = errs.Invalid("BAD_ACTION", "请选择签到或签退")

	errActivityCancelled = errs.Unprocessable("ACTIVITY_CANCELLED", "活动已取消，不能签到")
	errSessionCancelled  = errs.Conflict("SESSION_CANCELLED", "该场次已取消，不能签到")
)
