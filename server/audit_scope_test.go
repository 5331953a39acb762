package main

import (
	"fmt"
	"testing"
	"time"

	"gongjian/internal/resident"
)

// TestAuditEntryLivesInItsObjectsCommunity: an entry about an activity,
// a session or a registration belongs to that object's community (and
// its subdistrict), not to the actor's: a district admin's change to
// another subdistrict's activity is that subdistrict's entry, and a staff
// member serving communities of two subdistricts does not leak one's
// changes into the other's log.
func TestAuditEntryLivesInItsObjectsCommunity(t *testing.T) {
	sw, ta := newScopeWorld(t)
	act3 := num(sw.act3["id"])
	// Staff of c1 (first) and of c3.
	twoTok, twoID := ta.login("two-community-staff")
	for _, c := range []int64{sw.c1, sw.c3} {
		if _, err := ta.app.residents.GrantRole(t.Context(), 0, twoID, resident.RoleChange{Role: "staff", CommunityID: c}); err != nil {
			t.Fatal(err)
		}
	}
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", act3), sw.admin, map[string]any{"title": "东湖读书会"}), 200, "district admin's update")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", act3), twoTok, map[string]string{"reason": "场地维修"}), 200, "two-community staff's cancel")

	for _, action := range []string{"activity.update", "activity.cancel"} {
		e := findAudit(ta.auditItems(sw.sub2, "action="+action), action, act3)
		if e == nil {
			t.Errorf("%s of the second subdistrict's activity: not in its admin's log", action)
		} else if num(e["community_id"]) != sw.c3 || num(e["subdistrict_id"]) != sw.s2 {
			t.Errorf("%s: community %v subdistrict %v, want %d %d", action, e["community_id"], e["subdistrict_id"], sw.c3, sw.s2)
		}
		if e := findAudit(ta.auditItems(sw.sub1, "action="+action), action, act3); e != nil {
			t.Errorf("%s of the second subdistrict's activity shown to the first subdistrict's admin: %v", action, e)
		}
		if findAudit(ta.auditItems(sw.admin, fmt.Sprintf("action=%s&community_id=%d", action, sw.c3)), action, act3) == nil {
			t.Errorf("%s: not found narrowed to its community", action)
		}
	}
}

// TestAuditRecordsHoursExport: the hours report's spreadsheet names every
// volunteer and their hours (personal data): handing it out is recorded
// as hours.export; looking at the report on screen is not.
func TestAuditRecordsHoursExport(t *testing.T) {
	w, ta := newRegWorld(t)
	ta.must(ta.do("GET", "/api/v1/admin/hours", w.cStaf, nil), 200, "report")
	if e := findAudit(ta.auditItems(w.admin, "action=hours.export"), "hours.export", 0); e != nil {
		t.Fatalf("the report seen on screen recorded as an export: %v", e)
	}
	ta.must(ta.do("GET", "/api/v1/admin/hours?format=xlsx&from=2026-11-01&to=2026-11-30", w.cStaf, nil), 200, "export")
	e := findAudit(ta.auditItems(w.admin, "action=hours.export"), "hours.export", 0)
	if e == nil {
		t.Fatal("hours export not recorded")
	}
	if e["actor_role"] != "staff" || num(e["community_id"]) != w.community || e["request_id"] == "" {
		t.Errorf("entry %v", e)
	}
	if ch, _ := e["changes"].(map[string]any); ch["from"] != "2026-11-01" || ch["to"] != "2026-11-30" {
		t.Errorf("changes %v", e["changes"])
	}
}

