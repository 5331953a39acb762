package faulttest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// attempt is one sign-up request and what came back.
type attempt struct {
	resident int
	server   int
	phase    string
	status   int // 0: no answer (the connection failed or was cut)
	code     string
	message  string
	reg      string // confirmed | waitlisted on 201
	raw      string
}

func (a attempt) definitive() bool {
	return a.status == 201 || (a.status == 409 && a.code == "QUOTA_FULL")
}

// hotRelease drives residents onto one session: each resident has one
// Idempotency-Key for all their attempts, as the mini-program retries.
type hotRelease struct {
	d   *deployment
	sid int64
	res []resident

	mu       sync.Mutex
	attempts []attempt
	final    map[int]attempt // the definitive answer per resident
	answered atomic.Int64
}

func newHotRelease(d *deployment, sid int64, res []resident) *hotRelease {
	return &hotRelease{d: d, sid: sid, res: res, final: map[int]attempt{}}
}

func (h *hotRelease) signUp(i, srv int, phase string) attempt {
	r, err := h.d.call(srv, "POST", "/api/v1/registrations", h.res[i].token,
		map[string]any{"session_id": h.sid, "attendees": []map[string]any{{"self": true}}},
		"Idempotency-Key", fmt.Sprintf("hot-%d-%d", h.sid, i))
	a := attempt{resident: i, server: srv, phase: phase}
	if err != nil {
		if !errors.Is(err, errNoAnswer) {
			h.d.t.Errorf("request: %v", err)
		}
		a.raw = err.Error()
	} else {
		a.status, a.code, a.message, a.raw = r.Status, r.str("code"), r.str("message"), string(r.Raw)
		if r.Status == 201 {
			if regs, _ := r.Body["registrations"].([]any); len(regs) == 1 {
				a.reg, _ = regs[0].(map[string]any)["status"].(string)
			}
		}
	}
	h.mu.Lock()
	h.attempts = append(h.attempts, a)
	if a.definitive() {
		h.final[i] = a
	}
	h.mu.Unlock()
	h.answered.Add(1)
	return a
}

// wave signs up the residents idx, at most conc at a time, round-robin
// over the given servers.
func (h *hotRelease) wave(idx []int, servers []int, conc int, phase string) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	for k, i := range idx {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			h.signUp(i, servers[k%len(servers)], phase)
		}()
	}
	wg.Wait()
}

// settle retries, with the same Idempotency-Key, every resident without a
// definitive answer until all have one (bounded).
func (h *hotRelease) settle(servers []int, timeout time.Duration) {
	h.d.t.Helper()
	deadline := time.Now().Add(timeout)
	for round := 0; ; round++ {
		var open []int
		h.mu.Lock()
		for i := range h.res {
			if _, ok := h.final[i]; !ok {
				open = append(open, i)
			}
		}
		h.mu.Unlock()
		if len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.d.t.Errorf("%d residents still without a definitive answer after %v of retries", len(open), timeout)
			for _, i := range open[:min(len(open), 3)] {
				h.d.t.Errorf("resident %d (user %d) was answered: %s", i, h.res[i].id, strings.Join(h.history(i), " | "))
			}
			h.d.t.FailNow()
		}
		if round > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		h.wave(open, servers, 8, "retry")
	}
}

