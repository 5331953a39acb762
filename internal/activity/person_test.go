package activity_test

import (
	"sync"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

func idNumber(first17 string) string { return first17 + string(pii.IDCheckChar(first17)) }

// One ID number is one person: once per account, birth date and gender
// read from it (or checked against it), and one attendee per session
// whichever account's record names them.
func TestOnePersonPerIDNumber(t *testing.T) {
	e := newEnv(t, activity.Config{})
	u := e.newUsers(2)
	boy := idNumber("11010520180315123") // born 2018-03-15, 17th digit odd: male
	add := func(uid int64, in resident.DependentInput) (resident.Dependent, error) {
		in.ConsentVersion = resident.CurrentConsentVersion
		return e.residents.AddDependent(e.ctx, uid, in)
	}
	// Birth date and gender come from the number.
	d, err := add(u[0], resident.DependentInput{Name: "张小明", Relation: resident.RelationChild, IDNumber: boy})
	if err != nil || d.Gender != "male" || !d.BirthDate.Equal(time.Date(2018, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("derived: %v %+v", err, d)
	}
	cases := []struct {
		name string
		in   resident.DependentInput
		want string
	}{
		{"same number twice on one account", resident.DependentInput{Name: "小明", Relation: resident.RelationChild, IDNumber: boy}, "ID_NUMBER_EXISTS"},
		{"gender agreeing with the number", resident.DependentInput{Name: "张小红", Relation: resident.RelationChild, Gender: "female", IDNumber: idNumber("11010520190101124")}, "OK"},
		{"gender contradicting the number", resident.DependentInput{Name: "张小刚", Relation: resident.RelationChild, Gender: "female", IDNumber: idNumber("11010520190101135")}, "ID_NUMBER_GENDER_MISMATCH"},
		{"birth date contradicting the number", resident.DependentInput{Name: "张小刚", Relation: resident.RelationChild, BirthDate: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC), IDNumber: idNumber("11010520190101135")}, "ID_NUMBER_BIRTH_MISMATCH"},
		{"no number: birth date and gender as given", resident.DependentInput{Name: "张奶奶", Relation: resident.RelationParent, Gender: "female", BirthDate: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}, "OK"},
	}
	for _, c := range cases {
		if _, err := add(u[0], c.in); code(err) != c.want {
			t.Errorf("%s: got %s, want %s", c.name, code(err), c.want)
		}
	}
	// A changed gender is checked against the number on record.
	g := "female"
	if _, err := e.residents.UpdateDependent(e.ctx, u[0], d.ID, resident.DependentPatch{Gender: &g}); code(err) != "ID_NUMBER_GENDER_MISMATCH" {
		t.Errorf("patching the gender against the number: %v", err)
	}
	// Removed, the number may be added again.
	other := idNumber("11010520170606148")
	o, err := add(u[0], resident.DependentInput{Name: "李小花", Relation: resident.RelationChild, IDNumber: other})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.residents.RemoveDependent(e.ctx, u[0], o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := add(u[0], resident.DependentInput{Name: "李小花", Relation: resident.RelationChild, IDNumber: other}); err != nil {
		t.Errorf("re-adding a removed member's number: %v", err)
	}

	// The other parent's account names the same child: one attendee.
	d2, err := add(u[1], resident.DependentInput{Name: "张小明", Relation: resident.RelationChild, IDNumber: boy})
	if err != nil {
		t.Fatal(err)
	}
	a, sid := e.publishOne(sess{10, 5})
	mustRegister(t, e, u[0], sid, activity.AttendeeRef{DependentID: d.ID})
	if _, err := e.register(e.ctx, u[1], sid, activity.AttendeeRef{DependentID: d2.ID}); code(err) != "ALREADY_REGISTERED" {
		t.Fatalf("the same child from the other account: %v", err)
	}
	if _, err := e.register(e.ctx, u[1], sid, activity.AttendeeRef{Self: true}); err != nil {
		t.Fatalf("the other parent themself: %v", err)
	}
	e.assertConsistent(a.ID)
}

// Correcting a family member's ID number alone takes the birth date and
// gender from the new number (they were read from the old one): the
// resident is not told the date "they filled in" contradicts it. Given
// with it, they are still checked against it; clearing the number keeps
// them.
func TestPatchedIDNumberGivesBirthDateAndGender(t *testing.T) {
	e := newEnv(t, activity.Config{})
	u := e.newUsers(1)
	d, err := e.residents.AddDependent(e.ctx, u[0], resident.DependentInput{Name: "王小明", Relation: resident.RelationChild,
		IDNumber: idNumber("11010520180315123"), ConsentVersion: resident.CurrentConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	ptr := func(s string) *string { return &s }
	day := func(y, m, dd int) *time.Time { t := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC); return &t }
	cases := []struct {
		name       string
		patch      resident.DependentPatch
		want       string
		wantBirth  time.Time
		wantGender string
	}{
		{"a typo corrected: another day, a girl", resident.DependentPatch{IDNumber: ptr(idNumber("11010520190520124"))}, "OK", *day(2019, 5, 20), "female"},
		{"the number with a contradicting birth date", resident.DependentPatch{IDNumber: ptr(idNumber("11010520180315135")), BirthDate: day(2018, 3, 16)}, "ID_NUMBER_BIRTH_MISMATCH", *day(2019, 5, 20), "female"},
		{"the number with a contradicting gender", resident.DependentPatch{IDNumber: ptr(idNumber("11010520180315135")), Gender: ptr("female")}, "ID_NUMBER_GENDER_MISMATCH", *day(2019, 5, 20), "female"},
		{"the number with agreeing fields", resident.DependentPatch{IDNumber: ptr(idNumber("11010520180315135")), BirthDate: day(2018, 3, 15), Gender: ptr("male")}, "OK", *day(2018, 3, 15), "male"},
		{"the number cleared: fields kept", resident.DependentPatch{IDNumber: ptr("")}, "OK", *day(2018, 3, 15), "male"},
	}
	for _, c := range cases {
		_, err := e.residents.UpdateDependent(e.ctx, u[0], d.ID, c.patch)
		if code(err) != c.want {
			t.Errorf("%s: got %s (%v), want %s", c.name, code(err), err, c.want)
		}
		got, err := e.residents.Dependent(e.ctx, u[0], d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.BirthDate.Equal(c.wantBirth) || got.Gender != c.wantGender {
			t.Errorf("%s: stored %s %s, want %s %s", c.name, got.BirthDate.Format("2006-01-02"), got.Gender, c.wantBirth.Format("2006-01-02"), c.wantGender)
		}
	}
}

// Both parents signing the same child up at the same moment (a popular
// release opening) get one seat between them: the check that another
// account holds the person and the write are not interleaved with the
// other parent's.
func TestSamePersonFromTwoAccountsAtOnceTakesOneSeat(t *testing.T) {
	e := newEnv(t, activity.Config{})
	u := e.newUsers(2)
	child := idNumber("11010520170808123")
	var deps [2]int64
	for i := range u {
		d, err := e.residents.AddDependent(e.ctx, u[i], resident.DependentInput{Name: "刘小宝", Relation: resident.RelationChild,
			IDNumber: child, ConsentVersion: resident.CurrentConsentVersion})
		if err != nil {
			t.Fatal(err)
		}
		deps[i] = d.ID
	}
	for round := range 8 {
		a, sid := e.publishOne(sess{10, 5})
		var wg sync.WaitGroup
		var errs [2]error
		for i := range u {
			wg.Go(func() { _, errs[i] = e.register(e.ctx, u[i], sid, activity.AttendeeRef{DependentID: deps[i]}) })
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch code(err) {
			case "OK":
				ok++
			case "ALREADY_REGISTERED":
				refused++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %d sign-ups of the same child accepted, %d refused (want 1 and 1)", round, ok, refused)
		}
		e.assertConsistent(a.ID)
	}
}
