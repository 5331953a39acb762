package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"gongjian/config"
	"gongjian/internal/httpapi"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
	"gongjian/internal/wxemu"
)

// The authorization matrix: every route of the OpenAPI document is called
// by each persona below and the status is asserted. A route without a row
// fails the test, so a new route cannot ship without deciding who may call
// it. Answers to people who may not see the owner's data are also checked
// for the owner's personal data.
//
// Personas (columns of want):
//
//	anon      no token
//	owner     the resident who owns the resource (registration, family
//	          member, wristband, claim, upload, message)
//	other     another resident of the same community
//	staffB    staff of community B (another community)
//	staffA    staff of community A, where the resource lives
//	orgStaff  staff of the organisation hosting community A's activities
//	admin     an administrator
//	unitA     the contact (unit_contact) of co-building unit A, which
//	          co-builds with community A; a resident of community A
//	unitB     the contact of unit B (community B)
//
// Rows built with st give unitA and unitB what "other" gets (outside
// co-building a unit contact is a resident like any other); co-building's
// rows set them with stu.
const (
	anon = iota
	owner
	other
	staffB
	staffA
	orgStaff
	admin
	unitA
	unitB
	personas
)

var personaNames = [personas]string{"anon", "owner", "other", "staffB", "staffA", "orgStaff", "admin", "unitA", "unitB"}

// authzCall is one request of a row.
type authzCall struct {
	path    string
	body    any // nil, a value (JSON) or a string (raw)
	headers []string
}

type authzRow struct {
	route string                // "METHOD /path/{param}" as in the OpenAPI document
	want  [personas]int         // status per persona
	call  func(p int) authzCall // may create a fresh resource for each persona
}

// authzVerify checks a 2xx answer further: what a persona may call but
// must not get (another community's rows in a list, a scan refused inside
// a batch). It returns what is wrong, or "".
type authzVerify func(p int, r resp) string

// st builds a row's expectations: anon, owner, other, staffB, staffA, orgStaff, admin.
func st(a, ow, ot, sb, sa, os, ad int) [personas]int {
	return [personas]int{a, ow, ot, sb, sa, os, ad, ot, ot}
}

// stu is st with the unit contacts' expectations.
func stu(s [personas]int, ua, ub int) [personas]int { s[unitA], s[unitB] = ua, ub; return s }

// authzWorld is the fixture: two communities, a host organisation in A
// (and a party organisation), the personas, and the owner's resources.
type authzWorld struct {
	t     *testing.T
	ta    *testApp
	tok   [personas]string
	id    [personas]int64
	names [personas]string
	seq   atomic.Int64

	commA, commB, org, partyOrg int64
	future, futureS             int64 // activity of A, session tomorrow: sign-ups open
	now, nowS                   int64 // activity of A, session under way: check-in
	past, pastS                 int64 // activity of A, session over: claims
	reg, nowReg                 int64 // the owner's registrations (future, now)
	dep                         int64 // the owner's family member
	band                        int64 // the owner's wristband
	imei                        string
	alarm                       int64
	claim                       int64 // the owner's pending claim
	upload                      string
	message                     int64
	secrets                     []string // the owner's personal data
	// allowed is set for each call: whether the persona is expected to
	// succeed. Only then do calls that change state get a fresh resource;
	// refused ones aim at the owner's own (which must stay untouched).
	allowed bool
	rooms   *roomsFixture // built on the rooms rows' first call
	cb      cbFixture     // co-building's (authz_cobuild_test.go)
}

const authzPhone = "13912340001"

func (w *authzWorld) must(r resp, status int, what string) resp {
	w.t.Helper()
	if r.Status != status {
		w.t.Fatalf("%s: want %d, got %d %s", what, status, r.Status, r.Raw)
	}
	return r
}

func (w *authzWorld) name(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, w.seq.Add(1))
}

// user logs a new user in (living in community A, confirmed) and returns
// token and id.
func (w *authzWorld) user(prefix string) (string, int64) {
	w.t.Helper()
	tok, id := w.ta.login(w.name(prefix))
	w.must(w.ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": w.commA}), 200, "profile")
	w.ta.confirmResidence(id, w.commA)
	return tok, id
}

func (w *authzWorld) grant(id int64, rc resident.RoleChange) {
	w.t.Helper()
	if _, err := w.ta.app.residents.GrantRole(context.Background(), 0, id, rc); err != nil {
		w.t.Fatal(err)
	}
}

// activity creates (as admin) an activity of community A hosted by the
// organisation; published unless draft.
func (w *authzWorld) activity(starts time.Time, draft bool) (int64, int64) {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/admin/activities", w.tok[admin], map[string]any{
		"title": "社区健康讲座", "category": "volunteer_service", "description": "讲座", "community_id": w.commA, "host_org_id": w.org,
		"place": ckPlace, "signup_opens_at": time.Now().Add(-time.Hour), "signup_closes_at": starts.Add(-10 * time.Minute),
		"cancel_deadline_minutes": 0,
		"sessions":                []map[string]any{{"starts_at": starts, "ends_at": starts.Add(3 * time.Hour), "capacity": 100, "waitlist_capacity": 10}},
	}), 201, "activity")
	id := num(r.Body["id"])
	if !draft {
		w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", id), w.tok[admin], nil), 200, "publish")
	}
	return id, sessionID(r.Body, 0)
}

// signUp registers tok for a session of the future activity.
func (w *authzWorld) signUp(tok string, session int64) int64 {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/registrations", tok, map[string]any{"session_id": session, "attendees": []map[string]any{{"self": true}}},
		"Idempotency-Key", w.name("authz-")), 201, "sign up")
	return num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
}

// addToNow has staff add a fresh resident to the session under way (its
// sign-up window is over); it returns the resident's token and the registration.
func (w *authzWorld) addToNow() (string, int64, int64) {
	w.t.Helper()
	tok, id := w.user("walkin")
	r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", w.now), w.tok[admin],
		map[string]any{"session_id": w.nowS, "user_id": id, "reason": "现场报名"}), 201, "staff add")
	return tok, id, num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
}

func (w *authzWorld) ticket(tok string, reg int64) string {
	w.t.Helper()
	return w.must(w.ta.do("GET", fmt.Sprintf("/api/v1/registrations/%d/ticket", reg), tok, nil), 200, "ticket").str("ticket")
}

