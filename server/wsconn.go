//go:build !js

package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// incomingQueue is how many received messages a Conn holds for an app that
// is not reading yet, and at most the read limit in bytes (always at least
// one message). When it is full the Conn stops reading the socket, so a
// client that floods an app which never catches up stops answering pings and
// is dropped, and holds no more than about twice the read limit meanwhile.
const incomingQueue = 16

// wsConn is one WebSocket connection of a client.
//
// Its own goroutine reads the socket at all times, so pings are answered and
// close frames are handled even while the app is busy or not reading at all;
// Read takes the messages that goroutine received.
type wsConn struct {
	id           string
	remoteAddr   string
	connectedAt  time.Time
	readLimit    int64
	writeTimeout time.Duration
	pings        *pingLimiter
	flooded      atomic.Bool // set once the client sent too many pings
	ws           *websocket.Conn
	netConn      net.Conn
	log          *slog.Logger
	// user and req are what Options.Authenticate said of the connection,
	// and its upgrade request as the app sees it.
	user string
	req  *http.Request

	incoming chan message
	readErr  error         // written before incoming is closed
	readDone chan struct{} // closed when the read loop has let go of the socket

	// qmu guards queued, the bytes of the messages in incoming, and room,
	// fired when Read takes one.
	qmu    sync.Mutex
	queued int64
	room   chan struct{}

	// ctx is the app's context: done once the client is gone.
	ctx    context.Context
	cancel context.CancelFunc

	mu sync.Mutex
	// code is how the connection ends, 0 while nobody has started to end it.
	code websocket.StatusCode
	// stop is closed with the first code: the read loop stops waiting for
	// the app and the ping loop stops pinging.
	stop chan struct{}
	// closeDone is closed when the Close that set code returns.
	closeDone chan struct{}
	// killTimers are the pending killAfter calls.
	killTimers []*time.Timer
}

type message struct {
	typ  websocket.MessageType
	data []byte
	// frame, if not nil, is data as a resock.v1 data frame, data being its
	// payload: built once, kept by every session that sends it.
	frame []byte
}

// newWSConn makes the connection's state; its context, which a plain
// client's app gets, carries base's values.
func newWSConn(base context.Context, id, remoteAddr string, o Options, pings *pingLimiter, ws *websocket.Conn, netConn net.Conn, log *slog.Logger) *wsConn {
	ctx, cancel := context.WithCancel(base)
	return &wsConn{
		id:           id,
		remoteAddr:   remoteAddr,
		connectedAt:  time.Now(),
		readLimit:    o.ReadLimit,
		writeTimeout: o.WriteTimeout,
		pings:        pings,
		ws:           ws,
		netConn:      netConn,
		log:          log.With("client", id, "remote_addr", remoteAddr),
		incoming:     make(chan message, incomingQueue),
		readDone:     make(chan struct{}),
		ctx:          ctx,
		cancel:       cancel,
		stop:         make(chan struct{}),
	}
}

// ID returns the client's id, unique per connection; it appears in the logs
// and in Stats.
func (c *wsConn) ID() string { return c.id }

// RemoteAddr returns the client's network address as the HTTP server saw it.
func (c *wsConn) RemoteAddr() string { return c.remoteAddr }

// Read returns the next message from the client.
//
// Unlike websocket.Conn.Read, a ctx that ends only ends this call, not the
// connection. Once the connection is gone, Read returns the error that ended
// it (use websocket.CloseStatus to get the peer's close code).
func (c *wsConn) Read(ctx context.Context) (websocket.MessageType, []byte, error) {
	select {
	case m, ok := <-c.incoming:
		if !ok {
			return 0, nil, fmt.Errorf("failed to read from client %s: %w", c.id, c.readErr)
		}
		c.qmu.Lock()
		c.queued -= int64(len(m.data))
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
		c.qmu.Unlock()
		return m.typ, m.data, nil
	case <-ctx.Done():
		return 0, nil, fmt.Errorf("failed to read from client %s: %w", c.id, ctx.Err())
	}
}

