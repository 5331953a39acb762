// Package faulttest holds the fault scenarios of issue 8: real server
// processes (built from ./server) behind no load balancer but the test's
// own client, against a private MariaDB and private Redis servers that the
// tests kill and restart, and the WeChat emulator of internal/wxemu with
// its faults. Nothing here touches the shared MariaDB (3306) or Redis
// (6379) of the machine: every server is started on a free loopback port
// under a temporary directory and killed at the end.
//
// The scenarios need redis-server, mariadbd and mariadb-install-db; without
// them they are skipped (failed when GONGJIAN_TEST_BACKEND=real, as in CI).
// -short skips them too. Tests run one after the other (no t.Parallel).
package faulttest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"gongjian/internal/wxemu"
)

var (
	emu     *wxemu.Emulator
	emuBase string
	workDir string

	binOnce sync.Once
	binPath string
	binErr  error

	mariaOnce sync.Once
	maria     *mariaDB
	mariaErr  error
)

func TestMain(m *testing.M) {
	emu = wxemu.New(wxemu.Options{})
	var closeEmu func()
	emuBase, closeEmu = emu.Start()
	var err error
	if workDir, err = os.MkdirTemp("", "gongjian-faults-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if maria != nil {
		maria.kill()
	}
	closeEmu()
	os.RemoveAll(workDir)
	os.Exit(code)
}

// lookTool finds a server binary on PATH or in the sbin directories.
func lookTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/sbin"} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// requireTools skips (or, with GONGJIAN_TEST_BACKEND=real, fails) a scenario
// whose servers are not installed.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("fault scenarios start real servers: skipped with -short")
	}
	var missing []string
	for _, tool := range tools {
		if lookTool(tool) == "" {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("SKIPPED fault scenario: %s not installed (apt-get install redis-server mariadb-server)", strings.Join(missing, ", "))
	if os.Getenv("GONGJIAN_TEST_BACKEND") == "real" {
		t.Fatal(msg + "; GONGJIAN_TEST_BACKEND=real requires them")
	}
	t.Skip(msg)
}

// serverBinary builds ./server once for the package (with -race when the
// tests run with it, so the build cache is shared).
func serverBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(workDir, "gongjian")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), append(args, "gongjian/server")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ./server: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a child process that can be killed and started again with the
// same command line.
type proc struct {
	name    string
	args    []string
	env     []string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("%s is already running", p.name)
		}
	}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "---- %s start %s\n", p.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	// If the test binary dies, so do its servers.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

func (p *proc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL, 0)
}

// stop sends SIGTERM and waits (SIGKILL after grace).
func (p *proc) stop(grace time.Duration) {
	p.signal(syscall.SIGTERM, grace)
}

func (p *proc) signal(sig syscall.Signal, grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-done
}

func (p *proc) logTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (p *proc) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func waitFor(timeout time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- Redis ----

// redisServer is a private redis-server without persistence: a restart
// starts it empty.
type redisServer struct {
	proc
	port int
}

func startRedis(t *testing.T, name string, cluster bool) *redisServer {
	t.Helper()
	port := freePort(t)
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{lookTool("redis-server"), "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--protected-mode", "no", "--maxclients", "2000"}
	if cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-node-timeout", "2000")
	}
	r := &redisServer{proc: proc{name: name, args: args, env: []string{}, logPath: filepath.Join(dir, "redis.log")}, port: port}
	r.restart(t)
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// restart starts the server (again, empty) and waits until it answers.
func (r *redisServer) restart(t *testing.T) {
	t.Helper()
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr(), DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	if !waitFor(10*time.Second, func() bool { return c.Ping(context.Background()).Err() == nil }) {
		t.Fatalf("%s did not start:\n%s", r.name, r.logTail(20))
	}
}

// startRedisCluster starts three masters on loopback ports and joins them
// into a Redis Cluster (the slots split three ways), as
// scripts/cluster/redis-cluster.sh does for a developer.
func startRedisCluster(t *testing.T) []*redisServer {
	t.Helper()
	nodes := []*redisServer{startRedis(t, "cluster-a", true), startRedis(t, "cluster-b", true), startRedis(t, "cluster-c", true)}
	ctx := context.Background()
	for i, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		lo, hi := i*16384/3, (i+1)*16384/3-1
		slots := make([]int, 0, hi-lo+1)
		for s := lo; s <= hi; s++ {
			slots = append(slots, s)
		}
		if err := c.ClusterAddSlots(ctx, slots...).Err(); err != nil {
			t.Fatalf("cluster addslots: %v", err)
		}
		if i > 0 {
			if err := c.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(nodes[0].port)).Err(); err != nil {
				t.Fatalf("cluster meet: %v", err)
			}
		}
		c.Close()
	}
	for _, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		ok := waitFor(20*time.Second, func() bool {
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		})
		c.Close()
		if !ok {
			t.Fatalf("the Redis Cluster did not become ready")
		}
	}
	return nodes
}

