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
