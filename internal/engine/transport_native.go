//go:build !js

package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/cutshort"
)

// WebSocketTransport dials with github.com/coder/websocket. It is the
// default Transport outside the browser.
type WebSocketTransport struct {
	// HTTPClient and HTTPHeader are passed to websocket.Dial.
	HTTPClient *http.Client
	HTTPHeader http.Header
	// ReadLimit is the largest message accepted. Default 16 MiB.
	ReadLimit int64
}

// cutShortClient is the HTTP client of a WebSocketTransport without one: it
// dials through cutshort.Conn, so that a connection that ends inside a
// message is an error rather than a message cut short (see package
// internal/cutshort). A client of the application's own reads as that
// client reads.
var cutShortClient = &http.Client{Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment,
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return cutshort.Conn{Conn: c}, nil
	},
	DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		c, err := (&tls.Dialer{Config: &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}}}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return cutshort.Conn{Conn: c}, nil
	},
}}

// DefaultReadLimit is WebSocketTransport's default ReadLimit.
const DefaultReadLimit = 16 << 20

func defaultTransport(o Options) Transport {
	// A resume frame carries one byte beyond the message; the engine
	// itself refuses messages over MaxMessageSize.
	return WebSocketTransport{ReadLimit: int64(o.MaxMessageSize) + 1}
}

// Dial starts connecting in a goroutine and returns at once.
func (t WebSocketTransport) Dial(url string, protocols []string, h ConnHandler) (Conn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &nativeConn{h: h, cancel: cancel, wake: make(chan struct{}, 1)}
	go c.run(ctx, t, url, protocols)
	return c, nil
}

// nativeConn runs one connection: a reader goroutine that reports to the
// handler, and a writer goroutine that drains the send queue in order.
type nativeConn struct {
	h      ConnHandler
	cancel context.CancelFunc
	wake   chan struct{}

	mu       sync.Mutex
	queue    []Message
	buffered int
	opened   bool
	closing  bool
	code     int
	reason   string
	// closedClean is set once our closing handshake got its answer.
	closedClean bool
}

func (c *nativeConn) run(ctx context.Context, t WebSocketTransport, url string, protocols []string) {
	defer c.cancel()
	client := t.HTTPClient
	if client == nil {
		client = cutShortClient
	}
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   client,
		HTTPHeader:   t.HTTPHeader,
		Subprotocols: protocols,
	})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			// Aborted by Close: nothing failed.
			c.h.OnClose(1006, "", false, nil)
			return
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			// The server refused the handshake: the close carries the
			// status, for ShouldReconnect to judge.
			err = &HandshakeError{StatusCode: resp.StatusCode, Err: err}
		}
		c.h.OnClose(1006, "", false, err)
		return
	}
	limit := t.ReadLimit
	if limit <= 0 {
		limit = DefaultReadLimit
	}
	ws.SetReadLimit(limit)
	c.mu.Lock()
	c.opened = true
	c.mu.Unlock()
	c.h.OnOpen(ws.Subprotocol(), resp.Header.Get("Sec-WebSocket-Extensions"))

	done := make(chan struct{})
	go func() {
		defer close(done)
		c.write(ctx, ws)
	}()
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			c.cancel()
			<-done
			c.mu.Lock()
			clean, code, reason := c.closedClean, c.code, c.reason
			c.mu.Unlock()
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				c.h.OnClose(int(ce.Code), ce.Reason, true, nil)
			} else if errors.Is(err, websocket.ErrMessageTooBig) {
				// coder has sent the 1009 close frame.
				ws.CloseNow()
				c.h.OnError(fmt.Errorf("failed to read: a WebSocket message exceeds the read limit of %d bytes: %w", limit, err))
				c.h.OnClose(1009, "message too big", false, nil)
			} else if clean {
				c.h.OnClose(code, reason, true, nil)
			} else {
				ws.CloseNow()
				c.h.OnClose(1006, "", false, nil)
			}
			return
		}
		c.h.OnMessage(Message{Binary: typ == websocket.MessageBinary, Data: data})
	}
}

// write sends queued messages until the queue holds a close request or ctx
// ends.
func (c *nativeConn) write(ctx context.Context, ws *websocket.Conn) {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			closing, code, reason := c.closing, c.code, c.reason
			c.mu.Unlock()
			if closing {
				// Close waits for the peer's answer while the reader,
				// still running, receives it.
				status := websocket.StatusCode(code)
				if code == 0 {
					// A close frame without a status code.
					status = websocket.StatusNoStatusRcvd
				}
				err := ws.Close(status, reason)
				c.mu.Lock()
				c.closedClean = err == nil
				c.mu.Unlock()
				return
			}
			select {
			case <-c.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		m := c.queue[0]
		c.queue[0] = Message{}
		c.queue = c.queue[1:]
		c.mu.Unlock()
		typ := websocket.MessageText
		if m.Binary {
			typ = websocket.MessageBinary
		}
		err := ws.Write(ctx, typ, m.Data)
		c.mu.Lock()
		c.buffered -= len(m.Data)
		c.mu.Unlock()
		if err != nil {
			ws.CloseNow()
			return
		}
	}
}

func (c *nativeConn) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return net.ErrClosed
	}
	c.queue = append(c.queue, m)
	c.buffered += len(m.Data)
	c.signal()
	return nil
}

func (c *nativeConn) BufferedAmount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buffered
}

func (c *nativeConn) Close(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil
	}
	c.closing, c.code, c.reason = true, code, reason
	if !c.opened {
		c.cancel()
	}
	c.signal()
	return nil
}

func (c *nativeConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
