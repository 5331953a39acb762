package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/httpapi"
	"gongjian/internal/media"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// cbFixture is co-building's part of the authorization world: unit A
// (co-building with community A, contact unitA), unit B (community B,
// contact unitB), a need of community A claimed by unit A, its project.
type cbFixture struct {
	unitA, unitB   int64
	need           int64 // community A's need, partly claimed by unit A
	claim, project int64 // unit A's claim of it and its project
	wish           int64 // the owner's wish, accepted and claimed by unit A
	wishNeed       int64 // the need the owner's wish became
	proposal       int64 // the owner's proposal
	resource       int64 // unit A's resource for community A
}

const authzPushToken = "authz-push-token"

// cobuildPersonas creates the two units and their contacts.
func (w *authzWorld) cobuildPersonas() {
	w.t.Helper()
	unit := func(name string, comm int64) int64 {
		r := w.must(w.ta.do("POST", "/api/v1/admin/units", w.tok[admin], map[string]any{"name": name, "kind": "hospital", "communities": []int64{comm},
			"contacts": []map[string]string{{"name": "周联络", "phone": "13700001234"}}}), 201, "unit")
		return num(r.Body["id"])
	}
	w.cb.unitA, w.cb.unitB = unit("区疾控中心", w.commA), unit("区检察院", w.commB)
	for _, p := range []struct {
		persona int
		name    string
		unit    int64
	}{{unitA, "authz-unit-a", w.cb.unitA}, {unitB, "authz-unit-b", w.cb.unitB}} {
		w.tok[p.persona], w.id[p.persona] = w.ta.login(p.name)
		w.must(w.ta.do("PATCH", "/api/v1/me", w.tok[p.persona], map[string]any{"community_id": w.commA}), 200, "contact profile")
		w.ta.confirmResidence(w.id[p.persona], w.commA)
		w.grant(w.id[p.persona], resident.RoleChange{Role: "unit_contact", OrgID: p.unit})
	}
	w.cb.need = w.cbNeed(true)
	w.cb.claim, w.cb.project = w.cbClaim(w.cb.need)
	w.cb.wish = w.cbWish(w.tok[owner])
	r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/admin/wishes/%d/review", w.cb.wish), w.tok[staffA], map[string]any{"decision": "accept",
		"need": map[string]any{"category": "children_study", "quantity": 1, "quantity_unit": "个"}}), 200, "accept wish")
	w.cb.wishNeed = num(r.Body["need_id"])
	w.cbClaim(w.cb.wishNeed)
	w.cb.proposal = w.cbProposal(w.tok[owner])
	w.cb.resource = num(w.must(w.ta.do("POST", "/api/v1/resources", w.tok[unitA], w.cbResourceBody()), 201, "resource").Body["id"])
}

// cbResourceBody is a resource of unit A for community A.
// cbDecline calls the review of kind ("wishes", "proposals") declining
// *existing, or, when the call is allowed (it decides), a new one that
// persona submits through create.
func (w *authzWorld) cbDecline(kind string, existing *int64, persona string, create func(string) int64, reason string) func(int) authzCall {
	return func(int) authzCall {
		id := *existing
		if w.allowed {
			tok, _ := w.user(persona)
			id = create(tok)
		}
		return authzCall{path: fmt.Sprintf("/api/v1/admin/%s/%d/review", kind, id), body: map[string]any{"decision": "decline", "reason": reason}}
	}
}

func (w *authzWorld) cbResourceBody() map[string]any {
	return map[string]any{"unit_id": w.cb.unitA, "kind": "expert", "title": "专家义诊", "quantity": 100, "quantity_unit": "人次",
		"communities": []int64{w.commA}, "valid_from": time.Now().Add(-time.Hour), "valid_to": time.Now().Add(90 * 24 * time.Hour)}
}

// cbMember is a fresh party member of community A, reported in (pending).
func (w *authzWorld) cbMember() int64 {
	w.t.Helper()
	tok, id := w.user("member")
	w.grant(id, resident.RoleChange{Role: "party_member"})
	w.must(w.ta.do("POST", "/api/v1/me/report-in", tok, map[string]any{"workplace_org_id": w.partyOrg}), 201, "member report in")
	return id
}

// cbWish is a fresh pending wish of tok's (a resident of community A).
func (w *authzWorld) cbWish(tok string) int64 {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/wishes", tok, map[string]any{"community_id": w.commA, "title": "想要一个新书包",
		"description": "孙子上学用", "contact_name": "王阿姨", "contact_phone": "13900009999"}), 201, "wish")
	return num(r.Body["id"])
}

