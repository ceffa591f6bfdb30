//go:build !js

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

func TestReadLimitClosesClientWith1009(t *testing.T) {
	ts := newTestServer(t, Options{ReadLimit: 1024}, Echo)
	ctx := testCtx(t)
	c := dial(t, ts.wsURL("/"), nil)

	atLimit := strings.Repeat("a", 1024)
	write(t, ctx, c, websocket.MessageText, atLimit)
	if got := readText(t, ctx, c); got != atLimit {
		t.Fatalf("a message at the limit was not echoed whole: got %d bytes", len(got))
	}

	write(t, ctx, c, websocket.MessageText, atLimit+"b")
	wantCloseStatus(t, ctx, c, websocket.StatusMessageTooBig)
	ts.logs.waitForLine(t, "read limit", "read_limit=1024", "close_code=1009")
	ts.logs.waitForLine(t, "client disconnected", "close_code=1009")
}

func TestCrossOriginHandshakeIsRefusedWith403(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)

	_, resp, err := websocket.Dial(ctx, ts.wsURL("/"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
	})
	if err == nil {
		t.Fatal("a cross-origin handshake was accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin handshake: got response %v, want 403", resp)
	}
	ts.logs.waitForLine(t, "refused WebSocket handshake", "origin=http://evil.example")
	if n := ts.Stats().Accepted; n != 0 {
		t.Fatalf("Accepted = %d after a refused handshake, want 0", n)
	}

	sameOrigin := dial(t, ts.wsURL("/"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {ts.http.URL}},
	})
	write(t, ctx, sameOrigin, websocket.MessageText, "same origin")
	if got := readText(t, ctx, sameOrigin); got != "same origin" {
		t.Fatalf("got %q", got)
	}
}

func TestOriginPatternsAllowCrossOrigin(t *testing.T) {
	ts := newTestServer(t, Options{OriginPatterns: []string{"*.allowed.example"}}, Echo)
	ctx := testCtx(t)

	c := dial(t, ts.wsURL("/"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://app.allowed.example"}},
	})
	write(t, ctx, c, websocket.MessageText, "hi")
	if got := readText(t, ctx, c); got != "hi" {
		t.Fatalf("got %q", got)
	}

	_, resp, err := websocket.Dial(ctx, ts.wsURL("/"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://evil.example"}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an origin outside the patterns: err %v, response %v; want 403", err, resp)
	}
}

func getStats(t *testing.T, ts *testServer) Stats {
	t.Helper()
	resp, err := http.Get(ts.http.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("/stats Content-Type = %q", ct)
	}
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("failed to decode /stats: %v", err)
	}
	return st
}

func TestStatsCountsClients(t *testing.T) {
	ids := make(chan string, 2)
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		ids <- c.ID()
		Echo(ctx, c)
	})

	if st := getStats(t, ts); st.Clients != 0 || len(st.Conns) != 0 {
		t.Fatalf("stats before any client: %+v", st)
	}
	a := dial(t, ts.wsURL("/"), nil)
	dial(t, ts.wsURL("/"), nil)
	want := []string{<-ids, <-ids}
	slices.Sort(want)

	st := getStats(t, ts)
	var got []string
	for _, c := range st.Conns {
		got = append(got, c.ID)
		if c.Connected < 0 || c.RemoteAddr == "" {
			t.Errorf("bad client entry %+v", c)
		}
	}
	slices.Sort(got)
	if st.Clients != 2 || st.Accepted != 2 || !slices.Equal(got, want) || st.Uptime <= 0 {
		t.Fatalf("stats with two clients %v: %+v", want, st)
	}

	if err := a.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, func() bool { return getStats(t, ts).Clients == 1 }, "one client left")
	if st := getStats(t, ts); st.Accepted != 2 {
		t.Fatalf("Accepted = %d, want 2", st.Accepted)
	}
}

func TestShutdownClosesClientsWith1012(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	clients := []*websocket.Conn{dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil)}
	for _, c := range clients {
		write(t, ctx, c, websocket.MessageText, "up")
		readText(t, ctx, c)
	}

	ended := make(chan error, len(clients))
	for _, c := range clients {
		go func() {
			_, _, err := c.Read(ctx)
			ended <- err
		}()
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := ts.Stats().Clients; n != 0 {
		t.Fatalf("%d clients left after Shutdown", n)
	}
	for range clients {
		if err := <-ended; websocket.CloseStatus(err) != websocket.StatusServiceRestart {
			t.Fatalf("client ended with %v, want close code 1012", err)
		}
	}
	ts.logs.waitForLine(t, "client disconnected", "close_code=1012")

	late := dial(t, ts.wsURL("/"), nil)
	wantCloseStatus(t, ctx, late, websocket.StatusServiceRestart)
}

