// Package wechat is Gongjian's only door to the WeChat server API. It wraps
// the miniprogram packages of github.com/silenceper/wechat/v2 (never its
// root package, whose init() rewrites global logrus settings) and adds what
// the library lacks:
//
//   - an access-token cache in our Redis (go-redis v9), shared by every
//     server instance, with the stable-token API so instances do not
//     invalidate each other's tokens;
//   - an HTTP client with a timeout, pointed at a configurable API base
//     (see [Install]: process-wide);
//   - one retry, with the cached token deleted, when WeChat refuses the
//     access token (40001, 42001, 40014);
//   - errors mapped to *errs.Error with messages residents understand,
//     WeChat's errcode kept as a wrapped [*APIError].
//
// The package never logs, and its errors never contain session keys,
// access tokens, secrets, codes or phone numbers.
//
// In tests, point it at the emulator of package internal/wxemu: start one
// emulator per test binary, pass its base URL as Config.APIBase, and give
// every test its own AppID.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"

	"gongjian/internal/errs"
)

// DefaultTimeout bounds one WeChat call when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Config configures a Client.
type Config struct {
	AppID     string
	AppSecret string
	// APIBase is where WeChat calls go; "" means [DefaultAPIBase]. It is
	// process-wide: see [Install].
	APIBase string
	// Timeout bounds each method call, including fetching a token and the
	// retry after a refused token; 0 means [DefaultTimeout].
	Timeout time.Duration
}

// Client calls WeChat for one mini-program. It is safe for concurrent use.
type Client struct {
	appID    string
	timeout  time.Duration
	mp       *miniprogram.MiniProgram
	cache    *redisCache
	tokenKey string // silenceper's cache key of the stable access token
}

// New returns a Client whose access token is cached in rdb under keys
// starting with keyPrefix (e.g. "gongjian:"). Clients of the same AppID
// sharing rdb and keyPrefix share the token. New calls [Install] with
// cfg.APIBase and cfg.Timeout.
func New(cfg Config, rdb redis.UniversalClient, keyPrefix string) (*Client, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("wechat: AppID and AppSecret are required")
	}
	if rdb == nil {
		return nil, errors.New("wechat: a Redis client is required for the access-token cache")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if err := Install(cfg.APIBase, cfg.Timeout); err != nil {
		return nil, err
	}
	c := &redisCache{rdb: rdb, prefix: keyPrefix}
	mp := miniprogram.NewMiniProgram(&config.Config{
		AppID:       cfg.AppID,
		AppSecret:   cfg.AppSecret,
		Cache:       c,
		UseStableAK: true,
	})
	return &Client{
		appID:    cfg.AppID,
		timeout:  cfg.Timeout,
		mp:       mp,
		cache:    c,
		tokenKey: StableTokenCacheKey(cfg.AppID),
	}, nil
}

// StableTokenCacheKey returns the key, before our key prefix, under which
// silenceper/wechat v2.1.10 caches the stable access token of appID:
// fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, appID)
// — note the double underscore. The library does not export it.
func StableTokenCacheKey(appID string) string {
	return fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, appID)
}

// AppID returns the Client's AppID.
func (c *Client) AppID() string { return c.appID }

// InvalidateToken deletes the cached access token, so the next call fetches
// one from WeChat.
func (c *Client) InvalidateToken(ctx context.Context) error {
	return c.cache.DeleteContext(ctx, c.tokenKey)
}

// Session is the result of a login (code2session).
type Session struct {
	OpenID     string
	UnionID    string // empty unless the mini-program is bound to an open-platform account
	SessionKey string // secret: never log it
}

// String hides the session key.
func (s Session) String() string {
	return fmt.Sprintf("{OpenID:%s UnionID:%s SessionKey:REDACTED}", s.OpenID, s.UnionID)
}

// GoString hides the session key.
func (s Session) GoString() string { return "wechat.Session" + s.String() }

// LogValue hides the session key from log/slog.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("openid", s.OpenID), slog.String("unionid", s.UnionID))
}

