package main

import (
	"fmt"
	"sync"
	"testing"
)

// Issue 13 point 12, over HTTP as a resident meets it: residents sign up at
// once for a session with few seats and a short waitlist; each waitlisted
// resident is told a place (waitlist_position). Confirmed residents then
// cancel one after another: each cancellation promotes the resident told
// the lowest place still waiting, and every resident still waiting reads
// the place they were told, moved up by the promotions so far.
func TestWaitlistPlaceToldIsThePlacePromotedFrom(t *testing.T) {
	w, ta := newRegWorld(t)
	const seats, waitlist, residents = 5, 8, 40
	act := w.activity(w.orgStaff, func(b map[string]any) {
		s := b["sessions"].([]map[string]any)
		s[0]["capacity"], s[0]["waitlist_capacity"] = seats, waitlist
		b["per_account_limit"] = 1
	})
	sid := sessionID(act, 0)
	type signUp struct {
		tok      string
		reg      int64
		status   string
		position int
	}
	out := make([]signUp, residents)
	toks := make([]string, residents)
	for i := range toks {
		toks[i], _ = w.resident(fmt.Sprintf("wl-%d", i), fmt.Sprintf("居民%d", i))
	}
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.register(toks[i], sid, nil, nil)
			if r.Status != 201 {
				out[i] = signUp{tok: toks[i], status: fmt.Sprint(r.Status, " ", r.str("code"))}
				return
			}
			reg := r.Body["registrations"].([]any)[0].(map[string]any)
			out[i] = signUp{tok: toks[i], reg: num(reg["id"]), status: reg["status"].(string), position: int(num(reg["waitlist_position"]))}
		}()
	}
	wg.Wait()
	var confirmed []signUp
	waiting := map[int]signUp{} // by the place told
	for _, s := range out {
		switch s.status {
		case "confirmed":
			confirmed = append(confirmed, s)
		case "waitlisted":
			if _, dup := waiting[s.position]; dup || s.position < 1 || s.position > waitlist {
				t.Fatalf("waitlist place %d told twice or out of range", s.position)
			}
			waiting[s.position] = s
		}
	}
	if len(confirmed) != seats || len(waiting) != waitlist {
		t.Fatalf("%d confirmed and %d waitlisted, want %d and %d: %+v", len(confirmed), len(waiting), seats, waitlist, out)
	}
	regOf := func(s signUp) resp {
		return ta.must(ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", s.reg), s.tok, nil), 200, "registration")
	}
	for n := 1; n <= seats; n++ {
		c := confirmed[n-1]
		ta.must(ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", c.reg), c.tok, nil), 200, "cancel")
		for place := 1; place <= waitlist; place++ {
			r := regOf(waiting[place])
			switch {
			case place <= n:
				if r.str("status") != "confirmed" {
					t.Fatalf("after %d cancellations the resident told place %d is %s, want confirmed: %s", n, place, r.str("status"), r.Raw)
				}
			case r.str("status") != "waitlisted" || int(num(r.Body["waitlist_position"])) != place-n:
				t.Fatalf("after %d cancellations the resident told place %d reads %s, want waitlisted at %d", n, place, r.Raw, place-n)
			}
		}
	}
}
