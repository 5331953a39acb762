// Package config loads Gongjian's settings from a YAML file and GONGJIAN_*
// environment variables, fills defaults and validates them.
//
// Every setting has an environment variable; the variable wins over the file.
// Validation errors name the offending key so an operator knows what to fix.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. The `env` tag names the environment
// variable overriding each leaf; the `yaml` tag names its key in the file.
type Config struct {
	Env     string `yaml:"env" env:"GONGJIAN_ENV"` // development | production
	DataDir string `yaml:"data_dir" env:"GONGJIAN_DATA_DIR"`

	HTTP     HTTP     `yaml:"http"`
	MySQL    MySQL    `yaml:"mysql"`
	Redis    Redis    `yaml:"redis"`
	WeChat   WeChat   `yaml:"wechat"`
	Security Security `yaml:"security"`
	Login    Login    `yaml:"login"`
	Seed     Seed     `yaml:"seed"`
	Log      Log      `yaml:"log"`
	Checkin  Checkin  `yaml:"checkin"`

	Wristband    Wristband    `yaml:"wristband"`
	Notify       Notify       `yaml:"notify"`
	Registration Registration `yaml:"registration"`
	Limits       Limits       `yaml:"limits"`
	Uploads      Uploads      `yaml:"uploads"`
	Hours        Hours        `yaml:"hours"`
	Cobuild      Cobuild      `yaml:"cobuild"`
	Console      Console      `yaml:"console"`
}

// Console configures the desk console's sessions (issue 17).
type Console struct {
	IdleTimeout time.Duration `yaml:"idle_timeout" env:"GONGJIAN_CONSOLE_IDLE_TIMEOUT"` // ends an unused session
	MaxLifetime time.Duration `yaml:"max_lifetime" env:"GONGJIAN_CONSOLE_MAX_LIFETIME"` // ends any session
	QRTTL       time.Duration `yaml:"qr_ttl" env:"GONGJIAN_CONSOLE_QR_TTL"`             // a login code's life
	// DevLogin offers the "dev:<name>" console login: auto = only with the
	// built-in WeChat emulator; on = also with another fake WeChat (tests);
	// off. Never in production.
	DevLogin string `yaml:"dev_login" env:"GONGJIAN_CONSOLE_DEV_LOGIN"`
}

// DevConsoleLogin reports whether the "dev:<name>" console login is offered.
func (c Config) DevConsoleLogin() bool {
	if c.Env == "production" {
		return false
	}
	return c.Console.DevLogin == "on" || (c.Console.DevLogin == "auto" && c.EmulatedWeChat())
}

// Hours configures the service-hours rules.
type Hours struct {
	// CorrectionApprovalMinutes: a staff correction of more than this many
	// minutes (either way), or one taking an entry's corrections written
	// without a second approval beyond it together, waits for a second
	// staff member's approval.
	CorrectionApprovalMinutes int `yaml:"correction_approval_minutes" env:"GONGJIAN_HOURS_CORRECTION_APPROVAL_MINUTES"`
	// RecordIssuer names who issues service records: printed on them and
	// shown by their public verification (the subdistrict, e.g. 幸福街道办事处).
	RecordIssuer string `yaml:"record_issuer" env:"GONGJIAN_HOURS_RECORD_ISSUER"`
	// RecordVerifyURL is the public page that verifies a record by its
	// number, as printed in the record's QR code (https://…/service-records);
	// empty: wechat.public_base_url + /service-records.
	RecordVerifyURL string `yaml:"record_verify_url" env:"GONGJIAN_HOURS_RECORD_VERIFY_URL"`
}

// Limits are per-minute request limits counted in Redis, so they hold across
// every server process. 0 turns a limit off.
type Limits struct {
	RegistrationPerUser int `yaml:"registration_per_user_per_minute" env:"GONGJIAN_LIMIT_REGISTRATION_PER_USER"`
	RegistrationPerIP   int `yaml:"registration_per_ip_per_minute" env:"GONGJIAN_LIMIT_REGISTRATION_PER_IP"`
	CheckinPerUser      int `yaml:"checkin_per_user_per_minute" env:"GONGJIAN_LIMIT_CHECKIN_PER_USER"`
	CheckinPerIP        int `yaml:"checkin_per_ip_per_minute" env:"GONGJIAN_LIMIT_CHECKIN_PER_IP"`
}

// imageHostPattern is a host name, or "*." and a domain.
var imageHostPattern = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)

// Uploads configures photo uploads (the pictures of hours claims).
type Uploads struct {
	PerUserPerHour int `yaml:"per_user_per_hour" env:"GONGJIAN_UPLOADS_PER_USER_PER_HOUR"`
	// UnattachedTTL: an upload no claim or avatar uses is deleted after this.
	UnattachedTTL time.Duration `yaml:"unattached_ttl" env:"GONGJIAN_UPLOADS_UNATTACHED_TTL"`
	// ImageHosts are the hosts whose https image URLs an avatar or an
	// activity's cover may be ("*.example.com" for its subdomains); our own
	// uploads are always accepted. Comma-separated in env.
	ImageHosts []string `yaml:"image_hosts" env:"GONGJIAN_UPLOADS_IMAGE_HOSTS"`
}

