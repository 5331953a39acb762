package notify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gongjian/internal/resident"
)

// Template is one subscribe-message template.
type Template struct {
	Key string // e.g. RegistrationConfirmed
	// ID is the WeChat template id; empty means the notice is delivered in
	// the in-app message list only.
	ID   string
	Page string // mini-program page the message opens
	// Fields maps logical names ("activity") to WeChat data keys ("thing1");
	// a key's prefix is its field type.
	Fields map[string]string
	// LongTerm marks a long-term subscription: one accept allows every
	// later message.
	LongTerm bool
}

// Templates is the set of templates by key.
type Templates struct {
	byKey map[string]Template
	keys  []string // sorted in the canonical order of TemplateKeys
}

// TemplateKeys lists the keys that can have a WeChat template, in the order
// the mini-program is told to ask for them.
var TemplateKeys = []string{
	RegistrationConfirmed, WaitlistPromoted, ActivityReminder, ActivityChanged,
	CheckinDone, HoursCredited, ClaimReviewed, WristbandAlert,
}

// NewTemplates validates ts and indexes them by key. Every field key must
// be a WeChat data key ("thing1", "time2" …).
func NewTemplates(ts []Template) (*Templates, error) {
	out := &Templates{byKey: map[string]Template{}}
	for _, t := range ts {
		if t.Key == "" {
			return nil, fmt.Errorf("notify: template without key")
		}
		if _, dup := out.byKey[t.Key]; dup {
			return nil, fmt.Errorf("notify: template %s twice", t.Key)
		}
		for name, k := range t.Fields {
			if _, ok := FieldType(k); !ok {
				return nil, fmt.Errorf("notify: template %s field %s: %q is not a WeChat data key", t.Key, name, k)
			}
		}
		out.byKey[t.Key] = t
		out.keys = append(out.keys, t.Key)
	}
	rank := map[string]int{}
	for i, k := range TemplateKeys {
		rank[k] = i + 1
	}
	sort.SliceStable(out.keys, func(i, j int) bool {
		ri, rj := rank[out.keys[i]], rank[out.keys[j]]
		if ri == 0 || rj == 0 {
			return ri != 0 || (rj == 0 && out.keys[i] < out.keys[j])
		}
		return ri < rj
	})
	return out, nil
}

// Get returns the template of key.
func (ts *Templates) Get(key string) (Template, bool) {
	t, ok := ts.byKey[key]
	return t, ok
}

// All returns every template, with a WeChat template id or not, in
// canonical order.
func (ts *Templates) All() []Template {
	out := make([]Template, 0, len(ts.keys))
	for _, k := range ts.keys {
		out = append(out, ts.byKey[k])
	}
	return out
}

// Sendable returns the templates with a WeChat template id, in canonical order.
func (ts *Templates) Sendable() []Template {
	var out []Template
	for _, k := range ts.keys {
		if t := ts.byKey[k]; t.ID != "" {
			out = append(out, t)
		}
	}
	return out
}

// WeChatResults reads a subscription report as wx.requestSubscribeMessage
// answers it too: a key that is no template key but a template's WeChat id
// stands for that template, and WeChat's "errMsg" entry is dropped. Keys
// the report names directly win over ids of the same template.
func (s *Service) WeChatResults(results map[string]string) map[string]string {
	out := make(map[string]string, len(results))
	for k, v := range results {
		if k == "errMsg" {
			continue
		}
		if _, ok := s.templates.Get(k); !ok {
			if key, ok := s.templates.keyOfID(k); ok {
				if _, named := results[key]; !named {
					out[key] = v
				}
				continue
			}
		}
		out[k] = v
	}
	return out
}

// keyOfID returns the key of the template whose WeChat id is id.
func (ts *Templates) keyOfID(id string) (string, bool) {
	if id == "" {
		return "", false
	}
	for _, k := range ts.keys {
		if ts.byKey[k].ID == id {
			return k, true
		}
	}
	return "", false
}

