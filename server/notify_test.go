package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongjian/config"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// withTemplates gives every template an id ("tpl-<key>").
func withTemplates(cfg *config.Config) {
	for k, t := range cfg.WeChat.Templates {
		t.ID = "tpl-" + k
		cfg.WeChat.Templates[k] = t
	}
}

// notifyApp is a test app whose templates have ids, registered with its
// emulator tenant so wrong data keys or over-long values fail with 47003.
func notifyApp(t *testing.T, opts ...appOption) *testApp {
	t.Helper()
	ta := newTestApp(t, append([]appOption{withTemplates}, opts...)...)
	for _, tpl := range ta.app.cfg.WeChat.Templates {
		nt := notify.Template{Fields: tpl.Fields}
		ta.tenant.AddTemplate(tpl.ID, nt.DataKeys()...)
	}
	return ta
}

// addNotices writes notices as feature code does: in a transaction.
func (ta *testApp) addNotices(ns ...notify.Notice) {
	ta.t.Helper()
	if err := ta.app.db.G.Transaction(func(tx *gorm.DB) error { return mysqlstore.AddNotices(tx, ns) }); err != nil {
		ta.t.Fatal(err)
	}
}

func (ta *testApp) drain() {
	ta.t.Helper()
	if _, err := ta.app.notify.runner.Drain(context.Background()); err != nil {
		ta.t.Fatal(err)
	}
}

// statusOf returns the delivery status of the notice with dedup key k.
func (ta *testApp) statusOf(k string) string {
	ta.t.Helper()
	var s string
	if err := ta.app.db.G.Raw("SELECT status FROM outbox WHERE dedup_key = ?", k).Scan(&s).Error; err != nil {
		ta.t.Fatal(err)
	}
	return s
}

func confirmedNotice(uid int64, reg int, activity string) notify.Notice {
	return notify.Notice{
		UserID: uid, TemplateKey: notify.RegistrationConfirmed, DedupKey: fmt.Sprintf("reg:%d:confirmed", reg),
		Title: "报名成功", Body: "您已成功报名「" + activity + "」，请准时参加。",
		Fields: map[string]string{
			"activity": activity, "time": "2026-06-01T09:00:00+08:00~2026-06-01T11:00:00+08:00",
			"place": "阳光社区党群服务中心", "attendee": "王阿姨", "note": "请提前十分钟到场",
		},
		Page: "pages/registrations/index", ActivityID: 42, RegistrationID: int64(reg),
	}
}

func askKeys(r resp) []string {
	var keys []string
	for _, a := range r.Body["ask"].([]any) {
		keys = append(keys, a.(map[string]any)["key"].(string))
	}
	return keys
}

func TestSubscriptionsAskAndRecord(t *testing.T) {
	ta := notifyApp(t)
	tok, _ := ta.login("sub")
	r := ta.do("GET", "/api/v1/subscriptions", tok, nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	if got := strings.Join(askKeys(r), ","); got != strings.Join(notify.TemplateKeys, ",") {
		t.Fatalf("ask %s", got)
	}
	first := r.Body["ask"].([]any)[0].(map[string]any)
	if first["template_id"] != "tpl-registration_confirmed" {
		t.Fatalf("ask item %v", first)
	}

	r = ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{
		"registration_confirmed": "accept", "activity_reminder": "reject", "wristband_alert": "ban",
	}})
	expectAcceptedAndBanned(t, r)
	keys := strings.Join(askKeys(r), ",")
	if strings.Contains(keys, "registration_confirmed") || strings.Contains(keys, "wristband_alert") || !strings.Contains(keys, "activity_reminder") {
		t.Fatalf("ask after answers: %s", keys)
	}
	// Accepting again adds a send; a later reject keeps what was granted.
	ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"registration_confirmed": "accept"}})
	r = ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"registration_confirmed": "reject"}})
	if b := r.Body["grants"].(map[string]any)["registration_confirmed"].(map[string]any)["balance"].(float64); b != 2 {
		t.Fatalf("balance %v", b)
	}

	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"nope": "accept"}}), 400, "UNKNOWN_TEMPLATE")
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"checkin_done": "yes"}}), 400, "BAD_SUBSCRIPTION_RESULT")
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{}}), 400, "EMPTY_RESULTS")
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{
		"checkin_done": "accept", "hours_credited": "accept", "claim_reviewed": "accept", "waitlist_promoted": "accept"}}), 400, "TOO_MANY_RESULTS")
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, `{"results":{},"extra":1}`), 400, "UNKNOWN_FIELD")
	expectError(t, ta.do("GET", "/api/v1/subscriptions", "", nil), 401, "UNAUTHENTICATED")
}