// HTTP configures the API listener.
type HTTP struct {
	Addr            string        `yaml:"addr" env:"GONGJIAN_HTTP_ADDR"`
	ReadTimeout     time.Duration `yaml:"read_timeout" env:"GONGJIAN_HTTP_READ_TIMEOUT"`
	WriteTimeout    time.Duration `yaml:"write_timeout" env:"GONGJIAN_HTTP_WRITE_TIMEOUT"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"GONGJIAN_HTTP_SHUTDOWN_TIMEOUT"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes" env:"GONGJIAN_HTTP_MAX_BODY_BYTES"`
	// ReadHeaderTimeout cuts off clients that send their headers slowly (slow loris).
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout" env:"GONGJIAN_HTTP_READ_HEADER_TIMEOUT"`
	// TrustedProxies are the load balancers (IPs or CIDRs) whose
	// X-Forwarded-For is believed for the client address that per-IP
	// limits count; empty = the connection's address is the client.
	TrustedProxies []string `yaml:"trusted_proxies" env:"GONGJIAN_HTTP_TRUSTED_PROXIES"`
	// MetricsAllow are the addresses (IPs or CIDRs) /metrics is served to,
	// judged by the connection's own peer address (never a header); every
	// other caller is told the route does not exist.
	MetricsAllow []string `yaml:"metrics_allow" env:"GONGJIAN_HTTP_METRICS_ALLOW"`
	// DebugAddr, when set, is a second listener that serves Go's profiles
	// (/debug/pprof/…) and nothing else; it must be a loopback address.
	// Off by default.
	DebugAddr string `yaml:"debug_addr" env:"GONGJIAN_HTTP_DEBUG_ADDR"`
}

// MySQL configures the relational store. Empty DSN selects the embedded SQLite file.
type MySQL struct {
	DSN          string `yaml:"dsn" env:"GONGJIAN_MYSQL_DSN"`
	MaxOpenConns int    `yaml:"max_open_conns" env:"GONGJIAN_MYSQL_MAX_OPEN_CONNS"`
	AutoMigrate  bool   `yaml:"auto_migrate" env:"GONGJIAN_MYSQL_AUTO_MIGRATE"`
}

// Redis configures the quota/caching store. Empty Addr selects the in-process server.
type Redis struct {
	Addr       string `yaml:"addr" env:"GONGJIAN_REDIS_ADDR"` // comma-separated for a cluster
	Password   string `yaml:"password" env:"GONGJIAN_REDIS_PASSWORD"`
	DB         int    `yaml:"db" env:"GONGJIAN_REDIS_DB"`
	MasterName string `yaml:"master_name" env:"GONGJIAN_REDIS_MASTER_NAME"` // Sentinel
	KeyPrefix  string `yaml:"key_prefix" env:"GONGJIAN_REDIS_KEY_PREFIX"`
}

// WeChat configures the mini-program credentials. Empty AppID selects the built-in emulator.
type WeChat struct {
	AppID     string              `yaml:"app_id" env:"GONGJIAN_WECHAT_APP_ID"`
	AppSecret string              `yaml:"app_secret" env:"GONGJIAN_WECHAT_APP_SECRET"`
	APIBase   string              `yaml:"api_base" env:"GONGJIAN_WECHAT_API_BASE"`
	Timeout   time.Duration       `yaml:"timeout" env:"GONGJIAN_WECHAT_TIMEOUT"`
	Templates map[string]Template `yaml:"templates"`
	// PushToken is the token of the mini-program's message push (消息推送)
	// configured in WeChat's console: pushes to /api/v1/wechat/push (the
	// asynchronous media-check results) are signed with it.
	PushToken string `yaml:"push_token" env:"GONGJIAN_WECHAT_PUSH_TOKEN"`
	// PublicBaseURL is this server's address as WeChat reaches it
	// (https://…): photos sent to mediaCheckAsync are fetched from it.
	PublicBaseURL string `yaml:"public_base_url" env:"GONGJIAN_WECHAT_PUBLIC_BASE_URL"`
}

// Cobuild configures co-building (issue 15).
type Cobuild struct {
	WishesPerResident int `yaml:"wishes_per_resident" env:"GONGJIAN_COBUILD_WISHES_PER_RESIDENT"` // open wishes at once (3)
	SupportThreshold  int `yaml:"support_threshold" env:"GONGJIAN_COBUILD_SUPPORT_THRESHOLD"`     // supports that put a proposal on the agenda (10); the default of communities without their own (PATCH /api/v1/console/communities/{id} support_threshold)
}

// Template is one subscribe-message template. Its id can be set from
// GONGJIAN_TEMPLATE_<KEY> (key upper-cased).
type Template struct {
	ID     string            `yaml:"id"`
	Page   string            `yaml:"page"`
	Fields map[string]string `yaml:"fields"` // logical name -> WeChat field, e.g. title -> thing1
	// LongTerm marks a long-term subscription template (only some
	// public-service categories have them): one "accept" allows every later
	// message instead of one.
	LongTerm bool `yaml:"long_term"`
}

// Security holds keys. Missing ones are generated under DataDir outside production.
type Security struct {
	JWTSecret       string        `yaml:"jwt_secret" env:"GONGJIAN_JWT_SECRET"`
	DataKey         string        `yaml:"data_key" env:"GONGJIAN_DATA_KEY"` // base64 of 32 bytes
	AccessTokenTTL  time.Duration `yaml:"access_token_ttl" env:"GONGJIAN_ACCESS_TOKEN_TTL"`
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl" env:"GONGJIAN_REFRESH_TOKEN_TTL"`
	// RevocationDelay: a process trusts a user's token version this long;
	// a revocation (role revoked, refresh token reused) takes effect on
	// every process within it. At most 1m.
	RevocationDelay time.Duration `yaml:"revocation_delay" env:"GONGJIAN_REVOCATION_DELAY"`
	TicketKey       string        `yaml:"ticket_key" env:"GONGJIAN_TICKET_KEY"` // base64 of a 32-byte Ed25519 seed
	// JWTSecretOld are earlier JWT secrets, still accepted when verifying
	// access tokens (never used to sign) during a rotation.
	JWTSecretOld []string `yaml:"jwt_secret_old" env:"GONGJIAN_JWT_SECRET_OLD"`
	// DataKeyOld are earlier data keys (base64 of 32 bytes): what they
	// sealed stays readable; new data is sealed with data_key.
	DataKeyOld []string `yaml:"data_key_old" env:"GONGJIAN_DATA_KEY_OLD"`
}