// Write sends one message to the client. It is safe to call concurrently
// with Read and with other Writes. As with websocket.Conn.Write, a ctx that
// ends during the write closes the connection; so does a client that does
// not take the message within the write timeout.
func (c *wsConn) Write(ctx context.Context, typ websocket.MessageType, data []byte) error {
	err := c.write(ctx, typ, data)
	if err != nil {
		return fmt.Errorf("failed to write to client %s: %w", c.id, err)
	}
	return nil
}

// write writes one message within the write timeout, and drops a client
// that does not take it in time: it stopped reading, and every writer
// would wait for it.
func (c *wsConn) write(ctx context.Context, typ websocket.MessageType, data []byte) error {
	wctx, cancel := context.WithTimeout(ctx, c.writeTimeout)
	defer cancel()
	err := c.ws.Write(wctx, typ, data)
	if err != nil && ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) && c.setCode(websocket.StatusAbnormalClosure) {
		c.log.Warn("client stopped reading, dropping it",
			"write_timeout", c.writeTimeout, "close_code", int(websocket.StatusAbnormalClosure))
		_ = c.netConn.Close()
	}
	return err
}

// allowPing counts one ping from the client against its rate, and closes
// the connection with 1008 (policy violation) when it sends too many.
func (c *wsConn) allowPing() bool {
	if c.pings.allow() {
		return true
	}
	if c.flooded.CompareAndSwap(false, true) {
		c.log.Warn("client sent too many pings, closing it",
			"ping_rate", c.pings.rate, "close_code", int(websocket.StatusPolicyViolation))
		// Close waits for the client's answer, which this reader must read.
		go c.Close(websocket.StatusPolicyViolation, "too many pings")
	}
	return false
}

// Close performs the WebSocket close handshake with code and reason (at most
// 123 bytes). Only the first way of ending a connection counts: once the
// connection is closing, for whatever reason, Close returns an error wrapping
// net.ErrClosed.
func (c *wsConn) Close(code websocket.StatusCode, reason string) error {
	done, ok := c.beginClose(code)
	if !ok {
		return fmt.Errorf("failed to close client %s: %w", c.id, net.ErrClosed)
	}
	defer close(done)
	err := c.ws.Close(code, reason)
	if err != nil {
		return fmt.Errorf("failed to close client %s: %w", c.id, err)
	}
	return nil
}

// closeRestart closes the connection with 1012 (service restart) and, when
// wait is positive, tells the client to wait that long before it comes
// back: a resock.v1 client with a retry-after frame just before the close,
// a plain one with the close reason "retry-after=SECONDS" (rounded up, as
// the reason carries whole seconds).
func (c *wsConn) closeRestart(wait time.Duration) error {
	done, ok := c.beginClose(websocket.StatusServiceRestart)
	if !ok {
		return fmt.Errorf("failed to close client %s: %w", c.id, net.ErrClosed)
	}
	defer close(done)
	reason := "service restart"
	if wait > 0 {
		if c.ws.Subprotocol() == wire.Protocol {
			// A client that does not take the frame in time is dropped by
			// write; the close below then ends at once.
			_ = c.write(context.Background(), websocket.MessageBinary,
				wire.AppendValue(nil, wire.TypeRetryAfter, uint64((wait+time.Millisecond-1)/time.Millisecond)))
		} else {
			reason = "retry-after=" + strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
		}
	}
	if err := c.ws.Close(websocket.StatusServiceRestart, reason); err != nil {
		return fmt.Errorf("failed to close client %s: %w", c.id, err)
	}
	return nil
}

func (c *wsConn) beginClose(code websocket.StatusCode) (chan struct{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.setCodeLocked(code) {
		return nil, false
	}
	c.closeDone = make(chan struct{})
	return c.closeDone, true
}

// setCode records how the connection ends and reports whether it was the
// first to do so.
func (c *wsConn) setCode(code websocket.StatusCode) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setCodeLocked(code)
}

func (c *wsConn) setCodeLocked(code websocket.StatusCode) bool {
	if c.code != 0 {
		return false
	}
	c.code = code
	close(c.stop)
	return true
}

// closeCode returns how the connection ended.
func (c *wsConn) closeCode() websocket.StatusCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// kill drops the connection without a close handshake: for a client that no
// longer answers, or a handshake that outlived its deadline. Closing the
// network connection unblocks every pending read, write and close.
func (c *wsConn) kill() {
	c.setCode(websocket.StatusAbnormalClosure)
	_ = c.netConn.Close()
}

