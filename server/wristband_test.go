package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"gongjian/config"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

const (
	acmeSecret  = "acme-webhook-secret-0123456789"
	otherSecret = "other-webhook-secret-9876543210"
)

// wbApp is a test app with two wristband vendors configured.
type wbApp struct {
	*testApp
	admin string // token of an admin (staff of every community)
	seq   atomic.Int64
}

func newWristbandApp(t *testing.T, opts ...appOption) *wbApp {
	ta := newTestApp(t, append([]appOption{func(c *config.Config) {
		c.Wristband.Vendors = map[string]string{"acme": acmeSecret, "other": otherSecret}
	}}, opts...)...)
	ta.remember(acmeSecret, otherSecret)
	w := &wbApp{testApp: ta}
	tok, id := ta.login("wb-admin")
	w.grant(id, resident.RoleAdmin, 0)
	w.admin = tok
	return w
}

func (w *wbApp) grant(userID int64, role string, community int64) {
	w.t.Helper()
	rc := resident.RoleChange{Role: role, CommunityID: community}
	if role == resident.RoleStaff && community == 0 {
		rc.Scope = resident.ScopeSubdistrict // the registry's staff: every community, asked for explicitly
	}
	if _, err := w.app.residents.GrantRole(context.Background(), 0, userID, rc); err != nil {
		w.t.Fatal(err)
	}
}

func (w *wbApp) community(name string) int64 {
	w.t.Helper()
	c, err := w.app.residents.AddCommunity(context.Background(), name, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID
}

// resident logs a user in with a real name, living in community.
func (w *wbApp) resident(name string, community int64) (string, int64) {
	w.t.Helper()
	tok, id := w.login(fmt.Sprintf("wb-user-%d", w.seq.Add(1)))
	r := w.do("PATCH", "/api/v1/me", tok, map[string]any{"real_name": name, "community_id": community})
	if r.Status != 200 {
		w.t.Fatalf("profile %s: %d %s", name, r.Status, r.Raw)
	}
	return tok, id
}

func (w *wbApp) staff(name string, community int64) (string, int64) {
	tok, id := w.resident(name, 0)
	w.grant(id, resident.RoleStaff, community)
	return tok, id
}

func (w *wbApp) dependent(tok, name string) int64 {
	w.t.Helper()
	r := w.do("POST", "/api/v1/me/dependents", tok, map[string]any{"name": name, "relation": "parent", "birth_date": "1945-03-01", "gender": "female"})
	if r.Status != 201 {
		w.t.Fatalf("dependent: %d %s", r.Status, r.Raw)
	}
	return int64(r.Body["id"].(float64))
}

// newIMEI returns a valid IMEI no other call of this app returns.
func (w *wbApp) newIMEI() string {
	p := fmt.Sprintf("86%012d", w.seq.Add(1))
	return p + string(wristband.LuhnDigit(p))
}

// device registers a new wristband of vendor acme.
func (w *wbApp) device() string {
	w.t.Helper()
	imei := w.newIMEI()
	r := w.do("POST", "/api/v1/admin/wristbands", w.admin, map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme", "batch": "2025-01", "activation_code": activationOf(imei)}}})
	if r.Status != 201 {
		w.t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	return imei
}

func bindBody(imei string, wearer map[string]any) map[string]any {
	return map[string]any{"imei": imei, "code": activationOf(imei), "wearer": wearer, "consent": map[string]string{"version": wristband.ConsentVersion}}
}

// activationOf is the activation code the tests import a device with.
func activationOf(imei string) string { return "JH" + imei[len(imei)-8:] }

var self = map[string]any{"self": true}

// bind binds imei to the caller and returns the device id path prefix.
func (w *wbApp) bind(tok, imei string, wearer map[string]any) string {
	w.t.Helper()
	r := w.do("POST", "/api/v1/wristbands/bind", tok, bindBody(imei, wearer))
	if r.Status != 201 {
		w.t.Fatalf("bind: %d %s", r.Status, r.Raw)
	}
	return fmt.Sprintf("/api/v1/wristbands/%d", int64(r.Body["id"].(float64)))
}

// selfWearer logs in a resident of community who wears a new band herself
// and returns her token, the band's IMEI and its path.
func (w *wbApp) selfWearer(name string, community int64) (tok, imei, path string) {
	w.t.Helper()
	tok, _ = w.resident(name, community)
	imei = w.device()
	return tok, imei, w.bind(tok, imei, self)
}

// invite makes guest a guardian of the wristband at path.
func (w *wbApp) invite(ownerTok, path, guestTok string) {
	w.t.Helper()
	r := w.do("POST", path+"/invitations", ownerTok, nil)
	if r.Status != 201 || len(r.str("code")) != 8 {
		w.t.Fatalf("invite: %d %s", r.Status, r.Raw)
	}
	w.remember(r.str("code"))
	if a := w.do("POST", "/api/v1/wristbands/invitations/accept", guestTok, map[string]string{"code": r.str("code")}); a.Status != 200 {
		w.t.Fatalf("accept: %d %s", a.Status, a.Raw)
	}
}

var evCounter atomic.Int64

// pushAt sends a signed push of vendor acme with the given timestamp.
func (w *wbApp) pushAt(ts time.Time, imei, typ string, data map[string]any) resp {
	w.t.Helper()
	body, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("ev-%d", evCounter.Add(1)), "imei": imei, "type": typ,
		"at": time.Now().UTC().Format(time.RFC3339Nano), "data": data})
	return w.signed("acme", acmeSecret, ts, body)
}

// readingsSharingATime pushes n heart-rate readings (70, 71, … bpm) taken
// at one time a minute ago, and one (60 bpm) a minute before; it returns
// the time they share.
func (w *wbApp) readingsSharingATime(imei string, n int) time.Time {
	w.t.Helper()
	same := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < n; i++ {
		w.pushHeartRate(imei, same, 70+i)
	}
	w.pushHeartRate(imei, same.Add(-time.Minute), 60)
	return same
}

// pushHeartRate pushes (now) a heart-rate reading of bpm taken at at.
func (w *wbApp) pushHeartRate(imei string, at time.Time, bpm int) {
	w.t.Helper()
	body, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("ev-%d", evCounter.Add(1)), "imei": imei, "type": "heart_rate",
		"at": at.Format(time.RFC3339Nano), "data": map[string]any{"heart_rate": bpm}})
	if r := w.signed("acme", acmeSecret, time.Now(), body); r.Status != 200 {
		w.t.Fatalf("push: %d %s", r.Status, r.Raw)
	}
}

func (w *wbApp) push(imei, typ string, data map[string]any) resp {
	w.t.Helper()
	r := w.pushAt(time.Now(), imei, typ, data)
	if r.Status != 200 {
		w.t.Fatalf("push %s: %d %s", typ, r.Status, r.Raw)
	}
	return r
}

func (w *wbApp) signed(vendor, secret string, ts time.Time, body []byte) resp {
	t := strconv.FormatInt(ts.Unix(), 10)
	return w.do("POST", "/api/v1/wristbands/webhook", "", body,
		"X-Vendor", vendor, "X-Timestamp", t, "X-Signature", wristband.Sign(secret, t, body))
}

