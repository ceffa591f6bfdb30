//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/wire"
)

// browserTransport is a engine.Transport over the browser's WebSocket.
type browserTransport struct {
	// live counts connections whose handlers are not released yet.
	live int
	// registry, a JavaScript Set, holds the browser sockets of those
	// connections, for the glue to close should the Go program exit.
	registry safejs.Value
	// dialErr is the error of the last Dial that failed: the WebSocket
	// constructor threw, which after resock's own checks means the page
	// may not connect there at all (mixed content, Content Security Policy).
	dialErr error
	// glue lets the glue move messages itself.
	glue *gluePath
}

var errNotOpen = errors.New("WebSocket is not open")

// WebSocket.OPEN and WebSocket.CLOSED.
const (
	wsOpen   = 1
	wsClosed = 3
)

// readyState is the browser socket's readyState, or -1 if it cannot be read.
func (c *browserConn) readyState() int {
	v, err := c.ws.Get("readyState")
	if err != nil {
		return -1
	}
	n, err := v.Int()
	if err != nil {
		return -1
	}
	return n
}

// Dial creates a browser WebSocket and reports its events to h. It returns
// at once; the browser connects in the background.
func (t *browserTransport) Dial(url string, protocols []string, h engine.ConnHandler) (engine.Conn, error) {
	ps := make([]any, len(protocols))
	for i, p := range protocols {
		ps[i] = p
	}
	ws, err := js.webSocket.New(url, ps)
	if err != nil {
		t.dialErr = errors.New(jsMessage(err))
		return nil, fmt.Errorf("failed to create WebSocket: %s", jsMessage(err))
	}
	c := &browserConn{t: t, ws: ws, h: h, url: url}
	handshakes.join(c)
	t.live++
	if !t.registry.IsUndefined() {
		_, _ = t.registry.Call("add", ws)
	}
	if err := c.listen(); err != nil {
		c.release()
		_, _ = ws.Call("close")
		return nil, fmt.Errorf("failed to listen to WebSocket: %w", err)
	}
	return c, nil
}

// browserConn is one browser WebSocket. Its four event handlers are Go
// functions, released once the browser reports the socket closed: after
// that no event can come.
type browserConn struct {
	t        *browserTransport
	ws       safejs.Value
	h        engine.ConnHandler
	url      string
	handlers []safejs.Func
	opened   bool
	// resume is set once the connection opened with resock.v1 selected.
	resume bool
	// closing is set once the engine closed the connection: it no longer
	// takes its messages.
	closing  bool
	closed   bool
	released bool
	// failed is the error the browser reported on a socket it had already
	// closed: its close event follows in the same task, and carries it.
	failed error
	// host is the host:port of url, joined when the connection was made,
	// and queued whether handshakes still counts it as pending.
	host   string
	joined time.Time
	queued bool
}

func (c *browserConn) listen() error {
	if err := c.ws.Set("binaryType", "arraybuffer"); err != nil {
		return err
	}
	for _, h := range []struct {
		name string
		fn   func(ev safejs.Value)
	}{
		{"onopen", c.onOpen},
		{"onmessage", c.onMessage},
		{"onerror", c.onError},
		{"onclose", c.onClose},
	} {
		f, err := newCallback(h.name, h.fn)
		if err != nil {
			return err
		}
		c.handlers = append(c.handlers, f)
		if err := c.ws.Set(h.name, f.Value()); err != nil {
			return err
		}
	}
	return nil
}

func (c *browserConn) onOpen(safejs.Value) {
	c.opened = true
	handshakes.leave(c, true)
	if c.t.glue != nil && !c.closing {
		c.t.glue.attach(c)
	}
	protocol, _ := stringProp(c.ws, "protocol")
	extensions, _ := stringProp(c.ws, "extensions")
	c.resume = protocol == wire.Protocol
	c.h.OnOpen(protocol, extensions)
}

func (c *browserConn) onMessage(ev safejs.Value) {
	data, err := ev.Get("data")
	if err != nil {
		c.h.OnError(fmt.Errorf("failed to read message: %w", err))
		return
	}
	if typeOf(data) == safejs.TypeString {
		s, err := data.String()
		if err != nil {
			c.h.OnError(fmt.Errorf("failed to read text message: %w", err))
			return
		}
		c.h.OnMessage(engine.Message{Data: []byte(s)})
		return
	}
	n, err := data.Get("byteLength")
	if err == nil {
		var size int
		if size, err = n.Int(); err == nil {
			var b []byte
			if b, err = bytesOf(data, 0, size); err == nil {
				c.h.OnMessage(engine.Message{Binary: true, Data: b})
				return
			}
		}
	}
	c.h.OnError(fmt.Errorf("failed to read binary message: %w", err))
}

