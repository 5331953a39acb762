package wechat

import (
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/silenceper/wechat/v2/miniprogram/security"

	"gongjian/internal/errs"
)

// Media types of media_check_async.
const (
	MediaAudio uint8 = 1
	MediaImage uint8 = 2
)

// MediaCheckAsync asks WeChat to check a photo (or audio) at mediaURL,
// which WeChat downloads; the verdict arrives later as a message push
// (event wxa_media_check) carrying the returned trace id.
func (c *Client) MediaCheckAsync(ctx context.Context, openID, mediaURL string, scene TextScene) (traceID string, err error) {
	if openID == "" {
		return "", errs.Invalid(CodeInvalidOpenID, msgInvalidOpenID)
	}
	if scene == 0 {
		scene = SceneForum
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = c.withTokenRetry(ctx, func(ctx context.Context) error {
		id, err := c.mp.GetSecurity().MediaCheckAsyncContext(ctx, &security.MediaCheckAsyncRequest{
			MediaURL: mediaURL, MediaType: MediaImage, OpenID: openID, Scene: uint8(scene),
		})
		traceID = id
		return err
	})
	if err != nil {
		return "", classify(opMediaCheck, err)
	}
	if traceID == "" {
		return "", classify(opMediaCheck, errors.New("answer without trace_id"))
	}
	return traceID, nil
}

// VerifyPush reports whether a message push (or the URL check WeChat makes
// when the push URL is configured) is signed with token: signature is the
// sha1 of the sorted token, timestamp and nonce.
func VerifyPush(token, signature, timestamp, nonce string) bool {
	if token == "" || signature == "" || timestamp == "" || nonce == "" {
		return false
	}
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(signature)) == 1
}

// MediaVerdict is the result of a media check, pushed by WeChat.
type MediaVerdict struct {
	TraceID string
	Suggest string // pass, review or risky
	Label   int
}

// ParsePush reads a JSON message push. ok is false for events other than
// wxa_media_check (they are acknowledged and ignored).
func ParsePush(body []byte) (v MediaVerdict, ok bool, err error) {
	var m struct {
		Event   string `json:"Event"`
		TraceID string `json:"trace_id"`
		Result  struct {
			Suggest string `json:"suggest"`
			Label   int    `json:"label"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return MediaVerdict{}, false, errs.Invalid("BAD_PUSH", "推送内容格式不正确")
	}
	if m.Event != "wxa_media_check" {
		return MediaVerdict{}, false, nil
	}
	if m.TraceID == "" || m.Result.Suggest == "" {
		return MediaVerdict{}, false, errs.Invalid("BAD_PUSH", "推送内容格式不正确")
	}
	return MediaVerdict{TraceID: m.TraceID, Suggest: m.Result.Suggest, Label: m.Result.Label}, true, nil
}