// Login configures login rate limits and how login copes with a slow or
// failing WeChat: each code2session exchange gets WeChatTimeout; after
// BreakerFailures outages in a row a process refuses logins at once (503)
// for BreakerCooldown, then lets one through as a probe.
type Login struct {
	PerIPPerMinute   int           `yaml:"per_ip_per_minute" env:"GONGJIAN_LOGIN_PER_IP_PER_MINUTE"`
	PerUserPerMinute int           `yaml:"per_user_per_minute" env:"GONGJIAN_LOGIN_PER_USER_PER_MINUTE"`
	WeChatTimeout    time.Duration `yaml:"wechat_timeout" env:"GONGJIAN_LOGIN_WECHAT_TIMEOUT"`
	BreakerFailures  int           `yaml:"breaker_failures" env:"GONGJIAN_LOGIN_BREAKER_FAILURES"`
	BreakerCooldown  time.Duration `yaml:"breaker_cooldown" env:"GONGJIAN_LOGIN_BREAKER_COOLDOWN"`
}

// Seed lists communities created at start-up and whether to load the demo data set.
type Seed struct {
	Communities []string `yaml:"communities" env:"GONGJIAN_SEED_COMMUNITIES"` // comma-separated in env
	Demo        string   `yaml:"demo" env:"GONGJIAN_SEED_DEMO"`               // auto | always | never
}

// Registration tunes sign-ups: no-show strikes, the group-commit writers and
// the reconciler that compares Redis quotas with MySQL.
type Registration struct {
	NoShowStrikes     int           `yaml:"no_show_strikes" env:"GONGJIAN_NO_SHOW_STRIKES"`
	NoShowWindow      time.Duration `yaml:"no_show_window" env:"GONGJIAN_NO_SHOW_WINDOW"`
	NoShowSuspension  time.Duration `yaml:"no_show_suspension" env:"GONGJIAN_NO_SHOW_SUSPENSION"`
	Writers           int           `yaml:"writers" env:"GONGJIAN_REGISTRATION_WRITERS"`
	WriteBatch        int           `yaml:"write_batch" env:"GONGJIAN_REGISTRATION_WRITE_BATCH"`
	ReconcileInterval time.Duration `yaml:"reconcile_interval" env:"GONGJIAN_RECONCILE_INTERVAL"`
	// StaleAfter: a seat reserved in Redis whose write was not confirmed by
	// then is settled by the reconciler against MySQL (a crashed process's).
	StaleAfter time.Duration `yaml:"stale_after" env:"GONGJIAN_RECONCILE_STALE_AFTER"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level" env:"GONGJIAN_LOG_LEVEL"`   // debug | info | warn | error
	Format string `yaml:"format" env:"GONGJIAN_LOG_FORMAT"` // json | text
}

// Checkin configures ticket scanning and self check-in.
type Checkin struct {
	// OpenBefore is how long before a session starts tickets are accepted.
	OpenBefore time.Duration `yaml:"open_before" env:"GONGJIAN_CHECKIN_OPEN_BEFORE"`
	// CloseAfter is how long after a session ends tickets (and check-outs) are accepted.
	CloseAfter time.Duration `yaml:"close_after" env:"GONGJIAN_CHECKIN_CLOSE_AFTER"`
	// RadiusMeters is how far from the activity's place a self check-in may be.
	RadiusMeters int `yaml:"radius_meters" env:"GONGJIAN_CHECKIN_RADIUS_METERS"`
	// ClockSkew is how far a phone's scanned_at may be from the server's clock.
	ClockSkew time.Duration `yaml:"clock_skew" env:"GONGJIAN_CHECKIN_CLOCK_SKEW"`
}

// Wristband configures the smart wristbands: the vendors' webhook secrets,
// the replay window, data retention, alarm escalation and guardian invitations.
type Wristband struct {
	// Vendors maps a vendor name (the X-Vendor header of its pushes) to the
	// shared HMAC secret. From the environment: name:secret,name2:secret2.
	Vendors                map[string]string `yaml:"vendors" env:"GONGJIAN_WRISTBAND_VENDOR_SECRETS"`
	ReplayWindow           time.Duration     `yaml:"replay_window" env:"GONGJIAN_WRISTBAND_REPLAY_WINDOW"`
	RetentionDays          int               `yaml:"retention_days" env:"GONGJIAN_WRISTBAND_RETENTION_DAYS"`
	PushRecordDays         int               `yaml:"push_record_days" env:"GONGJIAN_WRISTBAND_PUSH_RECORD_DAYS"`
	AccessLogRetentionDays int               `yaml:"access_log_retention_days" env:"GONGJIAN_WRISTBAND_ACCESS_LOG_RETENTION_DAYS"`
	EscalationDelay        time.Duration     `yaml:"escalation_delay" env:"GONGJIAN_WRISTBAND_ESCALATION_DELAY"`
	InvitationTTL          time.Duration     `yaml:"invitation_ttl" env:"GONGJIAN_WRISTBAND_INVITATION_TTL"`
	// BindCodeTTL: how long a bind code staff issue at hand-over is valid.
	BindCodeTTL time.Duration `yaml:"bind_code_ttl" env:"GONGJIAN_WRISTBAND_BIND_CODE_TTL"`
	// BindAttempts: residents' bind attempts per account and per device in 15 minutes.
	BindAttempts int `yaml:"bind_attempts" env:"GONGJIAN_WRISTBAND_BIND_ATTEMPTS"`
	// LiveWindow: an event older than this is stored as history only (no
	// live alarm, no notice).
	LiveWindow time.Duration `yaml:"live_window" env:"GONGJIAN_WRISTBAND_LIVE_WINDOW"`
	// UnattachedDays: pushes of unknown or unbound devices are purged after this.
	UnattachedDays int           `yaml:"unattached_days" env:"GONGJIAN_WRISTBAND_UNATTACHED_DAYS"`
	JobInterval    time.Duration `yaml:"job_interval" env:"GONGJIAN_WRISTBAND_JOB_INTERVAL"`
}