func (w *authzWorld) cbProposal(tok string) int64 {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/proposals", tok, map[string]any{"community_id": w.commA, "title": "小区增设充电桩",
		"description": "电动车充电难，建议在车棚增设充电桩"}), 201, "proposal")
	return num(r.Body["id"])
}

// pushQuery signs a message push as WeChat does.
func pushQuery() string {
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "n0nce"
	return "signature=" + wxemu.PushSignature(authzPushToken, ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce
}

// cbNeed publishes a need of community A (as its staff).
func (w *authzWorld) cbNeed(shareable bool) int64 {
	w.t.Helper()
	r := w.must(w.ta.do("POST", "/api/v1/needs", w.tok[staffA], map[string]any{"community_id": w.commA, "category": "elderly_care",
		"title": "独居老人助餐", "description": "每日送餐", "quantity": 100, "quantity_unit": "份", "shareable": shareable}), 201, "need")
	return num(r.Body["id"])
}

// cbClaim has unit A claim 10 of a need; it returns the claim and project.
func (w *authzWorld) cbClaim(need int64) (int64, int64) {
	w.t.Helper()
	r := w.must(w.ta.do("POST", fmt.Sprintf("/api/v1/needs/%d/claims", need), w.tok[unitA], map[string]any{"unit_id": w.cb.unitA, "quantity": 10}), 201, "claim")
	return num(r.Body["id"]), num(r.Body["project_id"])
}

// cbDelivered is a fresh project of unit A, delivered; with ownerWish the
// need came from the owner's wish (the owner may rate it).
func (w *authzWorld) cbDelivered(ownerWish bool) int64 {
	w.t.Helper()
	need := w.cbNeed(false)
	if ownerWish {
		if err := w.ta.app.db.G.Exec(`INSERT INTO cobuild_wishes (user_id, community_id, title, status, sec_status, need_id, created_at, updated_at)
			VALUES (?, ?, '给孙子买书包', 'accepted', 'pass', ?, ?, ?)`, w.id[owner], w.commA, need, time.Now().UTC(), time.Now().UTC()).Error; err != nil {
			w.t.Fatal(err)
		}
	}
	_, project := w.cbClaim(need)
	path := fmt.Sprintf("/api/v1/projects/%d/progress", project)
	w.must(w.ta.do("POST", path, w.tok[unitA], map[string]any{"action": "start"}), 200, "start")
	photo := w.must(w.ta.upload(w.tok[unitA], testJPEG(w.t, 24, 24), false), 201, "evidence").str("url")
	w.must(w.ta.do("POST", path, w.tok[unitA], map[string]any{"action": "deliver",
		"evidence": map[string]any{"served": 12, "photos": []string{photo}}}), 200, "deliver")
	return project
}

// unitsXLSX is an import file of one fresh unit.
func (w *authzWorld) unitsXLSX() (string, []string) {
	w.t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"单位名称", "单位类型", "共建社区", "联系人", "联系电话"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{w.name("导入单位"), "企业", "阳光社区", "钱联络", "13600001111"})
	var x bytes.Buffer
	if err := f.Write(&x); err != nil {
		w.t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "units.xlsx")
	fw.Write(x.Bytes())
	mw.Close()
	return body.String(), []string{"Content-Type", mw.FormDataContentType()}
}

