// Command bench-scale measures the product at a district's size (issue
// 14): it builds ./server, starts it on a fresh database, measures the
// nearly-empty figures (public list, sign-up), fills the database with
// set-based SQL (100,000 residents, 5,000 open activities of two sessions,
// 2,500 finished ones, 1,000,000 registrations of which 50,000 in one
// activity and 2,000 of one resident, 1,000,000 outbox notices, 100,000
// hours entries of which 5,000 of one person; -scale multiplies them), then
// measures every list and export the residents' and staff's pages use,
// sequentially and at -conns connections, the public list after Redis lost
// every quota, sign-up again, and the idle CPU of the server and MariaDB.
//
//	go run ./scripts/bench-scale                 # the volumes above
//	go run ./scripts/bench-scale -scale 0.2 -idle 30s
//
// It prints one table; absolute figures drift ±25 % on this machine
// (/work/shared/notes/limits.md), so compare ratios within one run.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"gongjian/internal/benchkit"
	"sort"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

type options struct {
	scale      float64
	mysqlAdmin string
	redisAddr  string
	conns      int
	seqN       int
	duration   time.Duration
	idle       time.Duration
	keep       bool
}

func main() {
	var o options
	flag.Float64Var(&o.scale, "scale", 1, "multiplies every volume")
	flag.StringVar(&o.mysqlAdmin, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN without a database, to create the fresh one")
	flag.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis the server uses")
	flag.IntVar(&o.conns, "conns", 20, "connections for the concurrent figures")
	flag.IntVar(&o.seqN, "n", 200, "sequential requests per figure")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of each concurrent figure")
	flag.DurationVar(&o.idle, "idle", 60*time.Second, "how long the idle CPU is measured")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and Redis keys")
	flag.Parse()
	benchkit.ExitOnError("bench-scale", run(o))
}

// row is one line of the printed table.
type row struct {
	what       string
	seq, conc  fig
	note       string
	onlyNote   bool
	concurrent bool
}

func run(o options) error {
	srv, err := startServer(o)
	if err != nil {
		return err
	}
	defer srv.stop()
	db, err := sql.Open("mysql", srv.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	c := newClient(srv.base, o.conns)
	admin, err := c.login(adminName)
	if err != nil {
		return err
	}
	heavyTok, err := c.login(heavyName)
	if err != nil {
		return err
	}
	var rows []row
	add := func(what, path, tok string) row {
		r := row{what: what, seq: c.sequential(path, tok, o.seqN), conc: c.concurrent(path, tok, o.conns, o.duration), concurrent: true}
		rows = append(rows, r)
		return r
	}
	note := func(what, text string) { rows = append(rows, row{what: what, note: text, onlyNote: true}) }
	// addKeyset times a keyset list's first page (labelled first) and its
	// last page, found by walking every page of size pageSize.
	addKeyset := func(first, path, tok string, pageSize int, lastLabel string) error {
		add(first, path, tok)
		last, pages, err := c.lastCursor(path, tok)
		if err != nil {
			return err
		}
		add(fmt.Sprintf("… %s (%d pages of %d)", lastLabel, pages, pageSize), path+"&cursor="+last, tok)
		return nil
	}

	// ---- nearly empty ----
	fmt.Println("nearly empty: a few activities, sign-ups …")
	for i := 0; i < 6; i++ {
		if _, _, err := c.activity(admin, srv.community, srv.org, fmt.Sprintf("预热活动 %d", i), time.Now().Add(time.Duration(48+i)*time.Hour), 50); err != nil {
			return err
		}
	}
	emptyList := add("public list p1, nearly empty", "/api/v1/activities?page=1&page_size=20", "")
	signBefore, err := c.signUps(admin, srv.community, srv.org, "报名（空库）", "bench-before", 150)
	if err != nil {
		return err
	}

	// ---- fill ----
	v := volumesAt(o.scale)
	fmt.Printf("filling at scale %g (%d residents, %d open + %d finished activities, %d registrations, %d notices, %d hours entries) …\n",
		o.scale, v.users, v.open, v.finished, v.regs, v.outbox, v.hours)
	t0 := time.Now()
	big, err := fill(db, v, srv.org, srv.heavy)
	if err != nil {
		return err
	}
	note("fill", fmt.Sprintf("%.0f s", time.Since(t0).Seconds()))
	time.Sleep(3 * time.Second) // cached totals and definitions expire

	// ---- lists ----
	fmt.Println("measuring the lists …")
	var total int
	if err := c.getJSON("/api/v1/activities?page=1&page_size=20", "", &struct {
		Total *int `json:"total"`
	}{&total}); err != nil {
		return err
	}
	note("public list total", fmt.Sprintf("%d (want %d: the fill's and the bench's 7)", total, v.open+7))
	p1 := add("public list p1", "/api/v1/activities?page=1&page_size=20", "")
	add("public list deep page", fmt.Sprintf("/api/v1/activities?page=%d&page_size=20", max(1, total/20)), "")
	add("public list has_seats p1", "/api/v1/activities?page=1&page_size=20&has_seats=true", "")
	add("public list one community", "/api/v1/activities?page=3&page_size=20&community_id="+fmt.Sprint(srv.community), "")
	var staffTotal int
	if err := c.getJSON("/api/v1/admin/activities?page=1&page_size=20", admin, &struct {
		Total *int `json:"total"`
	}{&staffTotal}); err != nil {
		return err
	}
	note("staff list total", fmt.Sprintf("%d (want %d)", staffTotal, v.open+v.finished+7))
	add("staff list p1 (newest first)", "/api/v1/admin/activities?page=1&page_size=20", admin)
	add("staff list deep page", fmt.Sprintf("/api/v1/admin/activities?page=%d&page_size=20", max(1, staffTotal/20)), admin)
	regs := fmt.Sprintf("/api/v1/admin/activities/%d/registrations?limit=100", big)
	if err := addKeyset("registrations of the big activity, first page", regs, admin, 100, "last page"); err != nil {
		return err
	}
	add("my registrations (2,000), p1", "/api/v1/me/registrations?page=1&page_size=20", heavyTok)
	add("my registrations, last page", fmt.Sprintf("/api/v1/me/registrations?page=%d&page_size=20", max(1, v.heavyRegs/20)), heavyTok)
	mine := "/api/v1/me/registrations?limit=20"
	if err := addKeyset("my registrations, keyset p1", mine, heavyTok, 20, "keyset last page"); err != nil {
		return err
	}
	add("my messages", "/api/v1/me/messages?limit=20", heavyTok)
	add("my hours", "/api/v1/me/hours", heavyTok)
	add("my service record", "/api/v1/me/hours/record", heavyTok)

	// ---- Redis loses every quota ----
	flushed := deleteKeys(o.redisAddr, srv.prefix+"{a")
	note("Redis flushed", fmt.Sprintf("%d quota keys deleted", flushed))
	after := add("public list p1, Redis flushed", "/api/v1/activities?page=1&page_size=20", "")

	// ---- export ----
	fmt.Println("export …")
	took, grew, size, err := c.export(fmt.Sprintf("/api/v1/admin/activities/%d/registrations/export", big), admin, srv.pid())
	if err != nil {
		return err
	}
	note(fmt.Sprintf("export of %d registrations", v.bigRegs), fmt.Sprintf("%.2f s, %.1f MB file, server memory +%.1f MB", took.Seconds(), float64(size)/1e6, float64(grew)/1e6))

	// ---- sign-up again ----
	signAfter, err := c.signUps(admin, srv.community, srv.org, "报名（满库）", "bench-after", 150)
	if err != nil {
		return err
	}
	note("sign-up p50 nearly empty / at scale", fmt.Sprintf("%s / %s (%+.0f %%)", ms(signBefore), ms(signAfter), 100*(float64(signAfter)/float64(signBefore)-1)))

	// ---- idle ----
	fmt.Printf("idle for %s …\n", o.idle)
	srvCPU, dbCPU := idleCPU(srv.pid(), o.idle)
	note("idle CPU (server / MariaDB)", fmt.Sprintf("%.1f %% / %.1f %% of a core (MariaDB is shared with other work on this machine)", srvCPU, dbCPU))
	reconcile, _ := c.metric("gongjian_reconcile_pass_activities")
	passSec, _ := c.metric("gongjian_reconcile_pass_seconds")
	full, _ := c.metric("gongjian_reconcile_pass_full_checks")
	note("reconciler pass (last)", fmt.Sprintf("%s activities compared, %s in full, %s s", reconcile, full, passSec))

	print(rows, emptyList, p1, after)
	return nil
}

func print(rows []row, empty, full, flushed row) {
	fmt.Println()
	fmt.Printf("%-48s %10s %10s %12s %10s\n", "what", "p50", "p99", "req/s (20c)", "p99 (20c)")
	fmt.Println(strings.Repeat("-", 96))
	for _, r := range rows {
		if r.onlyNote {
			fmt.Printf("%-48s %s\n", r.what, r.note)
			continue
		}
		bad := ""
		if r.seq.errs+r.conc.errs > 0 {
			bad = fmt.Sprintf("  (%d errors)", r.seq.errs+r.conc.errs)
		}
		fmt.Printf("%-48s %10s %10s %12.0f %10s%s\n", r.what, ms(r.seq.p50), ms(r.seq.p99), r.conc.rps, ms(r.conc.p99), bad)
	}
	fmt.Println()
	fmt.Printf("public list p50 at scale / nearly empty: %.2f×; after Redis lost the quotas: %.2f×\n",
		float64(full.seq.p50)/float64(empty.seq.p50), float64(flushed.seq.p50)/float64(empty.seq.p50))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// percentile of sorted durations.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}