// DataKeys returns the template's WeChat data keys, sorted.
func (t Template) DataKeys() []string {
	out := make([]string, 0, len(t.Fields))
	for _, k := range t.Fields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Data formats the logical values of a notice into the template's WeChat
// data: every field of the template gets a value within WeChat's limits
// for its type (a missing or unusable value gets a neutral placeholder; a
// time field falls back to at). loc is the time zone times are shown in.
func (t Template) Data(values map[string]string, at time.Time, loc *time.Location) map[string]string {
	out := make(map[string]string, len(t.Fields))
	for name, key := range t.Fields {
		kind, _ := FieldType(key)
		v := FormatValue(kind, values[name], loc)
		if v == "" {
			v = FormatValue(kind, namedPlaceholders[name], loc)
		}
		if v == "" {
			v = placeholder(kind, at, loc)
		}
		out[key] = v
	}
	return out
}

// FieldType returns the type of a WeChat data key: "thing" for "thing12".
func FieldType(key string) (string, bool) {
	kind := strings.TrimRight(key, "0123456789")
	if kind == key || kind == "" {
		return "", false
	}
	if _, ok := limits[kind]; !ok {
		return "", false
	}
	return kind, true
}

// limits are WeChat's maximum lengths in characters by field type (0: the
// format limits the length).
var limits = map[string]int{
	"thing": 20, "short_thing": 5, "number": 32, "letter": 32, "symbol": 5, "character_string": 32,
	"time": 0, "date": 0, "amount": 0, "phone_number": 17, "car_number": 8, "name": 10, "phrase": 5,
}

// Limit returns the maximum length in characters of a field type (0 when
// the format bounds it).
func Limit(kind string) int { return limits[kind] }

// FormatValue formats v for a field of type kind, cutting it to WeChat's
// limit. It returns "" when nothing usable is left.
func FormatValue(kind, v string, loc *time.Location) string {
	v = cleanText(v)
	if v == "" {
		return ""
	}
	switch kind {
	case "thing", "short_thing":
		return cut(v, limits[kind])
	case "phrase":
		return cutHard(keep(v, isHan), 5)
	case "name":
		// A resident without a real name is written "nickname（未实名）"
		// (resident.NameOf); the field holds only the name.
		v = strings.TrimSpace(strings.TrimSuffix(v, resident.Unverified))
		if strings.ContainsFunc(v, isHan) {
			return cutHard(keep(v, func(r rune) bool { return isHan(r) || r == '·' }), 10)
		}
		return cutHard(strings.TrimSpace(keep(v, func(r rune) bool { return isLetter(r) || r == ' ' || isSymbol(r) })), 20)
	case "number":
		return numberOf(v, 32)
	case "amount":
		n := numberOf(v, 13)
		if whole, _, _ := strings.Cut(n, "."); len(whole) > 10 {
			return ""
		}
		return n
	case "letter":
		return cutHard(keep(v, isLetter), 32)
	case "symbol":
		return cutHard(keep(v, isSymbol), 5)
	case "character_string":
		return cutHard(keep(v, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsPrint(r) && r != ' ' }), 32)
	case "phone_number":
		return cutHard(keep(v, func(r rune) bool { return r >= '0' && r <= '9' || r == '-' || r == '+' }), 17)
	case "car_number":
		// Letters and digits; a Chinese character only first or last.
		rs := []rune(keep(v, func(r rune) bool { return isLetter(r) || r >= '0' && r <= '9' || isHan(r) }))
		out := rs[:0]
		for i, r := range rs {
			if !isHan(r) || i == 0 || i == len(rs)-1 {
				out = append(out, r)
			}
		}
		return cutHard(string(out), 8)
	case "time":
		return formatTime(v, loc, true)
	case "date":
		return formatTime(v, loc, false)
	}
	return ""
}

