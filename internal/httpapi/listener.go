package httpapi

import "net"

// WarmListener wraps ln so that a new connection, while it waits for a
// request, already holds the goroutine stack a request needs, in memory
// touched.
//
// net/http serves a connection on a goroutine whose stack starts small
// and is shrunk by the collector while the connection waits; a request
// then grows it again, and each growth allocates a
// larger stack, copies the frames onto it and faults its fresh memory in.
// In a release thousands of residents, their pages open (a request made,
// the connection kept), sign up at the same instant: those growths were a
// quarter of the server's CPU in the hot release's profile, spent while
// the residents waited. Here a new connection's goroutine waits for its
// first requests from under a frame of 10 KiB, written: its stack grows,
// and is touched, before the request comes, and the collector leaves it
// (it shrinks only stacks mostly unused).
func WarmListener(ln net.Listener) net.Listener { return warmListener{ln} }

type warmListener struct{ net.Listener }

func (l warmListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &warmConn{TCPConn: tc}, nil
	}
	return c, err
}

// warmConn is a TCP connection whose first reads wait under readUnder's
// frame. net/http's connection goroutine reads through a 4 KiB buffer;
// its background reader (started while a handler runs, to notice a
// client that left) reads one byte on a goroutine of its own, and reads
// plainly.
type warmConn struct {
	*net.TCPConn
	reads int // reads made under readUnder
}

// warmReads is how many of a connection's first reads wait under
// readUnder: a resident's page makes a few requests, and then the
// connection waits for the sign-up. A connection busy for longer (a desk
// console, a checker's phone, a load generator) has grown its stack by
// use and reads plainly: a variant that read under such frames every
// time cost a sold-out refusal 3 to 7 µs more.
const warmReads = 16

func (c *warmConn) Read(p []byte) (int, error) {
	if len(p) <= 1 || c.reads >= warmReads {
		return c.TCPConn.Read(p)
	}
	c.reads++
	return readUnder(c.TCPConn, p)
}

// readUnder reads under a frame of 10 KiB, written, so that the stack is
// 16 KiB, faulted in, and three quarters used while the goroutine waits.
//
//go:noinline
func readUnder(c *net.TCPConn, p []byte) (int, error) {
	var pad [10 << 10]byte
	padSink(&pad)
	return c.Read(p)
}

//go:noinline
func padSink(*[10 << 10]byte) {}
