// Package errs defines the one error type the whole application uses.
//
// Domain code returns *errs.Error values carrying a Kind (which the HTTP
// layer maps to a status in exactly one table), a machine code such as
// "QUOTA_FULL", and a message in Simplified Chinese that a resident can read.
package errs

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gongjian/internal/usertext"
)

// Kind classifies an error for transport mapping.
type Kind int

const (
	KindInternal         Kind = iota // a bug or an unexpected failure
	KindInvalid                      // the request is malformed or breaks a rule (400/422)
	KindUnauthorized                 // not logged in, bad token
	KindForbidden                    // logged in but not allowed
	KindNotFound                     // no such resource (or not visible to the caller)
	KindConflict                     // state conflict: already registered, duplicate
	KindQuotaFull                    // no seat and no waitlist place left
	KindUnavailable                  // a dependency is down; retry later
	KindRateLimited                  // too many requests
	KindUnprocessable                // well-formed but refused by a business rule (422)
	KindTooLarge                     // body too large
	KindMethodNotAllowed             // the route exists, not with this method (405)
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindQuotaFull:
		return "quota_full"
	case KindUnavailable:
		return "unavailable"
	case KindRateLimited:
		return "rate_limited"
	case KindUnprocessable:
		return "unprocessable"
	case KindTooLarge:
		return "too_large"
	case KindMethodNotAllowed:
		return "method_not_allowed"
	default:
		return "internal"
	}
}

// Error is the application error.
type Error struct {
	Kind    Kind
	Code    string         // machine code, e.g. "INVALID_CODE"
	Message string         // Simplified Chinese, shown to people
	Details map[string]any // optional structured details (e.g. first check-in time)
	Err     error          // wrapped cause, never shown to clients
	// RetryAfter is how long a rate-limited caller should wait (0: the
	// HTTP layer's default); sent as Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an error.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap builds an error around a cause.
func Wrap(err error, kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: err}
}

// With returns a copy of e carrying a detail.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// RetryIn returns a copy of e telling the caller to retry after d.
func (e *Error) RetryIn(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// Convenience constructors for the common kinds.
func Invalid(code, msg string) *Error       { return New(KindInvalid, code, msg) }
func Unprocessable(code, msg string) *Error { return New(KindUnprocessable, code, msg) }
func NotFound(code, msg string) *Error      { return New(KindNotFound, code, msg) }
func Conflict(code, msg string) *Error      { return New(KindConflict, code, msg) }
func Forbidden(code, msg string) *Error     { return New(KindForbidden, code, msg) }
func Unauthorized(code, msg string) *Error  { return New(KindUnauthorized, code, msg) }

// Unavailable wraps a dependency failure.
func Unavailable(err error, msg string) *Error {
	return Wrap(err, KindUnavailable, "UNAVAILABLE", msg)
}

// Internal wraps an unexpected failure.
func Internal(err error) *Error {
	return Wrap(err, KindInternal, "INTERNAL", "系统繁忙，请稍后再试")
}

// NotFoundAs is e when err is of KindNotFound and err otherwise (nil
// stays nil): for callers that say what was not found in their terms.
func NotFoundAs(err, e error) error {
	if KindOf(err) == KindNotFound {
		return e
	}
	return err
}

// KindOf reports the kind of err; KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// CodeOf reports the machine code of err; "INTERNAL" for foreign errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "INTERNAL"
}

// As extracts the *Error from err, converting foreign errors to internal ones.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Text cleans a text field (surrounding space and invisible characters,
// usertext.Clean) and checks its length in characters (min..max)
// and that it holds no NUL byte; the error (INVALID_<FIELD>) names the
// field by its Chinese label.
func Text(field, label, v string, min, max int) (string, error) {
	v = usertext.Clean(v)
	n := utf8.RuneCountInString(v)
	if n < min || n > max || strings.ContainsAny(v, "\x00") {
		if min > 0 {
			return "", Invalid("INVALID_"+strings.ToUpper(field), fmt.Sprintf("请填写%s（%d到%d个字）", label, min, max))
		}
		return "", Invalid("INVALID_"+strings.ToUpper(field), fmt.Sprintf("%s不能超过%d个字", label, max))
	}
	return v, nil
}
