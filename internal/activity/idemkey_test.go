package activity_test

import (
	"regexp"
	"strings"
	"testing"

	"gongjian/internal/activity"
)

// The hand-written check accepts exactly what the documented pattern does.
func TestValidIdemKeyMatchesItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_\-:.]{1,64}$`)
	cases := []string{
		"", "a", "A-b_c:d.e", "k1", strings.Repeat("x", 64), strings.Repeat("x", 65),
		"with space", "tab\t", "line\n", "key\n", "中文", "k/1", "k+1", "k=1", "k%1", "é", "0123456789", "-_:.", "a\x00b",
	}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, string([]byte{'k', c}))
	}
	for _, k := range cases {
		if got, want := activity.ValidIdemKey(k), pattern.MatchString(k); got != want {
			t.Errorf("ValidIdemKey(%q) = %v, the pattern says %v", k, got, want)
		}
	}
}
