package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// Issue 2: "A dependent under 14 needs the guardian's recorded consent
// (version + time)". A client written from the issue cannot know our
// version strings: the version it sends (trimmed, at most 32 characters)
// is recorded with the server's time; none leaves the child unusable.
func TestGuardianConsentRecordsTheVersionSent(t *testing.T) {
	ta := newTestApp(t)
	tok, _ := ta.login("gwen")
	year := time.Now().In(cst.Zone).Year() - 7
	child := func(name string, consent any) resp {
		body := map[string]any{"name": name, "relation": "child", "gender": "female", "birth_date": fmt.Sprintf("%d-03-04", year)}
		if consent != nil {
			body["guardian_consent"] = consent
		}
		return ta.do("POST", "/api/v1/me/dependents", tok, body)
	}
	version := func(r resp) string {
		c, _ := r.Body["consent"].(map[string]any)
		v, _ := c["version"].(string)
		return v
	}
	for _, v := range []string{"v1", "1.0", "2024-01"} {
		r := child("小"+v, map[string]any{"version": " " + v + " ", "at": time.Now().UTC().Format(time.RFC3339)})
		if r.Status != 201 || r.Body["usable"] != true || version(r) != v {
			t.Fatalf("consent version %q: %d %s", v, r.Status, r.Raw)
		}
		at, _ := r.Body["consent"].(map[string]any)["at"].(string)
		if ts, err := time.Parse(time.RFC3339Nano, at); err != nil || time.Since(ts) > time.Minute {
			t.Fatalf("consent time %q not recorded: %s", at, r.Raw)
		}
	}
	// true is consent to the text in force.
	if r := child("小真", true); r.Status != 201 || version(r) != resident.CurrentConsentVersion {
		t.Fatalf("consent true: %d %s", r.Status, r.Raw)
	}
	// No version: recorded nothing, the child is not usable yet.
	r := child("小空", map[string]any{"version": "  "})
	if r.Status != 201 || r.Body["usable"] != false || r.Body["consent"] != nil {
		t.Fatalf("empty version: %d %s", r.Status, r.Raw)
	}
	id := fmt.Sprint(int64(r.Body["id"].(float64)))
	// Too long a version is refused and changes nothing.
	long := strings.Repeat("v", 33)
	expectError(t, child("小长", map[string]any{"version": long}), 400, "INVALID_CONSENT_VERSION")
	expectError(t, ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"consent_version": long}), 400, "INVALID_CONSENT_VERSION")
	// 32 characters (Chinese ones count one each) are fine.
	v32 := strings.Repeat("版", 32)
	if r := ta.do("PATCH", "/api/v1/me/dependents/"+id, tok, map[string]any{"consent_version": v32}); r.Status != 200 || r.Body["usable"] != true || version(r) != v32 {
		t.Fatalf("32-character version: %d %s", r.Status, r.Raw)
	}
	// The text in force is still served with its version.
	if c := ta.do("GET", "/api/v1/me/dependents/consent", tok, nil); c.Status != 200 || c.str("version") != resident.CurrentConsentVersion {
		t.Fatalf("consent in force: %d %s", c.Status, c.Raw)
	}
}

// Issue 6: a wristband is bound "after the wearer's (or guardian's)
// consent to location and health data is recorded (text version and
// time)": the version the client sends is recorded, on binding, on giving
// the consent again and on the staff's binding.
func TestWristbandConsentRecordsTheVersionSent(t *testing.T) {
	w := newWristbandApp(t)
	c1 := w.community("阳光社区")
	staffTok, _ := w.staff("staff1", c1)
	tok, _ := w.resident("孙女士", c1)
	consentOf := func(r resp) string {
		c, _ := r.Body["consent"].(map[string]any)
		v, _ := c["version"].(string)
		return v
	}
	imei := w.device()
	r := w.do("POST", "/api/v1/wristbands/bind", tok, map[string]any{"imei": imei, "code": activationOf(imei), "wearer": self, "consent": map[string]string{"version": " 1.0 "}})
	if r.Status != 201 || consentOf(r) != "1.0" {
		t.Fatalf("bind with consent 1.0: %d %s", r.Status, r.Raw)
	}
	path := fmt.Sprintf("/api/v1/wristbands/%d", int64(r.Body["id"].(float64)))
	if r := w.do("POST", path+"/consent/revoke", tok, nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	expectError(t, w.do("POST", path+"/consent", tok, map[string]string{"version": strings.Repeat("x", 33)}), 400, "INVALID_CONSENT_VERSION")
	expectError(t, w.do("POST", path+"/consent", tok, map[string]string{"version": " "}), 400, "CONSENT_REQUIRED")
	if r := w.do("POST", path+"/consent", tok, map[string]string{"version": "2024-01"}); r.Status != 200 || r.str("version") != "2024-01" {
		t.Fatalf("consent again with 2024-01: %d %s", r.Status, r.Raw)
	}
	if p := w.push(imei, "location", map[string]any{"lat": 30.5, "lng": 114.3}); p.str("status") != "stored" {
		t.Fatalf("push after consent: %s", p.Raw)
	}
	_, otherID := w.resident("周先生", c1)
	spare := w.device()
	r = w.do("POST", "/api/v1/admin/wristbands/bind", staffTok, map[string]any{"imei": spare, "user_id": otherID, "consent_version": "v1", "reason": "服务中心代办"})
	if r.Status != 201 || consentOf(r) != "v1" {
		t.Fatalf("staff bind with consent v1: %d %s", r.Status, r.Raw)
	}
	other := w.device()
	expectError(t, w.do("POST", "/api/v1/wristbands/bind", tok, map[string]any{"imei": other, "code": activationOf(other), "consent_version": strings.Repeat("x", 33)}), 400, "INVALID_CONSENT_VERSION")
	if c := w.do("GET", "/api/v1/wristbands/consent", tok, nil); c.Status != 200 || c.Body["version"] != wristband.ConsentVersion {
		t.Fatalf("consent text: %d %s", c.Status, c.Raw)
	}
}
