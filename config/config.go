// Package config loads Gongjian's settings from a YAML file and GONGJIAN_*
// environment variables, fills defaults and validates them.
//
// Every setting has an environment variable; the variable wins over the file.
// Validation errors name the offending key so an operator knows what to fix.
package config

import (
	"encoding/base64"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

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

	Registration Registration `yaml:"registration"`
}

// HTTP configures the API listener.
type HTTP struct {
	Addr            string        `yaml:"addr" env:"GONGJIAN_HTTP_ADDR"`
	ReadTimeout     time.Duration `yaml:"read_timeout" env:"GONGJIAN_HTTP_READ_TIMEOUT"`
	WriteTimeout    time.Duration `yaml:"write_timeout" env:"GONGJIAN_HTTP_WRITE_TIMEOUT"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"GONGJIAN_HTTP_SHUTDOWN_TIMEOUT"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes" env:"GONGJIAN_HTTP_MAX_BODY_BYTES"`
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
}

// Template is one subscribe-message template. Its id can be set from
// GONGJIAN_TEMPLATE_<KEY> (key upper-cased).
type Template struct {
	ID     string            `yaml:"id"`
	Page   string            `yaml:"page"`
	Fields map[string]string `yaml:"fields"` // logical name -> WeChat field, e.g. title -> thing1
}

// Security holds keys. Missing ones are generated under DataDir outside production.
type Security struct {
	JWTSecret       string        `yaml:"jwt_secret" env:"GONGJIAN_JWT_SECRET"`
	DataKey         string        `yaml:"data_key" env:"GONGJIAN_DATA_KEY"` // base64 of 32 bytes
	AccessTokenTTL  time.Duration `yaml:"access_token_ttl" env:"GONGJIAN_ACCESS_TOKEN_TTL"`
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl" env:"GONGJIAN_REFRESH_TOKEN_TTL"`
	TicketKey       string        `yaml:"ticket_key" env:"GONGJIAN_TICKET_KEY"` // base64 of a 32-byte Ed25519 seed
}

// Login configures login rate limits.
type Login struct {
	PerIPPerMinute   int `yaml:"per_ip_per_minute" env:"GONGJIAN_LOGIN_PER_IP_PER_MINUTE"`
	PerUserPerMinute int `yaml:"per_user_per_minute" env:"GONGJIAN_LOGIN_PER_USER_PER_MINUTE"`
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
		},
		MySQL:  MySQL{MaxOpenConns: 64, AutoMigrate: true},
		Redis:  Redis{KeyPrefix: "gj:"},
		WeChat: WeChat{APIBase: "https://api.weixin.qq.com", Timeout: 5 * time.Second},
		Security: Security{
			AccessTokenTTL:  2 * time.Hour,
			RefreshTokenTTL: 30 * 24 * time.Hour,
		},
		Login: Login{PerIPPerMinute: 60, PerUserPerMinute: 10},
		Seed:  Seed{Demo: "auto"},
		Log:   Log{Level: "info", Format: "json"},
		Checkin: Checkin{
			OpenBefore: time.Hour, CloseAfter: 30 * time.Minute, RadiusMeters: 500, ClockSkew: 2 * time.Minute,
		},
		Registration: Registration{
			NoShowStrikes: 3, NoShowWindow: 90 * 24 * time.Hour, NoShowSuspension: 30 * 24 * time.Hour,
			Writers: 4, WriteBatch: 200, ReconcileInterval: 30 * time.Second,
		},
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
	if c.HTTP.ReadTimeout <= 0 || c.HTTP.WriteTimeout <= 0 || c.HTTP.ShutdownTimeout <= 0 {
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
	if c.Security.AccessTokenTTL <= 0 || c.Security.RefreshTokenTTL <= c.Security.AccessTokenTTL {
		return bad("security.refresh_token_ttl", "must be longer than a positive access_token_ttl")
	}
	if c.Login.PerIPPerMinute <= 0 || c.Login.PerUserPerMinute <= 0 {
		return bad("login.per_*_per_minute", "rate limits must be positive")
	}
	switch c.Seed.Demo {
	case "auto", "always", "never":
	default:
		return bad("seed.demo (GONGJIAN_SEED_DEMO)", "must be auto, always or never")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level (GONGJIAN_LOG_LEVEL)", "must be debug, info, warn or error")
	}
	if r := c.Registration; r.NoShowStrikes < 1 || r.NoShowWindow <= 0 || r.NoShowSuspension <= 0 {
		return bad("registration.no_show_* (GONGJIAN_NO_SHOW_*)", "strikes must be at least 1 and durations positive")
	}
	if r := c.Registration; r.Writers < 1 || r.Writers > 64 || r.WriteBatch < 1 || r.WriteBatch > 1000 {
		return bad("registration.writers / write_batch", "writers must be 1..64 and write_batch 1..1000")
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