// TestAuditListPaging: the audit log pages as the console's other keyset
// lists: limit 1..100 (else 400 BAD_LIMIT), a bad cursor 400 BAD_CURSOR,
// next_cursor null on the last page and the page's limit in the answer.
func TestAuditListPaging(t *testing.T) {
	w, ta := newRegWorld(t)
	w.activity(w.cStaf, nil) // created and published: two more entries
	w.activity(w.cStaf, nil)
	for _, q := range []string{"limit=0", "limit=101", "limit=abc", "limit=-1"} {
		expectError(t, ta.do("GET", "/api/v1/console/audit?"+q, w.admin, nil), 400, "BAD_LIMIT")
	}
	expectError(t, ta.do("GET", "/api/v1/console/audit?cursor=%21%21", w.admin, nil), 400, "BAD_CURSOR")
	seen := map[int64]bool{}
	cursor := ""
	for i := 0; ; i++ {
		r := ta.must(ta.do("GET", "/api/v1/console/audit?limit=2&cursor="+cursor, w.admin, nil), 200, "audit page")
		if num(r.Body["limit"]) != 2 {
			t.Fatalf("limit %v", r.Body["limit"])
		}
		for _, e := range items(r) {
			if seen[num(e["id"])] {
				t.Fatalf("entry %v twice", e["id"])
			}
			seen[num(e["id"])] = true
		}
		next, present := r.Body["next_cursor"]
		if !present {
			t.Fatal("next_cursor left out")
		}
		if next == nil {
			break
		}
		cursor = next.(string)
		if i > 50 {
			t.Fatal("no last page")
		}
	}
	if len(seen) < 4 {
		t.Fatalf("only %d entries", len(seen))
	}
}

// TestAuditRecordsBeforeAndAfter: an entry says what changed: the
// changed object's state and the fields the request named, before and
// after (publishing: draft → published; removing a registration:
// confirmed → cancelled; renaming an activity: the old and new title).
func TestAuditRecordsBeforeAndAfter(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, nil)
	aid := num(act["id"])
	resTok, _ := ta.login("audit-before-after")
	regID := w.signUpAsStaffSee(resTok, act)
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.cStaf, map[string]any{"title": "亲子科学讲座（第二期）"}), 200, "rename")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", regID), w.cStaf, map[string]string{"reason": "重复报名"}), 200, "remove")

	list := ta.auditItems(w.admin, "")
	for _, c := range []struct {
		action string
		id     int64
		field  string
		before any
		after  any
	}{
		{"activity.publish", aid, "status", "draft", "published"},
		{"activity.update", aid, "title", "亲子科学讲座", "亲子科学讲座（第二期）"},
		{"registration.remove", regID, "status", "confirmed", "cancelled"},
	} {
		e := findAudit(list, c.action, c.id)
		if e == nil {
			t.Errorf("%s: no entry", c.action)
			continue
		}
		ch, _ := e["changes"].(map[string]any)
		b, _ := ch["before"].(map[string]any)
		a, _ := ch["after"].(map[string]any)
		if b[c.field] != c.before || a[c.field] != c.after {
			t.Errorf("%s: %s before %v after %v, want %v → %v (changes %v)", c.action, c.field, b[c.field], a[c.field], c.before, c.after, ch)
		}
	}
}