// Notify configures the delivery of notices (subscribe messages) and reminders.
type Notify struct {
	// Workers runs the delivery workers and the reminder scheduler in the
	// serving process. Any number of processes may run them together.
	Workers      bool          `yaml:"workers" env:"GONGJIAN_NOTIFY_WORKERS"`
	PollInterval time.Duration `yaml:"poll_interval" env:"GONGJIAN_NOTIFY_POLL_INTERVAL"`
	BatchSize    int           `yaml:"batch_size" env:"GONGJIAN_NOTIFY_BATCH_SIZE"`   // notices one worker set claims at a time
	Concurrency  int           `yaml:"concurrency" env:"GONGJIAN_NOTIFY_CONCURRENCY"` // parallel WeChat calls per process
	// RatePerSecond caps subscribe-message sends per second across ALL
	// processes (a token bucket in Redis); 0 means no cap.
	RatePerSecond int           `yaml:"rate_per_second" env:"GONGJIAN_NOTIFY_RATE_PER_SECOND"`
	Burst         int           `yaml:"burst" env:"GONGJIAN_NOTIFY_BURST"`
	MaxAttempts   int           `yaml:"max_attempts" env:"GONGJIAN_NOTIFY_MAX_ATTEMPTS"` // WeChat calls per notice before "failed"
	RetryBase     time.Duration `yaml:"retry_base" env:"GONGJIAN_NOTIFY_RETRY_BASE"`     // first retry delay, doubled each time, with jitter
	RetryMax      time.Duration `yaml:"retry_max" env:"GONGJIAN_NOTIFY_RETRY_MAX"`
	// Lease is how long a claimed notice stays reserved to one process
	// before another may take it over.
	Lease time.Duration `yaml:"lease" env:"GONGJIAN_NOTIFY_LEASE"`
	// MiniprogramState is the mini-program version a message opens:
	// formal (default), trial or developer.
	MiniprogramState string   `yaml:"miniprogram_state" env:"GONGJIAN_NOTIFY_MINIPROGRAM_STATE"`
	Reminder         Reminder `yaml:"reminder"`
	// Retention: notices done with (sent, failed, in-app only…) are deleted
	// this long after they were written; 0 keeps them for ever.
	Retention time.Duration `yaml:"retention" env:"GONGJIAN_NOTIFY_RETENTION"`
}

// Reminder configures activity reminders.
type Reminder struct {
	// Lead is how long before the session the reminder is sent.
	Lead time.Duration `yaml:"lead" env:"GONGJIAN_NOTIFY_REMINDER_LEAD"`
	// EveningAt ("18:00") is when sessions starting before MorningUntil
	// are reminded, on the evening before; empty disables that rule.
	EveningAt    string `yaml:"evening_at" env:"GONGJIAN_NOTIFY_REMINDER_EVENING_AT"`
	MorningUntil string `yaml:"morning_until" env:"GONGJIAN_NOTIFY_REMINDER_MORNING_UNTIL"`
	TimeZone     string `yaml:"time_zone" env:"GONGJIAN_NOTIFY_REMINDER_TIME_ZONE"`
	// Interval is how often the scheduler looks for reminders that are due.
	Interval time.Duration `yaml:"interval" env:"GONGJIAN_NOTIFY_REMINDER_INTERVAL"`
}

// DefaultTemplates returns the built-in subscribe-message templates: page
// and field mapping (logical name -> WeChat data key, whose prefix is the
// WeChat field type). Template ids are per mini-program and come from the
// file or GONGJIAN_TEMPLATE_<KEY>; the embedded mode invents them.
func DefaultTemplates() map[string]Template {
	signup := Template{Page: "pages/registrations/index", Fields: map[string]string{
		"activity": "thing1", "time": "time2", "place": "thing3", "status": "phrase4", "note": "thing5",
	}}
	clone := func(t Template) Template {
		f := make(map[string]string, len(t.Fields))
		for k, v := range t.Fields {
			f[k] = v
		}
		t.Fields = f
		return t
	}
	return map[string]Template{
		"registration_confirmed": clone(signup),
		"waitlist_promoted":      clone(signup),
		"activity_reminder": {Page: "pages/registrations/index", Fields: map[string]string{
			"activity": "thing1", "time": "time2", "place": "thing3", "attendee": "name4", "note": "thing5",
		}},
		"activity_changed": {Page: "pages/registrations/index", Fields: map[string]string{
			"activity": "thing1", "status": "phrase2", "time": "time3", "place": "thing4", "note": "thing5",
		}},
		"checkin_done": {Page: "pages/volunteer/index", Fields: map[string]string{
			"activity": "thing1", "time": "time2", "name": "name3", "place": "thing4", "status": "phrase5",
		}},
		"hours_credited": {Page: "pages/volunteer/index", Fields: map[string]string{
			"activity": "thing1", "hours": "thing2", "time": "time3", "note": "thing4",
		}},
		"claim_reviewed": {Page: "pages/volunteer/index", Fields: map[string]string{
			"activity": "thing1", "status": "phrase2", "note": "thing3", "time": "time4",
		}},
		"wristband_alert": {Page: "pages/wristband/index", Fields: map[string]string{
			"wearer": "name1", "type": "thing2", "time": "time3", "detail": "thing4", "status": "phrase5",
		}},
	}
}