// bandFor returns a band for a call: the owner's when the call must be
// refused; when it must succeed, a fresh one — the owner's family
// member's for the owner, else a fresh resident's of community A.
func (w *authzWorld) bandFor(p int) (int64, string) {
	w.t.Helper()
	if !w.allowed {
		return w.band, w.imei
	}
	if p == owner {
		return w.freshBandOf(w.tok[owner], map[string]any{"dependent_id": w.freshDependent()})
	}
	tok, _ := w.user("wearer")
	return w.freshBandOf(tok, self)
}

func (w *authzWorld) freshBandOf(tok string, wearer map[string]any) (int64, string) {
	w.t.Helper()
	p := fmt.Sprintf("86%012d", w.seq.Add(1))
	imei := p + string(wristband.LuhnDigit(p))
	w.must(w.ta.do("POST", "/api/v1/admin/wristbands", w.tok[admin], map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2026-01", "activation_code": activationOf(imei)}}}), 201, "device")
	r := w.must(w.ta.do("POST", "/api/v1/wristbands/bind", tok, bindBody(imei, wearer)), 201, "bind")
	return num(r.Body["id"]), imei
}

var authzEvent atomic.Int64

func (w *authzWorld) signedPush(imei, typ string, data map[string]any) (string, []string) {
	body, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("authz-%d", authzEvent.Add(1)), "imei": imei, "type": typ,
		"at": time.Now().UTC().Format(time.RFC3339Nano), "data": data})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return string(body), []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", wristband.Sign(acmeSecret, ts, body)}
}

// sos raises an alarm on a band and returns its id.
func (w *authzWorld) sos(imei string) int64 {
	w.t.Helper()
	body, h := w.signedPush(imei, "sos", map[string]any{"lat": 31.2304, "lng": 121.4737})
	r := w.must(w.ta.do("POST", "/api/v1/wristbands/webhook", "", body, h...), 200, "push")
	return num(r.Body["alarm_id"])
}

// claim files a pending claim for the session under way as a fresh resident.
func (w *authzWorld) freshClaim() int64 {
	w.t.Helper()
	tok, _ := w.user("claimant")
	r := w.must(w.ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"activity_id": w.past, "minutes": 60, "description": "维持秩序"}), 201, "claim")
	return num(r.Body["id"])
}

// entry credits a fresh resident with hours and returns the ledger entry.
func (w *authzWorld) freshEntry() int64 {
	w.t.Helper()
	tok, _ := w.user("credited")
	c := w.must(w.ta.do("POST", "/api/v1/hours/claims", tok, map[string]any{"activity_id": w.past, "minutes": 60, "description": "引导居民"}), 201, "claim")
	w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", num(c.Body["id"])), w.tok[admin], map[string]any{"minutes": 60}), 200, "approve")
	h := w.must(w.ta.do("GET", "/api/v1/me/hours", tok, nil), 200, "hours")
	entries, _ := h.Body["entries"].([]any)
	if len(entries) == 0 {
		w.t.Fatalf("no ledger entry: %s", h.Raw)
	}
	return num(entries[0].(map[string]any)["id"])
}

func idNumber(seq int64) string {
	first := fmt.Sprintf("11010519800101%03d", seq%1000)
	return first + string(pii.IDCheckChar(first))
}

func newAuthzWorld(t *testing.T) *authzWorld {
	ta := newTestApp(t, withTemplates, func(c *config.Config) {
		c.Wristband.Vendors = map[string]string{"acme": acmeSecret}
		c.WeChat.PushToken, c.WeChat.PublicBaseURL = authzPushToken, "http://127.0.0.1:1"
		c.MySQL.MaxOpenConns = 12
	})
	ta.remember(acmeSecret)
	w := &authzWorld{t: t, ta: ta}
	var adminName = "authz-admin"
	w.tok[admin], w.id[admin] = ta.login(adminName)
	ta.grant(adminName, resident.RoleChange{Role: "admin"})
	w.commA = num(w.must(ta.do("POST", "/api/v1/admin/communities", w.tok[admin], map[string]string{"name": "阳光社区"}), 201, "community A").Body["id"])
	w.commB = num(w.must(ta.do("POST", "/api/v1/admin/communities", w.tok[admin], map[string]string{"name": "和平社区"}), 201, "community B").Body["id"])
	w.org = num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.tok[admin], map[string]any{"name": "区卫生服务中心", "type": "co_building_unit", "community_ids": []int64{w.commA}}), 201, "org").Body["id"])
	w.partyOrg = num(w.must(ta.do("POST", "/api/v1/admin/organizations", w.tok[admin], map[string]any{"name": "阳光社区党支部", "type": "party_org", "community_ids": []int64{w.commA}}), 201, "party org").Body["id"])

	w.tok[owner], w.id[owner] = ta.login("authz-owner")
	w.must(ta.do("PATCH", "/api/v1/me", w.tok[owner], map[string]any{"real_name": "王秀英", "community_id": w.commA}), 200, "owner profile")
	w.must(ta.do("POST", "/api/v1/me/phone", w.tok[owner], map[string]string{"code": wxemu.PhoneCode(authzPhone)}), 200, "owner phone")
	w.tok[other], w.id[other] = ta.login("authz-other")
	w.must(ta.do("PATCH", "/api/v1/me", w.tok[other], map[string]any{"real_name": "李建国", "community_id": w.commA}), 200, "other profile")
	// Both live in community A, confirmed (rooms, teams and supports of A are open to them).
	ta.confirmResidence(w.id[owner], w.commA)
	ta.confirmResidence(w.id[other], w.commA)
	w.tok[staffA], w.id[staffA] = ta.login("authz-staff-a")
	w.grant(w.id[staffA], resident.RoleChange{Role: "staff", CommunityID: w.commA})
	w.tok[staffB], w.id[staffB] = ta.login("authz-staff-b")
	w.grant(w.id[staffB], resident.RoleChange{Role: "staff", CommunityID: w.commB})
	w.tok[orgStaff], w.id[orgStaff] = ta.login("authz-org-staff")
	w.grant(w.id[orgStaff], resident.RoleChange{Role: "staff", OrgID: w.org})
	w.cobuildPersonas()

	dep := w.must(ta.do("POST", "/api/v1/me/dependents", w.tok[owner], map[string]any{"name": "王小宝", "relation": "child", "birth_date": "2016-03-01",
		"gender": "male", "guardian_consent": map[string]string{"version": resident.CurrentConsentVersion}}), 201, "dependent")
	w.dep = num(dep.Body["id"])

	w.future, w.futureS = w.activity(time.Now().Add(48*time.Hour).Truncate(time.Minute), false)
	w.reg = w.signUp(w.tok[owner], w.futureS)
	// The session under way: signed up while open, then its start moved
	// to ten minutes ago (as if time had passed).
	start := time.Now().Add(30 * time.Minute).Truncate(time.Minute)
	w.now, w.nowS = w.activity(start, false)
	w.nowReg = w.signUp(w.tok[owner], w.nowS)
	if err := ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", time.Now().Add(-10*time.Minute).UTC(), time.Now().Add(2*time.Hour).UTC(), w.nowS).Error; err != nil {
		t.Fatal(err)
	}
	// Claims open when their session is over.
	w.past, w.pastS = w.activity(start, false)
	if err := ta.app.db.G.Exec("UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?", time.Now().Add(-14*time.Hour).UTC(), time.Now().Add(-2*time.Hour).UTC(), w.pastS).Error; err != nil {
		t.Fatal(err)
	}
	// The cached definition of the activity follows within its TTL.
	time.Sleep(2100 * time.Millisecond)

	w.band, w.imei = w.freshBandOf(w.tok[owner], self)
	body, h := w.signedPush(w.imei, "location", map[string]any{"lat": 31.2311, "lng": 121.4701})
	w.must(ta.do("POST", "/api/v1/wristbands/webhook", "", body, h...), 200, "location")
	w.alarm = w.sos(w.imei)
	w.must(ta.do("PUT", "/api/v1/me/hours/identity", w.tok[owner], map[string]string{"id_number": idNumber(1)}), 200, "identity")
	w.grant(w.id[owner], resident.RoleChange{Role: "party_member"})
	w.must(ta.do("POST", "/api/v1/me/party-membership", w.tok[owner], map[string]any{"org_id": w.partyOrg, "community_id": w.commA}), 200, "party membership")
	up := w.must(ta.upload(w.tok[owner], testJPEG(t, 32, 32), false), 201, "upload")
	w.upload = up.str("id")
	w.claim = num(w.must(ta.do("POST", "/api/v1/hours/claims", w.tok[owner], map[string]any{"activity_id": w.past, "minutes": 90,
		"description": "王秀英的服务", "photo_urls": []string{up.str("url")}}), 201, "owner claim").Body["id"])
	msgs := w.must(ta.do("GET", "/api/v1/me/messages", w.tok[owner], nil), 200, "messages")
	if list := items(msgs); len(list) > 0 {
		w.message = num(list[0]["id"])
	} else {
		t.Fatalf("the owner has no message: %s", msgs.Raw)
	}
	w.secrets = []string{"王秀英", authzPhone, "王小宝", "121.4701", idNumber(1)}
	ta.remember(w.secrets...)
	return w
}

