package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

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
	cfg, err := benchkit.CreateDatabase(s.o.mysqlAdmin, s.db)
	if err != nil {
		return err
	}
	cfg.ParseTime = true
	s.dsn = cfg.FormatDSN()
	env := s.env()
	if err := benchkit.ServerCommand(bin, env, "migrate"); err != nil {
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
	if err := benchkit.ServerCommand(bin, env, "admin", "grant", "--openid", wxemu.OpenID(appID, adminName), "--role", "admin"); err != nil {
		return err
	}
	logPath := filepath.Join(s.dir, "server.log")
	if s.cmd, s.base, err = benchkit.StartServerOnFreeAddr(bin, env, logPath); err != nil {
		return err
	}
	if benchkit.WaitReady(s.base, 90*time.Second) {
		fmt.Printf("server on %s (pid %d), database %s\n", s.base, s.cmd.Process.Pid, s.db)
		return nil
	}
	tail, _ := os.ReadFile(logPath)
	return errors.New("the server did not become ready: " + string(tail[max(0, len(tail)-2000):]))
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
	benchkit.DropDatabase(s.o.mysqlAdmin, s.db)
	benchkit.DeleteKeys(s.o.redisAddr, s.prefix)
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
