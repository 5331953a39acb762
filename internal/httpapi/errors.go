package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
)

// statusOf is THE table mapping error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.KindInvalid:          http.StatusBadRequest,
	errs.KindUnprocessable:    http.StatusUnprocessableEntity,
	errs.KindUnauthorized:     http.StatusUnauthorized,
	errs.KindForbidden:        http.StatusForbidden,
	errs.KindNotFound:         http.StatusNotFound,
	errs.KindConflict:         http.StatusConflict,
	errs.KindQuotaFull:        http.StatusConflict,
	errs.KindRateLimited:      http.StatusTooManyRequests,
	errs.KindTooLarge:         http.StatusRequestEntityTooLarge,
	errs.KindMethodNotAllowed: http.StatusMethodNotAllowed,
	errs.KindUnavailable:      http.StatusServiceUnavailable,
	errs.KindInternal:         http.StatusInternalServerError,
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	RequestID string         `json:"request_id"`
	Details   map[string]any `json:"details,omitempty"`
}

// respond answers v with status, or, when err is not nil, the error (v is
// then ignored: built from a zero value, it must not panic).
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

// dtos converts a list for an answer (never nil: an empty list is []).
func dtos[T, D any](xs []T, to func(T) D) []D {
	out := make([]D, 0, len(xs))
	for _, x := range xs {
		out = append(out, to(x))
	}
	return out
}

// noContent answers 204 No Content, or the error.
func noContent(c *gin.Context, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// sendData answers body, of contentType, with the headers given as name,
// value pairs; or the error (without them).
func sendData(c *gin.Context, contentType string, body []byte, err error, header ...string) {
	if err != nil {
		fail(c, err)
		return
	}
	for i := 0; i+1 < len(header); i += 2 {
		c.Header(header[i], header[i+1])
	}
	c.Data(http.StatusOK, contentType, body)
}

// respondItems answers {"items": [...]}, xs converted by to, or the
// error.
func respondItems[T, D any](c *gin.Context, xs []T, to func(T) D, err error) {
	respond(c, http.StatusOK, gin.H{"items": dtos(xs, to)}, err)
}

// optionalID is &id, or nil (null, or a field left out) for 0.
func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// optionalTime is &t, or nil (null, or a field left out) for the zero
// time.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fail writes err as the JSON error answer and aborts the chain.
func fail(c *gin.Context, err error) {
	e := errs.As(err)
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		// The cause goes to the log (it never holds personal data: stores
		// and clients wrap driver errors only); the client sees the kind.
		logger(c).Error("request failed", slog.String("code", e.Code), slog.String("cause", causeOf(e)))
	}
	switch status {
	case http.StatusServiceUnavailable:
		c.Header("Retry-After", "2")
	case http.StatusTooManyRequests:
		c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	writeError(c, status, ErrorBody{Code: e.Code, Message: e.Message, RequestID: requestID(c), Details: e.Details})
}

// writeError answers body with status and ends the request, byte for byte
// as gin's AbortWithStatusJSON does (TestWriteErrorAsGinWould). The usual
// body, without details and with strings json.Marshal writes as they are,
// is written without reflection: refusals are most of what a sold-out
// release answers.
func writeError(c *gin.Context, status int, body ErrorBody) {
	if body.Details != nil || !marshalsAsIs(body.Code) || !marshalsAsIs(body.Message) || !marshalsAsIs(body.RequestID) {
		c.AbortWithStatusJSON(status, body)
		return
	}
	b := make([]byte, 0, len(`{"code":"","message":"","request_id":""}`)+len(body.Code)+len(body.Message)+len(body.RequestID))
	b = append(b, `{"code":"`...)
	b = append(b, body.Code...)
	b = append(b, `","message":"`...)
	b = append(b, body.Message...)
	b = append(b, `","request_id":"`...)
	b = append(b, body.RequestID...)
	b = append(b, `"}`...)
	c.Abort()
	c.Status(status)
	if h := c.Writer.Header(); len(h["Content-Type"]) == 0 {
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
	}
	_, _ = c.Writer.Write(b)
}

// marshalsAsIs reports whether encoding/json writes s between its quotes
// unchanged: valid UTF-8 without control characters, quotes, backslashes,
// the characters it escapes for HTML (<, >, &) or U+2028 and U+2029.
func marshalsAsIs(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// defaultRetryAfter is told to a rate-limited caller when the limit did
// not say how long to wait: the limits count per minute or longer.
const defaultRetryAfter = time.Minute

// retryAfterSeconds is d as a Retry-After value: whole seconds, rounded
// up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		d = defaultRetryAfter
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

func causeOf(e *errs.Error) string {
	if e.Err == nil {
		return e.Code
	}
	var inner *errs.Error
	if errors.As(e.Err, &inner) && inner != e {
		return causeOf(inner)
	}
	return e.Err.Error()
}