// expectAcceptedAndBanned asserts a 200 answer to subscription results
// that accepted registration_confirmed (one send granted) and banned
// wristband_alert.
func expectAcceptedAndBanned(t *testing.T, r resp) {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	grants := r.Body["grants"].(map[string]any)
	rc := grants["registration_confirmed"].(map[string]any)
	if rc["status"] != "accept" || rc["balance"].(float64) != 1 || grants["wristband_alert"].(map[string]any)["status"] != "ban" {
		t.Fatalf("grants %v", grants)
	}
}

// TestSubscriptionsTakeWeChatsAnswerAsIs: the mini-program may pass what
// wx.requestSubscribeMessage returned unchanged — keyed by template id,
// with its errMsg — and the grants are recorded under the template keys.
func TestSubscriptionsTakeWeChatsAnswerAsIs(t *testing.T) {
	ta := notifyApp(t)
	tok, _ := ta.login("sub-raw")
	r := ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{
		"errMsg": "requestSubscribeMessage:ok", "tpl-registration_confirmed": "accept", "tpl-wristband_alert": "ban",
	}})
	expectAcceptedAndBanned(t, r)
	// A key named directly wins over the id of the same template.
	r = ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{
		"registration_confirmed": "accept", "tpl-registration_confirmed": "reject"}})
	if b := r.Body["grants"].(map[string]any)["registration_confirmed"].(map[string]any)["balance"].(float64); r.Status != 200 || b != 2 {
		t.Fatalf("%d balance %v", r.Status, b)
	}
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"tpl-nope": "accept"}}), 400, "UNKNOWN_TEMPLATE")
	expectError(t, ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"errMsg": "requestSubscribeMessage:ok"}}), 400, "EMPTY_RESULTS")
}

