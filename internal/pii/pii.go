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
)

// Box encrypts and hashes personal data with one 32-byte key.
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewBox builds a Box from a 32-byte key.
func NewBox(key []byte) (*Box, error) {
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
	// The hash key is derived so the encryption key is never used twice.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gongjian/pii/hash"))
	return &Box{aead: aead, hashKey: m.Sum(nil)}, nil
}

const version = "v1:"

// Seal encrypts plain; the empty string stays empty.
func (b *Box) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(version))
	return version + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal produced.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if !strings.HasPrefix(sealed, version) {
		return "", errors.New("pii: unknown ciphertext version")
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[len(version):])
	if err != nil {
		return "", fmt.Errorf("pii: decode: %w", err)
	}
	ns := b.aead.NonceSize()
	if len(raw) < ns {
		return "", errors.New("pii: ciphertext too short")
	}
	plain, err := b.aead.Open(nil, raw[:ns], raw[ns:], []byte(version))
	if err != nil {
		return "", fmt.Errorf("pii: open: %w", err)
	}
	return string(plain), nil
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

// MaskPhone shows the first 3 and last 4 digits: 138****1234.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// MaskIDNumber shows the first 3 and last 4 characters: 110***********123X.
func MaskIDNumber(id string) string {
	if len(id) < 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:3] + strings.Repeat("*", len(id)-7) + id[len(id)-4:]
}

// MaskName keeps the first character of a name: 张** / 欧阳** .
func MaskName(name string) string {
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
// check character. It returns the birth date encoded in the number.
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
	if err != nil || birth.After(now) || birth.Year() < 1890 {
		return time.Time{}, ErrIDBirth
	}
	if idCheckChars[sum%11] != last {
		return time.Time{}, ErrIDCheckDigit
	}
	return birth, nil
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
