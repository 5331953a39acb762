package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/resident"
)

var regKey atomic.Int64

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// regWorld is an app with a community, a host organisation, an admin and
// staff of the organisation and of the community.
type regWorld struct {
	ta                     *testApp
	admin, orgStaff, cStaf string
	community, org         int64
}

func (ta *testApp) grant(name string, rc resident.RoleChange) {
	ta.t.Helper()
	if _, err := ta.app.residents.GrantRoleByOpenID(context.Background(), ta.openID(name), rc); err != nil {
		ta.t.Fatal(err)
	}
}

// newRegWorld returns the world and its app.
func newRegWorld(t *testing.T, opts ...appOption) (*regWorld, *testApp) {
	ta := newTestApp(t, opts...)
	w := &regWorld{ta: ta}
	w.admin, _ = ta.login("admin")
	ta.grant("admin", resident.RoleChange{Role: "admin"})
	r := ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "阳光社区"})
	if r.Status != 201 {
		t.Fatalf("community: %d %s", r.Status, r.Raw)
	}
	w.community = num(r.Body["id"])
	r = ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "区青少年宫", "type": "co_building_unit", "community_ids": []int64{w.community}})
	if r.Status != 201 || num(r.Body["id"]) == 0 {
		t.Fatalf("organisation: %d %s", r.Status, r.Raw)
	}
	w.org = num(r.Body["id"])
	w.orgStaff, _ = ta.login("orgstaff")
	ta.grant("orgstaff", resident.RoleChange{Role: "staff", OrgID: w.org})
	w.cStaf, _ = ta.login("communitystaff")
	ta.grant("communitystaff", resident.RoleChange{Role: "staff", CommunityID: w.community})
	return w, ta
}

// newCommunity adds (as the admin) a community named name: its id.
func (w *regWorld) newCommunity(name string) int64 {
	w.ta.t.Helper()
	return num(w.ta.must(w.ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": name}), 201, "community "+name).Body["id"])
}

// activity creates (as token) and publishes an activity; mod changes the body.
func (w *regWorld) activity(token string, mod func(map[string]any)) map[string]any {
	w.ta.t.Helper()
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	body := map[string]any{
		"title": "亲子科学讲座", "category": "lecture", "description": "动手做实验", "community_id": w.community, "host_org_id": w.org,
		"place":           map[string]any{"address": "阳光社区活动室", "lat": 39.9, "lng": 116.4},
		"signup_opens_at": rfc(time.Now().Add(-time.Hour)), "signup_closes_at": rfc(start.Add(-time.Hour)),
		"cancel_deadline_minutes": 60, "per_account_limit": 3,
		"questions": []map[string]any{{"type": "choice", "title": "孩子年级", "options": []string{"一年级", "二年级"}, "required": true}},
		"sessions":  []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 2, "waitlist_capacity": 1}},
	}
	if mod != nil {
		mod(body)
	}
	r := w.ta.do("POST", "/api/v1/admin/activities", token, body)
	if r.Status != 201 || r.str("status") != "draft" {
		w.ta.t.Fatalf("create activity: %d %s", r.Status, r.Raw)
	}
	id := num(r.Body["id"])
	if p := w.ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", id), token, nil); p.Status != 200 || p.str("status") != "published" {
		w.ta.t.Fatalf("publish: %d %s", p.Status, p.Raw)
	}
	return r.Body
}

// lecture is the default activity, created and published by the
// organisation's staff: its id and its one session's.
func (w *regWorld) lecture() (aid, sid int64) {
	w.ta.t.Helper()
	act := w.activity(w.orgStaff, nil)
	return num(act["id"]), sessionID(act, 0)
}

