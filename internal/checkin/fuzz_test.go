package checkin

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

var fuzzSeed = bytes.Repeat([]byte{9}, 32)

// fuzzKeys are the keys of fuzzSeed.
func fuzzKeys(f *testing.F) *Keys {
	k, err := NewKeys(fuzzSeed)
	if err != nil {
		f.Fatal(err)
	}
	return k
}

// fuzzParse fuzzes parse from seeds: it must not panic, it refuses with
// refusal (errors.Is) only, and accepted checks what it accepts.
func fuzzParse[T any](f *testing.F, seeds []string, parse func(string) (T, error), refusal error, accepted func(t *testing.T, s string, v T)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parse(s)
		if err != nil {
			if !errors.Is(err, refusal) {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		accepted(t, s, v)
	})
}

// FuzzVerifyTicket: no string makes ticket verification panic; whatever it
// accepts was issued by this key — issuing the decoded ticket gives back
// exactly the same string (so nothing but our own signature gets in, and a
// ticket has one spelling: offline kits revoke tickets by their string);
// a ticket of another key is refused.
func FuzzVerifyTicket(f *testing.F) {
	k := fuzzKeys(f)
	other, _ := NewKeys(bytes.Repeat([]byte{8}, 32))
	from := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	good := k.Issue(Ticket{RegistrationID: 123456, SessionID: 789, ValidFrom: from, ValidUntil: from.Add(3 * time.Hour)})
	seeds := []string{
		good, good[:len(good)-1], good + "A", strings.ToUpper(good), "", "AQ", strings.Repeat("A", 200),
		other.Issue(Ticket{RegistrationID: 1, SessionID: 1, ValidFrom: from, ValidUntil: from}),
		k.Issue(Ticket{RegistrationID: 1 << 61, SessionID: 1 << 61, ValidFrom: time.Unix(1<<39, 0), ValidUntil: time.Unix(1<<39, 0).Add(1 << 20 * time.Minute)}),
		base64.RawURLEncoding.EncodeToString(append([]byte{2, 1, 1, 1, 1}, make([]byte, ed25519.SignatureSize)...)),
		base64.StdEncoding.EncodeToString([]byte(good)),
	}
	fuzzParse(f, seeds, k.Verify, ErrBadTicket, func(t *testing.T, s string, tk Ticket) {
		if again := k.Issue(tk); again != s {
			t.Fatalf("accepted %q, which is not what this key issues for %+v (%q)", s, tk, again)
		}
		if tk.RegistrationID <= 0 || tk.ValidUntil.Before(tk.ValidFrom) {
			t.Fatalf("accepted an impossible ticket %+v", tk)
		}
		if _, err := other.Verify(s); err == nil {
			t.Fatalf("another key verified %q", s)
		}
	})
}

// FuzzParseCode: no scanned text makes self check-in code parsing panic;
// an accepted code is one this key makes (its canonical form rebuilt from
// the decoded id and step carries the same MAC), of a known kind and a
// positive id.
func FuzzParseCode(f *testing.F) {
	k := fuzzKeys(f)
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	rot, poster := k.RotatingCode(42, at), k.PosterCode(7)
	seeds := []string{rot, poster, "pages/checkin/index?scene=" + rot, "scene=" + strings.ReplaceAll(poster, ".", "%2E") + "&x=1",
		" " + rot + " ", "r.0.0.AAAAAAAAAAAAAAAA", "p.-1." + poster[4:], "r...", "p", "scene=", "scene=%zz", strings.Repeat("r.", 40),
		"r.zzzzzzzzzzzzzz.1." + rot[len(rot)-16:], rot[:len(rot)-1] + "A"}
	fuzzParse(f, seeds, k.ParseCode, ErrBadCode, func(t *testing.T, s string, c Code) {
		if c.ID <= 0 {
			t.Fatalf("accepted id %d from %q", c.ID, s)
		}
		var want string
		switch c.Kind {
		case CodeRotating:
			if c.Step <= 0 {
				t.Fatalf("accepted step %d from %q", c.Step, s)
			}
			want = k.RotatingCode(c.ID, StepStart(c.Step))
		case CodePoster:
			want = k.PosterCode(c.ID)
		default:
			t.Fatalf("accepted kind %q from %q", c.Kind, s)
		}
		// The code as scanned (a bare code or a scene= parameter) carries
		// this key's MAC over its own id (and step) spelling.
		bare := strings.TrimSpace(s)
		if i := strings.Index(bare, "scene="); i >= 0 {
			bare = bare[i+len("scene="):]
			if j := strings.IndexByte(bare, '&'); j >= 0 {
				bare = bare[:j]
			}
			if u, err := url.QueryUnescape(bare); err == nil {
				bare = u
			}
		}
		parts := strings.Split(bare, ".")
		if parts[len(parts)-1] != k.mac(parts[:len(parts)-1]...) {
			t.Fatalf("accepted %q without this key's MAC (%+v, canonical %s)", s, c, want)
		}
	})
}
