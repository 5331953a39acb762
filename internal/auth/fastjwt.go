package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ourHeader is the first segment of every access token this service signs
// (golang-jwt's encoding of {"alg":"HS256","typ":"JWT"}).
var ourHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// fastClaims are exactly the claims sign writes; a token with any other
// claim takes the library's path.
type fastClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp"`
	Ver int64  `json:"ver"`
}

// macState is an HMAC-SHA256 keyed with the service's secret, with the
// scratch space one check needs. A Service keeps them in a pool: keying an
// HMAC (hashing both padded keys) costs as much as the token's own MAC.
type macState struct {
	mac hash.Hash
	buf []byte // the signed part of the token, then its signature
	raw []byte // the payload, decoded
	sum [sha256.Size]byte
}

// maxFastToken bounds the tokens fastVerify reads (the scratch it keeps in
// its pool grows to the longest): the ones sign writes are about 200
// bytes; a longer one goes to the library.
const maxFastToken = 1024

// fastVerify checks a token of the one shape this service signs (its own
// header, HS256 under secret, the claims of fastClaims) without the JWT
// library's general machinery: the signature is compared in constant time
// over the header and payload as sent, then the issuer and expiry are
// checked as the library checks them. It says ok only for a valid,
// unexpired token; anything else (another header, an old secret, an
// expired or malformed token) goes to the library, which also gives the
// precise error. macs holds macStates keyed with secret (a zero pool is
// fine).
func fastVerify(token string, secret []byte, macs *sync.Pool, now time.Time) (verifiedToken, bool) {
	h, rest, ok := strings.Cut(token, ".")
	if !ok || h != ourHeader {
		return verifiedToken{}, false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(sig, '.') >= 0 || len(token) > maxFastToken {
		return verifiedToken{}, false
	}
	st, _ := macs.Get().(*macState)
	if st == nil {
		st = &macState{mac: hmac.New(sha256.New, secret)}
	}
	defer macs.Put(st)
	var got [sha256.Size]byte
	st.buf = append(st.buf[:0], sig...)
	if n, err := base64.RawURLEncoding.Decode(got[:], st.buf); err != nil || n != sha256.Size || base64.RawURLEncoding.EncodedLen(n) != len(sig) {
		return verifiedToken{}, false
	}
	signed := len(h) + 1 + len(payload)
	st.buf = append(st.buf[:0], token[:signed]...)
	st.mac.Reset()
	st.mac.Write(st.buf)
	if !hmac.Equal(st.mac.Sum(st.sum[:0]), got[:]) {
		return verifiedToken{}, false
	}
	size := base64.RawURLEncoding.DecodedLen(len(payload))
	st.raw = slices.Grow(st.raw[:0], size)[:size]
	n, err := base64.RawURLEncoding.Decode(st.raw, st.buf[len(h)+1:])
	if err != nil {
		return verifiedToken{}, false
	}
	c, ok := scanClaims(st.raw[:n])
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(st.raw[:n]))
		dec.DisallowUnknownFields()
		if dec.Decode(&c) != nil || dec.More() {
			return verifiedToken{}, false
		}
	}
	exp := time.Unix(c.Exp, 0)
	id, err := strconv.ParseInt(c.Sub, 10, 64)
	if c.Iss != issuer || c.Exp == 0 || !now.Before(exp) || err != nil || id <= 0 {
		return verifiedToken{}, false
	}
	return verifiedToken{userID: id, ver: c.Ver, expires: exp}, true
}

// scanClaims reads the claims as sign writes them, without reflection:
// an object of the keys of fastClaims, each at most once, with plain ASCII
// strings (no escapes) and non-negative integers, and no whitespace. It
// says ok only when it read the whole payload, and then the JSON decoder
// reads it the same way (TestScanClaimsAgreesWithTheDecoder); anything
// else is left to the decoder.
func scanClaims(b []byte) (c fastClaims, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return c, false
	}
	var seen uint8
	for i := 1; ; {
		key, next, ok := plainString(b, i)
		if !ok || next >= len(b) || b[next] != ':' {
			return c, false
		}
		i = next + 1
		var bit uint8
		switch string(key) {
		case "iss":
			bit = 1
			var v []byte
			if v, i, ok = plainString(b, i); ok {
				c.Iss = string(v)
			}
		case "sub":
			bit = 2
			var v []byte
			if v, i, ok = plainString(b, i); ok {
				c.Sub = string(v)
			}
		case "iat":
			bit = 4
			c.Iat, i, ok = plainInt(b, i)
		case "exp":
			bit = 8
			c.Exp, i, ok = plainInt(b, i)
		case "ver":
			bit = 16
			c.Ver, i, ok = plainInt(b, i)
		default:
			return c, false
		}
		if !ok || seen&bit != 0 || i >= len(b) {
			return c, false
		}
		seen |= bit
		switch {
		case b[i] == ',':
			i++
		case i == len(b)-1:
			return c, true
		default:
			return c, false
		}
	}
}

// plainString reads a JSON string of printable ASCII without escapes at
// b[i:] and returns its contents and the index after it.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch ch := b[j]; {
		case ch == '"':
			return b[i+1 : j], j + 1, true
		case ch == '\\' || ch < 0x20 || ch >= 0x7f:
			return nil, i, false
		}
	}
	return nil, i, false
}

// plainInt reads a non-negative JSON integer of at most 18 digits (no
// leading zero, fraction or exponent) at b[i:] and returns it and the index
// after it.
func plainInt(b []byte, i int) (int64, int, bool) {
	j := i
	var v int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-i < 18 {
		v = v*10 + int64(b[j]-'0')
		j++
	}
	if j == i || (b[i] == '0' && j-i > 1) || (j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E' || (b[j] >= '0' && b[j] <= '9'))) {
		return 0, i, false
	}
	return v, j, true
}
