package hours_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// fixedTree is an organisation tree given by the test.
type fixedTree []hours.Org

func (t fixedTree) OrgTree(context.Context) ([]hours.Org, error) { return t, nil }

var admin = resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleAdmin}}}

// Roll-up totals equal the sums of the ledger entries: random trees,
// memberships that change between entries, random entries and corrections
// in and out of the report's range. The expected figures are computed by
// walking each entry up its organisation's ancestors, a different algorithm
// from the one under test.
func TestRollUpEqualsLedgerSumsProperty(t *testing.T) {
	db, store := ledgerStore(t)
	people := mysqlstore.NewResidentStore(db)
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewPCG(uint64(seed), 7))

	for iter := 0; iter < 6; iter++ {
		year := 2001 + iter // each iteration reports on its own year
		nOrgs := 1 + rng.IntN(25)
		tree := make(fixedTree, 0, nOrgs)
		parent := map[int64]int64{}
		for i := 0; i < nOrgs; i++ {
			id := int64(iter*1000 + i + 1)
			var p int64
			if i > 0 && rng.IntN(5) > 0 {
				p = tree[rng.IntN(i)].ID
			}
			tree = append(tree, hours.Org{ID: id, ParentID: p, Name: fmt.Sprintf("组织%d", id)})
			parent[id] = p
		}
		pick := func() int64 {
			if rng.IntN(6) == 0 {
				return 0 // not a party member
			}
			return tree[rng.IntN(len(tree))].ID
		}
		type want struct {
			user, org, com int64
			minutes        int
			at             time.Time
		}
		var written []want
		var ids []int64
		nUsers := 1 + rng.IntN(12)
		for e := 0; e < 40+rng.IntN(80); e++ {
			user := int64(iter*1000 + 1 + rng.IntN(nUsers))
			if rng.IntN(4) == 0 { // membership changes: later entries count elsewhere
				org, com := pick(), int64(1+rng.IntN(4))
				if org != 0 {
					if err := store.SetMembership(ctx, hours.Membership{UserID: user, OrgID: org, CommunityID: com}); err != nil {
						t.Fatal(err)
					}
				}
			}
			at := time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, cst.Zone)
			if len(ids) > 0 && rng.IntN(4) == 0 {
				orig, err := store.Entry(ctx, ids[rng.IntN(len(ids))])
				if err != nil {
					t.Fatal(err)
				}
				c := orig
				c.ID, c.Source, c.CreditKey, c.ReversesID, c.Minutes = 0, hours.SourceCorrection, "", orig.ID, -rng.IntN(orig.Minutes+30)-1
				got, err := store.Correct(ctx, c, nil)
				if errs.CodeOf(err) == "NET_NEGATIVE" {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				written = append(written, want{got.UserID, got.OrgID, got.CommunityID, got.Minutes, got.ServedAt})
				continue
			}
			got, created, err := store.Append(ctx, hours.Entry{UserID: user, ActivityID: 1, SessionID: int64(e), Minutes: 1 + rng.IntN(300),
				Source: hours.SourceCheckin, ServedAt: at, CreditKey: fmt.Sprintf("t:%d:%d", iter, e)}, nil)
			if err != nil || !created {
				t.Fatal(err, created)
			}
			ids = append(ids, got.ID)
			written = append(written, want{got.UserID, got.OrgID, got.CommunityID, got.Minutes, got.ServedAt})
		}

		m1, m2 := 1+rng.IntN(12), 1+rng.IntN(12)
		if m1 > m2 {
			m1, m2 = m2, m1
		}
		from := time.Date(year, time.Month(m1), 1, 0, 0, 0, 0, cst.Zone)
		to := time.Date(year, time.Month(m2)+1, 1, 0, 0, 0, 0, cst.Zone)
		svc := hours.NewService(store, nil, tree, people, nil, testenv.Box(t), nil)
		rep, err := svc.Report(ctx, admin, from, to)
		if err != nil {
			t.Fatal(err)
		}

		expOrg, expCom, expUser := map[int64]int{}, map[int64]int{}, map[int64]int{}
		total := 0
		for _, w := range written {
			if w.at.Before(from) || !w.at.Before(to) {
				continue
			}
			total += w.minutes
			expUser[w.user] += w.minutes
			if w.com != 0 {
				expCom[w.com] += w.minutes
			}
			for o, hops := w.org, 0; o != 0 && hops < 100; o, hops = parent[o], hops+1 {
				expOrg[o] += w.minutes
			}
		}
		if rep.TotalMinutes != total {
			t.Fatalf("iter %d: total %d, ledger says %d", iter, rep.TotalMinutes, total)
		}
		for _, o := range rep.Orgs {
			if o.Minutes != expOrg[o.OrgID] {
				t.Fatalf("iter %d: org %d rolled up %d, ledger says %d", iter, o.OrgID, o.Minutes, expOrg[o.OrgID])
			}
		}
		if len(rep.Orgs) != len(tree) {
			t.Fatalf("iter %d: %d orgs in the report, %d in the tree", iter, len(rep.Orgs), len(tree))
		}
		sumCom := 0
		for _, c := range rep.Communities {
			if c.Minutes != expCom[c.CommunityID] {
				t.Fatalf("iter %d: community %d: %d, ledger says %d", iter, c.CommunityID, c.Minutes, expCom[c.CommunityID])
			}
			sumCom += c.Minutes
		}
		for _, p := range rep.Persons {
			if p.Minutes != expUser[p.UserID] {
				t.Fatalf("iter %d: user %d: %d, ledger says %d", iter, p.UserID, p.Minutes, expUser[p.UserID])
			}
		}
		if len(rep.Persons) != len(expUser) {
			t.Fatalf("iter %d: %d persons, ledger has %d", iter, len(rep.Persons), len(expUser))
		}

		// A staff member of one organisation sees exactly its subtree's minutes.
		org := tree[rng.IntN(len(tree))].ID
		staff := resident.User{ID: 2, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: org}}}
		scoped, err := svc.Report(ctx, staff, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if scoped.TotalMinutes != expOrg[org] {
			t.Fatalf("iter %d: staff of %d sees %d minutes, subtree has %d", iter, org, scoped.TotalMinutes, expOrg[org])
		}
	}
}

