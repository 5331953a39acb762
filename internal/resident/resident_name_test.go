package resident

import "testing"

func TestNameOf(t *testing.T) {
	for _, c := range []struct{ real, nick, want string }{
		{"张三", "三三", "张三"},
		{"", "小明", "小明（未实名）"},
		{"", "", "未实名居民"},
	} {
		if got := NameOf(c.real, c.nick); got != c.want {
			t.Errorf("NameOf(%q, %q) = %q, want %q", c.real, c.nick, got, c.want)
		}
		if got := (User{RealName: c.real, Nickname: c.nick}).DisplayName(); got != c.want {
			t.Errorf("DisplayName = %q, want %q", got, c.want)
		}
	}
}
