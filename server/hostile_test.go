//go:build !js

package server

import (
	"context"
	"fmt"
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
	return c, handshake(t, ctx, c, h)
}

// openSessionOnce is openSession for a connection the caller closes, and
// the test does not keep: for attacks that open many.
func openSessionOnce(t *testing.T, ctx context.Context, url string, h wire.Hello) (*websocket.Conn, wire.Welcome) {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
	if err != nil {
		t.Fatalf("failed to dial %s: %v", url, err)
	}
	return c, handshake(t, ctx, c, h)
}

// handshake sends h on c and returns the welcome.
func handshake(t *testing.T, ctx context.Context, c *websocket.Conn, h wire.Hello) wire.Welcome {
	t.Helper()
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
	return f.Welcome
}

func TestHostileOversizedMessageClosesWith1009(t *testing.T) {
	for _, mode := range []struct {
		name string
		open func(t *testing.T, ctx context.Context, url string) *websocket.Conn
		// frame wraps a payload as the mode sends it.
		frame func([]byte) []byte
	}{
		{"plain", func(t *testing.T, _ context.Context, url string) *websocket.Conn { return dial(t, url, nil) },
			func(p []byte) []byte { return p }},
		{"resume", func(t *testing.T, ctx context.Context, url string) *websocket.Conn {
			c, _ := openSession(t, ctx, url, wire.Hello{})
			return c
		}, func(p []byte) []byte { return wire.AppendData(nil, true, p) }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			const readLimit, attackers = 64 << 10, 10
			ts := newTestServer(t, Options{ReadLimit: readLimit}, Echo)
			ctx := testCtx(t)
			b := startBystander(t, ts.wsURL("/"))
			defer b.stop()
			// Each attacker sends four times the limit; the server must stop
			// reading at the limit, whatever the frame claims.
			msg := mode.frame(make([]byte, 4*readLimit))
			heap := sampleHeap()
			b.measure(t, fmt.Sprintf("%d clients at once sending messages of 4× the read limit, again and again", attackers), func() {
				repeatFor(minAbuse, func(int) {
					var wg sync.WaitGroup
					for range attackers {
						c := mode.open(t, ctx, ts.wsURL("/"))
						wg.Go(func() {
							defer c.CloseNow()
							// The write may fail once the server closed.
							_ = c.Write(ctx, websocket.MessageBinary, msg)
							_, _, err := c.Read(ctx)
							for err == nil {
								_, _, err = c.Read(ctx)
							}
							if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
								t.Errorf("an oversized message ended with %v, want close code 1009", err)
							}
						})
					}
					wg.Wait()
					// The next round's attackers come once the server has let
					// go of these: the bound is for ten at a time.
					waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 1 }, "the server to let go of the attackers")
				})
			})
			// Per attacker: what the server reads up to the limit and its
			// copy, and the connection's buffers at both ends. The
			// attackers share one message.
			checkHeap(t, "oversized messages", heap.peak(), attackers*(2*readLimit+128<<10)+2<<20,
				"per attacker twice the read limit and 128 KiB of buffers, and 2 MiB")
			ts.logs.waitForLine(t, "read limit", "read_limit=65536", "close_code=1009")
		})
	}
}

func TestHostileWebSocketPingFloodIsClosedWith1008(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	var pings atomic.Int64
	heap := sampleHeap()
	b.measure(t, "WebSocket ping floods from 4 clients at a time", func() {
		repeatFor(minAbuse, func(int) { pingFlood(t, ctx, ts, &pings) })
	})
	t.Logf("the flooders got %d pings answered before they were closed", pings.Load())
	// A pong is written at once and kept nowhere.
	checkHeap(t, "a WebSocket ping flood", heap.peak(), 4*128<<10+2<<20, "128 KiB of buffers per flooder, and 2 MiB")
	ts.logs.waitForLine(t, "too many pings", "close_code=1008")
}

// pingFlood pings from 4 clients as fast as they get pongs until the
// server closes them.
func pingFlood(t *testing.T, ctx context.Context, ts *testServer, pings *atomic.Int64) {
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
}

