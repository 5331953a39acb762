package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/benchkit"
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

var randHex = benchkit.RandHex

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
	bin, err := benchkit.BuildServer(s.dir)
	if err != nil {
		return err
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
	if benchkit.WaitReady(s.base, 90*time.Second) {
		fmt.Printf("server on %s (pid %d), database %s\n", s.base, s.cmd.Process.Pid, s.db)
		return nil
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
	return benchkit.ServerEnv(s.dir, s.dsn, s.o.redisAddr, s.prefix, randHex(32))
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop stops the server and drops the database and Redis keys (unless -keep).
func (s *server) stop() {
	benchkit.StopProcess(s.cmd, 20*time.Second)
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
