package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testSecret is a 32-byte JWT secret of the character c.
func testSecret(c string) []byte { return []byte(strings.Repeat(c, 32)) }

// signer is a service that signs and verifies hour-long access tokens with
// secret, at the time now tells.
func signer(secret []byte, now func() time.Time) *Service {
	return &Service{cfg: Config{JWTSecret: secret, AccessTTL: time.Hour}, now: now}
}

// The fast path agrees with the library on every token it accepts, and
// leaves to the library everything it does not know to be valid.
func TestFastVerifyAgreesWithTheLibrary(t *testing.T) {
	secret := testSecret("s")
	now := time.Now()
	s := signer(secret, func() time.Time { return now })
	good, err := s.sign(42, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	other := signer(testSecret("o"), nil)
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