func TestHostileResumePingFloodIsClosedWith1008(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	heap := sampleHeap()
	b.measure(t, "resock.v1 ping floods, one client at a time", func() {
		repeatFor(minAbuse, func(int) { resumePingFlood(t, ctx, ts) })
	})
	checkHeap(t, "a resock.v1 ping flood", heap.peak(), 128<<10+2<<20, "128 KiB of buffers for the flooder, and 2 MiB")
	ts.logs.waitForLine(t, "too many pings", "close_code=1008")
}

// resumePingFlood sends resock.v1 pings from one client until the server
// closes it.
func resumePingFlood(t *testing.T, ctx context.Context, ts *testServer) {
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
	if sent == 100000 {
		t.Errorf("the flooder sent %d pings and was not closed", sent)
	}
	c.CloseNow()
}

// One client opening sessions as fast as it can and abandoning them used
// to fill the table and lock every new resume client out for the
// retention. Now an abandoned session makes room: a newcomer takes the
// place of the session that has been without a connection longest, and a
// session with a connection is never evicted.
func TestHostileAbandonedSessionsMakeRoomForNewcomers(t *testing.T) {
	const maxSessions, attempts = 500, 10000
	logs := newTailLog(64)
	// The resume bystander below reads nothing while the flood runs, so
	// it answers neither pings nor heartbeats: they wait.
	ms := startMemServer(t, Options{
		MaxSessions: maxSessions, SessionRetention: time.Hour, RetryAfter: 7 * time.Second,
		PingInterval: time.Hour, HeartbeatInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}, Echo)
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

	// open sends a hello for a new session on a new connection and
	// reports whether the server refused it with retry-after and 1013.
	open := func() (c *websocket.Conn, refused bool) {
		c, err := ms.dial(ctx, wire.Protocol)
		if err != nil {
			t.Fatalf("failed to dial: %v", err)
		}
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
			return c, false
		case wire.TypeRetryAfter:
			_, _, err := c.Read(ctx)
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("after retry-after: %v, want close code 1013", err)
			}
			return c, true
		}
		t.Fatalf("answer %v, want a welcome or a retry-after", f.Type)
		return c, false
	}

	// And a plain client measures the server meanwhile, against a control
	// on a server of its own.
	bc, err := ms.dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	control, err := startMemServer(t, Options{Logger: quietLogger()}, Echo).dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := startBystanderOn(bc, control)
	defer b.stop()

	base := liveHeap()
	start := time.Now()
	refused := 0
	var full uint64
	b.measure(t, fmt.Sprintf("%d sessions opened and abandoned", attempts), func() {
		for i := range attempts {
			// Dropped without a close: the session waits for its client.
			c, r := open()
			c.CloseNow()
			if r {
				refused++
			}
			if i == maxSessions {
				full = liveHeap()
			}
		}
	})
	elapsed := time.Since(start)
	waitUntil(t, 5*time.Second, func() bool { return logs.has("session evicted", "session table full") }, "a log line for the evictions")
	waitUntil(t, 5*time.Second, func() bool { st := ms.Stats(); return st.DetachedSessions == st.Sessions-1 }, "every abandoned session detached")
	after := liveHeap()
	st := ms.Stats()
	t.Logf("%d sessions opened and abandoned in %v: %d evicted, %d refused while no session was detached yet; %d sessions live (limit %d)",
		attempts, elapsed.Round(time.Millisecond), st.Evicted, refused, st.Sessions, maxSessions)
	t.Logf("heap: %s before, %s once full (%.1f KiB per session), %s after %d more attempts",
		mib(base), mib(full), float64(full-base)/maxSessions/1024, mib(after), attempts-maxSessions-1)
	if st.Sessions > maxSessions || st.Evicted < uint64(attempts-maxSessions-refused) {
		t.Errorf("%d sessions, %d evicted; want at most %d, and a newcomer's room made for each of %d", st.Sessions, st.Evicted, maxSessions, attempts-maxSessions-refused)
	}
	// A refusal is only for a newcomer that came before any abandoned
	// session was seen to be gone; most take the place of one.
	if refused > attempts/10 {
		t.Errorf("%d of %d newcomers refused: the table locks clients out", refused, attempts)
	}
	if grew := int64(after) - int64(full); grew > 4<<20 {
		t.Errorf("the heap grew by %s after the session limit was reached: evicted sessions are not free", signedMiB(grew))
	}

	// A new client now gets a session at once.
	c, r := open()
	defer c.CloseNow()
	if r {
		t.Error("a new client was refused although the table holds abandoned sessions")
	}

	// The bystander's session, which has its connection, still works.
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
	// Every forged hello is let through, to reach the session if it could;
	// TestHostileHellosForUnknownSessionsAreRateLimited limits them.
	ts := newTestServer(t, Options{UnknownHelloRate: 1e9}, Echo)
	ctx := testCtx(t)
	victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	victimDone := victim.CloseRead(ctx)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	tries := 0
	heap := sampleHeap()
	b.measure(t, "hellos forging the victim's session or made-up ones", func() {
		tries = repeatFor(minAbuse, func(i int) {
			// Half take the victim's id with a guessed token, half make up
			// an id, which the server cannot tell from an expired one.
			forged := wire.Hello{Session: w.Session, Token: wire.ID{byte(i), byte(i >> 8), 1}, Received: uint64(i % 3)}
			if i%2 == 1 {
				forged.Session = wire.ID{byte(i), byte(i >> 8), 2}
			}
			c, got := openSessionOnce(t, ctx, ts.wsURL("/"), forged)
			defer c.CloseNow()
			if got.Resumed || got.Session == w.Session {
				t.Fatalf("a forged hello got %+v: the session was stolen", got)
			}
			c.Close(websocket.StatusNormalClosure, "")
		})
		// As many of each kind.
		if tries%2 == 1 {
			tries++
			c, _ := openSessionOnce(t, ctx, ts.wsURL("/"), wire.Hello{Session: wire.ID{1, 2, 3}, Token: wire.ID{4}})
			defer c.CloseNow()
			c.Close(websocket.StatusNormalClosure, "")
		}
	})
	t.Logf("%d forged hellos", tries)
	// Each gets a session, which its client ends: nothing is left but the
	// log lines this test keeps.
	checkHeap(t, "forged hellos", heap.peak(), 2<<20+uint64(tries)*2<<10,
		"2 MiB, and 2 KiB of log per hello: a forged hello gets one session, ended with its connection")
	select {
	case <-victimDone.Done():
		t.Fatalf("the victim's connection ended: %v", context.Cause(victimDone))
	default:
	}
	ts.logs.waitForLine(t, "unknown, expired or unauthorised session")
	// Every forged hello is logged with the address it came from: a wrong
	// token as a warning, an unknown id (what every client brings back
	// after a restart) as information.
	for _, tc := range []struct{ reason, level string }{
		{`reason="wrong token"`, "level=WARN"},
		{`reason="no such session: expired or forged"`, "level=INFO"},
	} {
		reason := tc.reason
		n := 0
		for line := range strings.Lines(ts.logs.String()) {
			if strings.Contains(line, "unknown, expired or unauthorised session") && strings.Contains(line, reason) &&
				strings.Contains(line, tc.level) && strings.Contains(line, "remote_addr=127.0.0.1:") {
				n++
			}
		}
		if n != tries/2 {
			t.Errorf("%d warnings with %s and the remote address for %d such hellos", n, reason, tries/2)
		}
	}
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 1 }, "only the victim's session left")
}

