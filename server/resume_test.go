//go:build !js

package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/faultproxy"
	"github.com/resock/resock/internal/wire"
)

// exchange is an app that sends n numbered messages to its client while it
// checks that the client's n numbered messages arrive once and in order.
type exchange struct {
	n int
	// ledger is what the app has applied per client, surviving a server
	// restart as a database would; duplicates are recognised by message id.
	mu       sync.Mutex
	ledger   map[ClientID]uint64
	next     map[ClientID]int
	errs     []string
	dupes    int
	received atomic.Int64
}

func newExchange(n int) *exchange {
	return &exchange{n: n, ledger: map[ClientID]uint64{}, next: map[ClientID]int{}}
}

func (e *exchange) fail(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) < 10 {
		e.errs = append(e.errs, fmt.Sprintf(format, args...))
	}
}

func (e *exchange) serve(ctx context.Context, c *Conn) {
	go func() {
		for i := range e.n {
			if err := c.Write(ctx, MessageText, []byte(strconv.Itoa(i))); err != nil {
				return
			}
		}
	}()
	for {
		m, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		if m.ID.IsZero() {
			e.fail("message without an id")
			continue
		}
		e.mu.Lock()
		if m.ID.N <= e.ledger[m.ID.Client] {
			e.dupes++
			e.mu.Unlock()
			continue
		}
		if m.ID.N != e.ledger[m.ID.Client]+1 {
			e.mu.Unlock()
			e.fail("client %x: message id %d after %d", m.ID.Client[:4], m.ID.N, e.ledger[m.ID.Client])
			continue
		}
		e.ledger[m.ID.Client] = m.ID.N
		want := e.next[m.ID.Client]
		e.next[m.ID.Client]++
		e.mu.Unlock()
		if got := string(m.Data); got != strconv.Itoa(want) {
			e.fail("client %x: got %q, want %d", m.ID.Client[:4], got, want)
		}
		e.received.Add(1)
	}
}

// resumeClient is one engine.Socket in resume mode, checking that the
// server's numbered messages arrive once and in order.
type resumeClient struct {
	s          *engine.Socket
	next       atomic.Int64
	opens      atomic.Int64
	fresh      atomic.Int64
	errs       chan string
	closed     chan struct{}
	closedOnce sync.Once
	openedAt   chan time.Time
}

func newResumeClient(t *testing.T, url string, edit func(*engine.Options)) *resumeClient {
	c := &resumeClient{errs: make(chan string, 16), closed: make(chan struct{}), openedAt: make(chan time.Time, 1024)}
	o := engine.Options{
		Resume:            true,
		Backoff:           engine.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		ConnectTimeout:    2 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond,
		HeartbeatTimeout:  300 * time.Millisecond,
		MaxQueuedMessages: 1 << 20,
		MaxQueuedBytes:    1 << 30,
		OnEvent: func(e engine.Event) {
			switch e := e.(type) {
			case engine.OpenEvent:
				c.opens.Add(1)
				if !e.Resumed {
					c.fresh.Add(1)
				}
				c.openedAt <- time.Now()
			case engine.MessageEvent:
				want := c.next.Add(1) - 1
				if got := string(e.Message.Data); got != strconv.FormatInt(want, 10) {
					select {
					case c.errs <- fmt.Sprintf("got %q, want %d", got, want):
					default:
					}
				}
			case engine.CloseEvent:
				if !e.WillReconnect {
					c.closedOnce.Do(func() { close(c.closed) })
				}
			}
		},
	}
	if edit != nil {
		edit(&o)
	}
	s, err := engine.New(url, o)
	if err != nil {
		t.Fatal(err)
	}
	c.s = s
	return c
}

// sendNumbered sends the numbers from up to, not including, to.
func (c *resumeClient) sendNumbered(t *testing.T, from, to int) {
	for i := from; i < to; i++ {
		if err := c.s.Send(engine.Message{Data: []byte(strconv.Itoa(i))}); err != nil {
			t.Errorf("send %d: %v", i, err)
			return
		}
	}
}

// sendAtRate sends the numbers 0 … n-1, rate a second, as a busy client
// would; the channel closes once all are sent.
func (c *resumeClient) sendAtRate(t *testing.T, rate, n int) <-chan struct{} {
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for i := range n {
			<-tick.C
			if err := c.s.Send(engine.Message{Data: []byte(strconv.Itoa(i))}); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
		}
	}()
	return sent
}