// namedPlaceholders stand in for values a notice left out, by logical name.
var namedPlaceholders = map[string]string{
	"activity": "社区活动", "place": "详见活动详情", "note": "详情请在小程序中查看", "detail": "详情请在小程序中查看",
	"attendee": "本人", "name": "本人", "wearer": "家人", "type": "设备提醒", "hours": "详见服务记录", "status": "有更新",
}

// placeholder is the value, by type, of a required field the notice left
// empty.
func placeholder(kind string, at time.Time, loc *time.Location) string {
	switch kind {
	case "time":
		return at.In(loc).Format(timeLayout)
	case "date":
		return at.In(loc).Format(dateLayout)
	case "phrase":
		return "有更新"
	case "name":
		return "本人"
	case "car_number":
		return "无"
	case "number", "amount":
		return "0"
	case "letter":
		return "NA"
	case "symbol":
		return "-"
	}
	return "-"
}

const (
	timeLayout = "2006年1月2日 15:04"
	dateLayout = "2006年1月2日"
)

// isWeChatTime reports whether v is already in one of WeChat's time
// (withClock) or date formats: a point, or two joined by "~".
func isWeChatTime(v string, withClock bool) bool {
	from, to, isRange := strings.Cut(v, "~")
	if !isPoint(strings.TrimSpace(from), withClock, !withClock) {
		return false
	}
	return !isRange || isPoint(strings.TrimSpace(to), withClock, false)
}

func isPoint(s string, needClock, needDate bool) bool {
	datePart, clockPart, both := strings.Cut(s, " ")
	dates := []string{"2006年1月2日", "2006-1-2", "2006/1/2", "1月2日"}
	clocks := []string{"15:04", "15:04:05"}
	if !both {
		if parsesAny(s, clocks) {
			return !needDate
		}
		return parsesAny(s, dates) && !needClock
	}
	return parsesAny(datePart, dates) && parsesAny(strings.TrimSpace(clockPart), clocks)
}

func parsesAny(s string, layouts []string) bool {
	for _, l := range layouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// formatTime formats an RFC 3339 time or "from~to" range; values already in
// a WeChat format pass unchanged.
func formatTime(v string, loc *time.Location, withClock bool) string {
	from, to, isRange := strings.Cut(v, "~")
	a, err := time.Parse(time.RFC3339, strings.TrimSpace(from))
	if err != nil {
		if isWeChatTime(v, withClock) {
			return v
		}
		return ""
	}
	a = a.In(loc)
	layout := dateLayout
	if withClock {
		layout = timeLayout
	}
	out := a.Format(layout)
	if !isRange {
		return out
	}
	b, err := time.Parse(time.RFC3339, strings.TrimSpace(to))
	if err != nil {
		return out
	}
	b = b.In(loc)
	sameDay := a.Year() == b.Year() && a.YearDay() == b.YearDay()
	switch {
	case withClock && sameDay:
		return out + "~" + b.Format("15:04")
	case sameDay:
		return out
	default:
		return out + "~" + b.Format(layout)
	}
}

// cleanText turns control characters and runs of spaces into one space.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cut shortens s to at most n characters, ending with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// cutHard shortens s to at most n characters (for types without "…").
func cutHard(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func keep(s string, ok func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		return -1
	}, s)
}

// numberOf extracts the first decimal number of s ("2.5小时" -> "2.5").
func numberOf(s string, n int) string {
	start := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if start < 0 {
		return ""
	}
	end := start
	dot := false
	for end < len(s) {
		c := s[end]
		if c == '.' && !dot && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9' {
			dot = true
		} else if c < '0' || c > '9' {
			break
		}
		end++
	}
	num := s[start:end]
	if len(num) > n {
		return ""
	}
	if _, err := strconv.ParseFloat(num, 64); err != nil {
		return ""
	}
	return num
}

func isHan(r rune) bool    { return unicode.Is(unicode.Han, r) }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }
