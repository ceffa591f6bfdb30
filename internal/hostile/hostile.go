//go:build !js

// Package hostile is a hostile or broken resock server for tests: its first
// resume connections follow a script, later ones reach the real resock
// server, which the test gives it as a handler; that server's app applies
// each client message once, by id, in a Ledger. The engine's tests drive it
// with the Go client, the end-to-end tests with a page in Chromium.
//
// It does not import the server library: the test that uses it does, so
// that no test rig below the library depends on it.
package hostile

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/wire"
)

// Conn is what a scripted connection does after the upgrade request
// arrived; it returns when it is done with the connection.
type Conn func(t *testing.T, w http.ResponseWriter, r *http.Request)

// Session is the session a hostile server pretends to have, id and token.
var Session = wire.ID{0xba, 0xd0}

// Server answers its first resume connections with a script, one entry
// each, and every other request with the real server.
type Server struct {
	// URL is the ws:// URL of the server.
	URL string

	t      *testing.T
	script []Conn
	real   http.Handler

	mu    sync.Mutex
	conns int
	// holds keeps hijacked connections open until the test ends.
	holds []net.Conn
}

// Start serves script, then real, the real resock server's handler, on a
// port of its own until the test ends. The caller shuts the real server
// down in a cleanup registered after Start, so that it runs first.
func Start(t *testing.T, real http.Handler, script ...Conn) *Server {
	t.Helper()
	h := &Server{t: t, script: script, real: real}
	hs := httptest.NewServer(h)
	h.URL = "ws" + strings.TrimPrefix(hs.URL, "http")
	t.Cleanup(func() {
		h.mu.Lock()
		for _, c := range h.holds {
			c.Close()
		}
		h.mu.Unlock()
		hs.CloseClientConnections()
		hs.Close()
	})
	return h
}

func (h *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	offers := slices.Contains(strings.Split(strings.ReplaceAll(r.Header.Get("Sec-WebSocket-Protocol"), " ", ""), ","), wire.Protocol)
	h.mu.Lock()
	i := h.conns
	if offers {
		h.conns++
	}
	h.mu.Unlock()
	if offers && i < len(h.script) {
		h.script[i](h.t, w, r.WithContext(context.WithValue(r.Context(), serverKey{}, h)))
		return
	}
	h.real.ServeHTTP(w, r)
}

// serverKey is the context key of the Server a script runs for.
type serverKey struct{}

// hold keeps c open until the test ends.
func (h *Server) hold(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holds = append(h.holds, c)
}

// Silent takes the connection over on the upgrade request and never
// answers; the connection stays open until the test ends.
func Silent(t *testing.T, w http.ResponseWriter, r *http.Request) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hostile server: failed to hijack: %v", err)
		return
	}
	r.Context().Value(serverKey{}).(*Server).hold(c)
}

// NeverWelcome upgrades, reads the hello and all that follows, and never
// answers it.
func NeverWelcome(t *testing.T, w http.ResponseWriter, r *http.Request) {
	c, _ := AcceptResume(t, w, r)
	if c == nil {
		return
	}
	defer c.CloseNow()
	_, _ = Drain(r.Context(), c)
}

// Ledger is what the real server's app applied of one client's messages:
// each once, by message id, in order. The app reads each message with its
// id and passes it to Apply, and echoes nothing.
type Ledger struct {
	mu      sync.Mutex
	applied []string
	last    uint64
	errs    []string
}

// Apply applies data, the client's message numbered n (its MessageID.N),
// unless it applied it before; a message that skips a number is an error.
func (l *Ledger) Apply(n uint64, data []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case n <= l.last:
	case n != l.last+1:
		l.errs = append(l.errs, fmt.Sprintf("message id %d after %d", n, l.last))
	default:
		l.last = n
		l.applied = append(l.applied, string(data))
	}
}

// Applied returns the messages applied, in order, and what went wrong with
// their ids.
func (l *Ledger) Applied() (applied, errs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.applied), slices.Clone(l.errs)
}

// AcceptResume upgrades the request selecting resock.v1, from a page of any
// origin, and reads the hello. It returns nil if the upgrade failed.
func AcceptResume(t *testing.T, w http.ResponseWriter, r *http.Request) (*websocket.Conn, wire.Hello) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Protocol}, InsecureSkipVerify: true})
	if err != nil {
		t.Errorf("hostile server: failed to accept: %v", err)
		return nil, wire.Hello{}
	}
	c.SetReadLimit(-1)
	typ, b, err := c.Read(r.Context())
	if err != nil {
		return c, wire.Hello{}
	}
	f, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
	if err != nil || f.Type != wire.TypeHello {
		t.Errorf("hostile server: first frame %x, %v, want a hello", b, err)
	}
	return c, f.Hello
}

// Send writes a frame as a binary message.
func Send(r *http.Request, c *websocket.Conn, b []byte) {
	_ = c.Write(r.Context(), websocket.MessageBinary, b)
}

// welcomed accepts a resume client, answers its hello with welcome and
// runs then on the connection, which it drops afterwards.
func welcomed(welcome wire.Welcome, then func(r *http.Request, c *websocket.Conn)) Conn {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := AcceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		Send(r, c, wire.AppendWelcome(nil, welcome))
		then(r, c)
	}
}

// Welcome answers the hello with welcome, reads n messages without
// acknowledging them, sends each of frames as a binary message and reads
// until the connection ends.
func Welcome(welcome wire.Welcome, n int, frames ...[]byte) Conn {
	return welcomed(welcome, func(r *http.Request, c *websocket.Conn) {
		if readN(r.Context(), c, n) != nil {
			return
		}
		for _, f := range frames {
			Send(r, c, f)
		}
		_, _ = Drain(r.Context(), c)
	})
}

// WelcomeText answers the hello with welcome, sends text as a WebSocket
// text message, whatever it holds, and reads until the connection ends.
func WelcomeText(welcome wire.Welcome, text []byte) Conn {
	return welcomed(welcome, func(r *http.Request, c *websocket.Conn) {
		_ = c.Write(r.Context(), websocket.MessageText, text)
		_, _ = Drain(r.Context(), c)
	})
}

// WelcomeThen is Welcome to a fresh session with id and token Session.
func WelcomeThen(n int, frames ...[]byte) Conn {
	return Welcome(wire.Welcome{Session: Session, Token: Session}, n, frames...)
}

// DropAfter welcomes the client to a fresh session with id and token
// Session, reads n messages without acknowledging them and drops the
// connection.
func DropAfter(n int) Conn {
	return welcomed(wire.Welcome{Session: Session, Token: Session}, func(r *http.Request, c *websocket.Conn) {
		_ = readN(r.Context(), c, n)
	})
}

// readN reads n messages.
func readN(ctx context.Context, c *websocket.Conn, n int) error {
	for range n {
		if _, _, err := c.Read(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Drain reads until the connection ends and returns how many messages came.
func Drain(ctx context.Context, c *websocket.Conn) (int, error) {
	for n := 0; ; n++ {
		if _, _, err := c.Read(ctx); err != nil {
			return n, err
		}
	}
}
