// Command bench-cobuild measures co-building on a real MariaDB/MySQL:
//
//  1. claims arriving at the same instant on one need (the need's row is
//     the point of contention): 50 units claiming 5 each of a 100-quantity
//     need (the case), then 400 units claiming 2 each of 500;
//     every claim timed, and the claimed total checked exact;
//  2. the list pages residents and units open: 20 needs (all, by
//     community, by category) out of 10,000, and 20 projects with their
//     parties and ratings out of 3,000;
//  3. an import of 500 units (all or nothing, one transaction).
//
// Run from the repository root (MariaDB running):
//
//	go run ./scripts/bench-cobuild [-mysql root@tcp(127.0.0.1:3306)/] [-needs 10000] [-pages 200]
//
// It creates a fresh database and drops it at the end.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"sort"
	"sync"
	"time"

	"gongjian/internal/benchkit"
	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

func main() {
	adminDSN := benchkit.MySQLFlag()
	needs := flag.Int("needs", 10000, "needs in the list benchmark")
	pages := flag.Int("pages", 200, "list pages read per kind")
	flag.Parse()
	benchkit.ExitOnError("bench-cobuild", run(*adminDSN, *needs, *pages))
}

type env struct {
	ctx    context.Context
	db     *mysqlstore.DB
	store  *mysqlstore.CobuildStore
	people *mysqlstore.ResidentStore
	svc    *cobuild.Service
	admin  resident.User
	staff  resident.User
	comms  []int64
	seq    int
}

func run(adminDSN string, needs, pages int) error {
	ctx := context.Background()
	sdb, err := benchkit.OpenScratchDB(ctx, adminDSN, 64)
	if err != nil {
		return err
	}
	defer sdb.Close()
	db, name := sdb.DB, sdb.Scratch.Name
	key := make([]byte, 32)
	rand.Read(key)
	box, err := pii.NewBox(key)
	if err != nil {
		return err
	}
	e := &env{ctx: ctx, db: db, store: mysqlstore.NewCobuildStore(db), people: mysqlstore.NewResidentStore(db),
		admin: resident.User{Roles: []resident.Role{{Role: resident.RoleAdmin}}}}
	e.svc = cobuild.NewService(e.store, e.people, box, nil, cobuild.Config{}, nil)
	for i := 0; i < 3; i++ {
		c := resident.Community{Name: fmt.Sprintf("社区%d", i)}
		if err := e.people.CreateCommunity(ctx, &c); err != nil {
			return err
		}
		e.comms = append(e.comms, c.ID)
	}
	e.staff = resident.User{ID: 1, Roles: []resident.Role{{Role: resident.RoleStaff}}}
	fmt.Printf("bench-cobuild on %s (GOMAXPROCS shared with the database)\n\n", name)

	units, err := e.importUnits(500)
	if err != nil {
		return err
	}
	if err := e.claims(units[:50], 100, 5); err != nil {
		return err
	}
	if err := e.claims(units[:400], 500, 2); err != nil {
		return err
	}
	return e.lists(units, needs, pages)
}

// importUnits imports n units in one all-or-nothing call and times it.
func (e *env) importUnits(n int) ([]cobuild.Unit, error) {
	rows := make([]cobuild.UnitRow, n)
	for i := range rows {
		rows[i] = cobuild.UnitRow{Line: i + 2, Name: fmt.Sprintf("共建单位%04d", i), Kind: "企业", Communities: "社区0、社区1",
			ContactName: "联络人", ContactPhone: fmt.Sprintf("139%08d", i), AgreementStart: "2026-01-01", AgreementEnd: "2027-12-31", AgreementContent: "共建协议"}
	}
	start := time.Now()
	got, err := e.svc.ImportUnits(e.ctx, e.admin, rows)
	if err != nil {
		return nil, err
	}
	fmt.Printf("import: %d units (with contacts and 2 agreements each) in %v\n\n", got, time.Since(start).Round(time.Millisecond))
	return e.svc.Units(e.ctx)
}

func pct(d []time.Duration, p float64) time.Duration {
	return d[int(float64(len(d)-1)*p)]
}

