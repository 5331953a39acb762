package hours_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/page"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// namedPeople are the users of a test.
type namedPeople map[int64]resident.User

func (p namedPeople) UserByID(_ context.Context, id int64) (resident.User, error) {
	if u, ok := p[id]; ok {
		return u, nil
	}
	return resident.User{}, errs.NotFound("USER_NOT_FOUND", "用户不存在")
}

func (namedPeople) ListCommunities(context.Context) ([]resident.Community, error) { return nil, nil }

// A record's number verifies it: found with the holder masked, the hours,
// the period and the issuer; superseded once the ledger moved on; any
// other number (a changed check, another person's, another state) is not
// found.
func TestRecordVerification(t *testing.T) {
	db := testenv.DB(t)
	store := mysqlstore.NewHoursStore(db)
	ctx := context.Background()
	people := namedPeople{41: {ID: 41, RealName: "李梅花"}, 42: {ID: 42, Nickname: "小周"}}
	svc := hours.NewService(store, nil, nil, people, nil, testenv.Box(t), nil)
	svc.Configure(hours.Config{RecordIssuer: "幸福街道办事处", RecordVerifyURL: "https://gj.example.cn/service-records"})
	march := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	credit := func(user, session int64, at time.Time, minutes int) hours.Entry {
		t.Helper()
		e, _, err := store.Append(ctx, hours.Entry{UserID: user, ActivityID: 40, SessionID: session, Minutes: minutes, Source: hours.SourceCheckin,
			ServedAt: at, CreditKey: fmt.Sprintf("checkin:s%d:u%d", session, user), Content: "社区值守"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	credit(41, 1, march, 90)
	credit(41, 2, march.AddDate(0, 2, 10), 60)
	credit(42, 3, march, 30)

	rec, err := svc.Record(ctx, 41)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Issuer != "幸福街道办事处" || rec.VerifyURL != "https://gj.example.cn/service-records?number="+rec.Number {
		t.Fatalf("record: issuer %q, verify url %q", rec.Issuer, rec.VerifyURL)
	}
	check := func(number string) hours.RecordCheck {
		t.Helper()
		c, err := svc.VerifyRecord(ctx, number)
		if err != nil {
			t.Fatalf("verify %s: %v", number, err)
		}
		return c
	}
	c := check(rec.Number)
	if c.HolderMasked != "李**" || c.TotalMinutes != 150 || c.Services != 2 || c.Issuer != "幸福街道办事处" || c.Superseded {
		t.Fatalf("found: %+v", c)
	}
	if !c.From.Equal(march) || !c.To.Equal(march.AddDate(0, 2, 10)) || c.AsOf.IsZero() {
		t.Fatalf("period %v – %v, as of %v", c.From, c.To, c.AsOf)
	}
	if c := check(" " + strings.ToLower(rec.Number) + " "); c.Number != rec.Number {
		t.Fatalf("typed in lower case: %+v", c)
	}

	// Not found: a changed check, the check of another state, another
	// person's number with this one's check, an unknown person, garbage.
	parts := strings.Split(rec.Number, "-") // ZYJL, user, last entry, check
	other, _ := svc.Record(ctx, 42)
	flip := map[byte]byte{'A': 'B'}[parts[3][0]]
	if flip == 0 {
		flip = 'A'
	}
	for _, n := range []string{
		strings.Join([]string{parts[0], parts[1], parts[2], string(flip) + parts[3][1:]}, "-"),
		strings.Join([]string{parts[0], parts[1], "1", parts[3]}, "-"),
		strings.Join([]string{parts[0], strings.Split(other.Number, "-")[1], parts[2], parts[3]}, "-"),
		strings.Replace(rec.Number, "-000041-", "-000043-", 1),
		"ZYJL-000041", "", "not a number",
	} {
		if _, err := svc.VerifyRecord(ctx, n); errs.CodeOf(err) != "RECORD_NOT_FOUND" || errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("%q: want RECORD_NOT_FOUND, got %v", n, err)
		}
	}

	// The ledger moves on: the old record is superseded, the new one is not.
	credit(41, 4, march.AddDate(0, 3, 0), 45)
	if c := check(rec.Number); !c.Superseded || c.TotalMinutes != 150 {
		t.Fatalf("old record after a new credit: %+v", c)
	}
	now, _ := svc.Record(ctx, 41)
	if now.Number == rec.Number {
		t.Fatal("a new credit kept the record's number")
	}
	if c := check(now.Number); c.Superseded || c.TotalMinutes != 195 || c.Services != 3 {
		t.Fatalf("new record: %+v", c)
	}
	// An empty record verifies too (no period).
	none := namedPeople{43: {ID: 43, Nickname: "新志愿者"}}
	svc2 := hours.NewService(store, nil, nil, none, nil, testenv.Box(t), nil)
	empty, _ := svc2.Record(ctx, 43)
	if c, err := svc2.VerifyRecord(ctx, empty.Number); err != nil || c.TotalMinutes != 0 || !c.From.IsZero() || c.Issuer != hours.DefaultRecordIssuer {
		t.Fatalf("empty record: %+v %v", c, err)
	}
	// Without a verification page a record has no code.
	if _, _, err := svc2.RecordCode(ctx, 43); errs.CodeOf(err) != "RECORD_CODE_UNAVAILABLE" {
		t.Fatalf("code without a page: %v", err)
	}
}

// A record is netted per activity session in the database: a session's
// entries (a correction, a second source) make one line dated by its
// earliest entry, a line netted to nothing is left out, lines follow their
// date then their first entry, and the pages of the JSON record hold
// exactly the lines of the whole record with the same number and total.
func TestRecordPagesNetPerSession(t *testing.T) {
	db := testenv.DB(t)
	store := mysqlstore.NewHoursStore(db)
	ctx := context.Background()
	svc := hours.NewService(store, nil, nil, namedPeople{51: {ID: 51, RealName: "王建国"}, 52: {ID: 52, RealName: "赵敏"}}, nil, testenv.Box(t), nil)
	day := time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)
	add := func(user, session int64, at time.Time, minutes int, source, key string, reverses int64) hours.Entry {
		t.Helper()
		e := hours.Entry{UserID: user, ActivityID: 50 + session, SessionID: session, Minutes: minutes, Source: source, ServedAt: at,
			CreditKey: key, Content: fmt.Sprintf("活动%d", session), Place: "社区活动室", OrganiserName: "幸福社区", ReversesID: reverses}
		var err error
		if reverses != 0 {
			e, err = store.Correct(ctx, e, nil)
		} else {
			e, _, err = store.Append(ctx, e, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// Sessions 1..7 a day apart, written in reverse date order; 8 on the
	// same day as 3 (written later: after it).
	for s := int64(7); s >= 1; s-- {
		add(51, s, day.AddDate(0, 0, int(s)), 60, hours.SourceCheckin, fmt.Sprintf("k%d", s), 0)
	}
	add(51, 8, day.AddDate(0, 0, 3), 45, hours.SourceCheckin, "k8", 0)
	first2, _ := store.EntryPage(ctx, 51, nil, 100)
	var e2, e5 hours.Entry
	for _, e := range first2 {
		switch e.SessionID {
		case 2:
			e2 = e
		case 5:
			e5 = e
		}
	}
	add(51, 2, e2.ServedAt, -30, hours.SourceCorrection, "", e2.ID)                     // session 2 nets 30
	add(51, 5, e5.ServedAt, -60, hours.SourceCorrection, "", e5.ID)                     // session 5 nets nothing
	add(51, 4, day.AddDate(0, 0, 4).Add(-time.Hour), 0, hours.SourceClaim, "claim4", 0) // earlier date, second source
	add(52, 1, day, 600, hours.SourceCheckin, "other", 0)                               // another person's

	whole, err := svc.Record(ctx, 51)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range whole.Lines {
		got = append(got, fmt.Sprintf("s%d:%d:%s:%s", l.SessionID, l.Minutes, strings.Join(l.Sources, "+"), l.Date.Format("01-02 15")))
	}
	want := []string{"s1:60:checkin:04-02 02", "s2:30:checkin+correction:04-03 02", "s3:60:checkin:04-04 02", "s8:45:checkin:04-04 02",
		"s4:60:checkin+claim:04-05 01", "s6:60:checkin:04-07 02", "s7:60:checkin:04-08 02"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("lines:\n got %v\nwant %v", got, want)
	}
	if whole.TotalMinutes != 375 || whole.Lines[0].Content != "活动1" || whole.Lines[0].Place != "社区活动室" || whole.Lines[0].Organiser != "幸福社区" {
		t.Fatalf("record: total %d, first line %+v", whole.TotalMinutes, whole.Lines[0])
	}
	var paged []hours.RecordLine
	var after *page.Cursor
	for pages := 0; ; pages++ {
		rec, next, err := svc.RecordPage(ctx, 51, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Number != whole.Number || rec.TotalMinutes != whole.TotalMinutes || len(rec.Lines) > 3 {
			t.Fatalf("page %d: number %s total %d lines %d", pages, rec.Number, rec.TotalMinutes, len(rec.Lines))
		}
		paged = append(paged, rec.Lines...)
		if after = next; after == nil {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
	}
	if fmt.Sprint(paged) != fmt.Sprint(whole.Lines) {
		t.Fatalf("pages hold\n%v\nwhole record\n%v", paged, whole.Lines)
	}
	check, err := svc.VerifyRecord(ctx, whole.Number)
	if err != nil || check.Services != 7 || check.TotalMinutes != 375 || !check.From.Equal(day.AddDate(0, 0, 1)) || !check.To.Equal(day.AddDate(0, 0, 7)) || check.Superseded {
		t.Fatalf("verify: %+v %v", check, err)
	}
}
