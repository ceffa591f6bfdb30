//go:build !js

package reconnect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
	"github.com/resock/resock/server"
)

// These tests put a hostile or broken server in front of a Socket in resume
// mode: its first connections misbehave, later ones reach the real resock
// server. Each misbehaviour must give an error event that says what went
// wrong and the reconnect the close policy calls for; and once a good
// server answers, every message the application sent arrives there exactly
// once and in order.

// hostileConn is what a scripted connection does after the upgrade request
// arrived; it returns when it is done with the connection.
type hostileConn func(t *testing.T, w http.ResponseWriter, r *http.Request)

// hostileServer answers its first resume connections with script, one
// entry each, and every other request with the real server.
type hostileServer struct {
	t      *testing.T
	script []hostileConn
	real   http.Handler
	ledger *ledger
	url    string

	mu    sync.Mutex
	conns int
	// holds keeps hijacked connections open until the test ends.
	holds []net.Conn
}

func newHostileServer(t *testing.T, script ...hostileConn) *hostileServer {
	t.Helper()
	l := &ledger{}
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := &hostileServer{t: t, script: script, real: srv.Handler(l.serve), ledger: l}
	hs := httptest.NewServer(h)
	h.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
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

func (h *hostileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	offers := slices.Contains(strings.Split(strings.ReplaceAll(r.Header.Get("Sec-WebSocket-Protocol"), " ", ""), ","), wire.Protocol)
	h.mu.Lock()
	i := h.conns
	if offers {
		h.conns++
	}
	h.mu.Unlock()
	if offers && i < len(h.script) {
		h.script[i](h.t, w, r)
		return
	}
	h.real.ServeHTTP(w, r)
}

// hold keeps c open until the test ends.
func (h *hostileServer) hold(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holds = append(h.holds, c)
}

// ledger is the good server's app: it applies each client message once, by
// message id, and echoes nothing.
type ledger struct {
	mu      sync.Mutex
	applied []string
	last    uint64
	errs    []string
}

func (l *ledger) serve(ctx context.Context, c *server.Conn) {
	for {
		m, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		l.mu.Lock()
		switch {
		case m.ID.N <= l.last:
		case m.ID.N != l.last+1:
			l.errs = append(l.errs, fmt.Sprintf("message id %d after %d", m.ID.N, l.last))
		default:
			l.last = m.ID.N
			l.applied = append(l.applied, string(m.Data))
		}
		l.mu.Unlock()
	}
}

func (l *ledger) snapshot() ([]string, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.applied), slices.Clone(l.errs)
}

// acceptResume upgrades the request selecting resock.v1 and reads the hello.
func acceptResume(t *testing.T, w http.ResponseWriter, r *http.Request) (*websocket.Conn, wire.Hello) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Protocol}})
	if err != nil {
		t.Errorf("hostile server: failed to accept: %v", err)
		return nil, wire.Hello{}
	}
	_, b, err := c.Read(r.Context())
	if err != nil {
		return c, wire.Hello{}
	}
	f, err := wire.Parse(b)
	if err != nil || f.Type != wire.TypeHello {
		t.Errorf("hostile server: first frame %x, %v, want a hello", b, err)
	}
	return c, f.Hello
}

// hostileSession is the session a hostile server pretends to have.
var hostileSession = wire.ID{0xba, 0xd0}

func sendFrame(r *http.Request, c *websocket.Conn, b []byte) {
	_ = c.Write(r.Context(), websocket.MessageBinary, b)
}

// welcomeThen welcomes the client to a fresh session, reads n of its data
// frames without acknowledging them, then sends frame and reads until the
// connection ends.
func welcomeThen(n int, frame []byte) hostileConn {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession, Token: hostileSession}))
		for range n {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
		sendFrame(r, c, frame)
		_, _ = drainWS(r.Context(), c)
	}
}

func drainWS(ctx context.Context, c *websocket.Conn) (int, error) {
	for n := 0; ; n++ {
		if _, _, err := c.Read(ctx); err != nil {
			return n, err
		}
	}
}

