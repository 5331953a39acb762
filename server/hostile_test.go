package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"gongjian/config"
	"gongjian/internal/httpapi"
	"gongjian/internal/jsonhttp"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
	"gongjian/internal/wristband"
)

// The robustness sweep: every route of the OpenAPI document is called as
// an administrator (and, outside the admin and console routes, as a plain
// resident and anonymously; the admin and console routes as staff of one
// organisation) with hostile input — path ids that are zero, negative,
// overflowing or not numbers; query parameters of the wrong type or out of
// range; bodies that are not JSON objects, or objects whose documented
// fields have the wrong type, huge numbers, very long strings or NUL bytes
// and emoji. A well-made API answers all of it with a 4xx carrying a
// machine code and a Chinese message: never a 5xx, never a bare error, and
// the server keeps answering.

// sweepRoute is one operation of the document with what the sweep needs.
type sweepRoute struct {
	method, pattern string
	pathParams      []string
	query           []sweepParam
	fields          []string // top-level properties of the JSON body
	base            any      // a plausible body built from the schema
	jsonBody        bool     // takes application/json
	anyBody         bool     // takes a body at all
	idempotent      bool     // wants an Idempotency-Key header
}

type sweepParam struct{ name, typ, format string }

// sweepRoutes reads the merged OpenAPI document: every operation with its
// path and query parameters and the properties of its JSON body
// ($ref resolved within the document).
func sweepRoutes(t *testing.T) []sweepRoute {
	var doc map[string]any
	if err := yaml.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(v any) map[string]any {
		for i := 0; i < 10; i++ {
			m, _ := v.(map[string]any)
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			var cur any = doc
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				cm, _ := cur.(map[string]any)
				cur = cm[part]
			}
			v = cur
		}
		return nil
	}
	var props func(s map[string]any, into map[string]bool)
	props = func(s map[string]any, into map[string]bool) {
		s = resolve(s)
		if s == nil {
			return
		}
		if p, ok := s["properties"].(map[string]any); ok {
			for k := range p {
				into[k] = true
			}
		}
		for _, key := range []string{"allOf", "oneOf", "anyOf"} {
			if l, ok := s[key].([]any); ok {
				for _, sub := range l {
					sm, _ := sub.(map[string]any)
					props(sm, into)
				}
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	var out []sweepRoute
	for pattern, opsAny := range paths {
		ops, _ := opsAny.(map[string]any)
		shared, _ := ops["parameters"].([]any)
		for m, opAny := range ops {
			if m == "parameters" {
				continue
			}
			op, _ := opAny.(map[string]any)
			r := sweepRoute{method: strings.ToUpper(m), pattern: pattern}
			for _, n := range authzParam.FindAllString(pattern, -1) {
				r.pathParams = append(r.pathParams, n)
			}
			params, _ := op["parameters"].([]any)
			for _, pa := range append(append([]any{}, shared...), params...) {
				p := resolve(pa)
				name, _ := p["name"].(string)
				switch p["in"] {
				case "query":
					s := resolve(p["schema"])
					typ, _ := s["type"].(string)
					format, _ := s["format"].(string)
					r.query = append(r.query, sweepParam{name, typ, format})
				case "header":
					if strings.EqualFold(name, "Idempotency-Key") {
						r.idempotent = true
					}
				}
			}
			if rb := resolve(op["requestBody"]); rb != nil {
				r.anyBody = true
				content, _ := rb["content"].(map[string]any)
				if js, ok := content["application/json"].(map[string]any); ok {
					r.jsonBody = true
					fields := map[string]bool{}
					sm, _ := js["schema"].(map[string]any)
					props(sm, fields)
					for f := range fields {
						r.fields = append(r.fields, f)
					}
					sort.Strings(r.fields)
					r.base = sampleOf(resolve, sm, 0)
				}
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].pattern+" "+out[i].method < out[j].pattern+" "+out[j].method
	})
	return out
}

// sampleOf is a plausible value of schema s: its example, its first enum
// value, a date or time two days ahead, 1, true, "测试", one item, every
// property.
func sampleOf(resolve func(any) map[string]any, s map[string]any, depth int) any {
	s = resolve(s)
	if s == nil || depth > 4 {
		return nil
	}
	if ex, ok := s["example"]; ok {
		return ex
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		if l, ok := s[key].([]any); ok {
			if key != "allOf" && len(l) > 0 {
				sm, _ := l[0].(map[string]any)
				return sampleOf(resolve, sm, depth+1)
			}
			out := map[string]any{}
			for _, sub := range l {
				sm, _ := sub.(map[string]any)
				if m, ok := sampleOf(resolve, sm, depth+1).(map[string]any); ok {
					for k, v := range m {
						out[k] = v
					}
				}
			}
			return out
		}
	}
	typ, _ := s["type"].(string)
	if l, ok := s["type"].([]any); ok && len(l) > 0 {
		typ, _ = l[0].(string)
	}
	format, _ := s["format"].(string)
	soon := time.Now().Add(48 * time.Hour)
	switch {
	case typ == "string" && format == "date-time":
		return soon.Format(time.RFC3339)
	case typ == "string" && format == "date":
		return soon.Format("2006-01-02")
	case typ == "string":
		return "测试"
	case typ == "integer" || typ == "number":
		if m, ok := s["minimum"]; ok {
			return m
		}
		return 1
	case typ == "boolean":
		return true
	case typ == "array":
		items, _ := s["items"].(map[string]any)
		return []any{sampleOf(resolve, items, depth+1)}
	default:
		out := map[string]any{}
		if p, ok := s["properties"].(map[string]any); ok {
			for k, v := range p {
				vm, _ := v.(map[string]any)
				out[k] = sampleOf(resolve, vm, depth+1)
			}
		}
		return out
	}
}

// leafPaths lists where a mutation can go in v: each property of each
// object (and the first item of each array), at most max of them.
func leafPaths(v any, prefix []any, max int, out *[][]any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(*out) >= max {
				return
			}
			p := append(append([]any{}, prefix...), k)
			*out = append(*out, p)
			leafPaths(x[k], p, max, out)
		}
	case []any:
		if len(x) > 0 {
			leafPaths(x[0], append(append([]any{}, prefix...), 0), max, out)
		}
	}
}

