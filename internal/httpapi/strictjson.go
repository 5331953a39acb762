package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonFrame is an object or array being walked by checkJSONText.
type jsonFrame struct {
	object    bool
	keys      map[string]bool // keys seen (case-folded, as encoding/json matches fields)
	key       string          // the current member's key
	expectKey bool
	index     int // the current element of an array
}

// checkJSONText refuses what encoding/json lets through silently: a key
// repeated in one object (it keeps the last one, so a request could carry
// two different answers) and text that is not valid UTF-8 (it stores
// U+FFFD instead). The error's details name the field ("sessions[1].title").
// Syntax errors are left to the decoder.
func checkJSONText(body []byte) error {
	if distinctKeys(body) {
		return nil // nothing to find: skip the walk (most bodies)
	}
	return walkJSONText(body)
}

// walkJSONText is checkJSONText's walk over every token.
func walkJSONText(body []byte) error {
	bad := invalidUTF8At(body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*jsonFrame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && !f.expectKey:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return b.String()
	}
	// valueDone moves the enclosing container past a finished value.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return nil // the end, or a syntax error the decoder reports
		}
		utf8Here := bad >= 0 && int64(bad) < dec.InputOffset()
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &jsonFrame{object: d == '{', keys: map[string]bool{}, expectKey: d == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			top := stack[n-1]
			key, _ := tok.(string)
			top.key, top.expectKey = key, false
			if utf8Here {
				return errInvalidUTF8.With("field", path())
			}
			folded := strings.ToLower(key)
			if top.keys[folded] {
				return errDuplicateKey.With("field", path())
			}
			top.keys[folded] = true
			continue
		}
		if utf8Here {
			return errInvalidUTF8.With("field", path())
		}
		valueDone()
	}
}

// invalidUTF8At is the offset of the first byte of body that is not valid
// UTF-8, or -1.
func invalidUTF8At(body []byte) int {
	if utf8.Valid(body) {
		return -1
	}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}
