// Package testenv gives tests real backing services: a fresh MariaDB/MySQL
// database and a private Redis key space when those servers are reachable,
// or the embedded SQLite file and in-process Redis when they are not.
//
// GONGJIAN_TEST_BACKEND selects: "real" (fail if MariaDB/Redis are missing),
// "embedded" (never use them), or empty (use them when reachable).
// GONGJIAN_TEST_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/) and
// GONGJIAN_TEST_REDIS_ADDR (default 127.0.0.1:6379) locate them.
//
// It also holds what the tests of several packages share around those
// services: a TCP proxy that cuts a backing server (Proxy), the notice
// templates registered with the fake WeChat (NoticeTemplates) and XLSX
// files rewritten into bombs (EditXLSXSheets, XLSXBomb).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/redisstore"
	"gongjian/internal/wxemu"
)

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// MySQLAdminDSN is the DSN (without database) used to create test databases.
func MySQLAdminDSN() string { return env("GONGJIAN_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/") }

// RedisAddr is the Redis used by tests.
func RedisAddr() string { return env("GONGJIAN_TEST_REDIS_ADDR", "127.0.0.1:6379") }

func mode() string { return os.Getenv("GONGJIAN_TEST_BACKEND") }

var (
	probeOnce sync.Once
	haveMySQL bool
	haveRedis bool
)

func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func probe() {
	probeOnce.Do(func() {
		if mode() != "embedded" {
			cfg, err := mysqldrv.ParseDSN(MySQLAdminDSN())
			haveMySQL = err == nil && reachable(cfg.Addr)
			haveRedis = reachable(strings.Split(RedisAddr(), ",")[0])
		}
		fmt.Fprintf(os.Stderr, "testenv: backend: %s\n", backend())
	})
}

// RealMySQL reports whether tests use a real MariaDB/MySQL.
func RealMySQL() bool { probe(); return haveMySQL }

// RealRedis reports whether tests use a real Redis.
func RealRedis() bool { probe(); return haveRedis }

// Backend describes what the tests run on, for logs (probe prints it once
// per test binary).
func Backend() string { probe(); return backend() }

func backend() string {
	db, rd := "sqlite (embedded)", "miniredis (embedded)"
	if haveMySQL {
		db = "MariaDB/MySQL at " + MySQLAdminDSN()
	}
	if haveRedis {
		rd = "Redis at " + RedisAddr()
	}
	return db + " + " + rd
}

func requireReal(t testing.TB, what string, have bool) {
	if mode() == "real" && !have {
		t.Fatalf("GONGJIAN_TEST_BACKEND=real but %s is not reachable", what)
	}
}

// RandomName returns a short random identifier.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// DB returns a freshly migrated database that is dropped when the test ends.
func DB(t testing.TB) *mysqlstore.DB {
	t.Helper()
	db, dsn := openDB(t)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate (%s): %v", dsn, err)
	}
	return db
}

// DSN returns a DSN for a fresh empty MySQL database dropped at cleanup, or
// "" when tests run on the embedded SQLite (then SQLitePath is used).
func DSN(t testing.TB) string {
	t.Helper()
	probe()
	requireReal(t, "MariaDB/MySQL", haveMySQL)
	if !haveMySQL {
		return ""
	}
	admin, err := sql.Open("mysql", MySQLAdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	name := RandomName("gjt_")
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name)
		admin.Close()
	})
	cfg, _ := mysqldrv.ParseDSN(MySQLAdminDSN())
	cfg.DBName = name
	return cfg.FormatDSN()
}

func openDB(t testing.TB) (*mysqlstore.DB, string) {
	t.Helper()
	dsn := DSN(t)
	o := mysqlstore.Options{DSN: dsn, MaxOpenConns: 64}
	if dsn == "" {
		o.SQLitePath = filepath.Join(t.TempDir(), "test.db")
	}
	db, err := mysqlstore.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn + o.SQLitePath
}

// Redis returns a client and a private key prefix. On a real Redis the keys
// under the prefix are deleted when the test ends; otherwise an in-process
// server is started for the test.
func Redis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	probe()
	requireReal(t, "Redis", haveRedis)
	prefix := RandomName("gjt:") + ":"
	addr := ""
	if haveRedis {
		addr = RedisAddr()
	}
	conn, err := redisstore.Open(context.Background(), redisstore.Options{Addr: addr})
	if err != nil {
		t.Fatalf("open test redis: %v", err)
	}
	t.Cleanup(func() {
		if conn.Embedded == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			redisstore.DeletePrefix(ctx, conn.Client, prefix)
		}
		conn.Close()
	})
	return conn.Client, prefix
}

// WeChat is the one fake WeChat (internal/wxemu) of a test binary and its
// API base URL. silenceper's HTTP client is process-wide, so every client
// talks to this one and tests isolate themselves by AppID (a Tenant each).
type WeChat struct {
	*wxemu.Emulator
	Base string
}

var (
	weChatOnce sync.Once
	weChat     WeChat
)

// SharedWeChat starts the test binary's fake WeChat on first use; it serves
// until the process exits.
func SharedWeChat() WeChat {
	weChatOnce.Do(func() {
		weChat.Emulator = wxemu.New(wxemu.Options{})
		weChat.Base, _ = weChat.Start()
	})
	return weChat
}

// Box returns a personal-data box under a random key.
func Box(t testing.TB) *pii.Box {
	key := make([]byte, 32)
	rand.Read(key)
	b, err := pii.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