// withAt is a deep copy of v with the value at path replaced by val.
func withAt(v any, path []any, val any) any {
	if len(path) == 0 {
		return val
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = e
		}
		out[path[0].(string)] = withAt(x[path[0].(string)], path[1:], val)
		return out
	case []any:
		out := append([]any{}, x...)
		out[0] = withAt(x[0], path[1:], val)
		return out
	}
	return v
}

// sweepCall is one hostile request.
type sweepCall struct {
	what, method, path string
	body               any
	headers            []string
	signed             bool // a wristband vendor's push, signed as sent
}

// signedWebhookCalls are vendor pushes, correctly signed, about a known
// band: hostile bodies, and each event type with one hostile datum.
func signedWebhookCalls(imei string) []sweepCall {
	var out []sweepCall
	n := 0
	add := func(what string, body any) {
		out = append(out, sweepCall{what: "signed " + what, method: "POST", path: "/api/v1/wristbands/webhook", body: body, signed: true})
	}
	for _, b := range []string{"", "null", "[]", `"x"`, "{}", "{", "1e308"} {
		add(fmt.Sprintf("body %q", b), b)
	}
	event := func(typ string, data map[string]any) map[string]any {
		n++
		return map[string]any{"event_id": fmt.Sprintf("sweep-%d", n), "imei": imei, "type": typ,
			"at": time.Now().UTC().Format(time.RFC3339), "data": data}
	}
	where := map[string]any{"lat": 31.23, "lng": 121.47, "battery": 50}
	byType := []struct {
		typ  string
		data map[string]any
	}{
		{"location", map[string]any{"lat": 31.23, "lng": 121.47}}, {"heart_rate", map[string]any{"heart_rate": 80}},
		{"blood_pressure", map[string]any{"systolic": 120, "diastolic": 80}}, {"blood_glucose", map[string]any{"glucose": 5.5}},
		{"sos", where}, {"fall", where}, {"taken_off", where}, {"low_battery", map[string]any{"battery": 5}},
		{"online", map[string]any{"battery": 50}}, {"offline", map[string]any{"battery": 50}},
	}
	for _, f := range []string{"event_id", "imei", "type", "at", "data"} {
		for _, v := range oneFieldHostile {
			add(fmt.Sprintf("field %s = %s", f, v.what), withAt(event("location", byType[0].data), []any{f}, v.val))
		}
	}
	for _, bt := range byType {
		add(bt.typ+" plain", event(bt.typ, bt.data))
		for f := range bt.data {
			for _, v := range oneFieldHostile {
				d := withAt(bt.data, []any{f}, v.val)
				add(fmt.Sprintf("%s data.%s = %s", bt.typ, f, v.what), event(bt.typ, d.(map[string]any)))
			}
		}
	}
	return out
}

