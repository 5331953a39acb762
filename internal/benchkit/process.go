package benchkit

import (
	"net/http"
	"os/exec"
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