// TestAuditOfActivityChangesInTheirTransaction: publishing, renaming and
// cancelling an activity and removing a registration (the activity
// store's own transactions) write their audit entries in the change's
// transaction: when the log cannot take the entry, the change does not
// happen either.
func TestAuditOfActivityChangesInTheirTransaction(t *testing.T) {
	w, ta := newRegWorld(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	draft := num(ta.must(ta.do("POST", "/api/v1/admin/activities", w.cStaf, map[string]any{
		"title": "草稿讲座", "category": "lecture", "description": "动手做实验", "community_id": w.community, "host_org_id": w.org,
		"place":           map[string]any{"address": "阳光社区活动室", "lat": 39.9, "lng": 116.4},
		"signup_opens_at": rfc(time.Now().Add(-time.Hour)), "signup_closes_at": rfc(start.Add(-time.Hour)),
		"sessions": []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 2}},
	}), 201, "draft").Body["id"])
	act := w.activity(w.cStaf, nil)
	aid := num(act["id"])
	resTok, _ := ta.login("audit-tx-resident")
	regID := w.signUpAsStaffSee(resTok, act)

	if err := ta.app.db.G.Exec("ALTER TABLE audit_log RENAME TO audit_log_away").Error; err != nil {
		t.Fatal(err)
	}
	answers := map[string]int{
		"publish": ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", draft), w.cStaf, nil).Status,
		"rename":  ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", aid), w.cStaf, map[string]any{"title": "无日志的标题"}).Status,
		"remove":  ta.do("POST", fmt.Sprintf("/api/v1/admin/registrations/%d/remove", regID), w.cStaf, map[string]string{"reason": "重复报名"}).Status,
		"cancel":  ta.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/cancel", aid), w.cStaf, map[string]string{"reason": "场地维修"}).Status,
	}
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log_away RENAME TO audit_log").Error; err != nil {
		t.Fatal(err)
	}
	for what, status := range answers {
		if status < 500 {
			t.Errorf("%s went through without its audit entry: %d", what, status)
		}
	}
	var a struct {
		Status string
		Title  string
	}
	ta.app.db.G.Table("activities").Select("status, title").Where("id = ?", draft).Scan(&a)
	if a.Status != "draft" {
		t.Errorf("the draft was published without its entry: %s", a.Status)
	}
	ta.app.db.G.Table("activities").Select("status, title").Where("id = ?", aid).Scan(&a)
	if a.Status != "published" || a.Title == "无日志的标题" {
		t.Errorf("the activity changed without its entries: %+v", a)
	}
	var reg string
	ta.app.db.G.Table("registrations").Select("status").Where("id = ?", regID).Scan(&reg)
	if reg != "confirmed" {
		t.Errorf("the registration was removed without its entry: %s", reg)
	}
}

// TestRegistrationExportRecordedBeforeItIsSent: the list of names and
// phones is handed out only once its registration.export entry is
// written; when the log cannot take it, no file is sent.
func TestRegistrationExportRecordedBeforeItIsSent(t *testing.T) {
	w, ta := newRegWorld(t)
	aid := num(w.activity(w.cStaf, nil)["id"])
	path := fmt.Sprintf("/api/v1/admin/activities/%d/registrations/export", aid)
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log RENAME TO audit_log_away").Error; err != nil {
		t.Fatal(err)
	}
	r := ta.do("GET", path, w.cStaf, nil)
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log_away RENAME TO audit_log").Error; err != nil {
		t.Fatal(err)
	}
	if r.Status < 500 {
		t.Fatalf("the list went out without its audit entry: %d %.100s", r.Status, r.Raw)
	}
	ta.must(ta.do("GET", path, w.cStaf, nil), 200, "export")
	if findAudit(ta.auditItems(w.admin, "action=registration.export"), "registration.export", aid) == nil {
		t.Fatal("no entry for the export")
	}
}

// TestAlarmAckAuditedInItsTransaction: a wristband staff member's
// acknowledgement and resolution of an alarm are written with their
// audit entry (before → after status), or not at all.
func TestAlarmAckAuditedInItsTransaction(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("值班员", c1)
	_, imei, _ := w.selfWearer("王女士", c1)
	alarm := num(w.push(imei, "sos", map[string]any{"lat": 30.51, "lng": 114.31}).Body["alarm_id"])
	ack := fmt.Sprintf("/api/v1/admin/wristbands/alarms/%d/ack", alarm)

	if err := w.app.db.G.Exec("ALTER TABLE audit_log RENAME TO audit_log_away").Error; err != nil {
		t.Fatal(err)
	}
	r := w.do("POST", ack, staffTok, map[string]string{"note": "已电话联系"})
	if err := w.app.db.G.Exec("ALTER TABLE audit_log_away RENAME TO audit_log").Error; err != nil {
		t.Fatal(err)
	}
	if r.Status < 500 {
		t.Fatalf("acknowledged without its audit entry: %d %s", r.Status, r.Raw)
	}
	var status string
	w.app.db.G.Table("wristband_alarms").Select("status").Where("id = ?", alarm).Scan(&status)
	if status != "open" {
		t.Fatalf("the alarm is %s without its entry", status)
	}
	w.must(w.do("POST", ack, staffTok, map[string]string{"note": "已电话联系"}), 200, "ack")
	e := findAudit(w.auditItems(w.admin, "action=alarm.ack"), "alarm.ack", alarm)
	if e == nil {
		t.Fatal("no entry for the acknowledgement")
	}
	ch, _ := e["changes"].(map[string]any)
	if b, _ := ch["before"].(map[string]any); b["status"] != "open" {
		t.Errorf("changes %v", ch)
	}
	if a, _ := ch["after"].(map[string]any); a["status"] != "acked" {
		t.Errorf("changes %v", ch)
	}
}

