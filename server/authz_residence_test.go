package main

import "fmt"

// residenceRows are confirmed residence's routes (issue 13 point 5): every
// resident applies and sees their own; the staff of the application's
// community (and admins) decide; another community's or an organisation's
// staff are told it does not exist.
func (w *authzWorld) residenceRows() []authzRow {
	ok, created := 200, 201
	lists := st(401, 403, 403, ok, ok, ok, ok)
	decide := st(401, 403, 403, 404, ok, 404, ok)
	return []authzRow{
		{"GET /api/v1/me/residence", st(401, ok, ok, ok, ok, ok, ok), func(int) authzCall { return p2("/api/v1/me/residence") }},
		{"POST /api/v1/me/residence/applications", st(401, created, created, created, created, created, created), func(int) authzCall {
			return authzCall{path: "/api/v1/me/residence/applications", body: w.residenceBody()}
		}},
		{"GET /api/v1/admin/residence/applications", lists, func(int) authzCall { return p2("/api/v1/admin/residence/applications?status=pending") }},
		{"POST /api/v1/admin/residence/applications/{id}/approve", decide, func(int) authzCall {
			return p2("/api/v1/admin/residence/applications/%d/approve", w.residenceApplication(false))
		}},
		{"POST /api/v1/admin/residence/applications/{id}/reject", decide, func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/residence/applications/%d/reject", w.residenceApplication(false)), body: map[string]string{"reason": "地址不在本社区"}}
		}},
		{"POST /api/v1/admin/residence/applications/{id}/recheck", decide, func(int) authzCall {
			return p2("/api/v1/admin/residence/applications/%d/recheck", w.residenceApplication(true))
		}},
	}
}

func (w *authzWorld) residenceBody() map[string]any {
	return map[string]any{"community_id": w.commA, "address": "幸福路88号阳光小区", "building": "3号楼", "unit": "2单元301"}
}

// residenceApplication has a fresh resident apply to live in community A
// (approved by an admin when approved is set) and returns its id.
func (w *authzWorld) residenceApplication(approved bool) int64 {
	w.t.Helper()
	tok, _ := w.user("applicant")
	id := num(w.must(w.ta.do("POST", "/api/v1/me/residence/applications", tok, w.residenceBody()), 201, "application").Body["id"])
	if approved {
		w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/residence/applications/%d/approve", id), w.tok[admin], nil), 200, "approve")
	}
	return id
}
