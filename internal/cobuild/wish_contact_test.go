package cobuild_test

import (
	"strings"
	"testing"

	"gongjian/internal/cobuild"
)

// A wish's contact name, when the resident leaves it blank, is their real
// name, else their nickname (cut to the 20 characters a contact name
// holds), else 「居民」: never blank.
func TestWishContactNameDefault(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	for _, tc := range []struct{ realName, nickname, typed, want string }{
		{"王小明", "小明同学", "", "王小明"},
		{"", "小明同学", "", "小明同学"},
		{"", strings.Repeat("长", 30), "", strings.Repeat("长", 20)},
		{"", "", "", "居民"},
		{"", "小明同学", "李阿姨", "李阿姨"},
	} {
		u := e.user("contact")
		u.RealName, u.Nickname = tc.realName, tc.nickname
		w, err := e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: "修路灯", ContactName: tc.typed, ContactPhone: "13800138000"})
		if err != nil || w.ContactName != tc.want {
			t.Errorf("real %q, nickname %q, typed %q: %q %v, want %q", tc.realName, tc.nickname, tc.typed, w.ContactName, err, tc.want)
		}
	}
}

// A resident who has bound no phone and types none still makes a wish (it
// was 400 CONTACT_REQUIRED, so a new resident could not speak up before
// binding a phone): the wish has a contact name and no phone, and staff
// see it so.
func TestWishWithoutAPhone(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	u := e.user("nophone")
	u.RealName = "王阿姨"
	w, err := e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: "想要一个书包", Description: "给孙子上学用"})
	if err != nil {
		t.Fatalf("a wish without a phone: %v", err)
	}
	if w.PhoneMasked != "" || w.PhoneSealed != "" || w.ContactName != "王阿姨" {
		t.Fatalf("contact %q, phone %q/%q, want 王阿姨 and no phone", w.ContactName, w.PhoneMasked, w.PhoneSealed)
	}
	v, err := e.svc.Wish(e.ctx, e.staffA, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Contact != "" || v.ContactName != "王阿姨" {
		t.Fatalf("staff see contact %q / %q, want 王阿姨 without a phone", v.ContactName, v.Contact)
	}
	if _, err := e.svc.CreateWish(e.ctx, u, cobuild.WishInput{Title: "修门锁", ContactPhone: "12345"}); err == nil {
		t.Fatal("a malformed phone was taken")
	}
}