// okItems asserts a 200 list answer and returns its items.
func okItems(t *testing.T, r resp) []map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	return items(r)
}

// Two families binding one wristband at the same moment: exactly one
// binding exists; the rest get DEVICE_ALREADY_BOUND. One wearer binding two
// wristbands at once: one wins, the other gets WEARER_ALREADY_HAS_DEVICE.
func TestWristbandConcurrentBindsGiveOneBinding(t *testing.T) {
	w := newWristbandApp(t)
	alice, _ := w.resident("alice", 0)
	bob, _ := w.resident("bob", 0)
	bobsMother := w.dependent(bob, "鲍奶奶")
	imei := w.device()
	const n = 8
	statuses := make([]resp, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok, wearer := alice, self
			if i%2 == 1 {
				tok, wearer = bob, map[string]any{"dependent_id": bobsMother}
			}
			statuses[i] = w.do("POST", "/api/v1/wristbands/bind", tok, bindBody(imei, wearer))
		}(i)
	}
	wg.Wait()
	won := 0
	for _, r := range statuses {
		switch {
		case r.Status == 201:
			won++
		case r.Status == 409 && r.str("code") == "DEVICE_ALREADY_BOUND":
		default:
			t.Fatalf("unexpected answer %d %s", r.Status, r.Raw)
		}
	}
	if won != 1 {
		t.Fatalf("%d binds succeeded, want 1", won)
	}
	if n := w.count("wristband_bindings"); n != 1 {
		t.Fatalf("%d binding rows, want 1", n)
	}
	// Only the winning family sees it.
	a, b := okItems(t, w.do("GET", "/api/v1/me/wristbands", alice, nil)), okItems(t, w.do("GET", "/api/v1/me/wristbands", bob, nil))
	if len(a)+len(b) != 1 {
		t.Fatalf("bands seen: alice %d bob %d", len(a), len(b))
	}

	carol, _ := w.resident("carol", 0)
	d1, d2 := w.device(), w.device()
	var r1, r2 resp
	wg.Add(2)
	go func() { defer wg.Done(); r1 = w.do("POST", "/api/v1/wristbands/bind", carol, bindBody(d1, self)) }()
	go func() { defer wg.Done(); r2 = w.do("POST", "/api/v1/wristbands/bind", carol, bindBody(d2, self)) }()
	wg.Wait()
	if got := []int{r1.Status, r2.Status}; !(got[0] == 201 && got[1] == 409) && !(got[0] == 409 && got[1] == 201) {
		t.Fatalf("one wearer, two devices: %d %s / %d %s", r1.Status, r1.Raw, r2.Status, r2.Raw)
	}
	lost := r1
	if r1.Status == 201 {
		lost = r2
	}
	expectError(t, lost, 409, "WEARER_ALREADY_HAS_DEVICE")
}

