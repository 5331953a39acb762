package httpapi

import (
	"net/url"
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/wristband"
)

// A date a list filters on must be one the database can compare: MySQL's
// driver refuses a time outside the years 1..9999 (UTC), and 0001-01-01 in
// China time is still year 0 in UTC, so such a filter was a 500. It is a
// bad query instead; every ordinary date still reads.
func TestQueryTimeOutOfRangeIsBadQuery(t *testing.T) {
	for _, q := range []string{"from=0001-01-01", "from=0000-01-01", "from=0999-12-31",
		"from=9999-12-31", "from=" + url.QueryEscape("9999-01-01T00:00:00Z"), "from=" + url.QueryEscape("0001-01-01T00:00:00+08:00")} {
		_, err := queryTime(queryContext(q), "from", false)
		if errs.CodeOf(err) != "BAD_QUERY" {
			t.Errorf("%s: %v, want BAD_QUERY", q, err)
		}
	}
	day := time.Now().In(cst.Zone)
	for q, want := range map[string]time.Time{
		"to=" + day.Format(dateLayout): time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, cst.Zone),
		"to=9998-12-31":                time.Date(9999, 1, 1, 0, 0, 0, 0, cst.Zone),
		"to=1000-01-02":                time.Date(1000, 1, 3, 0, 0, 0, 0, cst.Zone),
	} {
		got, err := queryTime(queryContext(q), "to", true)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", q, got, err, want)
		}
	}
}

// The same holds for a wristband's readings before a time.
func TestReadingsBeforeOutOfRangeIsBadQuery(t *testing.T) {
	for _, q := range []string{"before=" + url.QueryEscape("0001-01-01T00:00:00+08:00"), "before=" + url.QueryEscape("0500-06-01T00:00:00Z")} {
		var f wristband.ReadingFilter
		if err := readingFilter(&f)(queryContext(q)); errs.CodeOf(err) != "BAD_QUERY" {
			t.Errorf("%s: %v, want BAD_QUERY", q, err)
		}
	}
	var f wristband.ReadingFilter
	if err := readingFilter(&f)(queryContext("before=" + url.QueryEscape("2026-12-01T09:00:00+08:00"))); err != nil || f.Before.IsZero() {
		t.Fatalf("an ordinary time: %v %v", f.Before, err)
	}
}

// A time with a China-time offset written into the URL unescaped (its
// "+" decoded as a space) is the time meant, not a bad date.
func TestQueryTimeTakesAnUnescapedOffset(t *testing.T) {
	want := time.Date(2026, 12, 1, 9, 0, 0, 0, cst.Zone)
	for _, q := range []string{"from=2026-12-01T09:00:00+08:00", "from=" + url.QueryEscape("2026-12-01T09:00:00+08:00"), "from=2026-12-01T01:00:00Z"} {
		got, err := queryTime(queryContext(q), "from", false)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", q, got, err, want)
		}
	}
	if _, err := queryTime(queryContext("from=2026-12-01+09:00:00"), "from", false); errs.CodeOf(err) != "BAD_QUERY" {
		t.Errorf("a date and time with a space: %v, want BAD_QUERY", err)
	}
}