// Code2Session exchanges a wx.login code for the user's identity.
//
// Errors: INVALID_CODE (KindUnauthorized) for a bad or used code,
// WECHAT_RATE_LIMITED, WECHAT_USER_BLOCKED (KindForbidden),
// WECHAT_UNAVAILABLE.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if code == "" {
		return Session{}, errs.Unauthorized(CodeInvalidCode, msgInvalidCode)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The library puts the code into the URL unescaped.
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, url.QueryEscape(code))
	if err != nil {
		if res.ErrCode != 0 {
			return Session{}, mapAPIError(opCode2Session, &APIError{Code: int(res.ErrCode), Msg: res.ErrMsg})
		}
		return Session{}, classify(opCode2Session, err)
	}
	if res.OpenID == "" || res.SessionKey == "" {
		return Session{}, classify(opCode2Session, errors.New("answer without openid or session_key"))
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's phone number
// without country code (purePhoneNumber) and the country code ("86").
//
// Errors: INVALID_PHONE_CODE (KindInvalid) for a bad or used code,
// WECHAT_RATE_LIMITED, WECHAT_UNAVAILABLE.
func (c *Client) PhoneNumber(ctx context.Context, code string) (phone, countryCode string, err error) {
	if code == "" {
		return "", "", errs.Invalid(CodeInvalidPhoneCode, msgInvalidPhoneCode)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = c.withTokenRetry(ctx, func(ctx context.Context) error {
		res, err := c.mp.GetAuth().GetPhoneNumberContext(ctx, code)
		if err == nil {
			phone, countryCode = res.PhoneInfo.PurePhoneNumber, res.PhoneInfo.CountryCode
		}
		return err
	})
	if err != nil {
		return "", "", classify(opPhoneNumber, err)
	}
	if phone == "" {
		return "", "", classify(opPhoneNumber, errors.New("answer without purePhoneNumber"))
	}
	return phone, countryCode, nil
}

// Message is a subscribe message.
type Message struct {
	ToUser     string            // openid of the receiver
	TemplateID string            // subscribe template id
	Page       string            // optional page opened from the card, e.g. "pages/event/index?id=1"
	Data       map[string]string // field key (e.g. "thing1") to value; cut values to their field limits first
	// MiniprogramState is "developer", "trial" or "formal" (default).
	MiniprogramState string
}

// SendSubscribe sends a subscribe message and returns WeChat's msgid.
//
// Errors wrap an [*APIError] when WeChat answered one; classify them with
// [ErrCode] and [IsTransient]. Codes: WECHAT_SUBSCRIBE_REFUSED (43101),
// WECHAT_INVALID_MESSAGE (47003), WECHAT_INVALID_OPENID (40003),
// WECHAT_INVALID_TEMPLATE (40037), WECHAT_RATE_LIMITED (45009, 45011),
// WECHAT_UNAVAILABLE. After a timeout the message may still have been
// delivered.
func (c *Client) SendSubscribe(ctx context.Context, m Message) (msgID int64, err error) {
	if m.ToUser == "" || m.TemplateID == "" || len(m.Data) == 0 {
		return 0, errs.Invalid(CodeInvalidMessage, msgInvalidMessage)
	}
	msg := &subscribe.Message{
		ToUser:           m.ToUser,
		TemplateID:       m.TemplateID,
		Page:             m.Page,
		Data:             make(map[string]*subscribe.DataItem, len(m.Data)),
		MiniprogramState: m.MiniprogramState,
		Lang:             "zh_CN",
	}
	for k, v := range m.Data {
		msg.Data[k] = &subscribe.DataItem{Value: v}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = c.withTokenRetry(ctx, func(ctx context.Context) error {
		id, err := c.sendSubscribe(ctx, msg)
		msgID = id
		return err
	})
	if err != nil {
		return 0, classify(opSubscribeSend, err)
	}
	return msgID, nil
}

// subscribeSendPath is where silenceper's Subscribe.SendGetMsgID posts
// (the transport installed by [Install] redirects it to the API base).
const subscribeSendPath = DefaultAPIBase + "/cgi-bin/message/subscribe/send"

// sendSubscribe is silenceper's Subscribe.SendGetMsgID with the caller's
// context carried to the HTTP request, which the library's version cannot
// do. A send given up on (its deadline passed while waiting for the access
// token, e.g. behind other calls fetching one while Redis is down) must
// never go out afterwards: the caller records it as failed and retries it,
// so a late send would deliver the message twice.
func (c *Client) sendSubscribe(ctx context.Context, msg *subscribe.Message) (int64, error) {
	token, err := detached(ctx, func() (string, error) { return c.mp.GetContext().GetAccessTokenContext(ctx) })
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	body, err := util.PostJSONContext(ctx, subscribeSendPath+"?access_token="+url.QueryEscape(token), msg)
	if err != nil {
		return 0, err
	}
	var res struct {
		ErrCode int64  `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
		MsgID   int64  `json:"msgid"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return 0, fmt.Errorf("subscribe send: answer is not JSON: %w", err)
	}
	if res.ErrCode != 0 {
		return 0, &APIError{Code: int(res.ErrCode), Msg: res.ErrMsg}
	}
	return res.MsgID, nil
}

// MaxSceneLen is the longest scene getwxacodeunlimit accepts.
const MaxSceneLen = 32

// WXACodeUnlimit returns a JPEG mini-program code that opens page (e.g.
// "pages/event/index"; a leading "/" is removed) with scene, 1 to 32
// characters of digits, letters and !#$&'()*+,/:;=?@-._~ .
//
// Errors: INVALID_SCENE (KindInvalid), WECHAT_INVALID_PAGE (41030,
// unpublished page), WECHAT_RATE_LIMITED, WECHAT_UNAVAILABLE.
func (c *Client) WXACodeUnlimit(ctx context.Context, scene, page string) ([]byte, error) {
	if !validScene(scene) {
		return nil, errs.Invalid(CodeInvalidScene, msgInvalidScene)
	}
	coder := qrcode.QRCoder{Scene: scene, Page: trimSlash(page)}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var img []byte
	err := c.withTokenRetry(ctx, func(ctx context.Context) error {
		// The library has no context variant of this call.
		b, err := detached(ctx, func() ([]byte, error) { return c.mp.GetQRCode().GetWXACodeUnlimit(coder) })
		img = b
		return err
	})
	if err != nil {
		return nil, classify(opWXACodeUnlimit, err)
	}
	return img, nil
}

func trimSlash(page string) string {
	for len(page) > 0 && page[0] == '/' {
		page = page[1:]
	}
	return page
}

// validScene reports whether scene is 1 to 32 characters WeChat accepts.
func validScene(scene string) bool {
	if len(scene) == 0 || len(scene) > MaxSceneLen {
		return false
	}
	for _, r := range scene {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok && !containsRune("!#$&'()*+,/:;=?@-._~", r) {
			return false
		}
	}
	return true
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// TextScene is where checked text appears.
type TextScene uint8

// Text scenes of msg_sec_check.
const (
	SceneProfile   TextScene = 1 // 资料
	SceneComment   TextScene = 2 // 评论
	SceneForum     TextScene = 3 // 论坛
	SceneSocialLog TextScene = 4 // 社交日志
)

// TextCheck is text to check for illegal or harmful content.
type TextCheck struct {
	OpenID  string // the author; must have used the mini-program in the last two hours
	Scene   TextScene
	Content string // at most 2500 characters
	Title   string // optional
}

// Verdict is WeChat's judgement of a text.
type Verdict struct {
	Suggest string // "pass", "review" or "risky"
	Label   int    // 100 normal; e.g. 20001 politics, 20006 crime; see WeChat's docs
	TraceID string
}

// Pass reports whether the text may be published without review.
func (v Verdict) Pass() bool { return v.Suggest == "pass" }

// MsgCheck checks text with msg_sec_check (version 2). Flagged text is not
// an error: read the Verdict.
func (c *Client) MsgCheck(ctx context.Context, in TextCheck) (Verdict, error) {
	if in.OpenID == "" {
		return Verdict{}, errs.Invalid(CodeInvalidOpenID, msgInvalidOpenID)
	}
	if in.Scene == 0 {
		in.Scene = SceneComment
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var v Verdict
	err := c.withTokenRetry(ctx, func(ctx context.Context) error {
		res, err := c.mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: in.OpenID, Scene: security.MsgScene(in.Scene), Content: in.Content, Title: in.Title,
		})
		if err == nil {
			v = Verdict{Suggest: string(res.Result.Suggest), Label: int(res.Result.Label), TraceID: res.TraceID}
		}
		return err
	})
	if err != nil {
		return Verdict{}, classify(opMsgSecCheck, err)
	}
	if v.Suggest == "" {
		return Verdict{}, classify(opMsgSecCheck, errors.New("answer without result.suggest"))
	}
	return v, nil
}

// withTokenRetry runs call; if WeChat refuses the access token, it deletes
// the cached token and runs call once more, which fetches a fresh one.
func (c *Client) withTokenRetry(ctx context.Context, call func(context.Context) error) error {
	err := call(ctx)
	if err == nil {
		return nil
	}
	if ae, ok := apiErrorOf(err); !ok || !tokenInvalid(ae.Code) {
		return err
	}
	// Even if Redis cannot delete it, retrying is harmless: at worst the
	// same token is refused once more.
	_ = c.cache.DeleteContext(ctx, c.tokenKey)
	return call(ctx)
}

// detached runs f, which cannot be cancelled, and returns its result or
// ctx's error, whichever comes first. An abandoned f ends at the latest
// when the HTTP time limit set by [Install] runs out.
func detached[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
