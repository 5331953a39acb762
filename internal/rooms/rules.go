package rooms

import (
	"fmt"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/usertext"
)

// Defaults of a room's rules when the owner gives none.
var DefaultRules = Rules{
	SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 4 * 60, AheadDays: 14, WeeklyHours: 0,
	Audience: []string{AudienceResidents, AudienceTeams, AudienceUnits}, GraceMinutes: 15,
}

// MaxSpan is longer than any booking (a room's MaxMinutes is at most a
// day): a list of the bookings still running at a time t reads only those
// starting after t-MaxSpan, a bounded range of its index.
const MaxSpan = 24 * time.Hour

// DefaultHours: every day 08:00–21:00.
func DefaultHours() []DayHours {
	out := make([]DayHours, 0, 7)
	for d := 1; d <= 7; d++ {
		out = append(out, DayHours{Weekday: d, Opens: "08:00", Closes: "21:00"})
	}
	return out
}

var text = errs.Text

// clock parses "HH:MM" into minutes after midnight (24:00 allowed).
func clock(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

var errBadHours = errs.Invalid("INVALID_HOURS", "开放时间应为每周几（1–7）和几点到几点（如 08:00–17:30），按15分钟取整")

// normalizeRoom checks a room's fields and fills defaults.
func normalizeRoom(r *Room) error {
	var err error
	if r.Name, err = text("name", "场地名称", r.Name, 1, 60); err != nil {
		return err
	}
	if r.Place, err = text("place", "位置", r.Place, 0, 200); err != nil {
		return err
	}
	if r.Description, err = text("description", "简介", r.Description, 0, 1000); err != nil {
		return err
	}
	r.Kind = KindOf(r.Kind)
	if _, ok := Kinds[r.Kind]; !ok {
		return errs.Invalid("INVALID_KIND", "场地类型无效")
	}
	if r.Capacity < 1 || r.Capacity > 10000 {
		return errs.Invalid("INVALID_CAPACITY", "容量应为1到10000人")
	}
	if len(r.Facilities) > 30 || len(r.Photos) > 9 {
		return errs.Invalid("TOO_MANY_ITEMS", "设施最多30项，照片最多9张")
	}
	for i, f := range r.Facilities {
		if r.Facilities[i], err = text("facilities", "设施名称", f, 1, 30); err != nil {
			return err
		}
	}
	if len(r.Hours) == 0 {
		r.Hours = DefaultHours()
	}
	seen := map[int]bool{}
	for _, h := range r.Hours {
		o, ok1 := clock(h.Opens)
		c, ok2 := clock(h.Closes)
		if !ok1 || !ok2 || h.Weekday < 1 || h.Weekday > 7 || seen[h.Weekday] || o >= c || o%15 != 0 || c%15 != 0 {
			return errBadHours
		}
		seen[h.Weekday] = true
	}
	return normalizeRules(&r.Rules)
}

// audienceAliases are other spellings of who may book: the singular, and
// the "staff only".
var audienceAliases = map[string]string{"resident": AudienceResidents, "residents_of_the_community": AudienceResidents,
	"community_residents": AudienceResidents, "team": AudienceTeams, "unit": AudienceUnits, "staff_only": AudienceStaff}

// audienceOf is the audience a names (audienceAliases, case and spaces
// aside); a itself when none (refused by the caller).
func audienceOf(a string) string {
	names := map[string]string{AudienceResidents: "居民", AudienceTeams: "队伍", AudienceUnits: "共建单位", AudienceStaff: "工作人员"}
	if c := usertext.Code(a, names, audienceAliases); c != "" {
		return c
	}
	return a
}

func normalizeRules(x *Rules) error {
	d := DefaultRules
	if x.SlotMinutes == 0 {
		x.SlotMinutes = d.SlotMinutes
	}
	if x.MinMinutes == 0 {
		x.MinMinutes = x.SlotMinutes
	}
	if x.MaxMinutes == 0 {
		x.MaxMinutes = max(d.MaxMinutes, x.MinMinutes)
	}
	if x.AheadDays == 0 {
		x.AheadDays = d.AheadDays
	}
	if x.GraceMinutes == 0 {
		x.GraceMinutes = d.GraceMinutes
	}
	if len(x.Audience) == 0 {
		x.Audience = append([]string(nil), d.Audience...)
	}
	switch {
	case x.SlotMinutes < 15 || x.SlotMinutes > 240 || x.SlotMinutes%15 != 0:
		return errs.Invalid("INVALID_RULES", "时段长度应为15分钟的整数倍（15–240）")
	case x.MinMinutes < x.SlotMinutes || x.MinMinutes%x.SlotMinutes != 0 || x.MaxMinutes < x.MinMinutes || x.MaxMinutes > int(MaxSpan/time.Minute) || x.MaxMinutes%x.SlotMinutes != 0:
		return errs.Invalid("INVALID_RULES", "最短和最长预约时长应为时段长度的整数倍，且最短不超过最长")
	case x.AheadDays < 1 || x.AheadDays > 365:
		return errs.Invalid("INVALID_RULES", "可提前预约天数应为1到365天")
	case x.WeeklyHours < 0 || x.WeeklyHours > 168:
		return errs.Invalid("INVALID_RULES", "每周时长上限应为0（不限）到168小时")
	case x.GraceMinutes < 5 || x.GraceMinutes > 120:
		return errs.Invalid("INVALID_RULES", "签到宽限时间应为5到120分钟")
	}
	seen := map[string]bool{}
	var aud []string
	for _, a := range x.Audience {
		a = audienceOf(a)
		switch a {
		case AudienceResidents, AudienceTeams, AudienceUnits, AudienceStaff:
		default:
			return errs.Invalid("INVALID_RULES", "可预约对象只能是居民、队伍、共建单位或工作人员")
		}
		if !seen[a] {
			seen[a] = true
			aud = append(aud, a)
		}
	}
	x.Audience = aud
	return nil
}

// Opens reports whether the audience includes a.
func (x Rules) Opens(a string) bool {
	for _, v := range x.Audience {
		if v == a {
			return true
		}
	}
	return false
}

// dayWindow returns the opening hours of the CST day holding t.
func (r Room) dayWindow(t time.Time) (time.Time, time.Time, bool) {
	local := t.In(cst.Zone)
	wd := int(local.Weekday())
	if wd == 0 {
		wd = 7
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, cst.Zone)
	for _, h := range r.Hours {
		if h.Weekday == wd {
			o, _ := clock(h.Opens)
			c, _ := clock(h.Closes)
			return day.Add(time.Duration(o) * time.Minute), day.Add(time.Duration(c) * time.Minute), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// checkRange checks a booking's time range against the room's rules (not
// against other bookings: the slots' key does that). staff skip the
// "how far ahead" rule.
func (r Room) checkRange(start, end, now time.Time, staff bool) error {
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return errBadTime
	}
	slot := time.Duration(r.Rules.SlotMinutes) * time.Minute
	// Slots count from the day's opening time, as availability lists them
	// (a room opening at 08:30 with hour-long slots: 08:30–09:30, …); on a
	// day without opening hours, from midnight (refused below anyway).
	o, c, ok := r.dayWindow(start)
	first := dayStart(start)
	if ok {
		first = o
	}
	if start.Sub(first)%slot != 0 || end.Sub(start)%slot != 0 || start.Second() != 0 || start.Nanosecond() != 0 {
		return errNotAligned
	}
	mins := int(end.Sub(start) / time.Minute)
	if mins < r.Rules.MinMinutes {
		return errTooShort.With("min_minutes", r.Rules.MinMinutes)
	}
	if mins > r.Rules.MaxMinutes {
		return errTooLong.With("max_minutes", r.Rules.MaxMinutes)
	}
	if !start.After(now) {
		return errInPast
	}
	if !staff && start.After(now.Add(time.Duration(r.Rules.AheadDays)*24*time.Hour)) {
		return errTooFarAhead.With("ahead_days", r.Rules.AheadDays)
	}
	if !ok || start.Before(o) || end.After(c) {
		return errOutsideHours
	}
	return nil
}

// WeekStart is Monday 00:00 CST of the week holding t.
func WeekStart(t time.Time) time.Time {
	l := t.In(cst.Zone)
	wd := int(l.Weekday())
	if wd == 0 {
		wd = 7
	}
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst.Zone)
	return d.AddDate(0, 0, 1-wd)
}
