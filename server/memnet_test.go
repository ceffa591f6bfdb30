//go:build !js

package server

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// memListener is a net.Listener whose connections are in-memory pipes, so
// that fuzz targets and soaks drive the whole server, HTTP upgrade included,
// without sockets, ports or TIME_WAIT.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

// Dial connects to the listener; network and address are ignored.
func (l *memListener) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := bufferedPipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bufferedPipe returns the two ends of an in-memory connection that behaves
// like a loopback socket, which net.Pipe does not: a write returns once its
// bytes are buffered, and bytes written before a close are still read by
// the peer.
func bufferedPipe() (net.Conn, net.Conn) {
	ab, ba := newPipeBuffer(), newPipeBuffer()
	return &pipeEnd{r: ba, w: ab}, &pipeEnd{r: ab, w: ba}
}

// pipeBuffer is one direction of a bufferedPipe.
type pipeBuffer struct {
	mu       sync.Mutex
	cond     *sync.Cond
	buf      []byte
	eof      bool // the writer closed
	gone     bool // the reader closed
	deadline time.Time
	timer    *time.Timer
}

func newPipeBuffer() *pipeBuffer {
	b := &pipeBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *pipeBuffer) read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		switch {
		case b.gone:
			return 0, net.ErrClosed
		case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
			return 0, os.ErrDeadlineExceeded
		case len(b.buf) > 0:
			n := copy(p, b.buf)
			b.buf = b.buf[n:]
			return n, nil
		case b.eof:
			return 0, io.EOF
		}
		b.cond.Wait()
	}
}

func (b *pipeBuffer) write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.eof:
		return 0, net.ErrClosed
	case b.gone:
		// As on TCP, bytes sent to a peer that is gone are lost silently.
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return len(p), nil
}

func (b *pipeBuffer) setDeadline(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deadline = t
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if !t.IsZero() {
		b.timer = time.AfterFunc(time.Until(t), func() {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		})
	}
	b.cond.Broadcast()
}

func (b *pipeBuffer) close(reader bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if reader {
		b.gone = true
		b.buf = nil
	} else {
		b.eof = true
	}
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.cond.Broadcast()
}

// pipeEnd is one end of a bufferedPipe. Write deadlines are accepted and
// ignored: a write never blocks.
type pipeEnd struct {
	r, w *pipeBuffer
	once sync.Once
}

func (e *pipeEnd) Read(p []byte) (int, error)  { return e.r.read(p) }
func (e *pipeEnd) Write(p []byte) (int, error) { return e.w.write(p) }

func (e *pipeEnd) Close() error {
	e.once.Do(func() {
		e.r.close(true)
		e.w.close(false)
	})
	return nil
}

func (e *pipeEnd) LocalAddr() net.Addr                { return memAddr{} }
func (e *pipeEnd) RemoteAddr() net.Addr               { return memAddr{} }
func (e *pipeEnd) SetDeadline(t time.Time) error      { e.r.setDeadline(t); return nil }
func (e *pipeEnd) SetReadDeadline(t time.Time) error  { e.r.setDeadline(t); return nil }
func (e *pipeEnd) SetWriteDeadline(t time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// memServer is a Server behind an http.Server on a memListener. Panics that
// net/http would recover and log fail the test instead.
type memServer struct {
	*Server
	ln     *memListener
	http   *http.Server
	client *http.Client
	panics *panicLog
	logs   *logBuffer
}

// panicLog records what net/http reports, which includes recovered panics.
type panicLog struct {
	mu    sync.Mutex
	lines []string
}

func (p *panicLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.Contains(string(b), "panic") {
		p.lines = append(p.lines, string(b))
	}
	return len(b), nil
}

func (p *panicLog) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// startMemServer serves app at / over in-memory pipes. The caller stops it
// with stop, or the test does at cleanup.
func startMemServer(tb testing.TB, o Options, app func(context.Context, *Conn)) *memServer {
	tb.Helper()
	logs := &logBuffer{}
	if o.Logger == nil {
		o.Logger = newLogger(logs)
	}
	ms := &memServer{Server: New(o), ln: newMemListener(), panics: &panicLog{}, logs: logs}
	ms.http = &http.Server{
		Handler:           ms.Server.Handler(app),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(ms.panics, "", 0),
	}
	ms.client = &http.Client{Transport: &http.Transport{DialContext: ms.ln.Dial}}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = ms.http.Serve(ms.ln)
	}()
	tb.Cleanup(func() {
		ms.stop(tb)
		<-served
		if p := ms.panics.String(); p != "" {
			tb.Errorf("the server panicked:\n%s", p)
		}
	})
	return ms
}

func (ms *memServer) stop(tb testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ms.Shutdown(ctx); err != nil {
		tb.Errorf("Shutdown: %v", err)
	}
	_ = ms.http.Close()
	ms.client.CloseIdleConnections()
}

// dial opens a WebSocket to the server over a pipe.
func (ms *memServer) dial(ctx context.Context, protocols ...string) (*websocket.Conn, error) {
	// The pipe ignores the address; the Host must be one the server serves.
	c, resp, err := websocket.Dial(ctx, "ws://localhost/", &websocket.DialOptions{
		HTTPClient:   ms.client,
		Subprotocols: protocols,
	})
	if resp != nil && resp.Body != nil && err != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(-1)
	return c, nil
}

// rawConn opens a bare pipe to the server, for requests no WebSocket client
// would send, closed when the test ends; everything on it must be done
// within deadline.
func (ms *memServer) rawConn(tb testing.TB, deadline time.Duration) net.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	conn, err := ms.ln.Dial(ctx, "", "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(deadline))
	return conn
}

// waitIdle waits until the server has no client and no session left.
func (ms *memServer) waitIdle(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := ms.Stats()
		if st.Clients == 0 && st.Sessions == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %v the server still has %d clients and %d sessions", timeout, st.Clients, st.Sessions)
		}
		time.Sleep(time.Millisecond)
	}
}

// drain reads c until it ends and returns every message and the error that
// ended it.
func drain(ctx context.Context, c *websocket.Conn) (msgs [][]byte, err error) {
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, b)
	}
}

// tailLog keeps only the last lines written to it, for tests that log too
// much to keep it all without the log itself growing the heap.
type tailLog struct {
	mu    sync.Mutex
	lines []string
	next  int
}

func newTailLog(n int) *tailLog { return &tailLog{lines: make([]string, n)} }

func (l *tailLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines[l.next%len(l.lines)] = string(p)
	l.next++
	return len(p), nil
}

// has reports whether one of the kept lines contains every part.
func (l *tailLog) has(parts ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		all := line != ""
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
