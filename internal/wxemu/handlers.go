package wxemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// OpenID returns the openid the emulator gives the login code "dev:"+name
// for appID: "o" followed by 27 base64url characters, 28 in all like
// WeChat's.
func OpenID(appID, name string) string {
	return "o" + hash64(appID + "\x00" + name)[:27]
}

// UnionID returns the unionid the emulator gives the login code "dev:"+name
// (when [Tenant.SetUnionID] is on). Like WeChat's, it does not depend on
// the AppID.
func UnionID(name string) string {
	return "o" + hash64("unionid\x00" + name)[:27]
}

// LoginCode returns a reusable login code for name: "dev:"+name.
func LoginCode(name string) string { return "dev:" + name }

// PhoneCode returns a reusable phone-number code for an 11-digit phone.
func PhoneCode(phone string) string { return "dev:phone:" + phone }

// hash64 returns base64url(sha256(s)).
func hash64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validCode reports whether code looks like a login or phone code: up to
// 128 characters of what a real code contains, plus ':' so tests can use
// readable codes.
func validCode(code string) bool {
	return len(code) >= 1 && len(code) <= 128 && onlyChars(code, "_.:-")
}

// validScene reports whether getwxacodeunlimit accepts scene: 1 to 32
// characters of digits, letters and !#$&'()*+,/:;=?@-._~.
func validScene(scene string) bool {
	return len(scene) >= 1 && len(scene) <= 32 && onlyChars(scene, "!#$&'()*+,/:;=?@-._~")
}

// onlyChars reports whether s has only ASCII letters, digits and extra.
func onlyChars(s, extra string) bool {
	for _, r := range s {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(extra, r)
		if !ok {
			return false
		}
	}
	return true
}

// code2Session serves GET /sns/jscode2session.
func (e *Emulator) code2Session(t *Tenant, r *http.Request, _ []byte) reply {
	q := r.URL.Query()
	if q.Get("appid") == "" {
		return errReply(41002, "")
	}
	if code := t.checkSecret(q.Get("secret")); code != 0 {
		return errReply(code, "")
	}
	if q.Get("grant_type") != "authorization_code" {
		return errReply(40002, "")
	}
	code := q.Get("js_code")
	var name string
	switch {
	case strings.HasPrefix(code, "dev:") && validCode(code) && len(code) > len("dev:"):
		name = strings.TrimPrefix(code, "dev:")
	case validCode(code) && !strings.HasPrefix(code, "dev:"):
		t.mu.Lock()
		used := t.usedLoginCodes[code]
		t.usedLoginCodes[code] = true
		t.mu.Unlock()
		if used {
			return errReply(40163, "")
		}
		name = "code:" + code
	default:
		return errReply(40029, "")
	}
	openID := OpenID(t.appID, name)
	t.mu.Lock()
	t.openIDs[openID] = true
	withUnion := t.unionID
	t.mu.Unlock()

	res := map[string]any{"openid": openID, "session_key": sessionKey()}
	if withUnion {
		res["unionid"] = UnionID(name)
	}
	return jsonReply(res)
}

// sessionKey returns a random session key shaped like WeChat's (base64 of
// 16 bytes).
func sessionKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// token serves GET /cgi-bin/token.
func (e *Emulator) token(t *Tenant, r *http.Request, _ []byte) reply {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		return errReply(40002, "")
	}
	if q.Get("appid") == "" {
		return errReply(41002, "")
	}
	if code := t.checkSecret(q.Get("secret")); code != 0 {
		return errReply(code, "")
	}
	tok := t.legacyToken(e.now(), e.ttl)
	return jsonReply(map[string]any{"access_token": tok, "expires_in": int(e.ttl.Seconds())})
}

// stableToken serves POST /cgi-bin/stable_token.
func (e *Emulator) stableToken(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	if req.GrantType != "client_credential" {
		return errReply(40002, "")
	}
	if req.AppID == "" {
		return errReply(41002, "")
	}
	if code := t.checkSecret(req.Secret); code != 0 {
		return errReply(code, "")
	}
	tok, left := t.stableToken(e.now(), e.ttl, req.ForceRefresh)
	return jsonReply(map[string]any{"access_token": tok, "expires_in": int(left.Seconds())})
}

