package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gongjian/internal/resident"
	"gongjian/internal/rooms"
)

func TestConsoleDashboard(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.cStaf, func(b map[string]any) {
		start := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
		b["signup_closes_at"] = rfc(start.Add(-time.Hour))
		b["sessions"] = []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 0}}
	})
	for i := range 3 {
		tok, _ := ta.login(fmt.Sprintf("dash-resident-%d", i))
		if r := w.register(tok, sessionID(act, 0), nil, nil); r.Status >= 300 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
	}
	other, err := ta.app.residents.AddCommunity(t.Context(), "别处社区", "")
	if err != nil {
		t.Fatal(err)
	}
	d := ta.must(ta.do("GET", "/api/v1/console/dashboard", w.cStaf, nil), 200, "dashboard")
	today := d.Body["today"].(map[string]any)
	if today["registrations"] != float64(3) {
		t.Fatalf("today: %v", today)
	}
	if today["sessions"] != float64(1) && time.Now().In(time.FixedZone("CST", 8*3600)).Hour() < 22 {
		t.Fatalf("today's sessions: %v", today)
	}
	days := d.Body["signups_by_day"].([]any)
	if len(days) != 1 || days[0].(map[string]any)["category"] != "lecture" || days[0].(map[string]any)["count"] != float64(3) {
		t.Fatalf("sign-ups by day: %v", days)
	}
	// Another community's staff see none of it; narrowing to a community outside the scope is refused.
	otherTok, otherID := ta.login("dash-other-staff")
	ta.grantID(otherID, "staff", other.ID)
	d2 := ta.must(ta.do("GET", "/api/v1/console/dashboard", otherTok, nil), 200, "other dashboard")
	if d2.Body["today"].(map[string]any)["registrations"] != float64(0) || len(d2.Body["signups_by_day"].([]any)) != 0 {
		t.Fatalf("another community's staff see this one's figures: %s", d2.Raw)
	}
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/console/dashboard?community_id=%d", w.community), otherTok, nil), 403, "FORBIDDEN")
	// The district admin narrows at will.
	d3 := ta.must(ta.do("GET", fmt.Sprintf("/api/v1/console/dashboard?community_id=%d", other.ID), w.admin, nil), 200, "narrowed")
	if d3.Body["today"].(map[string]any)["registrations"] != float64(0) {
		t.Fatalf("narrowed to an empty community: %s", d3.Raw)
	}
	residentTok, _ := ta.login("dash-resident-0")
	expectError(t, ta.do("GET", "/api/v1/console/dashboard", residentTok, nil), 403, "FORBIDDEN")
}

// TestConsoleDashboardCobuildAndRooms: the dashboard's co-building and
// rooms figures count what the user's scope holds: a need partly claimed,
// its project, a resident's wish, a booking and one waiting for approval;
// another community's staff see none of it, a unit contact their unit's
// project, and narrowing outside the scope is refused.
func TestConsoleDashboardCobuildAndRooms(t *testing.T) {
	w, ta := newRegWorld(t)
	_, _, _, contact := w.claimedNeed("dash-unit-contact", true)
	resTok := roomResident(w, "dash-booker")
	ta.must(ta.do("POST", "/api/v1/wishes", resTok, map[string]any{"community_id": w.community, "title": "想要一个新书包",
		"description": "孙子上学用", "contact_name": "王阿姨", "contact_phone": "13900009999"}), 201, "wish")

	room := func(name string, approval bool) int64 {
		return num(ta.must(ta.do("POST", "/api/v1/admin/rooms", w.cStaf, map[string]any{"community_id": w.community, "name": name, "kind": "reading_room",
			"place": "二楼", "capacity": 20, "rules": map[string]any{"slot_minutes": 60, "max_minutes": 180, "ahead_days": 60, "needs_approval": approval}}), 201, "room").Body["id"])
	}
	open, strict := room("阅览室", false), room("会议室", true)
	day := roomDay(1)
	for _, id := range []int64{open, strict} {
		ta.must(ta.do("POST", fmt.Sprintf("/api/v1/rooms/%d/bookings", id), resTok, map[string]any{"starts_at": day.Add(9 * time.Hour),
			"ends_at": day.Add(10 * time.Hour), "purpose": "读书会", "attendance": 5}), 201, "booking")
	}
	booked := 0.0
	if day.Before(rooms.WeekStart(time.Now()).AddDate(0, 0, 7)) {
		booked = 60 // tomorrow is in this week (today is not Sunday)
	}

	figures := func(tok, query string) (cb, rm map[string]any) {
		t.Helper()
		cb = ta.must(ta.do("GET", "/api/v1/console/dashboard/cobuild"+query, tok, nil), 200, "cobuild figures").Body
		rm = ta.must(ta.do("GET", "/api/v1/console/dashboard/rooms"+query, tok, nil), 200, "rooms figures").Body
		return cb, rm
	}
	same := func(what string, got any, want string) {
		t.Helper()
		if b, _ := json.Marshal(got); string(b) != want {
			t.Errorf("%s: got %s, want %s", what, b, want)
		}
	}
	for _, who := range []struct{ name, tok, query string }{{"community staff", w.cStaf, ""}, {"district admin", w.admin, ""},
		{"district admin narrowed", w.admin, fmt.Sprintf("?community_id=%d", w.community)}} {
		cb, rm := figures(who.tok, who.query)
		same(who.name+": needs", cb["needs"], `{"claimed":10,"open":1,"quantity":100}`)
		same(who.name+": projects", cb["projects"], `{"active":1,"overdue":0}`)
		same(who.name+": pending", cb["pending"], `{"report_ins":0,"wishes":1}`)
		same(who.name+": rooms", []any{rm["rooms"], rm["today_bookings"], rm["pending_approvals"]}, `[2,0,1]`)
		week := rm["week"].(map[string]any)
		if week["booked_minutes"] != booked || num(week["open_minutes"]) <= 0 || week["utilisation"] != booked/week["open_minutes"].(float64) {
			t.Errorf("%s: the week's utilisation: %v", who.name, week)
		}
	}
	other, err := ta.app.residents.AddCommunity(t.Context(), "别处社区", "")
	if err != nil {
		t.Fatal(err)
	}
	otherTok, otherID := ta.login("dash-cb-other-staff")
	ta.grantID(otherID, "staff", other.ID)
	cb, rm := figures(otherTok, "")
	same("another community's staff", []any{cb["needs"], cb["projects"], cb["pending"], rm["rooms"], rm["pending_approvals"]},
		`[{"claimed":0,"open":0,"quantity":0},{"active":0,"overdue":0},{"report_ins":0,"wishes":0},0,0]`)
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/console/dashboard/rooms?community_id=%d", w.community), otherTok, nil), 403, "FORBIDDEN")
	expectError(t, ta.do("GET", fmt.Sprintf("/api/v1/console/dashboard/cobuild?community_id=%d", w.community), otherTok, nil), 403, "FORBIDDEN")
	cb, _ = figures(contact, "")
	same("the unit contact", []any{cb["needs"], cb["projects"]}, `[{"claimed":0,"open":0,"quantity":0},{"active":1,"overdue":0}]`)
	expectError(t, ta.do("GET", "/api/v1/console/dashboard/cobuild", resTok, nil), 403, "FORBIDDEN")
}

