package main

import (
	"fmt"
	"testing"
	"time"
)

// Issue 3 gives an activity "questions to answer (text/choice, required or
// not)" without naming a question's keys: besides title and options, a
// question's text is read as label, question, prompt or text, and its
// options as choices. The answer keeps its one shape (title, options);
// title wins when both are sent; an unknown key stays refused.
func TestIssue3QuestionsByOtherWords(t *testing.T) {
	w, ta := newRegWorld(t)
	act := w.activity(w.orgStaff, func(b map[string]any) {
		b["questions"] = []map[string]any{
			{"type": "text", "label": "家长电话", "required": true},
			{"type": "choice", "question": "孩子年级", "choices": []string{"一年级", "二年级"}, "required": true},
			{"type": "text", "prompt": "过敏史"},
			{"type": "text", "text": "备注"},
			{"type": "text", "title": "紧急联系人", "label": "联系人"},
		}
	})
	qs, _ := act["questions"].([]any)
	want := []string{"家长电话", "孩子年级", "过敏史", "备注", "紧急联系人"}
	if len(qs) != len(want) {
		t.Fatalf("questions: %v", act["questions"])
	}
	ids := map[string]string{}
	for i, q := range qs {
		m := q.(map[string]any)
		if m["title"] != want[i] {
			t.Fatalf("question %d: title %v, want %s", i, m["title"], want[i])
		}
		ids[want[i]] = m["id"].(string)
	}
	if opts, _ := qs[1].(map[string]any)["options"].([]any); len(opts) != 2 || opts[1] != "二年级" {
		t.Fatalf("choices not kept as options: %v", qs[1])
	}
	tok, _ := w.resident("qwords", "陈一")
	r := w.register(tok, sessionID(act, 0), nil, map[string]string{ids["家长电话"]: "13800000000", ids["孩子年级"]: "二年级"})
	if r.Status != 201 {
		t.Fatalf("sign-up answering them: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.register(tok, sessionID(act, 0), nil, map[string]string{ids["家长电话"]: "13800000000"}), 422, "ANSWER_REQUIRED")
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", num(act["id"])), w.orgStaff,
		map[string]any{"questions": []map[string]any{{"type": "text", "caption": "x"}}}), 400, "UNKNOWN_FIELD")
	// On edit too.
	r = ta.do("PATCH", fmt.Sprintf("/api/v1/admin/activities/%d", num(act["id"])), w.orgStaff,
		map[string]any{"questions": []map[string]any{{"type": "choice", "label": "上衣尺码", "choices": []string{"S", "M"}}}})
	if qs, _ := r.Body["questions"].([]any); r.Status != 200 || len(qs) != 1 || qs[0].(map[string]any)["title"] != "上衣尺码" {
		t.Fatalf("patch questions by label: %d %s", r.Status, r.Raw)
	}
}

// Issue 13 point 1: staff "move a session (PATCH its times)". Besides
// PATCH /admin/activities/{id}/sessions/{session_id}, the session's own
// path PATCH /admin/sessions/{id} (as POST /admin/sessions/{id}/cancel)
// changes it, with the same answer, rules and scope.
func TestIssue13SessionPatchedByItsOwnPath(t *testing.T) {
	w, ta := newRegWorld(t)
	aid, sid := w.lecture() // capacity 2, waitlist 1
	a, _ := w.resident("own1", "陈二")
	b, _ := w.resident("own2", "陈三")
	c, _ := w.resident("own3", "陈四")
	for _, tok := range []string{a, b, c} {
		if r := w.register(tok, sid, nil, nil); r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
	}
	start := time.Now().Add(120 * time.Hour).Truncate(time.Minute)
	r := ta.do("PATCH", fmt.Sprintf("/api/v1/admin/sessions/%d", sid), w.orgStaff,
		map[string]any{"starts_at": rfc(start), "ends_at": rfc(start.Add(90 * time.Minute)), "capacity": 3})
	s, _ := r.Body["session"].(map[string]any)
	if r.Status != 200 || s == nil || num(s["id"]) != sid || s["starts_at"] != rfc(start) || num(r.Body["promoted"]) != 1 || num(s["capacity"]) != 3 {
		t.Fatalf("PATCH /admin/sessions/%d: %d %s", sid, r.Status, r.Raw)
	}
	d := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", aid), "", nil)
	if s0 := d.Body["sessions"].([]any)[0].(map[string]any); s0["starts_at"] != rfc(start) {
		t.Fatalf("moved: %s", d.Raw)
	}
	expectError(t, ta.do("PATCH", fmt.Sprintf("/api/v1/admin/sessions/%d", sid), w.orgStaff, map[string]any{"capacity": 1}), 422, "CAPACITY_BELOW_CONFIRMED")
	expectError(t, ta.do("PATCH", "/api/v1/admin/sessions/99999999", w.orgStaff, map[string]any{"capacity": 5}), 404, "SESSION_NOT_FOUND")
	// Staff of another community see no such session.
	other, _ := ta.staffUser("own-other")
	if r := ta.do("PATCH", fmt.Sprintf("/api/v1/admin/sessions/%d", sid), other, map[string]any{"capacity": 5}); r.Status != 404 {
		t.Fatalf("another community's staff: %d %s", r.Status, r.Raw)
	}
}