// history lists what resident i was answered, in order (repeats folded).
func (h *hotRelease) history(i int) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, a := range h.attempts {
		if a.resident != i {
			continue
		}
		s := fmt.Sprintf("%s: server %d %d %s", a.phase, a.server, a.status, a.code)
		if a.status == 0 {
			s = fmt.Sprintf("%s: server %d no answer", a.phase, a.server)
		}
		if n := len(out); n > 0 && strings.HasPrefix(out[n-1], s) {
			out[n-1] = s + " (again)"
			continue
		}
		out = append(out, s)
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// checkAnswers: every request was answered (unless its server was killed:
// noAnswerFrom), and every answer is a sign-up, a full session, a sign-up
// still in progress, or a clear 503 a resident can read — never a 500.
// It returns the count of each kind of answer, for the log.
func (h *hotRelease) checkAnswers(t *testing.T, noAnswerFrom map[int]bool) map[string]int {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	kinds := map[string]int{}
	for _, a := range h.attempts {
		key := fmt.Sprintf("%d %s", a.status, a.code)
		switch {
		case a.status == 0:
			key = "no answer"
			if !noAnswerFrom[a.server] {
				t.Errorf("resident %d got no answer from server %d (%s): %s", a.resident, a.server, a.phase, a.raw)
			}
		case a.status == 201:
			key = "201 " + a.reg
			if a.reg != "confirmed" && a.reg != "waitlisted" {
				t.Errorf("201 without a status: %s", a.raw)
			}
		case a.status == 409 && (a.code == "QUOTA_FULL" || a.code == "REQUEST_IN_PROGRESS"):
		case a.status == 503 && a.code == "UNAVAILABLE":
		default:
			t.Errorf("resident %d (%s) got %d %s", a.resident, a.phase, a.status, a.raw)
		}
		if a.status >= 400 && !hasHan(a.message) {
			t.Errorf("an error without a Chinese message: %s", a.raw)
		}
		kinds[key]++
	}
	return kinds
}

// live is a live registration as MySQL holds it.
type live struct {
	id     int64
	userID int64
	status string
}

// checkTruth compares MySQL with what the residents were told: no seat
// sold twice or beyond capacity, every sign-up ever answered 201 is there
// with the status it was given, every definitive answer is the truth,
// and every live registration came with exactly one notice in the same
// transaction (nothing half-written). It returns the live registrations.
func (h *hotRelease) checkTruth(t *testing.T, capacity, waitlist int) []live {
	t.Helper()
	d := h.d
	rows, err := d.db.Query("SELECT id, user_id, status FROM registrations WHERE session_id = ? AND status IN ('confirmed','waitlisted')", h.sid)
	if err != nil {
		t.Fatal(err)
	}
	var lives []live
	byUser := map[int64]live{}
	counts := map[string]int{}
	for rows.Next() {
		var l live
		if err := rows.Scan(&l.id, &l.userID, &l.status); err != nil {
			t.Fatal(err)
		}
		if prev, dup := byUser[l.userID]; dup {
			t.Errorf("user %d holds two places: %d and %d", l.userID, prev.id, l.id)
		}
		byUser[l.userID] = l
		counts[l.status]++
		lives = append(lives, l)
	}
	rows.Close()
	if counts["confirmed"] > capacity || counts["waitlisted"] > waitlist {
		t.Errorf("OVERSOLD: %d confirmed for %d seats, %d waitlisted for %d places", counts["confirmed"], capacity, counts["waitlisted"], waitlist)
	}
	h.mu.Lock()
	for _, a := range h.attempts {
		if a.status != 201 {
			continue
		}
		if l, ok := byUser[h.res[a.resident].id]; !ok || l.status != a.reg {
			t.Errorf("LOST: resident %d was told %s (%s, server %d) but MySQL has %+v", a.resident, a.reg, a.phase, a.server, l)
		}
	}
	for i, a := range h.final {
		l, ok := byUser[h.res[i].id]
		switch {
		case a.status == 201 && (!ok || l.status != a.reg):
			t.Errorf("resident %d's final answer %s differs from MySQL %+v", i, a.reg, l)
		case a.status == 409 && ok:
			t.Errorf("resident %d was told QUOTA_FULL but holds %+v", i, l)
		}
	}
	told := map[int64]bool{}
	for i := range h.final {
		told[h.res[i].id] = true
	}
	h.mu.Unlock()
	for _, l := range lives {
		if !told[l.userID] {
			t.Errorf("user %d holds %s but never got a definitive answer", l.userID, l.status)
		}
	}
	// Each live registration has its group and exactly one notice; no
	// notice was written for a registration that is not there.
	if n := d.count("SELECT COUNT(*) FROM registrations r LEFT JOIN registration_groups g ON g.group_key = r.group_key WHERE r.session_id = ? AND g.group_key IS NULL", h.sid); n > 0 {
		t.Errorf("%d registrations without their group", n)
	}
	notices := map[int64][]string{}
	nrows, err := d.db.Query(`SELECT registration_id, template_key FROM outbox WHERE template_key IN ('registration_confirmed','registration_waitlisted')
		AND activity_id = (SELECT activity_id FROM sessions WHERE id = ?)`, h.sid)
	if err != nil {
		t.Fatal(err)
	}
	for nrows.Next() {
		var id int64
		var key string
		nrows.Scan(&id, &key)
		notices[id] = append(notices[id], key)
	}
	nrows.Close()
	for _, l := range lives {
		want := "registration_" + l.status
		if got := notices[l.id]; len(got) != 1 || got[0] != want {
			t.Errorf("registration %d (%s) has notices %v, want exactly one %s", l.id, l.status, got, want)
		}
		delete(notices, l.id)
	}
	for id, keys := range notices {
		t.Errorf("HALF-WRITTEN: notices %v for registration %d which is not live", keys, id)
	}
	return lives
}

// checkQuota: the Redis quota agrees with MySQL — the reconciler finds no
// drift (asked on every server), and the seats residents see left are
// capacity minus MySQL's confirmed.
func (h *hotRelease) checkQuota(t *testing.T, admin resident, activityID int64, capacity int, servers []int) {
	t.Helper()
	d := h.d
	confirmed := d.count("SELECT COUNT(*) FROM registrations WHERE session_id = ? AND status = 'confirmed'", h.sid)
	for _, srv := range servers {
		var rep resp
		ok := waitFor(20*time.Second, func() bool {
			r, err := d.call(srv, "POST", "/api/v1/admin/quota/reconcile", admin.token, nil)
			rep = r
			return err == nil && r.Status == 200 && r.num("busy") == 0
		})
		if !ok {
			t.Fatalf("reconcile on server %d: %d %s", srv, rep.Status, rep.Raw)
		}
		if drift, _ := rep.Body["drift"].(map[string]any); len(drift) != 0 {
			t.Errorf("QUOTA DRIFT seen by server %d: %s", srv, rep.Raw)
		}
		r := d.must(srv, 200, "GET", fmt.Sprintf("/api/v1/activities/%d", activityID), "", nil)
		sessions, _ := r.Body["sessions"].([]any)
		left := int(sessions[0].(map[string]any)["remaining"].(float64))
		if left != capacity-confirmed {
			t.Errorf("server %d shows %d seats left; MySQL has %d of %d confirmed", srv, left, confirmed, capacity)
		}
	}
}

// checkNotices waits until every notice of the deployment has left the
// queue and checks WeChat got each sent confirmation exactly once and
// nothing else: per resident and activity one message at most, exactly one
// when the outbox says sent. uncertain (a process killed during the WeChat
// call) is allowed up to allowUncertain, never resent.
func (h *hotRelease) checkNotices(t *testing.T, allowUncertain int) map[string]int {
	t.Helper()
	d := h.d
	st := map[string]int{}
	ok := waitFor(60*time.Second, func() bool {
		st = map[string]int{}
		rows, err := d.db.Query("SELECT status, COUNT(*) FROM outbox GROUP BY status")
		if err != nil {
			return false
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			rows.Scan(&s, &n)
			st[s] = n
		}
		return st["pending"]+st["claimed"]+st["sending"] == 0
	})
	if !ok {
		t.Fatalf("notices still queued after 60s: %v", st)
	}
	// WeChat's messages by resident and activity (its title is thing1).
	got := map[string]int{}
	for _, m := range d.tenant.Sent() {
		if m.TemplateID == confirmedTemplate {
			got[m.ToUser+" "+m.Data["thing1"]]++
		}
	}
	rows, err := d.db.Query(`SELECT o.status, u.open_id, a.title FROM outbox o JOIN users u ON u.id = o.user_id
		JOIN activities a ON a.id = o.activity_id WHERE o.template_key = 'registration_confirmed'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var status, openID, title string
		rows.Scan(&status, &openID, &title)
		key := openID + " " + title
		seen[key] = true
		switch {
		case status == "sent" && got[key] != 1:
			t.Errorf("SENT %d TIMES: the confirmation of %s", got[key], key)
		case status == "uncertain" && got[key] > 1:
			t.Errorf("SENT %d TIMES: the uncertain confirmation of %s", got[key], key)
		case status != "sent" && status != "uncertain":
			t.Errorf("the confirmation of %s ended %s", key, status)
		}
	}
	for key, n := range got {
		if !seen[key] {
			t.Errorf("%d confirmations without a notice: %s", n, key)
		}
	}
	if st["uncertain"] > allowUncertain {
		t.Errorf("%d notices uncertain, at most %d calls can have been under way", st["uncertain"], allowUncertain)
	}
	if st["failed"] > 0 {
		t.Errorf("%d notices failed", st["failed"])
	}
	return st
}

func (h *hotRelease) summary(kinds map[string]int) string {
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s×%d ", k, kinds[k])
	}
	return strings.TrimSpace(b.String())
}

func indexes(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
