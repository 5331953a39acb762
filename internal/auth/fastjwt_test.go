package auth

import (
	"bytes"
	"encoding/json"
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
		got, ok := fastVerify(c.token, secret, &s.macs, now)
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

// decodeClaims is the decoder's reading of a payload, as fastVerify falls
// back to it.
func decodeClaims(raw []byte) (fastClaims, bool) {
	var c fastClaims
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || dec.More() {
		return fastClaims{}, false
	}
	return c, true
}

// Whatever scanClaims reads, the JSON decoder reads the same way; what it
// does not know it leaves to the decoder.
func TestScanClaimsAgreesWithTheDecoder(t *testing.T) {
	cases := []struct {
		payload string
		scanned bool
	}{
		{`{"iss":"gongjian","sub":"42","exp":1700003600,"iat":1700000000,"ver":3}`, true},
		{`{"iss":"gongjian","sub":"42","exp":1700003600,"iat":1700000000}`, true},
		{`{"ver":0,"exp":1,"sub":"7","iss":"x"}`, true},
		{`{}`, false},
		{`{"iss":""}`, true},
		{`{"exp":0}`, true},
		{`{"exp":999999999999999999}`, true},
		{`{"exp":9999999999999999999}`, false},
		{`{"exp":01}`, false},
		{`{"exp":-1}`, false},
		{`{"exp":1.5}`, false},
		{`{"exp":1e9}`, false},
		{`{"exp":"1"}`, false},
		{`{"exp":null}`, false},
		{`{"sub":42}`, false},
		{`{"iss":"gong\u006aian"}`, false},
		{`{"iss":"gong\"jian"}`, false},
		{`{"iss":"工建"}`, false},
		{`{"ISS":"gongjian"}`, false},
		{`{"iss":"a","iss":"b"}`, false},
		{`{"nbf":1}`, false},
		{`{"aud":"x"}`, false},
		{`{ "iss":"gongjian"}`, false},
		{`{"iss":"gongjian",}`, false},
		{`{"iss":"gongjian"}}`, false},
		{`{"iss":"gongjian"}x`, false},
		{`{"iss":"gongjian"`, false},
		{`{"iss":"gongjian","sub"}`, false},
		{`{"iss":"gongjian","sub":}`, false},
		{`{"iss":"gongjian" ,"sub":"1"}`, false},
		{`{"iss:"x"}`, false},
		{`{"exp":1}{"exp":2}`, false},
		{`[]`, false},
		{``, false},
		{`{`, false},
	}
	for _, c := range cases {
		got, ok := scanClaims([]byte(c.payload))
		if ok != c.scanned {
			t.Errorf("%s: scanned %v, want %v", c.payload, ok, c.scanned)
		}
		if !ok {
			continue
		}
		want, dok := decodeClaims([]byte(c.payload))
		if !dok || got != want {
			t.Errorf("%s: scanned %+v, decoder %+v (ok %v)", c.payload, got, want, dok)
		}
	}
}

func FuzzScanClaims(f *testing.F) {
	for _, s := range []string{`{"iss":"gongjian","sub":"42","exp":1700003600,"iat":1700000000,"ver":3}`, `{"exp":01}`, `{"iss":"a\"b"}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := scanClaims(b)
		if !ok {
			return
		}
		if want, dok := decodeClaims(b); !dok || got != want {
			t.Fatalf("%q: scanned %+v, decoder %+v (ok %v)", b, got, want, dok)
		}
	})
}
