package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestNotFoundAs(t *testing.T) {
	named := Invalid("BAD_CODE", "签到码无效")
	other := Conflict("TAKEN", "已被占用")
	plain := errors.New("connection reset")
	for _, c := range []struct {
		name    string
		err     error
		want    error
		wantNil bool
	}{
		{"nil stays nil", nil, nil, true},
		{"not found is named", NotFound("NOT_FOUND", "记录不存在"), named, false},
		{"wrapped not found is named", fmt.Errorf("load: %w", NotFound("NOT_FOUND", "记录不存在")), named, false},
		{"another kind passes", other, other, false},
		{"a plain error passes", plain, plain, false},
	} {
		got := NotFoundAs(c.err, named)
		if c.wantNil != (got == nil) || got != c.want {
			t.Errorf("%s: NotFoundAs(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
