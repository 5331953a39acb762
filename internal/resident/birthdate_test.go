package resident

import (
	"testing"
	"time"

	"gongjian/internal/cst"
)

// A family member born today in China (a birth date as the mini-program
// sends it: the calendar date) is accepted at any hour of the Chinese day,
// including the first eight hours, when the UTC date is still yesterday;
// tomorrow's date is refused.
func TestDependentBornTodayInChina(t *testing.T) {
	today := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) // "2026-12-05" as parsed
	for _, now := range []time.Time{time.Date(2026, 12, 5, 1, 0, 0, 0, cst.Zone), time.Date(2026, 12, 5, 23, 59, 0, 0, cst.Zone)} {
		s := NewService(nil, nil, nil, func() time.Time { return now })
		d := Dependent{Name: "小宝", Relation: RelationChild, Gender: "male", BirthDate: today}
		if err := s.validateDependent(&d); err != nil {
			t.Errorf("born today, at %s: %v", cst.Minute(now), err)
		}
		d.BirthDate = today.AddDate(0, 0, 1)
		if err := s.validateDependent(&d); err == nil {
			t.Errorf("born tomorrow, at %s: accepted", cst.Minute(now))
		}
	}
}