// ---- MariaDB ----

// mariaDB is a private MariaDB server: one per test binary (each scenario
// gets its own database), stopped and started by the database scenario.
type mariaDB struct {
	proc
	port int
	dir  string
}

// privateMariaDB installs (once) and returns the package's private MariaDB.
func privateMariaDB(t *testing.T) *mariaDB {
	t.Helper()
	mariaOnce.Do(func() {
		dir := filepath.Join(workDir, "mariadb")
		data := filepath.Join(dir, "data")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			mariaErr = err
			return
		}
		install := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
		if os.Geteuid() == 0 {
			install = append(install, "--user=root")
		}
		if out, err := exec.Command(lookTool("mariadb-install-db"), install...).CombinedOutput(); err != nil {
			mariaErr = fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
			return
		}
		m := &mariaDB{dir: dir}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			mariaErr = err
			return
		}
		m.port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		args := []string{lookTool("mariadbd"), "--no-defaults", "--datadir=" + data, "--socket=" + filepath.Join(dir, "sock"),
			"--port=" + strconv.Itoa(m.port), "--bind-address=127.0.0.1", "--skip-grant-tables", "--skip-log-bin",
			"--pid-file=" + filepath.Join(dir, "pid"), "--innodb-buffer-pool-size=64M", "--max-connections=1000",
			"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci", "--skip-name-resolve"}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		m.proc = proc{name: "mariadb", args: args, env: []string{}, logPath: filepath.Join(dir, "mariadb.log")}
		if err := m.up(); err != nil {
			mariaErr = err
			return
		}
		maria = m
	})
	if mariaErr != nil {
		t.Fatal(mariaErr)
	}
	return maria
}

func (m *mariaDB) dsn(db string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s?parseTime=true&timeout=2s", m.port, db)
}

func (m *mariaDB) open(db string) (*sql.DB, error) { return sql.Open("mysql", m.dsn(db)) }

// up starts the server and waits until it answers.
func (m *mariaDB) up() error {
	if err := m.start(); err != nil {
		return err
	}
	db, err := m.open("")
	if err != nil {
		return err
	}
	defer db.Close()
	if !waitFor(60*time.Second, func() bool { return db.Ping() == nil }) {
		return fmt.Errorf("private MariaDB did not start:\n%s", m.logTail(30))
	}
	return nil
}

// restart starts the server after kill (InnoDB recovers what was committed).
func (m *mariaDB) restart(t *testing.T) {
	t.Helper()
	if err := m.up(); err != nil {
		t.Fatal(err)
	}
}

// createDB creates a fresh database for a scenario and returns its name.
func (m *mariaDB) createDB(t *testing.T) string {
	t.Helper()
	db, err := m.open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("gjf_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())), time.Now().UnixNano()%1e6)
	if len(name) > 60 {
		name = name[:60]
	}
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := m.open(""); err == nil {
			d.Exec("DROP DATABASE IF EXISTS " + name)
			d.Close()
		}
	})
	return name
}

var errNoAnswer = errors.New("no answer")
