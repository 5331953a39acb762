// Package auth logs residents in with WeChat and issues the tokens that
// identify them: short-lived signed access tokens and rotating refresh tokens
// stored hashed, where reuse of a rotated token revokes the whole login.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// Session is what WeChat's code2session returns.
type Session struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// WeChat is the part of the WeChat client that login needs.
type WeChat interface {
	Code2Session(ctx context.Context, code string) (Session, error)
}

// RefreshToken is a stored refresh token (only its hash is kept).
type RefreshToken struct {
	Hash      string
	UserID    int64
	FamilyID  string // one login; all rotations share it
	ExpiresAt time.Time
}

// ErrRefreshReused is returned by RotateRefresh when the presented token was
// already rotated (the store has revoked the family); the user id is
// returned with it.
var ErrRefreshReused = errors.New("auth: refresh token reused")

// Store is what auth needs from persistence.
type Store interface {
	// LoginUser creates or updates the user with that openid, storing the
	// sealed session key, and returns it.
	LoginUser(ctx context.Context, openID, unionID, sealedSessionKey string) (resident.User, error)
	SaveRefresh(ctx context.Context, t RefreshToken) error
	// RotateRefresh atomically replaces the token with hash old by next.
	// Unknown or expired → NotFound; already rotated → ErrRefreshReused
	// (after revoking every token of the family); revoked family → NotFound.
	RotateRefresh(ctx context.Context, old string, next RefreshToken, now time.Time) (userID int64, err error)
	// RevokeRefresh revokes the user's login family (every login of the
	// user when family is empty), as a reused token revokes its family;
	// another user's family is left alone.
	RevokeRefresh(ctx context.Context, userID int64, family string, now time.Time) error
	// RefreshFamilyOwner returns the user of a login family (0: none).
	RefreshFamilyOwner(ctx context.Context, family string) (int64, error)
	UserByID(ctx context.Context, id int64) (resident.User, error)
}

// Versions keeps each user's token version where every server process sees
// it (Redis). Access tokens carry the version they were signed under;
// raising it revokes every access token of the user at once.
//
// Version is asked on every authenticated request and must answer from
// memory (an implementation trusts what it read for at most the
// revocation delay, which is how long a revocation takes to reach every
// process); Current reads the version as it is now, to sign new tokens
// under; Bump raises it.
type Versions interface {
	Version(ctx context.Context, userID int64) (int64, error)
	Current(ctx context.Context, userID int64) (int64, error)
	Bump(ctx context.Context, userID int64) (int64, error)
}

// RateLimiter counts attempts in a window; Allow reports whether one more is allowed.
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
}

// Config holds token settings.
type Config struct {
	JWTSecret []byte
	// OldJWTSecrets still verify access tokens (never sign) while a rotated
	// secret's tokens expire.
	OldJWTSecrets    [][]byte
	AccessTTL        time.Duration
	RefreshTTL       time.Duration
	PerUserPerMinute int
	// LoginTimeout bounds a login's exchange with WeChat (0: 3 s).
	LoginTimeout time.Duration
	// After BreakerFailures WeChat outages in a row (0: 3) logins are
	// refused at once for BreakerCooldown (0: 10 s), then one goes through
	// as a probe.
	BreakerFailures int
	BreakerCooldown time.Duration
}

// Service logs people in.
type Service struct {
	cfg      Config
	wechat   WeChat
	store    Store
	box      *pii.Box
	limit    RateLimiter
	now      func() time.Time
	gate     *breaker
	versions Versions // nil: tokens are never revoked before they expire
	verified verifiedTokens
	macs     sync.Pool // *macState keyed with cfg.JWTSecret (fastVerify)
}

// RevokeWith makes access tokens revocable through v (call it while
// wiring, before the service is used).
func (s *Service) RevokeWith(v Versions) { s.versions = v }

// NewService builds the service; now may be nil.
func NewService(cfg Config, wc WeChat, store Store, box *pii.Box, limit RateLimiter, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.LoginTimeout <= 0 {
		cfg.LoginTimeout = defaultLoginTimeout
	}
	return &Service{cfg: cfg, wechat: wc, store: store, box: box, limit: limit, now: now,
		gate: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, now)}
}

// code2Session asks WeChat within the login budget, unless the breaker is
// open.
func (s *Service) code2Session(ctx context.Context, code string) (Session, error) {
	ok, probe := s.gate.allow()
	if !ok {
		return Session{}, errLoginBreakerOpen
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.LoginTimeout)
	defer cancel()
	sess, err := s.wechat.Code2Session(cctx, code)
	if ctx.Err() != nil {
		// The resident hung up: that says nothing about WeChat.
		s.gate.abandon(probe)
	} else {
		s.gate.done(probe, err != nil && errs.KindOf(err) == errs.KindUnavailable)
	}
	return sess, err
}