func (c *resumeClient) close(t *testing.T) {
	c.s.Close(1000, "")
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Errorf("client did not close: state %v, stats %+v", c.s.State(), c.s.Stats())
	}
}

// restartKey is the ClientKey of a server and of the one that replaces it,
// so that client ids outlive the restart.
var restartKey = []byte("0123456789abcdef0123456789abcdef")

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func serveOn(t *testing.T, ln net.Listener, o Options, app func(context.Context, *Conn)) (*Server, func()) {
	s := New(o)
	hs := &http.Server{Handler: s.Handler(app)}
	go hs.Serve(ln)
	return s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		hs.Shutdown(ctx)
	}
}

func TestResumeDeliversEveryMessageOnceInOrderThroughFaults(t *testing.T) {
	clients, perDirection := 100, 1000
	if testing.Short() {
		clients = 10
	}
	app := newExchange(perDirection)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Logger: quietLogger(), HeartbeatInterval: 300 * time.Millisecond, HeartbeatTimeout: 300 * time.Millisecond}
	srv, stop := serveOn(t, ln, o, app.serve)
	defer stop()
	proxy, err := faultproxy.New(ln.Addr().String(), faultproxy.Options{MeanFaultInterval: 400 * time.Millisecond, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	start := time.Now()
	cs := make([]*resumeClient, clients)
	for i := range cs {
		cs[i] = newResumeClient(t, "ws://"+proxy.Addr(), nil)
		go cs[i].sendNumbered(t, 0, perDirection)
	}
	total := int64(clients * perDirection)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var got int64
		for _, c := range cs {
			got += c.next.Load()
		}
		if got == total && app.received.Load() == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 min: clients got %d of %d, server got %d of %d", got, total, app.received.Load(), total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	var reconnects int64
	var closing sync.WaitGroup
	for _, c := range cs {
		reconnects += c.opens.Load() - 1
		select {
		case e := <-c.errs:
			t.Error(e)
		default:
		}
		// A client whose connection is blackholed waits out its close;
		// they all do it at once.
		closing.Go(func() { c.close(t) })
	}
	closing.Wait()
	for _, e := range app.errs {
		t.Error(e)
	}
	st := proxy.Stats()
	t.Logf("%d clients, %d messages each way, %d in total in %v; faults injected: %d (%d resets, %d blackholes, %d slowdowns) over %d connections; %d reconnects; %d duplicate ids dropped by the app; sessions left %d",
		clients, total, 2*total, elapsed.Round(time.Millisecond), st.Faults(), st.Resets, st.Blackholes, st.Slowdowns, st.Connections, reconnects, app.dupes, srv.Stats().Sessions)
	if st.Faults() == 0 || reconnects == 0 {
		t.Errorf("no faults (%d) or no reconnects (%d): the test proved nothing", st.Faults(), reconnects)
	}
}

func TestBlackholedConnectionIsReplacedWithinIntervalPlusTimeout(t *testing.T) {
	app := newExchange(0)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	_, stop := serveOn(t, ln, Options{Logger: quietLogger(), ClientKey: restartKey}, app.serve)
	defer stop()
	proxy, _ := faultproxy.New(ln.Addr().String(), faultproxy.Options{MeanFaultInterval: -1})
	defer proxy.Close()
	interval, timeout := 500*time.Millisecond, 500*time.Millisecond
	c := newResumeClient(t, "ws://"+proxy.Addr(), func(o *engine.Options) {
		o.HeartbeatInterval, o.HeartbeatTimeout = interval, timeout
		o.Backoff = engine.Backoff{Delays: []time.Duration{time.Millisecond}}
	})
	defer c.close(t)
	<-c.openedAt
	c.s.Send(engine.Message{Data: []byte("0")})
	waitUntil(t, 5*time.Second, func() bool { return app.received.Load() == 1 }, "first message")
	if n := proxy.BlackholeAll(); n != 1 {
		t.Fatalf("blackholed %d connections", n)
	}
	holed := time.Now()
	c.s.Send(engine.Message{Data: []byte("1")})
	select {
	case at := <-c.openedAt:
		took := at.Sub(holed)
		t.Logf("blackhole detected and connection replaced in %v (interval %v + timeout %v)", took.Round(time.Millisecond), interval, timeout)
		if took > interval+timeout+time.Second {
			t.Errorf("replacement took %v, want at most %v", took, interval+timeout+time.Second)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blackholed connection never replaced")
	}
	waitUntil(t, 5*time.Second, func() bool { return app.received.Load() == 2 }, "message sent into the blackhole")
	if c.fresh.Load() != 1 {
		t.Errorf("%d fresh sessions, want the session resumed", c.fresh.Load())
	}
}

func TestServerRestartStartsFreshSessionsAndLosesNoClientMessage(t *testing.T) {
	const n = 3000
	app := newExchange(0)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_, stop := serveOn(t, ln, Options{Logger: quietLogger(), ClientKey: restartKey}, app.serve)
	c := newResumeClient(t, "ws://"+addr, nil)
	defer c.close(t)
	<-c.openedAt
	// Half before the restart, some of which may be in flight when it
	// comes; half while the server is down.
	c.sendNumbered(t, 0, n/2)
	waitUntil(t, 10*time.Second, func() bool { return app.received.Load() > n/10 }, "some messages")
	stop()
	c.sendNumbered(t, n/2, n)
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, stop2 := serveOn(t, ln2, Options{Logger: quietLogger(), ClientKey: restartKey}, app.serve)
	defer stop2()
	waitUntil(t, 20*time.Second, func() bool { return app.received.Load() == n && c.fresh.Load() >= 2 }, "every message after the restart")
	for _, e := range app.errs {
		t.Error(e)
	}
	if c.fresh.Load() < 2 {
		t.Errorf("client saw %d fresh sessions, want the restart to give a fresh one", c.fresh.Load())
	}
	t.Logf("%d messages applied once across a restart; %d resent duplicates dropped by id", n, app.dupes)
}

func TestResumeWithWrongTokenGetsAFreshSession(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	open := func(h wire.Hello) wire.Welcome {
		c := dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{"chat", wire.Protocol}})
		if c.Subprotocol() != wire.Protocol {
			t.Fatalf("server selected %q, want %s wherever it stands", c.Subprotocol(), wire.Protocol)
		}
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, h)); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, err := wire.Parse(b)
		if err != nil || f.Type != wire.TypeWelcome {
			t.Fatalf("answer %x, %v: want a welcome", b, err)
		}
		return f.Welcome
	}
	first := open(wire.Hello{Version: 1})
	if first.Resumed || first.Session.IsZero() || first.Token.IsZero() {
		t.Fatalf("first welcome %+v", first)
	}
	stolen := open(wire.Hello{Version: 1, Session: first.Session, Token: wire.ID{1, 2, 3}})
	if stolen.Resumed || stolen.Session == first.Session {
		t.Fatalf("a wrong token got %+v, want a fresh session", stolen)
	}
	unknown := open(wire.Hello{Version: 1, Session: wire.ID{9}, Token: first.Token})
	if unknown.Resumed {
		t.Fatalf("an unknown session got %+v, want a fresh session", unknown)
	}
	impossible := open(wire.Hello{Version: 1, Session: first.Session, Token: first.Token, Received: 5})
	if impossible.Resumed {
		t.Fatalf("a hello claiming unsent messages got %+v, want a fresh session", impossible)
	}
	again := open(wire.Hello{Version: 1, Session: first.Session, Token: first.Token})
	if !again.Resumed || again.Session != first.Session {
		t.Fatalf("the right token got %+v, want the session resumed", again)
	}
}

