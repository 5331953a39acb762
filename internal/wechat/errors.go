package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"

	"gongjian/internal/errs"
)

// APIError is an error answer from WeChat: {"errcode":Code,"errmsg":Msg}.
// Client methods return it wrapped in an *errs.Error; get it back with
// errors.As or [ErrCode].
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: errcode=%d errmsg=%s", e.Code, e.Msg)
}

// ErrCode returns WeChat's errcode carried by err, if any.
func ErrCode(err error) (int, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code, true
	}
	return 0, false
}

// IsTransient reports whether trying the same call again later may succeed:
// network failures, timeouts, HTTP errors and non-JSON answers; WeChat's
// "system busy" (-1), quota limits (45009 daily, 45011 per minute), and an
// access token still refused after the automatic refresh (40001, 42001,
// 40014). Note that a timed-out send may still have been delivered.
func IsTransient(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	code, ok := ErrCode(err)
	if !ok {
		return false
	}
	switch code {
	case -1, 45009, 45011, 40001, 42001, 40014:
		return true
	}
	return false
}

// Machine codes of the errors Client methods return (errs.Error.Code).
const (
	CodeUnavailable      = "WECHAT_UNAVAILABLE"       // KindUnavailable: network, timeout, 5xx, non-JSON, -1, token refused after refresh
	CodeRateLimited      = "WECHAT_RATE_LIMITED"      // KindRateLimited: 45011 per-minute, 45009 daily quota
	CodeUserBlocked      = "WECHAT_USER_BLOCKED"      // KindForbidden: 40226 high-risk user
	CodeInvalidCode      = "INVALID_CODE"             // KindUnauthorized: login code bad or used (40029, 40163)
	CodeInvalidPhoneCode = "INVALID_PHONE_CODE"       // KindInvalid: phone code bad or used
	CodeSubscribeRefused = "WECHAT_SUBSCRIBE_REFUSED" // KindUnprocessable: 43101, no subscription credit left
	CodeInvalidMessage   = "WECHAT_INVALID_MESSAGE"   // KindInvalid: 47003/47001, or a required field missing
	CodeInvalidOpenID    = "WECHAT_INVALID_OPENID"    // KindInvalid: 40003
	CodeInvalidTemplate  = "WECHAT_INVALID_TEMPLATE"  // KindInternal: 40037
	CodeInvalidScene     = "INVALID_SCENE"            // KindInvalid: scene empty, too long or with bad characters
	CodeInvalidPage      = "WECHAT_INVALID_PAGE"      // KindInternal: 41030
	CodeMisconfigured    = "WECHAT_MISCONFIGURED"     // KindInternal: bad AppID or secret, server IP not allowed
	CodeWeChatError      = "WECHAT_ERROR"             // KindInternal: any other errcode
)

// Messages shown to residents.
const (
	msgUnavailable      = "微信服务暂时无法访问，请稍后再试"
	msgRateLimited      = "操作太频繁了，请稍后再试"
	msgUserBlocked      = "您的微信账号存在安全风险，暂时无法使用此功能，请在微信中完成验证后再试"
	msgInvalidCode      = "登录已失效，请重新进入小程序后再试"
	msgInvalidPhoneCode = "获取手机号失败，请重新授权"
	msgSubscribeRefused = "对方未订阅此类消息提醒，暂时无法发送"
	msgInvalidMessage   = "消息内容不符合微信的要求"
	msgInvalidOpenID    = "消息接收人无效"
	msgInvalidTemplate  = "消息模板配置有误，请联系管理员"
	msgInvalidScene     = "小程序码参数无效（最多32个字母、数字或符号）"
	msgInvalidPage      = "小程序页面配置有误，请联系管理员"
	msgMisconfigured    = "微信接入配置有误，请联系管理员"
	msgWeChatError      = "微信服务返回错误，请稍后再试"
)

// The WeChat calls, for error mapping and texts.
const (
	opCode2Session   op = "code2session"
	opPhoneNumber    op = "getuserphonenumber"
	opSubscribeSend  op = "subscribe.send"
	opWXACodeUnlimit op = "getwxacodeunlimit"
	opMsgSecCheck    op = "msg_sec_check"
	opMediaCheck     op = "media_check_async"
)

// op names a WeChat call for error mapping and messages.
type op string

// tokenInvalid reports whether code says the access token is bad.
func tokenInvalid(code int) bool { return code == 40001 || code == 42001 || code == 40014 }

// classify turns an error from silenceper into an *errs.Error.
func classify(o op, err error) error {
	if err == nil {
		return nil
	}
	if ae, ok := apiErrorOf(err); ok {
		return mapAPIError(o, ae)
	}
	return errs.Wrap(newTransportError(o, err), errs.KindUnavailable, CodeUnavailable, msgUnavailable)
}

