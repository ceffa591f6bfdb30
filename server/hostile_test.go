//go:build !js

package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// These tests attack the server as hostile clients would. Each attack must
// be refused or closed with a specific close code and a log line, memory
// must stay within the configured limits, and a well-behaved client on the
// same server (the bystander) must keep working; its figures before and
// during the attack are printed.

// openSession dials a resock.v1 connection and completes the handshake.
func openSession(t *testing.T, ctx context.Context, url string, h wire.Hello) (*websocket.Conn, wire.Welcome) {
	t.Helper()
	c := dial(t, url, &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
	if h.Version == 0 {
		h.Version = wire.Version
	}
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, h)); err != nil {
		t.Fatalf("failed to send hello: %v", err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("failed to read welcome: %v", err)
	}
	f, err := wire.Parse(b)
	if err != nil || f.Type != wire.TypeWelcome {
		t.Fatalf("answer to hello %x, %v: want a welcome", b, err)
	}
	return c, f.Welcome
}

func TestHostileOversizedMessageInResumeModeClosesWith1009(t *testing.T) {
	ts := newTestServer(t, Options{ReadLimit: 4096}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	b.measure(t, "oversized frames", 100*time.Millisecond, func() {
		for range 20 {
			c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
			if err := c.Write(ctx, websocket.MessageBinary, wire.AppendData(nil, true, make([]byte, 4096))); err != nil {
				t.Fatal(err)
			}
			wantCloseStatus(t, ctx, c, websocket.StatusMessageTooBig)
		}
	})
	ts.logs.waitForLine(t, "read limit", "read_limit=4096", "close_code=1009")
}

func TestHostileWebSocketPingFloodIsClosedWith1008(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	var pings atomic.Int64
	b.measure(t, "a WebSocket ping flood from 4 clients", 100*time.Millisecond, func() {
		var wg sync.WaitGroup
		for range 4 {
			c := dial(t, ts.wsURL("/"), nil)
			readCtx := c.CloseRead(ctx)
			wg.Go(func() {
				for readCtx.Err() == nil {
					pctx, cancel := context.WithTimeout(ctx, time.Second)
					err := c.Ping(pctx)
					cancel()
					if err != nil {
						break
					}
					pings.Add(1)
				}
				<-readCtx.Done()
				if got := websocket.CloseStatus(context.Cause(readCtx)); got != -1 && got != websocket.StatusPolicyViolation {
					t.Errorf("flooder closed with %v, want 1008", got)
				}
			})
		}
		wg.Wait()
	})
	t.Logf("the flooders got %d pings answered before they were closed", pings.Load())
	ts.logs.waitForLine(t, "too many pings", "close_code=1008")
}

func TestHostileResumePingFloodIsClosedWith1008(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	b.measure(t, "a resock.v1 ping flood", 100*time.Millisecond, func() {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		sent := 0
		ended := make(chan error, 1)
		go func() {
			_, err := drain(ctx, c)
			ended <- err
		}()
	flood:
		for ; sent < 100000; sent++ {
			select {
			case err := <-ended:
				if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
					t.Errorf("flooder ended with %v, want close code 1008", err)
				}
				break flood
			default:
			}
			if err := c.Write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypePing, uint64(sent))); err != nil {
				break
			}
		}
		t.Logf("the flooder sent %d pings before it was closed", sent)
	})
	ts.logs.waitForLine(t, "too many pings", "close_code=1008")
}

