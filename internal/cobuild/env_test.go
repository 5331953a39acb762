package cobuild_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/activity"
	"gongjian/internal/cobuild"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// env is a co-building service on a fresh database with two communities.
type env struct {
	t        *testing.T
	ctx      context.Context
	db       *mysqlstore.DB
	store    *mysqlstore.CobuildStore
	people   *mysqlstore.ResidentStore
	svc      *cobuild.Service
	box      *pii.Box
	commA    int64
	commB    int64
	admin    resident.User
	staffA   resident.User
	checker  *fakeChecker
	clock    time.Time
	seq      int
	contacts map[int64]resident.User
}

func newEnv(t *testing.T, cfg cobuild.Config) *env {
	t.Helper()
	db := testenv.DB(t)
	key := make([]byte, 32)
	rand.Read(key)
	box, err := pii.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), db: db, store: mysqlstore.NewCobuildStore(db), people: mysqlstore.NewResidentStore(db),
		box: box, checker: &fakeChecker{}, clock: time.Now(), contacts: map[int64]resident.User{}}
	e.svc = cobuild.NewService(e.store, e.people, box, e.checker, cfg, func() time.Time { return e.clock })
	for i, name := range []string{"阳光社区", "和平社区"} {
		c := resident.Community{Name: name}
		if err := e.people.CreateCommunity(e.ctx, &c); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.commA = c.ID
		} else {
			e.commB = c.ID
		}
	}
	e.admin = e.user("admin", resident.Role{Role: resident.RoleAdmin})
	e.staffA = e.user("staff-a", resident.Role{Role: resident.RoleStaff, CommunityID: e.commA})
	return e
}

// user creates a user of community A holding roles.
func (e *env) user(prefix string, roles ...resident.Role) resident.User {
	e.t.Helper()
	e.seq++
	u, err := e.people.EnsureUser(e.ctx, fmt.Sprintf("%s-%d-%d", prefix, e.seq, time.Now().UnixNano()))
	if err != nil {
		e.t.Fatal(err)
	}
	cid := e.commA
	if err := e.people.UpdateProfile(e.ctx, u.ID, resident.ProfilePatch{CommunityID: &cid}); err != nil {
		e.t.Fatal(err)
	}
	for _, r := range roles {
		if err := e.people.GrantRole(e.ctx, u.ID, r, 0); err != nil {
			e.t.Fatal(err)
		}
	}
	u, err = e.people.UserByID(e.ctx, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// unit creates a unit co-building with community A and its contact.
func (e *env) unit(name string) (cobuild.Unit, resident.User) {
	e.t.Helper()
	u, err := e.svc.CreateUnit(e.ctx, e.admin, cobuild.UnitInput{Name: name, Kind: cobuild.KindEnterprise, CommunityIDs: []int64{e.commA},
		Contacts: []cobuild.ContactInput{{Name: "张联络", Phone: "13800001111"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.user("contact", resident.Role{Role: resident.RoleUnitContact, OrgID: u.ID})
	e.contacts[u.ID] = c
	return u, c
}

// org creates an organisation of type typ (an activity host) serving
// communities.
func (e *env) org(name, typ string, communities ...int64) int64 {
	e.t.Helper()
	o := activity.Organization{Name: name, Type: typ, CommunityIDs: communities}
	if err := mysqlstore.NewActivityStore(e.db).CreateOrganization(e.ctx, &o); err != nil {
		e.t.Fatal(err)
	}
	return o.ID
}

func (e *env) need(qty int, shareable bool) cobuild.Need {
	e.t.Helper()
	n, err := e.svc.CreateNeed(e.ctx, e.staffA, cobuild.NeedInput{CommunityID: e.commA, Category: cobuild.CatChildren, Title: "暑期课业辅导",
		Description: "为双职工家庭的孩子辅导功课", Quantity: qty, QuantityUnit: "小时", Shareable: shareable, Deadline: e.clock.Add(30 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// openRendered opens the workbook render makes; it is closed when the
// test ends.
func openRendered(t *testing.T, render func() ([]byte, error)) *excelize.File {
	t.Helper()
	b, err := render()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fakeChecker judges text by words and records photo checks.
type fakeChecker struct {
	risky  []string
	traces []string
}

func (f *fakeChecker) CheckText(_ context.Context, _, text string) (string, error) {
	for _, w := range f.risky {
		if w != "" && strings.Contains(text, w) {
			return cobuild.VerdictRisky, nil
		}
	}
	return cobuild.VerdictPass, nil
}

func (f *fakeChecker) CheckMedia(_ context.Context, _, url string) (string, error) {
	id := fmt.Sprintf("trace-%d-%d", len(f.traces), time.Now().UnixNano())
	f.traces = append(f.traces, id)
	return id, nil
}
