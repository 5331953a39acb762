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

// A family member's age turns on their birthday in China: in the evening
// UTC (already the next day in China) a child born fourteen years ago
// "tomorrow in UTC" is fourteen, needs no guardian's consent and may be
// signed up; the hours before are the day before.
func TestAgeTurnsOnTheChineseBirthday(t *testing.T) {
	birth := time.Date(2012, 12, 5, 0, 0, 0, 0, time.UTC) // "2012-12-05" as parsed
	d := Dependent{BirthDate: birth}
	cases := []struct {
		at      time.Time
		age     int
		consent bool
	}{
		{time.Date(2026, 12, 4, 15, 59, 0, 0, time.UTC), 13, true}, // 23:59 on the 4th in China
		{time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC), 14, false}, // 00:00 on the 5th in China
		{time.Date(2026, 12, 5, 1, 0, 0, 0, cst.Zone), 14, false},
	}
	for _, c := range cases {
		if got := AgeOn(birth, c.at); got != c.age {
			t.Errorf("age at %s: %d, want %d", c.at.Format(time.RFC3339), got, c.age)
		}
		if got := d.NeedsConsent(c.at); got != c.consent {
			t.Errorf("needs consent at %s: %v, want %v", c.at.Format(time.RFC3339), got, c.consent)
		}
	}
}

// Ages are counted on the Chinese calendar day, whatever the zone of the
// time given: a child turns 14 at midnight in China (the guardian's
// consent is no longer needed), not eight hours later when the UTC date
// changes.
func TestAgeIsCountedOnTheChineseDay(t *testing.T) {
	birth := time.Date(2012, 12, 5, 0, 0, 0, 0, time.UTC) // "2012-12-05" as parsed
	cases := []struct {
		name string
		now  time.Time
		age  int
	}{
		{"23:59 the day before, in China", time.Date(2026, 12, 4, 15, 59, 0, 0, time.UTC), 13},
		{"00:30 on the birthday, in China (UTC still the day before)", time.Date(2026, 12, 4, 16, 30, 0, 0, time.UTC), 14},
		{"07:59 on the birthday, in China", time.Date(2026, 12, 4, 23, 59, 0, 0, time.UTC), 14},
		{"noon on the birthday, given in China's zone", time.Date(2026, 12, 5, 12, 0, 0, 0, cst.Zone), 14},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AgeOn(birth, c.now); got != c.age {
				t.Errorf("AgeOn = %d, want %d", got, c.age)
			}
			d := Dependent{BirthDate: birth}
			if got, want := d.NeedsConsent(c.now), c.age < ConsentAge; got != want {
				t.Errorf("NeedsConsent = %v, want %v", got, want)
			}
			if got, want := d.Usable(c.now), c.age >= ConsentAge; got != want {
				t.Errorf("Usable without consent = %v, want %v", got, want)
			}
		})
	}
}
