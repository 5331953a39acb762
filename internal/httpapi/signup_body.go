package httpapi

import (
	"strings"
	"unicode/utf8"
)

// signUpBody is the body of POST /registrations.
type signUpBody struct {
	SessionID int64             `json:"session_id"`
	Attendees []attendeeReq     `json:"attendees"`
	Answers   map[string]string `json:"answers"`
	// AcceptNoCancel: the resident saw CANCEL_DEADLINE_CONFIRM and confirmed.
	AcceptNoCancel bool `json:"accept_no_cancel"`
}

// parseSignUp reads the body every mini-program sends when a resident
// signs up, without reflection: it is the hottest body of the service
// (every resident of a popular release sends it at once, on a fresh
// connection whose goroutine stack the general decoder's depth had to
// grow). It accepts only the plain shape: one object with the four known
// keys (exact spelling), each at most once; integers without sign,
// fraction, exponent or leading zero; true or false; strings without
// escapes, in valid UTF-8; answers with distinct keys (case-folded, as
// checkJSONText compares them). Anything else — null, escapes, another
// spelling, a syntax error — is false, with *req unchanged, and the body
// goes to the general decoder, which gives the exact answer or refusal.
// What it accepts, the general decoder reads the same way
// (TestParseSignUpAgreesWithTheDecoder).
func parseSignUp(b []byte, req *signUpBody) bool {
	p := bodyScanner{b: b}
	var out signUpBody
	if !p.object(func(key string) bool {
		switch key {
		case "session_id":
			var ok bool
			out.SessionID, ok = p.natural()
			return ok
		case "attendees":
			return p.attendees(&out.Attendees)
		case "answers":
			return p.answers(&out.Answers)
		case "accept_no_cancel":
			var ok bool
			out.AcceptNoCancel, ok = p.boolean()
			return ok
		}
		return false
	}) {
		return false
	}
	p.space()
	if p.i != len(p.b) {
		return false
	}
	*req = out
	return true
}

// bodyScanner walks a JSON text for parseSignUp.
type bodyScanner struct {
	b []byte
	i int
}

func (p *bodyScanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// take skips white space and then c, reporting whether c was there.
func (p *bodyScanner) take(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads an object whose members' values member reads. A key twice
// is refused; member refuses any key but the exact known ones, so another
// spelling of a known key is refused too.
func (p *bodyScanner) object(member func(key string) bool) bool {
	if !p.take('{') {
		return false
	}
	if p.take('}') {
		return true
	}
	var seen [4]string // the known keys are few; answers check their own
	n := 0
	for {
		key, ok := p.str()
		if !ok || !p.take(':') {
			return false
		}
		for _, k := range seen[:n] {
			if k == key {
				return false
			}
		}
		if n < len(seen) {
			seen[n] = key
			n++
		}
		if !member(key) {
			return false
		}
		if p.take('}') {
			return true
		}
		if !p.take(',') {
			return false
		}
	}
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (p *bodyScanner) str() (string, bool) {
	if !p.take('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// natural reads a non-negative integer of at most 18 digits (no overflow of
// int64), without a leading zero, fraction or exponent.
func (p *bodyScanner) natural() (int64, bool) {
	p.space()
	start := p.i
	var v int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		v = v*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 || n > 18 || (n > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	return v, true
}

// boolean reads true or false.
func (p *bodyScanner) boolean() (bool, bool) {
	p.space()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

// attendees reads [{"self": true} | {"dependent_id": 12}, …].
func (p *bodyScanner) attendees(out *[]attendeeReq) bool {
	if !p.take('[') {
		return false
	}
	list := make([]attendeeReq, 0, 1)
	if !p.take(']') {
		for {
			var at attendeeReq
			if !p.object(func(key string) bool {
				var ok bool
				switch key {
				case "self":
					at.Self, ok = p.boolean()
				case "dependent_id":
					at.DependentID, ok = p.natural()
				}
				return ok
			}) {
				return false
			}
			list = append(list, at)
			if p.take(']') {
				break
			}
			if !p.take(',') {
				return false
			}
		}
	}
	*out = list
	return true
}

// answers reads {"question": "answer", …}.
func (p *bodyScanner) answers(out *map[string]string) bool {
	if !p.take('{') {
		return false
	}
	m := map[string]string{}
	var folded map[string]bool // made when a key is not plain lower case
	if !p.take('}') {
		for {
			key, ok := p.str()
			if !ok || !p.take(':') {
				return false
			}
			val, ok := p.str()
			if !ok {
				return false
			}
			if _, dup := m[key]; dup {
				return false
			}
			if f := strings.ToLower(key); f != key || folded != nil {
				if folded == nil {
					folded = make(map[string]bool, len(m)+1)
					for k := range m {
						folded[strings.ToLower(k)] = true
					}
				}
				if folded[f] {
					return false
				}
				folded[f] = true
			}
			m[key] = val
			if p.take('}') {
				break
			}
			if !p.take(',') {
				return false
			}
		}
	}
	*out = m
	return true
}