// TestCheckerAppointmentAuditedInItsTransaction: appointing a checker is
// written with its checker.appoint entry, or not at all.
func TestCheckerAppointmentAuditedInItsTransaction(t *testing.T) {
	w, ta := newRegWorld(t)
	aid := num(w.activity(w.cStaf, nil)["id"])
	_, volID := ta.login("audit-checker")
	path := fmt.Sprintf("/api/v1/admin/activities/%d/checkers", aid)
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log RENAME TO audit_log_away").Error; err != nil {
		t.Fatal(err)
	}
	r := ta.do("POST", path, w.cStaf, map[string]any{"user_id": volID})
	if err := ta.app.db.G.Exec("ALTER TABLE audit_log_away RENAME TO audit_log").Error; err != nil {
		t.Fatal(err)
	}
	if r.Status < 500 {
		t.Fatalf("appointed without its audit entry: %d %s", r.Status, r.Raw)
	}
	var n int64
	ta.app.db.G.Table("checkin_checkers").Where("activity_id = ? AND user_id = ?", aid, volID).Count(&n)
	if n != 0 {
		t.Fatal("the checker was appointed without its entry")
	}
	ta.must(ta.do("POST", path, w.cStaf, map[string]any{"user_id": volID}), 201, "appoint")
	if findAudit(ta.auditItems(w.admin, "action=checker.appoint"), "checker.appoint", aid) == nil {
		t.Fatal("no entry for the appointment")
	}
}

// TestAuditOfSubdistrictMattersInThatSubdistrict: a community created in
// a subdistrict, a subdistrict renamed and an admin role granted over a
// subdistrict are that subdistrict's entries (its admin sees them; the
// other subdistrict's admin does not).
func TestAuditOfSubdistrictMattersInThatSubdistrict(t *testing.T) {
	sw, ta := newScopeWorld(t)
	comm := num(ta.must(ta.do("POST", "/api/v1/admin/communities", sw.admin, map[string]any{"name": "东湖二社区", "subdistrict_id": sw.s2}), 201, "community").Body["id"])
	ta.must(ta.do("PATCH", fmt.Sprintf("/api/v1/console/subdistricts/%d", sw.s2), sw.admin, map[string]any{"name": "东湖新街道"}), 200, "rename")
	_, userID := ta.login("future-sub2-admin")
	ta.must(ta.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/roles", userID), sw.admin, map[string]any{"role": "admin", "subdistrict_id": sw.s2}), 200, "grant")
	for _, c := range []struct {
		action string
		id     int64
	}{{"community.create", comm}, {"subdistrict.update", sw.s2}, {"role.grant", userID}} {
		e := findAudit(ta.auditItems(sw.sub2, "action="+c.action), c.action, c.id)
		if e == nil || num(e["subdistrict_id"]) != sw.s2 {
			t.Errorf("%s: not in the second subdistrict's log: %v", c.action, e)
		}
		if e := findAudit(ta.auditItems(sw.sub1, "action="+c.action), c.action, c.id); e != nil {
			t.Errorf("%s: in the first subdistrict's log: %v", c.action, e)
		}
	}
}