// fillTemplateDefaults completes configured templates with the built-in
// page and fields, and adds built-in templates that are not configured.
func fillTemplateDefaults(cfg *Config) {
	if cfg.WeChat.Templates == nil {
		cfg.WeChat.Templates = map[string]Template{}
	}
	for key, def := range DefaultTemplates() {
		t, ok := cfg.WeChat.Templates[key]
		if !ok {
			cfg.WeChat.Templates[key] = def
			continue
		}
		if t.Page == "" {
			t.Page = def.Page
		}
		if len(t.Fields) == 0 {
			t.Fields = def.Fields
		}
		cfg.WeChat.Templates[key] = t
	}
}

// wechatFieldTypes are the subscribe-message data key prefixes.
var wechatFieldTypes = []string{"thing", "short_thing", "number", "letter", "symbol", "character_string",
	"time", "date", "amount", "phone_number", "car_number", "name", "phrase"}

// validFieldKey reports whether k is a WeChat data key: a type and digits ("thing1").
func validFieldKey(k string) bool {
	kind := strings.TrimRight(k, "0123456789")
	if kind == k || kind == "" {
		return false
	}
	for _, t := range wechatFieldTypes {
		if kind == t {
			return true
		}
	}
	return false
}

// validClock reports whether s is "HH:MM".
func validClock(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Env:     "development",
		DataDir: "./data",
		HTTP: HTTP{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     10 * time.Second,
			WriteTimeout:    30 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			MaxBodyBytes:    1 << 20,

			ReadHeaderTimeout: 5 * time.Second,
			MetricsAllow:      []string{"127.0.0.1/8", "::1/128"},
		},
		MySQL:  MySQL{MaxOpenConns: 64, AutoMigrate: true},
		Redis:  Redis{KeyPrefix: "gj:"},
		WeChat: WeChat{APIBase: "https://api.weixin.qq.com", Timeout: 5 * time.Second, Templates: DefaultTemplates()},
		Security: Security{
			AccessTokenTTL:  2 * time.Hour,
			RefreshTokenTTL: 30 * 24 * time.Hour,
			RevocationDelay: 10 * time.Second,
		},
		// Residents behind one carrier NAT address open the mini-program
		// together: the per-address login limit matches the sign-up one.
		Login: Login{PerIPPerMinute: 3000, PerUserPerMinute: 10, WeChatTimeout: 3 * time.Second, BreakerFailures: 3, BreakerCooldown: 10 * time.Second},
		Seed:  Seed{Demo: "auto"},
		Log:   Log{Level: "info", Format: "json"},
		Checkin: Checkin{
			OpenBefore: time.Hour, CloseAfter: 30 * time.Minute, RadiusMeters: 500, ClockSkew: 2 * time.Minute,
		},
		Wristband: Wristband{
			ReplayWindow: 5 * time.Minute, RetentionDays: 180, PushRecordDays: 7, AccessLogRetentionDays: 365,
			EscalationDelay: 15 * time.Minute, InvitationTTL: 48 * time.Hour, JobInterval: time.Minute,
			BindCodeTTL: 72 * time.Hour, BindAttempts: 5, LiveWindow: 24 * time.Hour, UnattachedDays: 7,
		},
		Notify: Notify{
			Workers: true, PollInterval: time.Second, BatchSize: 20, Concurrency: 4,
			RatePerSecond: 50, Burst: 50, MaxAttempts: 6, RetryBase: 30 * time.Second, RetryMax: 30 * time.Minute,
			Lease: 2 * time.Minute, Retention: 365 * 24 * time.Hour,
			Reminder: Reminder{Lead: 2 * time.Hour, EveningAt: "18:00", MorningUntil: "12:00",
				TimeZone: "Asia/Shanghai", Interval: 30 * time.Second},
		},
		Registration: Registration{
			NoShowStrikes: 3, NoShowWindow: 90 * 24 * time.Hour, NoShowSuspension: 30 * 24 * time.Hour,
			Writers: 1, WriteBatch: 200, ReconcileInterval: 30 * time.Second,
			StaleAfter: 30 * time.Second,
		},
		Limits:  Limits{RegistrationPerUser: 30, RegistrationPerIP: 3000, CheckinPerUser: 600, CheckinPerIP: 6000},
		Uploads: Uploads{PerUserPerHour: 60, UnattachedTTL: 7 * 24 * time.Hour, ImageHosts: []string{"thirdwx.qlogo.cn", "wx.qlogo.cn"}},
		Hours:   Hours{CorrectionApprovalMinutes: 8 * 60, RecordIssuer: "街道志愿服务站"},
		Cobuild: Cobuild{WishesPerResident: 3, SupportThreshold: 10},
		Console: Console{IdleTimeout: 30 * time.Minute, MaxLifetime: 12 * time.Hour, QRTTL: 2 * time.Minute, DevLogin: "auto"},
	}
}

// Load reads path (if not empty), then applies environment overrides from
// getenv (os.Getenv when nil), and validates the result.
func Load(path string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Defaults()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && err.Error() != "EOF" {
			return cfg, fmt.Errorf("config: parse %s: %w", path, err)
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), getenv); err != nil {
		return cfg, err
	}
	applyTemplateEnv(&cfg, getenv)
	fillTemplateDefaults(&cfg)
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// applyEnv walks the struct and sets every field with an `env` tag whose
// variable is non-empty.
func applyEnv(v reflect.Value, getenv func(string) string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct {
			if err := applyEnv(fv, getenv); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		raw, ok := lookup(getenv, name)
		if !ok {
			continue
		}
		if err := setField(fv, raw); err != nil {
			return fmt.Errorf("config: %s=%q: %v", name, raw, err)
		}
	}
	return nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	s := getenv(name)
	return s, s != ""
}