// watched is a Socket in resume mode whose events the test waits on.
type watched struct {
	s  *Socket
	mu sync.Mutex
	ev []Event
}

func (w *watched) onEvent(e Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ev = append(w.ev, e)
}

func (w *watched) events() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ev)
}

func watchedOf[T Event](w *watched) []T {
	var out []T
	for _, e := range w.events() {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func (w *watched) describe() string {
	var b strings.Builder
	for _, e := range w.events() {
		switch e := e.(type) {
		case ErrorEvent:
			fmt.Fprintf(&b, "\n  error: %v", e.Err)
		case CloseEvent:
			fmt.Fprintf(&b, "\n  close: %d %q clean=%v willReconnect=%v", e.Code, e.Reason, e.WasClean, e.WillReconnect)
		case OpenEvent:
			fmt.Fprintf(&b, "\n  open: resumed=%v", e.Resumed)
		case ReconnectingEvent:
			fmt.Fprintf(&b, "\n  reconnecting: attempt %d after %v", e.Attempt, e.Delay)
		}
	}
	return b.String()
}

// waitUntil polls cond until it holds.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialHostile connects a resume-mode Socket to h and queues n numbered
// messages at once.
func dialHostile(t *testing.T, h *hostileServer, n int, edit func(*Options)) *watched {
	t.Helper()
	w := &watched{}
	o := Options{
		Resume:         true,
		Backoff:        Backoff{Delays: []time.Duration{20 * time.Millisecond}},
		ConnectTimeout: 500 * time.Millisecond,
		OnEvent:        w.onEvent,
	}
	if edit != nil {
		edit(&o)
	}
	s, err := New(h.url, o)
	if err != nil {
		t.Fatal(err)
	}
	w.s = s
	t.Cleanup(func() { s.Close(1000, "") })
	for i := range n {
		if err := s.Send(text(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// wantRecovery checks that w reported an error whose text has every part,
// reconnected, and that the good server then applied every message once and
// in order.
func wantRecovery(t *testing.T, h *hostileServer, w *watched, n int, parts ...string) {
	t.Helper()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("m%d", i)
	}
	waitUntil(t, 10*time.Second, "the good server to apply every message", func() bool {
		got, _ := h.ledger.snapshot()
		return len(got) >= n || w.s.State() == Closed
	})
	got, errs := h.ledger.snapshot()
	for _, e := range errs {
		t.Error(e)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the good server applied %q, want %q once each, in order; events:%s", got, want, w.describe())
	}
	found := false
	for _, e := range watchedOf[ErrorEvent](w) {
		msg := e.Err.Error()
		all := true
		for _, p := range parts {
			all = all && strings.Contains(msg, p)
		}
		found = found || all
	}
	if !found {
		t.Errorf("no error event mentions %q; events:%s", parts, w.describe())
	}
	if len(watchedOf[ReconnectingEvent](w)) == 0 {
		t.Errorf("no reconnect; events:%s", w.describe())
	}
	if opens := watchedOf[OpenEvent](w); len(opens) == 0 || opens[len(opens)-1].Resumed {
		t.Errorf("opens %+v, want the last one a fresh session on the good server", opens)
	}
}

func TestHostileServerSendsGarbageAfterTheWelcome(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, welcomeThen(2, []byte{0x7f, 1, 2, 3}))
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "unknown type 0x7f")
}

func TestHostileServerSendsATruncatedFrame(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t,
		welcomeThen(1, []byte{byte(wire.TypeAck), 0x80}),
		welcomeThen(1, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession})[:9]),
	)
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "malformed")
}

func TestHostileServerSendsTextThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession}))
		_ = c.Write(r.Context(), websocket.MessageText, []byte{byte(wire.TypeText), 'a', 0xff, 0xfe})
		_, _ = drainWS(r.Context(), c)
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "not valid UTF-8")
}