// Tokens is the answer to a login or a refresh.
type Tokens struct {
	Token        string
	RefreshToken string
	ExpiresIn    int // seconds
	User         resident.User
}

// Login exchanges a wx.login code for tokens. Nothing is written when WeChat refuses.
func (s *Service) Login(ctx context.Context, code string) (Tokens, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 128 {
		// What WeChat would answer (40029, 41008): 401 INVALID_CODE.
		return Tokens{}, errs.Unauthorized("INVALID_CODE", "登录凭证无效，请重新打开小程序")
	}
	sess, err := s.code2Session(ctx, code)
	if err != nil {
		return Tokens{}, err
	}
	if sess.OpenID == "" {
		return Tokens{}, errs.Unavailable(errors.New("code2session: empty openid"), "微信登录服务暂时不可用，请稍后再试")
	}
	if s.limit != nil && s.cfg.PerUserPerMinute > 0 {
		ok, err := s.limit.Allow(ctx, "login:user:"+sess.OpenID, s.cfg.PerUserPerMinute, time.Minute)
		if err != nil {
			return Tokens{}, err
		}
		if !ok {
			return Tokens{}, errs.New(errs.KindRateLimited, "RATE_LIMITED", "登录太频繁，请一分钟后再试").RetryIn(time.Minute)
		}
	}
	sealed, err := s.box.Seal(sess.SessionKey)
	if err != nil {
		return Tokens{}, errs.Internal(err)
	}
	u, err := s.store.LoginUser(ctx, sess.OpenID, sess.UnionID, sealed)
	if err != nil {
		return Tokens{}, err
	}
	family, err := randomToken(16)
	if err != nil {
		return Tokens{}, errs.Internal(err)
	}
	now := s.now()
	access, err := s.signCurrent(ctx, u.ID, now)
	if err != nil {
		return Tokens{}, err
	}
	raw, err := randomToken(32)
	if err != nil {
		return Tokens{}, errs.Internal(err)
	}
	rt := RefreshToken{Hash: HashRefresh(raw), UserID: u.ID, FamilyID: family, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	if err := s.store.SaveRefresh(ctx, rt); err != nil {
		return Tokens{}, err
	}
	return Tokens{Token: access, RefreshToken: family + "." + raw, ExpiresIn: int(s.cfg.AccessTTL.Seconds()), User: u}, nil
}

var errBadRefresh = errs.Unauthorized("INVALID_REFRESH_TOKEN", "登录已失效，请重新登录")

// Refresh rotates a refresh token. A token already rotated revokes its login.
func (s *Service) Refresh(ctx context.Context, presented string) (Tokens, error) {
	family, raw, ok := strings.Cut(strings.TrimSpace(presented), ".")
	if !ok || family == "" || raw == "" || len(presented) > 200 {
		return Tokens{}, errBadRefresh
	}
	now := s.now()
	newRaw, err := randomToken(32)
	if err != nil {
		return Tokens{}, errs.Internal(err)
	}
	next := RefreshToken{Hash: HashRefresh(newRaw), FamilyID: family, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	uid, err := s.store.RotateRefresh(ctx, HashRefresh(raw), next, now)
	switch {
	case errors.Is(err, ErrRefreshReused):
		// Somebody holds a copy of this login: its access tokens die too.
		if uid != 0 {
			if rerr := s.Revoke(ctx, uid); rerr != nil {
				return Tokens{}, rerr
			}
		}
		return Tokens{}, errs.Unauthorized("REFRESH_TOKEN_REUSED", "登录凭证已被使用过，为保护账号安全已退出登录，请重新登录")
	case errs.KindOf(err) == errs.KindNotFound:
		return Tokens{}, errBadRefresh
	case err != nil:
		return Tokens{}, err
	}
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return Tokens{}, err
	}
	tok, err := s.signCurrent(ctx, uid, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Token: tok, RefreshToken: family + "." + newRaw, ExpiresIn: int(s.cfg.AccessTTL.Seconds()), User: u}, nil
}

// Logout ends a login of the user. With the login's refresh token (any
// token of its family, rotated or not) only that login's refresh tokens
// are revoked; without one (or with one that is malformed or not the
// user's own) every login of the user is. A revoked login answers refresh
// as a login revoked after reuse does (INVALID_REFRESH_TOKEN). Access
// tokens carry only the user's token version, so the user's access
// tokens are all retired (TOKEN_REVOKED) through Revoke: the user's other
// logins keep their refresh tokens and go on after one refresh. Logging
// out twice is not an error.
//
// retire is false when the caller's access token is already revoked
// (a second logout, or a login ended elsewhere): the user's access tokens
// are then not retired again.
func (s *Service) Logout(ctx context.Context, userID int64, refreshToken string, retire bool) error {
	family := ""
	if f, raw, ok := strings.Cut(strings.TrimSpace(refreshToken), "."); ok && f != "" && raw != "" && len(refreshToken) <= 200 {
		family = f
	}
	now := s.now()
	if family != "" {
		owner, err := s.store.RefreshFamilyOwner(ctx, family)
		if err != nil {
			return err
		}
		if owner != userID {
			family = "" // not a login of the caller's: end all of the caller's own
		}
	}
	if err := s.store.RevokeRefresh(ctx, userID, family, now); err != nil {
		return err
	}
	if !retire {
		return nil
	}
	return s.Revoke(ctx, userID)
}

// HashRefresh hashes a raw refresh token for storage.
func HashRefresh(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

const issuer = "gongjian"

// claims are an access token's: the user, and the token version it was
// signed under.
type claims struct {
	jwt.RegisteredClaims
	Ver int64 `json:"ver,omitempty"`
}

// signCurrent signs an access token under the user's current version.
func (s *Service) signCurrent(ctx context.Context, userID int64, now time.Time) (string, error) {
	var ver int64
	if s.versions != nil {
		v, err := s.versions.Current(ctx, userID)
		if err != nil {
			return "", err
		}
		ver = v
	}
	tok, err := s.sign(userID, ver, now)
	if err != nil {
		return "", errs.Internal(err)
	}
	return tok, nil
}

func (s *Service) sign(userID, ver int64, now time.Time) (string, error) {
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.FormatInt(userID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)),
	}, Ver: ver}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.JWTSecret)
}