func TestGarbageFramesCloseWith1002(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	for name, frame := range map[string][]byte{
		"text before hello": nil,
		"not a hello":       wire.AppendValue(nil, wire.TypeAck, 1),
		"truncated hello":   wire.AppendHello(nil, wire.Hello{Version: 1})[:10],
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
			if frame == nil {
				write(t, ctx, c, websocket.MessageText, "hello")
			} else if err := c.Write(ctx, websocket.MessageBinary, frame); err != nil {
				t.Fatal(err)
			}
			wantCloseStatus(t, ctx, c, websocket.StatusProtocolError)
		})
	}
	ts.logs.waitForLine(t, "bad handshake", "close_code=1002")
}

func TestClientCloseEndsTheSessionAndRetentionEndsAnAbandonedOne(t *testing.T) {
	ended := make(chan error, 4)
	app := func(ctx context.Context, c *Conn) {
		_, _, err := c.Read(ctx)
		ended <- err
	}
	ts := newTestServer(t, Options{SessionRetention: 200 * time.Millisecond}, app)

	c := newResumeClient(t, ts.wsURL("/"), nil)
	<-c.openedAt
	c.close(t)
	select {
	case err := <-ended:
		if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Fatalf("app read ended with %v, want the client's 1000", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session outlived the client's close")
	}

	raw := dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
	ctx := testCtx(t)
	raw.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: 1}))
	raw.Read(ctx)
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 1 }, "a session")
	raw.CloseNow() // a drop: the session waits for the client
	select {
	case err := <-ended:
		if err == nil || websocket.CloseStatus(err) != -1 {
			t.Fatalf("app read ended with %v, want expiry", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("abandoned session never expired")
	}
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 0 }, "no sessions left")
}