// cobuildRows are co-building's routes (issue 15).
func (w *authzWorld) cobuildRows() []authzRow {
	ok, created := 200, 201
	pub := stu(st(ok, ok, ok, ok, ok, ok, ok), ok, ok)
	loggedIn := stu(st(401, ok, ok, ok, ok, ok, ok), ok, ok)
	loggedIn2 := func(code int) [personas]int { return stu(st(401, code, code, code, code, code, code), code, code) }
	// Staff of community A (and admins) act on its needs and projects.
	commStaff := func(code int) [personas]int { return stu(st(401, 403, 403, 403, code, 403, code), 403, 403) }
	fixed := func(path string, body any) func(int) authzCall {
		return func(int) authzCall { return authzCall{path: path, body: body} }
	}
	return []authzRow{
		// Admins and the staff of the unit's communities register units
		// (community A here); staff of B import a file of A's units: its
		// row is refused, nothing is imported.
		{"POST /api/v1/admin/units", commStaff(created), func(int) authzCall {
			return authzCall{path: "/api/v1/admin/units", body: map[string]any{"name": w.name("共建单位"), "kind": "school", "communities": []int64{w.commA}}}
		}},
		{"POST /api/v1/admin/units/import", stu(st(401, 403, 403, 422, created, 403, created), 403, 403), func(int) authzCall {
			body, h := w.unitsXLSX()
			return authzCall{path: "/api/v1/admin/units/import", body: body, headers: h}
		}},
		// Admins suspend and reactivate units ("active" keeps unit A as
		// the other rows need it).
		{"PATCH /api/v1/admin/units/{id}", stu(st(401, 403, 403, 403, 403, 403, ok), 403, 403), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/admin/units/%d", w.cb.unitA), body: map[string]string{"status": "active"}}
		}},
		{"GET /api/v1/units", pub, fixed("/api/v1/units", nil)},
		{"GET /api/v1/units/{id}", pub, func(int) authzCall { return p2("/api/v1/units/%d", w.cb.unitA) }},
		{"GET /api/v1/me/units", loggedIn, fixed("/api/v1/me/units", nil)},
		{"GET /api/v1/needs", pub, fixed("/api/v1/needs", nil)},
		{"GET /api/v1/needs/{id}", pub, func(int) authzCall { return p2("/api/v1/needs/%d", w.cb.need) }},
		{"POST /api/v1/needs", commStaff(created), fixed("/api/v1/needs", map[string]any{"community_id": w.commA, "category": "health",
			"title": "义诊", "quantity": 2, "quantity_unit": "场"})},
		// Only unit A's contact (and admins) claim for unit A.
		{"POST /api/v1/needs/{id}/claims", stu(st(401, 403, 403, 403, 403, 403, created), created, 403), func(int) authzCall {
			need := w.cb.need
			if w.allowed {
				need = w.cbNeed(true)
			}
			return authzCall{path: fmt.Sprintf("/api/v1/needs/%d/claims", need), body: map[string]any{"unit_id": w.cb.unitA, "quantity": 5}}
		}},
		// Another unit's contact (and anyone else) is refused, as claiming
		// for another unit is: the claim is public on its project.
		{"POST /api/v1/claims/{id}/withdraw", stu(st(401, 403, 403, 403, 403, 403, ok), ok, 403), func(int) authzCall {
			claim := w.cb.claim
			if w.allowed {
				claim, _ = w.cbClaim(w.cbNeed(true))
			}
			return p2("/api/v1/claims/%d/withdraw", claim)
		}},
		{"GET /api/v1/projects", pub, fixed("/api/v1/projects", nil)},
		{"GET /api/v1/projects/{id}", pub, func(int) authzCall { return p2("/api/v1/projects/%d", w.cb.project) }},
		{"POST /api/v1/projects/{id}/progress", stu(commStaff(ok), ok, 403), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/projects/%d/progress", w.cb.project),
				body: map[string]any{"action": "progress", "milestones": []map[string]string{{"title": "招募志愿者"}}}}
		}},
		{"POST /api/v1/projects/{id}/evaluation", commStaff(ok), func(int) authzCall {
			project := w.cb.project
			if w.allowed {
				project = w.cbDelivered(false)
			}
			return authzCall{path: fmt.Sprintf("/api/v1/projects/%d/evaluation", project), body: map[string]any{"score": 5, "comment": "服务到位"}}
		}},
		// Wishes: the author, the community's staff and the claiming unit.
		{"POST /api/v1/wishes", loggedIn2(created), func(int) authzCall {
			return authzCall{path: "/api/v1/wishes", body: map[string]any{"community_id": w.commA, "title": "修门锁", "contact_phone": "13500001111"}}
		}},
		{"GET /api/v1/me/wishes", loggedIn, fixed("/api/v1/me/wishes", nil)},
		{"GET /api/v1/wishes/{id}", stu(st(401, ok, 404, 404, ok, 404, ok), ok, 404), func(int) authzCall { return p2("/api/v1/wishes/%d", w.cb.wish) }},
		// The wishes behind a need: its community's staff and the units
		// that claimed it, not the wish's author nor other units.
		{"GET /api/v1/needs/{id}/wishes", stu(st(401, 403, 403, 403, ok, 403, ok), ok, 403), func(int) authzCall { return p2("/api/v1/needs/%d/wishes", w.cb.wishNeed) }},
		{"GET /api/v1/admin/wishes", stu(st(401, 403, 403, ok, ok, 403, ok), 403, 403), fixed("/api/v1/admin/wishes?status=accepted", nil)},
		{"POST /api/v1/admin/wishes/{id}/review", stu(st(401, 403, 403, 404, ok, 404, ok), 403, 403), w.cbDecline("wishes", &w.cb.wish, "wisher", w.cbWish, "已有类似服务")},
		{"GET /api/v1/proposals", pub, fixed(fmt.Sprintf("/api/v1/proposals?community_id=%d", w.commA), nil)},
		{"GET /api/v1/proposals/{id}", pub, func(int) authzCall { return p2("/api/v1/proposals/%d", w.cb.proposal) }},
		{"POST /api/v1/proposals", loggedIn2(created), fixed("/api/v1/proposals", map[string]any{"community_id": w.commA, "title": "楼道照明", "description": "楼道灯坏了很久"})},
		// Residents of community A other than the author (the staff
		// personas have chosen no community).
		{"POST /api/v1/proposals/{id}/supports", stu(st(401, 422, created, 403, 403, 403, 403), created, created), func(int) authzCall {
			return p2("/api/v1/proposals/%d/supports", w.cb.proposal)
		}},
		{"POST /api/v1/admin/proposals/{id}/review", stu(st(401, 403, 403, 404, ok, 404, ok), 403, 403), w.cbDecline("proposals", &w.cb.proposal, "proposer", w.cbProposal, "不属于社区事务")},
		// WeChat's push: signed with the push token, whoever sends it.
		{"GET /api/v1/wechat/push", pub, func(int) authzCall { return authzCall{path: "/api/v1/wechat/push?echostr=abc&" + pushQuery()} }},
		{"POST /api/v1/wechat/push", pub, func(int) authzCall {
			return authzCall{path: "/api/v1/wechat/push?" + pushQuery(), body: map[string]any{"Event": "wxa_media_check", "trace_id": "unknown-trace",
				"result": map[string]any{"suggest": "pass", "label": 100}}}
		}},
		{"GET /api/v1/wechat/media/{id}", pub, func(int) authzCall {
			link, _ := httpapi.SignedMediaURL(httpapi.WeChatPush{Token: authzPushToken, PublicBaseURL: "http://127.0.0.1:1"}, time.Now)(media.RefPrefix + w.upload)
			return authzCall{path: strings.TrimPrefix(link, "http://127.0.0.1:1")}
		}},
		// Resources: unit A's contact publishes; community A's staff claim.
		{"GET /api/v1/resources", pub, fixed("/api/v1/resources", nil)},
		{"GET /api/v1/resources/{id}", pub, func(int) authzCall { return p2("/api/v1/resources/%d", w.cb.resource) }},
		{"POST /api/v1/resources", stu(st(401, 403, 403, 403, 403, 403, created), created, 403), func(int) authzCall {
			return authzCall{path: "/api/v1/resources", body: w.cbResourceBody()}
		}},
		{"POST /api/v1/resources/{id}/claims", commStaff(created), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/resources/%d/claims", w.cb.resource), body: map[string]any{"community_id": w.commA, "quantity": 1}}
		}},
		// Report-ins: party members report; the community's staff confirm.
		{"POST /api/v1/me/report-in", stu(st(401, created, 403, 403, 403, 403, 403), 403, 403), fixed("/api/v1/me/report-in",
			map[string]any{"community_id": w.commA, "workplace_org_id": w.partyOrg})},
		{"GET /api/v1/me/report-in", stu(st(401, ok, 404, 404, 404, 404, 404), 404, 404), fixed("/api/v1/me/report-in", nil)},
		{"GET /api/v1/admin/report-ins", stu(st(401, 403, 403, ok, ok, 403, ok), 403, 403), fixed("/api/v1/admin/report-ins", nil)},
		{"POST /api/v1/admin/report-ins/{user_id}/review", stu(st(401, 403, 403, 404, ok, 404, ok), 403, 403), func(int) authzCall {
			member := w.id[owner]
			if w.allowed {
				member = w.cbMember()
			}
			return authzCall{path: fmt.Sprintf("/api/v1/admin/report-ins/%d/review", member), body: map[string]any{"confirm": true}}
		}},
		// Reports: a unit's for admins, its contacts and its communities' staff.
		{"GET /api/v1/units/{id}/report", stu(st(401, 403, 403, 403, ok, 403, ok), ok, 403), func(int) authzCall { return p2("/api/v1/units/%d/report", w.cb.unitA) }},
		{"GET /api/v1/admin/cobuild/report", commStaff(ok), fixed(fmt.Sprintf("/api/v1/admin/cobuild/report?community_id=%d", w.commA), nil)},
		{"GET /api/v1/admin/cobuild/agenda", commStaff(ok), fixed(fmt.Sprintf("/api/v1/admin/cobuild/agenda?community_id=%d", w.commA), nil)},
		// Beneficiaries only: here the owner, whose wish became the need.
		{"POST /api/v1/projects/{id}/ratings", stu(st(401, created, 403, 403, 403, 403, 403), 403, 403), func(int) authzCall {
			return authzCall{path: fmt.Sprintf("/api/v1/projects/%d/ratings", w.cbDelivered(true)), body: map[string]any{"score": 4, "comment": "很满意"}}
		}},
	}
}