// Issue 3: staff "add ... one by hand with a reason". The sign-up's own
// words for whom it is for ("attendees":[{"self":true}|{"dependent_id":N}])
// are read there too, beside dependent_id; both at once is refused.
func TestIssue3StaffAddsByTheSignUpWords(t *testing.T) {
	w, ta := newRegWorld(t)
	aid, sid := w.activity(w.orgStaff, func(b map[string]any) { b["questions"] = []any{} })["id"], int64(0)
	act := ta.do("GET", fmt.Sprintf("/api/v1/activities/%d", num(aid)), "", nil)
	sid = sessionID(act.Body, 0)
	tok, uid := w.resident("byhand", "陈五")
	kid := w.child(tok, "陈小五", 8)
	path := fmt.Sprintf("/api/v1/admin/activities/%d/registrations", num(aid))
	r := ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": uid, "reason": "电话报名",
		"attendees": []map[string]any{{"self": true}, {"dependent_id": kid}}})
	regs, _ := r.Body["registrations"].([]any)
	if r.Status != 201 || len(regs) != 2 || regs[1].(map[string]any)["attendee"].(map[string]any)["name"] != "陈小五" {
		t.Fatalf("attendees: %d %s", r.Status, r.Raw)
	}
	tok2, uid2 := w.resident("byhand2", "陈六")
	kid2 := w.child(tok2, "陈小六", 9)
	expectError(t, ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": uid2, "reason": "电话报名",
		"dependent_id": kid2, "attendees": []map[string]any{{"self": true}}}), 400, "INVALID_ATTENDEES")
	// Someone else's family member stays out of reach.
	expectError(t, ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": uid2, "reason": "电话报名",
		"attendees": []map[string]any{{"dependent_id": kid}}}), 404, "DEPENDENT_NOT_FOUND")
	r = ta.do("POST", path, w.orgStaff, map[string]any{"session_id": sid, "user_id": uid2, "reason": "电话报名", "attendees": []map[string]any{{"dependent_id": kid2}}})
	if r.Status != 201 {
		t.Fatalf("dependent by attendees: %d %s", r.Status, r.Raw)
	}
}

// Issue 3's "has seats" filter answers what a resident just did: the
// activity whose last seat was just taken is gone from ?has_seats=true at
// once, and back at once when the seat is given up (it used to lag the
// sign-up every time: the filter's column was refreshed after the answer).
func TestIssue3HasSeatsRightAfterSignUpAndCancel(t *testing.T) {
	w, ta := newRegWorld(t)
	listed := func(id int64) (bool, int64) {
		r := ta.do("GET", "/api/v1/activities?has_seats=true&page_size=100", "", nil)
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Raw)
		}
		for _, it := range items(r) {
			if num(it["id"]) == id {
				return true, num(r.Body["total"])
			}
		}
		return false, num(r.Body["total"])
	}
	for i := 0; i < 5; i++ {
		act := w.activity(w.orgStaff, func(b map[string]any) {
			b["questions"] = []any{}
			b["sessions"] = []map[string]any{{"starts_at": rfc(time.Now().Add(50 * time.Hour)), "ends_at": rfc(time.Now().Add(51 * time.Hour)), "capacity": 1, "waitlist_capacity": 0}}
		})
		id := num(act["id"])
		tok, _ := w.resident(fmt.Sprintf("seats%d", i), "")
		r := w.register(tok, sessionID(act, 0), nil, map[string]string{})
		if r.Status != 201 {
			t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
		}
		if in, total := listed(id); in || total != 0 {
			t.Fatalf("round %d: the full activity is listed with seats (total %d)", i, total)
		}
		rid := num(r.Body["registrations"].([]any)[0].(map[string]any)["id"])
		if c := ta.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", rid), tok, nil); c.Status != 200 {
			t.Fatalf("cancel: %d %s", c.Status, c.Raw)
		}
		if in, total := listed(id); !in || total != 1 {
			t.Fatalf("round %d: the freed seat is not listed (total %d)", i, total)
		}
		// Taken again for the next round: this activity stays full.
		if r := w.register(tok, sessionID(act, 0), nil, map[string]string{}); r.Status != 201 {
			t.Fatalf("sign-up again: %d %s", r.Status, r.Raw)
		}
		if in, _ := listed(id); in {
			t.Fatalf("round %d: listed after the second sign-up", i)
		}
	}
}