func (c *browserConn) onError(safejs.Value) {
	// The browser says nothing more, on purpose: the console has details.
	err := fmt.Errorf("failed to connect to %s", c.url)
	if c.opened {
		err = fmt.Errorf("WebSocket connection to %s failed", c.url)
	}
	if c.readyState() == wsClosed {
		c.failed = err
		return
	}
	c.h.OnError(err)
}

func (c *browserConn) onClose(ev safejs.Value) {
	if c.closed {
		return
	}
	c.closed = true
	if c.t.glue != nil {
		c.t.glue.detach(c)
	}
	code, reason, wasClean := 1006, "", false
	if v, err := ev.Get("code"); err == nil {
		if n, err := v.Int(); err == nil {
			code = n
		}
	}
	if v, err := ev.Get("reason"); err == nil {
		reason, _ = v.String()
	}
	if v, err := ev.Get("wasClean"); err == nil {
		wasClean, _ = v.Bool()
	}
	c.release()
	c.h.OnClose(code, reason, wasClean, c.failed)
}

// release detaches and frees the event handlers.
func (c *browserConn) release() {
	if c.released {
		return
	}
	c.released = true
	// A close the browser reports ends the handshake of a connection the
	// engine did not abandon first.
	handshakes.leave(c, !c.closing)
	c.t.live--
	if !c.t.registry.IsUndefined() {
		_, _ = c.t.registry.Call("delete", c.ws)
	}
	for _, name := range []string{"onopen", "onmessage", "onerror", "onclose"} {
		_ = c.ws.Set(name, nil)
	}
	for _, f := range c.handlers {
		releaseFunc(f)
	}
	c.handlers = nil
}

// Send writes m unless the browser socket is not open: a WebSocket that is
// closing drops what it is given without a word, and the engine must keep
// such a message for the next connection instead.
func (c *browserConn) Send(m engine.Message) error {
	if c.closed {
		return errNotOpen
	}
	if c.readyState() != wsOpen {
		return errNotOpen
	}
	if !m.Binary {
		_, err := c.ws.Call("send", string(m.Data))
		return err
	}
	view, err := js.uint8Array.New(len(m.Data))
	if err != nil {
		return err
	}
	if _, err := safejs.CopyBytesToJS(view, m.Data); err != nil {
		return err
	}
	_, err = c.ws.Call("send", view)
	return err
}

// SinceHeard is how long ago the glue last delivered a message of c itself.
// Handshaking is how long the connection has waited for its handshake
// without the browser's queue to its host moving (handshakes).
func (c *browserConn) Handshaking() (time.Duration, bool) {
	return handshakes.since(c), true
}

func (c *browserConn) SinceHeard() (time.Duration, bool) {
	if p := c.t.glue; p != nil && p.conn == c {
		return p.sinceHeard()
	}
	return 0, false
}

func (c *browserConn) BufferedAmount() int {
	v, err := c.ws.Get("bufferedAmount")
	if err != nil {
		return 0
	}
	n, _ := v.Int()
	return n
}

// Close closes the browser socket, also while it is still connecting: the
// browser then abandons the handshake and reports an error and a close.
// Code 0 closes without a code.
//
// The browser sends no close code but 1000 and 3000–4999 and throws on any
// other, so Close sends the engine's other codes (1001 going away, 1002
// protocol error, 1009 message too big …) as sendableCloseCode says, with
// the reason kept. Should the browser refuse all the same (a reason over
// 123 bytes), Close closes without a code. The socket closes whatever the
// code: a socket left open would stay open, unknown to the engine, until
// the page went.
func (c *browserConn) Close(code int, reason string) error {
	if c.closed {
		return nil
	}
	c.closing = true
	// An abandoned handshake proves nothing about its host's queue.
	handshakes.leave(c, false)
	if c.t.glue != nil {
		c.t.glue.detach(c)
	}
	if code != 0 {
		if _, err := c.ws.Call("close", sendableCloseCode(code, c.resume), reason); err == nil {
			return nil
		}
	}
	if _, err := c.ws.Call("close"); err != nil {
		return fmt.Errorf("failed to close WebSocket: %s", jsMessage(err))
	}
	return nil
}

// sendableCloseCode is the code the browser sends for close code code: the
// code itself if the browser sends it (1000, 3000–4999), otherwise the one
// that means the same to a resock server (docs/PROTOCOL.md, "Ending a
// session"): 1001 becomes 1000, since both end a session; any other becomes
// 1000 on a plain connection and, on a resock.v1 one, 4003, which keeps the
// session for the next connection as the code itself would.
func sendableCloseCode(code int, resume bool) int {
	switch {
	case code == 1000 || code >= 3000 && code <= 4999:
		return code
	case resume && code != 1001:
		return engine.CloseReconnect
	default:
		return 1000
	}
}
