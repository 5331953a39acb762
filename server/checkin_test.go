package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/config"
	"gongjian/internal/checkin"
	"gongjian/internal/cst"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
	"gongjian/internal/wxemu"
)

// ckWorld is a community with a host organisation, its staff member, an
// admin, a clinic (two sessions: in 30 minutes and tomorrow) and a volunteer
// service (in 30 minutes), created through the API.
type ckWorld struct {
	ta                         *testApp
	admin, staff               string
	adminID, staffID           int64
	community, org             int64
	clinic, clinicS1, clinicS2 int64
	vol, volS                  int64
	start                      time.Time
}

var ckPlace = map[string]any{"address": "阳光社区活动中心", "lat": 31.2304, "lng": 121.4737}

func (w *ckWorld) must(r resp, status int) resp {
	w.ta.t.Helper()
	if r.Status != status {
		w.ta.t.Fatalf("want %d, got %d %s", status, r.Status, r.Raw)
	}
	return r
}

// newCkWorld returns the world and its app.
func newCkWorld(t *testing.T, opts ...appOption) (*ckWorld, *testApp) {
	// A small pool: the machine's MariaDB is shared by every test running
	// (max_connections); concurrent requests queue for a connection.
	opts = append([]appOption{func(c *config.Config) { c.MySQL.MaxOpenConns = 12 }}, opts...)
	ta := newTestApp(t, opts...)
	w := &ckWorld{ta: ta, start: time.Now().UTC().Truncate(time.Minute).Add(30 * time.Minute)}
	w.admin, w.adminID = ta.login("ck-admin")
	ta.grant("ck-admin", resident.RoleChange{Role: "admin"})
	w.community = num(w.must(ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "阳光社区"}), 201).Body["id"])
	w.org = num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{
		"name": "幸福街道社区卫生服务中心", "type": "co_building_unit", "community_ids": []int64{w.community}}), 201).Body["id"])
	w.staff, w.staffID = ta.login("ck-staff")
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", w.staffID), w.admin, map[string]any{"role": "staff", "org_id": w.org}), 200)
	w.clinic, w.clinicS1, w.clinicS2 = w.activity("健康义诊", "clinic", w.start, w.start.Add(24*time.Hour))
	w.vol, w.volS, _ = w.activity("垃圾分类宣传", "volunteer_service", w.start)
	return w, ta
}

// activity creates and publishes an activity with 3-hour sessions.
func (w *ckWorld) activity(title, category string, starts ...time.Time) (int64, int64, int64) {
	sessions := []map[string]any{}
	for _, s := range starts {
		sessions = append(sessions, map[string]any{"starts_at": s, "ends_at": s.Add(3 * time.Hour), "capacity": 100})
	}
	r := w.must(w.ta.do("POST", "/api/v1/admin/activities", w.staff, map[string]any{
		"title": title, "category": category, "description": title, "community_id": w.community, "host_org_id": w.org,
		"place": ckPlace, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": starts[0],
		"sessions": sessions}), 201)
	id := num(r.Body["id"])
	ss := r.Body["sessions"].([]any)
	w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", id), w.staff, nil), 200)
	s2 := int64(0)
	if len(ss) > 1 {
		s2 = num(ss[1].(map[string]any)["id"])
	}
	return id, num(ss[0].(map[string]any)["id"]), s2
}

// resident logs a resident in, sets a real name and signs them up for a
// session; it returns the token, user id and registration id.
func (w *ckWorld) resident(name, realName string, session int64) (string, int64, int64) {
	tok, id := w.ta.login(name)
	w.must(w.ta.do("PATCH", "/api/v1/me", tok, map[string]any{"real_name": realName}), 200)
	r := w.must(w.ta.do("POST", "/api/v1/registrations", tok, map[string]any{"session_id": session, "attendees": []map[string]any{{"self": true}}},
		"Idempotency-Key", testenv.RandomName("k")), 201)
	return tok, id, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
}