// Issue 3 lists a sign-up window among an activity's fields but does not
// make it required: an activity created without one opens for sign-up at
// once and closes when its last session starts (each session still takes
// no sign-up once it has started). Given, it is kept as given; one side
// given takes the other's default.
func TestIssue3ActivityWithoutSignUpWindow(t *testing.T) {
	w, ta := newRegWorld(t)
	first := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	last := first.Add(7 * 24 * time.Hour)
	before := time.Now().Add(-time.Second)
	act := w.activity(w.orgStaff, func(b map[string]any) {
		delete(b, "signup_opens_at")
		delete(b, "signup_closes_at")
		b["sessions"] = []map[string]any{
			{"starts_at": rfc(last), "ends_at": rfc(last.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 0},
			{"starts_at": rfc(first), "ends_at": rfc(first.Add(time.Hour)), "capacity": 5, "waitlist_capacity": 0},
		}
	})
	opens, err1 := time.Parse(time.RFC3339, act["signup_opens_at"].(string))
	closes, err2 := time.Parse(time.RFC3339, act["signup_closes_at"].(string))
	if err1 != nil || err2 != nil || opens.Before(before.Truncate(time.Second)) || opens.After(time.Now()) || !closes.Equal(last) {
		t.Fatalf("default window: opens %v closes %v (want now and %v)", act["signup_opens_at"], act["signup_closes_at"], rfc(last))
	}
	tok, _ := w.resident("nowindow", "孙一")
	if r := w.register(tok, sessionID(act, 0), nil, nil); r.Status != 201 {
		t.Fatalf("sign-up in the default window: %d %s", r.Status, r.Raw)
	}
	// One side given: the other defaults.
	closesAt := first.Add(-time.Hour)
	act = w.activity(w.orgStaff, func(b map[string]any) {
		delete(b, "signup_opens_at")
		b["signup_closes_at"] = rfc(closesAt)
	})
	if act["signup_closes_at"] != rfc(closesAt) {
		t.Fatalf("closes_at given: %v", act["signup_closes_at"])
	}
	opensAt := time.Now().Add(time.Hour).Truncate(time.Second)
	act = w.activity(w.orgStaff, func(b map[string]any) {
		delete(b, "signup_closes_at")
		b["signup_opens_at"] = rfc(opensAt)
	})
	if act["signup_opens_at"] != rfc(opensAt) || act["signup_closes_at"] != rfc(first) {
		t.Fatalf("opens_at given: %v %v", act["signup_opens_at"], act["signup_closes_at"])
	}
	// A window given wrong is still refused.
	r := ta.do("POST", "/api/v1/admin/activities", w.orgStaff, map[string]any{"title": "讲座", "category": "lecture", "community_id": w.community, "host_org_id": w.org,
		"place": map[string]any{"address": "活动室"}, "signup_opens_at": rfc(first), "signup_closes_at": rfc(first.Add(-time.Hour)),
		"sessions": []map[string]any{{"starts_at": rfc(first), "ends_at": rfc(first.Add(time.Hour)), "capacity": 5}}})
	expectError(t, r, 400, "INVALID_SIGNUP_WINDOW")
}

// Issue 4: the in-app message list comes "with unread counts": the count
// is given as unread and, in the words a client may look for, as
// unread_count, in the list and in the answer to reading one.
func TestIssue4MessagesUnreadCount(t *testing.T) {
	w, ta := newRegWorld(t)
	tok, _, _, _ := w.signedUpForLecture("unread", "郑一")
	r := ta.do("GET", "/api/v1/me/messages", tok, nil)
	if r.Status != 200 || len(items(r)) != 1 || num(r.Body["unread"]) != 1 || num(r.Body["unread_count"]) != 1 {
		t.Fatalf("messages: %d %s", r.Status, r.Raw)
	}
	read := ta.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", num(items(r)[0]["id"])), tok, nil)
	if _, ok := read.Body["unread_count"]; read.Status != 200 || !ok || num(read.Body["unread_count"]) != 0 || num(read.Body["unread"]) != 0 {
		t.Fatalf("read: %d %s", read.Status, read.Raw)
	}
}

// The "has seats" list's total follows the seats too: a page full of
// activities with seats, asked again after one of them filled up, counts
// it out at once (the total was reused for two seconds).
func TestIssue3HasSeatsTotalRightAfterSignUp(t *testing.T) {
	w, ta := newRegWorld(t)
	var sids []int64
	for i := 0; i < 3; i++ {
		act := w.activity(w.orgStaff, func(b map[string]any) {
			b["questions"] = []any{}
			b["sessions"] = []map[string]any{{"starts_at": rfc(time.Now().Add(time.Duration(50+i) * time.Hour)), "ends_at": rfc(time.Now().Add(time.Duration(51+i) * time.Hour)), "capacity": 1, "waitlist_capacity": 0}}
		})
		sids = append(sids, sessionID(act, 0))
	}
	total := func() int64 {
		r := ta.do("GET", "/api/v1/activities?has_seats=true&page=1&page_size=2", "", nil)
		if r.Status != 200 || len(items(r)) != 2 {
			t.Fatalf("list: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["total"])
	}
	if n := total(); n != 3 {
		t.Fatalf("total %d, want 3", n)
	}
	tok, _ := w.resident("fills", "冯一")
	if r := w.register(tok, sids[2], nil, map[string]string{}); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	if n := total(); n != 2 {
		t.Fatalf("total %d after one filled up, want 2", n)
	}
}