// freshDependent adds a family member to the owner's account.
func (w *authzWorld) freshDependent() int64 {
	r := w.must(w.ta.do("POST", "/api/v1/me/dependents", w.tok[owner], map[string]any{"name": "王奶奶", "relation": "parent", "birth_date": "1948-05-01", "gender": "female"}), 201, "dependent")
	return num(r.Body["id"])
}

// p2 builds a path with an id.
// appoint makes a new user of persona's kind what the admin's POST of path
// (an activity's checkers, a session's volunteers) appoints; it returns
// their id.
func (w *authzWorld) appoint(path, persona string) int64 {
	_, id := w.user(persona)
	w.must(w.ta.do("POST", path, w.tok[admin], map[string]any{"user_id": id}), 201, persona)
	return id
}

func p2(format string, args ...any) authzCall { return authzCall{path: fmt.Sprintf(format, args...)} }

func (w *authzWorld) rows() []authzRow {
	ok, created := 200, 201
	pub := st(ok, ok, ok, ok, ok, ok, ok)
	loggedIn := st(401, ok, ok, ok, ok, ok, ok)
	ownerOnly := st(401, ok, 404, 404, 404, 404, 404)
	adminOnly := st(401, 403, 403, 403, 403, 403, ok)
	// Staff of the activity's community or host organisation, and admins.
	activityStaff := st(401, 403, 403, 404, ok, ok, ok)
	// The same, where other communities' staff are told 403 (the activity
	// itself is public).
	checkinStaff := st(401, 403, 403, 403, ok, ok, ok)
	checkinRemove := st(401, 403, 403, 403, 204, 204, 204)
	// Wristbands are the communities' business: staff of the wearer's
	// community and admins; organisation staff are refused outright;
	// another community's staff learn nothing of the wearer (404).
	bandStaff := st(401, 403, 403, 404, ok, 403, ok)
	bandLists := st(401, 403, 403, ok, ok, 403, ok)
	band := func(sub string) func(int) authzCall {
		return func(int) authzCall { return p2("/api/v1/wristbands/%d%s", w.band, sub) }
	}
	freshBand := func(sub string, body any) func(int) authzCall {
		return func(p int) authzCall {
			id, _ := w.bandFor(p)
			return authzCall{path: fmt.Sprintf("/api/v1/wristbands/%d%s", id, sub), body: body}
		}
	}
	adminBand := func(sub string, body any, fresh bool) func(int) authzCall {
		return func(p int) authzCall {
			id := w.band
			if fresh {
				id, _ = w.bandFor(p)
			}
			return authzCall{path: fmt.Sprintf("/api/v1/admin/wristbands/%d%s", id, sub), body: body}
		}
	}
	freshAlarm := func(admin bool, action string) func(int) authzCall {
		return func(p int) authzCall {
			id, imei := w.bandFor(p)
			alarm := w.alarm
			if w.allowed {
				alarm = w.sos(imei)
			}
			if admin {
				return authzCall{path: fmt.Sprintf("/api/v1/admin/wristbands/alarms/%d/%s", alarm, action), body: map[string]string{"note": "已联系家属"}}
			}
			return authzCall{path: fmt.Sprintf("/api/v1/wristbands/%d/alarms/%d/%s", id, alarm, action), body: map[string]string{"note": "已联系"}}
		}
	}
	act := func(sub string) func(int) authzCall {
		return func(int) authzCall { return p2("/api/v1/admin/activities/%d%s", w.future, sub) }
	}
	fixed := func(path string, body any) func(int) authzCall {
		return func(int) authzCall { return authzCall{path: path, body: body} }
	}
	thr := map[string]any{"systolic_high": 170}
	consent := map[string]string{"version": wristband.ConsentVersion}

	return []authzRow{
		// ---- operations and public reads ----
		{"GET /healthz", pub, fixed("/healthz", nil)},
		{"GET /readyz", pub, fixed("/readyz", nil)},
		{"GET /metrics", pub, fixed("/metrics", nil)},
		{"GET /api/openapi.yaml", pub, fixed("/api/openapi.yaml", nil)},
		{"GET /console/{path}", pub, fixed("/console/activities/1", nil)},
		{"GET /api/v1/communities", pub, fixed("/api/v1/communities", nil)},
		{"GET /api/v1/activities", pub, fixed("/api/v1/activities", nil)},
		{"GET /api/v1/activities/{id}", pub, func(int) authzCall { return p2("/api/v1/activities/%d", w.future) }},

		// ---- login ----
		{"POST /api/v1/auth/login", pub, func(int) authzCall {
			return authzCall{path: "/api/v1/auth/login", body: map[string]string{"code": wxemu.LoginCode(w.name("login"))}}
		}},
		{"POST /api/v1/auth/refresh", pub, func(int) authzCall {
			r := w.ta.loginAnswer(w.name("refresh"))
			return authzCall{path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": r.str("refresh_token")}}
		}},

		{"POST /api/v1/auth/logout", st(401, 204, 204, 204, 204, 204, 204), func(p int) authzCall {
			if p == anon {
				return authzCall{path: "/api/v1/auth/logout"}
			}
			// Every signed-in user may end their own login. A login of a
			// fresh user, so that the personas' tokens used by the other
			// rows stay alive.
			r := w.ta.loginAnswer(w.name("logout"))
			return authzCall{path: "/api/v1/auth/logout", body: map[string]string{"refresh_token": r.str("refresh_token")},
				headers: []string{"Authorization", "Bearer " + r.str("token")}}
		}},

		// ---- the caller's own account ----
		{"GET /api/v1/me", loggedIn, fixed("/api/v1/me", nil)},
		{"PATCH /api/v1/me", loggedIn, fixed("/api/v1/me", map[string]any{"nickname": "街坊"})},
		{"POST /api/v1/me/phone", loggedIn, func(p int) authzCall {
			return authzCall{path: "/api/v1/me/phone", body: map[string]string{"code": wxemu.PhoneCode(fmt.Sprintf("1380000%04d", p))}}
		}},
		{"GET /api/v1/me/dependents", loggedIn, fixed("/api/v1/me/dependents", nil)},
		{"POST /api/v1/me/dependents", st(401, created, created, created, created, created, created), fixed("/api/v1/me/dependents",
			map[string]any{"name": "张爷爷", "relation": "parent", "birth_date": "1945-01-01", "gender": "male"})},
		{"PATCH /api/v1/me/dependents/{id}", ownerOnly, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/me/dependents/%d", w.dep), body: map[string]any{"gender": "male"}}
		}},
		{"DELETE /api/v1/me/dependents/{id}", st(401, 200, 404, 404, 404, 404, 404), func(int) authzCall {
			if !w.allowed {
				return p2("/api/v1/me/dependents/%d", w.dep)
			}
			return p2("/api/v1/me/dependents/%d", w.freshDependent())
		}},
		{"GET /api/v1/me/registrations", loggedIn, fixed("/api/v1/me/registrations", nil)},
		{"GET /api/v1/me/no-shows", loggedIn, fixed("/api/v1/me/no-shows", nil)},
		{"GET /api/v1/me/checking", loggedIn, fixed("/api/v1/me/checking", nil)},
		{"GET /api/v1/me/volunteer-sessions", loggedIn, fixed("/api/v1/me/volunteer-sessions", nil)},
		{"GET /api/v1/me/messages", loggedIn, fixed("/api/v1/me/messages", nil)},
		{"POST /api/v1/me/messages/{id}/read", ownerOnly, func(int) authzCall { return p2("/api/v1/me/messages/%d/read", w.message) }},
		{"GET /api/v1/subscriptions", loggedIn, fixed("/api/v1/subscriptions", nil)},
		{"POST /api/v1/subscriptions", loggedIn, fixed("/api/v1/subscriptions", map[string]any{"results": map[string]string{"registration_confirmed": "accept"}})},
		{"GET /api/v1/me/hours", loggedIn, fixed("/api/v1/me/hours", nil)},
		{"GET /api/v1/me/hours/record", loggedIn, fixed("/api/v1/me/hours/record", nil)},
		{"PUT /api/v1/me/hours/identity", loggedIn, func(p int) authzCall {
			return authzCall{path: "/api/v1/me/hours/identity", body: map[string]string{"id_number": idNumber(int64(100 + p))}}
		}},
		{"GET /api/v1/me/hours/claims", loggedIn, fixed("/api/v1/me/hours/claims", nil)},
		// Only party members register their party organisation; the others
		// have none to read.
		{"GET /api/v1/me/party-membership", st(401, ok, 404, 404, 404, 404, 404), fixed("/api/v1/me/party-membership", nil)},
		{"POST /api/v1/me/party-membership", st(401, ok, 403, 403, 403, 403, 403), func(int) authzCall {
			return authzCall{path: "/api/v1/me/party-membership", body: map[string]any{"org_id": w.partyOrg, "community_id": w.commA}}
		}},
		{"GET /api/v1/me/wristbands", loggedIn, fixed("/api/v1/me/wristbands", nil)},
		{"GET /api/v1/wristbands/consent", loggedIn, fixed("/api/v1/wristbands/consent", nil)},
		{"GET /api/v1/me/dependents/consent", loggedIn, fixed("/api/v1/me/dependents/consent", nil)},

		// ---- sign-ups ----
		{"POST /api/v1/registrations", st(401, created, created, created, created, created, created), func(p int) authzCall {
			// The owner signs a family member up (the owner is signed up already).
			att := []map[string]any{{"self": true}}
			if p == owner {
				att = []map[string]any{{"dependent_id": w.dep}}
			}
			return authzCall{path: "/api/v1/registrations", body: map[string]any{"session_id": w.futureS, "attendees": att},
				headers: []string{"Idempotency-Key", w.name("authz-reg-")}}
		}},
		{"GET /api/v1/registrations/{id}", ownerOnly, func(int) authzCall { return p2("/api/v1/registrations/%d", w.reg) }},
		{"POST /api/v1/registrations/{id}/cancel", ownerOnly, func(int) authzCall {
			_, s := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return authzCall{path: fmt.Sprintf("/api/v1/registrations/%d/cancel", w.signUp(w.tok[owner], s)), body: map[string]any{}}
		}},
		{"GET /api/v1/registrations/{id}/ticket", ownerOnly, func(int) authzCall { return p2("/api/v1/registrations/%d/ticket", w.nowReg) }},

		// ---- administration ----
		{"POST /api/v1/admin/communities", st(401, 403, 403, 403, 403, 403, created), func(int) authzCall {
			return authzCall{path: "/api/v1/admin/communities", body: map[string]string{"name": w.name("新社区")}}
		}},
		{"GET /api/v1/admin/users/{id}", adminOnly, func(int) authzCall { return p2("/api/v1/admin/users/%d", w.id[owner]) }},
		{"POST /api/v1/admin/users/{id}/roles", adminOnly, func(int) authzCall {
			_, id := w.user("volunteer")
			return authzCall{path: fmt.Sprintf("/api/v1/admin/users/%d/roles", id), body: map[string]any{"role": "volunteer"}}
		}},
		{"DELETE /api/v1/admin/users/{id}/roles", adminOnly, func(int) authzCall {
			_, id := w.user("retired")
			w.grant(id, resident.RoleChange{Role: "volunteer"})
			return authzCall{path: fmt.Sprintf("/api/v1/admin/users/%d/roles", id), body: map[string]any{"role": "volunteer"}}
		}},
		{"GET /api/v1/admin/organizations", st(401, 403, 403, ok, ok, ok, ok), fixed("/api/v1/admin/organizations", nil)},
		{"POST /api/v1/admin/organizations", st(401, 403, 403, 403, 403, 403, created), func(int) authzCall {
			return authzCall{path: "/api/v1/admin/organizations", body: map[string]any{"name": w.name("新共建单位"), "type": "social_org", "community_ids": []int64{w.commA}}}
		}},
		{"POST /api/v1/admin/quota/reconcile", st(401, 403, 403, 403, 403, 403, ok), fixed("/api/v1/admin/quota/reconcile", nil)},

		// ---- activities (staff) ----
		{"GET /api/v1/admin/activities", st(401, 403, 403, ok, ok, ok, ok), fixed("/api/v1/admin/activities", nil)},
		{"POST /api/v1/admin/activities", st(401, 403, 403, 403, created, created, created), func(int) authzCall {
			s := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			return authzCall{path: "/api/v1/admin/activities", body: map[string]any{
				"title": "四点半学校", "category": "after_school", "description": "作业辅导", "community_id": w.commA, "host_org_id": w.org,
				"place": ckPlace, "signup_opens_at": time.Now(), "signup_closes_at": s.Add(-time.Hour),
				"sessions": []map[string]any{{"starts_at": s, "ends_at": s.Add(time.Hour), "capacity": 20}}}}
		}},
		{"GET /api/v1/admin/activities/{id}", activityStaff, act("")},
		{"PATCH /api/v1/admin/activities/{id}", activityStaff, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d", w.future), body: map[string]any{"description": "讲座（更新）"}}
		}},
		{"POST /api/v1/admin/activities/{id}/publish", activityStaff, func(int) authzCall {
			id, _ := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), true)
			return p2("/api/v1/admin/activities/%d/publish", id)
		}},
		{"POST /api/v1/admin/activities/{id}/finish", activityStaff, func(int) authzCall {
			id, _ := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return p2("/api/v1/admin/activities/%d/finish", id)
		}},
		{"POST /api/v1/admin/activities/{id}/cancel", activityStaff, func(int) authzCall {
			id, _ := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/cancel", id), body: map[string]string{"reason": "天气原因"}}
		}},
		{"POST /api/v1/admin/activities/{id}/sessions", st(401, 403, 403, 404, created, created, created), func(int) authzCall {
			s := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/sessions", w.future), body: map[string]any{"starts_at": s, "ends_at": s.Add(time.Hour), "capacity": 10}}
		}},
		{"PATCH /api/v1/admin/activities/{id}/sessions/{session_id}", activityStaff, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d", w.future, w.futureS), body: map[string]any{"capacity": 100}}
		}},
		// Cancelling one session: a fresh activity each call (a session
		// cancelled already would answer 200 to anybody who may).
		{"POST /api/v1/admin/activities/{id}/sessions/{session_id}/cancel", activityStaff, func(int) authzCall {
			id, sid := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/sessions/%d/cancel", id, sid), body: map[string]string{"reason": "场地检修"}}
		}},
		{"DELETE /api/v1/admin/activities/{id}/sessions/{session_id}", activityStaff, func(int) authzCall {
			id, sid := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return p2("/api/v1/admin/activities/%d/sessions/%d", id, sid)
		}},
		{"PATCH /api/v1/admin/sessions/{id}", activityStaff, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/sessions/%d", w.futureS), body: map[string]any{"capacity": 100}}
		}},
		{"POST /api/v1/admin/sessions/{id}/cancel", activityStaff, func(int) authzCall {
			_, sid := w.activity(time.Now().Add(72*time.Hour).Truncate(time.Minute), false)
			return authzCall{path: fmt.Sprintf("/api/v1/admin/sessions/%d/cancel", sid), body: map[string]string{"reason": "场地检修"}}
		}},
		{"GET /api/v1/admin/activities/{id}/registrations", activityStaff, act("/registrations")},
		{"POST /api/v1/admin/activities/{id}/registrations", st(401, 403, 403, 404, created, created, created), func(int) authzCall {
			_, id := w.user("added")
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/registrations", w.future), body: map[string]any{"session_id": w.futureS, "user_id": id, "reason": "电话报名"}}
		}},
		{"GET /api/v1/admin/activities/{id}/registrations/export", activityStaff, act("/registrations/export")},
		{"GET /api/v1/admin/activities/{id}/messages", checkinStaff, act("/messages")},
		{"POST /api/v1/admin/registrations/{id}/remove", activityStaff, func(int) authzCall {
			_, _, reg := w.addToNow()
			return authzCall{path: fmt.Sprintf("/api/v1/admin/registrations/%d/remove", reg), body: map[string]string{"reason": "重复报名"}}
		}},
		{"POST /api/v1/admin/registrations/{id}/no-show", activityStaff, func(int) authzCall {
			_, _, reg := w.addToNow()
			return authzCall{path: fmt.Sprintf("/api/v1/admin/registrations/%d/no-show", reg), body: map[string]bool{"no_show": true}}
		}},

		// ---- check-in ----
		{"POST /api/v1/checkins", checkinStaff, func(int) authzCall {
			tok, _, reg := w.addToNow()
			return authzCall{path: "/api/v1/checkins", body: scanBody(w.ticket(tok, reg), w.name("nonce-"))}
		}},
		// A batch (an offline phone's scans) is answered scan by scan: a
		// non-checker's scans are each refused.
		{"POST /api/v1/checkins/batch", loggedIn, func(int) authzCall {
			tok, _, reg := w.addToNow()
			return authzCall{path: "/api/v1/checkins/batch", body: map[string]any{"sent_at": time.Now().UTC(), "scans": []any{scanBody(w.ticket(tok, reg), w.name("nonce-"))}}}
		}},
		{"GET /api/v1/activities/{id}/checkin-kit", checkinStaff, func(int) authzCall { return p2("/api/v1/activities/%d/checkin-kit", w.now) }},
		{"GET /api/v1/activities/{id}/poster", checkinStaff, func(int) authzCall { return p2("/api/v1/activities/%d/poster", w.now) }},
		// Self check-in is for those signed up for the session (the owner).
		{"POST /api/v1/self-checkins", st(401, ok, 403, 403, 403, 403, 403), func(p int) authzCall {
			code := w.must(w.ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.nowS), w.tok[admin], nil), 200, "code").str("code")
			return authzCall{path: "/api/v1/self-checkins", body: map[string]any{"code": code, "lat": 31.2304, "lng": 121.4737, "action": "in"}}
		}},
		{"GET /api/v1/admin/activities/{id}/checkers", checkinStaff, func(int) authzCall { return p2("/api/v1/admin/activities/%d/checkers", w.now) }},
		{"POST /api/v1/admin/activities/{id}/checkers", st(401, 403, 403, 403, created, created, created), func(int) authzCall {
			_, id := w.user("checker")
			return authzCall{path: fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.now), body: map[string]any{"user_id": id}}
		}},
		{"DELETE /api/v1/admin/activities/{id}/checkers", checkinRemove, func(int) authzCall {
			checkers := fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.now)
			return authzCall{path: checkers, body: map[string]any{"user_id": w.appoint(checkers, "checker")}}
		}},
		{"DELETE /api/v1/admin/activities/{id}/checkers/{user_id}", checkinRemove, func(int) authzCall {
			return p2("/api/v1/admin/activities/%d/checkers/%d", w.now, w.appoint(fmt.Sprintf("/api/v1/admin/activities/%d/checkers", w.now), "checker"))
		}},
		{"GET /api/v1/admin/sessions/{id}/rotating-code", checkinStaff, func(int) authzCall { return p2("/api/v1/admin/sessions/%d/rotating-code", w.nowS) }},
		{"GET /api/v1/admin/sessions/{id}/attendance", checkinStaff, func(int) authzCall { return p2("/api/v1/admin/sessions/%d/attendance", w.nowS) }},
		{"GET /api/v1/admin/sessions/{id}/volunteers", checkinStaff, func(int) authzCall { return p2("/api/v1/admin/sessions/%d/volunteers", w.nowS) }},
		{"POST /api/v1/admin/sessions/{id}/volunteers", st(401, 403, 403, 403, created, created, created), func(int) authzCall {
			_, id := w.user("vol")
			return authzCall{path: fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", w.nowS), body: map[string]any{"user_id": id}}
		}},
		{"DELETE /api/v1/admin/sessions/{id}/volunteers/{user_id}", checkinRemove, func(int) authzCall {
			return p2("/api/v1/admin/sessions/%d/volunteers/%d", w.nowS, w.appoint(fmt.Sprintf("/api/v1/admin/sessions/%d/volunteers", w.nowS), "vol"))
		}},

		// ---- service hours ----
		// Anyone may claim hours for an activity once it began; the owner's
		// claim for it is still pending.
		{"POST /api/v1/hours/claims", st(401, 409, created, created, created, created, created), func(int) authzCall {
			return authzCall{path: "/api/v1/hours/claims", body: map[string]any{"activity_id": w.past, "minutes": 60, "description": "维持秩序"}}
		}},
		// Reviewers list the claims of their communities and organisations
		// (another community's staff: an empty list); residents are refused.
		{"GET /api/v1/admin/hours/claims", st(401, 403, 403, ok, ok, ok, ok), fixed("/api/v1/admin/hours/claims", nil)},
		{"POST /api/v1/admin/hours/claims/{id}/approve", checkinStaff, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/hours/claims/%d/approve", w.freshClaim()), body: map[string]int{"minutes": 60}}
		}},
		{"POST /api/v1/admin/hours/claims/{id}/reject", checkinStaff, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/hours/claims/%d/reject", w.freshClaim()), body: map[string]string{"reason": "照片不清楚"}}
		}},
		{"POST /api/v1/admin/hours/corrections", st(401, 403, 403, 403, created, created, created), func(int) authzCall {
			return authzCall{path: "/api/v1/admin/hours/corrections", body: map[string]any{"entry_id": w.freshEntry(), "minutes": 30, "reason": "登记有误"}}
		}},
		{"GET /api/v1/admin/hours", st(401, 403, 403, ok, ok, ok, ok), fixed("/api/v1/admin/hours", nil)},

		// ---- uploads ----
		{"POST /api/v1/uploads", st(401, created, created, created, created, created, created), func(int) authzCall {
			ct, body := multipartBody("file", "photo.jpg", "image/jpeg", testJPEG(w.t, 16, 16))
			return authzCall{path: "/api/v1/uploads", body: body, headers: []string{"Content-Type", ct}}
		}},
		// The owner's photo belongs to the owner's claim: its reviewers see it.
		{"GET /api/v1/uploads/{id}", st(401, ok, 404, 404, ok, ok, ok), func(int) authzCall { return p2("/api/v1/uploads/%s", w.upload) }},

		// ---- wristbands: vendors, wearers and guardians ----
		{"POST /api/v1/wristbands/webhook", pub, func(int) authzCall {
			body, h := w.signedPush(w.imei, "heart_rate", map[string]any{"heart_rate": 72})
			return authzCall{path: "/api/v1/wristbands/webhook", body: body, headers: h}
		}},
		{"POST /api/v1/wristbands/bind", st(401, created, created, created, created, created, created), func(p int) authzCall {
			n := fmt.Sprintf("86%012d", w.seq.Add(1))
			imei := n + string(wristband.LuhnDigit(n))
			w.must(w.ta.do("POST", "/api/v1/admin/wristbands", w.tok[admin], map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2026-01", "activation_code": activationOf(imei)}}}), 201, "device")
			wearer := self
			if p == owner { // the owner wears one already: this one is for the family member
				wearer = map[string]any{"dependent_id": w.dep}
			}
			return authzCall{path: "/api/v1/wristbands/bind", body: bindBody(imei, wearer)}
		}},
		// Anyone given an invitation code becomes a guardian (the inviter
		// here is a fresh resident).
		{"POST /api/v1/wristbands/invitations/accept", loggedIn, func(int) authzCall {
			tok, _ := w.user("inviter")
			id, _ := w.freshBandOf(tok, self)
			r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/wristbands/%d/invitations", id), tok, nil), 201, "invite")
			w.ta.remember(r.str("code"))
			return authzCall{path: "/api/v1/wristbands/invitations/accept", body: map[string]string{"code": r.str("code")}}
		}},
		{"POST /api/v1/wristbands/{id}/unbind", st(401, 204, 404, 404, 404, 404, 404), freshBand("/unbind", map[string]string{"reason": "不用了"})},
		{"POST /api/v1/wristbands/{id}/invitations", st(401, created, 404, 404, 404, 404, 404), band("/invitations")},
		{"GET /api/v1/wristbands/{id}/guardians", ownerOnly, band("/guardians")},
		{"DELETE /api/v1/wristbands/{id}/guardians/{user_id}", st(401, 204, 404, 404, 404, 404, 404), func(p int) authzCall {
			id := w.band
			if w.allowed {
				id, _ = w.freshBandOf(w.tok[owner], map[string]any{"dependent_id": w.freshDependent()})
			}
			gTok, gID := w.user("guardian")
			r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/wristbands/%d/invitations", id), w.tok[owner], nil), 201, "invite")
			w.ta.remember(r.str("code"))
			w.must(w.ta.do("POST", "/api/v1/wristbands/invitations/accept", gTok, map[string]string{"code": r.str("code")}), 200, "accept")
			return p2("/api/v1/wristbands/%d/guardians/%d", id, gID)
		}},
		{"GET /api/v1/wristbands/{id}/readings", ownerOnly, band("/readings")},
		{"GET /api/v1/wristbands/{id}/alarms", ownerOnly, band("/alarms")},
		{"POST /api/v1/wristbands/{id}/alarms/{alarm_id}/ack", ownerOnly, freshAlarm(false, "ack")},
		{"POST /api/v1/wristbands/{id}/alarms/{alarm_id}/resolve", ownerOnly, freshAlarm(false, "resolve")},
		{"GET /api/v1/wristbands/{id}/access-log", ownerOnly, band("/access-log")},
		{"GET /api/v1/wristbands/{id}/thresholds", ownerOnly, band("/thresholds")},
		{"PUT /api/v1/wristbands/{id}/thresholds", ownerOnly, freshBand("/thresholds", thr)},
		{"POST /api/v1/wristbands/{id}/consent", ownerOnly, freshBand("/consent", consent)},
		{"POST /api/v1/wristbands/{id}/consent/revoke", ownerOnly, freshBand("/consent/revoke", map[string]string{"reason": "不想被定位"})},

		// ---- wristbands: staff ----
		{"GET /api/v1/admin/wristbands", bandLists, fixed("/api/v1/admin/wristbands", nil)},
		{"POST /api/v1/admin/wristbands", st(401, 403, 403, created, created, 403, created), func(int) authzCall {
			p := fmt.Sprintf("86%012d", w.seq.Add(1))
			return authzCall{path: "/api/v1/admin/wristbands", body: map[string]any{"items": []map[string]string{{"imei": p + string(wristband.LuhnDigit(p)), "model": "W1", "vendor": "acme", "batch": "2026-02"}}}}
		}},
		{"POST /api/v1/admin/wristbands/import", st(401, 403, 403, created, created, 403, created), func(int) authzCall {
			p := fmt.Sprintf("86%012d", w.seq.Add(1))
			csv := []byte("imei,model,vendor,batch\n" + p + string(wristband.LuhnDigit(p)) + ",W1,acme,2026-03\n")
			body, ct := multipartFile(w.t, "devices.csv", csv)
			return authzCall{path: "/api/v1/admin/wristbands/import", body: body, headers: []string{"Content-Type", ct}}
		}},
		// Binding for a resident of another community is out of scope.
		{"POST /api/v1/admin/wristbands/bind", st(401, 403, 403, 403, created, 403, created), func(int) authzCall {
			p := fmt.Sprintf("86%012d", w.seq.Add(1))
			imei := p + string(wristband.LuhnDigit(p))
			w.must(w.ta.do("POST", "/api/v1/admin/wristbands", w.tok[admin], map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2026-01", "activation_code": activationOf(imei)}}}), 201, "device")
			_, id := w.user("elder")
			return authzCall{path: "/api/v1/admin/wristbands/bind", body: map[string]any{"imei": imei, "user_id": id, "wearer": self, "consent": consent, "reason": "老人不会用手机"}}
		}},
		{"GET /api/v1/admin/wristbands/alarms", bandLists, fixed("/api/v1/admin/wristbands/alarms", nil)},
		{"POST /api/v1/admin/wristbands/alarms/{id}/ack", bandStaff, freshAlarm(true, "ack")},
		{"POST /api/v1/admin/wristbands/alarms/{id}/resolve", bandStaff, freshAlarm(true, "resolve")},
		// Pushes of devices bound to nobody: the registry's staff only (admins, subdistrict-wide staff).
		{"GET /api/v1/admin/wristbands/unattached", adminOnly, fixed("/api/v1/admin/wristbands/unattached", nil)},
		{"GET /api/v1/admin/wristbands/{id}", bandLists, adminBand("", nil, false)},
		{"POST /api/v1/admin/wristbands/{id}/unbind", st(401, 403, 403, 404, 204, 403, 204), adminBand("/unbind", map[string]string{"reason": "设备故障"}, true)},
		{"POST /api/v1/admin/wristbands/{id}/transfer", st(401, 403, 403, 404, created, 403, created), func(p int) authzCall {
			id, _ := w.bandFor(p)
			_, to := w.user("heir")
			return authzCall{path: fmt.Sprintf("/api/v1/admin/wristbands/%d/transfer", id), body: map[string]any{"user_id": to, "wearer": self, "consent": consent, "reason": "转给子女"}}
		}},
		{"GET /api/v1/admin/wristbands/{id}/readings", bandStaff, adminBand("/readings", nil, false)},
		{"GET /api/v1/admin/wristbands/{id}/alarms", bandStaff, adminBand("/alarms", nil, false)},
		{"PUT /api/v1/admin/wristbands/{id}/thresholds", bandStaff, adminBand("/thresholds", thr, true)},
		{"POST /api/v1/admin/wristbands/{id}/consent/revoke", bandStaff, adminBand("/consent/revoke", map[string]string{"reason": "家属要求"}, true)},
	}
}

// allRows is the whole matrix: the core rows above and the row sets of the
// features that keep theirs in their own file (authz_<feature>_test.go).
// A feature builds the fixtures it needs lazily, on its first row's call.
func (w *authzWorld) allRows() []authzRow {
	rows := w.rows()
	for _, set := range []func() []authzRow{
		// one line per feature's row set
		w.reviewRows,
		w.roomsRows,
		w.cobuildRows,
		w.consoleRows,
		w.residenceRows,
		w.recordsRows,
	} {
		rows = append(rows, set()...)
	}
	return rows
}

// verifiers are the further checks of 2xx answers, by route.
func (w *authzWorld) verifiers() map[string]authzVerify {
	isChecker := func(p int) bool { return p == staffA || p == orgStaff || p == admin }
	lacks := func(r resp, field string, id int64) bool {
		for _, it := range items(r) {
			if num(it[field]) == id {
				return false
			}
		}
		return true
	}
	// hiddenFromStaffB: the list shows *id to every persona but staff of
	// community B.
	hiddenFromStaffB := func(id *int64, wrong string) authzVerify {
		return func(p int, r resp) string {
			if (p == staffB) != lacks(r, "id", *id) {
				return wrong
			}
			return ""
		}
	}
	return map[string]authzVerify{
		"POST /api/v1/checkins/batch": func(p int, r resp) string {
			if in := num(r.Body["checked_in"]); (in == 1) != isChecker(p) {
				return fmt.Sprintf("checked_in %d", in)
			}
			return ""
		},
		"GET /api/v1/admin/wristbands/alarms": hiddenFromStaffB(&w.alarm, "the owner's alarm listed wrongly"),
		"GET /api/v1/admin/hours/claims":      hiddenFromStaffB(&w.claim, "the owner's claim listed wrongly"),
		// The desk list: community A's staff and admins see the owner's
		// booking of A's room; nobody else does.
		"GET /api/v1/admin/bookings": func(p int, r resp) string {
			if (p == staffA || p == admin) == lacks(r, "id", w.rooms.booking) {
				return "the owner's booking listed wrongly"
			}
			return ""
		},
		"GET /api/v1/admin/activities": hiddenFromStaffB(&w.future, "community A's activity listed wrongly"),
	}
}

// documentedRoutes lists "METHOD /path" of every operation in openapi.yaml.
func documentedRoutes(t *testing.T) []string {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

var authzParam = regexp.MustCompile(`\{[a-z_]+\}`)

func TestAuthorizationMatrix(t *testing.T) {
	w := newAuthzWorld(t)
	rows, verify := w.allRows(), w.verifiers()
	byRoute := map[string]authzRow{}
	for _, r := range rows {
		if _, dup := byRoute[r.route]; dup {
			t.Errorf("two rows for %s", r.route)
		}
		byRoute[r.route] = r
	}
	documented := documentedRoutes(t)
	for _, route := range documented {
		if _, ok := byRoute[route]; !ok {
			t.Errorf("route %s has no row in the authorization matrix: decide who may call it (server/authz_test.go)", route)
		}
		delete(byRoute, route)
	}
	for route := range byRoute {
		t.Errorf("the matrix has a row for %s, which the OpenAPI document does not list", route)
	}
	report := os.Getenv("GONGJIAN_AUTHZ_REPORT") != ""
	for _, r := range rows {
		method, pattern, _ := strings.Cut(r.route, " ")
		got := [personas]int{}
		for p := 0; p < personas; p++ {
			w.allowed = r.want[p] < 300
			c := r.call(p)
			if authzParam.MatchString(c.path) || (!strings.HasPrefix(c.path, "/api/") && !strings.HasPrefix(c.path, "/"+strings.Split(pattern, "/")[1])) {
				t.Fatalf("%s: bad path %q", r.route, c.path)
			}
			tok := ""
			if p != anon {
				tok = w.tok[p]
			}
			res := w.ta.do(method, c.path, tok, c.body, c.headers...)
			got[p] = res.Status
			if res.Status != r.want[p] {
				t.Errorf("%s as %s: want %d, got %d %.300s", r.route, personaNames[p], r.want[p], res.Status, res.Raw)
			} else if v := verify[r.route]; v != nil && res.Status < 300 {
				if msg := v(p, res); msg != "" {
					t.Errorf("%s as %s: %s: %.300s", r.route, personaNames[p], msg, res.Raw)
				}
			}
			if p == anon || p == other || p == staffB || p == unitA || p == unitB {
				for _, s := range w.secrets {
					if strings.Contains(string(res.Raw), s) {
						t.Errorf("%s as %s: the answer shows the owner's %q", r.route, personaNames[p], s)
					}
				}
			}
		}
		if report {
			fmt.Printf("%-62s %v\n", r.route, got)
		}
	}
}
