package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

var (
	errBadJSON   = errs.Invalid("BAD_JSON", "提交的内容格式不正确，请更新小程序后重试")
	errTooLarge  = errs.New(errs.KindTooLarge, "BODY_TOO_LARGE", "请求内容太大")
	errEmptyBody = errs.Invalid("EMPTY_BODY", "请求内容不能为空")
	errBadID     = errs.Invalid("BAD_ID", "编号无效")
	// The field's name goes in details, never in the message.
	errBadField     = errs.Invalid("BAD_FIELD", "提交的内容里有一项填写得不对，请检查后重试")
	errUnknownField = errs.Invalid("UNKNOWN_FIELD", "提交的内容里有无法识别的项目，请更新小程序后重试")
	errBadTime      = errs.Invalid("BAD_TIME", "时间格式不正确，请重新选择时间").With("example", "2026-12-01T09:00:00+08:00")
	errBadQuery     = errs.Invalid("BAD_QUERY", "查询条件无效，请刷新后重试")
	errContentType  = errs.New(errs.KindInvalid, "UNSUPPORTED_MEDIA_TYPE", "提交方式不正确，请更新小程序后重试")
	// checkJSONText's refusals.
	errDuplicateKey = errs.Invalid("DUPLICATE_KEY", "提交的内容里有重复的项目，请刷新页面后重新提交")
	errInvalidUTF8  = errs.Invalid("INVALID_UTF8", "提交的文字里有无法识别的字符，请检查后重新输入")
)

// decode reads the body strictly into v: JSON only, no unknown fields, no
// key twice in an object, valid UTF-8, one value, within the size limit set
// by the middleware.
func decode(c *gin.Context, v any) error { return decodeFast(c, v, nil) }

// decodeFast is decode with a parser written for one route's usual body
// (see parseSignUp): when fast accepts the body, the general decoder is
// skipped. fast must accept only what the general decoder reads the same
// way, and leave v as the general decoder would start it when it refuses.
func decodeFast(c *gin.Context, v any, fast func([]byte) bool) error {
	generic := false
	if !jsonContentType(c) {
		if !genericContentType(c) {
			return errContentType
		}
		generic = true
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if generic && !looksLikeJSONObject(body) {
		return errContentType
	}
	if fast != nil && fast(body) {
		return nil
	}
	return decodeBytes(body, v)
}

// jsonContentType reports whether the request's body is JSON by its
// Content-Type: none, or application/json (a media type is
// case-insensitive, RFC 9110 8.3.1; parameters such as charset ignored).
func jsonContentType(c *gin.Context) bool {
	ct := c.ContentType()
	return ct == "" || strings.EqualFold(ct, "application/json")
}

// genericContentType reports whether the body's declared type is one a
// client sends JSON under without meaning otherwise: what `curl -d`
// (application/x-www-form-urlencoded) and a bare fetch of a string
// (text/plain) declare. Such a body is read as JSON when it is a JSON
// object; cookie sessions need their CSRF header whatever the type.
func genericContentType(c *gin.Context) bool {
	ct := c.ContentType()
	return strings.EqualFold(ct, "application/x-www-form-urlencoded") || strings.EqualFold(ct, "text/plain")
}

// looksLikeJSONObject reports whether body starts, after white space, with '{'.
func looksLikeJSONObject(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// consentShorthand reads the short spellings of a consent: true (the text
// in force, inForce), false or null (none), or the version alone as a
// string. It reports whether b was one of them; if not, b is the consent
// object, which strictObject reads.
func consentShorthand(b []byte, inForce string, version *string) (bool, error) {
	switch t := string(bytes.TrimSpace(b)); {
	case t == "true":
		*version = inForce
		return true, nil
	case t == "false" || t == "null":
		return true, nil
	case strings.HasPrefix(t, `"`):
		return true, json.Unmarshal(b, version)
	}
	return false, nil
}

// strictObject decodes b into v, refusing fields v does not have (for a
// nested object's own UnmarshalJSON, where the body's decoder's setting
// does not reach).
func strictObject(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// decodeBytes is decode's reading of the body's bytes.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			if ute.Field == "" {
				return errBadField
			}
			return errBadField.With("field", wireField(reflect.TypeOf(v), ute.Field))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return errUnknownField.With("field", name)
		case errors.As(err, new(*time.ParseError)) || strings.Contains(err.Error(), "Time.UnmarshalJSON"):
			// encoding/json does not say which field held the time.
			if field := badTimeField(body, reflect.TypeOf(v), ""); field != "" {
				return errBadTime.With("field", field)
			}
			return errBadTime
		default:
			return errBadJSON
		}
	}
	if dec.More() {
		return errBadJSON
	}
	return nil
}