// Bind, transfer (staff), unbind (staff), bind again: every binding row
// survives with its end reason; each wearer's guardians see only their own
// binding's data and lose access when it ends.
func TestWristbandHistorySurvivesTransfers(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("staff1", c1)
	alice, aliceID := w.resident("alice", c1)
	bob, bobID := w.resident("bob", c1)
	son, _ := w.resident("alice-son", 0)
	bobsMother := w.dependent(bob, "鲍奶奶")
	imei := w.device()
	path := w.bind(alice, imei, self)
	devID := strings.TrimPrefix(path, "/api/v1/wristbands/")
	admin := "/api/v1/admin/wristbands/" + devID
	w.invite(alice, path, son)
	w.push(imei, "location", map[string]any{"lat": 31.2, "lng": 121.4})

	// Transfer needs a reason and the new wearer's consent.
	tr := map[string]any{"user_id": bobID, "wearer": map[string]any{"dependent_id": bobsMother}, "consent": map[string]string{"version": wristband.ConsentVersion}}
	expectError(t, w.do("POST", admin+"/transfer", staffTok, tr), 400, "REASON_REQUIRED")
	tr["reason"] = "王女士将手环转给母亲佩戴"
	if r := w.do("POST", admin+"/transfer", staffTok, tr); r.Status != 201 || r.str("wearer_name") != "鲍奶奶" {
		t.Fatalf("transfer: %d %s", r.Status, r.Raw)
	}
	for _, tok := range []string{alice, son} {
		if got := okItems(t, w.do("GET", "/api/v1/me/wristbands", tok, nil)); len(got) != 0 {
			t.Fatalf("old guardians still see the band: %v", got)
		}
		expectError(t, w.do("GET", path+"/readings", tok, nil), 404, "WRISTBAND_NOT_FOUND")
	}
	bands := okItems(t, w.do("GET", "/api/v1/me/wristbands", bob, nil))
	if len(bands) != 1 || bands[0]["wearer_name"] != "鲍奶奶" || bands[0]["latest_location"] != nil {
		t.Fatalf("bob sees %v (alice's location must not follow the device)", bands)
	}
	if rs := okItems(t, w.do("GET", path+"/readings", bob, nil)); len(rs) != 0 {
		t.Fatalf("bob reads the previous wearer's data: %v", rs)
	}

	expectError(t, w.do("POST", admin+"/unbind", staffTok, map[string]string{}), 400, "REASON_REQUIRED")
	if r := w.do("POST", admin+"/unbind", staffTok, map[string]string{"reason": "老人住院，暂停使用"}); r.Status != 204 {
		t.Fatalf("staff unbind: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("GET", path+"/alarms", bob, nil), 404, "WRISTBAND_NOT_FOUND")
	w.bind(alice, imei, self)

	r := w.do("GET", admin, staffTok, nil)
	hist, _ := r.Body["history"].([]any)
	if r.Status != 200 || len(hist) != 3 {
		t.Fatalf("history: %d %s", r.Status, r.Raw)
	}
	var reasons []string
	for _, h := range hist {
		m := h.(map[string]any)
		reasons = append(reasons, fmt.Sprint(m["end_reason"], "/", m["active"], "/", m["owner_user_id"]))
	}
	want := []string{fmt.Sprintf("<nil>/true/%d", aliceID), fmt.Sprintf("unbind/false/%d", bobID), fmt.Sprintf("transfer/false/%d", aliceID)}
	if strings.Join(reasons, " ") != strings.Join(want, " ") {
		t.Fatalf("history %v, want %v", reasons, want)
	}
	if w.count("wristband_bindings") != 3 || w.count("wristband_guardians") != 4 {
		t.Fatal("binding or guardian rows were deleted")
	}
	// Staff revoke the consent at the service centre: the reason is kept.
	expectError(t, w.do("POST", admin+"/consent/revoke", staffTok, map[string]string{}), 400, "REASON_REQUIRED")
	if r := w.do("POST", admin+"/consent/revoke", staffTok, map[string]string{"reason": "本人到服务中心撤回同意"}); r.Status != 200 {
		t.Fatalf("staff revoke: %d %s", r.Status, r.Raw)
	}
	r = w.do("GET", admin, staffTok, nil)
	cur := r.Body["history"].([]any)[0].(map[string]any)["consent"].(map[string]any)
	if cur["revoke_reason"] != "本人到服务中心撤回同意" || cur["revoked_at"] == nil {
		t.Fatalf("revocation not recorded: %v", cur)
	}
}

// A guardian removed by the primary guardian loses access on the very next
// request, on every endpoint. Invitation codes are single-use.
func TestWristbandRemovedGuardianLosesAccessAtOnce(t *testing.T) {
	w := newWristbandApp(t)
	owner, imei, path := w.selfWearer("owner", 0)
	son, sonID := w.resident("son", 0)
	daughter, daughterID := w.resident("daughter", 0)
	stranger, _ := w.resident("stranger", 0)
	r := w.do("POST", path+"/invitations", owner, nil)
	code := r.str("code")
	w.remember(code)
	if a := w.do("POST", "/api/v1/wristbands/invitations/accept", son, map[string]string{"code": strings.ToLower(code[:4]) + "-" + code[4:]}); a.Status != 200 {
		t.Fatalf("accept (typed in lower case with a dash): %d %s", a.Status, a.Raw)
	}
	expectError(t, w.do("POST", "/api/v1/wristbands/invitations/accept", stranger, map[string]string{"code": code}), 409, "INVITATION_USED")
	expectError(t, w.do("POST", "/api/v1/wristbands/invitations/accept", stranger, map[string]string{"code": "ZZZZZZZZ"}), 404, "INVITATION_NOT_FOUND")
	w.invite(owner, path, daughter)
	w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3})
	sos := w.push(imei, "sos", nil)
	alarm := fmt.Sprint(int64(sos.Body["alarm_id"].(float64)))

	gs := okItems(t, w.do("GET", path+"/guardians", son, nil))
	if len(gs) != 3 || gs[0]["owner"] != true {
		t.Fatalf("guardians: %v", gs)
	}
	// A secondary guardian may not remove others, nor invite.
	expectError(t, w.do("DELETE", fmt.Sprintf("%s/guardians/%d", path, daughterID), son, nil), 403, "NOT_PRIMARY_GUARDIAN")
	expectError(t, w.do("POST", path+"/invitations", son, nil), 403, "NOT_PRIMARY_GUARDIAN")

	sonCan := []struct{ method, path string }{
		{"GET", path + "/readings"}, {"GET", path + "/alarms"}, {"GET", path + "/guardians"}, {"GET", path + "/thresholds"},
	}
	for _, c := range sonCan {
		if r := w.do(c.method, c.path, son, nil); r.Status != 200 {
			t.Fatalf("son before removal %s: %d %s", c.path, r.Status, r.Raw)
		}
	}
	if r := w.do("DELETE", fmt.Sprintf("%s/guardians/%d", path, sonID), owner, nil); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Raw)
	}
	for _, c := range sonCan {
		expectError(t, w.do(c.method, c.path, son, nil), 404, "WRISTBAND_NOT_FOUND")
	}
	expectError(t, w.do("POST", path+"/alarms/"+alarm+"/ack", son, map[string]string{"note": "x"}), 404, "WRISTBAND_NOT_FOUND")
	if got := okItems(t, w.do("GET", "/api/v1/me/wristbands", son, nil)); len(got) != 0 {
		t.Fatalf("removed guardian still lists the band: %v", got)
	}
	// The daughter leaves by herself; the owner cannot be removed.
	if r := w.do("DELETE", fmt.Sprintf("%s/guardians/%d", path, daughterID), daughter, nil); r.Status != 204 {
		t.Fatalf("leave: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("GET", path+"/guardians", daughter, nil), 404, "WRISTBAND_NOT_FOUND")
	var ownerID int64
	w.app.db.G.Table("users").Select("id").Where("real_name = ?", "owner").Scan(&ownerID)
	expectError(t, w.do("DELETE", fmt.Sprintf("%s/guardians/%d", path, ownerID), owner, nil), 422, "CANNOT_REMOVE_OWNER")
}

// No resident can read or change another wearer's wristband through any
// wristband endpoint; staff of another community cannot either; residents
// cannot use the staff endpoints. The table must name every wristband route
// that takes a device or alarm id (checked against the router).
func TestWristbandNoAccessToOthersOnEveryEndpoint(t *testing.T) {
	w := newWristbandApp(t)
	c1, c2 := w.community("阳光社区"), w.community("和平社区")
	otherStaff, _ := w.staff("staff2", c2)
	_, imei, path := w.selfWearer("owner", c1)
	stranger, strangerID := w.resident("stranger", c1)
	// The stranger wears a band of her own, so she has data too.
	w.bind(stranger, w.device(), self)
	w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3})
	sos := w.push(imei, "sos", nil)
	alarm := fmt.Sprint(int64(sos.Body["alarm_id"].(float64)))
	dev := strings.TrimPrefix(path, "/api/v1/wristbands/")
	admin := "/api/v1/admin/wristbands/" + dev
	note := map[string]string{"note": "看看"}
	thr := map[string]any{"systolic_high": 170}
	type call struct {
		method, route, path string
		body                any
	}
	resident := []call{
		{"POST", "/api/v1/wristbands/:id/unbind", path + "/unbind", nil},
		{"POST", "/api/v1/wristbands/:id/invitations", path + "/invitations", nil},
		{"GET", "/api/v1/wristbands/:id/guardians", path + "/guardians", nil},
		{"DELETE", "/api/v1/wristbands/:id/guardians/:user_id", fmt.Sprintf("%s/guardians/%d", path, strangerID), nil},
		{"GET", "/api/v1/wristbands/:id/readings", path + "/readings", nil},
		{"GET", "/api/v1/wristbands/:id/alarms", path + "/alarms", nil},
		{"POST", "/api/v1/wristbands/:id/alarms/:alarm_id/ack", path + "/alarms/" + alarm + "/ack", note},
		{"POST", "/api/v1/wristbands/:id/alarms/:alarm_id/resolve", path + "/alarms/" + alarm + "/resolve", note},
		{"GET", "/api/v1/wristbands/:id/access-log", path + "/access-log", nil},
		{"GET", "/api/v1/wristbands/:id/thresholds", path + "/thresholds", nil},
		{"PUT", "/api/v1/wristbands/:id/thresholds", path + "/thresholds", thr},
		{"POST", "/api/v1/wristbands/:id/consent", path + "/consent", map[string]string{"version": "v1"}},
		{"POST", "/api/v1/wristbands/:id/consent/revoke", path + "/consent/revoke", nil},
	}
	staff := []call{
		{"GET", "/api/v1/admin/wristbands/:id", admin, nil},
		{"POST", "/api/v1/admin/wristbands/:id/unbind", admin + "/unbind", map[string]string{"reason": "r"}},
		{"POST", "/api/v1/admin/wristbands/:id/transfer", admin + "/transfer", map[string]any{"user_id": strangerID, "wearer": self, "consent": map[string]string{"version": "v1"}, "reason": "r"}},
		{"POST", "/api/v1/admin/wristbands/:id/bind-code", admin + "/bind-code", nil},
		{"GET", "/api/v1/admin/wristbands/:id/readings", admin + "/readings", nil},
		{"GET", "/api/v1/admin/wristbands/:id/alarms", admin + "/alarms", nil},
		{"PUT", "/api/v1/admin/wristbands/:id/thresholds", admin + "/thresholds", thr},
		{"POST", "/api/v1/admin/wristbands/:id/consent/revoke", admin + "/consent/revoke", map[string]string{"reason": "r"}},
		{"POST", "/api/v1/admin/wristbands/alarms/:id/ack", "/api/v1/admin/wristbands/alarms/" + alarm + "/ack", note},
		{"POST", "/api/v1/admin/wristbands/alarms/:id/resolve", "/api/v1/admin/wristbands/alarms/" + alarm + "/resolve", note},
	}
	covered := map[string]bool{}
	for _, c := range append(resident, staff...) {
		covered[c.method+" "+c.route] = true
	}
	for _, rt := range w.app.handler.(*gin.Engine).Routes() {
		if strings.Contains(rt.Path, "/wristbands/") && strings.Contains(rt.Path, ":") && !covered[rt.Method+" "+rt.Path] {
			t.Errorf("route %s %s is not in the access table", rt.Method, rt.Path)
		}
	}
	before := map[string]int64{}
	tables := []string{"wristband_bindings", "wristband_guardians", "wristband_invitations", "wristband_thresholds", "wristband_readings", "wristband_access_log"}
	for _, tb := range tables {
		before[tb] = w.count(tb)
	}
	for _, c := range resident {
		r := w.do(c.method, c.path, stranger, c.body)
		if r.Status != 404 || strings.Contains(string(r.Raw), "30.5") {
			t.Errorf("stranger %s %s: %d %s", c.method, c.route, r.Status, r.Raw)
		}
	}
	for _, c := range staff {
		expectError(t, w.do(c.method, c.path, stranger, c.body), 403, "FORBIDDEN")
		r := w.do(c.method, c.path, otherStaff, c.body)
		if r.Status != 404 && !(c.route == "/api/v1/admin/wristbands/:id" && r.Status == 200) {
			t.Errorf("other community's staff %s %s: %d %s", c.method, c.route, r.Status, r.Raw)
		}
		if strings.Contains(string(r.Raw), "30.5") || strings.Contains(string(r.Raw), "owner") {
			t.Errorf("other community's staff saw the wearer through %s: %s", c.route, r.Raw)
		}
	}
	for _, tb := range tables {
		if n := w.count(tb); n != before[tb] {
			t.Errorf("refused calls changed %s: %d -> %d", tb, before[tb], n)
		}
	}
	// The staff lists hide the wearer from other communities' staff too.
	if got := okItems(t, w.do("GET", "/api/v1/admin/wristbands/alarms", otherStaff, nil)); len(got) != 0 {
		t.Fatalf("other community's staff list alarms: %v", got)
	}
	list := w.do("GET", "/api/v1/admin/wristbands?imei="+imei, otherStaff, nil)
	if strings.Contains(string(list.Raw), "owner") || !strings.Contains(string(list.Raw), "其他社区居民") {
		t.Fatalf("device list leaks the wearer: %s", list.Raw)
	}
	// And the stranger's own list never shows the owner's band.
	if bands := okItems(t, w.do("GET", "/api/v1/me/wristbands", stranger, nil)); len(bands) != 1 || bands[0]["wearer_name"] != "stranger" {
		t.Fatalf("stranger's list: %v", bands)
	}
}