func TestHostileAbandonedSessionsAreBoundedByMaxSessions(t *testing.T) {
	const maxSessions, attempts = 500, 10000
	logs := newTailLog(64)
	ms := startMemServer(t, Options{MaxSessions: maxSessions, SessionRetention: time.Hour, RetryAfter: 7 * time.Second, Logger: slog.New(slog.NewTextHandler(logs, nil))}, Echo)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	// The bystander's session was opened before the flood.
	by, _ := ms.dial(ctx, wire.Protocol)
	defer by.CloseNow()
	if err := by.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: 1})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := by.Read(ctx); err != nil {
		t.Fatal(err)
	}

	// abandon opens one session and drops its connection without a close;
	// it reports whether the server refused it with retry-after and 1013.
	abandon := func() (refused bool) {
		c, err := ms.dial(ctx, wire.Protocol)
		if err != nil {
			t.Fatalf("failed to dial: %v", err)
		}
		defer c.CloseNow()
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: 1})); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no answer to hello: %v", err)
		}
		f, err := wire.Parse(b)
		if err != nil {
			t.Fatalf("answer %x: %v", b, err)
		}
		switch f.Type {
		case wire.TypeWelcome:
			return false
		case wire.TypeRetryAfter:
			if f.Value != 7000 {
				t.Fatalf("retry-after %d ms, want 7000", f.Value)
			}
			_, _, err := c.Read(ctx)
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("after retry-after: %v, want close code 1013", err)
			}
			return true
		}
		t.Fatalf("answer %v, want a welcome or a retry-after", f.Type)
		return false
	}

	base := liveHeap()
	start := time.Now()
	refused := 0
	var full uint64
	for i := range attempts {
		if abandon() {
			refused++
		}
		if i == maxSessions {
			full = liveHeap()
		}
	}
	elapsed := time.Since(start)
	waitUntil(t, 5*time.Second, func() bool { return logs.has("refused session", "too many sessions", "close_code=1013") }, "a log line for the refusals")
	after := liveHeap()
	st := ms.Stats()
	t.Logf("%d sessions opened and abandoned in %v: %d refused with retry-after and 1013; %d sessions live (limit %d)",
		attempts, elapsed.Round(time.Millisecond), refused, st.Sessions, maxSessions)
	t.Logf("heap: %s before, %s once full (%.1f KiB per session), %s after %d more attempts",
		mib(base), mib(full), float64(full-base)/maxSessions/1024, mib(after), attempts-maxSessions-1)
	if st.Sessions != maxSessions || refused != attempts-(maxSessions-1) {
		t.Errorf("%d sessions, %d refused; want %d and %d", st.Sessions, refused, maxSessions, attempts-(maxSessions-1))
	}
	if grew := int64(after) - int64(full); grew > 4<<20 {
		t.Errorf("the heap grew by %s after the session limit was reached: refused sessions are not free", signedMiB(grew))
	}

	// The bystander's session still works.
	if err := by.Write(ctx, websocket.MessageText, wire.AppendData(nil, false, []byte("still here"))); err != nil {
		t.Fatal(err)
	}
	for {
		typ, b, err := by.Read(ctx)
		if err != nil {
			t.Fatalf("the bystander's session ended: %v", err)
		}
		if f, _ := wire.ParseMessage(typ == websocket.MessageBinary, b); f.Type == wire.TypeText {
			if string(f.Payload) != "still here" {
				t.Fatalf("echo %q", f.Payload)
			}
			break
		}
	}
}

func TestHostileForgedSessionIDsNeverReachTheSession(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	victimDone := victim.CloseRead(ctx)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	const tries = 200
	b.measure(t, "200 hellos forging the victim's session", 100*time.Millisecond, func() {
		for i := range tries {
			forged := wire.Hello{Session: w.Session, Token: wire.ID{byte(i), byte(i >> 8), 1}, Received: uint64(i % 3)}
			c, got := openSession(t, ctx, ts.wsURL("/"), forged)
			if got.Resumed || got.Session == w.Session {
				t.Fatalf("a forged token got %+v: the session was stolen", got)
			}
			c.Close(websocket.StatusNormalClosure, "")
		}
	})
	select {
	case <-victimDone.Done():
		t.Fatalf("the victim's connection ended: %v", context.Cause(victimDone))
	default:
	}
	ts.logs.waitForLine(t, "unknown, expired or unauthorised session")
	if n := strings.Count(ts.logs.String(), "unknown, expired or unauthorised session"); n != tries {
		t.Errorf("%d log lines for %d forged hellos", n, tries)
	}
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 1 }, "only the victim's session left")
}

// slowReader writes frames built by next until the connection breaks, and
// never reads. While it runs, the test samples the heap until the server
// has dropped it, and returns the peak growth.
func slowReader(t *testing.T, ctx context.Context, ts *testServer, c *websocket.Conn, next func(i int) []byte, clients int) uint64 {
	t.Helper()
	base := liveHeap()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i < 5000; i++ {
			if err := c.Write(ctx, websocket.MessageBinary, next(i)); err != nil {
				return
			}
		}
	}()
	var peak uint64
	deadline := time.Now().Add(10 * time.Second)
	for ts.Stats().Clients == clients {
		if time.Now().After(deadline) {
			t.Fatalf("a client that never reads still holds its connection after 10s")
		}
		peak = max(peak, liveHeap())
		checkQueues(t, ts.Server)
		time.Sleep(20 * time.Millisecond)
	}
	c.CloseNow()
	<-done
	return max(peak, base) - base
}

