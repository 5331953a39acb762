package notify_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gongjian/config"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
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
		"type": "心率异常告警（连续三次测得心率超过每分钟一百二十次）", "detail": "连续三次测得心率超过每分钟一百二十次，请立即联系老人并确认身体状况",
		"status": "活动因天气原因临时取消", "attendee": "欧阳娜娜娜娜娜娜娜娜娜娜娜娜", "name": "阿依古丽·买买提江·艾力江",
		"wearer": "司马相如相如相如相如相如", "hours": "二十三小时五十九分钟（含补录时长）",
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
		{"name", "王小明" + resident.Unverified, "王小明"}, // the marker is no part of a name
		{"name", "Tom" + resident.Unverified, "Tom"},
		{"name", resident.NoName, "未实名居民"},
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
		{"car_number", "粤B 12345", "粤B12345"},
		{"car_number", "京A·1234学", "京A1234学"},
		{"car_number", "车牌京A1234", "车A1234"}, // Chinese only first and last
		{"car_number", "沪A12345678警", "沪A123456"},
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

// The notices the features write (fields as in their code) fill every
// field of their template: no placeholder is needed, and WeChat accepts
// them.
func TestFeatureNoticesFillEveryField(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		key    string
		fields map[string]string
	}{
		// activity (registration): confirmed, promoted, cancelled/changed
		{notify.RegistrationConfirmed, map[string]string{"activity": "四点半学校·书法课", "time": "2026年6月1日 16:30", "place": "阳光社区活动室", "status": "报名成功", "note": "请准时参加"}},
		{notify.WaitlistPromoted, map[string]string{"activity": "社区义诊", "time": "2026年6月1日 09:00", "place": "社区卫生服务站", "status": "候补成功", "note": "请准时参加"}},
		{notify.ActivityChanged, map[string]string{"activity": "迎新春文艺演出", "time": "2026年2月1日 19:30", "place": "街道文化中心", "status": "已取消", "note": "场地检修"}},
		// reminders (this package)
		{notify.ActivityReminder, map[string]string{"activity": "书法课", "time": "2026-06-01T16:30:00+08:00~2026-06-01T18:00:00+08:00", "place": "活动室", "attendee": "王小明", "note": "请准时参加"}},
		// checkin and hours
		{notify.CheckinDone, map[string]string{"activity": "垃圾分类宣传", "name": "李华", "time": "2026-06-01 09:02", "place": "阳光社区广场", "status": "已签到"}},
		{notify.HoursCredited, map[string]string{"activity": "垃圾分类宣传", "hours": "2小时30分钟", "time": "2026-06-01 11:30", "note": "可在“我的-志愿服务”查看"}},
		{notify.ClaimReviewed, map[string]string{"activity": "敬老院探访", "status": "已通过", "hours": "3小时", "note": "已记入志愿服务记录", "time": "2026-06-02 10:00"}},
		// wristband
		{notify.WristbandAlert, map[string]string{"wearer": "王秀英", "type": "紧急呼叫（SOS）", "time": "2026-06-01 08:15", "detail": "手环按下了 SOS 键", "status": "待处理"}},
	}
	at := time.Date(2000, 1, 1, 0, 0, 0, 0, shanghai) // a placeholder time would show 2000
	for _, c := range cases {
		tpl, _ := e.templates.Get(c.key)
		data := tpl.Data(c.fields, at, shanghai)
		for name, k := range tpl.Fields {
			if _, ok := c.fields[name]; !ok {
				t.Errorf("%s: field %s (%s) is not written by the feature", c.key, name, k)
			}
			if strings.Contains(data[k], "2000年") {
				t.Errorf("%s: %s=%q is a placeholder", c.key, k, data[k])
			}
		}
		if _, err := e.wc.SendSubscribe(e.ctx, wechat.Message{ToUser: "oFeature", TemplateID: tpl.ID, Data: data}); err != nil {
			t.Errorf("%s: WeChat refused %v: %v", c.key, data, err)
		}
	}
}

// A field of every WeChat type left empty gets a placeholder WeChat accepts.
func TestPlaceholderOfEveryFieldType(t *testing.T) {
	e := newEnv(t)
	keys := []string{"thing1", "short_thing2", "number3", "letter4", "symbol5", "character_string6", "time7", "date8",
		"amount9", "phone_number10", "car_number11", "name12", "phrase13"}
	fields := map[string]string{}
	for _, k := range keys {
		fields["f"+k] = k
	}
	tpl := notify.Template{Key: "all_types", ID: "tpl-all-types", Fields: fields}
	e.tenant.AddTemplate(tpl.ID, tpl.DataKeys()...)
	data := tpl.Data(nil, time.Date(2026, 5, 4, 10, 0, 0, 0, shanghai), shanghai)
	if _, err := e.wc.SendSubscribe(e.ctx, wechat.Message{ToUser: "oPlaceholder", TemplateID: tpl.ID, Data: data}); err != nil {
		t.Fatalf("WeChat refused %v: %v", data, err)
	}
}