func TestWristbandWebhookSignatureReplayAndDuplicates(t *testing.T) {
	w := newWristbandApp(t)
	owner, imei, path := w.selfWearer("owner", 0)
	now := time.Now()
	body := func(eventID, typ string, data map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"event_id": eventID, "imei": imei, "type": typ, "at": now.UTC().Format(time.RFC3339), "data": data})
		return b
	}
	hr := body("e-1", "heart_rate", map[string]any{"heart_rate": 72})
	ts := strconv.FormatInt(now.Unix(), 10)
	stale := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
	sig := func(secret, ts string, b []byte) string { return wristband.Sign(secret, ts, b) }
	stored := func() int64 {
		return w.count("wristband_events") + w.count("wristband_readings") + w.count("wristband_unattached")
	}
	cases := []struct {
		name    string
		headers []string
		body    []byte
		status  int
		code    string
	}{
		{"unsigned", nil, hr, 401, "WEBHOOK_UNSIGNED"},
		{"no signature", []string{"X-Vendor", "acme", "X-Timestamp", ts}, hr, 401, "WEBHOOK_UNSIGNED"},
		{"unknown vendor", []string{"X-Vendor", "nobody", "X-Timestamp", ts, "X-Signature", sig(acmeSecret, ts, hr)}, hr, 401, "WEBHOOK_UNKNOWN_VENDOR"},
		{"bad signature", []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", strings.Repeat("0", 64)}, hr, 401, "WEBHOOK_BAD_SIGNATURE"},
		{"another vendor's secret", []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", sig(otherSecret, ts, hr)}, hr, 401, "WEBHOOK_BAD_SIGNATURE"},
		{"body changed after signing", []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", sig(acmeSecret, ts, hr)}, body("e-1", "heart_rate", map[string]any{"heart_rate": 150}), 401, "WEBHOOK_BAD_SIGNATURE"},
		{"timestamp changed after signing", []string{"X-Vendor", "acme", "X-Timestamp", stale, "X-Signature", sig(acmeSecret, ts, hr)}, hr, 401, "WEBHOOK_BAD_SIGNATURE"},
		{"stale", []string{"X-Vendor", "acme", "X-Timestamp", stale, "X-Signature", sig(acmeSecret, stale, hr)}, hr, 401, "WEBHOOK_STALE"},
		{"from the future", []string{"X-Vendor", "acme", "X-Timestamp", future, "X-Signature", sig(acmeSecret, future, hr)}, hr, 401, "WEBHOOK_STALE"},
		{"timestamp not a number", []string{"X-Vendor", "acme", "X-Timestamp", "soon", "X-Signature", sig(acmeSecret, "soon", hr)}, hr, 400, "WEBHOOK_BAD_TIMESTAMP"},
		{"malformed json", []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", sig(acmeSecret, ts, []byte(`{"event_id":`))}, []byte(`{"event_id":`), 400, "WEBHOOK_MALFORMED"},
		{"absurd reading", nil, body("e-9", "heart_rate", map[string]any{"heart_rate": 900}), 400, "WEBHOOK_MALFORMED"},
		{"other vendor's device", []string{"X-Vendor", "other", "X-Timestamp", ts, "X-Signature", sig(otherSecret, ts, hr)}, hr, 422, "WEBHOOK_VENDOR_MISMATCH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.headers
			if h == nil && c.code != "WEBHOOK_UNSIGNED" {
				h = []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", sig(acmeSecret, ts, c.body)}
			}
			n := stored()
			expectError(t, w.do("POST", "/api/v1/wristbands/webhook", "", c.body, h...), c.status, c.code)
			if stored() != n {
				t.Fatal("a refused push stored something")
			}
		})
	}
	good := []string{"X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", "sha256=" + sig(acmeSecret, ts, hr)}
	if r := w.do("POST", "/api/v1/wristbands/webhook", "", hr, good...); r.Status != 200 || r.str("status") != "stored" {
		t.Fatalf("good push: %d %s", r.Status, r.Raw)
	}
	n := stored()
	// The same request again is a replay: refused.
	expectError(t, w.do("POST", "/api/v1/wristbands/webhook", "", hr, good...), 409, "WEBHOOK_REPLAYED")
	// The vendor's retry (same event id, newly signed) is acknowledged and ignored.
	ts2 := strconv.FormatInt(now.Unix()+1, 10)
	if r := w.do("POST", "/api/v1/wristbands/webhook", "", hr, "X-Vendor", "acme", "X-Timestamp", ts2, "X-Signature", sig(acmeSecret, ts2, hr)); r.Status != 200 || r.str("status") != "duplicate" {
		t.Fatalf("retry: %d %s", r.Status, r.Raw)
	}
	if stored() != n {
		t.Fatal("a replay or duplicate stored something")
	}
	if rs := okItems(t, w.do("GET", path+"/readings?kind=heart_rate", owner, nil)); len(rs) != 1 || rs[0]["heart_rate"] != float64(72) {
		t.Fatalf("readings: %v", rs)
	}

	// Unknown and unbound devices: kept aside for staff, attached to no one.
	unknown := w.newIMEI()
	if r := w.push(unknown, "location", map[string]any{"lat": 1, "lng": 2}); r.str("status") != "unattached" {
		t.Fatalf("unknown device: %s", r.Raw)
	}
	spare := w.device()
	if r := w.push(spare, "sos", nil); r.str("status") != "unattached" || r.Body["alarm_id"] != nil {
		t.Fatalf("unbound device: %s", r.Raw)
	}
	aside := okItems(t, w.do("GET", "/api/v1/admin/wristbands/unattached", w.admin, nil))
	if len(aside) != 2 || aside[0]["reason"] != "unbound" || aside[1]["reason"] != "unknown_device" || aside[1]["imei_masked"] != pii.MaskIMEI(unknown) ||
		aside[1]["imei"] != nil {
		t.Fatalf("unattached: %v", aside)
	}
	if w.count("wristband_readings") != 1 || w.count("wristband_alarms") != 0 {
		t.Fatal("an unattached push was attached to someone")
	}
	owner2, _ := w.resident("owner2", 0)
	expectError(t, w.do("GET", "/api/v1/admin/wristbands/unattached", owner2, nil), 403, "FORBIDDEN")
}

// Alarms end to end: SOS and readings outside the thresholds open alarms
// that notify every guardian once; repeats notify nobody; guardians and
// staff acknowledge and resolve with notes; an unacknowledged alarm
// escalates to the community's staff; every view of a location is logged
// for the primary guardian.
func TestWristbandAlarmsNotifyAckResolveEscalateAndLog(t *testing.T) {
	w := newWristbandApp(t)
	c1, c2 := w.community("阳光社区"), w.community("和平社区")
	staffTok, staffID := w.staff("staff1", c1)
	_, otherStaffID := w.staff("staff2", c2)
	owner, ownerID := w.resident("王女士", c1)
	son, sonID := w.resident("王先生", 0)
	mother := w.dependent(owner, "王奶奶")
	imei := w.device()
	path := w.bind(owner, imei, map[string]any{"dependent_id": mother})
	w.invite(owner, path, son)
	w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3})
	alerts := func(uid int64) int64 {
		var n int64
		w.app.db.G.Table("outbox").Where("template_key = ? AND user_id = ?", "wristband_alert", uid).Count(&n)
		return n
	}
	a1 := w.push(imei, "blood_pressure", map[string]any{"systolic": 172, "diastolic": 95})
	if a1.Body["alarm_id"] == nil || alerts(ownerID) != 1 || alerts(sonID) != 1 {
		t.Fatalf("alarm: %s, notices %d/%d", a1.Raw, alerts(ownerID), alerts(sonID))
	}
	for i := 0; i < 3; i++ {
		w.push(imei, "blood_pressure", map[string]any{"systolic": 175, "diastolic": 95})
	}
	if alerts(ownerID) != 1 || alerts(sonID) != 1 {
		t.Fatal("repeated readings notified again")
	}
	var title, page string
	w.app.db.G.Table("outbox").Select("title").Where("user_id = ?", sonID).Scan(&title)
	w.app.db.G.Table("outbox").Select("page").Where("user_id = ?", sonID).Scan(&page)
	if !strings.Contains(title, "王奶奶") || !strings.Contains(title, "血压异常") || !strings.HasSuffix(path, strings.TrimPrefix(page, "pages/wristband/detail?id=")) {
		t.Fatalf("notice title %q page %q", title, page)
	}
	sos := w.push(imei, "sos", map[string]any{"lat": 30.51, "lng": 114.31})
	bands := okItems(t, w.do("GET", "/api/v1/me/wristbands", son, nil))
	if len(bands) != 1 || bands[0]["open_alarms"] != float64(2) || bands[0]["imei_masked"] != imei[:4]+"****"+imei[11:] {
		t.Fatalf("son's bands: %v", bands)
	}
	if loc := bands[0]["latest_location"].(map[string]any); loc["lat"] != 30.51 {
		t.Fatalf("latest location %v", loc)
	}
	if strings.Contains(fmt.Sprint(bands), imei) {
		t.Fatal("the full IMEI is shown to a guardian")
	}
	rd := bands[0]["latest_readings"].(map[string]any)
	if rd["systolic"] != float64(175) {
		t.Fatalf("latest readings %v", rd)
	}

	// Staff of the community see both alarms with the location; staff of another do not.
	list := okItems(t, w.do("GET", "/api/v1/admin/wristbands/alarms?status=open", staffTok, nil))
	if len(list) != 2 || list[0]["type"] != "sos" || list[0]["location"] == nil || list[0]["wearer_name"] != "王奶奶" {
		t.Fatalf("staff alarms: %v", list)
	}
	// Guardians see alarms without location.
	galarms := okItems(t, w.do("GET", path+"/alarms", son, nil))
	if len(galarms) != 2 || galarms[0]["location"] != nil {
		t.Fatalf("guardian alarms: %v", galarms)
	}
	sosID := fmt.Sprint(int64(sos.Body["alarm_id"].(float64)))
	bpID := fmt.Sprint(int64(a1.Body["alarm_id"].(float64)))
	if r := w.do("POST", path+"/alarms/"+sosID+"/ack", son, nil); r.Status != 200 || r.str("status") != "acked" {
		t.Fatalf("son acks: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("POST", path+"/alarms/"+sosID+"/ack", owner, nil), 409, "ALARM_ALREADY_ACKED")
	expectError(t, w.do("POST", "/api/v1/admin/wristbands/alarms/"+sosID+"/resolve", staffTok, map[string]string{"note": " "}), 400, "NOTE_REQUIRED")
	if r := w.do("POST", "/api/v1/admin/wristbands/alarms/"+sosID+"/resolve", staffTok, map[string]string{"note": "已上门查看，老人无碍"}); r.Status != 200 || r.str("resolve_note") != "已上门查看，老人无碍" {
		t.Fatalf("staff resolves: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("POST", path+"/alarms/"+sosID+"/resolve", owner, map[string]string{"note": "好"}), 409, "ALARM_ALREADY_RESOLVED")

	// The blood-pressure alarm stays unacknowledged: it escalates once, to
	// the community's staff (and the admin, who serves every community).
	opened := time.Now()
	if n, err := w.app.wristbands.Escalate(context.Background(), opened.Add(w.app.cfg.Wristband.EscalationDelay-time.Minute)); err != nil || n != 0 {
		t.Fatalf("early escalation: %d %v", n, err)
	}
	if n, err := w.app.wristbands.Escalate(context.Background(), opened.Add(w.app.cfg.Wristband.EscalationDelay+time.Second)); err != nil || n != 1 {
		t.Fatalf("escalation: %d %v", n, err)
	}
	if alerts(staffID) != 1 || alerts(otherStaffID) != 0 {
		t.Fatalf("escalation notices: staff1 %d, other community's staff %d", alerts(staffID), alerts(otherStaffID))
	}
	if list := okItems(t, w.do("GET", "/api/v1/admin/wristbands/alarms?status=open", staffTok, nil)); len(list) != 1 || list[0]["escalated_at"] == nil || list[0]["id"] != a1.Body["alarm_id"] {
		t.Fatalf("escalated alarm: %v", list)
	}
	if r := w.do("POST", "/api/v1/admin/wristbands/alarms/"+bpID+"/ack", staffTok, map[string]string{"note": "已电话联系家属"}); r.Status != 200 {
		t.Fatalf("staff ack: %d %s", r.Status, r.Raw)
	}

	// The access log: the son's and the owner's views of the latest location,
	// the readings with locations and the staff's views of alarm locations.
	okItems(t, w.do("GET", path+"/readings?kind=location", son, nil))
	expectError(t, w.do("GET", path+"/access-log", son, nil), 403, "NOT_PRIMARY_GUARDIAN")
	log := okItems(t, w.do("GET", path+"/access-log", owner, nil))
	seen := map[string]bool{}
	for _, e := range log {
		seen[fmt.Sprint(e["viewer_name"], "/", e["viewer_role"], "/", e["what"])] = true
	}
	for _, want := range []string{"王先生/guardian/latest_location", "王先生/guardian/location_history", "staff1/staff/alarm_location"} {
		if !seen[want] {
			t.Errorf("access log lacks %s: %v", want, log)
		}
	}
	// Viewing without any location shown is not a location view.
	quiet, _ := w.resident("quiet", 0)
	w.bind(quiet, w.device(), self)
	okItems(t, w.do("GET", "/api/v1/me/wristbands", quiet, nil))
	var quietViews int64
	w.app.db.G.Table("wristband_access_log l").Joins("JOIN users u ON u.id = l.viewer_user_id").Where("u.real_name = ?", "quiet").Count(&quietViews)
	if quietViews != 0 {
		t.Fatalf("%d access-log entries without a location shown", quietViews)
	}
}

// Thresholds per wearer, consent revocation (deletes the data, stores no
// more) and giving consent again, over HTTP.
func TestWristbandThresholdsAndConsent(t *testing.T) {
	w := newWristbandApp(t)
	owner, imei, path := w.selfWearer("owner", 0)
	r := w.do("GET", path+"/thresholds", owner, nil)
	if r.Status != 200 || r.Body["systolic_high"] != float64(160) || r.Body["glucose_low"] != 3.9 || r.Body["custom"] != false {
		t.Fatalf("defaults: %s", r.Raw)
	}
	expectError(t, w.do("PUT", path+"/thresholds", owner, map[string]any{"systolic_low": 170}), 400, "INVALID_THRESHOLDS")
	r = w.do("PUT", path+"/thresholds", owner, map[string]any{"glucose_high": 13.0})
	if r.Status != 200 || r.Body["glucose_high"] != 13.0 || r.Body["custom"] != true {
		t.Fatalf("set: %d %s", r.Status, r.Raw)
	}
	if a := w.push(imei, "blood_glucose", map[string]any{"glucose": 12.0}); a.Body["alarm_id"] != nil {
		t.Fatalf("12.0 alarmed with an upper limit of 13.0: %s", a.Raw)
	}
	if a := w.push(imei, "blood_glucose", map[string]any{"glucose": 3.9}); a.Body["alarm_id"] == nil {
		t.Fatalf("3.9 must alarm (lower limit): %s", a.Raw)
	}
	w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3})

	r = w.do("POST", path+"/consent/revoke", owner, nil)
	if r.Status != 200 || r.Body["deleted_readings"] != float64(3) {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	if w.count("wristband_readings") != 0 {
		t.Fatal("readings kept after revocation")
	}
	bands := okItems(t, w.do("GET", "/api/v1/me/wristbands", owner, nil))
	if bands[0]["collecting"] != false || bands[0]["latest_location"] != nil || bands[0]["open_alarms"] != float64(0) {
		t.Fatalf("after revoke: %v", bands)
	}
	if p := w.push(imei, "fall", map[string]any{"lat": 30.5, "lng": 114.3}); p.str("status") != "no_consent" || w.count("wristband_readings")+w.count("wristband_unattached") != 0 {
		t.Fatalf("push after revocation: %s", p.Raw)
	}
	expectError(t, w.do("POST", path+"/consent", owner, map[string]string{"version": strings.Repeat("v", 33)}), 400, "INVALID_CONSENT_VERSION")
	// The text in force is served with its version: what the bind page shows and sends back.
	if c := w.do("GET", "/api/v1/wristbands/consent", owner, nil); c.Status != 200 || c.Body["version"] != wristband.ConsentVersion || c.Body["text"] != wristband.ConsentText {
		t.Fatalf("consent text: %d %s", c.Status, c.Raw)
	}
	if r := w.do("POST", path+"/consent", owner, map[string]string{"version": wristband.ConsentVersion}); r.Status != 200 {
		t.Fatalf("consent again: %d %s", r.Status, r.Raw)
	}
	if p := w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3}); p.str("status") != "stored" {
		t.Fatalf("push after consent: %s", p.Raw)
	}
	// Binding without consent, or with a bad IMEI, is refused before anything is written.
	other, _ := w.resident("other", 0)
	spare := w.device()
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, map[string]any{"imei": spare, "code": activationOf(spare), "wearer": self}), 400, "CONSENT_REQUIRED")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, bindBody(spare[:14]+string('0'+(spare[14]-'0'+1)%10), self)), 400, "IMEI_CHECK_DIGIT")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, bindBody(w.newIMEI(), self)), 422, "BIND_CODE_INVALID")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, bindBody(spare, map[string]any{"self": true, "dependent_id": 1})), 400, "INVALID_WEARER")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, bindBody(spare, map[string]any{"dependent_id": 999999})), 404, "DEPENDENT_NOT_FOUND")
}