// sse reads server-sent events from a stream.
type sse struct {
	events chan map[string]string
	cancel context.CancelFunc
}

func (ta *testApp) openStream(t *testing.T, path, token string) *sse {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ta.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("stream: %v %v", err, res)
	}
	s := &sse{events: make(chan map[string]string, 16), cancel: cancel}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		ev := map[string]string{}
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				if ev["event"] != "" {
					s.events <- ev
				}
				ev = map[string]string{}
				continue
			}
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, ":") {
				ev[k] = v
			}
		}
		close(s.events)
	}()
	t.Cleanup(cancel)
	return s
}

func (s *sse) next(t *testing.T, within time.Duration) map[string]string {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
	}
	return nil
}

func TestConsoleAlarmStream(t *testing.T) {
	w := newWristbandApp(t)
	c1, c2 := w.community("阳光社区"), w.community("和平社区")
	staffTok, _ := w.staff("值班员", c1)
	otherTok, _ := w.staff("别处值班员", c2)
	_, imei, _ := w.selfWearer("王女士", c1)

	mine := w.openStream(t, "/api/v1/console/alarms/stream", staffTok)
	theirs := w.openStream(t, "/api/v1/console/alarms/stream", otherTok)
	time.Sleep(300 * time.Millisecond) // both streams are past their first round
	pushed := time.Now()
	a := w.push(imei, "sos", map[string]any{"lat": 30.51, "lng": 114.31})
	ev := mine.next(t, 2*time.Second)
	if took := time.Since(pushed); took > time.Second+500*time.Millisecond {
		t.Errorf("the alarm took %s to reach the board", took)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(ev["data"]), &got); err != nil || ev["event"] != "alarm" || num(got["id"]) != num(a.Body["alarm_id"]) ||
		got["holder_name"] != "王女士" || ev["id"] != fmt.Sprint(num(a.Body["alarm_id"])) {
		t.Fatalf("event: %v", ev)
	}
	// Acknowledging it reaches the board as an update.
	w.must(w.do("POST", fmt.Sprintf("/api/v1/admin/wristbands/alarms/%d/ack", num(a.Body["alarm_id"])), staffTok, map[string]string{"note": "已电话联系"}), 200, "ack")
	if up := mine.next(t, 2*time.Second); up["event"] != "alarm_update" || !strings.Contains(up["data"], `"status":"acked"`) {
		t.Fatalf("update: %v", up)
	}
	// Another community's staff never see it.
	select {
	case ev, ok := <-theirs.events:
		if ok {
			t.Fatalf("another community's board got %v", ev)
		}
	case <-time.After(time.Second):
	}
	// A reconnection resumes after the last event it saw.
	r := w.do("GET", "/api/v1/console/alarms/stream?once=true", staffTok, nil, "Last-Event-ID", fmt.Sprint(num(a.Body["alarm_id"])-1))
	if r.Status != 200 || !strings.Contains(string(r.Raw), "event: alarm\n") {
		t.Fatalf("resume: %d %s", r.Status, r.Raw)
	}
}

// grantID grants user id a role scoped to a community.
func (ta *testApp) grantID(id int64, role string, community int64) {
	ta.t.Helper()
	if _, err := ta.app.residents.GrantRole(context.Background(), 0, id, resident.RoleChange{Role: role, CommunityID: community}); err != nil {
		ta.t.Fatal(err)
	}
}
