package checkin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Self check-in codes. A volunteer scans one and sends it with the phone's
// location. Two kinds, both short enough to be a mini-program code's scene
// (at most 32 characters of WeChat's scene alphabet):
//
//	r.<session>.<step>.<mac>   rotating code of a session, shown on a staff
//	                           phone; step = Unix time / 30 s; accepted in
//	                           its own step and the next one (30–60 s).
//	p.<activity>.<mac>         printed poster of an activity; accepted while
//	                           one of the caller's sessions of that activity
//	                           is open for check-in. The location check is
//	                           what keeps a photo of it from working at home.
//
// Ids and steps are base36; mac is the first 12 bytes (16 base64url
// characters) of HMAC-SHA256 under a key derived from the ticket key.
const (
	// CodeStep is how often the rotating code changes.
	CodeStep = 30 * time.Second
	macLen   = 12
)

// Code kinds.
const (
	CodeRotating = "r"
	CodePoster   = "p"
)

// Code is a decoded self check-in code.
type Code struct {
	Kind string // CodeRotating or CodePoster
	// ID is the session (rotating) or activity (poster).
	ID   int64
	Step int64 // rotating only
}

// ErrBadCode is returned for a code that is malformed or not ours.
var ErrBadCode = errors.New("checkin: bad code")

func (k *Keys) mac(parts ...string) string {
	m := hmac.New(sha256.New, k.codeKey)
	m.Write([]byte(strings.Join(parts, ".")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macLen])
}

// StepAt returns the rotating-code step of t.
func StepAt(t time.Time) int64 { return t.Unix() / int64(CodeStep/time.Second) }

// StepStart returns when step begins.
func StepStart(step int64) time.Time {
	return time.Unix(step*int64(CodeStep/time.Second), 0).UTC()
}

// RotatingCode returns the code of session for the step containing t.
func (k *Keys) RotatingCode(sessionID int64, t time.Time) string {
	id, step := strconv.FormatInt(sessionID, 36), strconv.FormatInt(StepAt(t), 36)
	return CodeRotating + "." + id + "." + step + "." + k.mac(CodeRotating, id, step)
}

// PosterCode returns the printed poster's code of an activity.
func (k *Keys) PosterCode(activityID int64) string {
	id := strconv.FormatInt(activityID, 36)
	return CodePoster + "." + id + "." + k.mac(CodePoster, id)
}

// ParseCode checks a code's MAC and decodes it. It accepts the bare code or
// what scanning a mini-program code yields (a path or query with scene=).
func (k *Keys) ParseCode(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "scene="); i >= 0 {
		v := s[i+len("scene="):]
		if j := strings.IndexByte(v, '&'); j >= 0 {
			v = v[:j]
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		s = v
	}
	if len(s) > 64 {
		return Code{}, ErrBadCode
	}
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 4 && parts[0] == CodeRotating:
		id, err1 := strconv.ParseInt(parts[1], 36, 64)
		step, err2 := strconv.ParseInt(parts[2], 36, 64)
		if err1 != nil || err2 != nil || id <= 0 || step <= 0 {
			return Code{}, ErrBadCode
		}
		if !hmac.Equal([]byte(parts[3]), []byte(k.mac(CodeRotating, parts[1], parts[2]))) {
			return Code{}, ErrBadCode
		}
		return Code{Kind: CodeRotating, ID: id, Step: step}, nil
	case len(parts) == 3 && parts[0] == CodePoster:
		id, err := strconv.ParseInt(parts[1], 36, 64)
		if err != nil || id <= 0 {
			return Code{}, ErrBadCode
		}
		if !hmac.Equal([]byte(parts[2]), []byte(k.mac(CodePoster, parts[1]))) {
			return Code{}, ErrBadCode
		}
		return Code{Kind: CodePoster, ID: id}, nil
	}
	return Code{}, ErrBadCode
}

// Fresh reports whether a rotating code of step is accepted at now: in its
// own step or the one after.
func Fresh(step int64, now time.Time) bool {
	cur := StepAt(now)
	return step == cur || step == cur-1
}
