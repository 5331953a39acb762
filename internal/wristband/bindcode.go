package wristband

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Binding a wristband needs a secret only its holder has, besides its IMEI
// (batches are sequential: an IMEI can be guessed). Two secrets are accepted:
//
//   - the vendor's activation code (激活码), printed in the box, imported with
//     the device (column activation_code / 激活码); for devices residents
//     receive straight from the vendor;
//   - a one-time bind code (绑定码) staff issue when they hand a wristband
//     over at the service centre (POST /admin/wristbands/{id}/bind-code):
//     8 digits, valid for wristband.bind_code_ttl (72 h), used up by the
//     binding it allows, replaced when issued again.
//
// Only hashes are stored. An unknown IMEI and a wrong code get the very same
// answer, and every attempt counts against the account and the device.

// BindSecret is what the store keeps of a device's bind secrets.
type BindSecret struct {
	ActivationHash string // "" = none imported
	CodeHash       string // the staff-issued code; "" = none
	CodeExpiresAt  time.Time
	CodeUsed       bool
}

// AttemptLimiter counts attempts per key in a window (Redis, across processes).
type AttemptLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
}

// Bind attempts allowed (by default) per account and per device in
// BindAttemptWindow.
const (
	BindAttempts      = 5
	BindAttemptWindow = 15 * time.Minute
	// DefaultBindCodeTTL is how long a staff-issued bind code is valid.
	DefaultBindCodeTTL = 72 * time.Hour
)

var (
	// ErrBindCode is the one answer for an unknown IMEI and a wrong code.
	ErrBindCode = errs.Unprocessable("BIND_CODE_INVALID",
		"手环号或绑定码不正确，请核对手环包装盒上的激活码，或社区工作人员交给您的绑定码")
	errBindCodeRequired = errs.Invalid("BIND_CODE_REQUIRED", "请填写手环包装盒上的激活码，或社区工作人员交给您的绑定码")
	errBindTooMany      = errs.New(errs.KindRateLimited, "RATE_LIMITED", "绑定尝试次数太多，请15分钟后再试").RetryIn(15 * time.Minute)
	errBadActivation    = errs.Invalid("INVALID_ACTIVATION_CODE", "激活码应为4到32位字母或数字")
)

// LimitBindAttempts makes the service count bind attempts (call it while
// wiring; without it attempts are not limited).
func (s *Service) LimitBindAttempts(l AttemptLimiter) { s.attempts = l }

// validActivation reports whether a normalized activation code is 4–32 letters or digits.
func validActivation(code string) bool {
	if len(code) < 4 || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// CodeHash is the stored hash of a device's bind secret (activation code or
// staff-issued code), salted with its IMEI.
func CodeHash(imei, code string) string {
	h := sha256.Sum256([]byte("gongjian/wristband/bind|" + imei + "|" + normalizeCode(code)))
	return hex.EncodeToString(h[:])
}

// matches reports, in constant time, whether code opens the secret at now.
func (b BindSecret) matches(hash string, now time.Time) (activation, issued bool) {
	if b.ActivationHash != "" && subtle.ConstantTimeCompare([]byte(b.ActivationHash), []byte(hash)) == 1 {
		activation = true
	}
	if b.CodeHash != "" && subtle.ConstantTimeCompare([]byte(b.CodeHash), []byte(hash)) == 1 && !b.CodeUsed && now.Before(b.CodeExpiresAt) {
		issued = true
	}
	return activation, issued
}

// countAttempt counts a resident's bind attempt for the account and the
// IMEI (whether registered or not), refusing it beyond the limit.
func (s *Service) countAttempt(ctx context.Context, userID int64, imei string) error {
	if s.attempts == nil {
		return nil
	}
	for _, key := range []string{"wristband-bind:u" + strconv.FormatInt(userID, 10), "wristband-bind:imei:" + imei} {
		ok, err := s.attempts.Allow(ctx, key, s.cfg.BindAttempts, BindAttemptWindow)
		if err != nil {
			return err
		}
		if !ok {
			return errBindTooMany.With("retry_after_seconds", int(BindAttemptWindow.Seconds()))
		}
	}
	return nil
}

// IssuedCode is a one-time bind code for a device.
type IssuedCode struct {
	DeviceID  int64
	Code      string
	ExpiresAt time.Time
}

// IssueBindCode gives staff a one-time code to hand over with an unbound
// device; it replaces any earlier one.
func (s *Service) IssueBindCode(ctx context.Context, u resident.User, deviceID int64) (IssuedCode, error) {
	dev, err := s.staffDevice(ctx, u, deviceID)
	if err != nil {
		return IssuedCode{}, err
	}
	deviceID = dev.ID // the device may have been named by its IMEI
	if b, err := s.store.ActiveBinding(ctx, deviceID); err == nil {
		// Staff of another community learn nothing of the wearer.
		if !u.IsStaffOf(b.CommunityID) {
			return IssuedCode{}, ErrNotFound
		}
		return IssuedCode{}, ErrDeviceBound
	} else if errs.KindOf(err) != errs.KindNotFound {
		return IssuedCode{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return IssuedCode{}, errs.Internal(err)
	}
	code := fmt.Sprintf("%08d", n.Int64())
	exp := s.now().UTC().Add(s.cfg.BindCodeTTL).Truncate(time.Second)
	if err := s.store.SaveBindCode(ctx, deviceID, CodeHash(dev.IMEI, code), exp, u.ID); err != nil {
		return IssuedCode{}, err
	}
	return IssuedCode{DeviceID: deviceID, Code: code, ExpiresAt: exp}, nil
}