func (w *ckWorld) ticket(tok string, reg int64) string {
	w.ta.t.Helper()
	r := w.must(w.ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", reg), tok, nil), 200)
	return r.str("ticket")
}

// shiftSessions moves an activity's sessions by d, as if time had passed
// (the registration feature refuses sessions in the past, rightly).
func (w *ckWorld) shiftSessions(activityID int64, d time.Duration) {
	var rows []struct {
		ID               int64
		StartsAt, EndsAt time.Time
	}
	db := w.ta.app.db.G
	if err := db.Table("sessions").Where("activity_id = ?", activityID).Find(&rows).Error; err != nil {
		w.ta.t.Fatal(err)
	}
	for _, r := range rows {
		if err := db.Table("sessions").Where("id = ?", r.ID).Updates(map[string]any{"starts_at": r.StartsAt.Add(d), "ends_at": r.EndsAt.Add(d)}).Error; err != nil {
			w.ta.t.Fatal(err)
		}
	}
}

// clinicChecker logs name in, appointed by the staff a checker of the
// clinic: their token.
func (w *ckWorld) clinicChecker(name string) string {
	w.ta.t.Helper()
	tok, id := w.ta.login(name)
	w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.clinic), w.staff, map[string]any{"user_id": id}), 201)
	return tok
}

func scanBody(ticket, nonce string) map[string]any {
	return map[string]any{"ticket": ticket, "nonce": nonce, "scanned_at": time.Now().UTC().Format(time.RFC3339Nano)}
}