// signedUpForLecture is a resident of the community (named name, real
// name real if given) signed up as themself for a new lecture: their
// token, the lecture, its session and the registration.
func (w *regWorld) signedUpForLecture(name, real string) (tok string, aid, sid, reg int64) {
	w.ta.t.Helper()
	aid, sid = w.lecture()
	tok, _ = w.resident(name, real)
	r := w.register(tok, sid, nil, nil)
	if r.Status != 201 {
		w.ta.t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	return tok, aid, sid, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
}

func sessionID(act map[string]any, i int) int64 {
	return num(act["sessions"].([]any)[i].(map[string]any)["id"])
}

func (w *regWorld) register(token string, sid int64, attendees []map[string]any, answers map[string]string, key ...string) resp {
	w.ta.t.Helper()
	k := fmt.Sprintf("test-%d", regKey.Add(1))
	if len(key) > 0 {
		k = key[0]
	}
	if attendees == nil {
		attendees = []map[string]any{{"self": true}}
	}
	if answers == nil {
		answers = map[string]string{"q1": "一年级"}
	}
	return w.ta.do("POST", "/api/v1/registrations", token, map[string]any{"session_id": sid, "attendees": attendees, "answers": answers}, "Idempotency-Key", k)
}

func (w *regWorld) resident(name string, real string) (string, int64) {
	tok, id := w.ta.login(name)
	body := map[string]any{"community_id": w.community}
	if real != "" {
		body["real_name"] = real
	}
	if r := w.ta.do("PATCH", "/api/v1/me", tok, body); r.Status != 200 {
		w.ta.t.Fatalf("profile: %d %s", r.Status, r.Raw)
	}
	return tok, id
}

func (w *regWorld) child(token, name string, age int) int64 {
	w.ta.t.Helper()
	birth := time.Now().AddDate(-age, 0, -30).Format("2006-01-02")
	r := w.ta.do("POST", "/api/v1/me/dependents", token, map[string]any{"name": name, "relation": "child", "birth_date": birth, "gender": "male",
		"guardian_consent": map[string]string{"version": resident.CurrentConsentVersion}})
	if r.Status != 201 {
		w.ta.t.Fatalf("dependent: %d %s", r.Status, r.Raw)
	}
	return num(r.Body["id"])
}

// The resident's path: list, detail, sign up (idempotently), my
// registrations, cancel with promotion — and nobody sees or touches
// another account's registrations or family members.
func TestRegistrationResidentFlow(t *testing.T) {
	w, ta := newRegWorld(t)
	aid, sid := w.lecture()
	alice, _ := w.resident("alice", "王丽")
	bob, _ := w.resident("bob", "")
	carol, _ := w.resident("carol", "")
	kid := w.child(alice, "王小明", 8)

	r := ta.do("GET", "/api/v1/activities?category=lecture&has_seats=true", "", nil)
	list := items(r)
	if r.Status != 200 || num(r.Body["total"]) != 1 || len(list) != 1 || list[0]["host_org_name"] != "区青少年宫" ||
		num(list[0]["remaining"]) != 2 || num(list[0]["sessions_count"]) != 1 || list[0]["next_starts_at"] == nil {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	// Sign up alice and her son; a retry with the same key gives the same answer.
	atts := []map[string]any{{"self": true}, {"dependent_id": kid}}
	first := w.register(alice, sid, atts, nil, "alice-1")
	if first.Status != 201 {
		t.Fatalf("register: %d %s", first.Status, first.Raw)
	}
	regs := first.Body["registrations"].([]any)
	if len(regs) != 2 || regs[0].(map[string]any)["status"] != "confirmed" || regs[1].(map[string]any)["attendee"].(map[string]any)["name"] != "王小明" {
		t.Fatalf("register: %s", first.Raw)
	}
	again := w.register(alice, sid, atts, nil, "alice-1")
	if again.Status != 201 || string(again.Raw) != string(first.Raw) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry must repeat the first answer:\n%s\n%s", first.Raw, again.Raw)
	}
	d := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", aid), "", nil)
	s0 := d.Body["sessions"].([]any)[0].(map[string]any)
	if num(s0["remaining"]) != 0 || num(s0["waitlist_remaining"]) != 1 || len(d.Body["questions"].([]any)) != 1 {
		t.Fatalf("detail: %s", d.Raw)
	}
	// Bob waits; carol finds it full.
	b := w.register(bob, sid, nil, nil)
	bobReg := num(b.Body["registrations"].([]any)[0].(map[string]any)["id"])
	if b.Status != 201 || !strings.Contains(string(b.Raw), `"waitlisted"`) || !strings.Contains(string(b.Raw), `"waitlist_position":1`) {
		t.Fatalf("bob: %d %s", b.Status, b.Raw)
	}
	expectError(t, w.register(carol, sid, nil, nil), 409, "QUOTA_FULL")
	expectError(t, w.register(alice, sid, []map[string]any{{"self": true}}, nil), 409, "ALREADY_REGISTERED")
	// Nobody touches someone else's family member or registration.
	expectError(t, w.register(carol, sid, []map[string]any{{"dependent_id": kid}}, nil), 404, "DEPENDENT_NOT_FOUND")
	aliceReg := num(regs[0].(map[string]any)["id"])
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", aliceReg), bob, nil), 404, "REGISTRATION_NOT_FOUND")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", aliceReg), bob, nil), 404, "REGISTRATION_NOT_FOUND")
	if r := ta.do("GET", "/api/v1/me/registrations", bob, nil); len(items(r)) != 1 || num(items(r)[0]["id"]) != bobReg {
		t.Fatalf("bob sees only his own: %s", r.Raw)
	}
	expectError(t, ta.do("POST", "/api/v1/registrations", bob, map[string]any{"session_id": sid, "attendees": []map[string]any{{"self": true}}}), 400, "IDEMPOTENCY_KEY_REQUIRED")
	expectError(t, w.register(bob, sid, []map[string]any{{"self": true, "dependent_id": kid}}, nil), 400, "INVALID_ATTENDEES")
	expectError(t, w.register(carol, sid, nil, map[string]string{}), 422, "ANSWER_REQUIRED")

	// My registrations: upcoming, with the activity, time, place and attendee.
	mine := ta.do("GET", "/api/v1/me/registrations?scope=upcoming", alice, nil)
	it := items(mine)
	if len(it) != 2 || it[0]["activity_title"] != "亲子科学讲座" || it[0]["starts_at"] == nil ||
		it[0]["place"].(map[string]any)["address"] != "阳光社区活动室" || it[0]["attendee"].(map[string]any)["self"] != true ||
		it[0]["attendee"].(map[string]any)["name"] != "王丽" || it[0]["status"] != "confirmed" {
		t.Fatalf("my registrations: %s", mine.Raw)
	}
	// The same by keyset: one a page, following next_cursor.
	k1 := ta.do("GET", "/api/v1/me/registrations?scope=upcoming&limit=1", alice, nil)
	next, _ := k1.Body["next_cursor"].(string)
	if len(items(k1)) != 1 || num(items(k1)[0]["id"]) != num(it[0]["id"]) || next == "" || k1.Body["total"] != nil {
		t.Fatalf("keyset page 1: %s", k1.Raw)
	}
	k2 := ta.do("GET", "/api/v1/me/registrations?scope=upcoming&limit=1&cursor="+next, alice, nil)
	if len(items(k2)) != 1 || num(items(k2)[0]["id"]) != num(it[1]["id"]) || k2.Body["next_cursor"] != nil {
		t.Fatalf("keyset page 2: %s", k2.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/me/registrations?cursor=nonsense", alice, nil), 400, "BAD_CURSOR")
	// Alice's son cancels: bob is promoted at once and notified.
	c := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", num(regs[1].(map[string]any)["id"])), alice, nil)
	if c.Status != 200 || num(c.Body["promoted"]) != 1 {
		t.Fatalf("cancel: %d %s", c.Status, c.Raw)
	}
	if g := ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d", bobReg), bob, nil); g.str("status") != "confirmed" {
		t.Fatalf("bob promoted: %s", g.Raw)
	}
	var notices int64
	ta.app.db.G.Table("outbox").Where("template_key = ? AND registration_id = ?", "waitlist_promoted", bobReg).Count(&notices)
	if notices != 1 {
		t.Fatalf("promotion notice: %d", notices)
	}
	past := ta.do("GET", "/api/v1/me/registrations?scope=past", alice, nil)
	if len(items(past)) != 1 || items(past)[0]["status"] != "cancelled" {
		t.Fatalf("past: %s", past.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/me/registrations?scope=later", alice, nil), 400, "BAD_QUERY")
}

// Every refusal of a sign-up is reachable with its status and code.
func TestRegistrationRefusals(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _ := w.resident("alice", "")
	kid := w.child(alice, "小红", 5)
	outsider, _ := ta.login("outsider") // no community chosen
	member, _ := w.resident("member", "")
	ta.grant("member", resident.RoleChange{Role: "party_member"})

	limited := w.activity(w.admin, func(b map[string]any) { b["per_account_limit"] = 1 })
	expectError(t, w.register(alice, sessionID(limited, 0), []map[string]any{{"self": true}, {"dependent_id": kid}}, nil), 422, "LIMIT_EXCEEDED")

	local := w.activity(w.admin, func(b map[string]any) { b["eligibility"] = map[string]any{"community_only": true} })
	r := w.register(outsider, sessionID(local, 0), nil, nil)
	expectError(t, r, 422, "NOT_ELIGIBLE")
	if r.Body["details"].(map[string]any)["reason"] == "" {
		t.Fatalf("NOT_ELIGIBLE must say why: %s", r.Raw)
	}
	aged := w.activity(w.admin, func(b map[string]any) { b["eligibility"] = map[string]any{"min_age": 6, "max_age": 12} })
	r = w.register(alice, sessionID(aged, 0), []map[string]any{{"dependent_id": kid}}, nil)
	expectError(t, r, 422, "NOT_ELIGIBLE")
	if !strings.Contains(r.str("message"), "小红") {
		t.Fatalf("age refusal names the attendee: %s", r.Raw)
	}
	party := w.activity(w.admin, func(b map[string]any) { b["eligibility"] = map[string]any{"roles": []string{"party_member"}} })
	expectError(t, w.register(alice, sessionID(party, 0), nil, nil), 422, "NOT_ELIGIBLE")
	if r := w.register(member, sessionID(party, 0), nil, nil); r.Status != 201 {
		t.Fatalf("party member: %d %s", r.Status, r.Raw)
	}
	later := w.activity(w.admin, func(b map[string]any) { b["signup_opens_at"] = rfc(time.Now().Add(time.Hour)) })
	r = w.register(alice, sessionID(later, 0), nil, nil)
	expectError(t, r, 422, "SIGNUP_NOT_OPEN")
	closed := w.activity(w.admin, func(b map[string]any) {
		b["signup_opens_at"], b["signup_closes_at"] = rfc(time.Now().Add(-2*time.Hour)), rfc(time.Now().Add(-time.Hour))
	})
	expectError(t, w.register(alice, sessionID(closed, 0), nil, nil), 422, "SIGNUP_CLOSED")
	expectError(t, w.register(alice, 999999, nil, nil), 404, "SESSION_NOT_FOUND")

	// No-shows: three in 90 days suspend sign-ups to popular activities.
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	var sessions []map[string]any
	for i := 0; i < 3; i++ {
		s := start.Add(time.Duration(i) * 24 * time.Hour)
		sessions = append(sessions, map[string]any{"starts_at": rfc(s), "ends_at": rfc(s.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 0})
	}
	past := w.activity(w.cStaf, func(b map[string]any) { b["sessions"] = sessions })
	var regIDs []int64
	for i := 0; i < 3; i++ {
		r := w.register(alice, sessionID(past, i), nil, nil)
		regIDs = append(regIDs, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"]))
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/no-show", regIDs[0]), w.cStaf, map[string]bool{"no_show": true}), 422, "SESSION_NOT_STARTED")
	// The sessions took place (moved into the past) and alice did not come.
	for i := 0; i < 3; i++ {
		ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", time.Now().AddDate(0, 0, -10*(i+1)), time.Now().AddDate(0, 0, -10*(i+1)).Add(time.Hour), sessionID(past, i))
		if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/no-show", regIDs[i]), w.cStaf, map[string]bool{"no_show": true}); r.Status != 200 {
			t.Fatalf("no-show: %d %s", r.Status, r.Raw)
		}
	}
	popular := w.activity(w.admin, func(b map[string]any) { b["popular"] = true })
	r = w.register(alice, sessionID(popular, 0), nil, nil)
	expectError(t, r, 403, "NO_SHOW_SUSPENDED")
	if r.Body["details"].(map[string]any)["suspended_until"] == nil {
		t.Fatalf("the refusal says until when: %s", r.Raw)
	}
	ns := ta.do("GET", "/api/v1/me/no-shows", alice, nil)
	if ns.Body["suspended"] != true || num(ns.Body["count"]) != 3 || !strings.Contains(ns.str("reason"), "未到场") {
		t.Fatalf("no-shows: %s", ns.Raw)
	}
	// Activities that are not popular stay open to her.
	if r := w.register(alice, sessionID(w.activity(w.admin, nil), 0), nil, nil); r.Status != 201 {
		t.Fatalf("not popular: %d %s", r.Status, r.Raw)
	}
	// A cancelled activity takes no more sign-ups.
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", num(popular["id"])), w.admin, map[string]string{"reason": ""}), 400, "REASON_REQUIRED")
	if r := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", num(popular["id"])), w.admin, map[string]string{"reason": "场地维修"}); r.Status != 200 || r.str("status") != "cancelled" {
		t.Fatalf("cancel activity: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.register(member, sessionID(popular, 0), nil, nil), 422, "SIGNUP_CLOSED")
}

// Staff work within their scope: lists (masked for organisation staff),
// XLSX export, additions and removals by hand, capacity changes.
func TestRegistrationStaff(t *testing.T) {
	w, ta := newRegWorld(t)
	aid, sid := w.lecture()
	alice, aliceID := w.resident("alice", "王丽")
	bob, bobID := w.resident("bob", "李强")
	ta.remember("王丽", "李强")
	for _, tok := range []string{alice, bob} {
		if r := w.register(tok, sid, nil, nil); r.Status != 201 {
			t.Fatalf("register: %s", r.Raw)
		}
	}
	path := fmt.Sprintf("/api/v1/admin/activities/%d/registrations", aid)
	// Organisation staff see names masked, community staff in full.
	r := ta.do("GET", path, w.orgStaff, nil)
	if r.Status != 200 || len(items(r)) != 2 || items(r)[0]["attendee"].(map[string]any)["name"] != "王*" || strings.Contains(string(r.Raw), "王丽") {
		t.Fatalf("org staff list: %d %s", r.Status, r.Raw)
	}
	r = ta.do("GET", path+"?status=confirmed", w.cStaf, nil)
	if len(items(r)) != 2 || items(r)[0]["attendee"].(map[string]any)["name"] != "王丽" {
		t.Fatalf("community staff list: %s", r.Raw)
	}
	x := ta.do("GET", path+"/export", w.orgStaff, nil)
	if x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", x.Status, x.Header)
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := book.GetRows("报名名单")
	if len(rows) != 3 || rows[0][3] != "报名人" || rows[1][3] != "王*" || rows[0][len(rows[0])-1] != "孩子年级" {
		t.Fatalf("export rows: %v", rows)
	}
	// A resident, or staff of another organisation, cannot get in.
	expectError(t, ta.do("GET", path, alice, nil), 403, "FORBIDDEN")
	otherOrg := ta.do("POST", "/api/v1/admin/organizations", w.admin, map[string]any{"name": "区文化馆", "type": "co_building_unit", "community_ids": []int64{w.community}})
	other, _ := ta.login("otherstaff")
	ta.grant("otherstaff", resident.RoleChange{Role: "staff", OrgID: num(otherOrg.Body["id"])})
	expectError(t, ta.do("GET", path, other, nil), 404, "ACTIVITY_NOT_FOUND")
	expectError(t, ta.do("POST", "/api/v1/admin/organizations", w.orgStaff, map[string]any{"name": "x", "type": "social_org", "community_ids": []int64{w.community}}), 403, "FORBIDDEN")
	// Capacity: raising promotes, lowering below the confirmed count is refused.
	carol, carolID := w.resident("carol", "")
	if r := w.register(carol, sid, nil, nil); !strings.Contains(string(r.Raw), "waitlisted") {
		t.Fatalf("carol waits: %s", r.Raw)
	}
	sp := fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", aid, sid)
	expectError(t, ta.do("PATCH", sp, w.orgStaff, map[string]int{"capacity": 1}), 422, "CAPACITY_BELOW_CONFIRMED")
	r = ta.do("PATCH", sp, w.orgStaff, map[string]int{"capacity": 3})
	if r.Status != 200 || num(r.Body["promoted"]) != 1 || num(r.Body["session"].(map[string]any)["remaining"]) != 0 {
		t.Fatalf("raise capacity: %d %s", r.Status, r.Raw)
	}
	// Removal by hand with a reason (the resident hears of it), addition by hand.
	list := items(ta.do("GET", path+"?status=confirmed", w.cStaf, nil))
	var bobReg int64
	for _, it := range list {
		if num(it["user_id"]) == bobID {
			bobReg = num(it["id"])
		}
	}
	r = ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", bobReg), w.orgStaff, map[string]string{"reason": "重复报名"})
	if r.Status != 200 || len(r.Body["cancelled"].([]any)) != 1 {
		t.Fatalf("remove: %d %s", r.Status, r.Raw)
	}
	var told int64
	ta.app.db.G.Table("outbox").Where("user_id = ? AND template_key = ?", bobID, "activity_changed").Count(&told)
	if told != 1 {
		t.Fatalf("bob must be told: %d", told)
	}
	r = ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": bobID, "reason": "电话报名"})
	if r.Status != 201 || !strings.Contains(string(r.Raw), "confirmed") {
		t.Fatalf("add by hand: %d %s", r.Status, r.Raw)
	}
	expectError(t, ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": aliceID, "reason": "再加一次"}), 409, "ALREADY_REGISTERED")
	d := ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.orgStaff, nil)
	s0 := d.Body["sessions"].([]any)[0].(map[string]any)
	if num(s0["confirmed"]) != 3 || num(s0["remaining"]) != 0 {
		t.Fatalf("admin detail: %s", d.Raw)
	}
	// Staff list only their own activities.
	if r := ta.do("GET", "/api/v1/admin/activities", other, nil); num(r.Body["total"]) != 0 {
		t.Fatalf("other staff see nothing: %s", r.Raw)
	}
	if r := ta.do("GET", "/api/v1/admin/activities", w.orgStaff, nil); num(r.Body["total"]) != 1 {
		t.Fatalf("org staff see theirs: %s", r.Raw)
	}
	// Cancelling the activity cancels everyone and tells each of them.
	r = ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", aid), w.orgStaff, map[string]string{"reason": "天气原因"})
	if r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	var cancelled, notices int64
	ta.app.db.G.Table("registrations").Where("activity_id = ? AND status = ?", aid, "cancelled").Count(&cancelled)
	ta.app.db.G.Table("outbox").Where("activity_id = ? AND template_key = ? AND user_id IN ?", aid, "activity_changed", []int64{aliceID, bobID, carolID}).Count(&notices)
	if cancelled != 4 || notices != 4 {
		t.Fatalf("after cancelling: %d cancelled, %d notices", cancelled, notices)
	}
	if r := ta.do("POST", "/api/v1/admin/quota/reconcile", w.admin, nil); r.Status != 200 || len(r.Body["drift"].(map[string]any)) != 0 {
		t.Fatalf("reconcile: %d %s", r.Status, r.Raw)
	}
	if m := ta.do("GET", "/metrics", "", nil); !strings.Contains(string(m.Raw), "gongjian_quota_rebuilds_total") {
		t.Fatal("quota metrics missing")
	}
}

// Drafts are invisible to residents; bad input is refused cleanly.
func TestActivityAdminValidation(t *testing.T) {
	w, ta := newRegWorld(t)
	alice, _ := w.resident("alice", "")
	start := time.Now().Add(24 * time.Hour)
	base := func() map[string]any {
		return map[string]any{
			"title": "义诊", "category": "clinic", "community_id": w.community, "host_org_id": w.org,
			"place": map[string]any{"address": "卫生站"}, "signup_opens_at": rfc(time.Now()), "signup_closes_at": rfc(start.Add(-time.Hour)),
			"sessions": []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(15 * time.Minute)), "capacity": 3, "waitlist_capacity": 1}},
		}
	}
	r := ta.do("POST", "/api/v1/admin/activities", w.admin, base())
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	draft := num(r.Body["id"])
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", draft), alice, nil), 404, "ACTIVITY_NOT_FOUND")
	if r := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", draft), w.admin, nil); r.Status != 200 {
		t.Fatalf("the manager sees the draft: %d", r.Status)
	}
	expectError(t, w.register(alice, sessionID(r.Body, 0), nil, nil), 404, "SESSION_NOT_FOUND")
	cases := []struct {
		name string
		mod  func(map[string]any)
		code string
	}{
		{"category", func(b map[string]any) { b["category"] = "party" }, "INVALID_CATEGORY"},
		{"no sessions", func(b map[string]any) { b["sessions"] = []any{} }, "INVALID_SESSION"},
		{"past session", func(b map[string]any) {
			b["sessions"] = []map[string]any{{"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now()), "capacity": 1}}
		}, "INVALID_SESSION"},
		{"capacity", func(b map[string]any) {
			b["sessions"] = []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 0}}
		}, "INVALID_CAPACITY"},
		{"window", func(b map[string]any) { b["signup_closes_at"] = rfc(time.Now().Add(-time.Hour)) }, "INVALID_SIGNUP_WINDOW"},
		{"ages", func(b map[string]any) { b["eligibility"] = map[string]any{"min_age": 10, "max_age": 5} }, "INVALID_ELIGIBILITY"},
		{"roles", func(b map[string]any) { b["eligibility"] = map[string]any{"roles": []string{"king"}} }, "INVALID_ELIGIBILITY"},
		{"question", func(b map[string]any) {
			b["questions"] = []map[string]any{{"type": "choice", "title": "选一个", "options": []string{"A"}}}
		}, "INVALID_QUESTIONS"},
		{"host elsewhere", func(b map[string]any) { b["host_org_id"] = 999999 }, "UNKNOWN_ORGANIZATION"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := base()
			c.mod(b)
			expectError(t, ta.do("POST", "/api/v1/admin/activities", w.admin, b), 400, c.code)
		})
	}
	expectError(t, ta.do("POST", "/api/v1/admin/activities", alice, base()), 403, "FORBIDDEN")
	expectError(t, ta.do("POST", "/api/v1/admin/activities", w.admin, `{"title":"x","bogus":1}`), 400, "UNKNOWN_FIELD")
	expectError(t, ta.do("GET", "/api/v1/activities?page_size=500", "", nil), 400, "BAD_QUERY")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", draft+1000), w.admin, nil), 404, "ACTIVITY_NOT_FOUND")
	// Edit: a new place is told to everyone signed up.
	if p := ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", draft), w.admin, nil); p.Status != 200 {
		t.Fatalf("publish: %s", p.Raw)
	}
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", draft), w.admin, nil), 422, "ACTIVITY_STATUS")
	if r := w.register(alice, sessionID(r.Body, 0), nil, map[string]string{}); r.Status != 201 {
		t.Fatalf("register: %s", r.Raw)
	}
	e := ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", draft), w.admin, map[string]any{"place": map[string]any{"address": "社区医院三楼"}})
	if e.Status != 200 || e.Body["place"].(map[string]any)["address"] != "社区医院三楼" {
		t.Fatalf("edit: %d %s", e.Status, e.Raw)
	}
	var changed int64
	ta.app.db.G.Table("outbox").Where("activity_id = ? AND template_key = ?", draft, "activity_changed").Count(&changed)
	if changed != 1 {
		t.Fatalf("change notices: %d", changed)
	}
}