// checkQueues checks what the server holds for its clients against the
// limits: per connection the received messages not yet read, per session
// the inbox and the unacknowledged frames.
func checkQueues(t *testing.T, s *Server) {
	t.Helper()
	for _, c := range s.clients.list() {
		c.qmu.Lock()
		q := c.queued
		c.qmu.Unlock()
		if q > s.opts.ReadLimit {
			t.Errorf("client %s has %d bytes queued, over the read limit of %d", c.id, q, s.opts.ReadLimit)
		}
	}
	s.sessions.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions.byID))
	for _, sess := range s.sessions.byID {
		sessions = append(sessions, sess)
	}
	s.sessions.mu.Unlock()
	for _, sess := range sessions {
		sess.mu.Lock()
		inbox, unacked, frames := sess.inboxBytes, sess.unackedBytes, len(sess.unacked)
		sess.mu.Unlock()
		if int64(inbox) > s.opts.ReadLimit {
			t.Errorf("session %s holds %d bytes for its app, over the read limit of %d", sess.name(), inbox, s.opts.ReadLimit)
		}
		if frames > 1 && unacked > s.opts.MaxUnackedBytes {
			t.Errorf("session %s holds %d unacknowledged bytes in %d frames, over the limit of %d", sess.name(), unacked, frames, s.opts.MaxUnackedBytes)
		}
	}
}

// A stolen token is a stolen session: the token is a bearer secret (serve
// wss://). The takeover is not silent: the victim's connection is closed
// with 4001 and the server logs it.
func TestHostileStolenTokenTakesTheSessionOverVisibly(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	thief, got := openSession(t, ctx, ts.wsURL("/"), wire.Hello{Session: w.Session, Token: w.Token})
	defer thief.CloseNow()
	if !got.Resumed || got.Session != w.Session {
		t.Fatalf("the right token got %+v, want the session", got)
	}
	wantCloseStatus(t, ctx, victim, 4001)
	ts.logs.waitForLine(t, "session moved to a newer connection", "close_code=4001")
}

func TestHostilePlainSlowReaderIsDropped(t *testing.T) {
	const interval, timeout = 200 * time.Millisecond, 200 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	var grew uint64
	b.measure(t, "a plain client that writes 1 MiB messages and never reads", 100*time.Millisecond, func() {
		c := dial(t, ts.wsURL("/"), nil)
		msg := make([]byte, 1<<20)
		grew = slowReader(t, ctx, ts, c, func(int) []byte { return msg }, 2)
	})
	ts.logs.waitForLine(t, "client disconnected", "close_code=1006")
	t.Logf("peak heap growth while the slow reader was connected: %s", mib(grew))
	// The figure includes the attacker's own buffers, in this process too.
	if grew > 12<<20 {
		t.Errorf("one slow reader grew the heap by %s, want at most 12 MiB (a few times the 1 MiB read limit)", mib(grew))
	}
}

func TestHostileResumeSlowReaderIsDropped(t *testing.T) {
	const interval, timeout = 200 * time.Millisecond, 200 * time.Millisecond
	ts := newTestServer(t, Options{HeartbeatInterval: interval, HeartbeatTimeout: timeout}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	var grew uint64
	b.measure(t, "a resume client that sends 1 MiB frames and never reads nor acknowledges", 100*time.Millisecond, func() {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		frame := wire.AppendData(nil, true, make([]byte, 1<<20-1))
		grew = slowReader(t, ctx, ts, c, func(int) []byte { return frame }, 2)
	})
	ts.logs.waitForLine(t, "client stopped answering heartbeats", "close_code=4002")
	t.Logf("peak heap growth while the slow reader was connected: %s", mib(grew))
	// The figure includes the attacker's own buffers, in this process too.
	if grew > 24<<20 {
		t.Errorf("one slow reader grew the heap by %s, want at most 24 MiB (a few times the read and unacknowledged limits)", mib(grew))
	}
}

func TestHostileResumeTrickleReaderIsDropped(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	ts := newTestServer(t, Options{
		HeartbeatInterval: 200 * time.Millisecond,
		HeartbeatTimeout:  200 * time.Millisecond,
		MaxUnackedBytes:   64 << 20,
		WriteTimeout:      writeTimeout,
	}, Echo)
	ctx := testCtx(t)
	// A tiny receive buffer that is never read fills at once.
	dialer := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c := dial(t, ts.wsURL("/"), &websocket.DialOptions{
		Subprotocols: []string{wire.Protocol},
		HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}},
	})
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: 1})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// Echoes of 8 MiB fill the network buffers, so the server's writer
	// blocks; then one small frame every 50 ms keeps the connection from
	// looking silent and stays far below the inbox limits. Without a write
	// timeout the connection would be held for 256 frames, 12.8 s.
	big := wire.AppendData(nil, true, make([]byte, 256<<10))
	for range 32 {
		if err := c.Write(ctx, websocket.MessageBinary, big); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for ts.Stats().Clients == 1 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("a client that sends but never reads still holds its connection after %v", time.Since(start).Round(time.Millisecond))
		}
		wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = c.Write(wctx, websocket.MessageText, wire.AppendData(nil, false, []byte("x")))
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("dropped %v after the trickle started (write timeout %v)", time.Since(start).Round(time.Millisecond), writeTimeout)
	ts.logs.waitForLine(t, "client stopped reading", "write_timeout=300ms", "close_code=1006")
}