func setField(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 30s, 5m)")
		}
		fv.SetInt(int64(d))
		return nil
	}
	switch fv.Interface().(type) {
	case map[string]string:
		m := map[string]string{}
		for _, item := range strings.Split(raw, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			k, v, ok := strings.Cut(item, ":")
			if !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("not a list of name:value pairs (e.g. a:1,b:2)")
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		fv.Set(reflect.ValueOf(m))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean (true/false)")
		}
		fv.SetBool(b)
	case reflect.Slice:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// applyTemplateEnv sets template ids from GONGJIAN_TEMPLATE_<KEY>.
func applyTemplateEnv(cfg *Config, getenv func(string) string) {
	for _, key := range TemplateKeys {
		id := getenv("GONGJIAN_TEMPLATE_" + strings.ToUpper(key))
		if id == "" {
			continue
		}
		if cfg.WeChat.Templates == nil {
			cfg.WeChat.Templates = map[string]Template{}
		}
		t := cfg.WeChat.Templates[key]
		t.ID = id
		cfg.WeChat.Templates[key] = t
	}
}

// TemplateKeys lists the subscribe-message templates the product sends.
var TemplateKeys = []string{
	"registration_confirmed", "waitlist_promoted", "activity_reminder", "activity_changed",
	"checkin_done", "hours_credited", "claim_reviewed", "wristband_alert",
}

// Production reports whether the production rules apply.
func (c Config) Production() bool { return c.Env == "production" }

// EmbeddedDB reports whether the SQLite file is used instead of MySQL.
func (c Config) EmbeddedDB() bool { return c.MySQL.DSN == "" }

// EmbeddedRedis reports whether the in-process Redis server is used.
func (c Config) EmbeddedRedis() bool { return c.Redis.Addr == "" }

// EmulatedWeChat reports whether the built-in WeChat emulator answers WeChat calls.
func (c Config) EmulatedWeChat() bool { return c.WeChat.AppID == "" }

// Validate checks every setting and names the first bad key.
func (c Config) Validate() error {
	bad := func(key, why string) error { return fmt.Errorf("config: %s: %s", key, why) }
	switch c.Env {
	case "development", "production":
	default:
		return bad("env (GONGJIAN_ENV)", "must be development or production")
	}
	if c.HTTP.Addr == "" || !strings.Contains(c.HTTP.Addr, ":") {
		return bad("http.addr (GONGJIAN_HTTP_ADDR)", "must be host:port, e.g. 127.0.0.1:8080")
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		return bad("http.max_body_bytes (GONGJIAN_HTTP_MAX_BODY_BYTES)", "must be positive")
	}
	if c.HTTP.ReadTimeout <= 0 || c.HTTP.WriteTimeout <= 0 || c.HTTP.ShutdownTimeout <= 0 || c.HTTP.ReadHeaderTimeout <= 0 {
		return bad("http.*_timeout", "timeouts must be positive")
	}
	if c.MySQL.DSN != "" && !strings.Contains(c.MySQL.DSN, "/") {
		return bad("mysql.dsn (GONGJIAN_MYSQL_DSN)", "must be a go-sql-driver DSN, e.g. user:pass@tcp(127.0.0.1:3306)/gongjian?parseTime=true")
	}
	if c.MySQL.MaxOpenConns <= 0 {
		return bad("mysql.max_open_conns (GONGJIAN_MYSQL_MAX_OPEN_CONNS)", "must be positive")
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		return bad("redis.db (GONGJIAN_REDIS_DB)", "must be 0..15")
	}
	if c.WeChat.AppID != "" && c.WeChat.AppSecret == "" {
		return bad("wechat.app_secret (GONGJIAN_WECHAT_APP_SECRET)", "is required when wechat.app_id is set")
	}
	if c.WeChat.APIBase == "" || !(strings.HasPrefix(c.WeChat.APIBase, "http://") || strings.HasPrefix(c.WeChat.APIBase, "https://")) {
		return bad("wechat.api_base (GONGJIAN_WECHAT_API_BASE)", "must be an http(s) URL")
	}
	if c.WeChat.Timeout <= 0 {
		return bad("wechat.timeout (GONGJIAN_WECHAT_TIMEOUT)", "must be positive")
	}
	if c.Security.DataKey != "" {
		k, err := base64.StdEncoding.DecodeString(c.Security.DataKey)
		if err != nil || len(k) != 32 {
			return bad("security.data_key (GONGJIAN_DATA_KEY)", "must be base64 of exactly 32 bytes (openssl rand -base64 32)")
		}
	}
	if c.Security.JWTSecret != "" && len(c.Security.JWTSecret) < 32 {
		return bad("security.jwt_secret (GONGJIAN_JWT_SECRET)", "must be at least 32 characters")
	}
	if c.Security.TicketKey != "" {
		k, err := base64.StdEncoding.DecodeString(c.Security.TicketKey)
		if err != nil || len(k) != 32 {
			return bad("security.ticket_key (GONGJIAN_TICKET_KEY)", "must be base64 of a 32-byte Ed25519 seed (openssl rand -base64 32)")
		}
	}
	if c.Checkin.OpenBefore < 0 || c.Checkin.CloseAfter < 0 {
		return bad("checkin.open_before / checkin.close_after", "must not be negative")
	}
	if c.Checkin.RadiusMeters <= 0 {
		return bad("checkin.radius_meters (GONGJIAN_CHECKIN_RADIUS_METERS)", "must be positive")
	}
	if c.Checkin.ClockSkew <= 0 {
		return bad("checkin.clock_skew (GONGJIAN_CHECKIN_CLOCK_SKEW)", "must be positive")
	}
	for _, old := range c.Security.JWTSecretOld {
		if len(old) < 32 {
			return bad("security.jwt_secret_old (GONGJIAN_JWT_SECRET_OLD)", "each earlier secret must be at least 32 characters (comma-separated)")
		}
	}
	for _, old := range c.Security.DataKeyOld {
		if k, err := base64.StdEncoding.DecodeString(old); err != nil || len(k) != 32 {
			return bad("security.data_key_old (GONGJIAN_DATA_KEY_OLD)", "each earlier key must be base64 of exactly 32 bytes (comma-separated)")
		}
	}
	if (len(c.Security.JWTSecretOld) > 0 && c.Security.JWTSecret == "") || (len(c.Security.DataKeyOld) > 0 && c.Security.DataKey == "") {
		return bad("security.jwt_secret / data_key", "a rotation needs the new key set beside the old ones")
	}
	for _, p := range c.HTTP.MetricsAllow {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return bad("http.metrics_allow (GONGJIAN_HTTP_METRICS_ALLOW)", fmt.Sprintf("%q is not an IP address or CIDR", p))
			}
		}
	}
	if c.HTTP.DebugAddr != "" {
		host, _, err := net.SplitHostPort(c.HTTP.DebugAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return bad("http.debug_addr (GONGJIAN_HTTP_DEBUG_ADDR)", "must be a loopback address with a port, e.g. 127.0.0.1:6060")
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return bad("http.trusted_proxies (GONGJIAN_HTTP_TRUSTED_PROXIES)", fmt.Sprintf("%q is not an IP address or CIDR", p))
			}
		}
	}
	if l := c.Limits; l.RegistrationPerUser < 0 || l.RegistrationPerIP < 0 || l.CheckinPerUser < 0 || l.CheckinPerIP < 0 {
		return bad("limits.* (GONGJIAN_LIMIT_*)", "must not be negative (0 turns a limit off)")
	}
	if c.Security.RevocationDelay <= 0 || c.Security.RevocationDelay > time.Minute {
		return bad("security.revocation_delay (GONGJIAN_REVOCATION_DELAY)", "must be positive and at most 1m")
	}
	if c.Security.AccessTokenTTL <= 0 || c.Security.RefreshTokenTTL <= c.Security.AccessTokenTTL {
		return bad("security.refresh_token_ttl", "must be longer than a positive access_token_ttl")
	}
	if c.Login.PerIPPerMinute <= 0 || c.Login.PerUserPerMinute <= 0 {
		return bad("login.per_*_per_minute", "rate limits must be positive")
	}
	if c.Login.WeChatTimeout <= 0 || c.Login.BreakerFailures <= 0 || c.Login.BreakerCooldown <= 0 {
		return bad("login.wechat_timeout / breaker_failures / breaker_cooldown", "must be positive")
	}
	switch c.Seed.Demo {
	case "auto", "always", "never":
	default:
		return bad("seed.demo (GONGJIAN_SEED_DEMO)", "must be auto, always or never")
	}
	if err := c.Wristband.validate(bad); err != nil {
		return err
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level (GONGJIAN_LOG_LEVEL)", "must be debug, info, warn or error")
	}
	for key, t := range c.WeChat.Templates {
		for name, k := range t.Fields {
			if !validFieldKey(k) {
				return bad("wechat.templates."+key+".fields."+name, "must be a WeChat data key such as thing1, time2, phrase3")
			}
		}
	}
	n := c.Notify
	if n.PollInterval <= 0 || n.Lease <= 0 || n.RetryBase <= 0 || n.RetryMax < n.RetryBase {
		return bad("notify.poll_interval/lease/retry_base/retry_max", "must be positive, retry_max ≥ retry_base")
	}
	if n.BatchSize <= 0 || n.Concurrency <= 0 || n.MaxAttempts <= 0 {
		return bad("notify.batch_size/concurrency/max_attempts (GONGJIAN_NOTIFY_*)", "must be positive")
	}
	if n.RatePerSecond < 0 || (n.RatePerSecond > 0 && n.Burst <= 0) {
		return bad("notify.rate_per_second/burst (GONGJIAN_NOTIFY_RATE_PER_SECOND)", "rate must be ≥ 0 (0 = no cap) and burst positive")
	}
	// A purged notice no longer guards its dedup key: keep them well past
	// any event that could repeat it.
	if n.Retention != 0 && n.Retention < 30*24*time.Hour {
		return bad("notify.retention (GONGJIAN_NOTIFY_RETENTION)", "must be 0 (keep) or at least 720h (30 days)")
	}
	switch n.MiniprogramState {
	case "", "formal", "trial", "developer":
	default:
		return bad("notify.miniprogram_state (GONGJIAN_NOTIFY_MINIPROGRAM_STATE)", "must be formal, trial or developer")
	}
	if n.Reminder.Lead <= 0 || n.Reminder.Interval <= 0 {
		return bad("notify.reminder.lead/interval (GONGJIAN_NOTIFY_REMINDER_LEAD)", "must be positive")
	}
	if (n.Reminder.EveningAt != "" && !validClock(n.Reminder.EveningAt)) || !validClock(n.Reminder.MorningUntil) {
		return bad("notify.reminder.evening_at/morning_until", "must be HH:MM, e.g. 18:00")
	}
	if _, err := time.LoadLocation(n.Reminder.TimeZone); err != nil || n.Reminder.TimeZone == "" {
		return bad("notify.reminder.time_zone (GONGJIAN_NOTIFY_REMINDER_TIME_ZONE)", "must be an IANA time zone such as Asia/Shanghai")
	}
	if r := c.Registration; r.NoShowStrikes < 1 || r.NoShowWindow <= 0 || r.NoShowSuspension <= 0 {
		return bad("registration.no_show_* (GONGJIAN_NO_SHOW_*)", "strikes must be at least 1 and durations positive")
	}
	if r := c.Registration; r.Writers < 1 || r.Writers > 64 || r.WriteBatch < 1 || r.WriteBatch > 1000 {
		return bad("registration.writers / write_batch", "writers must be 1..64 and write_batch 1..1000")
	}
	if c.Registration.StaleAfter < time.Second {
		return bad("registration.stale_after (GONGJIAN_RECONCILE_STALE_AFTER)", "must be at least 1s")
	}
	if c.Uploads.PerUserPerHour <= 0 {
		return bad("uploads.per_user_per_hour (GONGJIAN_UPLOADS_PER_USER_PER_HOUR)", "must be positive")
	}
	if c.Uploads.UnattachedTTL < time.Hour {
		return bad("uploads.unattached_ttl (GONGJIAN_UPLOADS_UNATTACHED_TTL)", "must be at least 1h")
	}
	for _, h := range c.Uploads.ImageHosts {
		if !imageHostPattern.MatchString(strings.TrimSpace(h)) {
			return bad("uploads.image_hosts (GONGJIAN_UPLOADS_IMAGE_HOSTS)", "host names only (img.example.com or *.example.com), no scheme, port or path: "+h)
		}
	}
	if err := c.Console.validate(c.Env, bad); err != nil {
		return err
	}
	if c.Hours.CorrectionApprovalMinutes < 1 || c.Hours.CorrectionApprovalMinutes > 24*60 {
		return bad("hours.correction_approval_minutes (GONGJIAN_HOURS_CORRECTION_APPROVAL_MINUTES)", "must be 1..1440")
	}
	if u := c.Hours.RecordVerifyURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return bad("hours.record_verify_url (GONGJIAN_HOURS_RECORD_VERIFY_URL)", "must be an http(s) address")
	}
	if c.Registration.ReconcileInterval < 0 {
		return bad("registration.reconcile_interval (GONGJIAN_RECONCILE_INTERVAL)", "must not be negative (0 turns it off)")
	}
	if c.Production() {
		switch {
		case c.EmbeddedDB():
			return bad("mysql.dsn (GONGJIAN_MYSQL_DSN)", "is required in production (the embedded SQLite is for development only)")
		case c.EmbeddedRedis():
			return bad("redis.addr (GONGJIAN_REDIS_ADDR)", "is required in production (the in-process Redis is for development only)")
		case c.EmulatedWeChat():
			return bad("wechat.app_id (GONGJIAN_WECHAT_APP_ID)", "is required in production (the WeChat emulator is for development only)")
		case c.Security.JWTSecret == "":
			return bad("security.jwt_secret (GONGJIAN_JWT_SECRET)", "is required in production")
		case c.Security.DataKey == "":
			return bad("security.data_key (GONGJIAN_DATA_KEY)", "is required in production")
		case c.Security.TicketKey == "":
			return bad("security.ticket_key (GONGJIAN_TICKET_KEY)", "is required in production")
		}
	}
	return nil
}

