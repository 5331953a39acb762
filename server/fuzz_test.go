package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// handlerApp is the composition root for fuzz targets (which have no
// *testing.T for newTestApp): requests go straight into the handler.
type handlerApp struct {
	tb    testing.TB
	app   *App
	appID string
}

func newHandlerApp(tb testing.TB, opts ...appOption) *handlerApp {
	tb.Helper()
	cfg, appID := testConfig(tb, append([]appOption{func(c *config.Config) {
		c.Limits = config.Limits{}
		c.Notify.Workers = false
	}}, opts...)...)
	app, err := build(context.Background(), cfg, slog.New(slog.DiscardHandler), true)
	if err != nil {
		tb.Fatalf("build: %v", err)
	}
	tb.Cleanup(app.Close)
	return &handlerApp{tb: tb, app: app, appID: appID}
}

func (h *handlerApp) do(method, path, token string, body []byte, headers ...string) resp {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.app.handler.ServeHTTP(rec, req)
	out := resp{Status: rec.Code, Raw: rec.Body.Bytes(), Header: rec.Header()}
	_ = json.Unmarshal(out.Raw, &out.Body)
	return out
}

func (h *handlerApp) doJSON(method, path, token string, v any) resp {
	b, _ := json.Marshal(v)
	return h.do(method, path, token, b)
}

func (h *handlerApp) login(name string) string {
	r := h.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"code": wxemu.LoginCode(name)})
	if r.Status != 200 {
		h.tb.Fatalf("login %s: %d %s", name, r.Status, r.Raw)
	}
	return r.str("token")
}

// FuzzRegistrationRequest posts arbitrary sign-up bodies and
// Idempotency-Keys to the real API: the answer is a sign-up (201) or an
// error a resident can read (JSON, machine code, Chinese message), never a
// 500 or a panic; nobody is ever signed up twice or beyond capacity.
func FuzzRegistrationRequest(f *testing.F) {
	h := newHandlerApp(f)
	ctx := context.Background()
	admin := h.login("admin")
	if _, err := h.app.residents.GrantRoleByOpenID(ctx, wxemu.OpenID(h.appID, "admin"), resident.RoleChange{Role: "admin"}); err != nil {
		f.Fatal(err)
	}
	community := num(h.doJSON("POST", "/api/v1/admin/communities", admin, map[string]string{"name": "阳光社区"}).Body["id"])
	org := num(h.doJSON("POST", "/api/v1/admin/organizations", admin, map[string]any{"name": "区青少年宫", "type": "co_building_unit", "community_ids": []int64{community}}).Body["id"])
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	r := h.doJSON("POST", "/api/v1/admin/activities", admin, map[string]any{
		"title": "亲子科学讲座", "category": "lecture", "community_id": community, "host_org_id": org,
		"place":           map[string]any{"address": "阳光社区活动室", "lat": 39.9, "lng": 116.4},
		"signup_opens_at": rfc(time.Now().Add(-time.Hour)), "signup_closes_at": rfc(start.Add(-time.Hour)), "per_account_limit": 3,
		"questions": []map[string]any{{"type": "choice", "title": "孩子年级", "options": []string{"一年级", "二年级"}, "required": true}},
		"sessions":  []map[string]any{{"starts_at": rfc(start), "ends_at": rfc(start.Add(time.Hour)), "capacity": 2, "waitlist_capacity": 1}},
	})
	if r.Status != 201 {
		f.Fatalf("activity: %d %s", r.Status, r.Raw)
	}
	aid, sid := num(r.Body["id"]), sessionID(r.Body, 0)
	if p := h.do("POST", fmt.Sprintf("/api/v1/admin/activities/%d/publish", aid), admin, nil); p.Status != 200 {
		f.Fatalf("publish: %d %s", p.Status, p.Raw)
	}
	tok := h.login("resident")
	dep := h.doJSON("POST", "/api/v1/me/dependents", tok, map[string]any{"name": "小明", "relation": "child", "birth_date": "2016-03-01", "gender": "male",
		"guardian_consent": map[string]string{"version": resident.CurrentConsentVersion}})
	if dep.Status != 201 {
		f.Fatalf("dependent: %d %s", dep.Status, dep.Raw)
	}
	did := num(dep.Body["id"])

	for _, s := range []struct{ body, key string }{
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true}],"answers":{"q1":"一年级"}}`, sid), "k1"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"dependent_id":%d}],"answers":{"q1":"二年级"}}`, sid, did), "k2"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true},{"self":true}],"answers":{"q1":"一年级"}}`, sid), "k3"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true,"dependent_id":%d}]}`, sid, did), "k4"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"dependent_id":-1}],"answers":{"q9":"x"}}`, sid), "k5"},
		{`{"session_id":"1","attendees":{}}`, "k6"},
		{`{"session_id":1e99,"attendees":[]}`, "k7"},
		{`{"session_id":9223372036854775807,"attendees":[{"self":true}],"extra":1}`, "k8"},
		{`{"session_id":1,"answers":{"q1":"` + strings.Repeat("长", 300) + `"}}`, "k9"},
		{`[`, "k10"}, {``, "k11"}, {`null`, "k12"}, {`{}{}`, "k13"}, {"{\"answers\":{\"q1\":\"\\u0000\"}}", "k14"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true}]}`, sid), ""},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true}]}`, sid), "bad key with spaces"},
		{fmt.Sprintf(`{"session_id":%d,"attendees":[{"self":true}]}`, sid), strings.Repeat("k", 65)},
	} {
		f.Add([]byte(s.body), s.key)
	}
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		r := h.do("POST", "/api/v1/registrations", tok, body, "Idempotency-Key", key)
		switch {
		case r.Status == 201:
		case r.Status >= 400 && r.Status < 500 && r.Status != 401 && r.Status != 403:
			if r.str("code") == "" || !hasHan(r.str("message")) || r.str("request_id") == "" {
				t.Fatalf("error answer without code or Chinese message: %d %s", r.Status, r.Raw)
			}
		default:
			t.Fatalf("%q (key %q): %d %s", body, key, r.Status, r.Raw)
		}
		var live []struct {
			AttendeeKey string
			N           int
		}
		h.app.db.G.Raw("SELECT attendee_key, COUNT(*) AS n FROM registrations WHERE session_id = ? AND status IN ('confirmed','waitlisted') GROUP BY attendee_key", sid).Scan(&live)
		for _, l := range live {
			if l.N > 1 {
				t.Fatalf("%s signed up %d times", l.AttendeeKey, l.N)
			}
		}
		var confirmed int64
		h.app.db.G.Table("registrations").Where("session_id = ? AND status = 'confirmed'", sid).Count(&confirmed)
		if confirmed > 2 {
			t.Fatalf("%d confirmed for 2 seats", confirmed)
		}
	})
}