// TestResumeEchoOfLargeMessagesKeepsFlowing: an app that writes as it reads
// (Echo) must not stall when both directions are full at once. The client
// keeps sending while its echoes wait for acknowledgements that travel
// behind its own data.
func TestResumeEchoOfLargeMessagesKeepsFlowing(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	const n, size = 256, 64 << 10
	got := make(chan int, n)
	var opens atomic.Int64
	s, err := engine.New(ts.wsURL("/"), engine.Options{
		Resume:            true,
		MaxQueuedMessages: n,
		MaxQueuedBytes:    n * size * 2,
		OnEvent: func(e engine.Event) {
			switch e := e.(type) {
			case engine.MessageEvent:
				got <- len(e.Message.Data)
			case engine.OpenEvent:
				opens.Add(1)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(1000, "")
	payload := make([]byte, size)
	for range n {
		if err := s.Send(engine.Message{Binary: true, Data: payload}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		select {
		case l := <-got:
			if l != size {
				t.Fatalf("echo %d has %d bytes", i, l)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("stalled after %d of %d echoes of %d KiB", i, n, size>>10)
		}
	}
	if o := opens.Load(); o != 1 {
		t.Fatalf("%d opens: the connection stalled and was replaced", o)
	}
}

func TestServerAcksOnceAckBytesWereRead(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	defer c.CloseNow()
	payload := make([]byte, wire.AckBytes/3+1)
	for range 3 {
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendData(nil, true, payload)); err != nil {
			t.Fatal(err)
		}
	}
	// Echo reads a frame, then writes it back. The ack for the third comes
	// as that read reaches AckBytes, before its echo; an ack that waited
	// for quiet would come after it.
	var seen []string
	for echoes := 0; echoes < 3; {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		f, err := wire.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		switch f.Type {
		case wire.TypeBinary:
			echoes++
			seen = append(seen, fmt.Sprintf("echo %d", echoes))
		case wire.TypeAck:
			seen = append(seen, fmt.Sprintf("ack %d", f.Value))
			if f.Value == 3 {
				if echoes == 3 {
					t.Fatalf("frames %v: the ack came only after the last echo", seen)
				}
				return
			}
		}
	}
	t.Fatalf("frames %v: no ack of 3 before the last echo", seen)
}

// A graceful restart redelivers nothing the application read: Shutdown
// tells each client, in a last acknowledgement, what its app read, so the
// client sends again only what the app never saw. The app's ledger, kept
// across the restart as a database would, counts any message it is given
// twice. Sent at 500 messages a second, as by a busy client.
func TestGracefulRestartRedeliversNothingRead(t *testing.T) {
	const rate, n = 500, 1500
	app := newExchange(0)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_, stop := serveOn(t, ln, Options{Logger: quietLogger(), ClientKey: restartKey}, app.serve)
	c := newResumeClient(t, "ws://"+addr, nil)
	defer c.close(t)
	<-c.openedAt
	sent := c.sendAtRate(t, rate, n)
	waitUntil(t, 10*time.Second, func() bool { return app.received.Load() > n/3 }, "a third of the messages")
	stop()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, stop2 := serveOn(t, ln2, Options{Logger: quietLogger(), ClientKey: restartKey}, app.serve)
	defer stop2()
	<-sent
	waitUntil(t, 20*time.Second, func() bool { return app.received.Load() == n && c.fresh.Load() >= 2 }, "every message after the restart")
	for _, e := range app.errs {
		t.Error(e)
	}
	t.Logf("%d messages at %d/s across a graceful restart: %d given to the app twice", n, rate, app.dupes)
	if app.dupes != 0 {
		t.Errorf("%d messages the app had read were delivered again after the restart", app.dupes)
	}
}
