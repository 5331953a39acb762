package testenv

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy is a TCP proxy in front of a backing server (Redis or MariaDB)
// that a test can cut, as if the server had died: Cut closes every open
// connection and refuses new ones until Restore listens again on the same
// address. DropNext makes it lose the connection that carries the next
// bytes a client sends, without passing them on (a connection lost
// mid-command).
type Proxy struct {
	t      testing.TB
	target string
	addr   string
	drop   atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

// NewProxy starts a proxy to target on a free loopback port; it is cut
// when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.Restore()
	t.Cleanup(p.Cut)
	return p
}

// Addr is the proxy's address, the same after Restore.
func (p *Proxy) Addr() string { return p.addr }

// DropNext makes the proxy close the next connection a client sends bytes
// on, instead of passing them on.
func (p *Proxy) DropNext() { p.drop.Store(true) }

// DropPending reports whether the drop DropNext asked for has not happened
// yet.
func (p *Proxy) DropPending() bool { return p.drop.Load() }

// Cut closes the listener and every connection: the server is "down"
// (connections are refused).
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore listens again on the same address (retrying while the port is
// not yet free).
func (p *Proxy) Restore() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen on %s: %v", p.addr, err)
	}
	p.addr = ln.Addr().String()
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(ln, c)
		}
	}()
}

// pipe connects c, accepted on ln, to the target until either side closes
// or the proxy is cut.
func (p *Proxy) pipe(ln net.Listener, c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln != ln {
		// Cut ran while this connection was being set up: it must not
		// outlive it (a pool dialling in the background kept one, and a
		// command "with the server gone" succeeded).
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.forward(c, s); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// forward passes the client's bytes on to the server, unless the proxy is
// to drop the next ones: then it returns without passing them on.
func (p *Proxy) forward(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 && p.drop.CompareAndSwap(true, false) {
			return
		}
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