// shutdownHint reads what a client hears when the server shuts down: the
// retry-after frame a resume client gets before the close, and the close.
func shutdownHint(ctx context.Context, c *websocket.Conn) (frame time.Duration, closed websocket.CloseError, err error) {
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			if !errors.As(err, &closed) {
				return 0, closed, fmt.Errorf("the connection ended with %w, want a close frame", err)
			}
			return frame, closed, nil
		}
		if c.Subprotocol() != wire.Protocol {
			continue
		}
		f, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
		if err != nil {
			return 0, closed, fmt.Errorf("bad frame %x: %w", b, err)
		}
		if f.Type == wire.TypeRetryAfter {
			if frame != 0 {
				return 0, closed, errors.New("a second retry-after frame")
			}
			frame = time.Duration(f.Value) * time.Millisecond
		}
	}
}

func TestShutdownTellsClientsWhenToComeBack(t *testing.T) {
	const hint = 3 * time.Second
	ts := newTestServer(t, Options{ShutdownRetryAfter: hint}, Echo)
	ctx := testCtx(t)
	const n = 8
	var plain, resume []*websocket.Conn
	for range n {
		c := dial(t, ts.wsURL("/"), nil)
		write(t, ctx, c, websocket.MessageText, "up")
		readText(t, ctx, c)
		plain = append(plain, c)
		rc, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		resume = append(resume, rc)
	}

	type heard struct {
		resume bool
		frame  time.Duration
		closed websocket.CloseError
		err    error
	}
	results := make(chan heard, 2*n)
	for _, c := range plain {
		go func() {
			f, cl, err := shutdownHint(ctx, c)
			results <- heard{false, f, cl, err}
		}()
	}
	for _, c := range resume {
		go func() {
			f, cl, err := shutdownHint(ctx, c)
			results <- heard{true, f, cl, err}
		}()
	}
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	waits := map[time.Duration]bool{}
	for range 2 * n {
		h := <-results
		if h.err != nil {
			t.Fatal(h.err)
		}
		if h.closed.Code != websocket.StatusServiceRestart {
			t.Fatalf("closed with %v, want 1012", h.closed)
		}
		wait := h.frame
		if h.resume {
			if h.closed.Reason != "service restart" {
				t.Errorf("resume client: close reason %q, want \"service restart\"", h.closed.Reason)
			}
		} else {
			if h.frame != 0 {
				t.Errorf("a plain client got a retry-after frame")
			}
			secs, ok := strings.CutPrefix(h.closed.Reason, "retry-after=")
			d, err := time.ParseDuration(secs + "s")
			if !ok || err != nil {
				t.Fatalf("plain client: close reason %q, want retry-after=SECONDS", h.closed.Reason)
			}
			wait = d
		}
		// Plain mode rounds up to whole seconds.
		if wait < hint || wait > 2*hint {
			t.Errorf("told to wait %v (resume %v), want [%v, %v]", wait, h.resume, hint, 2*hint)
		}
		if h.resume {
			waits[wait] = true
		}
	}
	if len(waits) < 2 {
		t.Errorf("every resume client was told to wait %v: the reconnects are not spread", waits)
	}
	ts.logs.waitForLine(t, "shutting down", "retry_after=3s")

	// A client that comes during or after the shutdown is told the same.
	for _, protocols := range [][]string{nil, {wire.Protocol}} {
		late := dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: protocols})
		f, cl, err := shutdownHint(ctx, late)
		if err != nil {
			t.Fatal(err)
		}
		if cl.Code != websocket.StatusServiceRestart || (protocols == nil && !strings.HasPrefix(cl.Reason, "retry-after=")) || (protocols != nil && f < hint) {
			t.Errorf("a late client (protocols %q) heard %v and a retry-after frame of %v", protocols, cl, f)
		}
	}
}

func TestShutdownWithoutRetryAfterGivesNoHint(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	p := dial(t, ts.wsURL("/"), nil)
	r, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 1 && ts.Stats().Clients == 2 }, "both clients")
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()
	for _, c := range []*websocket.Conn{p, r} {
		f, cl, err := shutdownHint(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if f != 0 || cl.Code != websocket.StatusServiceRestart || cl.Reason != "service restart" {
			t.Errorf("without ShutdownRetryAfter a client heard %v and a retry-after frame of %v, want a plain 1012", cl, f)
		}
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownDropsClientsThatDoNotAnswerAtDeadline(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: time.Hour}, func(ctx context.Context, c *Conn) { <-ctx.Done() })
	// This client never reads, so it never answers the close frame.
	dial(t, ts.wsURL("/"), nil)
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 1 }, "the client to be registered")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ts.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want an error wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v past a 100ms deadline", d)
	}
	waitUntil(t, 2*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the client to be dropped")
	ts.logs.waitForLine(t, "shutdown deadline reached", "clients=1")
}

