package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gongjian/config"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

func readKey(t *testing.T, cfg config.Config, name string) string {
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// Rotating the JWT secret and the personal-data key: sessions of the old
// secret keep working, phones sealed with the old key stay readable to
// staff, a phone bound after the rotation hashes to the same look-up hash,
// and new values are sealed with the new key. Dropping the old data key
// while it keys the look-up hashes refuses to start; dropping the old JWT
// secret ends its sessions.
func TestKeyRotationKeepsDataReadable(t *testing.T) {
	var cfg config.Config
	ta := newTestApp(t, func(c *config.Config) { cfg = *c })
	admin, _ := ta.login("admin")
	ta.grant("admin", resident.RoleChange{Role: "admin"})
	community := num(ta.do("POST", "/api/v1/admin/communities", admin, map[string]string{"name": "阳光社区"}).Body["id"])
	org := num(ta.do("POST", "/api/v1/admin/organizations", admin, map[string]any{"name": "区图书馆", "type": "co_building_unit", "community_ids": []int64{community}}).Body["id"])
	w := &regWorld{ta: ta, admin: admin, community: community, org: org}
	act := w.activity(admin, func(b map[string]any) { delete(b, "questions") })
	alice, _ := ta.login("alice")
	if r := ta.do("POST", "/api/v1/me/phone", alice, map[string]string{"code": wxemu.PhoneCode("13812345678")}); r.Status != 200 {
		t.Fatalf("phone: %d %s", r.Status, r.Raw)
	}
	if r := w.register(alice, sessionID(act, 0), nil, map[string]string{}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	var before struct{ PhoneSealed, PhoneHash string }
	ta.app.db.G.Table("users").Select("phone_sealed, phone_hash").Where("open_id = ?", ta.openID("alice")).Scan(&before)

	// Rotate both: new keys, the old ones kept for reading.
	oldJWT, oldData := readKey(t, cfg, "jwt_secret"), readKey(t, cfg, "data_key")
	rotated := cfg
	rotated.Security.JWTSecret, rotated.Security.JWTSecretOld = strings.Repeat("N", 40), []string{oldJWT}
	rotated.Security.DataKey, rotated.Security.DataKeyOld = "TkVXTkVXTkVXTkVXTkVXTkVXTkVXTkVXTkVXTkVXTkU=", []string{oldData}
	tb := startApp(t, rotated, ta.appID)

	if r := tb.do("GET", "/api/v1/me", alice, nil); r.Status != 200 {
		t.Fatalf("a session of the old JWT secret after the rotation: %d %s", r.Status, r.Raw)
	}
	admin2, _ := tb.login("admin")
	r := tb.do("GET", fmt.Sprintf("/api/v1/admin/activities/%d/registrations", num(act["id"])), admin2, nil)
	if r.Status != 200 || len(items(r)) != 1 || items(r)[0]["phone"] != "13812345678" {
		t.Fatalf("staff must still read the phone sealed with the old key: %d %s", r.Status, r.Raw)
	}
	tb.remember("13812345678")
	bob, _ := tb.login("bob")
	if r := tb.do("POST", "/api/v1/me/phone", bob, map[string]string{"code": wxemu.PhoneCode("13812345678")}); r.Status != 200 {
		t.Fatalf("phone after rotation: %d %s", r.Status, r.Raw)
	}
	var after struct{ PhoneSealed, PhoneHash string }
	tb.app.db.G.Table("users").Select("phone_sealed, phone_hash").Where("open_id = ?", ta.openID("bob")).Scan(&after)
	if after.PhoneHash == "" || after.PhoneHash != before.PhoneHash {
		t.Fatalf("look-up hash changed with the rotation: %q vs %q", after.PhoneHash, before.PhoneHash)
	}
	if prefix := after.PhoneSealed[:10]; prefix == before.PhoneSealed[:10] || !strings.HasPrefix(prefix, "k") {
		t.Fatalf("a value sealed after the rotation must name the new key: %q vs %q", prefix, before.PhoneSealed[:10])
	}

	// Without the old data key the hashes could not be kept: refuse to start.
	noOld := rotated
	noOld.Security.DataKeyOld = nil
	if app, err := build(context.Background(), noOld, slog.New(slog.DiscardHandler), true); err == nil {
		app.Close()
		t.Fatal("started without the data key the look-up hashes are keyed by")
	} else if !strings.Contains(err.Error(), "GONGJIAN_DATA_KEY_OLD") {
		t.Fatalf("the error must name the key to fix: %v", err)
	}
	// Without the old JWT secret its sessions end (the refresh token still works).
	noOldJWT := rotated
	noOldJWT.Security.JWTSecretOld = nil
	tc := startApp(t, noOldJWT, ta.appID)
	expectError(t, tc.do("GET", "/api/v1/me", alice, nil), 401, "INVALID_TOKEN")
}
