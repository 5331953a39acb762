package main

import (
	"fmt"

	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// reviewRows are the routes of the second review (issue 12) and of issue
// 13's hours points: corrections waiting for a second approval and the
// review queue of presences.
func (w *authzWorld) reviewRows() []authzRow {
	ok := 200
	lists := st(401, 403, 403, ok, ok, ok, ok)
	// Staff of the activity (community A, host organisation) and admins;
	// another community's staff are refused.
	decide := st(401, 403, 403, 403, ok, ok, ok)
	return []authzRow{
		{"GET /api/v1/admin/hours/corrections", lists, func(int) authzCall { return p2("/api/v1/admin/hours/corrections") }},
		{"POST /api/v1/admin/hours/corrections/{id}/approve", decide, func(int) authzCall {
			return p2("/api/v1/admin/hours/corrections/%d/approve", w.pendingCorrection())
		}},
		{"POST /api/v1/admin/hours/corrections/{id}/reject", decide, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/hours/corrections/%d/reject", w.pendingCorrection()), body: map[string]string{"reason": "无依据"}}
		}},
		// Any wristband staff may issue a bind code for an unbound device
		// (devices belong to no community until bound).
		{"POST /api/v1/admin/wristbands/{id}/bind-code", st(401, 403, 403, 201, 201, 403, 201), func(int) authzCall {
			return p2("/api/v1/admin/wristbands/%d/bind-code", w.spareDevice())
		}},
		{"GET /api/v1/admin/presences", lists, func(int) authzCall { return p2("/api/v1/admin/presences") }},
		{"POST /api/v1/admin/presences/{id}/approve", decide, func(int) authzCall {
			return p2("/api/v1/admin/presences/%d/approve", w.presenceInReview())
		}},
		{"POST /api/v1/admin/presences/{id}/reject", decide, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/presences/%d/reject", w.presenceInReview()), body: map[string]string{"note": "签退时已离开"}}
		}},
	}
}

// pendingCorrection has a staff member of community A (not one of the
// personas) ask for a correction over the approval size of a fresh entry.
func (w *authzWorld) pendingCorrection() int64 {
	w.t.Helper()
	tok, id := w.user("corrector")
	w.grant(id, resident.RoleChange{Role: "staff", CommunityID: w.commA})
	r := w.must(w.ta.do("POST", "/api/v1/admin/hours/corrections", tok, map[string]any{"entry_id": w.freshEntry(), "minutes": 540, "reason": "通宵值守漏记"}), 202, "large correction")
	return num(r.Body["id"])
}

// presenceInReview has a fresh volunteer of the session under way check in
// on the spot and out far from it: the presence waits for review.
func (w *authzWorld) presenceInReview() int64 {
	w.t.Helper()
	tok, id, _ := w.addToNow()
	code := w.must(w.ta.do("GET", fmt.Sprintf("/api/v1/admin/sessions/%d/rotating-code", w.nowS), w.tok[admin], nil), 200, "code").str("code")
	w.must(w.ta.do("POST", "/api/v1/self-checkins", tok, map[string]any{"code": code, "lat": 31.2304, "lng": 121.4737, "action": "in"}), 200, "in")
	out := w.must(w.ta.do("POST", "/api/v1/self-checkins", tok, map[string]any{"code": code, "lat": 31.3304, "lng": 121.4737, "action": "out"}), 200, "out")
	if out.Body["in_review"] != true {
		w.t.Fatalf("an away check-out not held for review: %s", out.Raw)
	}
	var pid int64
	if err := w.ta.app.db.G.Table("self_presences").Select("id").Where("user_id = ? AND session_id = ?", id, w.nowS).Scan(&pid).Error; err != nil || pid == 0 {
		w.t.Fatalf("presence of %d: %v", id, err)
	}
	return pid
}

// spareDevice registers an unbound wristband and returns its id.
func (w *authzWorld) spareDevice() int64 {
	w.t.Helper()
	p := fmt.Sprintf("35%012d", 900000+w.seq.Add(1))
	imei := p + string(wristband.LuhnDigit(p))
	w.must(w.ta.do("POST", "/api/v1/admin/wristbands", w.tok[admin], map[string]any{"items": []map[string]string{{"imei": imei, "model": "W1", "vendor": "acme"}}}), 201, "device")
	r := w.must(w.ta.do("GET", "/api/v1/admin/wristbands?imei="+imei, w.tok[admin], nil), 200, "device list")
	return num(items(r)[0]["id"])
}
