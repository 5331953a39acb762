package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The fast path agrees with the library on every token it accepts, and
// leaves to the library everything it does not know to be valid.
func TestFastVerifyAgreesWithTheLibrary(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	now := time.Now()
	s := &Service{cfg: Config{JWTSecret: secret, AccessTTL: time.Hour}, now: func() time.Time { return now }}
	good, err := s.sign(42, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	other := &Service{cfg: Config{JWTSecret: []byte(strings.Repeat("o", 32)), AccessTTL: time.Hour}}
	foreign, _ := other.sign(43, 3, now)
	expired, _ := s.sign(42, 3, now.Add(-2*time.Hour))
	withNbf, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "sub": "42", "exp": now.Add(time.Hour).Unix(), "nbf": now.Add(time.Minute).Unix()}).SignedString(secret)
	otherIssuer, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "x", "sub": "42", "exp": now.Add(time.Hour).Unix()}).SignedString(secret)
	hs384, _ := jwt.NewWithClaims(jwt.SigningMethodHS384, jwt.MapClaims{"iss": issuer, "sub": "42", "exp": now.Add(time.Hour).Unix()}).SignedString(secret)
	parts := strings.Split(good, ".")
	cases := []struct {
		name  string
		token string
		fast  bool
	}{
		{"ours", good, true},
		{"another secret", foreign, false},
		{"expired", expired, false},
		{"a not-before claim", withNbf, false},
		{"another issuer", otherIssuer, false},
		{"HS384", hs384, false},
		{"signature of another payload", parts[0] + "." + strings.Split(foreign, ".")[1] + "." + parts[2], false},
		{"signature cut", parts[0] + "." + parts[1] + "." + parts[2][:10], false},
		{"four segments", good + ".x", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		got, ok := fastVerify(c.token, secret, now)
		if ok != c.fast {
			t.Errorf("%s: fast path said %v", c.name, ok)
			continue
		}
		lib, err := s.parse(c.token)
		if ok && (err != nil || lib != got) {
			t.Errorf("%s: fast %+v, library %+v %v", c.name, got, lib, err)
		}
		if !ok && c.name != "a not-before claim" && err == nil {
			t.Errorf("%s: the library accepts what the fast path refused", c.name)
		}
	}
}