// atOnce calls fn(i) for every i < n, each in its own goroutine, and
// waits for them all.
func atOnce(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}

// ledgerStore opens the hours store on the test database, with few
// connections: the machine's MariaDB is shared by every test running.
func ledgerStore(t *testing.T) (*mysqlstore.DB, *mysqlstore.HoursStore) {
	t.Helper()
	db := testenv.DB(t)
	db.SQL().SetMaxOpenConns(12)
	return db, mysqlstore.NewHoursStore(db)
}

// However many times (and however concurrently) one credit is written, the
// ledger holds one entry and the outbox one notice.
func TestCreditKeyCreditsOnce(t *testing.T) {
	db, store := ledgerStore(t)
	ctx := context.Background()
	e := hours.Entry{UserID: 7, ActivityID: 3, SessionID: 9, Minutes: 95, Source: hours.SourceCheckin,
		ServedAt: time.Now(), CreditKey: "checkin:s9:u7", ActivityTitle: "垃圾分类宣传"}
	created := make(chan int64, 50)
	atOnce(50, func(int) {
		got, ok, err := store.Append(ctx, e, []notify.Notice{hours.CreditedNotice(e, "hours:s9:u7")})
		if err != nil {
			t.Error(err)
			return
		}
		if ok {
			created <- got.ID
		}
	})
	close(created)
	if n := len(created); n != 1 {
		t.Fatalf("%d appends reported created, want 1", n)
	}
	var rows, notices int64
	db.G.Table("hours_ledger").Count(&rows)
	db.G.Table("outbox").Where("template_key = ?", notify.HoursCredited).Count(&notices)
	if rows != 1 || notices != 1 {
		t.Fatalf("ledger rows %d, notices %d; want 1 and 1", rows, notices)
	}
}

// Corrections are new entries; concurrent ones never take an entry's net
// below zero, and the original is never changed.
func TestCorrectionsAppendAndStayNonNegative(t *testing.T) {
	_, store := ledgerStore(t)
	ctx := context.Background()
	orig, _, err := store.Append(ctx, hours.Entry{UserID: 5, ActivityID: 1, SessionID: 1, Minutes: 120, Source: hours.SourceCheckin,
		ServedAt: time.Now(), CreditKey: "checkin:s1:u5"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ok, refused := 0, 0
	atOnce(10, func(int) {
		c := orig
		c.ID, c.Source, c.CreditKey, c.ReversesID, c.Minutes, c.Reason = 0, hours.SourceCorrection, "", orig.ID, -30, "提前离开"
		_, err := store.Correct(ctx, c, nil)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			ok++
		case errs.CodeOf(err) == "NET_NEGATIVE":
			refused++
		default:
			t.Error(err)
		}
	})
	if ok != 4 || refused != 6 {
		t.Fatalf("%d corrections accepted, %d refused; want 4 and 6", ok, refused)
	}
	es, _ := store.Entries(ctx, 5)
	net := 0
	for _, e := range es {
		net += e.Minutes
	}
	again, _ := store.Entry(ctx, orig.ID)
	if len(es) != 5 || net != 0 || again.Minutes != 120 {
		t.Fatalf("entries %d net %d original %d", len(es), net, again.Minutes)
	}
}

// A claim is approved once however many reviewers press the button.
func TestClaimApprovedOnce(t *testing.T) {
	_, store := ledgerStore(t)
	ctx := context.Background()
	c := hours.Claim{UserID: 8, ActivityID: 4, ActivityTitle: "敬老院探访", HostOrgID: 2, CommunityID: 1,
		ServedAt: time.Now().Add(-48 * time.Hour), Minutes: 90, Description: "陪老人聊天", PhotoURLs: []string{"https://img.example.com/1.jpg"}}
	if err := store.CreateClaim(ctx, &c); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	approved, already := 0, 0
	atOnce(8, func(i int) {
		e := hours.Entry{UserID: 8, ActivityID: 4, Minutes: 60 + i, Source: hours.SourceClaim, ServedAt: c.ServedAt,
			CreditKey: fmt.Sprintf("claim:%d", c.ID), ClaimID: c.ID, ApprovedBy: int64(100 + i)}
		n := []notify.Notice{{UserID: 8, TemplateKey: notify.ClaimReviewed, DedupKey: fmt.Sprintf("claim:%d:reviewed", c.ID), Title: "t"}}
		_, err := store.ApproveClaim(ctx, c.ID, int64(100+i), e, n)
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			approved++
		} else if errs.CodeOf(err) == "CLAIM_ALREADY_REVIEWED" {
			already++
		} else {
			t.Error(err)
		}
	})
	got, _ := store.Claim(ctx, c.ID)
	es, _ := store.Entries(ctx, 8)
	if approved != 1 || already != 7 || len(es) != 1 || got.Status != hours.ClaimApproved || got.EntryID != es[0].ID ||
		got.GrantedMinutes != es[0].Minutes || got.ReviewedBy != es[0].ApprovedBy {
		t.Fatalf("approved %d already %d entries %+v claim %+v", approved, already, es, got)
	}
	if _, err := store.RejectClaim(ctx, c.ID, 1, "不对", nil); errs.CodeOf(err) != "CLAIM_ALREADY_REVIEWED" {
		t.Fatalf("reject after approve: %v", err)
	}
}