func multipartFile(t *testing.T, name string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func (w *wbApp) upload(tok, name string, data []byte) resp {
	w.t.Helper()
	body, ct := multipartFile(w.t, name, data)
	return w.do("POST", "/api/v1/admin/wristbands/import", tok, body, "Content-Type", ct)
}

// A partly bad file imports nothing and reports every bad line; a good CSV
// or XLSX file imports every line.
func TestWristbandImportFiles(t *testing.T) {
	w := newWristbandApp(t)
	staffTok, _ := w.staff("staff", 0)
	resTok, _ := w.resident("resident", 0)
	existing := w.device()
	a, b := w.newIMEI(), w.newIMEI()
	badCheck := a[:14] + string('0'+(a[14]-'0'+1)%10)
	csv := "IMEI,型号,厂商,批次\n" + a + ",W1,acme,B1\n" + badCheck + ",W1,acme,B1\n" + a + ",W1,acme,B1\n" + existing + ",W1,acme,B1\n123,W1,acme,B1\n" + b + ",W1,acme,B1\n"
	r := w.upload(staffTok, "bands.csv", []byte(csv))
	expectError(t, r, 422, "IMPORT_REJECTED")
	errsList, _ := r.Body["details"].(map[string]any)["errors"].([]any)
	var got []string
	for _, e := range errsList {
		m := e.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v", m["line"], m["code"]))
	}
	sort.Strings(got)
	want := []string{"3:IMEI_CHECK_DIGIT", "4:DUPLICATE_IN_FILE", "5:ALREADY_REGISTERED", "6:INVALID_IMEI"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("line errors %v, want %v", got, want)
	}
	if n := w.count("wristband_devices"); n != 1 {
		t.Fatalf("a rejected file imported %d devices", n-1)
	}
	good := "imei,model,vendor,batch\n" + a + ",W1,acme,B1\n" + b + ",W2,acme,B1\n"
	if r := w.upload(staffTok, "bands.csv", []byte(good)); r.Status != 201 || r.Body["imported"] != float64(2) {
		t.Fatalf("good csv: %d %s", r.Status, r.Raw)
	}
	f := excelize.NewFile()
	c := w.newIMEI()
	for i, row := range [][]any{{"手环号", "型号", "厂商", "批次"}, {c, "W3", "acme", "B2"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	if r := w.upload(staffTok, "bands.xlsx", buf.Bytes()); r.Status != 201 || r.Body["imported"] != float64(1) {
		t.Fatalf("xlsx: %d %s", r.Status, r.Raw)
	}
	list := okItems(t, w.do("GET", "/api/v1/admin/wristbands?batch=B2", staffTok, nil))
	if len(list) != 1 || list[0]["imei"] != c || list[0]["binding"] != nil {
		t.Fatalf("list: %v", list)
	}
	expectError(t, w.upload(resTok, "bands.csv", []byte(good)), 403, "FORBIDDEN")
	expectError(t, w.upload(staffTok, "x.csv", []byte("just,some\ntext,here\n")), 400, "IMPORT_BAD_FILE")
	expectError(t, w.do("POST", "/api/v1/admin/wristbands/import", staffTok, map[string]string{"file": "x"}), 400, "IMPORT_BAD_FILE")
}

// TestWristbandReadingsPageWithoutGaps: readings that share a time (one
// push's kinds, or a vendor's batch) are all reached page by page when
// the next page names the last reading shown (before and before_id).
func TestWristbandReadingsPageWithoutGaps(t *testing.T) {
	w := newWristbandApp(t)
	owner, imei, path := w.selfWearer("owner", 0)
	same := w.readingsSharingATime(imei, 5)
	w.pushHeartRate(imei, same.Add(-2*time.Minute), 61)
	seen := map[float64]bool{}
	q := ""
	for pages := 0; pages < 10; pages++ {
		rs := okItems(t, w.do("GET", path+"/readings?kind=heart_rate&limit=2"+q, owner, nil))
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			if seen[r["heart_rate"].(float64)] {
				t.Fatalf("reading %v shown twice", r)
			}
			seen[r["heart_rate"].(float64)] = true
		}
		last := rs[len(rs)-1]
		q = fmt.Sprintf("&before=%s&before_id=%d", url.QueryEscape(last["at"].(string)), int64(num(last["id"])))
	}
	if len(seen) != 7 {
		t.Fatalf("reached %d of 7 readings: %v", len(seen), seen)
	}
	expectError(t, w.do("GET", path+"/readings?before_id=5", owner, nil), 400, "BAD_QUERY")
}

// TestWristbandRegisterOneDeviceAsTheBody: staff register one wristband
// through the API with the fields the issue names (IMEI, model, vendor,
// batch) as the body itself, besides the {"items":[…]} list.
func TestWristbandRegisterOneDeviceAsTheBody(t *testing.T) {
	w := newWristbandApp(t)
	staffTok, _ := w.staff("staff", 0)
	imei := w.newIMEI()
	r := w.do("POST", "/api/v1/admin/wristbands", staffTok, map[string]string{"imei": imei, "model": "W1", "vendor": "acme", "batch": "ONE-1"})
	if r.Status != 201 || r.Body["imported"] != float64(1) {
		t.Fatalf("one device: %d %s", r.Status, r.Raw)
	}
	list := okItems(t, w.do("GET", "/api/v1/admin/wristbands?batch=ONE-1", staffTok, nil))
	if len(list) != 1 || list[0]["imei"] != imei || list[0]["model"] != "W1" || list[0]["vendor"] != "acme" {
		t.Fatalf("list: %v", list)
	}
	// The same device again is reported like a file's line, nothing imported.
	again := w.do("POST", "/api/v1/admin/wristbands", staffTok, map[string]string{"imei": imei, "model": "W1", "vendor": "acme", "batch": "ONE-1"})
	expectError(t, again, 422, "IMPORT_REJECTED")
	bad := imei[:14] + string('0'+(imei[14]-'0'+1)%10)
	expectError(t, w.do("POST", "/api/v1/admin/wristbands", staffTok, map[string]string{"imei": bad, "model": "W1", "vendor": "acme", "batch": "ONE-1"}), 422, "IMPORT_REJECTED")
	if n := w.count("wristband_devices"); n != 1 {
		t.Fatalf("%d devices, want 1", n)
	}
	// The list as the body itself.
	a, b := w.newIMEI(), w.newIMEI()
	r = w.do("POST", "/api/v1/admin/wristbands", staffTok, []map[string]string{{"imei": a, "model": "W2", "vendor": "acme", "batch": "ONE-2"}, {"imei": b, "model": "W2", "vendor": "acme", "batch": "ONE-2"}})
	if r.Status != 201 || r.Body["imported"] != float64(2) {
		t.Fatalf("list body: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("POST", "/api/v1/admin/wristbands", staffTok, `[{"imei":"`+w.newIMEI()+`","colour":"red"}]`), 400, "UNKNOWN_FIELD")
	if n := w.count("wristband_devices"); n != 3 {
		t.Fatalf("%d devices, want 3", n)
	}
}

// TestWristbandAlarmsFilterAcknowledged: the word "acknowledge"
// filters acknowledged alarms (status acked), for staff and guardians.
func TestWristbandAlarmsFilterAcknowledged(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("staff1", c1)
	tok, imei, path := w.selfWearer("李奶奶", c1)
	sos := w.push(imei, "sos", nil)
	w.push(imei, "fall", nil)
	sosID := fmt.Sprint(int64(sos.Body["alarm_id"].(float64)))
	if r := w.do("POST", "/api/v1/admin/wristbands/alarms/"+sosID+"/ack", staffTok, map[string]string{"note": "已电话联系"}); r.Status != 200 {
		t.Fatalf("ack: %d %s", r.Status, r.Raw)
	}
	for _, q := range []string{"/api/v1/admin/wristbands/alarms?status=acknowledged", path + "/alarms?status=acknowledged", "/api/v1/admin/wristbands/alarms?status=acked"} {
		by := staffTok
		if strings.HasPrefix(q, path) {
			by = tok
		}
		list := okItems(t, w.do("GET", q, by, nil))
		if len(list) != 1 || fmt.Sprint(list[0]["id"]) != sosID || list[0]["status"] != "acked" {
			t.Fatalf("%s: %v", q, list)
		}
	}
	if list := okItems(t, w.do("GET", "/api/v1/admin/wristbands/alarms?status=open", staffTok, nil)); len(list) != 1 || list[0]["type"] != "fall" {
		t.Fatalf("open: %v", list)
	}
	expectError(t, w.do("GET", "/api/v1/admin/wristbands/alarms?status=closed", staffTok, nil), 400, "BAD_QUERY")
}

// TestWristbandBindTakesFlatWearerAndConsent: a bind request may name the
// wearer and the consent flat (dependent_id, consent_version, consent:
// true for the text in force); naming no wearer binds the guardian
// themself. The consent is recorded with the version in force.
func TestWristbandBindTakesFlatWearerAndConsent(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("staff1", c1)
	tok, _ := w.resident("赵女士", c1)
	mother := w.dependent(tok, "赵奶奶")
	imei := w.device()
	r := w.do("POST", "/api/v1/wristbands/bind", tok, map[string]any{"imei": imei, "code": activationOf(imei), "dependent_id": mother, "consent_version": wristband.ConsentVersion})
	if r.Status != 201 || r.str("wearer_name") != "赵奶奶" || r.Body["consent"].(map[string]any)["version"] != wristband.ConsentVersion {
		t.Fatalf("flat bind: %d %s", r.Status, r.Raw)
	}
	mine := w.device()
	r = w.do("POST", "/api/v1/wristbands/bind", tok, map[string]any{"imei": mine, "code": activationOf(mine), "consent": true})
	if r.Status != 201 || r.str("wearer_name") != "赵女士" || r.Body["wearer"].(map[string]any)["self"] != true || r.Body["consent"].(map[string]any)["version"] != wristband.ConsentVersion {
		t.Fatalf("consent true, no wearer: %d %s", r.Status, r.Raw)
	}
	other, otherID := w.resident("钱先生", c1)
	spare := w.device()
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, map[string]any{"imei": spare, "code": activationOf(spare), "consent": false}), 400, "CONSENT_REQUIRED")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, map[string]any{"imei": spare, "code": activationOf(spare), "consent": map[string]any{"version": "v1", "x": 1}}), 400, "UNKNOWN_FIELD")
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", other, map[string]any{"imei": spare, "code": activationOf(spare), "wearer": self, "dependent_id": mother, "consent": true}), 400, "INVALID_WEARER")
	// Staff at the service centre, the same flat spelling.
	r = w.do("POST", "/api/v1/admin/wristbands/bind", staffTok, map[string]any{"imei": spare, "user_id": otherID, "consent": true, "reason": "服务中心代办"})
	if r.Status != 201 || r.str("wearer_name") != "钱先生" || r.Body["consent"].(map[string]any)["version"] != wristband.ConsentVersion {
		t.Fatalf("staff flat bind: %d %s", r.Status, r.Raw)
	}
	if n := w.count("wristband_bindings"); n != 3 {
		t.Fatalf("%d bindings, want 3", n)
	}
}

