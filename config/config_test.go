package config

import (
	"strings"
	"testing"
)

// envCase is a configuration from the environment: Load must fail naming
// wantErr or, when wantErr is "", succeed with check true.
type envCase struct {
	env     map[string]string
	wantErr string
	check   func(Config) bool
}

func loadEnvCases(t *testing.T, cases []envCase) {
	t.Helper()
	for i, c := range cases {
		cfg, err := Load("", func(k string) string { return c.env[k] })
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("case %d: want error naming %s, got %v", i, c.wantErr, err)
			}
			continue
		}
		if err != nil || !c.check(cfg) {
			t.Errorf("case %d: err %v cfg %+v", i, err, cfg)
		}
	}
}

func TestExampleFileLoads(t *testing.T) {
	cfg, err := Load("config.example.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" || !cfg.EmbeddedDB() || !cfg.EmulatedWeChat() {
		t.Fatalf("unexpected %+v", cfg.HTTP)
	}
}

func TestEnvOverridesAndValidation(t *testing.T) {
	loadEnvCases(t, []envCase{
		{map[string]string{"GONGJIAN_HTTP_ADDR": "0.0.0.0:9000", "GONGJIAN_REDIS_ADDR": "a:1,b:2", "GONGJIAN_REDIS_DB": "3"}, "",
			func(c Config) bool {
				return c.HTTP.Addr == "0.0.0.0:9000" && c.Redis.Addr == "a:1,b:2" && c.Redis.DB == 3
			}},
		{map[string]string{"GONGJIAN_TEMPLATE_REGISTRATION_CONFIRMED": "tmplX"}, "",
			func(c Config) bool { return c.WeChat.Templates["registration_confirmed"].ID == "tmplX" }},
		{map[string]string{"GONGJIAN_SEED_COMMUNITIES": "阳光社区, 和平社区"}, "",
			func(c Config) bool { return len(c.Seed.Communities) == 2 && c.Seed.Communities[1] == "和平社区" }},
		{map[string]string{"GONGJIAN_WRISTBAND_VENDOR_SECRETS": "acme:0123456789abcdef, kangle:s3cr3t:with:colons!"}, "",
			func(c Config) bool {
				return len(c.Wristband.Vendors) == 2 && c.Wristband.Vendors["acme"] == "0123456789abcdef" &&
					c.Wristband.Vendors["kangle"] == "s3cr3t:with:colons!" && c.Wristband.RetentionDays == 180
			}},
		{map[string]string{"GONGJIAN_WRISTBAND_RETENTION_DAYS": "30", "GONGJIAN_WRISTBAND_ESCALATION_DELAY": "5m"}, "",
			func(c Config) bool {
				return c.Wristband.RetentionDays == 30 && c.Wristband.EscalationDelay.Minutes() == 5
			}},
		{map[string]string{"GONGJIAN_WRISTBAND_VENDOR_SECRETS": "acme:short"}, "GONGJIAN_WRISTBAND_VENDOR_SECRETS", nil},
		{map[string]string{"GONGJIAN_WRISTBAND_VENDOR_SECRETS": "Acme Inc:0123456789abcdef"}, "GONGJIAN_WRISTBAND_VENDOR_SECRETS", nil},
		{map[string]string{"GONGJIAN_WRISTBAND_VENDOR_SECRETS": "nocolon"}, "GONGJIAN_WRISTBAND_VENDOR_SECRETS", nil},
		{map[string]string{"GONGJIAN_WRISTBAND_REPLAY_WINDOW": "5h"}, "GONGJIAN_WRISTBAND_REPLAY_WINDOW", nil},
		{map[string]string{"GONGJIAN_REDIS_DB": "x"}, "GONGJIAN_REDIS_DB", nil},
		{map[string]string{"GONGJIAN_HTTP_READ_TIMEOUT": "soon"}, "GONGJIAN_HTTP_READ_TIMEOUT", nil},
		{map[string]string{"GONGJIAN_DATA_KEY": "c2hvcnQ="}, "GONGJIAN_DATA_KEY", nil},
		{map[string]string{"GONGJIAN_ENV": "staging"}, "GONGJIAN_ENV", nil},
		{map[string]string{"GONGJIAN_MYSQL_DSN": "nonsense"}, "GONGJIAN_MYSQL_DSN", nil},
		{map[string]string{"GONGJIAN_WECHAT_APP_ID": "wx1"}, "GONGJIAN_WECHAT_APP_SECRET", nil},
		{map[string]string{"GONGJIAN_ENV": "production"}, "GONGJIAN_MYSQL_DSN", nil},
		{map[string]string{"GONGJIAN_ENV": "production", "GONGJIAN_MYSQL_DSN": "u@tcp(h:3306)/db"}, "GONGJIAN_REDIS_ADDR", nil},
		{map[string]string{"GONGJIAN_ENV": "production", "GONGJIAN_MYSQL_DSN": "u@tcp(h:3306)/db", "GONGJIAN_REDIS_ADDR": "r:6379"}, "GONGJIAN_WECHAT_APP_ID", nil},
		{map[string]string{"GONGJIAN_ENV": "production", "GONGJIAN_MYSQL_DSN": "u@tcp(h:3306)/db", "GONGJIAN_REDIS_ADDR": "r:6379",
			"GONGJIAN_WECHAT_APP_ID": "wx1", "GONGJIAN_WECHAT_APP_SECRET": "s"}, "GONGJIAN_JWT_SECRET", nil},
		{map[string]string{"GONGJIAN_ENV": "production", "GONGJIAN_MYSQL_DSN": "u@tcp(h:3306)/db", "GONGJIAN_REDIS_ADDR": "r:6379",
			"GONGJIAN_WECHAT_APP_ID": "wx1", "GONGJIAN_WECHAT_APP_SECRET": "s", "GONGJIAN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
			"GONGJIAN_DATA_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "GONGJIAN_TICKET_KEY", nil},
		{map[string]string{"GONGJIAN_TICKET_KEY": "c2hvcnQ="}, "GONGJIAN_TICKET_KEY", nil},
		{map[string]string{"GONGJIAN_CHECKIN_RADIUS_METERS": "0"}, "GONGJIAN_CHECKIN_RADIUS_METERS", nil},
		{map[string]string{"GONGJIAN_CHECKIN_OPEN_BEFORE": "90m", "GONGJIAN_CHECKIN_RADIUS_METERS": "300"}, "",
			func(c Config) bool { return c.Checkin.OpenBefore.Minutes() == 90 && c.Checkin.RadiusMeters == 300 }},
	})
}

// A file that sets only a template's id keeps the built-in page and
// fields; the environment sets ids; bad field keys name the key to fix.
func TestTemplateDefaultsMerge(t *testing.T) {
	cfg, err := Load("config.example.yaml", func(k string) string {
		return map[string]string{"GONGJIAN_TEMPLATE_WRISTBAND_ALERT": "tmplBand"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range TemplateKeys {
		tpl := cfg.WeChat.Templates[key]
		if tpl.Page == "" || len(tpl.Fields) == 0 {
			t.Errorf("%s lacks built-in page or fields: %+v", key, tpl)
		}
	}
	if cfg.WeChat.Templates["wristband_alert"].ID != "tmplBand" || cfg.WeChat.Templates["wristband_alert"].Fields["wearer"] != "name1" {
		t.Fatalf("wristband_alert %+v", cfg.WeChat.Templates["wristband_alert"])
	}
	if cfg.Notify.Reminder.EveningAt != "18:00" || cfg.Notify.RatePerSecond != 50 {
		t.Fatalf("notify %+v", cfg.Notify)
	}
	bad := Defaults()
	bad.WeChat.Templates["checkin_done"] = Template{Fields: map[string]string{"activity": "title1"}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "wechat.templates.checkin_done.fields.activity") {
		t.Fatalf("bad field key: %v", err)
	}
	for _, env := range []map[string]string{
		{"GONGJIAN_NOTIFY_BATCH_SIZE": "0"}, {"GONGJIAN_NOTIFY_REMINDER_EVENING_AT": "6pm"},
		{"GONGJIAN_NOTIFY_REMINDER_TIME_ZONE": "Mars/Base"}, {"GONGJIAN_NOTIFY_MINIPROGRAM_STATE": "beta"},
	} {
		if _, err := Load("", func(k string) string { return env[k] }); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}