// hostileCalls is the hostile set for one route: path ids (the body
// valid-ish), query parameters of the wrong type, and bodies (the path ids
// 1, which the world's first rows have).
func (r sweepRoute) hostileCalls() []sweepCall {
	valid := func(v string) string {
		p := r.pattern
		for _, n := range r.pathParams {
			p = strings.Replace(p, n, v, 1)
		}
		return p
	}
	var out []sweepCall
	add := func(what, path string, body any) {
		c := sweepCall{what: what, method: r.method, path: path, body: body}
		if r.idempotent {
			c.headers = []string{"Idempotency-Key", testenv.RandomName("sweep")}
		}
		out = append(out, c)
	}
	var emptyBody any
	if r.jsonBody {
		emptyBody = "{}"
	}
	if len(r.pathParams) > 0 {
		for _, v := range hostilePathValues {
			add("path "+v, valid(v), emptyBody)
		}
		if len(r.pathParams) > 1 { // one hostile, the others 1
			for i, n := range r.pathParams {
				for _, v := range hostilePathValues {
					p := r.pattern
					for j, m := range r.pathParams {
						if j == i {
							p = strings.Replace(p, m, v, 1)
						} else {
							p = strings.Replace(p, m, "1", 1)
						}
					}
					add(fmt.Sprintf("path %s=%s", n, v), p, emptyBody)
				}
			}
		}
	}
	if len(r.query) > 0 {
		wrong, huge, negative := []string{}, []string{}, []string{}
		for _, q := range r.query {
			switch {
			case q.typ == "integer" || q.typ == "number":
				wrong = append(wrong, q.name+"=abc")
				huge = append(huge, q.name+"=99999999999999999999")
				negative = append(negative, q.name+"=-1")
			case q.typ == "boolean":
				wrong = append(wrong, q.name+"=maybe")
				huge = append(huge, q.name+"=2")
				negative = append(negative, q.name+"=-1")
			case q.format == "date" || q.format == "date-time" || strings.Contains(q.name, "from") || q.name == "to" ||
				strings.HasSuffix(q.name, "_at") || q.name == "month" || q.name == "before":
				wrong = append(wrong, q.name+"=2026-13-45")
				huge = append(huge, q.name+"=99999-01-01T00:00:00Z")
				negative = append(negative, q.name+"=-1")
			case q.name == "cursor":
				wrong = append(wrong, "cursor=!!!")
				huge = append(huge, "cursor="+strings.Repeat("A", 5000))
				negative = append(negative, "cursor=-1")
			default:
				wrong = append(wrong, q.name+"=%00%F0%9F%98%80")
				huge = append(huge, q.name+"="+strings.Repeat("长", 3000))
				negative = append(negative, q.name+"=-1")
			}
		}
		base := valid("1")
		add("query wrong types", base+"?"+strings.Join(wrong, "&")+"&page=-1&page_size=100000", emptyBody)
		add("query huge", base+"?"+strings.Join(huge, "&")+"&page=99999999999999999999&page_size=100000&limit=100000", emptyBody)
		add("query negative", base+"?"+strings.Join(negative, "&")+"&page=0&page_size=-1&limit=-1", emptyBody)
		for _, q := range r.query { // one parameter at a time
			for _, v := range hostileQueryValues {
				add("query "+q.name+"="+v, base+"?"+q.name+"="+v, emptyBody)
			}
		}
	}
	if r.anyBody {
		path := valid("1")
		for _, b := range []string{"", "null", "[]", `"x"`, "{}", "{", "1e308"} {
			add(fmt.Sprintf("body %q", b), path, b)
		}
		if r.jsonBody && len(r.fields) > 0 {
			long := strings.Repeat("长", 100000/3) + strings.Repeat("x", 100000%3)
			for _, v := range []struct {
				what string
				val  any
			}{
				{"string", "x"}, {"number", 7}, {"array", []any{"x", 1}}, {"object", map[string]any{"x": 1}}, {"bool", true},
				{"1e308", 1e308}, {"2^63", jsonRaw("9223372036854775808")}, {"-2^63-1", jsonRaw("-9223372036854775809")},
				{"long string", long}, {"NUL and emoji", "a\x00b😀\u202e"}, {"null", nil}, {"negative", -1},
			} {
				body := map[string]any{}
				for _, f := range r.fields {
					body[f] = v.val
				}
				add("fields "+v.what, path, body)
			}
		}
		if r.jsonBody {
			out = append(out,
				sweepCall{what: "text/plain body", method: r.method, path: path, body: "{}", headers: []string{"Content-Type", "text/plain"}},
				sweepCall{what: "hostile Idempotency-Key", method: r.method, path: path, body: r.base,
					headers: []string{"Idempotency-Key", "😀 " + strings.Repeat("k", 300)}})
		}
		if r.base != nil {
			add("sample body", path, r.base)
			var leaves [][]any
			leafPaths(r.base, nil, 40, &leaves)
			for i, l := range leaves {
				for j, v := range oneFieldHostile {
					if (i+j)%2 == 0 || i == 0 { // half of them (every value for some field), to keep the run short
						add(fmt.Sprintf("field %v = %s", l, v.what), path, withAt(r.base, l, v.val))
					}
				}
			}
		}
	}
	if r.anyBody && !r.jsonBody { // multipart: torn, empty, wrong field, bare boundary
		path := valid("1")
		const b = "sweepBOUNDARY"
		mp := func(what, body, ctype string) {
			c := sweepCall{what: "multipart " + what, method: r.method, path: path, body: body, headers: []string{"Content-Type", ctype}}
			out = append(out, c)
		}
		ct := "multipart/form-data; boundary=" + b
		part := func(field, name, content string) string {
			return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + name + "\"\r\n" +
				"Content-Type: application/octet-stream\r\n\r\n" + content + "\r\n"
		}
		mp("no boundary", "x", "multipart/form-data")
		mp("empty", "", ct)
		mp("torn", part("file", "a.csv", "imei\n123")[:40], ct)
		mp("no closing boundary", part("file", "a.csv", "imei\n123"), ct)
		mp("other field", part("other", "a.csv", "x")+"--"+b+"--\r\n", ct)
		mp("empty file", part("file", "", "")+"--"+b+"--\r\n", ct)
		mp("NUL and emoji", part("file", "😀\x00.csv", "\x00😀\xff\xfe,,,\n\"\n")+"--"+b+"--\r\n", ct)
		mp("long line", part("file", "a.csv", strings.Repeat("9", 200000))+"--"+b+"--\r\n", ct)
		mp("two files", part("file", "a.csv", "x")+part("file", "b.csv", "y")+"--"+b+"--\r\n", ct)
		mp("text/plain", "hello", "text/plain")
	}
	if len(out) == 0 { // nothing to vary: the route as documented
		add("plain", valid("1"), emptyBody)
	}
	return out
}

