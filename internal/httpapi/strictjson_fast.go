package httpapi

import (
	"bytes"
	"unicode/utf8"
)

// maxFastKeys bounds the keys distinctKeys compares (pairwise).
const maxFastKeys = 24

// distinctKeys reports, in one pass over the bytes, that body is valid
// UTF-8 and that no object key occurs twice anywhere in it (ASCII keys
// without escapes, compared case-folded as encoding/json matches fields):
// then no object repeats a key and checkJSONText's walk has nothing to
// find. Anything else — a key repeated in different objects, a key with an
// escape or beyond ASCII, many keys — answers false and the walk decides.
func distinctKeys(body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	var store [maxFastKeys][]byte
	keys := store[:0]
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		start, plain := i+1, true
		j := start
		for ; j < len(body) && body[j] != '"'; j++ {
			switch c := body[j]; {
			case c == '\\':
				plain = false
				j++
			case c >= utf8.RuneSelf:
				plain = false
			}
		}
		if j >= len(body) {
			return true // unterminated: a syntax error the decoder reports
		}
		str := body[start:j]
		i = j
		k := j + 1
		for k < len(body) && (body[k] == ' ' || body[k] == '\t' || body[k] == '\n' || body[k] == '\r') {
			k++
		}
		if k >= len(body) || body[k] != ':' {
			continue // a value
		}
		if !plain || len(keys) == maxFastKeys {
			return false
		}
		for _, seen := range keys {
			if bytes.EqualFold(seen, str) {
				return false
			}
		}
		keys = append(keys, str)
	}
	return true
}
