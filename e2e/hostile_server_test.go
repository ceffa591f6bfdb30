//go:build !js

package e2e

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

// A hostile or broken server in front of the real module in Chromium: its
// first resume connections misbehave, later ones reach the real server.
// Each misbehaviour must give an error event that says what went wrong and
// the reconnect the close policy calls for, the page must stay responsive,
// and every message the page sent must reach the good server once, in order.

// hostileConn is what a scripted connection does with its request.
type hostileConn func(t *testing.T, w http.ResponseWriter, r *http.Request)

type hostileServer struct {
	t      *testing.T
	script []hostileConn
	real   http.Handler
	url    string

	mu      sync.Mutex
	conns   int
	holds   []net.Conn
	applied []string
	last    uint64
}

// startHostileServer serves script, then the real server, on its own port.
func startHostileServer(t *testing.T, script ...hostileConn) *hostileServer {
	t.Helper()
	h := &hostileServer{t: t, script: script}
	srv := server.New(server.Options{
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		OriginPatterns: []string{"127.0.0.1:*"},
	})
	h.real = srv.Handler(h.ledger)
	hs := httptest.NewServer(h)
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
	h.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	return h
}

func (h *hostileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	offers := strings.Contains(r.Header.Get("Sec-WebSocket-Protocol"), wire.Protocol)
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

// ledger applies each message once, by id.
func (h *hostileServer) ledger(ctx context.Context, c *server.Conn) {
	for {
		m, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		h.mu.Lock()
		if m.ID.N == h.last+1 {
			h.last = m.ID.N
			h.applied = append(h.applied, string(m.Data))
		}
		h.mu.Unlock()
	}
}

func (h *hostileServer) hold(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holds = append(h.holds, c)
}

// acceptResume selects resock.v1 for a page of any origin and reads the
// hello.
func acceptResume(t *testing.T, w http.ResponseWriter, r *http.Request) *websocket.Conn {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Protocol}, InsecureSkipVerify: true})
	if err != nil {
		t.Errorf("hostile server: failed to accept: %v", err)
		return nil
	}
	c.SetReadLimit(-1)
	if _, _, err := c.Read(r.Context()); err != nil {
		c.CloseNow()
		return nil
	}
	return c
}

var hostileSession = wire.ID{0xba, 0xd0}

// welcomeThen welcomes the page to a fresh session, reads n frames without
// acknowledging them, sends each of frames and waits for the end.
func welcomeThen(n int, frames ...[]byte) hostileConn {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		_ = c.Write(r.Context(), websocket.MessageBinary, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession, Token: hostileSession}))
		for range n {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
		for _, f := range frames {
			if err := c.Write(r.Context(), websocket.MessageBinary, f); err != nil {
				return
			}
		}
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}
}