// subscribeSend serves POST /cgi-bin/message/subscribe/send.
func (e *Emulator) subscribeSend(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
		MiniprogramState string `json:"miniprogram_state"`
		Lang             string `json:"lang"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	if req.TemplateID == "" {
		return errReply(40037, "")
	}
	t.mu.Lock()
	tmpl, known := t.templates[req.TemplateID]
	strictTemplates := len(t.templates) > 0
	strictOpenIDs, issued := t.knownOpenIDsOnly, t.openIDs[req.ToUser]
	t.mu.Unlock()
	if strictTemplates && !known {
		return errReply(40037, "")
	}
	if req.ToUser == "" || (strictOpenIDs && !issued) {
		return errReply(40003, "")
	}
	if !slices.Contains([]string{"", "developer", "trial", "formal"}, req.MiniprogramState) {
		return errReply(47003, "argument invalid! miniprogram_state")
	}
	if !slices.Contains([]string{"", "zh_CN", "en_US", "zh_HK", "zh_TW"}, req.Lang) {
		return errReply(47003, "argument invalid! lang")
	}
	if len(req.Data) == 0 {
		return errReply(47003, "argument invalid! data is empty")
	}
	data := make(map[string]string, len(req.Data))
	for key, item := range req.Data {
		v, ok := item.Value.(string)
		if !ok {
			return errReply(47003, fmt.Sprintf("argument invalid! data.%s.value must be a string", key))
		}
		if problem := checkField(key, v); problem != "" {
			return errReply(47003, fmt.Sprintf("argument invalid! data.%s.value %s", key, problem))
		}
		data[key] = v
	}
	if len(tmpl.keys) > 0 {
		for _, k := range tmpl.keys {
			if _, ok := data[k]; !ok {
				return errReply(47003, fmt.Sprintf("argument invalid! data.%s.value is empty", k))
			}
		}
		for k := range data {
			if !slices.Contains(tmpl.keys, k) {
				return errReply(47003, fmt.Sprintf("argument invalid! data.%s is not in the template", k))
			}
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.requireGrants {
		g := grant{req.ToUser, req.TemplateID}
		if t.grants[g] <= 0 {
			return errReply(43101, "")
		}
		t.grants[g]--
	}
	id := e.msgID.Add(1)
	t.sent = append(t.sent, SentMessage{
		AppID: t.appID, ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
		Data: data, MiniprogramState: req.MiniprogramState, Lang: req.Lang, MsgID: id, At: e.now(),
	})
	return jsonReply(map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

// phoneNumber serves POST /wxa/business/getuserphonenumber.
func (e *Emulator) phoneNumber(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		Code string `json:"code"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	var phone string
	if rest, ok := strings.CutPrefix(req.Code, "dev:phone:"); ok {
		if !isDigits(rest) || len(rest) != 11 {
			return errReply(40029, "")
		}
		phone = rest
	} else {
		if !validCode(req.Code) {
			return errReply(40029, "")
		}
		t.mu.Lock()
		used := t.usedPhoneCodes[req.Code]
		t.usedPhoneCodes[req.Code] = true
		t.mu.Unlock()
		if used {
			return errReply(40029, "")
		}
		phone = derivedPhone(t.appID, req.Code)
	}
	return jsonReply(map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     phone,
			"purePhoneNumber": phone,
			"countryCode":     "86",
			"watermark":       map[string]any{"timestamp": e.now().Unix(), "appid": t.appID},
		},
	})
}

// derivedPhone returns a deterministic mainland mobile number for a code.
func derivedPhone(appID, code string) string {
	sum := sha256.Sum256([]byte(appID + "\x00phone\x00" + code))
	n := binary.BigEndian.Uint64(sum[:8]) % 100_000_000
	return fmt.Sprintf("139%08d", n)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// wxaCodeUnlimit serves POST /wxa/getwxacodeunlimit.
func (e *Emulator) wxaCodeUnlimit(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		Scene      string `json:"scene"`
		Page       string `json:"page"`
		CheckPath  *bool  `json:"check_path"`
		EnvVersion string `json:"env_version"`
		Width      int    `json:"width"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	if !validScene(req.Scene) {
		return errReply(40169, "")
	}
	if !slices.Contains([]string{"", "release", "trial", "develop"}, req.EnvVersion) {
		return errReply(40097, "invalid args")
	}
	if strings.HasPrefix(req.Page, "/") {
		return errReply(41030, "")
	}
	t.mu.Lock()
	checked := len(t.pages) > 0 && (req.CheckPath == nil || *req.CheckPath)
	known := req.Page == "" || t.pages[req.Page]
	t.mu.Unlock()
	if checked && !known {
		return errReply(41030, "")
	}
	img, err := renderCode(req.Scene+"\x00"+req.Page, req.Width)
	if err != nil {
		return errReply(-1, "")
	}
	return reply{status: http.StatusOK, contentType: "image/jpeg", body: img}
}

// msgSecCheck serves POST /wxa/msg_sec_check (version 2).
func (e *Emulator) msgSecCheck(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		checkArgs
		Content string `json:"content"`
		Title   string `json:"title"`
		Nick    string `json:"nickname"`
		Sig     string `json:"signature"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	switch invalid := req.invalid(); {
	case invalid != "":
		return errReply(47003, invalid)
	case req.OpenID == "":
		return errReply(40003, "")
	case utf8.RuneCountInString(req.Content) > 2500:
		return errReply(47003, "argument invalid! content too long")
	}
	t.mu.Lock()
	words := slices.Clone(t.riskyWords)
	t.mu.Unlock()

	suggest, label, keyword := "pass", 100, ""
	text := req.Content + "\n" + req.Title + "\n" + req.Nick + "\n" + req.Sig
	for _, w := range words {
		if w != "" && strings.Contains(text, w) {
			suggest, label, keyword = "risky", 20006, w
			break
		}
	}
	detail := map[string]any{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}
	if keyword != "" {
		detail = map[string]any{"strategy": "keyword", "errcode": 0, "suggest": suggest, "label": label, "level": 20, "keyword": keyword}
	}
	return jsonReply(map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"result":   map[string]any{"suggest": suggest, "label": label},
		"detail":   []any{detail},
		"trace_id": e.traceID(),
	})
}
