package main

import (
	"fmt"
	"strings"
	"time"
)

// ---- modes ----

// round is one measured run of one side.
type round struct {
	s    stats
	took time.Duration
	rate float64 // per second (sustained: confirmed, sold out: refusals)
	cpu  cpuUse  // CPU per request (ours only)
}

// ours measures one round of our server's side of a mode; the first round
// is profiled with -profile (its CPU profile covers the first seconds).
func (b *bench) ours(mode string, i, seconds int, fn func() int) cpuUse {
	var cpu cpuUse
	run := func() { cpu = b.measure("ours", fn) }
	if i == 0 {
		b.prof.during(mode, seconds, run)
	} else {
		run()
	}
	return cpu
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }

// rounds runs ours then the baseline, b.o.rounds times alternately (so a
// burst of other work on the machine does not fall on one side only), and
// returns every round of each.
func (b *bench) rounds(ours, naive func(i int) (round, error)) ([]round, []round, error) {
	var o, n []round
	for i := 0; i < b.o.rounds; i++ {
		r, err := ours(i)
		if err != nil {
			return nil, nil, err
		}
		o = append(o, r)
		time.Sleep(500 * time.Millisecond)
		r, err = naive(i)
		if err != nil {
			return nil, nil, err
		}
		n = append(n, r)
		time.Sleep(500 * time.Millisecond)
	}
	return o, n, nil
}

func best(rs []round, better func(a, b round) bool) round {
	out := rs[0]
	for _, r := range rs[1:] {
		if better(r, out) {
			out = r
		}
	}
	return out
}

// fastest prints every round of both sides (show) and returns the one of
// each with the highest rate.
func fastest(ours, naive []round, show func(round) string) (round, round) {
	faster := func(a, b round) bool { return a.rate > b.rate }
	printRounds("ours", ours, show)
	printRounds("naive", naive, show)
	return best(ours, faster), best(naive, faster)
}

// tally summarizes a round's answers and counts the registrations of
// activity aid confirmed in the database.
func (b *bench) tally(rs []result, aid int64) (stats, int, error) {
	got, err := b.confirmed(aid)
	return summarize(rs), got, err
}

// naiveRound runs load against the naive baseline, measured as served by
// the bench process; the round's rate is per second of count's answers.
func (b *bench) naiveRound(load func() ([]result, time.Duration, error), count func(stats) int) (round, error) {
	var rs []result
	var took time.Duration
	var err error
	b.measure("naive, served by the bench process", func() int {
		rs, took, err = load()
		return len(rs)
	})
	if err != nil {
		return round{}, err
	}
	st := summarize(rs)
	return round{s: st, took: took, rate: float64(count(st)) / took.Seconds()}, nil
}

func printRounds(label string, rs []round, show func(round) string) {
	var parts []string
	for _, r := range rs {
		parts = append(parts, show(r))
	}
	fmt.Printf("  %-6s rounds: %s\n", label, strings.Join(parts, ", "))
}