// hostileCase opens a page, points a resume socket with options at url,
// sends n messages at once and waits until the good server applied them.
// It returns the page for more checks.
func hostileCase(t *testing.T, url string, n int, options string, errorParts ...string) *page {
	t.Helper()
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	p.run(`h.watchLag()`)
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true, delays: [20], ...%s})`, js(url), options))
	p.run(fmt.Sprintf(`for (let i = 0; i < %d; i++) h.ws("s").send("m" + i)`, n))
	p.waitFor("the socket to be open on the good server, with nothing queued",
		`h.full("s", "error").length > 0 && h.ws("s").readyState === 1 && h.ws("s").queuedMessages === 0`)
	errs := evaluate[[]string](p, `h.full("s", "error").map((e) => e.message)`)
	found := false
	for _, e := range errs {
		all := true
		for _, part := range errorParts {
			all = all && strings.Contains(e, part)
		}
		found = found || all
	}
	if !found {
		t.Errorf("no error event mentions %q; got %q", errorParts, errs)
	}
	if evaluate[int](p, `h.full("s", "reconnecting").length`) == 0 {
		t.Errorf("no reconnect; events %s", evaluate[string](p, `JSON.stringify(h.full("s"))`))
	}
	lag := evaluate[float64](p, `h.lagMax()`)
	t.Logf("error events %q; the page's timers were at most %.0f ms late", errs, lag)
	if lag > 1000 {
		t.Errorf("the page's event loop was held up for %.0f ms", lag)
	}
	return p
}

// wantApplied waits until the good server applied exactly the page's n
// messages, once each and in order.
func (h *hostileServer) wantApplied(t *testing.T, n int) {
	t.Helper()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint("m", i)
	}
	deadline := time.Now().Add(pollTimeout)
	for {
		h.mu.Lock()
		got := slices.Clone(h.applied)
		h.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if !slices.Equal(got, want) {
				t.Errorf("the good server applied %q, want %q", got, want)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runHostile starts a hostile server with script, runs the case and checks
// what the good server applied.
func runHostile(t *testing.T, n int, options string, errorParts []string, script ...hostileConn) *page {
	t.Helper()
	h := startHostileServer(t, script...)
	p := hostileCase(t, h.url, n, options, errorParts...)
	h.wantApplied(t, n)
	return p
}

func TestHostileServerGarbageInChromium(t *testing.T) {
	// Valid frames first, every one of which the page must get, then one it
	// cannot parse.
	const valid = 500
	var frames [][]byte
	for i := range valid {
		frames = append(frames, wire.AppendData(nil, true, []byte(fmt.Sprint("s", i))))
	}
	frames = append(frames, []byte{0x7f, 1, 2, 3})
	p := runHostile(t, 10, `{}`, []string{"protocol error", "0x7f"}, welcomeThen(2, frames...))
	if got := evaluate[int](p, `h.full("s", "message").length`); got != valid {
		t.Errorf("the page got %d of the %d valid messages before the garbage", got, valid)
	}
}

func TestHostileServerTruncatedFrameInChromium(t *testing.T) {
	runHostile(t, 10, `{}`, []string{"protocol error", "malformed"}, welcomeThen(1, []byte{byte(wire.TypeAck), 0x80}))
}

func TestHostileServerImpossibleResumeInChromium(t *testing.T) {
	first := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c := acceptResume(t, w, r)
		if c == nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageBinary, wire.AppendWelcome(nil, wire.Welcome{Session: hostileSession, Token: hostileSession}))
		for range 3 {
			if _, _, err := c.Read(r.Context()); err != nil {
				break
			}
		}
		c.CloseNow()
	}
	second := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c := acceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		_ = c.Write(r.Context(), websocket.MessageBinary, wire.AppendWelcome(nil, wire.Welcome{Resumed: true, Session: hostileSession, Token: hostileSession, Received: 1 << 40}))
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}
	runHostile(t, 10, `{}`, []string{"invalid resume answer"}, first, second)
}

func TestHostileServerSilentInChromium(t *testing.T) {
	var h *hostileServer
	silent := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("failed to hijack: %v", err)
			return
		}
		h.hold(c)
	}
	h = startHostileServer(t, silent)
	hostileCase(t, h.url, 5, `{connectTimeout: 300}`, "no answer within 300ms")
	h.wantApplied(t, 5)
}

func TestHostileServerNeverWelcomesInChromium(t *testing.T) {
	runHostile(t, 5, `{connectTimeout: 300}`, []string{"welcome", "300ms"}, welcomeNever)
}

func welcomeNever(t *testing.T, w http.ResponseWriter, r *http.Request) {
	c := acceptResume(t, w, r)
	if c == nil {
		return
	}
	defer c.CloseNow()
	for {
		if _, _, err := c.Read(r.Context()); err != nil {
			return
		}
	}
}

func TestHostileServerOversizedMessageInChromium(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	h := startHostileServer(t, welcomeThen(1, wire.AppendData(nil, true, make([]byte, 5000))))
	p.run(`h.watchLag()`)
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true, delays: [20], maxMessageSize: 1000})`, js(h.url)))
	p.run(`h.ws("s").send("m0")`)
	p.waitFor("the close for the big message", `h.full("s", "close").some((e) => e.code === 1009)`)
	closeEv := evaluate[event](p, `h.full("s", "close").find((e) => e.code === 1009)`)
	errs := evaluate[[]string](p, `h.full("s", "error").map((e) => e.message)`)
	t.Logf("close %+v; errors %q; the page's timers were at most %.0f ms late", closeEv, errs, evaluate[float64](p, `h.lagMax()`))
	if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "1000") && strings.Contains(e, "exceeds") }) {
		t.Errorf("no error event says the message exceeds the limit of 1000 bytes: %q", errs)
	}
	// 1009 says the message was too big: retrying would bring it again, so
	// the default policy gives up.
	if closeEv.WillReconnect {
		t.Errorf("close %+v: willReconnect, want the default policy to stop on 1009", closeEv)
	}
}
