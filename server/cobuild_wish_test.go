package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gongjian/config"
	"gongjian/internal/resident"
	"gongjian/internal/wxemu"
)

// cobuildApp is a test app whose public address WeChat (the emulator)
// reaches: photos are downloaded from it and verdicts pushed to it.
func cobuildApp(t *testing.T) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ta := newTestApp(t, func(c *config.Config) {
		c.WeChat.PushToken, c.WeChat.PublicBaseURL = "cb-push-token", base
	})
	srv := &http.Server{Handler: ta.app.handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ta.tenant.SetPush(base+"/api/v1/wechat/push", "cb-push-token")
	return ta
}

// eventually polls f for up to five seconds.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("%s: not within 5 s", what)
}

// Residents' text passes msgSecCheck before it is stored; photos go to
// mediaCheckAsync and the wish is shown to no one else until WeChat pushed
// its verdicts (signed), and never when a photo is risky. A wish's contact
// is seen whole by the community's staff and, after claiming, by the
// claiming unit's contact; masked by its author; by no one else.
func TestWishContentSecurityAndContactPrivacy(t *testing.T) {
	ta := cobuildApp(t)
	adminTok, _ := ta.login("cb-admin")
	ta.grant("cb-admin", resident.RoleChange{Role: "admin"})
	comm := num(ta.do("POST", "/api/v1/admin/communities", adminTok, map[string]string{"name": "幸福社区"}).Body["id"])
	staffTok, _ := ta.login("cb-staff")
	ta.grant("cb-staff", resident.RoleChange{Role: "staff", CommunityID: comm})
	unit := func(name string) int64 {
		r := ta.do("POST", "/api/v1/admin/units", adminTok, map[string]any{"name": name, "kind": "government", "communities": []int64{comm}})
		if r.Status != 201 {
			t.Fatalf("unit: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["id"])
	}
	unitA, unitB := unit("区检察院"), unit("区税务局")
	residentTok := func(name string) string {
		tok, _ := ta.login(name)
		ta.do("PATCH", "/api/v1/me", tok, map[string]any{"community_id": comm, "real_name": "张桂兰"})
		return tok
	}
	contactA, contactB := residentTok("cb-contact-a"), residentTok("cb-contact-b")
	ta.grant("cb-contact-a", resident.RoleChange{Role: "unit_contact", OrgID: unitA})
	ta.grant("cb-contact-b", resident.RoleChange{Role: "unit_contact", OrgID: unitB})
	author, neighbour := residentTok("cb-author"), residentTok("cb-neighbour")
	const phone = "13911112222"
	if r := ta.do("POST", "/api/v1/me/phone", author, map[string]string{"code": wxemu.PhoneCode(phone)}); r.Status != 200 {
		t.Fatalf("phone: %d %s", r.Status, r.Raw)
	}
	ta.remember(phone)

	// Risky text is refused and nothing is stored.
	ta.tenant.SetRiskyWords("赌博")
	if r := ta.do("POST", "/api/v1/wishes", author, map[string]any{"title": "想找人一起赌博"}); r.Status != 422 || r.str("code") != "CONTENT_RISKY" {
		t.Fatalf("risky wish: %d %s", r.Status, r.Raw)
	}
	if n := ta.count("cobuild_wishes"); n != 0 {
		t.Fatalf("%d wishes stored after a refusal", n)
	}

	photo := func(data []byte) string { return ta.upload(author, data, false).str("url") }
	// WeChat sees the stored (re-encoded) bytes: the risky one is known by those.
	safeRef, riskyRef := photo(testJPEG(t, 40, 30)), photo(testJPEG(t, 30, 40))
	sum := sha256.Sum256(ta.fetchUpload(author, riskyRef).Raw)
	ta.tenant.SetRiskyMedia(hex.EncodeToString(sum[:]))
	wish := func(title, ref string) int64 {
		r := ta.do("POST", "/api/v1/wishes", author, map[string]any{"title": title, "description": "家里门锁坏了", "photos": []string{ref}})
		if r.Status != 201 || r.str("content_check") != "checking" || r.str("contact_phone") != "139****2222" {
			t.Fatalf("wish: %d %s", r.Status, r.Raw)
		}
		return num(r.Body["id"])
	}
	good, bad := wish("修门锁", safeRef), wish("修窗户", riskyRef)
	check := func(tok string, id int64) resp { return ta.do("GET", fmt.Sprintf("/api/v1/wishes/%d", id), tok, nil) }
	eventually(t, "the verdicts pushed", func() bool { return ta.tenant.MediaPushes() >= 2 })
	eventually(t, "the good wish checked", func() bool { return check(author, good).str("content_check") == "pass" })
	if r := check(author, bad); r.str("content_check") != "risky" || r.str("status") != "hidden" {
		t.Fatalf("the risky wish as its author sees it: %s", r.Raw)
	}
	if r := check(staffTok, bad); r.Status != 404 {
		t.Fatalf("staff saw a risky wish: %d %s", r.Status, r.Raw)
	}
	list := ta.do("GET", fmt.Sprintf("/api/v1/admin/wishes?community_id=%d", comm), staffTok, nil)
	if got := items(list); len(got) != 1 || num(got[0]["id"]) != good {
		t.Fatalf("staff's review list: %s", list.Raw)
	}

	// The contact: staff whole; no unit before claiming.
	if r := check(staffTok, good); r.str("contact_phone") != phone {
		t.Fatalf("staff see: %s", r.Raw)
	}
	for _, tok := range []string{contactA, contactB, neighbour} {
		if r := check(tok, good); r.Status != 404 || strings.Contains(string(r.Raw), phone) {
			t.Fatalf("before the claim: %d %s", r.Status, r.Raw)
		}
	}
	acc := ta.do("POST", fmt.Sprintf("/api/v1/admin/wishes/%d/review", good), staffTok, map[string]any{"decision": "accept",
		"need": map[string]any{"category": "environment_repairs", "quantity": 1, "quantity_unit": "次"}})
	need := num(acc.Body["need_id"])
	if acc.Status != 200 || need == 0 {
		t.Fatalf("accept: %d %s", acc.Status, acc.Raw)
	}
	if r := ta.do("GET", fmt.Sprintf("/api/v1/needs/%d", need), "", nil); r.Status != 200 || strings.Contains(string(r.Raw), phone) || strings.Contains(string(r.Raw), "张桂兰") {
		t.Fatalf("the public need shows the contact: %s", r.Raw)
	}
	// The wishes behind a need, with their contacts: the claiming unit
	// finds the residents it serves there (and nobody else but staff).
	needWishes := func(tok string) resp { return ta.do("GET", fmt.Sprintf("/api/v1/needs/%d/wishes", need), tok, nil) }
	for _, tok := range []string{contactA, contactB, neighbour, author} {
		if r := needWishes(tok); r.Status != 403 || r.str("code") != "NOT_CLAIMING_UNIT" || strings.Contains(string(r.Raw), phone) {
			t.Fatalf("the need's wishes before the claim: %d %s", r.Status, r.Raw)
		}
	}
	if r := ta.do("POST", fmt.Sprintf("/api/v1/needs/%d/claims", need), contactA, map[string]any{"unit_id": unitA}); r.Status != 201 {
		t.Fatalf("claim: %d %s", r.Status, r.Raw)
	}
	for _, tok := range []string{contactA, staffTok} {
		if r := needWishes(tok); r.Status != 200 || len(items(r)) != 1 || num(items(r)[0]["id"]) != good || items(r)[0]["contact_phone"] != phone {
			t.Fatalf("the need's wishes after the claim: %d %s", r.Status, r.Raw)
		}
	}
	if r := needWishes(contactB); r.Status != 403 || strings.Contains(string(r.Raw), phone) {
		t.Fatalf("another unit saw the need's wishes: %d %s", r.Status, r.Raw)
	}
	if r := check(contactA, good); r.Status != 200 || r.str("contact_phone") != phone {
		t.Fatalf("the claiming unit: %d %s", r.Status, r.Raw)
	}
	for _, tok := range []string{contactB, neighbour} {
		if r := check(tok, good); r.Status != 404 {
			t.Fatalf("after the claim, others: %d %s", r.Status, r.Raw)
		}
	}
	if r := check(author, good); r.str("contact_phone") != "139****2222" {
		t.Fatalf("the author sees: %s", r.Raw)
	}

	// Pushes must be signed with the push token.
	if r := ta.do("POST", "/api/v1/wechat/push?signature=x&timestamp=1&nonce=2", "", map[string]any{"Event": "wxa_media_check"}); r.Status != 403 {
		t.Fatalf("unsigned push: %d", r.Status)
	}
	ts := fmt.Sprint(time.Now().Unix())
	if r := ta.do("GET", "/api/v1/wechat/push?echostr=hello&timestamp="+ts+"&nonce=n&signature="+wxemu.PushSignature("cb-push-token", ts, "n"), "", nil); string(r.Raw) != "hello" {
		t.Fatalf("URL check: %d %s", r.Status, r.Raw)
	}
}
