package checkin

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func newKeys(t testing.TB) *Keys {
	t.Helper()
	seed := make([]byte, 32)
	rand.Read(seed)
	k, err := NewKeys(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTicketRoundTripAndSize(t *testing.T) {
	k := newKeys(t)
	from := time.Date(2025, 11, 28, 15, 30, 0, 0, time.UTC)
	cases := []Ticket{
		{RegistrationID: 1, SessionID: 1, ValidFrom: from, ValidUntil: from.Add(3 * time.Hour)},
		{RegistrationID: 123456789, SessionID: 987654, ValidFrom: from, ValidUntil: from.Add(90 * time.Minute)},
		{RegistrationID: 42, SessionID: 0, ValidFrom: from, ValidUntil: from},
	}
	for _, tk := range cases {
		s := k.Issue(tk)
		if len(s) > 110 {
			t.Errorf("ticket %d chars, want ≤ 110 for a small QR code: %s", len(s), s)
		}
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("ticket is not base64url without padding: %s", s)
		}
		got, err := k.Verify(s)
		if err != nil {
			t.Fatalf("verify %+v: %v", tk, err)
		}
		if got != Normalize(tk) {
			t.Errorf("round trip: got %+v want %+v", got, Normalize(tk))
		}
		if s2 := k.Issue(tk); s2 != s {
			t.Errorf("issuing the same ticket twice gave different strings")
		}
		if _, err := VerifyWith(k.PublicKey(), s); err != nil {
			t.Errorf("verify with the public key alone: %v", err)
		}
	}
}

func TestForgedTicketsAreRefused(t *testing.T) {
	k, other := newKeys(t), newKeys(t)
	from := time.Now().UTC()
	good := Ticket{RegistrationID: 77, SessionID: 5, ValidFrom: from, ValidUntil: from.Add(time.Hour)}
	s := k.Issue(good)
	raw, _ := base64.RawURLEncoding.DecodeString(s)

	flip := func(i int) string {
		b := append([]byte{}, raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	// Changing the registration id but keeping the signature.
	swapped := k.Issue(Ticket{RegistrationID: 78, SessionID: 5, ValidFrom: from, ValidUntil: from.Add(time.Hour)})
	rawSwapped, _ := base64.RawURLEncoding.DecodeString(swapped)
	frankenstein := base64.RawURLEncoding.EncodeToString(append(append([]byte{}, rawSwapped[:len(rawSwapped)-64]...), raw[len(raw)-64:]...))

	bad := map[string]string{
		"empty":             "",
		"garbage":           "hello",
		"other key":         other.Issue(good),
		"payload bit flip":  flip(2),
		"signature flip":    flip(len(raw) - 1),
		"version":           flip(0),
		"truncated":         s[:len(s)-4],
		"extended":          s + "AAAA",
		"padded base64":     s + "==",
		"std alphabet":      strings.NewReplacer("-", "+", "_", "/").Replace(s) + "+",
		"signature swapped": frankenstein,
		"too long":          strings.Repeat("A", 400),
	}
	for name, x := range bad {
		if _, err := k.Verify(x); err != ErrBadTicket {
			t.Errorf("%s: want ErrBadTicket, got %v", name, err)
		}
	}
}

func TestRotatingAndPosterCodes(t *testing.T) {
	k, other := newKeys(t), newKeys(t)
	now := time.Date(2025, 6, 1, 9, 0, 10, 0, time.UTC)
	code := k.RotatingCode(4242, now)
	c, err := k.ParseCode(code)
	if err != nil || c.Kind != CodeRotating || c.ID != 4242 || c.Step != StepAt(now) {
		t.Fatalf("parse %q: %+v %v", code, c, err)
	}
	// Accepted in its step and the next; refused before and after.
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {19 * time.Second, true}, {20 * time.Second, true}, {49 * time.Second, true}, {50 * time.Second, false}, {-11 * time.Second, false}, {10 * time.Minute, false}} {
		if got := Fresh(c.Step, now.Add(tc.at)); got != tc.want {
			t.Errorf("code of %v checked at +%v: fresh=%v want %v", now, tc.at, got, tc.want)
		}
	}
	if k.RotatingCode(4242, now.Add(CodeStep)) == code {
		t.Error("the code did not change after a step")
	}
	poster := k.PosterCode(9876543)
	if len(poster) > 32 {
		t.Errorf("poster scene %q longer than 32", poster)
	}
	for _, r := range poster {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$&'()*+,/:;=?@-._~", r)
		if !ok {
			t.Errorf("poster scene %q has %q, not in WeChat's scene alphabet", poster, r)
		}
	}
	p, err := k.ParseCode("pages/checkin/index?scene=" + strings.ReplaceAll(poster, ".", "%2E"))
	if err != nil || p.Kind != CodePoster || p.ID != 9876543 {
		t.Fatalf("poster via scene=: %+v %v", p, err)
	}
	for _, bad := range []string{"", "r.1.2", other.RotatingCode(4242, now), other.PosterCode(9876543),
		strings.Replace(code, "r.", "p.", 1), flipChar(code, len(code)-1), "r.3a.zz." + code[len(code)-16:]} {
		if _, err := k.ParseCode(bad); err != ErrBadCode {
			t.Errorf("%q: want ErrBadCode, got %v", bad, err)
		}
	}
}

func TestDistance(t *testing.T) {
	// Tian'anmen to the Forbidden City's north gate: about 1.6 km.
	d := DistanceMeters(39.9087, 116.3975, 39.9230, 116.3972)
	if d < 1500 || d > 1700 {
		t.Fatalf("distance %v m", d)
	}
	if d := DistanceMeters(31.2304, 121.4737, 31.2304, 121.4737); d != 0 {
		t.Fatalf("same point: %v", d)
	}
	// 0.004° of latitude is about 445 m.
	if d := DistanceMeters(31.2304, 121.4737, 31.2344, 121.4737); d < 430 || d > 460 {
		t.Fatalf("445 m expected: %v", d)
	}
}

func BenchmarkTicketVerify(b *testing.B) {
	k := newKeys(b)
	from := time.Now()
	s := k.Issue(Ticket{RegistrationID: 123456, SessionID: 789, ValidFrom: from, ValidUntil: from.Add(2 * time.Hour)})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := k.Verify(s); err != nil {
			b.Fatal(err)
		}
	}
}

// flipChar replaces s[i] with another character of the base64url alphabet.
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