// slowReader writes frames built by next until the connection breaks, and
// never reads. While it runs, the test samples the heap until the server
// has dropped it, and returns the peak growth.
func slowReader(t *testing.T, ctx context.Context, ts *testServer, c *websocket.Conn, next func(i int) []byte, clients int) uint64 {
	t.Helper()
	heap := sampleHeap()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i < 5000; i++ {
			if err := c.Write(ctx, websocket.MessageBinary, next(i)); err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for ts.Stats().Clients == clients {
		if time.Now().After(deadline) {
			t.Fatalf("a client that never reads still holds its connection after 10s")
		}
		checkQueues(t, ts.Server)
		time.Sleep(20 * time.Millisecond)
	}
	grew := heap.peak()
	c.CloseNow()
	<-done
	return grew
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
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	b.measure(t, "sessions taken over with their tokens", func() {
		repeatFor(minAbuse, func(int) {
			victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
			thief, got := openSession(t, ctx, ts.wsURL("/"), wire.Hello{Session: w.Session, Token: w.Token})
			if !got.Resumed || got.Session != w.Session {
				t.Fatalf("the right token got %+v, want the session", got)
			}
			wantCloseStatus(t, ctx, victim, 4001)
			thief.Close(websocket.StatusNormalClosure, "")
		})
	})
	ts.logs.waitForLine(t, "session moved to a newer connection", "close_code=4001")
}

// A wrong token never takes a session over, whoever holds its id: the
// victim's connection stays open and the hello gets a fresh session.
func TestHostileStolenIDWithWrongTokenLeavesTheVictimAlone(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	victimDone := victim.CloseRead(ctx)
	thief, got := openSession(t, ctx, ts.wsURL("/"), wire.Hello{Session: w.Session, Token: wire.ID{1}})
	defer thief.CloseNow()
	if got.Resumed || got.Session == w.Session {
		t.Fatalf("a wrong token got %+v: the session was stolen", got)
	}
	ts.logs.waitForLine(t, "unknown, expired or unauthorised session", `reason="wrong token"`, "level=WARN")
	select {
	case <-victimDone.Done():
		t.Fatalf("the victim's connection ended: %v", context.Cause(victimDone))
	default:
	}
	if strings.Contains(ts.logs.String(), "session moved to a newer connection") {
		t.Fatalf("a wrong token moved the session:\n%s", ts.logs)
	}
}

func TestHostilePlainSlowReaderIsDropped(t *testing.T) {
	const interval, timeout = 200 * time.Millisecond, 200 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	var grew uint64
	msg := make([]byte, 1<<20)
	b.measure(t, "plain clients that write 1 MiB messages and never read, one at a time", func() {
		repeatFor(minAbuse, func(int) {
			c := dial(t, ts.wsURL("/"), nil)
			grew = max(grew, slowReader(t, ctx, ts, c, func(int) []byte { return msg }, 2))
		})
	})
	// The cause: the write timeout is 10 s, so it is the pings.
	ts.logs.waitForLine(t, "client stopped answering pings", "ping_timeout=200ms", "close_code=1006")
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
	b.measure(t, "a resume client that sends 1 MiB frames and never reads nor acknowledges", func() {
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
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	b.measure(t, "resume clients that trickle frames and never read, one at a time", func() {
		repeatFor(minAbuse, func(int) { trickleReader(t, ctx, ts, writeTimeout) })
	})
	ts.logs.waitForLine(t, "client stopped reading", "write_timeout=300ms", "close_code=1006")
}

// trickleReader fills the server's writes to it, then sends a small frame
// every 50 ms and never reads, until the server drops it.
func trickleReader(t *testing.T, ctx context.Context, ts *testServer, writeTimeout time.Duration) {
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
	start := time.Now()
	for range 32 {
		// A server whose write timed out while the buffers were filling
		// already dropped the client: the loop below finds it gone.
		if err := c.Write(ctx, websocket.MessageBinary, big); err != nil {
			t.Logf("the server cut the connection while its buffers filled: %v", err)
			break
		}
	}
	for ts.Stats().Clients == 2 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("a client that sends but never reads still holds its connection after %v", time.Since(start).Round(time.Millisecond))
		}
		wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = c.Write(wctx, websocket.MessageText, wire.AppendData(nil, false, []byte("x")))
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("dropped %v after the trickle started (write timeout %v)", time.Since(start).Round(time.Millisecond), writeTimeout)
}

func TestHostileCrossOriginIsRefusedWith403(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	origins := []string{"http://evil.example", "null", "http://127.0.0.1.evil.example"}
	b.measure(t, "cross-origin handshakes", func() {
		repeatFor(minAbuse, func(i int) {
			origin := origins[i%len(origins)]
			_, resp, err := websocket.Dial(ctx, ts.wsURL("/"), &websocket.DialOptions{
				Subprotocols: []string{wire.Protocol},
				HTTPHeader:   http.Header{"Origin": {origin}},
			})
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("origin %q: err %v, response %v; want 403", origin, err, resp)
			}
		})
	})
	for _, origin := range origins {
		ts.logs.waitForLine(t, "refused WebSocket handshake", "origin="+origin)
	}
	// Only the bystander got in.
	if st := ts.Stats(); st.Accepted != 1 || st.Sessions != 0 {
		t.Errorf("after refused handshakes: %+v", st)
	}
}

func TestHostileHelloNeverSentIsClosedWith1002(t *testing.T) {
	// As long as minAbuse, so that the bystander is measured over it.
	ts := newTestServer(t, Options{HelloTimeout: minAbuse}, Echo)
	ctx := testCtx(t)
	b := startBystander(t, ts.wsURL("/"))
	defer b.stop()
	base := liveHeap()
	var grew uint64
	b.measure(t, "50 upgraded connections that never send a hello", func() {
		var cs []*websocket.Conn
		for range 50 {
			cs = append(cs, dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}}))
		}
		grew = heapGrowth(base)
		start := time.Now()
		for _, c := range cs {
			wantCloseStatus(t, ctx, c, websocket.StatusProtocolError)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("closed after %v, want about the hello timeout of %v", took, minAbuse)
		}
	})
	// Measured with all 50 open, both ends in this process.
	checkHeap(t, "50 connections without a hello", grew, 50*128<<10, "128 KiB of buffers per connection: nothing is read but the handshake")
	ts.logs.waitForLine(t, "no hello in time", "close_code=1002")
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 1 }, "only the bystander left")
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