func (b *bench) hot() error {
	n, seats := b.o.n, b.o.seats
	fmt.Printf("\n== hot release: %d residents, one session of %d seats, all fired at the same instant (one connection each); %d rounds\n", n, seats, b.o.rounds)
	var total stats
	ours, naive, err := b.rounds(func(i int) (round, error) {
		aid, sid, err := b.session(fmt.Sprintf("热门演出 %d", i+1), seats, 0)
		if err != nil {
			return round{}, err
		}
		var rs []result
		b.ours("hot", i, 2, func() int { rs, err = hotRelease(b.bases, b.tokens[:n], sid); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st, got, err := b.tally(rs, aid)
		if err != nil {
			return round{}, err
		}
		if st.confirmed > seats || got > seats {
			return round{}, fmt.Errorf("OVERSELL: %d confirmed (%d in the database) for %d seats", st.confirmed, got, seats)
		}
		if st.confirmed != seats || got != seats || st.other != 0 {
			total.other++
			fmt.Printf("  round %d: %d confirmed, %d in the database, %d other answers (%s)\n", i+1, st.confirmed, got, st.other, st.firstOther)
		}
		fmt.Printf("  round %d: %d confirmed in the answers %v (per server process), %d in the database\n", i+1, st.confirmed, confirmedPerServer(rs, len(b.bases)), got)
		total.confirmed += got
		return round{s: st}, nil
	}, func(i int) (round, error) {
		nsid, err := b.naive.session(seats)
		if err != nil {
			return round{}, err
		}
		var rs []result
		b.measure("naive, served by the bench process", func() int { rs, err = hotRelease([]string{b.naive.url}, b.tokens[:n], nsid); return len(rs) })
		if err != nil {
			return round{}, err
		}
		return round{s: summarize(rs)}, nil
	})
	if err != nil {
		return err
	}
	sooner := func(a, b round) bool { return a.s.max < b.s.max }
	o, t := best(ours, sooner), best(naive, sooner)
	show := func(r round) string { return "last answer " + ms(r.s.max) }
	printRounds("ours", ours, show)
	printRounds("naive", naive, show)
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, 0, 0)
	fmt.Printf("  last answer after the release: ours %s, naive %s (naive/ours = %.2f×)\n", ms(o.s.max), ms(t.s.max), ratio(t.s.max, o.s.max))
	b.check(total.other == 0 && total.confirmed == seats*b.o.rounds, "exactly %d confirmed in every round, every request answered 201 or 409 QUOTA_FULL", seats)
	b.check(o.s.max <= time.Second, "all answered within 1 s of the release (%s)", ms(o.s.max))
	b.check(ratio(t.s.max, o.s.max) >= 3, "answered at least 3× sooner than the naive baseline (%.2f×)", ratio(t.s.max, o.s.max))
	return nil
}

func (b *bench) sustained() error {
	n, conns := b.o.sustainedN, b.o.conns
	fmt.Printf("\n== sustained: one hot session with seats for everyone, %d sign-ups by distinct residents over %d connections; %d rounds\n", n, conns, b.o.rounds)
	bad := 0
	ours, naive, err := b.rounds(func(i int) (round, error) {
		aid, sid, err := b.session(fmt.Sprintf("大型讲座 %d", i+1), n+10, 0)
		if err != nil {
			return round{}, err
		}
		var rs []result
		var took time.Duration
		cpu := b.ours("sustained", i, max(2, n/4000), func() int { rs, took, err = sustained(b.bases, b.tokens[:n], sid, conns); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st, got, err := b.tally(rs, aid)
		if err != nil {
			return round{}, err
		}
		if st.confirmed != n || got != n || st.other != 0 {
			bad++
			fmt.Printf("  round %d: %d confirmed of %d, %d in the database, %d errors (%s)\n", i+1, st.confirmed, n, got, st.other, st.firstOther)
		}
		return round{s: st, took: took, rate: float64(st.confirmed) / took.Seconds(), cpu: cpu}, nil
	}, func(i int) (round, error) {
		nsid, err := b.naive.session(n + 10)
		if err != nil {
			return round{}, err
		}
		return b.naiveRound(func() ([]result, time.Duration, error) {
			return sustained([]string{b.naive.url}, b.tokens[:n], nsid, conns)
		}, func(st stats) int { return st.confirmed })
	})
	if err != nil {
		return err
	}
	o, t := fastest(ours, naive, func(r round) string { return fmt.Sprintf("%.0f/s p99 %s", r.rate, ms(r.s.p99)) })
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, o.rate, t.rate)
	fmt.Printf("  registrations/s: ours %.0f, naive %.0f (ours/naive = %.2f×); %s\n", o.rate, t.rate, o.rate/t.rate, b.batchSize())
	// What the machine allows: 5× needs this run's naive rate times five;
	// the cores, never idle, serve at most their CPU over the CPU a sign-up
	// costs every process together (server, bench, Redis, MariaDB).
	fmt.Printf("  5× the naive baseline needs %.0f/s; at %s of the machine's CPU a sign-up (every process, best round) its %d cores allow at most %.0f/s (%.2f× naive)\n",
		5*t.rate, us(o.cpu.all), numCPU(), o.cpu.bound(), o.cpu.bound()/t.rate)
	b.check(bad == 0, "every sign-up confirmed in every round (%d of %d per round)", o.s.confirmed, n)
	b.check(o.rate >= 5*t.rate, "at least 5× the naive baseline's registrations per second (%.2f×)", o.rate/t.rate)
	b.check(o.s.p99 <= 25*time.Millisecond, "p99 ≤ 25 ms (%s)", ms(o.s.p99))
	b.check(o.cpu.server <= 150*time.Microsecond, "server CPU per confirmed sign-up ≤ 150 µs (%s, best round)", us(o.cpu.server))
	return nil
}

func (b *bench) soldOut() error {
	conns, d := b.o.conns, b.o.duration
	fmt.Printf("\n== sold out: a full session, %d connections for %s; %d rounds\n", conns, d, b.o.rounds)
	_, sid, err := b.session("已满场次", 1, 0)
	if err != nil {
		return err
	}
	if rs, _, err := sustained(b.bases, b.tokens[:1], sid, 1); err != nil || rs[0].status != 201 {
		return fmt.Errorf("filling the session: %v %+v", err, rs)
	}
	nsid, err := b.naive.session(0)
	if err != nil {
		return err
	}
	bad := 0
	ours, naive, err := b.rounds(func(i int) (round, error) {
		var rs []result
		var took time.Duration
		cpu := b.ours("soldout", i, int(d.Seconds()), func() int { rs, took, err = soldOut(b.bases, b.tokens[1:], sid, conns, d); return len(rs) })
		if err != nil {
			return round{}, err
		}
		st := summarize(rs)
		if st.confirmed != 0 || st.other != 0 {
			bad++
			fmt.Printf("  round %d: %d confirmed, %d other answers (%s)\n", i+1, st.confirmed, st.other, st.firstOther)
		}
		return round{s: st, took: took, rate: float64(st.full) / took.Seconds(), cpu: cpu}, nil
	}, func(i int) (round, error) {
		return b.naiveRound(func() ([]result, time.Duration, error) {
			return soldOut([]string{b.naive.url}, b.tokens[1:], nsid, conns, d)
		}, func(st stats) int { return st.full })
	})
	if err != nil {
		return err
	}
	o, t := fastest(ours, naive, func(r round) string { return fmt.Sprintf("%.0f/s", r.rate) })
	fmt.Println("  best round of each:")
	printTable(o.s, t.s, o.rate, t.rate)
	fmt.Printf("  refusals/s: ours %.0f, naive %.0f (ours/naive = %.2f×)\n", o.rate, t.rate, o.rate/t.rate)
	ginRate, evalsha, err := b.ceilings(nsid)
	if err != nil {
		return err
	}
	fmt.Printf("  ours as a fraction of the ceilings: %.0f%% of bare Gin's answers/s, %.0f%% of bare EVALSHA's calls/s\n", 100*o.rate/ginRate, 100*o.rate/evalsha)
	b.check(bad == 0, "only QUOTA_FULL answers in every round")
	b.check(o.rate >= ginRate/2, "refusals per second at least half of bare Gin's in this run (%.0f of %.0f: %.0f%%)", o.rate, ginRate, 100*o.rate/ginRate)
	b.check(o.cpu.server <= 65*time.Microsecond, "server CPU per refused sign-up ≤ 65 µs (%s, best round)", us(o.cpu.server))
	return nil
}
