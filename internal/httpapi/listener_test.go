package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serveWarm serves h on a WarmListener over loopback TCP until the test ends.
func serveWarm(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(WarmListener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// The wrapped connection serves HTTP as a plain one does: keep-alive
// requests with bodies, a file answered through the connection's ReadFrom
// (sendfile), and a client that leaves noticed by the background reader.
func TestWarmListenerServesHTTP(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("共建", 100_000)
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	left := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d:%s", len(b), b)
	})
	mux.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("GET /wait", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			left <- r.Context().Err()
		case <-time.After(10 * time.Second):
			left <- fmt.Errorf("the client's leaving was not noticed")
		}
	})
	addr := serveWarm(t, mux)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i, body := range []string{"a", strings.Repeat("x", 10_000), "{}"} {
		fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on one connection: %v", i, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("%d:%s", len(body), body); string(got) != want {
			t.Fatalf("request %d: answered %.40q, want %.40q", i, got, want)
		}
	}
	fmt.Fprintf(c, "GET /files/big.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != big {
		t.Fatalf("file: status %d, %d bytes of %d", resp.StatusCode, len(got), len(big))
	}

	w, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	w.Close()
	if err := <-left; err != context.Canceled {
		t.Fatalf("a client that left: %v", err)
	}
}

// A connection waiting for its next request holds a stack a request fits
// in, and keeps it through garbage collections: the stacks in use grow by
// at least 12 KiB a waiting connection (a plain one waits on a few KiB).
func TestWarmListenerKeepsTheStackWhileWaiting(t *testing.T) {
	var served atomic.Int64
	addr := serveWarm(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	stacks := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.StackInuse
	}
	const n = 200
	before := stacks()
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i], readers[i] = c, bufio.NewReader(c)
		// One request each, so that the connection waits for its second
		// one, as a resident's does who opened the page before a release.
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, err := http.ReadResponse(readers[i], nil)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("connection %d: %v %v", i, resp, err)
		}
	}
	var per uint64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if after := stacks(); after > before {
			if per = (after - before) / n; per >= 12<<10 {
				break
			}
		}
	}
	t.Logf("stacks grew by %d bytes a waiting connection", per)
	if per < 12<<10 {
		t.Fatalf("stacks grew by %d bytes a waiting connection, want at least %d", per, 12<<10)
	}
	for i, c := range conns {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n")
		if resp, err := http.ReadResponse(readers[i], nil); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("connection %d, second request: %v %v", i, resp, err)
		}
	}
	if got := served.Load(); got != 2*n {
		t.Fatalf("served %d requests, want %d", got, 2*n)
	}
}