func TestHostileServerAcknowledgesMessagesNeverSent(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, welcomeThen(1, wire.AppendValue(nil, wire.TypeAck, 1000)))
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "acknowledged 1000")
}

func TestHostileServerResumesWithSequencesThatNeverExisted(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t,
		// A genuine-looking session that drops after a few frames …
		func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			c, _ := acceptResume(t, w, r)
			if c == nil {
				return
			}
			sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession, Token: hostileSession}))
			for range 3 {
				if _, _, err := c.Read(r.Context()); err != nil {
					break
				}
			}
			c.CloseNow()
		},
		// … then claims, on resume, frames the client never sent.
		func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			c, hello := acceptResume(t, w, r)
			if c == nil {
				return
			}
			defer c.CloseNow()
			if hello.Session != hostileSession {
				t.Errorf("second hello %+v, want it to resume the hostile session", hello)
			}
			sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Resumed: true, Session: hostileSession, Token: hostileSession, Received: 1 << 40}))
			_, _ = drainWS(r.Context(), c)
		},
	)
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "invalid resume answer", "1099511627776")
}

func TestHostileServerResumesASessionNobodyAskedFor(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Resumed: true, Session: hostileSession}))
		_, _ = drainWS(r.Context(), c)
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "did not ask for")
}

func TestHostileServerAcceptsAndNeverSendsAByte(t *testing.T) {
	t.Parallel()
	var h *hostileServer
	silent := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("failed to hijack: %v", err)
			return
		}
		h.hold(c)
	}
	h = newHostileServer(t, silent, silent)
	start := time.Now()
	w := dialHostile(t, h, 5, func(o *Options) { o.ConnectTimeout = 300 * time.Millisecond })
	wantRecovery(t, h, w, 5, "no answer within 300ms")
	if took := time.Since(start); took < 600*time.Millisecond {
		t.Errorf("recovered after %v, before two connect timeouts could pass", took)
	}
}

func TestHostileServerNeverCompletesTheResumeHandshake(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		_, _ = drainWS(r.Context(), c)
	})
	w := dialHostile(t, h, 5, func(o *Options) { o.ConnectTimeout = 300 * time.Millisecond })
	wantRecovery(t, h, w, 5, "welcome", "300ms")
}

func TestHostileServerClosesInTheMiddleOfTheResumeHandshake(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		c.Close(websocket.StatusInternalError, "boom")
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "handshake", "1011")
}

func TestHostileServerDropsTheUpgradeRequest(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "dial", "EOF")
}

func TestHostileServerSendsAMessageOverMaxMessageSize(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, welcomeThen(1, wire.AppendData(nil, true, make([]byte, 5000))))
	w := dialHostile(t, h, 5, func(o *Options) { o.MaxMessageSize = 1000 })
	waitUntil(t, 10*time.Second, "a close for the big message", func() bool {
		for _, c := range watchedOf[CloseEvent](w) {
			if c.Code == 1009 {
				return true
			}
		}
		return false
	})
	var closeEv CloseEvent
	for _, c := range watchedOf[CloseEvent](w) {
		if c.Code == 1009 {
			closeEv = c
		}
	}
	if want := DefaultShouldReconnect(CloseEvent{Code: 1009}); closeEv.WillReconnect != want {
		t.Errorf("close %+v: willReconnect %v, want %v as the default policy says", closeEv, closeEv.WillReconnect, want)
	}
	found := false
	for _, e := range watchedOf[ErrorEvent](w) {
		found = found || strings.Contains(e.Err.Error(), "exceeds") && strings.Contains(e.Err.Error(), "limit")
	}
	if !found {
		t.Errorf("no error event says the message exceeds the limit; events:%s", w.describe())
	}
}

func TestHostileServerSendsTextThatIsNotAFrame(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		sendFrame(r, c, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession}))
		_ = c.Write(r.Context(), websocket.MessageText, []byte("not a frame"))
		_, _ = drainWS(r.Context(), c)
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "text message must hold a text frame")
}