// A resident who granted registration_confirmed once gets exactly one
// WeChat message for two sign-ups; both notices are in the in-app list.
func TestOneGrantTwoSignUps(t *testing.T) {
	ta := notifyApp(t)
	tok, uid := ta.login("mother")
	openID := ta.openID("mother")
	// WeChat counts the grant too: one tap, one send.
	ta.tenant.RequireGrants(true)
	ta.tenant.Grant(openID, "tpl-registration_confirmed", 1)
	if r := ta.do("POST", "/api/v1/subscriptions", tok, map[string]any{"results": map[string]string{"registration_confirmed": "accept"}}); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	ta.addNotices(confirmedNotice(uid, 1, "四点半学校·书法课"))
	ta.addNotices(confirmedNotice(uid, 2, "社区义诊·中医推拿（上午场）"))
	ta.drain()
	sent := ta.tenant.SentTo(openID)
	if len(sent) != 1 || sent[0].Data["thing1"] != "四点半学校·书法课" || sent[0].Page != "pages/registrations/index" {
		t.Fatalf("sent %+v", sent)
	}
	if s1, s2 := ta.statusOf("reg:1:confirmed"), ta.statusOf("reg:2:confirmed"); s1 != notify.StatusSent || s2 != notify.StatusNoGrant {
		t.Fatalf("statuses %s %s", s1, s2)
	}
	if ta.tenant.Count(wxemu.EndpointSubscribeSend) != 1 {
		t.Fatal("WeChat was called for the notice without a grant")
	}

	r := ta.do("GET", "/api/v1/me/messages", tok, nil)
	items, _ := r.Body["items"].([]any)
	if r.Status != 200 || len(items) != 2 || r.Body["unread"].(float64) != 2 {
		t.Fatalf("messages %d %s", r.Status, r.Raw)
	}
	newest := items[0].(map[string]any)
	if !strings.Contains(newest["body"].(string), "中医推拿") || newest["read"] != false || newest["template_key"] != "registration_confirmed" {
		t.Fatalf("newest %v", newest)
	}
	id := int64(newest["id"].(float64))
	r = ta.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", id), tok, nil)
	if r.Status != 200 || r.Body["unread"].(float64) != 1 {
		t.Fatalf("read %d %s", r.Status, r.Raw)
	}
	if r = ta.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", id), tok, nil); r.Status != 200 || r.Body["unread"].(float64) != 1 {
		t.Fatalf("read again %d %s", r.Status, r.Raw)
	}
	other, _ := ta.login("stranger")
	expectError(t, ta.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", id), other, nil), 404, "MESSAGE_NOT_FOUND")
	if r = ta.do("GET", "/api/v1/me/messages", other, nil); len(r.Body["items"].([]any)) != 0 {
		t.Fatalf("a stranger sees %s", r.Raw)
	}
	r = ta.do("GET", "/api/v1/me/messages?limit=1", tok, nil)
	if len(r.Body["items"].([]any)) != 1 || r.Body["next_before_id"].(float64) != float64(id) {
		t.Fatalf("page 1 %s", r.Raw)
	}
	r = ta.do("GET", fmt.Sprintf("/api/v1/me/messages?limit=1&before_id=%d", id), tok, nil)
	if it := r.Body["items"].([]any); len(it) != 1 || it[0].(map[string]any)["read"] != false {
		t.Fatalf("page 2 %s", r.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/me/messages?limit=1000", tok, nil), 400, "BAD_QUERY")
	expectError(t, ta.do("POST", "/api/v1/me/messages/abc/read", tok, nil), 400, "BAD_ID")
}

// activityMessages is a notify app where a resident's two notices
// about activity 42 went out once the resident granted sends: the first
// refused for good by WeChat (47003; its grant is given back), the second
// sent. The activities with ids activityIDs exist; it returns the
// resident's token and an admin's.
func activityMessages(t *testing.T, activityIDs ...int64) (ta *testApp, resTok, adminTok string) {
	t.Helper()
	ta = notifyApp(t)
	resTok, uid := ta.login("villager")
	adminTok, _ = ta.login("boss")
	ta.grant("boss", resident.RoleChange{Role: "admin"})
	t0 := time.Now().UTC()
	for _, id := range activityIDs { // the activities the notices are about
		if err := ta.app.db.G.Exec(`INSERT INTO activities (id, title, category, community_id, host_org_id, address, status, signup_opens_at, signup_closes_at, first_starts_at, last_ends_at)
			VALUES (?, '文艺演出', 'lecture', 1, 2, '阳光社区', 'published', ?, ?, ?, ?)`, id, t0, t0, t0, t0).Error; err != nil {
			t.Fatal(err)
		}
	}
	ta.addNotices(confirmedNotice(uid, 1, "文艺演出"), confirmedNotice(uid, 2, "文艺演出加场"))
	ta.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{ErrCode: 47003, Times: 1})
	if r := ta.do("POST", "/api/v1/subscriptions", resTok, map[string]any{"results": map[string]string{"registration_confirmed": "accept"}}); r.Status != 200 {
		t.Fatal(r.Status)
	}
	ta.drain()
	return ta, resTok, adminTok
}

func TestActivityMessagesStaffView(t *testing.T) {
	ta, resTok, adminTok := activityMessages(t, 42, 43)

	expectError(t, ta.do("GET", "/api/v1/admin/activities/42/messages", resTok, nil), 403, "FORBIDDEN")
	r := ta.do("GET", "/api/v1/admin/activities/42/messages", adminTok, nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	counts := r.Body["counts"].(map[string]any)
	if counts["failed"] != 1.0 || counts["sent"] != 1.0 {
		t.Fatalf("counts %v", counts)
	}
	items := r.Body["items"].([]any)
	first := items[0].(map[string]any)
	if len(items) != 2 || first["status"] != "failed" || first["err_code"].(float64) != 47003 || !strings.Contains(first["last_error"].(string), "47003") {
		t.Fatalf("items %s", r.Raw)
	}
	r = ta.do("GET", "/api/v1/admin/activities/42/messages?limit=1", adminTok, nil)
	next := r.Body["next_after_id"].(float64)
	r = ta.do("GET", fmt.Sprintf("/api/v1/admin/activities/42/messages?after_id=%d", int64(next)), adminTok, nil)
	if it := r.Body["items"].([]any); len(it) != 1 || it[0].(map[string]any)["status"] != "sent" || it[0].(map[string]any)["msg_id"] == "" {
		t.Fatalf("page 2 %s", r.Raw)
	}
	if r = ta.do("GET", "/api/v1/admin/activities/43/messages", adminTok, nil); len(r.Body["items"].([]any)) != 0 {
		t.Fatalf("another activity %s", r.Raw)
	}
	expectError(t, ta.do("GET", "/api/v1/admin/activities/44/messages", adminTok, nil), 404, "ACTIVITY_NOT_FOUND")
	if m := ta.do("GET", "/metrics", "", nil); !strings.Contains(string(m.Raw), `gongjian_notify_rejected_total{errcode="47003",template="registration_confirmed"} 1`) {
		t.Fatal("the refusal is not counted in /metrics")
	}
}

// waitTerminal polls until every notice is in a terminal state.
func waitTerminal(t *testing.T, db *gorm.DB, total int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var rs []struct {
			Status string
			N      int
		}
		if err := db.Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&rs).Error; err != nil {
			t.Fatal(err)
		}
		st, done := map[string]int{}, 0
		for _, r := range rs {
			st[r.Status] = r.N
			if notify.Terminal(r.Status) {
				done += r.N
			}
		}
		if done == total {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %v", st)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// usersWithNotices creates n users, each with grants, and one notice each.
func usersWithNotices(t *testing.T, ta *testApp, n, grants int) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	store := mysqlstore.NewNotifyStore(ta.app.db)
	out := map[string]int64{}
	var ns []notify.Notice
	for i := range n {
		openID := ta.openID(fmt.Sprintf("fan%d", i))
		u, err := ta.app.store.EnsureUser(ctx, openID)
		if err != nil {
			t.Fatal(err)
		}
		out[openID] = u.ID
		for range grants {
			if err := store.RecordGrants(ctx, u.ID, []notify.GrantResult{{TemplateKey: notify.ActivityChanged, TemplateID: "tpl-activity_changed", Result: "accept"}}, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		ns = append(ns, notify.Notice{
			UserID: u.ID, TemplateKey: notify.ActivityChanged, DedupKey: fmt.Sprintf("show:cancel:%d", u.ID),
			Title: "活动取消", Body: "您报名的文艺演出因故取消。",
			Fields:     map[string]string{"activity": fmt.Sprintf("迎新春文艺演出%d", i), "status": "已取消", "time": "2026-06-01T19:30:00+08:00", "place": "街道文化中心", "note": "给您带来不便，敬请谅解"},
			ActivityID: 500,
		})
	}
	ta.addNotices(ns...)
	return out
}

// checkOnce fails on any notice sent twice and returns the messages sent.
func checkOnce(t *testing.T, ta *testApp) map[string]int {
	t.Helper()
	per := map[string]int{}
	for _, m := range ta.tenant.Sent() {
		per[m.ToUser]++
		if per[m.ToUser] > 1 {
			t.Errorf("%s (%s) got the notice twice", m.ToUser, m.Data["thing1"])
		}
	}
	return per
}

// Two server processes (two App instances on one database and Redis, each
// with its worker set) drain one outbox: every notice is sent exactly once.
func TestTwoAppsDrainOneOutboxOnce(t *testing.T) {
	ta := notifyApp(t, func(c *config.Config) { c.Notify.PollInterval = 20 * time.Millisecond; c.Notify.BatchSize = 8 })
	app2, err := build(context.Background(), ta.app.cfg, slog.New(slog.DiscardHandler), true)
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Close()
	const n = 150
	users := usersWithNotices(t, ta, n, 3)
	ctx, cancel := context.WithCancel(context.Background())
	stop1, stop2 := ta.app.startWorkers(ctx), app2.startWorkers(ctx)
	st := waitTerminal(t, ta.app.db.G, n)
	cancel()
	stop1()
	stop2()
	if st[notify.StatusSent] != n {
		t.Fatalf("statuses %v", st)
	}
	per := checkOnce(t, ta)
	for openID := range users {
		if per[openID] != 1 {
			t.Errorf("%s got %d messages", openID, per[openID])
		}
	}
}

// TestNotifyWorkerChild is the server process killed by
// TestWorkerKilledMidDrain; it only runs as that test's child.
func TestNotifyWorkerChild(t *testing.T) {
	raw := os.Getenv("GONGJIAN_TEST_NOTIFY_CHILD")
	if raw == "" {
		t.Skip("helper process of TestWorkerKilledMidDrain")
	}
	var cfg config.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	app, err := build(context.Background(), cfg, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	app.startWorkers(context.Background())
	fmt.Println("child: workers started")
	time.Sleep(2 * time.Minute) // until SIGKILL
	t.Fatal("child was not killed")
}

// A server process is SIGKILLed in the middle of draining; after a
// restart nothing is sent twice and nothing is lost: every notice ends
// sent, or — for the few whose WeChat call was under way at the kill —
// uncertain, never resent.
func TestWorkerKilledMidDrain(t *testing.T) {
	ta := notifyApp(t, func(c *config.Config) {
		c.Notify.PollInterval = 20 * time.Millisecond
		c.Notify.BatchSize, c.Notify.Concurrency = 10, 4
		c.Notify.Lease = 300 * time.Millisecond
		c.WeChat.Timeout = 400 * time.Millisecond // sending lease: 300ms + 2×400ms
		c.Notify.RatePerSecond = 0
	})
	const n = 80
	usersWithNotices(t, ta, n, 2)
	// Slow WeChat down so the kill lands mid-drain, with calls under way.
	ta.tenant.Fail(wxemu.EndpointSubscribeSend, wxemu.Fault{Delay: 15 * time.Millisecond})

	raw, _ := json.Marshal(ta.app.cfg)
	child := exec.Command(os.Args[0], "-test.run=^TestNotifyWorkerChild$", "-test.count=1")
	child.Env = append(os.Environ(), "GONGJIAN_TEST_NOTIFY_CHILD="+string(raw))
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for ta.tenant.Count(wxemu.EndpointSubscribeSend) < n/3 {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the child sent nothing")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	ta.tenant.ClearFaults()
	var inFlight []struct {
		Status string
		N      int
	}
	ta.app.db.G.Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&inFlight)
	t.Logf("at the kill: %v, %d WeChat calls", inFlight, ta.tenant.Count(wxemu.EndpointSubscribeSend))

	// Restart: this process's worker set takes over once the leases end.
	ctx, cancel := context.WithCancel(context.Background())
	stop := ta.app.startWorkers(ctx)
	st := waitTerminal(t, ta.app.db.G, n)
	cancel()
	stop()
	per := checkOnce(t, ta)
	var rows []struct {
		Status string
		OpenID string
	}
	if err := ta.app.db.G.Raw("SELECT o.status, u.open_id FROM outbox o JOIN users u ON u.id = o.user_id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	uncertainDelivered := 0
	for _, r := range rows {
		switch r.Status {
		case notify.StatusSent:
			if per[r.OpenID] != 1 {
				t.Errorf("%s is sent but got %d messages", r.OpenID, per[r.OpenID])
			}
		case notify.StatusUncertain:
			uncertainDelivered += per[r.OpenID]
		default:
			t.Errorf("%s ended %s", r.OpenID, r.Status)
		}
	}
	if st[notify.StatusUncertain] > 4 { // at most the child's concurrent calls
		t.Errorf("%d uncertain, more than the calls that can be under way", st[notify.StatusUncertain])
	}
	if len(ta.tenant.Sent()) != st[notify.StatusSent]+uncertainDelivered {
		t.Errorf("%d messages for %d sent notices + %d uncertain delivered", len(ta.tenant.Sent()), st[notify.StatusSent], uncertainDelivered)
	}
	t.Logf("after restart: %v (%d of the uncertain had reached WeChat)", st, uncertainDelivered)
}

// The embedded mode works out of the box: the built-in emulator knows the
// templates (with their exact data keys) and every template's notice,
// long Chinese text included, is delivered.
func TestEmbeddedModeDeliversEveryTemplate(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Seed.Demo = "never"
	app, err := build(context.Background(), cfg, slog.New(slog.DiscardHandler), true)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx := context.Background()
	u, err := app.store.EnsureUser(ctx, "oEmbeddedUser000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	store := mysqlstore.NewNotifyStore(app.db)
	long := "幸福街道阳光社区二〇二六年迎新春文艺演出暨优秀志愿者表彰大会（第三场）"
	var ns []notify.Notice
	for _, key := range notify.TemplateKeys {
		if err := store.RecordGrants(ctx, u.ID, []notify.GrantResult{{TemplateKey: key, TemplateID: "emu-" + key, Result: "accept"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, notify.Notice{UserID: u.ID, TemplateKey: key, DedupKey: "embedded:" + key, Title: "通知", Body: long,
			Fields: map[string]string{"activity": long, "place": long, "note": long, "type": long, "detail": long, "status": "演出取消了",
				"attendee": "欧阳娜娜娜娜娜娜娜娜娜娜", "name": "欧阳娜娜娜娜娜娜娜娜娜娜", "wearer": "王秀英", "hours": "2小时30分钟",
				"time": time.Now().Format(time.RFC3339)}})
	}
	if err := app.db.G.Transaction(func(tx *gorm.DB) error { return mysqlstore.AddNotices(tx, ns) }); err != nil {
		t.Fatal(err)
	}
	if _, err := app.notify.runner.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var rows []struct{ TemplateKey, Status, LastError string }
	app.db.G.Raw("SELECT template_key, status, last_error FROM outbox").Scan(&rows)
	for _, r := range rows {
		if r.Status != notify.StatusSent {
			t.Errorf("%s: %s %s", r.TemplateKey, r.Status, r.LastError)
		}
	}
	if len(rows) != len(notify.TemplateKeys) || len(app.emuTenant.Sent()) != len(notify.TemplateKeys) {
		t.Fatalf("%d notices, %d sent", len(rows), len(app.emuTenant.Sent()))
	}
}
