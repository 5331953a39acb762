package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/wxemu"
)

// server is the server process under test on its fresh database.
type server struct {
	o                     options
	dir, db, dsn, prefix  string
	base                  string
	cmd                   *exec.Cmd
	community, org, heavy int64
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startServer builds ./server, creates and migrates a fresh database,
// writes the base rows, grants the bench's admin and starts the server.
func startServer(o options) (*server, error) {
	dir, err := os.MkdirTemp("", "gongjian-bench-scale-")
	if err != nil {
		return nil, err
	}
	s := &server{o: o, dir: dir, db: "gjscale_" + randHex(4), prefix: "gjscale:" + randHex(4) + ":"}
	if err := s.start(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) start() error {
	bin := filepath.Join(s.dir, "gongjian")
	fmt.Println("building ./server …")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./server (run the bench from the repository root): %w", err)
	}
	admin, err := sql.Open("mysql", s.o.mysqlAdmin)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + s.db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	cfg, _ := mysqldrv.ParseDSN(s.o.mysqlAdmin)
	cfg.DBName = s.db
	cfg.ParseTime = true
	s.dsn = cfg.FormatDSN()
	env := s.env()
	if err := runCmd(env, bin, "migrate"); err != nil {
		return err
	}
	db, err := sql.Open("mysql", s.dsn)
	if err != nil {
		return err
	}
	s.community, s.org, s.heavy, err = seedBase(db)
	db.Close()
	if err != nil {
		return err
	}
	if err := runCmd(env, bin, "admin", "grant", "--openid", wxemu.OpenID(appID, adminName), "--role", "admin"); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(env, "GONGJIAN_HTTP_ADDR="+addr)
	logf, err := os.Create(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.base = "http://" + addr
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				fmt.Printf("server on %s (pid %d), database %s\n", s.base, s.cmd.Process.Pid, s.db)
				return nil
			}
		}
	}
	tail, _ := os.ReadFile(logf.Name())
	return errors.New("the server did not become ready: " + string(tail[max(0, len(tail)-2000):]))
}

func runCmd(env []string, bin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	return nil
}

func (s *server) env() []string {
	key, ticket := make([]byte, 32), make([]byte, 32)
	rand.Read(key)
	rand.Read(ticket)
	return append(os.Environ(),
		"GONGJIAN_ENV=development", "GONGJIAN_DATA_DIR="+s.dir,
		"GONGJIAN_MYSQL_DSN="+s.dsn, "GONGJIAN_REDIS_ADDR="+s.o.redisAddr, "GONGJIAN_REDIS_KEY_PREFIX="+s.prefix,
		"GONGJIAN_JWT_SECRET="+randHex(32), "GONGJIAN_DATA_KEY="+base64.StdEncoding.EncodeToString(key),
		"GONGJIAN_TICKET_KEY="+base64.StdEncoding.EncodeToString(ticket),
		"GONGJIAN_WECHAT_APP_ID=", "GONGJIAN_LOG_LEVEL=warn", "GONGJIAN_SEED_DEMO=never",
		"GONGJIAN_LOGIN_PER_IP_PER_MINUTE=100000000", "GONGJIAN_LOGIN_PER_USER_PER_MINUTE=1000",
		"GONGJIAN_HTTP_WRITE_TIMEOUT=120s", "GONGJIAN_LIMIT_REGISTRATION_PER_IP=0",
		// The messaging workers would start sending the million notices.
		"GONGJIAN_NOTIFY_WORKERS=false",
	)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop stops the server and drops the database and Redis keys (unless -keep).
func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
		}
	}
	if s.o.keep {
		fmt.Printf("kept database %s, Redis prefix %s, %s\n", s.db, s.prefix, s.dir)
		return
	}
	if admin, err := sql.Open("mysql", s.o.mysqlAdmin); err == nil {
		admin.Exec("DROP DATABASE IF EXISTS " + s.db)
		admin.Close()
	}
	deleteKeys(s.o.redisAddr, s.prefix)
	os.RemoveAll(s.dir)
}

// deleteKeys deletes the keys under prefix and says how many.
func deleteKeys(addr, prefix string) int {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if rdb.Del(ctx, iter.Val()).Err() == nil {
			n++
		}
	}
	return n
}
