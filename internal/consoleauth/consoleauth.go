// Package consoleauth logs staff into the desk console: a QR code the
// console shows is scanned and confirmed in the mini-program, and the
// browser then holds a session (an HttpOnly cookie, a CSRF token for every
// change, an idle timeout and an absolute lifetime). A session ends at once
// on logout and when the user's roles change.
package consoleauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Cookie names.
const (
	SessionCookie = "gj_console"
	// QRCookie binds the browser that asked for a login code to it: only
	// that browser collects the session once the code is confirmed.
	QRCookie = "gj_console_qr"
	// CSRFHeader carries the session's CSRF token on every change.
	CSRFHeader = "X-CSRF-Token"
)

// Errors the console answers with.
var (
	ErrUnauthenticated = errs.Unauthorized("UNAUTHENTICATED", "请先登录")
	ErrExpired         = errs.Unauthorized("SESSION_EXPIRED", "登录已过期，请重新扫码登录")
	ErrRevoked         = errs.Unauthorized("SESSION_REVOKED", "您的权限已变更，请重新登录")
	ErrCSRF            = errs.Forbidden("CSRF_TOKEN_INVALID", "页面已过期，请刷新后重试")
	ErrForbidden       = errs.Forbidden("CONSOLE_FORBIDDEN", "您没有工作台权限，请联系管理员开通")
	ErrQRNotFound      = errs.NotFound("QR_NOT_FOUND", "二维码无效，请在电脑上刷新二维码")
	ErrQRExpired       = errs.Conflict("QR_EXPIRED", "二维码已过期，请在电脑上刷新二维码")
	ErrQRUsed          = errs.Conflict("QR_ALREADY_USED", "二维码已被使用，请在电脑上刷新二维码")
)

// Config holds the session rules.
type Config struct {
	IdleTimeout time.Duration // 0: 30 min
	MaxLifetime time.Duration // 0: 12 h
	QRTTL       time.Duration // 0: 2 min
	LoginPage   string        // the mini-program page the code opens ("" = pages/console-login)
}

// Session is one browser's login.
type Session struct {
	UserID      int64
	CSRF        string
	Fingerprint string // the user's roles when the session opened
	CreatedAt   time.Time
	LastSeen    time.Time
	IP          string
}

// IdleExpiresAt and ExpiresAt are the two ends of a session.
func (s Session) idleEnd(c Config) time.Time { return s.LastSeen.Add(c.IdleTimeout) }
func (s Session) absEnd(c Config) time.Time  { return s.CreatedAt.Add(c.MaxLifetime) }

// QR states.
const (
	QRWaiting   = "waiting"
	QRScanned   = "scanned"
	QRConfirmed = "confirmed"
	QRRefused   = "refused"
	QRExpired   = "expired"
)

// QR is a login code waiting for a phone.
type QR struct {
	Ticket    string
	Binder    string // hash of the browser's binding secret
	Status    string
	UserID    int64 // who scanned (and confirmed)
	Nickname  string
	IP        string
	Browser   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store keeps sessions and codes where every process sees them (Redis).
// Keys are hashes of the secrets the browser holds.
type Store interface {
	SaveSession(ctx context.Context, key string, s Session, ttl time.Duration) error
	Session(ctx context.Context, key string) (Session, bool, error)
	DeleteSession(ctx context.Context, key string) error
	SaveQR(ctx context.Context, q QR, ttl time.Duration) error
	// UpdateQR changes the code atomically (fn sees the current value).
	UpdateQR(ctx context.Context, ticket string, fn func(q *QR) error) (QR, error)
	QR(ctx context.Context, ticket string) (QR, bool, error)
	// TakeQR deletes the code and reports whether this call deleted it.
	TakeQR(ctx context.Context, ticket string) (bool, error)
}

// People loads a user with roles.
type People interface {
	Me(ctx context.Context, id int64) (resident.User, error)
}

// Coder makes mini-program codes (wxacode.getUnlimited).
type Coder interface {
	WXACodeUnlimit(ctx context.Context, scene, page string) ([]byte, error)
}

// Service runs console logins and sessions.
type Service struct {
	cfg    Config
	store  Store
	people People
	coder  Coder
	now    func() time.Time
}

// NewService builds the service; now may be nil.
func NewService(cfg Config, store Store, people People, coder Coder, now func() time.Time) *Service {
	defaults.Fill(&cfg, Config{
		IdleTimeout: 30 * time.Minute, MaxLifetime: 12 * time.Hour, QRTTL: 2 * time.Minute, LoginPage: "pages/console-login/index",
	})
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, store: store, people: people, coder: coder, now: now}
}