// Tickets at the door: only the owner gets one; forged, revoked, other-
// session, too early and too late tickets are refused with their codes; a
// non-checker is refused; a good one checks in once, by whoever scans it
// first among 50 checkers scanning at once.
func TestTicketScanningEndToEnd(t *testing.T) {
	w, ta := newCkWorld(t)
	aliceTok, _, aliceReg := w.resident("ck-alice", "张小花", w.clinicS1)
	bobTok, _, bobReg := w.resident("ck-bob", "李大壮", w.clinicS1)
	carolTok, _, carolReg := w.resident("ck-carol", "王芳", w.clinicS2)
	alice := w.ticket(aliceTok, aliceReg)
	ta.remember(alice)

	// Only the owner.
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", aliceReg), bobTok, nil), 404, "REGISTRATION_NOT_FOUND")

	// Checkers: the host's staff appoint them; nobody else may.
	volTok, volID := ta.login("ck-checker")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.clinic), bobTok, map[string]any{"user_id": volID}), 403, "FORBIDDEN") // a plain resident stops at the staff door
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(alice, "n-0")), 403, "NOT_A_CHECKER")
	r := w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.clinic), w.staff, map[string]any{"user_id": volID}), 201)
	if len(r.Body["items"].([]any)) != 1 {
		t.Fatalf("checkers %s", r.Raw)
	}
	// The checker finds the activity among the ones they check, with both
	// sessions; a resident who checks nothing gets an empty list.
	checking := w.must(ta.do("GET", "/api/v1/me/checking", volTok, nil), 200).Body["items"].([]any)
	if len(checking) != 1 || num(checking[0].(map[string]any)["activity_id"]) != w.clinic || len(checking[0].(map[string]any)["sessions"].([]any)) != 2 {
		t.Fatalf("the checker's activities: %v", checking)
	}
	if items := w.must(ta.do("GET", "/api/v1/me/checking", bobTok, nil), 200).Body["items"].([]any); len(items) != 0 {
		t.Fatalf("a resident who checks nothing: %v", items)
	}

	// Forged: signed by another key; and a byte changed.
	forgedKeys, _ := checkin.NewKeys(bytes.Repeat([]byte{7}, 32))
	forged := forgedKeys.Issue(checkin.Ticket{RegistrationID: aliceReg, SessionID: w.clinicS1, ValidFrom: w.start.Add(-time.Hour), ValidUntil: w.start.Add(4 * time.Hour)})
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(forged, "n-1")), 422, "BAD_TICKET")
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(ckFlip(alice, 40), "n-2")), 422, "BAD_TICKET")
	// Other session: the door says session 2.
	body := scanBody(alice, "n-3")
	body["session_id"] = w.clinicS2
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, body), 422, "WRONG_SESSION")
	// Tomorrow's ticket today.
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(w.ticket(carolTok, carolReg), "n-4")), 422, "TOO_EARLY")
	// Revoked: Bob cancels; his ticket (and a new request for it) is refused, and the kit lists it.
	bob := w.ticket(bobTok, bobReg)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", bobReg), bobTok, nil), 200)
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(bob, "n-5")), 422, "REVOKED")
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", bobReg), bobTok, nil), 422, "REVOKED")
	kit := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d/checkin-kit", w.clinic), volTok, nil), 200)
	if rv := kit.Body["revoked"].([]any); len(rv) != 1 || rv[0] != bob || kit.str("public_key") == "" || len(kit.Body["sessions"].([]any)) != 2 ||
		num(kit.Body["window"].(map[string]any)["session_id"]) != w.clinicS1 {
		t.Fatalf("kit %s", kit.Raw)
	}
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/activities/%d/checkin-kit", w.clinic), bobTok, nil), 403, "NOT_A_CHECKER")
	if n := ta.count("checkins"); n != 0 {
		t.Fatalf("%d check-ins after refusals", n)
	}

	checkedInAt := func() any {
		regs := w.must(ta.do("GET", "/api/v1/me/registrations", aliceTok, nil), 200).Body["items"].([]any)
		for _, r := range regs {
			if r := r.(map[string]any); num(r["id"]) == aliceReg {
				return r["checked_in_at"]
			}
		}
		t.Fatalf("Alice's registration %d is not in her list", aliceReg)
		return nil
	}
	if at := checkedInAt(); at != nil {
		t.Fatalf("checked in at %v before any scan", at)
	}

	// 50 checkers scan Alice's ticket at once: one check-in.
	toks := make([]string, 50)
	for i := range toks {
		toks[i] = w.clinicChecker(fmt.Sprintf("ck-door-%d", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	var first resp
	for i, tok := range toks {
		wg.Add(1)
		go func(i int, tok string) {
			defer wg.Done()
			r := ta.do("POST", "/api/v1/checkins", tok, scanBody(alice, fmt.Sprintf("door-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			if r.Status == 200 {
				codes["ok"]++
				first = r
			} else {
				codes[r.str("code")]++
			}
		}(i, tok)
	}
	wg.Wait()
	if codes["ok"] != 1 || codes["ALREADY_CHECKED_IN"] != 49 {
		for _, l := range strings.Split(ta.logs.String(), "\n") {
			if strings.Contains(l, "request failed") {
				t.Log(l)
			}
		}
		t.Fatalf("50 concurrent scans: %v", codes)
	}
	if first.str("attendee_name_masked") != "张**" || num(first.Body["session"].(map[string]any)["id"]) != w.clinicS1 {
		t.Fatalf("scan answer %s", first.Raw)
	}
	if ta.count("checkins") != 1 {
		t.Fatalf("%d check-ins", ta.count("checkins"))
	}
	if at, _ := checkedInAt().(string); at == "" {
		t.Fatal("her registration does not show the check-in")
	}
	var notices int64
	ta.app.db.G.Table("outbox").Where("template_key = ? AND registration_id = ?", "checkin_done", aliceReg).Count(&notices)
	if notices != 1 {
		t.Fatalf("%d checkin_done notices", notices)
	}
	// A retry of the winning request (same checker, same nonce) is the same check-in.
	r = ta.do("POST", "/api/v1/checkins", volTok, scanBody(alice, "n-9"))
	expectError(t, r, 409, "ALREADY_CHECKED_IN")
	if r.Body["details"].(map[string]any)["first_checked_in_at"] == nil {
		t.Fatalf("no first time: %s", r.Raw)
	}

	// Too late: the session ended more than 30 minutes ago.
	daveTok, _, daveReg := w.resident("ck-dave", "赵六", w.clinicS1)
	dave := w.ticket(daveTok, daveReg)
	w.shiftSessions(w.clinic, -5*time.Hour)
	expectError(t, ta.do("POST", "/api/v1/checkins", volTok, scanBody(dave, "n-10")), 422, "TOO_LATE")
}

// Offline scans uploaded later overlap with online ones: the earliest scan
// of a ticket counts, the others are duplicates, retries change nothing.
func TestOfflineBatchEndToEnd(t *testing.T) {
	w, ta := newCkWorld(t)
	aTok, _, aReg := w.resident("ck-a", "孙一", w.clinicS1)
	bTok, _, bReg := w.resident("ck-b", "孙二", w.clinicS1)
	ta1, tb := w.ticket(aTok, aReg), w.ticket(bTok, bReg)
	phone := w.clinicChecker("ck-phone")

	// Online now: ticket A by the staff member.
	w.must(ta.do("POST", "/api/v1/checkins", w.staff, scanBody(ta1, "online-a")), 200)
	// The phone scanned A two minutes ago and B twice, offline.
	ago := func(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339Nano) }
	batch := map[string]any{"scans": []map[string]any{
		{"ticket": ta1, "nonce": "off-a", "scanned_at": ago(2 * time.Minute)},
		{"ticket": tb, "nonce": "off-b2", "scanned_at": ago(time.Minute)},
		{"ticket": tb, "nonce": "off-b1", "scanned_at": ago(3 * time.Minute)},
		{"ticket": "nonsense", "nonce": "off-x", "scanned_at": ago(time.Minute)},
	}, "sent_at": time.Now().UTC().Format(time.RFC3339Nano)}
	for round := 0; round < 2; round++ {
		r := w.must(ta.do("POST", "/api/v1/checkins/batch", phone, batch), 200)
		got := map[string]string{}
		for _, x := range r.Body["results"].([]any) {
			m := x.(map[string]any)
			got[m["nonce"].(string)] = m["result"].(string) + "/" + fmt.Sprint(m["code"])
		}
		want := map[string]string{"off-a": "checked_in/<nil>", "off-b1": "checked_in/<nil>", "off-b2": "duplicate/ALREADY_CHECKED_IN", "off-x": "refused/BAD_TICKET"}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("round %d: %s = %s, want %s (%s)", round, k, got[k], v, r.Raw)
			}
		}
	}
	// The online scan of A is now the duplicate.
	expectError(t, ta.do("POST", "/api/v1/checkins", w.staff, scanBody(ta1, "online-a")), 409, "ALREADY_CHECKED_IN")
	att := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/attendance", w.clinicS1), w.staff, nil), 200)
	if num(att.Body["checked_in"]) != 2 || num(att.Body["confirmed"]) != 2 {
		t.Fatalf("attendance %s", att.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/checkins/batch", phone, map[string]any{"scans": []any{}}), 400, "BAD_BATCH")
}

// Volunteers check themselves in and out with the rotating code near the
// place; hours are credited once; claims are reviewed; the service record
// and the reports add up.
func TestSelfCheckinHoursAndRecordEndToEnd(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, volID, _ := w.resident("ck-vol", "周志愿", w.volS)
	strangerTok, _ := ta.login("ck-stranger")

	code := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), w.staff, nil), 200)
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), volTok, nil), 403, "FORBIDDEN") // a plain resident stops at the staff door
	self := func(tok string, lat float64, action string) resp {
		return ta.do("POST", "/api/v1/self-checkins", tok, map[string]any{"code": code.str("code"), "lat": lat, "lng": 121.4737, "action": action})
	}
	expectError(t, self(volTok, 31.2404, "in"), 422, "TOO_FAR") // 1.1 km away
	expectError(t, self(strangerTok, 31.2304, "in"), 403, "NOT_SIGNED_UP")
	expectError(t, ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": "r.1.2.xxxxxxxxxxxxxxxx", "lat": 31.2304, "lng": 121.4737, "action": "in"}), 422, "BAD_CODE")
	in := w.must(self(volTok, 31.2305, "in"), 200)
	if in.str("action") != "in" || num(in.Body["session_id"]) != w.volS {
		t.Fatalf("check-in %s", in.Raw)
	}
	// Checking out before the session begins credits nothing; checking in
	// again is allowed then.
	out := w.must(self(volTok, 31.2305, "out"), 200)
	if num(out.Body["minutes"]) != 0 {
		t.Fatalf("check-out before the start credited %s", out.Raw)
	}
	w.must(self(volTok, 31.2305, "in"), 200)
	// Time passes: two hours later the session began 90 minutes ago and the
	// check-in was two hours ago. Check-out credits the overlap (from the
	// session's start), once.
	w.shiftSessions(w.vol, -2*time.Hour)
	if err := ta.app.db.G.Exec("UPDATE self_presences SET in_at = ? WHERE user_id = ?", time.Now().UTC().Add(-2*time.Hour), volID).Error; err != nil {
		t.Fatal(err)
	}
	var start time.Time
	ta.app.db.G.Table("sessions").Select("starts_at").Where("id = ?", w.volS).Scan(&start)
	before := time.Now()
	out = w.must(self(volTok, 31.2305, "out"), 200)
	after := time.Now()
	served := num(out.Body["minutes"])
	lo, hi := int64(math.Round(before.Sub(start).Minutes())), int64(math.Round(after.Sub(start).Minutes()))
	if served < lo || served > hi || served < 90 {
		t.Fatalf("check-out credited %d minutes, want %d..%d: %s", served, lo, hi, out.Raw)
	}
	again := w.must(self(volTok, 31.2305, "out"), 200)
	if again.Body["repeated"] != true || num(again.Body["minutes"]) != served {
		t.Fatalf("second check-out %s", again.Raw)
	}
	expectError(t, self(volTok, 31.2305, "in"), 409, "ALREADY_CHECKED_OUT")
	var entries int64
	ta.app.db.G.Table("hours_ledger").Where("user_id = ?", volID).Count(&entries)
	if entries != 1 {
		t.Fatalf("%d ledger entries after check-out", entries)
	}

	// Poster: generated once through WeChat, then cached.
	calls := ta.tenant.Count(wxemu.EndpointWXACodeUnlimit)
	for i := 0; i < 2; i++ {
		r := w.must(ta.do("GET", fmt.Sprintf("/api/v1/activities/%d/poster", w.vol), w.staff, nil), 200)
		if r.Header.Get("Content-Type") != "image/jpeg" || len(r.Raw) < 100 {
			t.Fatalf("poster: %s %d bytes", r.Header.Get("Content-Type"), len(r.Raw))
		}
	}
	if n := ta.tenant.Count(wxemu.EndpointWXACodeUnlimit) - calls; n != 1 {
		t.Fatalf("poster made %d WeChat calls, want 1", n)
	}

	// A claim for more of the (now past) service: the staff grant 150 minutes.
	w.shiftSessions(w.vol, -6*time.Hour)
	photo := w.must(ta.upload(volTok, testJPEG(t, 32, 32), false), 201).str("url")
	// The session was credited by the check-out: a claim only tops it up to
	// the session's length (3 h), and the reviewer sees the credit.
	expectError(t, ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{
		"activity_id": w.vol, "minutes": 180, "description": "在小区门口宣传垃圾分类", "photo_urls": []string{photo}}), 422, "CLAIM_EXCEEDS_SESSION")
	claim := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{
		"activity_id": w.vol, "minutes": 180 - served, "description": "在小区门口宣传垃圾分类", "photo_urls": []string{photo}}), 201)
	expectError(t, ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "minutes": 1, "description": "再来一次"}), 409, "CLAIM_PENDING")
	list := w.must(ta.do("GET", "/api/v1/admin/hours/claims?status=pending", w.staff, nil), 200)
	if items := list.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["volunteer_name"] != "周志愿" ||
		items[0].(map[string]any)["top_up"] != true || num(items[0].(map[string]any)["credited_minutes"]) != served {
		t.Fatalf("pending claims %s", list.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/admin/hours/claims?status=pending", volTok, nil), 403, "FORBIDDEN") // a volunteer stops at the staff door
	claimID := num(claim.Body["id"])
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", claimID), w.staff, map[string]any{"minutes": 181 - served}), 422, "CREDIT_EXCEEDS_SESSION")
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", claimID), w.staff, map[string]any{"minutes": 180 - served}), 200)
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/reject", claimID), w.staff, map[string]any{"reason": "晚了"}), 409, "CLAIM_ALREADY_REVIEWED")
	var reviewed, credited int64
	ta.app.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", volID, "claim_reviewed").Count(&reviewed)
	ta.app.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", volID, "hours_credited").Count(&credited)
	if reviewed != 1 || credited != 2 { // check-out and claim
		t.Fatalf("claim_reviewed %d (want 1), hours_credited %d (want 2)", reviewed, credited)
	}

	// A correction is a new entry; the record nets it.
	hrs := w.must(ta.do("GET", "/api/v1/me/hours", volTok, nil), 200)
	if num(hrs.Body["total_minutes"]) != 180 {
		t.Fatalf("my hours %s", hrs.Raw)
	}
	// Each entry names the person, who recorded it and who approved it.
	var entryID int64
	for _, e := range hrs.Body["entries"].([]any) {
		m := e.(map[string]any)
		if num(m["user_id"]) != volID || num(m["recorded_by"]) != volID {
			t.Fatalf("entry without its person or recorder: %v", m)
		}
		if m["source"] == "claim" {
			entryID = num(m["id"])
			if num(m["approved_by"]) != w.staffID {
				t.Fatalf("claim entry not approved by the reviewer: %v", m)
			}
		}
	}
	w.must(ta.do("POST", "/api/v1/admin/hours/corrections", w.staff, map[string]any{"entry_id": entryID, "minutes": -30, "reason": "提前离开半小时"}), 201)
	expectError(t, ta.do("POST", "/api/v1/admin/hours/corrections", w.staff, map[string]any{"entry_id": entryID, "minutes": -200, "reason": "多扣"}), 422, "NET_NEGATIVE")
	w.must(ta.do("PUT", "/api/v1/me/hours/identity", volTok, map[string]any{"id_number": "11010519491231002X"}), 200)
	ta.remember("11010519491231002X")
	rec := w.must(ta.do("GET", "/api/v1/me/hours/record", volTok, nil), 200)
	lines := rec.Body["entries"].([]any)
	byContent := map[string]int64{}
	for _, l := range lines {
		m := l.(map[string]any)
		if m["organiser"] != "幸福街道社区卫生服务中心" || m["place"] != "阳光社区活动中心" {
			t.Fatalf("record line %v", m)
		}
		byContent[m["content"].(string)] = num(m["minutes"])
	}
	if num(rec.Body["total_minutes"]) != 150 || rec.str("name") != "周志愿" || rec.str("id_number_masked") != "110***********002X" ||
		len(lines) != 1 || byContent["垃圾分类宣传"] != 150 || rec.str("record_number") == "" {
		t.Fatalf("record %s", rec.Raw)
	}
	x := w.must(ta.do("GET", "/api/v1/me/hours/record?format=xlsx", volTok, nil), 200)
	f, err := excelize.OpenReader(bytes.NewReader(x.Raw))
	if err != nil {
		t.Fatalf("record xlsx: %v", err)
	}
	// The claim topped up the checked-in session: one line for the session.
	b7, _ := f.GetCellValue("志愿服务记录", "B7")
	if total, _ := f.GetCellValue("志愿服务记录", "E8"); b7 != "垃圾分类宣传" || total != "2.5" {
		t.Fatalf("record xlsx: %q total %q", b7, total)
	}

	// Party membership and the report: the volunteer is a party member of
	// a branch under the host's party committee; the report rolls up.
	parent := num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "街道党工委", "type": "party_org", "community_ids": []int64{w.community}}), 201).Body["id"])
	branch := num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "阳光社区第一党支部", "type": "party_org", "parent_id": parent, "community_ids": []int64{w.community}}), 201).Body["id"])
	expectError(t, ta.do("POST", "/api/v1/me/party-membership", volTok, map[string]any{"org_id": branch, "community_id": w.community}), 403, "NOT_PARTY_MEMBER")
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", volID), w.admin, map[string]any{"role": "party_member"}), 200)
	w.must(ta.do("POST", "/api/v1/me/party-membership", volTok, map[string]any{"org_id": branch, "community_id": w.community}), 200)
	// Hours written from now on count for the branch: a second claim tops
	// up the 30 minutes the correction took off.
	c2 := w.must(ta.do("POST", "/api/v1/hours/claims", volTok, map[string]any{"activity_id": w.vol, "minutes": 30, "description": "整理宣传材料"}), 201)
	w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c2.Body["id"])), w.admin, map[string]any{"minutes": 30}), 200)
	today := time.Now().In(cst.Zone)
	q := "?from=" + today.AddDate(0, 0, -2).Format("2006-01-02") + "&to=" + today.AddDate(0, 0, 1).Format("2006-01-02")
	rep := w.must(ta.do("GET", "/api/v1/admin/hours"+q, w.admin, nil), 200)
	orgMinutes := map[int64]int64{}
	for _, o := range rep.Body["organizations"].([]any) {
		m := o.(map[string]any)
		orgMinutes[num(m["org_id"])] = num(m["minutes"])
	}
	if num(rep.Body["total_minutes"]) != 180 || orgMinutes[branch] != 30 || orgMinutes[parent] != 30 || len(rep.Body["leaderboard"].([]any)) != 1 {
		t.Fatalf("report %s", rep.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/admin/hours"+q, volTok, nil), 403, "FORBIDDEN")
	xr := w.must(ta.do("GET", "/api/v1/admin/hours"+q+"&format=xlsx", w.admin, nil), 200)
	f, err = excelize.OpenReader(bytes.NewReader(xr.Raw))
	if err != nil {
		t.Fatalf("report xlsx: %v", err)
	}
	if sheets := f.GetSheetList(); len(sheets) != 4 || sheets[0] != "个人服务时长" {
		t.Fatalf("sheets %v", sheets)
	}
	if v, _ := f.GetCellValue("个人服务时长", "B4"); v != "周志愿" {
		t.Fatalf("report xlsx B4 = %q", v)
	}
}

// ckFlip replaces s[i] with another character of the base64url alphabet.
func ckFlip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// A check-out away from the place waits in the staff's review queue: the
// queue shows the presence itself (its id, person, session and times), and
// staff approve it by that id.
func TestAwayCheckoutInTheReviewQueue(t *testing.T) {
	w, ta := newCkWorld(t)
	volTok, volID, _ := w.resident("ck-away", "吴志愿", w.volS)
	code := w.must(ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.volS), w.staff, nil), 200).str("code")
	self := func(lat float64, action string) resp {
		return w.must(ta.do("POST", "/api/v1/self-checkins", volTok, map[string]any{"code": code, "lat": lat, "lng": 121.4737, "action": action}), 200)
	}
	self(31.2305, "in")
	if out := self(31.3304, "out"); out.Body["in_review"] != true {
		t.Fatalf("an away check-out not held for review: %s", out.Raw)
	}
	var pid int64
	ta.app.db.G.Table("self_presences").Select("id").Where("user_id = ? AND session_id = ?", volID, w.volS).Scan(&pid)
	queue := w.must(ta.do("GET", "/api/v1/admin/presences", w.staff, nil), 200)
	xs := queue.Body["items"].([]any)
	if len(xs) != 1 {
		t.Fatalf("review queue %s", queue.Raw)
	}
	p := xs[0].(map[string]any)
	if num(p["id"]) != pid || num(p["user_id"]) != volID || num(p["session_id"]) != w.volS || num(p["activity_id"]) != w.vol ||
		p["user_name"] != "吴志愿" || p["out_at"] == nil || strings.HasPrefix(p["in_at"].(string), "0001") {
		t.Fatalf("queued presence %v, want presence %d of user %d", p, pid, volID)
	}
	ok := w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/presences/%d/approve", num(p["id"])), w.staff, nil), 200)
	if ok.str("review_status") != "approved" {
		t.Fatalf("approved %s", ok.Raw)
	}

	// Rejected with a "reason", as other rejections name it (or "note").
	tok2, id2, _ := w.resident("ck-away-2", "郑志愿", w.volS)
	w.must(ta.do("POST", "/api/v1/self-checkins", tok2, map[string]any{"code": code, "lat": 31.2305, "lng": 121.4737, "action": "in"}), 200)
	w.must(ta.do("POST", "/api/v1/self-checkins", tok2, map[string]any{"code": code, "lat": 31.3304, "lng": 121.4737, "action": "out"}), 200)
	var pid2 int64
	ta.app.db.G.Table("self_presences").Select("id").Where("user_id = ? AND session_id = ?", id2, w.volS).Scan(&pid2)
	no := w.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/presences/%d/reject", pid2), w.staff, map[string]string{"reason": "签退时已离开"}), 200)
	if no.str("review_status") != "rejected" || no.str("review_note") != "签退时已离开" {
		t.Fatalf("rejected %s", no.Raw)
	}
}
