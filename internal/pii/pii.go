// Package pii protects personal data: it encrypts values at rest with
// AES-256-GCM, derives keyed look-up hashes, masks values for display and
// validates Chinese resident ID numbers.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/cst"
)

// Box encrypts and hashes personal data. It seals with its current key and
// opens what any of its keys sealed, so a rotated key (kept as an older
// key) leaves earlier data readable.
//
// Sealed values are "k<id>:" + base64(nonce|ciphertext), where <id> names
// the key (8 hex characters derived from it) and the prefix is the AEAD's
// additional data. Values sealed before key ids existed start with "v1:"
// and are opened by trying each key (GCM authenticates: a wrong key fails).
type Box struct {
	cur     *boxKey
	byID    map[string]*boxKey
	keys    []*boxKey // current first, then older ones in the order given
	hashKey []byte
	hashID  string
}

type boxKey struct {
	id      string
	aead    cipher.AEAD
	hashKey []byte
}

// NewBox builds a Box sealing with key (32 bytes) and also opening what the
// older keys sealed. Look-up hashes are keyed by key (see [Box.UseHashKey]).
func NewBox(key []byte, older ...[]byte) (*Box, error) {
	b := &Box{byID: map[string]*boxKey{}}
	for i, k := range append([][]byte{key}, older...) {
		bk, err := newBoxKey(k)
		if err != nil {
			if i > 0 {
				return nil, fmt.Errorf("pii: older key %d: %w", i, err)
			}
			return nil, err
		}
		if _, dup := b.byID[bk.id]; dup {
			continue
		}
		b.byID[bk.id] = bk
		b.keys = append(b.keys, bk)
	}
	b.cur = b.keys[0]
	b.hashKey, b.hashID = b.cur.hashKey, b.cur.id
	return b, nil
}