var hostilePathValues = []string{"0", "-1", "99999999999999999999", "9223372036854775808", "abc", "1.5", "1e3", "%00", "%F0%9F%98%80", "%20"}

var hostileQueryValues = []string{"abc", "-1", "0", "1.5", "99999999999999999999", "9223372036854775807", "2026-13-45", "!!!", "%00",
	"%F0%9F%98%80", "", strings.Repeat("x", 4000), "1&" + "x=1", "2026-02-30T25:61:00Z", "true"}

// oneFieldHostile replaces one field of a plausible body.
var oneFieldHostile = []struct {
	what string
	val  any
}{
	{"string", "x"}, {"number", 7}, {"array", []any{}}, {"object", map[string]any{}}, {"bool", true}, {"null", nil},
	{"0", 0}, {"-1", -1}, {"1.5", 1.5}, {"1e308", 1e308}, {"2^63", jsonRaw("9223372036854775808")}, {"2^53+1", jsonRaw("9007199254740993")},
	{"long string", strings.Repeat("x", 100000)}, {"NUL and emoji", "a\x00b😀"}, {"bad date", "2026-13-45"}, {"empty", ""},
	{"bad time", "2026-02-30T25:61:00+08:00"}, {"year 0", "0000-01-01T00:00:00Z"}, {"year 9999", "9999-12-31T23:59:59Z"},
}

