package checkin

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Ticket is what a registration's QR code carries: which registration, for
// which session, and when it may be scanned.
type Ticket struct {
	RegistrationID int64
	SessionID      int64
	ValidFrom      time.Time // whole seconds
	ValidUntil     time.Time // whole minutes after ValidFrom
}

// The wire format of a ticket (version 1) is base64url (no padding) of
//
//	version        1 byte (= 1)
//	registration   uvarint
//	session        uvarint
//	valid_from     uvarint, Unix seconds
//	valid_minutes  uvarint, minutes from valid_from to valid_until
//	signature      64 bytes, Ed25519 over "gongjian/ticket/v1" + the bytes above
//
// A ticket of realistic ids is about 78 bytes, 104 characters: a QR code of
// version 6 (41×41 modules) at error-correction level M.
const (
	ticketVersion   = 1
	ticketMaxBytes  = 1 + 3*binary.MaxVarintLen64 + 2*binary.MaxVarintLen64 + ed25519.SignatureSize
	ticketSigDomain = "gongjian/ticket/v1"
)

// ErrBadTicket is returned for any ticket that is malformed, of an unknown
// version, or not signed by this server's key.
var ErrBadTicket = errors.New("checkin: bad ticket")

// Keys holds the Ed25519 ticket key and the HMAC key for rotating codes
// derived from it.
type Keys struct {
	priv    ed25519.PrivateKey
	pub     ed25519.PublicKey
	codeKey []byte
}

// NewKeys derives the keys from a 32-byte seed.
func NewKeys(seed []byte) (*Keys, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("checkin: the ticket key must be a 32-byte seed")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("gongjian/rotating-code"))
	return &Keys{priv: priv, pub: priv.Public().(ed25519.PublicKey), codeKey: m.Sum(nil)}, nil
}

// PublicKey returns the public key that verifies tickets (for offline kits).
func (k *Keys) PublicKey() ed25519.PublicKey { return k.pub }

// PublicKeyBase64 is the public key in standard base64.
func (k *Keys) PublicKeyBase64() string { return base64.StdEncoding.EncodeToString(k.pub) }

func ticketPayload(t Ticket) []byte {
	b := make([]byte, 0, ticketMaxBytes)
	b = append(b, ticketVersion)
	b = binary.AppendUvarint(b, uint64(t.RegistrationID))
	b = binary.AppendUvarint(b, uint64(t.SessionID))
	from := t.ValidFrom.Unix()
	b = binary.AppendUvarint(b, uint64(from))
	mins := int64(t.ValidUntil.Sub(time.Unix(from, 0)) / time.Minute)
	if mins < 0 {
		mins = 0
	}
	b = binary.AppendUvarint(b, uint64(mins))
	return b
}

func signedMessage(payload []byte) []byte {
	msg := make([]byte, 0, len(ticketSigDomain)+len(payload))
	msg = append(msg, ticketSigDomain...)
	return append(msg, payload...)
}

// Issue signs t. Ed25519 is deterministic, so the same ticket always gives
// the same string (offline kits list revoked tickets by their string).
func (k *Keys) Issue(t Ticket) string {
	p := ticketPayload(t)
	sig := ed25519.Sign(k.priv, signedMessage(p))
	return base64.RawURLEncoding.EncodeToString(append(p, sig...))
}

// Normalize rounds t's window to what the wire format carries.
func Normalize(t Ticket) Ticket {
	from := time.Unix(t.ValidFrom.Unix(), 0).UTC()
	mins := t.ValidUntil.Sub(from) / time.Minute
	if mins < 0 {
		mins = 0
	}
	t.ValidFrom, t.ValidUntil = from, from.Add(mins*time.Minute)
	return t
}

// Verify checks s's signature and decodes it. Only the signature and the
// format are checked here; status, session and time are the service's job.
func (k *Keys) Verify(s string) (Ticket, error) {
	return VerifyWith(k.pub, s)
}

// VerifyWith verifies a ticket with a public key (what an offline phone does).
func VerifyWith(pub ed25519.PublicKey, s string) (Ticket, error) {
	if len(s) == 0 || len(s) > base64.RawURLEncoding.EncodedLen(ticketMaxBytes) {
		return Ticket{}, ErrBadTicket
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) < 1+4+ed25519.SignatureSize || raw[0] != ticketVersion {
		return Ticket{}, ErrBadTicket
	}
	payload, sig := raw[:len(raw)-ed25519.SignatureSize], raw[len(raw)-ed25519.SignatureSize:]
	if !ed25519.Verify(pub, signedMessage(payload), sig) {
		return Ticket{}, ErrBadTicket
	}
	rest := payload[1:]
	var vals [4]uint64
	for i := range vals {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return Ticket{}, ErrBadTicket
		}
		vals[i], rest = v, rest[n:]
	}
	if len(rest) != 0 || vals[0] == 0 || vals[0] > 1<<62 || vals[1] > 1<<62 || vals[2] > 1<<40 || vals[3] > 1<<30 {
		return Ticket{}, ErrBadTicket
	}
	from := time.Unix(int64(vals[2]), 0).UTC()
	return Ticket{
		RegistrationID: int64(vals[0]),
		SessionID:      int64(vals[1]),
		ValidFrom:      from,
		ValidUntil:     from.Add(time.Duration(vals[3]) * time.Minute),
	}, nil
}
