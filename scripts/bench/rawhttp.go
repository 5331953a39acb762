package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is a lean HTTP/1.1 keep-alive client on one connection: one
// request at a time, written and read by the calling goroutine. The load
// generator shares the two cores with the servers, so it must cost little
// (net/http's client costs about as much as the server's handler).
type rawConn struct {
	c    net.Conn
	r    *bufio.Reader
	host string
	buf  bytes.Buffer
}

func dialRaw(base string) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, r: bufio.NewReaderSize(c, 8192), host: u.Host}, nil
}

func (rc *rawConn) close() { rc.c.Close() }

// do sends a request and reads the whole answer.
func (rc *rawConn) do(method, path string, headers []string, body []byte) (int, []byte, error) {
	b := &rc.buf
	b.Reset()
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(rc.host)
	b.WriteString("\r\n")
	for i := 0; i+1 < len(headers); i += 2 {
		b.WriteString(headers[i])
		b.WriteString(": ")
		b.WriteString(headers[i+1])
		b.WriteString("\r\n")
	}
	if body != nil {
		b.WriteString("Content-Type: application/json\r\nContent-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		return 0, nil, err
	}
	line, err := rc.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, err
	}
	length, chunked := -1, false
	for {
		h, err := rc.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		if k := bytes.IndexByte(h, ':'); k > 0 {
			name := bytes.ToLower(h[:k])
			val := bytes.TrimSpace(h[k+1:])
			switch string(name) {
			case "content-length":
				length, _ = strconv.Atoi(string(val))
			case "transfer-encoding":
				chunked = bytes.EqualFold(val, []byte("chunked"))
			}
		}
	}
	switch {
	case chunked:
		var out []byte
		for {
			l, err := rc.r.ReadString('\n')
			if err != nil {
				return 0, nil, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace([]byte(l))), 16, 64)
			if err != nil {
				return 0, nil, err
			}
			if n == 0 {
				_, err = rc.r.ReadString('\n')
				return status, out, err
			}
			chunk := make([]byte, n+2)
			if _, err := io.ReadFull(rc.r, chunk); err != nil {
				return 0, nil, err
			}
			out = append(out, chunk[:n]...)
		}
	case length >= 0:
		out := make([]byte, length)
		_, err := io.ReadFull(rc.r, out)
		return status, out, err
	default:
		return 0, nil, errors.New("answer without a length")
	}
}
