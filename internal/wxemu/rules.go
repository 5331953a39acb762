package wxemu

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Subscribe-message value rules, after WeChat's "订阅消息参数值内容限制说明".
// A data key is a type prefix followed by digits ("thing1", "time12");
// lengths count characters, not bytes.
//
//	thing            ≤ 20 characters of any kind
//	short_thing      ≤ 5 characters of any kind
//	number           ≤ 32 digits, optionally with a decimal point
//	letter           ≤ 32 ASCII letters
//	symbol           ≤ 5 symbols
//	character_string ≤ 32 ASCII digits, letters or symbols
//	time             a 24-hour time, optionally after a date ("15:01",
//	                 "2019年10月1日 15:01"); a range joined by "~"
//	date             a date, optionally followed by a time ("2019年10月1日",
//	                 "2019-10-01 15:01"); a range joined by "~"
//	amount           an optional currency symbol, ≤ 10 digits, optional
//	                 decimals, optional trailing "元"
//	phone_number     ≤ 17 digits and symbols
//	car_number       ≤ 8 characters: letters and digits, the first and the
//	                 last may be Chinese
//	name             ≤ 10 characters if any is Chinese, else ≤ 20 letters
//	                 or symbols
//	phrase           ≤ 5 Chinese characters
//
// checkField returns "" if value is acceptable for key, else why not.
func checkField(key, value string) string {
	kind, ok := fieldKind(key)
	if !ok {
		return "has an unknown key type"
	}
	if strings.TrimSpace(value) == "" {
		return "is empty"
	}
	n := utf8.RuneCountInString(value)
	limit := func(max int) string {
		if n > max {
			return fmt.Sprintf("exceeds the limit of %d characters", max)
		}
		return ""
	}
	switch kind {
	case "thing":
		return limit(20)
	case "short_thing":
		return limit(5)
	case "number":
		if !isDecimal(value) {
			return "must be a number"
		}
		return limit(32)
	case "letter":
		if !all(value, isASCIILetter) {
			return "must be letters"
		}
		return limit(32)
	case "symbol":
		if !all(value, isSymbol) {
			return "must be symbols"
		}
		return limit(5)
	case "character_string":
		if !all(value, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsPrint(r) && r != ' ' }) {
			return "must be digits, letters or symbols"
		}
		return limit(32)
	case "time":
		if !isRange(value, true) {
			return "is not a valid time"
		}
	case "date":
		if !isRange(value, false) {
			return "is not a valid date"
		}
	case "amount":
		if !isAmount(value) {
			return "is not a valid amount"
		}
	case "phone_number":
		if !all(value, func(r rune) bool { return r >= '0' && r <= '9' || isSymbol(r) }) {
			return "must be digits and symbols"
		}
		return limit(17)
	case "car_number":
		runes := []rune(value)
		for i, r := range runes {
			edge := i == 0 || i == len(runes)-1
			if !(isASCIILetter(r) || r >= '0' && r <= '9' || edge && unicode.Is(unicode.Han, r)) {
				return "is not a valid car number"
			}
		}
		return limit(8)
	case "name":
		if strings.ContainsFunc(value, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return limit(10)
		}
		if !all(value, func(r rune) bool { return isASCIILetter(r) || isSymbol(r) || r == ' ' }) {
			return "must be Chinese characters or letters"
		}
		return limit(20)
	case "phrase":
		if !all(value, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return "must be Chinese characters"
		}
		return limit(5)
	}
	return ""
}

// fieldKind splits "character_string12" into "character_string".
func fieldKind(key string) (string, bool) {
	kind := strings.TrimRight(key, "0123456789")
	if kind == key || kind == "" {
		return "", false
	}
	switch kind {
	case "thing", "short_thing", "number", "letter", "symbol", "character_string", "time", "date",
		"amount", "phone_number", "car_number", "name", "phrase":
		return kind, true
	}
	return "", false
}

func all(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

// isDecimal reports whether s is digits with at most one inner '.'.
func isDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return isDigits(whole) && (!dot || isDigits(frac))
}

// isAmount reports whether s is like "¥12.50", "100元" or "12.5".
func isAmount(s string) bool {
	if r, size := utf8.DecodeRuneInString(s); strings.ContainsRune("¥￥$€£", r) {
		s = s[size:]
	}
	s = strings.TrimSuffix(s, "元")
	whole, _, _ := strings.Cut(s, ".")
	return isDecimal(s) && len(whole) <= 10
}

// Layouts accepted for the date and the time part of time/date values.
// Single-letter month/day/hour fields accept one or two digits.
func dateLayouts() []string {
	return []string{"2006年1月2日", "2006-1-2", "2006/1/2", "2006.1.2", "1月2日"}
}

func timeLayouts() []string { return []string{"15:04", "15:04:05"} }

// isRange reports whether s is one point, or two joined by "~". needTime
// selects the time rule (a time part is required) over the date rule (a
// date part is required). The second point of a range may be a bare time.
func isRange(s string, needTime bool) bool {
	from, to, isRange := strings.Cut(s, "~")
	if !isPoint(strings.TrimSpace(from), needTime, !needTime) {
		return false
	}
	return !isRange || isPoint(strings.TrimSpace(to), needTime, false)
}

// isPoint reports whether s is "<date>", "<time>" or "<date> <time>",
// requiring the parts asked for.
func isPoint(s string, needTime, needDate bool) bool {
	datePart, timePart, both := strings.Cut(s, " ")
	if !both {
		if parses(s, timeLayouts()) {
			return !needDate
		}
		return parses(s, dateLayouts()) && !needTime
	}
	return parses(datePart, dateLayouts()) && parses(strings.TrimSpace(timePart), timeLayouts())
}

func parses(s string, layouts []string) bool {
	for _, l := range layouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}