// jsonRaw is a JSON literal sent as it is (a number too big for Go's).
type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// sweepDo sends c; an event stream that opens (the console's alarm
// stream, which stays open) is answered as soon as its headers come.
func sweepDo(hc *http.Client, base, tok string, c sweepCall) (jsonhttp.Response, error) {
	if c.signed { // the vendor's signature over the very bytes sent
		raw, ok := c.body.(string)
		if !ok {
			b, _ := json.Marshal(c.body)
			raw = string(b)
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		c.body, c.headers = raw, []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", wristband.Sign(acmeSecret, ts, []byte(raw))}
	}
	req, err := jsonhttp.NewRequest(c.method, base+c.path, tok, c.body, c.headers...)
	if err != nil {
		return jsonhttp.Response{}, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return jsonhttp.Response{}, err
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		return jsonhttp.Response{Status: res.StatusCode, Header: res.Header}, nil
	}
	return jsonhttp.Read(res)
}

// sweepCheck is what is wrong with an answer to a hostile request, or "".
func sweepCheck(r jsonhttp.Response) string {
	switch {
	case r.Status >= 500:
		return fmt.Sprintf("%d (no 5xx for bad input): %.300s", r.Status, r.Raw)
	case r.Status >= 400 && strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"):
		// A page for people (the public service-record page): it says
		// what is wrong in Chinese.
		if !hasHan(string(r.Raw)) {
			return fmt.Sprintf("%d: a page without a Chinese word: %.300s", r.Status, r.Raw)
		}
	case r.Status >= 400 && (r.Str("code") == "" || !hasHan(r.Str("message"))):
		return fmt.Sprintf("%d without a machine code and a Chinese message: %.300s", r.Status, r.Raw)
	}
	return ""
}

func TestHostileInputNeverAnswered5xx(t *testing.T) {
	ta := newTestApp(t, func(c *config.Config) {
		c.Limits = config.Limits{}
		c.Notify.Workers = false
		c.MySQL.MaxOpenConns = 12
		c.Wristband.Vendors = map[string]string{"acme": acmeSecret}
	})
	ta.remember(acmeSecret)
	// The first rows (id 1) are a bystander's, so a hostile body sent to
	// .../1 cannot take the sweep's own personas' roles or tokens away.
	_, bystander := ta.login("sweep-bystander")
	admin, _ := ta.login("sweep-admin")
	ta.grant("sweep-admin", resident.RoleChange{Role: "admin"})
	res, _ := ta.login("sweep-resident")
	if bystander != 1 {
		t.Logf("the bystander is user %d (not 1)", bystander)
	}
	community := num(ta.must(ta.do("POST", "/api/v1/admin/communities", admin, map[string]string{"name": "阳光社区"}), 201, "community").Body["id"])
	org := num(ta.must(ta.do("POST", "/api/v1/admin/organizations", admin, map[string]any{
		"name": "幸福街道社区卫生服务中心", "type": "co_building_unit", "community_ids": []int64{community}}), 201, "org").Body["id"])
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	act := ta.must(ta.do("POST", "/api/v1/admin/activities", admin, map[string]any{
		"title": "健康义诊", "category": "clinic", "description": "健康义诊", "community_id": community, "host_org_id": org,
		"place": ckPlace, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": start,
		"sessions": []map[string]any{{"starts_at": start, "ends_at": start.Add(3 * time.Hour), "capacity": 100}}}), 201, "activity")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", num(act.Body["id"])), admin, nil), 200, "publish")
	imeiBase := "86700000000001"
	imei := imeiBase + string(wristband.LuhnDigit(imeiBase))
	ta.must(ta.do("POST", "/api/v1/admin/wristbands", admin, map[string]any{"items": []map[string]string{
		{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2026-01", "activation_code": activationOf(imei)}}}), 201, "wristband")
	// Worn by the resident (with consent), so pushes are stored and raise alarms.
	ta.must(ta.do("PATCH", "/api/v1/me", res, map[string]any{"real_name": "张小花"}), 200, "real name")
	ta.must(ta.do("POST", "/api/v1/wristbands/bind", res, bindBody(imei, self)), 201, "bind")
	staff, staffID := ta.login("sweep-staff")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", staffID), admin, map[string]any{"role": "staff", "org_id": org}), 200, "staff")

	type job struct {
		who, tok string
		c        sweepCall
	}
	var jobs []job
	// First, while the band is worn (the sweep's unbind and transfer calls
	// may take it off later).
	for _, c := range signedWebhookCalls(imei) {
		jobs = append(jobs, job{"vendor", "", c})
	}
	routes := sweepRoutes(t)
	for ri, r := range routes {
		if r.pattern == "/api/v1/console/logout" || r.pattern == "/api/v1/auth/logout" || r.pattern == "/metrics" {
			continue // ends the caller's console session / login / the operator's scrape
		}
		calls := r.hostileCalls()
		for _, c := range calls {
			jobs = append(jobs, job{"admin", admin, c})
		}
		staffRoute := strings.HasPrefix(r.pattern, "/api/v1/admin/") || strings.HasPrefix(r.pattern, "/api/v1/console/")
		for i, c := range calls {
			// The other personas get a sixth of the set (a different
			// sixth on each route), the plain path ids always.
			if i%6 != ri%6 && !strings.HasPrefix(c.what, "path") {
				continue
			}
			if staffRoute {
				// Staff of one organisation: the scope checks an
				// administrator skips.
				jobs = append(jobs, job{"staff", staff, c})
			} else {
				jobs = append(jobs, job{"resident", res, c}, job{"anon", "", c})
			}
		}
	}
	t.Logf("%d routes, %d hostile requests", len(routes), len(jobs))

	hc := &http.Client{Timeout: 20 * time.Second}
	var mu sync.Mutex
	var bad []string
	statuses := map[string]int{}
	ch := make(chan job)
	var wg sync.WaitGroup
	started := time.Now()
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				r, err := sweepDo(hc, ta.srv.URL, j.tok, j.c)
				msg := ""
				if err != nil {
					msg = "no answer: " + err.Error()
				} else {
					msg = sweepCheck(r)
				}
				mu.Lock()
				statuses[fmt.Sprintf("%s %d", j.who, r.Status)]++
				mu.Unlock()
				// SWEEP_DEBUG=text logs every answer to a call whose
				// description contains text.
				if os.Getenv("SWEEP_DEBUG") != "" && strings.Contains(j.c.what, os.Getenv("SWEEP_DEBUG")) {
					t.Logf("%s %s as %s, %s: %d %.300s", j.c.method, j.c.path, j.who, j.c.what, r.Status, r.Raw)
				}
				if msg != "" {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s %s as %s, %s: %s", j.c.method, j.c.path[:min(len(j.c.path), 160)], j.who, j.c.what, msg))
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	t.Logf("sweep took %v; answers: %v", time.Since(started).Round(time.Millisecond), statuses)
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}

	// The server keeps answering.
	ta.must(ta.do("GET", "/healthz", "", nil), 200, "healthz after the sweep")
	ta.must(ta.do("GET", "/api/v1/me", admin, nil), 200, "the admin after the sweep")
	ta.must(ta.do("GET", "/api/v1/me", res, nil), 200, "the resident after the sweep")
}
