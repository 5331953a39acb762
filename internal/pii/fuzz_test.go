package pii

import (
	"testing"
	"time"
)

// FuzzValidateIDNumber: never panics; whatever it accepts is 18 characters
// with a valid check character, and its birth date is the one encoded.
func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "", "x", "11010519491231002x", "000000000000000000", "99999999999999999X", "1101051949123100２X"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id string) {
		birth, err := ValidateIDNumber(id, now)
		if err != nil {
			return
		}
		n := NormalizeIDNumber(id)
		if len(n) != 18 || IDCheckChar(n[:17]) != n[17] {
			t.Fatalf("accepted %q", id)
		}
		if birth.Format("20060102") != n[6:14] || birth.After(now) {
			t.Fatalf("birth %v for %q", birth, id)
		}
		if m := MaskIDNumber(n); len(m) != 18 || m[3:14] != "***********" {
			t.Fatalf("mask %q", m)
		}
	})
}
