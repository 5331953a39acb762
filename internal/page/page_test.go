package page

import (
	"testing"

	"gongjian/internal/errs"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []Cursor{{0, 1}, {1733100000000000, 42}, {-5, 1 << 40}} {
		got, err := Decode(c.Encode())
		if err != nil || got == nil || *got != c {
			t.Errorf("%+v: got %+v, %v", c, got, err)
		}
	}
}

func TestDecodeRefusesTampered(t *testing.T) {
	good := Cursor{Key: 7, ID: 9}.Encode()
	for _, s := range []string{"x", "!!!!", good + "A", good[:len(good)-1], Cursor{Key: 1, ID: 0}.Encode()} {
		if _, err := Decode(s); errs.CodeOf(err) != "BAD_CURSOR" {
			t.Errorf("%q: want BAD_CURSOR, got %v", s, err)
		}
	}
	if c, err := Decode(""); c != nil || err != nil {
		t.Errorf("empty cursor: %v %v", c, err)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		limit, def, want int
		code             string
	}{
		{0, 20, 20, ""}, {100, 20, 100, ""}, {101, 20, 0, "BAD_LIMIT"}, {-1, 20, 0, "BAD_LIMIT"}, {5, 20, 5, ""},
	}
	for _, tt := range tests {
		r, err := Parse("", tt.limit, tt.def)
		code := ""
		if err != nil {
			code = errs.CodeOf(err)
		}
		if code != tt.code || (tt.code == "" && r.Limit != tt.want) {
			t.Errorf("limit %d: got %+v %v", tt.limit, r, err)
		}
	}
}

func TestTrim(t *testing.T) {
	rows := []int64{9, 8, 7}
	at := func(v int64) Cursor { return Cursor{ID: v} }
	got, next := Trim(rows, 2, at)
	if len(got) != 2 || next != (Cursor{ID: 8}).Encode() {
		t.Errorf("got %v %q", got, next)
	}
	got, next = Trim(rows, 3, at)
	if len(got) != 3 || next != "" {
		t.Errorf("last page: got %v %q", got, next)
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct{ limit, def, want int }{
		{0, 20, 20}, {-3, 50, 50}, {1, 20, 1}, {100, 20, 100}, {101, 50, 50},
	} {
		if got := Within(c.limit, c.def); got != c.want {
			t.Errorf("Within(%d, %d) = %d, want %d", c.limit, c.def, got, c.want)
		}
	}
}

// TestWithinPeek: a store may be asked one row more than the largest page
// (whether another follows), not more.
func TestWithinPeek(t *testing.T) {
	for _, c := range []struct{ limit, def, want int }{
		{0, 20, 20}, {-3, 50, 50}, {1, 20, 1}, {100, 20, 100}, {101, 20, 101}, {102, 50, 50}, {1000, 50, 50},
	} {
		if got := WithinPeek(c.limit, c.def); got != c.want {
			t.Errorf("WithinPeek(%d, %d) = %d, want %d", c.limit, c.def, got, c.want)
		}
	}
}
