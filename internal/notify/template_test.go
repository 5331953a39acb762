package notify_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gongjian/config"
	"gongjian/internal/notify"
	"gongjian/internal/wechat"
)

// Every template, every field filled with long Chinese text (and times as
// the writers give them): each value is cut to WeChat's limit for its
// type, and the emulator — which checks every rule of WeChat's field types
// and the template's exact keys — accepts the message (no 47003).
func TestEveryTemplateWithLongChineseTextIsAccepted(t *testing.T) {
	e := newEnv(t)
	long := "幸福街道阳光社区党群服务中心二〇二六年暑期青少年快乐营地开营仪式暨优秀志愿者表彰大会（第三期）"
	values := map[string]string{
		"activity": long, "place": "幸福街道阳光路十八号阳光社区党群服务中心三楼多功能活动室东侧", "note": long + "请携带身份证件准时到场",
		"alert": "心率异常告警：连续三次测得心率超过每分钟一百二十次请立即联系老人", "status": "活动因天气原因临时取消", "attendee": "欧阳娜娜娜娜娜娜娜娜娜娜娜娜",
		"wearer": "司马相如相如相如相如相如", "hours": "二点五小时即2.5小时", "total": "累计128.5小时",
		"time": "2026-05-09T09:00:00+08:00~2026-05-09T11:30:00+08:00",
	}
	openID := "o" + strings.Repeat("x", 27)
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, shanghai)
	for _, key := range sortedKeys(config.DefaultTemplates()) {
		t.Run(key, func(t *testing.T) {
			tpl, ok := e.templates.Get(key)
			if !ok {
				t.Fatalf("no template %s", key)
			}
			data := tpl.Data(values, at, shanghai)
			if len(data) != len(tpl.Fields) {
				t.Fatalf("data %v lacks fields of %v", data, tpl.Fields)
			}
			for k, v := range data {
				kind, _ := notify.FieldType(k)
				if lim := notify.Limit(kind); lim > 0 && utf8.RuneCountInString(v) > lim {
					t.Errorf("%s=%q is longer than %d", k, v, lim)
				}
				if v == "" {
					t.Errorf("%s is empty", k)
				}
			}
			if _, err := e.wc.SendSubscribe(e.ctx, wechat.Message{ToUser: openID, TemplateID: tpl.ID, Page: tpl.Page, Data: data}); err != nil {
				t.Fatalf("WeChat refused %v: %v", data, err)
			}
		})
	}
	if got := len(e.tenant.Sent()); got != len(config.DefaultTemplates()) {
		t.Fatalf("%d messages accepted, want %d", got, len(config.DefaultTemplates()))
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct{ kind, in, want string }{
		{"thing", "短标题", "短标题"},
		{"thing", "一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十"},
		{"thing", "一二三四五六七八九十一二三四五六七八九十多", "一二三四五六七八九十一二三四五六七八九…"},
		{"thing", "换行\n\t制表  空格", "换行 制表 空格"},
		{"phrase", "已取消", "已取消"},
		{"phrase", "Cancelled 已取消了啊啊啊", "已取消了啊"},
		{"phrase", "OK", ""},
		{"name", "欧阳娜娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜娜"},
		{"name", "阿依古丽·买买提 Ali", "阿依古丽·买买提"},
		{"name", "John Smith 3rd", "John Smith rd"},
		{"number", "2.5小时", "2.5"},
		{"number", "累计128小时", "128"},
		{"number", "无", ""},
		{"character_string", "REG-2026 0001", "REG-20260001"},
		{"time", "2026-05-09T01:00:00Z", "2026年5月9日 09:00"},
		{"time", "2026-05-09T09:00:00+08:00~2026-05-09T11:30:00+08:00", "2026年5月9日 09:00~11:30"},
		{"time", "2026-05-09T20:00:00+08:00~2026-05-10T08:00:00+08:00", "2026年5月9日 20:00~2026年5月10日 08:00"},
		{"time", "2026年5月9日 09:00", "2026年5月9日 09:00"}, // already WeChat's format
		{"time", "明天上午", ""},
		{"time", "2026年5月9日", ""}, // a time needs a clock
		{"date", "2026-05-09T09:00:00+08:00", "2026年5月9日"},
		{"date", "2026年5月9日", "2026年5月9日"},
		{"amount", "¥12.50", "12.50"},
		{"phone_number", "138-0013-8000 转 2", "138-0013-80002"},
	}
	for _, c := range cases {
		if got := notify.FormatValue(c.kind, c.in, shanghai); got != c.want {
			t.Errorf("FormatValue(%s, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
	}
}

// Values the notice left empty or unusable get placeholders valid for the
// type, so a message is never refused for a missing field.
func TestMissingValuesGetPlaceholders(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, shanghai)
	for _, key := range sortedKeys(config.DefaultTemplates()) {
		tpl, _ := e.templates.Get(key)
		data := tpl.Data(map[string]string{"time": "不是时间", "status": "n/a"}, at, shanghai)
		if _, err := e.wc.SendSubscribe(e.ctx, wechat.Message{ToUser: "oPlaceholder", TemplateID: tpl.ID, Data: data}); err != nil {
			t.Errorf("%s: WeChat refused %v: %v", key, data, err)
		}
		for k, v := range data {
			if strings.HasPrefix(k, "time") && v != "2026年5月4日 10:00" {
				t.Errorf("%s: %s=%q, want the notice time", key, k, v)
			}
		}
	}
}