// TestWristbandWebhookSignatureSpellings: "HMAC-SHA256 over timestamp and
// body" also read as the two concatenated, and the timestamp given in
// Unix milliseconds or RFC 3339; stale and replayed requests in those
// spellings are still refused, and a wrong signature still is.
func TestWristbandWebhookSignatureSpellings(t *testing.T) {
	w := newWristbandApp(t)
	_, imei, _ := w.selfWearer("owner", 0)
	now := time.Now()
	body := func(eventID string) []byte {
		b, _ := json.Marshal(map[string]any{"event_id": eventID, "imei": imei, "type": "heart_rate", "at": now.UTC().Format(time.RFC3339), "data": map[string]any{"heart_rate": 70}})
		return b
	}
	concat := func(ts string, b []byte) string {
		m := hmac.New(sha256.New, []byte(acmeSecret))
		m.Write([]byte(ts))
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))
	}
	send := func(ts, sig string, b []byte) resp {
		return w.do("POST", "/api/v1/wristbands/webhook", "", b, "X-Vendor", "acme", "X-Timestamp", ts, "X-Signature", sig)
	}
	secs := strconv.FormatInt(now.Unix(), 10)
	millis := strconv.FormatInt(now.UnixMilli(), 10)
	rfc := now.UTC().Format(time.RFC3339)
	for i, c := range []struct{ ts, sig string }{
		{secs, concat(secs, body("s-1"))},
		{millis, wristband.Sign(acmeSecret, millis, body("s-2"))},
		{rfc, concat(rfc, body("s-3"))},
	} {
		b := body(fmt.Sprintf("s-%d", i+1))
		if r := send(c.ts, c.sig, b); r.Status != 200 || r.str("status") != "stored" {
			t.Fatalf("%s: %d %s", c.ts, r.Status, r.Raw)
		}
		expectError(t, send(c.ts, c.sig, b), 409, "WEBHOOK_REPLAYED")
	}
	// The same request signed the other way is the same request: a replay.
	b1 := body("s-1")
	expectError(t, send(secs, wristband.Sign(acmeSecret, secs, b1), b1), 409, "WEBHOOK_REPLAYED")
	staleMs := strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10)
	expectError(t, send(staleMs, concat(staleMs, body("s-4")), body("s-4")), 401, "WEBHOOK_STALE")
	staleRFC := now.Add(-6 * time.Minute).UTC().Format(time.RFC3339)
	expectError(t, send(staleRFC, wristband.Sign(acmeSecret, staleRFC, body("s-5")), body("s-5")), 401, "WEBHOOK_STALE")
	right := concat(secs, body("s-6"))
	last := "0"
	if right[63] == '0' {
		last = "1"
	}
	expectError(t, send(secs, right[:63]+last, body("s-6")), 401, "WEBHOOK_BAD_SIGNATURE")
	if n := w.count("wristband_readings"); n != 3 {
		t.Fatalf("%d readings, want 3", n)
	}
}
