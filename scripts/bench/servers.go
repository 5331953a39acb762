package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"gongjian/internal/benchkit"
	"gongjian/internal/wxemu"
)

// ---- the servers under test ----

// servers are the server processes under test: one binary, one fresh
// database, one Redis (the same key prefix), the same JWT secret, data and
// ticket keys, each process on its own port.
type servers struct {
	cmds      []*exec.Cmd
	bases     []string
	dsn       string
	jwtSecret string
	db        string
	prefix    string
	redisAddr string
	cluster   *redisCluster // -redis-cluster: the private cluster
	o         options
	dir       string
	// debugAddrs: with -profile, each process's profile listener.
	debugAddrs []string
}

var randHex = benchkit.RandHex

// startServers builds ./server, creates a fresh database and starts
// o.procs server processes on it with the built-in WeChat emulator and the
// local Redis (or, with -redis-cluster, a private 3-master Redis Cluster).
// On an error everything started so far is stopped again.
func startServers(o options) (*servers, error) {
	dir, err := os.MkdirTemp("", "gongjian-bench-")
	if err != nil {
		return nil, err
	}
	s := &servers{o: o, dir: dir, db: "gjbench_" + randHex(4), prefix: "gjbench:" + randHex(4) + ":", jwtSecret: randHex(32), redisAddr: o.redisAddr}
	if err := s.start(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *servers) start() error {
	bin, err := benchkit.BuildServer(s.dir)
	if err != nil {
		return err
	}
	if s.o.cluster {
		if s.cluster, err = startRedisCluster(); err != nil {
			return err
		}
		s.redisAddr = s.cluster.addr()
	}
	if err := s.createDatabase(); err != nil {
		return err
	}
	env := s.env()
	if err := benchkit.ServerCommand(bin, env, "admin", "grant", "--openid", wxemu.OpenID("wxemulator0000000", s.o.admin), "--role", "admin"); err != nil {
		return err
	}
	ports, err := benchkit.FreePorts(s.o.procs)
	if err != nil {
		return err
	}
	for i, port := range ports {
		if err := s.startProcess(bin, env, i, "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			return err
		}
	}
	fmt.Printf("%d server process(es) on database %s, Redis %s\n", len(s.cmds), s.db, s.redisAddr)
	return nil
}

func (s *servers) createDatabase() error {
	cfg, err := benchkit.CreateDatabase(s.o.mysqlAdmin, s.db)
	if err != nil {
		return err
	}
	s.dsn = cfg.FormatDSN()
	return nil
}

// env is the environment every server process shares (each adds its own
// GONGJIAN_HTTP_ADDR).
func (s *servers) env() []string {
	return append(benchkit.ServerEnv(s.dir, s.dsn, s.redisAddr, s.prefix, s.jwtSecret),
		// The processes share the MariaDB pool one process would have (64
		// by default): the machine's MariaDB allows 151 connections and the
		// baseline takes 64 of them.
		"GONGJIAN_MYSQL_MAX_OPEN_CONNS="+strconv.Itoa(max(16, 64/s.o.procs)),
		// Every simulated resident comes from 127.0.0.1: the per-address
		// check-in limit meant for the real world would refuse the crowd.
		"GONGJIAN_LIMIT_CHECKIN_PER_IP=0",
		// The sold-out rounds send each of the 5,000 residents ~15 attempts
		// a round, two rounds a minute: past the real 30 a minute. The
		// limiter still counts every attempt (its cost is measured); only
		// its threshold is out of the way.
		"GONGJIAN_LIMIT_REGISTRATION_PER_USER=100000",
	)
}

// startProcess starts server process i on addr and waits until it is ready.
func (s *servers) startProcess(bin string, env []string, i int, addr string) error {
	env = append(env[:len(env):len(env)], "GONGJIAN_HTTP_ADDR="+addr)
	if s.o.profile != "" {
		debug, err := benchkit.FreeAddr()
		if err != nil {
			return err
		}
		env = append(env, "GONGJIAN_HTTP_DEBUG_ADDR="+debug)
		s.debugAddrs = append(s.debugAddrs, debug)
	}
	logPath := filepath.Join(s.dir, fmt.Sprintf("server-%d.log", i))
	cmd, err := benchkit.StartServer(bin, env, logPath)
	if err != nil {
		return err
	}
	s.cmds = append(s.cmds, cmd)
	base := "http://" + addr
	if !benchkit.WaitReady(base, 90*time.Second) {
		return errors.New("the server did not become ready; see " + logPath)
	}
	s.bases = append(s.bases, base)
	fmt.Printf("server %d started on %s (pid %d, log %s)\n", i+1, base, cmd.Process.Pid, logPath)
	return nil
}

func (s *servers) pids() []int {
	out := make([]int, len(s.cmds))
	for i, cmd := range s.cmds {
		out[i] = cmd.Process.Pid
	}
	return out
}

// stop stops every server process (together: SIGTERM to all, then wait),
// then cleans up.
func (s *servers) stop() {
	var wg sync.WaitGroup
	for _, cmd := range s.cmds {
		wg.Add(1)
		go func() { defer wg.Done(); benchkit.StopProcess(cmd, 30*time.Second) }()
	}
	wg.Wait()
	s.cleanup()
}

// cleanup drops the database and the Redis keys (unless -keep) and stops
// the private Redis Cluster (always: its keys go with it).
func (s *servers) cleanup() {
	if s.cluster != nil {
		defer s.cluster.stop()
	}
	if s.o.keep {
		fmt.Printf("kept database %s, Redis prefix %s and %s\n", s.db, s.prefix, s.dir)
		return
	}
	benchkit.DropDatabase(s.o.mysqlAdmin, s.db)
	if s.cluster == nil {
		benchkit.DeleteKeys(s.redisAddr, s.prefix)
	}
	os.RemoveAll(s.dir)
}
