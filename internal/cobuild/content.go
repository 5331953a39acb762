package cobuild

import "context"

// Content-security verdicts (WeChat's suggest values).
const (
	VerdictPass   = "pass"
	VerdictReview = "review"
	VerdictRisky  = "risky"
)

// Checker is WeChat's content security: text is judged at once
// (msgSecCheck), photos asynchronously (mediaCheckAsync: the verdict is
// pushed later, by trace id). Implemented by the wechat package.
type Checker interface {
	CheckText(ctx context.Context, openID, text string) (verdict string, err error)
	CheckMedia(ctx context.Context, openID, mediaURL string) (traceID string, err error)
}