func TestHostileCrossOriginIsRefusedWith403(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	for _, origin := range []string{"http://evil.example", "null", "http://127.0.0.1.evil.example"} {
		_, resp, err := websocket.Dial(ctx, ts.wsURL("/"), &websocket.DialOptions{
			Subprotocols: []string{wire.Protocol},
			HTTPHeader:   http.Header{"Origin": {origin}},
		})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: err %v, response %v; want 403", origin, err, resp)
		}
		ts.logs.waitForLine(t, "refused WebSocket handshake", "origin="+origin)
	}
	if st := ts.Stats(); st.Accepted != 0 || st.Sessions != 0 {
		t.Errorf("after refused handshakes: %+v", st)
	}
}

func TestHostileHelloNeverSentIsClosedWith1002(t *testing.T) {
	ts := newTestServer(t, Options{HelloTimeout: 200 * time.Millisecond}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	b.measure(t, "50 upgraded connections that never send a hello", 100*time.Millisecond, func() {
		var cs []*websocket.Conn
		for range 50 {
			cs = append(cs, dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}}))
		}
		start := time.Now()
		for _, c := range cs {
			wantCloseStatus(t, ctx, c, websocket.StatusProtocolError)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("closed after %v, want about the hello timeout of 200ms", took)
		}
	})
	ts.logs.waitForLine(t, "no hello in time", "close_code=1002")
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 1 }, "only the bystander left")
}

func TestHostileSlowlorisUpgradeIsCutAtReadHeaderTimeout(t *testing.T) {
	logs := &logBuffer{}
	d, _ := NewDemo(Options{Logger: newLogger(logs)}, t.TempDir(), t.TempDir())
	d.http.ReadHeaderTimeout = 300 * time.Millisecond
	d.http.IdleTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- d.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	b := startBystander(t, "ws://"+ln.Addr().String()+"/echo")
	defer b.stop()
	b.measure(t, "50 upgrade requests trickled a byte at a time", 100*time.Millisecond, func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				start := time.Now()
				req := "GET /echo HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: " + strings.Repeat("a", 1000)
				for i := 0; i < len(req); i++ {
					if _, err := c.Write([]byte{req[i]}); err != nil {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				// The server may answer 408 before it closes; either way the
				// connection must end, and never be upgraded.
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				answer, err := io.ReadAll(c)
				took := time.Since(start)
				if err != nil && !errors.Is(err, syscall.ECONNRESET) || took > 2*time.Second || bytes.Contains(answer, []byte(" 101 ")) {
					t.Errorf("a trickled request was still open after %v (%v, answer %q)", took.Round(time.Millisecond), err, answer)
				}
			})
		}
		wg.Wait()
	})
	waitUntil(t, 5*time.Second, func() bool {
		return strings.Count(logs.String(), "request headers not received in time") == 50
	}, "a log line for each cut connection")
	if !strings.Contains(logs.String(), "read_header_timeout=300ms") {
		t.Errorf("the log lines do not name the timeout:\n%s", logs)
	}

	// A connection that made one request and then idles is closed too.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /stats HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("an idle keep-alive connection was still open after %v (%v)", time.Since(start).Round(time.Millisecond), err)
	}
}

// A client whose connection ends between a frame's header and its payload
// sent no message: the app must see the connection end, not an empty
// message (github.com/coder/websocket reports one; see internal/cutshort).
func TestHostileConnectionCutAfterAFrameHeaderDeliversNothing(t *testing.T) {
	for _, mode := range []struct {
		name        string
		subprotocol []string
	}{{"plain", nil}, {"resume", []string{wire.Protocol}}} {
		t.Run(mode.name, func(t *testing.T) {
			got := make(chan []byte, 10)
			ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
				for {
					m, err := c.ReadMessage(ctx)
					if err != nil {
						return
					}
					got <- m.Data
				}
			})
			ctx := testCtx(t)
			dialed := make(chan net.Conn, 1)
			client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err == nil {
					dialed <- c
				}
				return c, err
			}}}
			c := dial(t, ts.wsURL("/"), &websocket.DialOptions{HTTPClient: client, Subprotocols: mode.subprotocol})
			if mode.subprotocol != nil {
				if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: wire.Version})); err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.Read(ctx); err != nil {
					t.Fatalf("no welcome: %v", err)
				}
			}
			raw := <-dialed
			// A masked text frame of 3 bytes: its header and mask, no payload.
			if _, err := raw.Write([]byte{0x81, 0x83, 1, 2, 3, 4}); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 0 }, "the connection to end")
			select {
			case m := <-got:
				t.Fatalf("the app got a message %q from a frame whose payload never came", m)
			default:
			}
		})
	}
}