// mapAPIError maps a WeChat errcode to an *errs.Error wrapping ae.
func mapAPIError(o op, ae *APIError) error {
	wrap := func(kind errs.Kind, code, msg string) error { return errs.Wrap(ae, kind, code, msg) }
	switch o {
	case opCode2Session:
		switch ae.Code {
		case 40029, 40163, 41008:
			return wrap(errs.KindUnauthorized, CodeInvalidCode, msgInvalidCode)
		}
	case opPhoneNumber:
		switch ae.Code {
		case 40029, 40163, 41008:
			return wrap(errs.KindInvalid, CodeInvalidPhoneCode, msgInvalidPhoneCode)
		}
	case opSubscribeSend:
		switch ae.Code {
		case 43101:
			return wrap(errs.KindUnprocessable, CodeSubscribeRefused, msgSubscribeRefused)
		case 47003, 47001:
			return wrap(errs.KindInvalid, CodeInvalidMessage, msgInvalidMessage)
		case 40003:
			return wrap(errs.KindInvalid, CodeInvalidOpenID, msgInvalidOpenID)
		case 40037:
			return wrap(errs.KindInternal, CodeInvalidTemplate, msgInvalidTemplate)
		}
	case opWXACodeUnlimit:
		switch ae.Code {
		case 41030:
			return wrap(errs.KindInternal, CodeInvalidPage, msgInvalidPage)
		case 40169:
			return wrap(errs.KindInvalid, CodeInvalidScene, msgInvalidScene)
		}
	case opMsgSecCheck, opMediaCheck:
		switch ae.Code {
		case 40003:
			return wrap(errs.KindInvalid, CodeInvalidOpenID, msgInvalidOpenID)
		case 47003, 47001:
			return wrap(errs.KindInvalid, CodeInvalidMessage, msgInvalidMessage)
		}
	}
	switch ae.Code {
	case -1:
		return wrap(errs.KindUnavailable, CodeUnavailable, msgUnavailable)
	case 45011, 45009:
		return wrap(errs.KindRateLimited, CodeRateLimited, msgRateLimited)
	case 40226:
		return wrap(errs.KindForbidden, CodeUserBlocked, msgUserBlocked)
	case 40001, 42001, 40014:
		return wrap(errs.KindUnavailable, CodeUnavailable, msgUnavailable)
	case 40013, 40125, 40164, 41002, 41004, 40002, 48001, 61024:
		return wrap(errs.KindInternal, CodeMisconfigured, msgMisconfigured)
	}
	return wrap(errs.KindInternal, CodeWeChatError, msgWeChatError)
}

// apiErrorOf extracts WeChat's errcode from a silenceper error. The library
// returns either a *util.CommonError or a plain fmt error whose text ends
// in "errcode=N , errmsg=M" (some: "errormsg=M").
func apiErrorOf(err error) (*APIError, bool) {
	if ae, ok := errors.AsType[*APIError](err); ok {
		return ae, true
	}
	if ce, ok := errors.AsType[*util.CommonError](err); ok {
		return &APIError{Code: int(ce.ErrCode), Msg: ce.ErrMsg}, true
	}
	s := err.Error()
	i := strings.LastIndex(s, "errcode=")
	if i < 0 {
		return nil, false
	}
	rest := s[i+len("errcode="):]
	num, rest, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, false
	}
	code, perr := strconv.Atoi(strings.TrimSpace(num))
	if perr != nil {
		return nil, false
	}
	rest = strings.TrimSpace(rest)
	for _, p := range []string{"errmsg=", "errormsg="} {
		if m, ok := strings.CutPrefix(rest, p); ok {
			return &APIError{Code: code, Msg: m}, true
		}
	}
	return nil, false
}

// transportError is a failure to get a usable answer: network error,
// timeout, HTTP status other than 200, or a body that is not what WeChat
// sends. Its text is scrubbed of access tokens, secrets and codes (the
// library puts them in URLs and in its error texts).
type transportError struct {
	op    op
	msg   string
	cause error // scrubbed; nil when the cause could not be kept safely
}

func newTransportError(o op, err error) *transportError {
	te := &transportError{op: o}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		safe := &url.Error{Op: ue.Op, URL: actualURL(scrub(ue.URL)), Err: ue.Err}
		te.msg, te.cause = safe.Error(), safe
		return te
	}
	te.msg = actualURL(scrub(err.Error()))
	if errors.Is(err, context.DeadlineExceeded) {
		te.cause = context.DeadlineExceeded
	} else if errors.Is(err, context.Canceled) {
		te.cause = context.Canceled
	}
	return te
}

func (e *transportError) Error() string { return "wechat " + string(e.op) + ": " + e.msg }

func (e *transportError) Unwrap() error { return e.cause }

// actualURL rewrites the library's hard-coded host in s to the installed
// API base, so error texts name the host that was really called.
func actualURL(s string) string {
	if base := APIBase(); base != "" && base != DefaultAPIBase {
		return strings.ReplaceAll(s, DefaultAPIBase, base)
	}
	return s
}

// scrub replaces the values of sensitive query parameters in s (a URL or
// an error text containing one).
func scrub(s string) string {
	for _, key := range []string{"access_token=", "secret=", "js_code=", "code=", "signature="} {
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, key)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			i += len(key)
			b.WriteString(rest[:i])
			// Only query parameters: the key follows '?' or '&'.
			if j := i - len(key); j > 0 && (rest[j-1] == '?' || rest[j-1] == '&') {
				end := strings.IndexAny(rest[i:], "&# \t\n\"',")
				if end < 0 {
					end = len(rest) - i
				}
				b.WriteString("REDACTED")
				i += end
			}
			rest = rest[i:]
		}
		s = b.String()
	}
	return s
}