// wireField is the path of a field encoding/json could not decode, as the
// body spells it. encoding/json names the fields of an embedded struct
// through the struct's Go type ("claimedTime.minutes"), a name the client
// never sent: such segments are dropped.
func wireField(t reflect.Type, field string) string {
	var out []string
	for _, seg := range strings.Split(field, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out = append(out, seg)
			t = nil
			continue
		}
		next := reflect.Type(nil)
		embedded := false
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Name() == seg {
				next, embedded = ft, true
				break
			}
			if name == seg || (name == "" && f.Name == seg) {
				next = f.Type
			}
		}
		if !embedded {
			out = append(out, seg)
		}
		t = next
	}
	return strings.Join(out, ".")
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	dateOrTimeTyp = reflect.TypeFor[dateOrTime]()
)

// dateOrTime is a time a request body gives in RFC 3339 or as a date
// (2027-01-31) in China time: start and end read a date as its first
// moment and its last second (a deadline given as a date holds through
// the whole day); a time is itself.
type dateOrTime struct {
	t    time.Time
	date bool
}

func (d *dateOrTime) UnmarshalJSON(b []byte) error {
	err := d.t.UnmarshalJSON(b)
	if err == nil {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if day, e := time.ParseInLocation(dateLayout, s, cst.Zone); e == nil {
			d.t, d.date = day, true
			return nil
		}
	}
	return err // a *time.ParseError: BAD_TIME with the field's path
}

// start is the time, or the date's first moment (zero when not given).
func (d *dateOrTime) start() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.t
}

// end is the time, or the date's last second (zero when not given).
func (d *dateOrTime) end() time.Time {
	if d == nil || !d.date {
		return d.start()
	}
	return d.t.AddDate(0, 0, 1).Add(-time.Second)
}

// badTimeField is the path (as checkJSONText writes it: a.b[1].c) of the
// first time in raw, read as t, that does not parse; "" when there is none
// or raw cannot be walked. It is for the error answer only: it reads the
// body again.
func badTimeField(raw []byte, t reflect.Type, path string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return ""
	case t == timeType:
		if json.Unmarshal(raw, new(time.Time)) != nil {
			return path
		}
	case t == dateOrTimeTyp:
		if json.Unmarshal(raw, new(dateOrTime)) != nil {
			return path
		}
	case t.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		return badTimeInStruct(obj, t, path)
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return ""
		}
		for i, item := range items {
			if f := badTimeField(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); f != "" {
				return f
			}
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		for k, item := range obj {
			if f := badTimeField(item, t.Elem(), joinPath(path, k)); f != "" {
				return f
			}
		}
	}
	return ""
}