func newBoxKey(key []byte) (*boxKey, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("pii: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The hash key and the key id are derived so the encryption key is
	// never used twice and never revealed.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gongjian/pii/hash"))
	id := hmac.New(sha256.New, key)
	id.Write([]byte("gongjian/pii/key-id"))
	return &boxKey{id: hex.EncodeToString(id.Sum(nil)[:4]), aead: aead, hashKey: m.Sum(nil)}, nil
}

// KeyID returns the id of the current (sealing) key.
func (b *Box) KeyID() string { return b.cur.id }

// KeyIDs returns the ids of every key, the current one first.
func (b *Box) KeyIDs() []string {
	out := make([]string, len(b.keys))
	for i, k := range b.keys {
		out[i] = k.id
	}
	return out
}

// HashKeyID returns the id of the key the look-up hashes are derived from.
func (b *Box) HashKeyID() string { return b.hashID }

// UseHashKey keys the look-up hashes by the key with that id. Hashes must
// stay stable across rotations (they are compared with stored ones), so a
// deployment keeps hashing with the key it first hashed with: that key must
// stay among the older keys.
func (b *Box) UseHashKey(id string) error {
	k, ok := b.byID[id]
	if !ok {
		return fmt.Errorf("pii: look-up hashes are keyed by data key %s, which is not configured: keep it in the older keys", id)
	}
	b.hashKey, b.hashID = k.hashKey, k.id
	return nil
}

const legacyVersion = "v1:"

// ErrUnknownKey is returned by Open for a value sealed by a key the Box does not hold.
var ErrUnknownKey = errors.New("pii: sealed with a key that is not configured (add it to the older keys)")

// Seal encrypts plain with the current key; the empty string stays empty.
func (b *Box) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	prefix := "k" + b.cur.id + ":"
	nonce := make([]byte, b.cur.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.cur.aead.Seal(nonce, nonce, []byte(plain), []byte(prefix))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal produced with any of the Box's keys.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	prefix, body, ok := strings.Cut(sealed, ":")
	if !ok {
		return "", errors.New("pii: unknown ciphertext version")
	}
	prefix += ":"
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("pii: decode: %w", err)
	}
	var keys []*boxKey
	switch {
	case prefix == legacyVersion:
		keys = b.keys
	case len(prefix) == 10 && prefix[0] == 'k':
		k, ok := b.byID[prefix[1:9]]
		if !ok {
			return "", ErrUnknownKey
		}
		keys = []*boxKey{k}
	default:
		return "", errors.New("pii: unknown ciphertext version")
	}
	var lastErr error
	for _, k := range keys {
		ns := k.aead.NonceSize()
		if len(raw) < ns {
			return "", errors.New("pii: ciphertext too short")
		}
		plain, err := k.aead.Open(nil, raw[:ns], raw[ns:], []byte(prefix))
		if err == nil {
			return string(plain), nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("pii: open: %w", lastErr)
}

// Current reports whether sealed was sealed with the current key (false for
// values to re-seal after a rotation).
func (b *Box) Current(sealed string) bool {
	return sealed == "" || strings.HasPrefix(sealed, "k"+b.cur.id+":")
}

// Hash returns a keyed hash of v for equality look-ups (hex, 64 chars).
func (b *Box) Hash(v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// MaskPhone shows the first 3 and last 4 digits of a mainland number:
// 138****1234. A shorter number (a foreign phone WeChat gives without its
// country code) shows only its last 4 digits, and one under 8 digits none,
// so that at least half of it is always hidden.
func MaskPhone(p string) string {
	switch {
	case len(p) >= 11:
		return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
	case len(p) >= 8:
		return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
	}
	return strings.Repeat("*", len(p))
}

// MaskIDNumber shows the first 3 and last 4 characters: 110***********123X.
func MaskIDNumber(id string) string {
	if len(id) < 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:3] + strings.Repeat("*", len(id)-7) + id[len(id)-4:]
}

// Unverified marks a nickname shown where a real name is expected, and
// NoName names a resident with neither (resident.NameOf).
const (
	Unverified = "（未实名）"
	NoName     = "未实名居民"
)

// MaskName keeps the first character of a name: 张** / 欧阳** ; the marks
// of a resident without a real name stay as they are: 小*（未实名）.
func MaskName(name string) string {
	// The marks of a resident without a real name are not personal data:
	// they stay readable (resident.NameOf).
	if name == NoName {
		return name
	}
	if nick, ok := strings.CutSuffix(name, Unverified); ok {
		return MaskName(nick) + Unverified
	}
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	if n == 1 {
		return string(r)
	}
	return string(r) + strings.Repeat("*", n-1)
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// ID-number validation failures.
var (
	ErrIDLength     = errors.New("身份证号应为18位")
	ErrIDChars      = errors.New("身份证号只能包含数字，最后一位可以是X")
	ErrIDBirth      = errors.New("身份证号中的出生日期无效")
	ErrIDCheckDigit = errors.New("身份证号校验位不正确，请核对后重新输入")
)

// NormalizeIDNumber upper-cases and trims an ID number.
func NormalizeIDNumber(id string) string {
	return strings.ToUpper(strings.TrimSpace(id))
}

// ValidateIDNumber checks an 18-character resident ID number (GB 11643):
// digits, a real birth date not in the future, and the ISO 7064 MOD 11-2
// check character. It returns the birth date encoded in the number (as a
// calendar date: midnight UTC). "Not in the future" is judged by today's
// date in China, whatever the hour.
func ValidateIDNumber(id string, now time.Time) (time.Time, error) {
	id = NormalizeIDNumber(id)
	if len(id) != 18 {
		return time.Time{}, ErrIDLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return time.Time{}, ErrIDChars
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := id[17]
	if !(last >= '0' && last <= '9') && last != 'X' {
		return time.Time{}, ErrIDChars
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.After(ChinaToday(now)) || birth.Year() < 1890 {
		return time.Time{}, ErrIDBirth
	}
	if idCheckChars[sum%11] != last {
		return time.Time{}, ErrIDCheckDigit
	}
	return birth, nil
}

// ChinaToday is now's date in China as a calendar date (midnight UTC), the
// form birth dates are held in: a birth date after it is in the future.
func ChinaToday(now time.Time) time.Time {
	y, m, d := now.In(cst.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IDCheckChar computes the check character for the first 17 digits (for tests and demo data).
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// MaskIMEI shows the first 4 and last 4 digits of a device IMEI: 8612****1234
// (the form the mini-program shows while binding).
func MaskIMEI(imei string) string {
	if len(imei) < 9 {
		return strings.Repeat("*", len(imei))
	}
	return imei[:4] + "****" + imei[len(imei)-4:]
}
