package hours

import (
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
)

// A report's range is in China time; a date MySQL cannot be sent (year 0 in
// UTC: 0001-01-01 in China time) is a bad range, not a 500, and an ordinary
// range still reads.
func TestParseRangeRefusesDatesOutOfDatabaseRange(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, cst.Zone)
	for _, r := range [][2]string{{"0001-01-01", "0001-01-31"}, {"0999-12-01", "0999-12-31"}} {
		if _, _, err := ParseRange(r[0], r[1], now); errs.CodeOf(err) != "BAD_DATE_RANGE" {
			t.Errorf("%v: %v, want BAD_DATE_RANGE", r, err)
		}
	}
	f, to, err := ParseRange("2026-11-01", "2026-11-30", now)
	if err != nil || !f.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, cst.Zone)) || !to.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, cst.Zone)) {
		t.Fatalf("November: %v..%v, %v", f, to, err)
	}
}

// A report's range may also be given as RFC 3339 times: the instants they
// name, the end exclusive.
func TestParseRangeTakesRFC3339Times(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, cst.Zone)
	f, to, err := ParseRange("2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00", now)
	if err != nil || !f.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, cst.Zone)) || !to.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, cst.Zone)) {
		t.Fatalf("November: %v..%v, %v", f, to, err)
	}
	f, to, err = ParseRange("2026-10-31T16:00:00Z", "2026-11-30", now)
	if err != nil || !f.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, cst.Zone)) || !to.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, cst.Zone)) {
		t.Fatalf("mixed: %v..%v, %v", f, to, err)
	}
	for _, r := range [][2]string{{"2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z"}, {"2026-11-01T25:00:00Z", ""}, {"yesterday", ""}} {
		if _, _, err := ParseRange(r[0], r[1], now); errs.CodeOf(err) != "BAD_DATE_RANGE" {
			t.Errorf("%v: %v, want BAD_DATE_RANGE", r, err)
		}
	}
}
