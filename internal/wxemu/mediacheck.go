package wxemu

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EndpointMediaCheckAsync is WeChat's asynchronous photo and audio check.
const EndpointMediaCheckAsync Endpoint = "/wxa/media_check_async"

// SetPush sets where and with which token the tenant's message pushes
// (消息推送) go, as configured in WeChat's console: the results of
// media_check_async are POSTed there, signed like WeChat's
// (signature = sha1 of the sorted token, timestamp and nonce).
func (t *Tenant) SetPush(url, token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pushURL, t.pushToken = url, token
}

// SetRiskyMedia makes media_check_async judge "risky" the files whose
// SHA-256 (hex) is one of hashes.
func (t *Tenant) SetRiskyMedia(hashes ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.riskyMedia = slices.Clone(hashes)
}

// MediaPushes returns how many media-check results were pushed and
// answered "success".
func (t *Tenant) MediaPushes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mediaPushes
}

// PushSignature is WeChat's signature of a push: sha1 of the sorted
// token, timestamp and nonce, in hex.
func PushSignature(token, timestamp, nonce string) string {
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// checkArgs are the arguments both content-security checks (version 2)
// take.
type checkArgs struct {
	Version int    `json:"version"`
	Scene   int    `json:"scene"`
	OpenID  string `json:"openid"`
}

// invalid is WeChat's refusal of a wrong version or scene ("" when both
// are right).
func (a checkArgs) invalid() string {
	switch {
	case a.Version != 2:
		return "argument invalid! version"
	case a.Scene < 1 || a.Scene > 4:
		return "argument invalid! scene"
	}
	return ""
}

// traceID is a new trace id as the content-security checks answer one.
func (e *Emulator) traceID() string { return randHex(8) + "-" + strconv.FormatInt(e.now().Unix(), 10) }

// mediaCheckAsync serves POST /wxa/media_check_async (version 2): it
// answers a trace id at once, then fetches the file and pushes the verdict
// to the tenant's push URL.
func (e *Emulator) mediaCheckAsync(t *Tenant, _ *http.Request, body []byte) reply {
	var req struct {
		checkArgs
		MediaURL  string `json:"media_url"`
		MediaType int    `json:"media_type"`
	}
	if !decode(body, &req) {
		return errReply(47001, "")
	}
	u, err := url.Parse(req.MediaURL)
	switch invalid := req.invalid(); {
	case invalid != "":
		return errReply(47003, invalid)
	case req.MediaType != 1 && req.MediaType != 2:
		return errReply(47003, "argument invalid! media_type")
	case req.OpenID == "":
		return errReply(40003, "")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errReply(47003, "argument invalid! media_url")
	}
	trace := e.traceID()
	go e.pushMediaVerdict(t, trace, req.OpenID, req.MediaURL)
	return jsonReply(map[string]any{"errcode": 0, "errmsg": "ok", "trace_id": trace})
}

func (e *Emulator) pushMediaVerdict(t *Tenant, trace, openID, mediaURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	suggest, label, code := "pass", 100, 0
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		suggest, code = "review", -1 // WeChat could not download the file
	} else {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 10<<20))
		res.Body.Close()
		sum := sha256.Sum256(data)
		t.mu.Lock()
		risky := slices.Contains(t.riskyMedia, hex.EncodeToString(sum[:]))
		t.mu.Unlock()
		switch {
		case res.StatusCode != http.StatusOK:
			suggest, code = "review", -1
		case risky:
			suggest, label = "risky", 20002
		}
	}
	t.mu.Lock()
	pushURL, token := t.pushURL, t.pushToken
	t.mu.Unlock()
	if pushURL == "" {
		return
	}
	msg, _ := json.Marshal(map[string]any{
		"ToUserName": "gh_" + t.appID, "FromUserName": openID, "CreateTime": e.now().Unix(), "MsgType": "event",
		"Event": "wxa_media_check", "appid": t.appID, "trace_id": trace, "version": 2,
		"detail":  []any{map[string]any{"strategy": "content_model", "errcode": code, "suggest": suggest, "label": label, "prob": 90}},
		"errcode": 0, "errmsg": "ok",
		"result": map[string]any{"suggest": suggest, "label": label},
	})
	ts, nonce := strconv.FormatInt(e.now().Unix(), 10), randHex(6)
	q := url.Values{"signature": {PushSignature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}
	// WeChat retries a push that is not answered "success" (three times).
	for attempt := 0; attempt < 3; attempt++ {
		preq, _ := http.NewRequestWithContext(ctx, http.MethodPost, pushURL+"?"+q.Encode(), bytes.NewReader(msg))
		preq.Header.Set("Content-Type", "application/json")
		pres, err := http.DefaultClient.Do(preq)
		if err == nil {
			b, _ := io.ReadAll(pres.Body)
			pres.Body.Close()
			if pres.StatusCode == http.StatusOK && string(b) == "success" {
				t.mu.Lock()
				t.mediaPushes++
				t.mu.Unlock()
				return
			}
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
}
