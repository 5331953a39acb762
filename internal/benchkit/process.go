package benchkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// StopProcess sends SIGTERM and waits for the process to exit, killing it
// after grace.
func StopProcess(cmd *exec.Cmd, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		cmd.Process.Kill()
		<-done
	}
}

// WaitUntil polls ok until it holds (true) or timeout passes (false).
func WaitUntil(timeout time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(timeout); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// WaitReady waits until the server at base answers /readyz with 200
// (false when it has not within timeout).
func WaitReady(base string, timeout time.Duration) bool {
	return WaitUntil(timeout, func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}

// FreePorts returns n distinct free loopback ports (all held open until
// every one is chosen).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreeAddr is a free loopback address, host:port.
func FreeAddr() (string, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(ports[0]), nil
}

// StartServer starts the server binary bin with env, its output appended
// to the file logPath; the process dies with the bench, whatever happens.
func StartServer(bin string, env []string, logPath string) (*exec.Cmd, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// StartServerOnFreeAddr starts the server binary bin as StartServer does,
// listening on a free loopback address (GONGJIAN_HTTP_ADDR added to env),
// and returns the process and its base URL, http://host:port.
func StartServerOnFreeAddr(bin string, env []string, logPath string) (*exec.Cmd, string, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, "", err
	}
	cmd, err := StartServer(bin, append(env[:len(env):len(env)], "GONGJIAN_HTTP_ADDR="+addr), logPath)
	if err != nil {
		return nil, "", err
	}
	return cmd, "http://" + addr, nil
}

// ServerCommand runs a command of the server binary (migrate, admin grant …)
// with env and returns its output with the error when it fails.
func ServerCommand(bin string, env []string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	return nil
}