// killAfter kills the connection if it is still there after d: for a close
// handshake that a vanished client will never answer.
func (c *wsConn) killAfter(d time.Duration) {
	t := time.AfterFunc(d, c.kill)
	c.mu.Lock()
	c.killTimers = append(c.killTimers, t)
	c.mu.Unlock()
}

// keptReadBuffer is the largest read buffer a connection keeps between
// messages.
const keptReadBuffer = 256 << 10

// readMessage reads the next message through buf and returns a copy of
// exactly its size: websocket.Conn.Read grows a fresh slice from 512 bytes,
// which for a 64 KiB message allocates and copies about twice its size.
func readMessage(ws *websocket.Conn, buf *bytes.Buffer) (websocket.MessageType, []byte, error) {
	typ, r, err := ws.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	data := bytes.Clone(buf.Bytes())
	if buf.Cap() > keptReadBuffer {
		*buf = bytes.Buffer{}
	}
	return typ, data, nil
}

// readLoop reads the socket until the connection ends, handing messages to
// Read.
func (c *wsConn) readLoop() {
	defer close(c.readDone)
	var err error
	var buf bytes.Buffer
	for err == nil {
		var m message
		m.typ, m.data, err = readMessage(c.ws, &buf)
		if err != nil {
			break
		}
		if !c.reserve(int64(len(m.data))) {
			err = net.ErrClosed
			break
		}
		select {
		case c.incoming <- m:
		case <-c.stop:
			err = net.ErrClosed
		}
	}
	c.readErr = err
	// The code is recorded before the app can see the end of the messages,
	// so that the app's own Close cannot hide why the connection ended.
	tooBig := errors.Is(err, websocket.ErrMessageTooBig)
	code := websocket.StatusAbnormalClosure
	switch {
	case tooBig:
		code = websocket.StatusMessageTooBig
	case websocket.CloseStatus(err) != -1:
		code = websocket.CloseStatus(err)
	}
	first := c.setCode(code)
	if first && tooBig {
		c.log.Warn("client sent a message over the read limit, closing it",
			"read_limit", c.readLimit, "close_code", int(code))
	}
	close(c.incoming)
	c.cancel()
	if !first {
		return
	}
	switch {
	case tooBig:
		// coder has sent the 1009 close frame; wait for the peer's answer.
		_ = c.ws.Close(websocket.StatusMessageTooBig, "")
	case websocket.CloseStatus(err) != -1:
		// The peer closed; coder has answered and closed the connection.
	default:
		_ = c.ws.CloseNow()
	}
}

// reserve waits until a message of n bytes fits the incoming queue's byte
// bound and counts it; it reports false when the connection is ending.
func (c *wsConn) reserve(n int64) bool {
	for {
		c.qmu.Lock()
		if c.queued == 0 || c.queued+n <= c.readLimit {
			c.queued += n
			c.qmu.Unlock()
			return true
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.qmu.Unlock()
		select {
		case <-room:
		case <-c.stop:
			return false
		}
	}
}

// pingLoop pings the client every interval and drops it when a pong does not
// come back within timeout.
func (c *wsConn) pingLoop(interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		// Not derived from c.ctx: coder closes the socket when the context of
		// a write ends, which must not cut short a close handshake.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := c.ws.Ping(ctx)
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			continue
		}
		// A ping that failed for another reason failed because the
		// connection ended, and the read loop records how.
		if timedOut && c.setCode(websocket.StatusAbnormalClosure) {
			c.log.Warn("client stopped answering pings, dropping it",
				"ping_timeout", timeout, "close_code", int(websocket.StatusAbnormalClosure), "err", err)
			_ = c.netConn.Close()
		}
		return
	}
}

// waitClosed waits until the read loop and any Close in progress are done.
// The connection is then over: a pending kill is called off, so that its
// timer stops holding the connection's buffers.
func (c *wsConn) waitClosed() {
	<-c.readDone
	c.mu.Lock()
	done := c.closeDone
	c.mu.Unlock()
	if done != nil {
		<-done
	}
	c.mu.Lock()
	for _, t := range c.killTimers {
		t.Stop()
	}
	c.killTimers = nil
	c.mu.Unlock()
}
