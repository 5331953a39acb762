package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// doorPhones is how many checker phones scan at the door: the product
// limits a checker to 600 scans a minute, so 200 a second takes at least
// 20; a real door of that size has a few more.
const doorPhones = 25

// door is online check-in at a door: -door-scans residents signed up for
// one session starting within the check-in window, their tickets scanned
// by doorPhones checker phones at -door-rate scans a second in all. Each
// scan's latency counts from the moment it was due, not from when a phone
// got round to sending it, so a server that falls behind shows it.
func (b *bench) door() error {
	n, rate := b.o.doorScans, b.o.doorRate
	if n > len(b.tokens) {
		n = len(b.tokens)
	}
	fmt.Printf("\n== door: %d tickets of one session scanned at %d a second by %d checker phones\n", n, rate, doorPhones)
	aid, sid, err := b.sessionAt("社区义诊（入场）", n+10, 0, time.Now().Add(30*time.Minute).Truncate(time.Minute))
	if err != nil {
		return err
	}
	tickets, err := b.tickets(b.tokens[:n], sid)
	if err != nil {
		return err
	}
	phones, err := b.checkers(aid)
	if err != nil {
		return err
	}
	var lat []time.Duration
	outcomes := map[string]int{}
	b.prof.during("door", n/rate, func() {
		b.measure("ours", func() int { lat, outcomes, err = b.scan(phones, tickets, rate); return len(tickets) })
	})
	if err != nil {
		return err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("  answers: %v\n  latency from the scan's due time: p50 %s, p95 %s, p99 %s, max %s\n", outcomes, ms(pct(0.50)), ms(pct(0.95)), ms(pct(0.99)), ms(lat[len(lat)-1]))
	b.check(outcomes["200"] == n, "every ticket checked in once (%d of %d)", outcomes["200"], n)
	b.check(pct(0.99) < 20*time.Millisecond, "p99 under 20 ms at %d scans a second (%s)", rate, ms(pct(0.99)))
	return nil
}

// tickets signs every token's resident up for the session and fetches the
// ticket of that registration.
func (b *bench) tickets(tokens []string, sid int64) ([]string, error) {
	out := make([]string, len(tokens))
	errc := make(chan error, len(tokens))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var reg struct {
				Registrations []struct {
					ID int64 `json:"id"`
				} `json:"registrations"`
			}
			body := map[string]any{"session_id": sid, "attendees": []map[string]bool{{"self": true}}}
			if _, err := b.callKeyed("POST", "/api/v1/registrations", tok, "door-"+randHex(8), body, &reg); err != nil {
				errc <- err
				return
			}
			var t struct {
				Ticket string `json:"ticket"`
			}
			if _, err := b.call("GET", "/api/v1/registrations/"+strconv.FormatInt(reg.Registrations[0].ID, 10)+"/ticket", tok, nil, &t); err != nil {
				errc <- err
				return
			}
			out[i] = t.Ticket
		}()
	}
	wg.Wait()
	close(errc)
	return out, <-errc
}

// checkers logs doorPhones checkers in and appoints them for the activity.
func (b *bench) checkers(aid int64) ([]string, error) {
	var toks []string
	for i := range doorPhones {
		var out struct {
			Token string `json:"token"`
			User  struct {
				ID int64 `json:"id"`
			} `json:"user"`
		}
		if _, err := b.callAt(b.base, "POST", "/api/v1/auth/login", "", map[string]string{"code": "dev:bench-checker-" + strconv.Itoa(i)}, &out); err != nil {
			return nil, err
		}
		if _, err := b.call("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", aid), b.admin, map[string]int64{"user_id": out.User.ID}, nil); err != nil {
			return nil, err
		}
		toks = append(toks, out.Token)
	}
	return toks, nil
}

// scan sends ticket i at begin + i/rate from phone i mod len(phones), each
// phone on its own keep-alive connection, and returns every scan's latency
// from its due time and the answers by status.
func (b *bench) scan(phones, tickets []string, rate int) ([]time.Duration, map[string]int, error) {
	conns, err := openConns(b.bases, len(phones))
	if err != nil {
		return nil, nil, err
	}
	defer closeAll(conns)
	lat := make([]time.Duration, len(tickets))
	status := make([]int, len(tickets))
	errs := make([]error, len(phones))
	interval := time.Second / time.Duration(rate)
	begin := time.Now().Add(20 * time.Millisecond)
	var wg sync.WaitGroup
	for p, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			auth := []string{"Authorization", "Bearer " + phones[p]}
			for i := p; i < len(tickets); i += len(phones) {
				due := begin.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				body, _ := json.Marshal(map[string]string{"ticket": tickets[i], "nonce": "door-" + strconv.Itoa(i), "scanned_at": time.Now().UTC().Format(time.RFC3339Nano)})
				st, _, err := rc.do("POST", "/api/v1/checkins", auth, body)
				lat[i], status[i] = time.Since(due), st
				if err != nil {
					errs[p] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	out := map[string]int{}
	for _, st := range status {
		out[strconv.Itoa(st)]++
	}
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return lat, out, nil
}