// Hellos for sessions the server does not know are what guessing at
// sessions looks like: past UnknownHelloRate per address (with a burst of
// ten seconds' worth) they are refused with retry-after and 1013, and a
// client that knows its session still resumes it.
func TestHostileHellosForUnknownSessionsAreRateLimited(t *testing.T) {
	const rate = 5
	ts := newTestServer(t, Options{UnknownHelloRate: rate, RetryAfter: 3 * time.Second}, Echo)
	ctx := testCtx(t)
	victim, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	victim.CloseNow()
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().DetachedSessions == 1 }, "the victim's session waiting")

	welcomed, refused := 0, 0
	start := time.Now()
	for i := range 4 * rate * helloBurst {
		c, _, err := websocket.Dial(ctx, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: wire.Version, Session: wire.ID{byte(i), byte(i >> 8), 7}, Token: wire.ID{1}})); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch f, _ := wire.Parse(b); f.Type {
		case wire.TypeWelcome:
			if f.Welcome.Resumed {
				t.Fatalf("a made-up session was resumed: %+v", f.Welcome)
			}
			welcomed++
		case wire.TypeRetryAfter:
			if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("after retry-after: %v, want 1013", err)
			}
			refused++
		default:
			t.Fatalf("answer %x", b)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
	// The burst, and what the rate added while the hellos ran.
	allowed := rate*helloBurst + int(rate*time.Since(start).Seconds()) + 1
	t.Logf("%d hellos for unknown sessions: %d got a fresh session, %d refused (%d allowed)", welcomed+refused, welcomed, refused, allowed)
	if welcomed > allowed || refused == 0 {
		t.Errorf("%d welcomed, %d refused; want at most %d welcomed", welcomed, refused, allowed)
	}
	ts.logs.waitForLine(t, "too many hellos for unknown sessions")
	// The client that knows its session is not held back.
	c, back := openSessionOnce(t, ctx, ts.wsURL("/"), wire.Hello{Session: w.Session, Token: w.Token})
	defer c.CloseNow()
	if !back.Resumed {
		t.Fatalf("the victim's own hello got %+v, want its session resumed", back)
	}
}