// Revoke ends every access token of the user on every process within
// VersionCacheTTL (their refresh tokens still work: the next refresh
// signs under the new version). Staff whose role is revoked and logins
// whose refresh token was reused are revoked this way.
func (s *Service) Revoke(ctx context.Context, userID int64) error {
	if s.versions == nil {
		return nil
	}
	_, err := s.versions.Bump(ctx, userID)
	return err
}

var errRevoked = errs.Unauthorized("TOKEN_REVOKED", "登录已失效，请重新登录")

// Verify checks an access token, signed with the current secret or an
// older one and not revoked, and returns the user id in it. A token seen
// before is not parsed again (verifiedTokens); the version is asked of
// Versions, which answers from memory.
func (s *Service) Verify(ctx context.Context, token string) (int64, error) {
	uid, revoked, err := s.Identify(ctx, token)
	if err != nil {
		return 0, err
	}
	if revoked {
		return 0, errRevoked
	}
	return uid, nil
}

// Identify is Verify that also names the user of a token revoked since it
// was signed (revoked is then true), for logout: logging out with a
// revoked token is not an error.
func (s *Service) Identify(ctx context.Context, token string) (userID int64, revoked bool, err error) {
	now := s.now()
	t, ok := s.verified.get(token, now)
	if !ok {
		if t, ok = fastVerify(token, s.cfg.JWTSecret, &s.macs, now); !ok {
			if t, err = s.parse(token); err != nil {
				return 0, false, err
			}
		}
		s.verified.put(token, t)
	}
	if s.versions == nil {
		return t.userID, false, nil
	}
	cur, err := s.versions.Version(ctx, t.userID)
	if err != nil {
		return 0, false, err
	}
	return t.userID, t.ver < cur, nil
}

// parse verifies a token's signature, issuer and expiry.
func (s *Service) parse(token string) (verifiedToken, error) {
	parse := func(secret []byte) (*jwt.Token, error) {
		return jwt.ParseWithClaims(token, &claims{}, func(t *jwt.Token) (any, error) {
			return secret, nil
		}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(issuer), jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	}
	parsed, err := parse(s.cfg.JWTSecret)
	for i := 0; err != nil && errors.Is(err, jwt.ErrTokenSignatureInvalid) && i < len(s.cfg.OldJWTSecrets); i++ {
		parsed, err = parse(s.cfg.OldJWTSecrets[i])
	}
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return verifiedToken{}, errs.Unauthorized("TOKEN_EXPIRED", "登录已过期，请重新登录")
		}
		return verifiedToken{}, errs.Unauthorized("INVALID_TOKEN", "登录凭证无效，请重新登录")
	}
	c := parsed.Claims.(*claims)
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 || c.ExpiresAt == nil {
		return verifiedToken{}, errs.Unauthorized("INVALID_TOKEN", "登录凭证无效，请重新登录")
	}
	return verifiedToken{userID: id, ver: c.Ver, expires: c.ExpiresAt.Time}, nil
}