// Config returns the rules in force.
func (s *Service) Config() Config { return s.cfg }

// CanUseConsole reports whether u may hold a console session: staff,
// admins and co-building unit contacts.
func CanUseConsole(u resident.User) bool {
	return u.HasRole(resident.RoleStaff) || u.HasRole(resident.RoleAdmin) || u.HasRole(resident.RoleUnitContact)
}

// Fingerprint names u's roles; a session whose user's fingerprint changed
// is revoked.
func Fingerprint(u resident.User) string {
	parts := make([]string, 0, len(u.Roles))
	for _, r := range u.Roles {
		parts = append(parts, fmt.Sprintf("%+v", r))
	}
	sort.Strings(parts)
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(h[:8])
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash is the store key of a secret the browser holds.
func hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Opened is a new session: the cookie value (secret) and the session.
type Opened struct {
	Token   string
	Session Session
	User    resident.User
}

// Open starts a session for u (who must be allowed into the console).
func (s *Service) Open(ctx context.Context, u resident.User, ip string) (Opened, error) {
	if !CanUseConsole(u) {
		return Opened{}, ErrForbidden
	}
	now := s.now().UTC()
	sess := Session{UserID: u.ID, CSRF: random(24), Fingerprint: Fingerprint(u), CreatedAt: now, LastSeen: now, IP: ip}
	tok := random(32)
	if err := s.store.SaveSession(ctx, hash(tok), sess, s.ttl(sess)); err != nil {
		return Opened{}, err
	}
	return Opened{Token: tok, Session: sess, User: u}, nil
}

// grace keeps an ended session's record a while so its browser is told
// SESSION_EXPIRED rather than UNAUTHENTICATED.
const grace = 10 * time.Minute

func (s *Service) ttl(sess Session) time.Duration {
	end := sess.idleEnd(s.cfg)
	if a := sess.absEnd(s.cfg); a.Before(end) {
		end = a
	}
	return end.Sub(s.now()) + grace
}

// Ends returns when the session ends if idle, and at the latest.
func (s *Service) Ends(sess Session) (idle, abs time.Time) {
	return sess.idleEnd(s.cfg), sess.absEnd(s.cfg)
}

// Authenticate checks the cookie value token: a live session of a user who
// still holds the roles it was opened with and may still use the console.
// Every call renews the idle timeout.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, resident.User, error) {
	if token == "" {
		return Session{}, resident.User{}, ErrUnauthenticated
	}
	key := hash(token)
	sess, ok, err := s.store.Session(ctx, key)
	if err != nil {
		return Session{}, resident.User{}, err
	}
	if !ok {
		return Session{}, resident.User{}, ErrUnauthenticated
	}
	now := s.now()
	if !now.Before(sess.idleEnd(s.cfg)) || !now.Before(sess.absEnd(s.cfg)) {
		_ = s.store.DeleteSession(ctx, key)
		return Session{}, resident.User{}, ErrExpired
	}
	u, err := s.people.Me(ctx, sess.UserID)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			_ = s.store.DeleteSession(ctx, key)
			return Session{}, resident.User{}, ErrRevoked
		}
		return Session{}, resident.User{}, err
	}
	if Fingerprint(u) != sess.Fingerprint || !CanUseConsole(u) {
		if err := s.store.DeleteSession(ctx, key); err != nil {
			return Session{}, resident.User{}, err
		}
		return Session{}, resident.User{}, ErrRevoked
	}
	// Renew at most a few times per idle period (one write, not one per request).
	if now.Sub(sess.LastSeen) >= s.cfg.IdleTimeout/30 {
		sess.LastSeen = now.UTC()
		if err := s.store.SaveSession(ctx, key, sess, s.ttl(sess)); err != nil {
			return Session{}, resident.User{}, err
		}
	}
	return sess, u, nil
}

// CheckCSRF compares the token a change carries with the session's.
func CheckCSRF(sess Session, presented string) error {
	if presented == "" || subtle.ConstantTimeCompare([]byte(presented), []byte(sess.CSRF)) != 1 {
		return ErrCSRF
	}
	return nil
}

// Close ends the session of the cookie value token (logout).
func (s *Service) Close(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, hash(token))
}