// badTimeInStruct is badTimeField over the fields of the struct type t
// (embedded structs' fields as its own), matched to obj's keys as
// encoding/json matches them (exactly, else ignoring case).
func badTimeInStruct(obj map[string]json.RawMessage, t reflect.Type, path string) string {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || !sf.IsExported() && !sf.Anonymous {
			continue
		}
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			if f := badTimeInStruct(obj, ft, path); f != "" {
				return f
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		raw, ok := obj[name]
		if !ok {
			for k, r := range obj {
				if strings.EqualFold(k, name) {
					raw, ok = r, true
					break
				}
			}
		}
		if ok {
			if f := badTimeField(raw, sf.Type, joinPath(path, name)); f != "" {
				return f
			}
		}
	}
	return ""
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// optionalBody marks a request body that may be absent (see read).
type optionalBody struct{ v any }

// optional wraps a body that the request may omit.
func optional(v any) optionalBody { return optionalBody{v} }

// fromRequest reads query or path parameters into its target (see read).
type fromRequest func(*gin.Context) error

// param reads the parameter name with parse (pathID, queryID, queryBool,
// ...) into *dst.
func param[T any](dst *T, parse func(*gin.Context, string) (T, error), name string) fromRequest {
	return func(c *gin.Context) (err error) {
		*dst, err = parse(c, name)
		return err
	}
}

// spelledAs reads a query parameter that has more than one accepted
// spelling: with the first of names the request gives (names[0] when it
// gives none), so a filter is never silently ignored for its spelling.
func spelledAs(read func(name string) fromRequest, names ...string) fromRequest {
	return func(c *gin.Context) error { return read(givenName(c, names))(c) }
}

// givenName is the first of names the query gives a value under, else
// the first of names (the usual spelling).
func givenName(c *gin.Context, names []string) string {
	for _, n := range names {
		if c.Query(n) != "" {
			return n
		}
	}
	return names[0]
}

// queryAs is the value of the first of names the query gives ("" when
// none): a parameter with more than one accepted spelling.
func queryAs(c *gin.Context, names ...string) string { return c.Query(givenName(c, names)) }

// pathParam reads the positive id in the path parameter name into *id.
func pathParam(id *int64, name string) fromRequest { return param(id, pathID, name) }

// setIf sets *dst to *v when the request gave v (a patch's field).
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// timeParam reads the date or time in the query parameter name into *t
// (see queryTime).
func timeParam(t *time.Time, name string, endOfDay bool) fromRequest {
	return func(c *gin.Context) (err error) {
		*t, err = queryTime(c, name, endOfDay)
		return err
	}
}

// idParam is pathID for handlers: when the id is bad it has answered the
// request and ok is false.
func idParam(c *gin.Context, name string) (int64, bool) {
	var id int64
	ok := read(c, pathParam(&id, name))
	return id, ok
}

// read reads the request's inputs in order: a pointer is the JSON body
// (decoded strictly), optional(&v) a body that may be absent, a
// fromRequest (or a func of its type) query or path parameters; nil reads
// nothing. When one fails
// it has answered the request and returns false.
func read(c *gin.Context, inputs ...any) bool {
	for _, in := range inputs {
		var err error
		switch x := in.(type) {
		case nil:
		case fromRequest:
			err = x(c)
		case func(*gin.Context) error:
			err = x(c)
		case optionalBody:
			err = decodeOptional(c, x.v)
		default:
			err = decode(c, x)
		}
		if err != nil {
			fail(c, err)
			return false
		}
	}
	return true
}

// readBody reads the whole body (within the size limit set by the
// middleware).
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, errBadJSON
	}
	return body, nil
}

// pathID parses a positive integer path parameter.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// queryInt parses an optional integer query parameter within [min, max].
func queryInt(c *gin.Context, name string, def, min, max int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, errBadQuery.With("param", name)
	}
	return n, nil
}

// idPage is a keyset page of a list: the id it continues from (0: from the
// start) and its size (at most page.MaxLimit).
type idPage struct {
	From  int64
	Limit int
}

var errBadIDCursor = errs.Invalid("BAD_CURSOR", "翻页位置无效，请从第一页重新加载")

// query reads the page from the query parameters cursor (the next_cursor
// of the previous page: a decimal id) or its older name (before_id or
// after_id; "" for a list that never had one), and limit (1..page.MaxLimit,
// def when absent), for meWith.
func (p *idPage) query(name string, def int) fromRequest {
	return func(c *gin.Context) (err error) {
		if s := c.Query("cursor"); s != "" {
			if p.From, err = strconv.ParseInt(s, 10, 64); err != nil || p.From <= 0 {
				return errBadIDCursor
			}
		} else if name == "" {
			p.From = 0
		} else if p.From, err = queryID(c, name); err != nil {
			return err
		}
		p.Limit, err = querySize(c, "limit", def, 1, page.MaxLimit)
		return err
	}
}

// peek is the number of rows to ask the store for: one more than the page,
// so that trimIDs knows whether another page follows.
func (p *idPage) peek() int { return p.Limit + 1 }

// respondIDPage answers a page of rows fetched with p.peek(): its items
// (shown by to) and next_cursor (null on the last page).
func respondIDPage[T, D any](c *gin.Context, p idPage, rows []T, id func(T) int64, to func(T) D, err error) {
	rows, next := trimIDs(rows, p.Limit, id)
	respond(c, http.StatusOK, gin.H{"items": dtos(rows, to), "next_cursor": next}, err)
}

// queryID parses an optional positive id query parameter (0 when absent).
func queryID(c *gin.Context, name string) (int64, error) {
	s := c.Query(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errBadQuery.With("param", name)
	}
	return n, nil
}