// claims has every unit claim qty of a fresh shareable need of total at
// the same instant.
func (e *env) claims(units []cobuild.Unit, total, qty int) error {
	n, err := e.svc.CreateNeed(e.ctx, e.admin, cobuild.NeedInput{CommunityID: e.comms[0], Category: cobuild.CatElderly, Title: "助老服务",
		Quantity: total, QuantityUnit: "小时", Shareable: true})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat []time.Duration
	ok, full, other := 0, 0, 0
	gate := make(chan struct{})
	for _, u := range units {
		contact := resident.User{ID: u.ID + 100000, Roles: []resident.Role{{Role: resident.RoleUnitContact, OrgID: u.ID}}}
		wg.Add(1)
		go func(u cobuild.Unit) {
			defer wg.Done()
			<-gate
			t := time.Now()
			_, err := e.svc.ClaimNeed(e.ctx, contact, n.ID, cobuild.ClaimInput{UnitID: u.ID, Quantity: qty})
			d := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, d)
			switch {
			case err == nil:
				ok++
			case errs.CodeOf(err) == "NEED_FULLY_CLAIMED":
				full++
			default:
				other++
			}
		}(u)
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	got, err := e.svc.Need(e.ctx, n.ID)
	if err != nil {
		return err
	}
	fmt.Printf("claims: %d units × %d of a %d-quantity need at once: %d granted, %d NEED_FULLY_CLAIMED, %d other; claimed %d/%d (exact: %v)\n",
		len(units), qty, total, ok, full, other, got.Claimed, total, got.Claimed == min(total, len(units)*qty) && other == 0)
	fmt.Printf("        wall %v, per claim p50 %v p90 %v p99 %v max %v\n\n", wall.Round(time.Millisecond),
		pct(lat, .5).Round(time.Millisecond), pct(lat, .9).Round(time.Millisecond), pct(lat, .99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	return nil
}

// lists fills the lists and times the pages residents and units open.
func (e *env) lists(units []cobuild.Unit, needs, pages int) error {
	start := time.Now()
	batch := make([]string, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		q := "INSERT INTO cobuild_needs (community_id, category, title, description, place, quantity, quantity_unit, claimed, status, source, created_at, updated_at) VALUES "
		for i, v := range batch {
			if i > 0 {
				q += ","
			}
			q += v
		}
		batch = batch[:0]
		return e.db.G.Exec(q).Error
	}
	cats := []string{cobuild.CatElderly, cobuild.CatChildren, cobuild.CatHealth, cobuild.CatCulture, cobuild.CatEnvironment, cobuild.CatLegal, cobuild.CatEmployment, cobuild.CatOther}
	for i := 0; i < needs; i++ {
		status := cobuild.NeedOpen
		if i%3 == 0 {
			status = cobuild.NeedFull
		}
		batch = append(batch, fmt.Sprintf("(%d,'%s','需求%d','描述','地点',10,'小时',%d,'%s','staff',NOW(),NOW())", e.comms[i%3], cats[i%8], i, (i%3)*3, status))
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// 3,000 projects, 2 parties each, some rated.
	for i := 0; i < 3000; i++ {
		if err := e.db.G.Exec("INSERT INTO cobuild_projects (community_id, title, status, milestones, evidence, created_at, updated_at) VALUES (?, ?, 'in_progress', '[]', '{}', NOW(), NOW())",
			e.comms[i%3], fmt.Sprintf("项目%d", i)).Error; err != nil {
			return err
		}
	}
	if err := e.db.G.Exec(`INSERT INTO cobuild_project_parties (project_id, unit_id, quantity, claim_id, created_at)
		SELECT p.id, ?, 1, 0, NOW() FROM cobuild_projects p WHERE p.title LIKE '项目%'`, units[0].ID).Error; err != nil {
		return err
	}
	if err := e.db.G.Exec(`INSERT INTO cobuild_project_parties (project_id, unit_id, quantity, claim_id, created_at)
		SELECT p.id, ?, 1, 0, NOW() FROM cobuild_projects p WHERE p.title LIKE '项目%'`, units[1].ID).Error; err != nil {
		return err
	}
	fmt.Printf("lists: %d needs and 3000 projects (2 parties each) written in %v\n", needs, time.Since(start).Round(time.Millisecond))
	for _, c := range []struct {
		name string
		f    func(after int64) (int64, error)
	}{
		{"needs, newest 20", func(after int64) (int64, error) {
			return lastNeed(e.svc.Needs(e.ctx, cobuild.NeedFilter{Limit: 20, AfterID: after}))
		}},
		{"needs of a community, open", func(after int64) (int64, error) {
			return lastNeed(e.svc.Needs(e.ctx, cobuild.NeedFilter{CommunityIDs: []int64{e.comms[1]}, Statuses: []string{cobuild.NeedOpen}, Limit: 20, AfterID: after}))
		}},
		{"needs by category (unit desk)", func(after int64) (int64, error) {
			return lastNeed(e.svc.Needs(e.ctx, cobuild.NeedFilter{Category: cobuild.CatHealth, Statuses: []string{cobuild.NeedOpen}, Limit: 20, AfterID: after}))
		}},
		{"projects of a community", func(after int64) (int64, error) {
			return lastProject(e.svc.Projects(e.ctx, cobuild.ProjectFilter{CommunityIDs: []int64{e.comms[2]}, Limit: 20, AfterID: after}))
		}},
		{"projects of a unit", func(after int64) (int64, error) {
			return lastProject(e.svc.Projects(e.ctx, cobuild.ProjectFilter{UnitID: units[0].ID, Limit: 20, AfterID: after}))
		}},
	} {
		var lat []time.Duration
		after := int64(0)
		for i := 0; i < pages; i++ {
			t := time.Now()
			next, err := c.f(after)
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t))
			after = next // page on (keyset); from the top again at the end
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Printf("  page of %-32s p50 %v p99 %v (%d pages)\n", c.name+":", pct(lat, .5).Round(10*time.Microsecond), pct(lat, .99).Round(10*time.Microsecond), pages)
	}
	return nil
}

func lastNeed(ns []cobuild.Need, err error) (int64, error) {
	if err != nil || len(ns) < 20 {
		return 0, err
	}
	return ns[len(ns)-1].ID, nil
}

func lastProject(ps []cobuild.Project, err error) (int64, error) {
	if err != nil || len(ps) < 20 {
		return 0, err
	}
	return ps[len(ps)-1].ID, nil
}
