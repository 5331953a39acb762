package pii

import (
	"errors"
	"testing"
	"time"

	"gongjian/internal/cst"
)

// FuzzValidateIDNumber: never panics and refuses only with its four refusals; whatever it accepts is 18 characters
// with a valid check character, and its birth date is the one encoded.
func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "110105202611250016", "", "x", "11010519491231002x", "000000000000000000", "99999999999999999X", "1101051949123100２X"} {
		f.Add(s)
	}
	// 01:00 in China: the UTC date is still the day before.
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, cst.Zone)
	f.Fuzz(func(t *testing.T, id string) {
		birth, err := ValidateIDNumber(id, now)
		if err != nil {
			// Only the refusals callers turn into 400 INVALID_ID_NUMBER.
			if !errors.Is(err, ErrIDLength) && !errors.Is(err, ErrIDChars) && !errors.Is(err, ErrIDBirth) && !errors.Is(err, ErrIDCheckDigit) {
				t.Fatalf("refusal of %q: %v", id, err)
			}
			return
		}
		n := NormalizeIDNumber(id)
		if len(n) != 18 || IDCheckChar(n[:17]) != n[17] {
			t.Fatalf("accepted %q", id)
		}
		if birth.Format("20060102") != n[6:14] || birth.After(ChinaToday(now)) {
			t.Fatalf("birth %v for %q", birth, id)
		}
		if m := MaskIDNumber(n); len(m) != 18 || m[3:14] != "***********" {
			t.Fatalf("mask %q", m)
		}
	})
}
