package usertext

import "testing"

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  张三 ", "张三"},
		{"张\u200b三", "张三"},
		{"\u202e三张", "三张"},
		{"李\u2066四\u2069", "李四"},
		{"\ufeff王五", "王五"},
		{"赵\u200d\u200c\u200e\u200f六", "赵六"},
		{"a\u00adb\u2060c\u2028d", "abcd"},
		{"\u202a\u202b\u202c\u202d", ""},
		{"🙂 小明 (Ming)", "🙂 小明 (Ming)"},
		// Other control characters are invisible too: a bell, an escape
		// (terminal sequences on a staff member's export), delete, C1.
		{"a\u0007b", "ab"},
		{"王\x1b[31m五", "王[31m五"},
		{"x\u007fy\u0085z\u009bw", "xyzw"},
		// NUL, tab and line breaks stay for the callers that refuse them.
		{"a\x00b\tc\nd\re", "a\x00b\tc\nd\re"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCode(t *testing.T) {
	names := map[string]string{"elderly_care": "养老助老", "chess_room": "棋牌室"}
	aliases := map[string]string{"chess_and_card_room": "chess_room"}
	for _, c := range []struct{ in, want string }{
		{"elderly_care", "elderly_care"}, {" Elderly care ", "elderly_care"}, {"elderly-care", "elderly_care"},
		{"Chess-and-card room", "chess_room"}, {"棋牌室", "chess_room"}, {"养老", ""}, {"", ""}, {"elderly  care", "elderly_care"},
	} {
		if got := Code(c.in, names, aliases); got != c.want {
			t.Errorf("Code(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