func TestClientThatStopsAnsweringPingsIsDropped(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout},
		func(ctx context.Context, c *Conn) { <-ctx.Done() })

	start := time.Now()
	// A coder client answers pings only while it reads; this one never does.
	dial(t, ts.wsURL("/"), nil)
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Accepted == 1 }, "the client to be registered")
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the client to be dropped")
	elapsed := time.Since(start)
	if elapsed < interval || elapsed > interval+timeout+time.Second {
		t.Fatalf("dropped after %v, want within PingInterval+PingTimeout = %v", elapsed, interval+timeout)
	}
	ts.logs.waitForLine(t, "stopped answering pings", "close_code=1006")
}

// A resume client is pinged like a plain one, so a link that stops
// answering is dropped even while the heartbeat would still wait.
func TestResumeClientThatStopsAnsweringPingsIsDropped(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout, HeartbeatInterval: time.Hour}, Echo)
	ctx := testCtx(t)

	start := time.Now()
	// After the welcome this client never reads again, so it never answers
	// a ping.
	openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the client to be dropped")
	elapsed := time.Since(start)
	if elapsed > interval+timeout+time.Second {
		t.Fatalf("dropped after %v, want within PingInterval+PingTimeout = %v", elapsed, interval+timeout)
	}
	ts.logs.waitForLine(t, "stopped answering pings", "close_code=1006")
	// Dropped, not ended: the session waits for the client to come back.
	if n := ts.Stats().Sessions; n != 1 {
		t.Errorf("Sessions = %d after the drop, want 1", n)
	}
}

// Pongs are seen while the app does not read, in both modes: in resume
// mode the connection's read loop keeps reading into the session's inbox.
// The pings come often and the timeout is generous: five answered pings in
// a row show the pongs were read, and a stalled test machine cannot make a
// client look dead.
func TestPingsAreAnsweredWhileAppDoesNotRead(t *testing.T) {
	for _, resume := range []bool{false, true} {
		t.Run(fmt.Sprintf("resume=%v", resume), func(t *testing.T) {
			ts := newTestServer(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 5 * time.Second, HeartbeatInterval: time.Hour},
				func(ctx context.Context, c *Conn) { <-ctx.Done() })
			ctx := testCtx(t)

			pings := make(chan struct{}, 100)
			opts := &websocket.DialOptions{
				OnPingReceived: func(context.Context, []byte) bool {
					pings <- struct{}{}
					return true
				},
			}
			unread := []byte("unread")
			if resume {
				opts.Subprotocols = []string{wire.Protocol}
				unread = wire.AppendData(nil, false, unread)
			}
			c := dial(t, ts.wsURL("/"), opts)
			if resume {
				if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: wire.Version})); err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.Read(ctx); err != nil {
					t.Fatalf("no welcome: %v", err)
				}
			}
			// Messages the app never reads must not keep pongs from being read.
			for range 3 {
				if err := c.Write(ctx, websocket.MessageText, unread); err != nil {
					t.Fatal(err)
				}
			}
			readCtx := c.CloseRead(ctx)
			for i := range 5 {
				select {
				case <-pings:
				case <-readCtx.Done():
					t.Fatalf("connection closed after %d pings", i)
				case <-ctx.Done():
					t.Fatalf("only %d pings arrived", i)
				}
			}
			if n := ts.Stats().Clients; n != 1 {
				t.Fatalf("Clients = %d, want 1", n)
			}
		})
	}
}

func TestReturningAppClosesWith1000(t *testing.T) {
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		_, _, _ = c.Read(ctx)
	})
	ctx := testCtx(t)
	c := dial(t, ts.wsURL("/"), nil)
	write(t, ctx, c, websocket.MessageText, "bye")
	wantCloseStatus(t, ctx, c, websocket.StatusNormalClosure)
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the client to be unregistered")
}

func TestPanickingAppClosesWith1011(t *testing.T) {
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		panic("broken app")
	})
	ctx := testCtx(t)
	c := dial(t, ts.wsURL("/"), nil)
	wantCloseStatus(t, ctx, c, websocket.StatusInternalError)
	ts.logs.waitForLine(t, "handler panicked", "broken app", "close_code=1011")
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the client to be unregistered")
}

func TestConnReadReturnsWhenItsContextEnds(t *testing.T) {
	got := make(chan error, 1)
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, _, err := c.Read(rctx)
		got <- err
		// The connection is still usable after the Read gave up.
		_ = c.Write(ctx, MessageText, []byte("still open"))
		<-ctx.Done()
	})
	ctx := testCtx(t)
	c := dial(t, ts.wsURL("/"), nil)
	if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read = %v, want context.DeadlineExceeded", err)
	}
	if got := readText(t, ctx, c); got != "still open" {
		t.Fatalf("got %q", got)
	}
}