var vendorName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (w Wristband) validate(bad func(key, why string) error) error {
	for name, secret := range w.Vendors {
		if !vendorName.MatchString(name) {
			return bad("wristband.vendors (GONGJIAN_WRISTBAND_VENDOR_SECRETS)", fmt.Sprintf("vendor name %q must be lower-case letters, digits, - or _", name))
		}
		if len(secret) < 16 {
			return bad("wristband.vendors (GONGJIAN_WRISTBAND_VENDOR_SECRETS)", fmt.Sprintf("the secret of vendor %q must be at least 16 characters", name))
		}
	}
	if w.ReplayWindow < 30*time.Second || w.ReplayWindow > time.Hour {
		return bad("wristband.replay_window (GONGJIAN_WRISTBAND_REPLAY_WINDOW)", "must be between 30s and 1h")
	}
	if w.RetentionDays < 1 || w.AccessLogRetentionDays < 1 || w.PushRecordDays < 1 {
		return bad("wristband.retention_days (GONGJIAN_WRISTBAND_RETENTION_DAYS)", "retention periods must be at least 1 day")
	}
	if w.EscalationDelay <= 0 {
		return bad("wristband.escalation_delay (GONGJIAN_WRISTBAND_ESCALATION_DELAY)", "must be positive")
	}
	if w.InvitationTTL < time.Minute {
		return bad("wristband.invitation_ttl (GONGJIAN_WRISTBAND_INVITATION_TTL)", "must be at least 1m")
	}
	if w.BindCodeTTL < time.Minute || w.BindAttempts < 1 {
		return bad("wristband.bind_code_ttl / bind_attempts", "the bind code must live at least 1m and at least 1 attempt be allowed")
	}
	if w.LiveWindow < time.Minute || w.UnattachedDays < 1 {
		return bad("wristband.live_window / unattached_days", "must be at least 1m and 1 day")
	}
	if w.JobInterval < time.Second {
		return bad("wristband.job_interval (GONGJIAN_WRISTBAND_JOB_INTERVAL)", "must be at least 1s")
	}
	return nil
}

func (c Console) validate(env string, bad func(key, why string) error) error {
	switch {
	case c.IdleTimeout < time.Second || c.IdleTimeout > 24*time.Hour:
		return bad("console.idle_timeout (GONGJIAN_CONSOLE_IDLE_TIMEOUT)", "must be 1s..24h")
	case c.MaxLifetime < c.IdleTimeout || c.MaxLifetime > 7*24*time.Hour:
		return bad("console.max_lifetime (GONGJIAN_CONSOLE_MAX_LIFETIME)", "must be at least the idle timeout and at most 168h")
	case c.QRTTL < 10*time.Second || c.QRTTL > 10*time.Minute:
		return bad("console.qr_ttl (GONGJIAN_CONSOLE_QR_TTL)", "must be 10s..10m")
	}
	switch c.DevLogin {
	case "auto", "off":
	case "on":
		if env == "production" {
			return bad("console.dev_login (GONGJIAN_CONSOLE_DEV_LOGIN)", "must not be on in production")
		}
	default:
		return bad("console.dev_login (GONGJIAN_CONSOLE_DEV_LOGIN)", "must be auto, on or off")
	}
	return nil
}
