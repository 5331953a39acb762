// Package usertext cleans what people type into names, nicknames and
// titles: invisible formatting characters (zero-width spaces and joiners,
// bidirectional marks, embeddings, overrides and isolates, the byte-order
// mark, soft hyphens, …) are removed, so a name cannot hide text, look like
// another one, or reverse what follows it on a staff member's screen.
package usertext

import (
	"strings"
	"unicode"
)

// Invisible reports whether r is a character Clean removes: a format
// character (Unicode category Cf: U+200B–U+200F, U+202A–U+202E,
// U+2060–U+2064, U+2066–U+2069, U+FEFF, U+00AD, …), or a line or paragraph
// separator (U+2028, U+2029), or a control character (category Cc: a
// bell, an escape starting a terminal sequence, delete, the C1 controls)
// other than NUL, tab and the line breaks, which callers refuse.
func Invisible(r rune) bool {
	switch r {
	case 0, '\t', '\n', '\r':
		return false
	case '\u2028', '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r)
}

// Clean removes the invisible characters from s and trims its surrounding
// white space.
func Clean(s string) string {
	if strings.IndexFunc(s, Invisible) >= 0 {
		s = strings.Map(func(r rune) rune {
			if Invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// Code is the code among names (code → Chinese name) that s spells: the
// code itself, or written in words ("elderly care", "Chess-and-card
// room": case, spaces and hyphens aside), one of aliases (spelling →
// code, keyed by the underscored lower-case spelling), or the Chinese name.
// It is "" when s spells none.
func Code(s string, names, aliases map[string]string) string {
	s = strings.TrimSpace(s)
	if names[s] != "" {
		return s
	}
	key := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
	if names[key] != "" {
		return key
	}
	if c := aliases[key]; c != "" {
		return c
	}
	for k, name := range names {
		if name == s {
			return k
		}
	}
	return ""
}
