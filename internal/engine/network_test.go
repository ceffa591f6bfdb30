package engine

import (
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// A plain connection that stayed open through a change of network cannot be
// probed without heartbeats, so it is replaced, and what is sent from then on
// waits for the new connection instead of going into the old one.
func TestPathChangedReplacesAPlainConnectionAtOnce(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	old := h.tr.Last(t)
	old.open()
	h.s.PathChanged()
	if closed, _ := old.Closed(); !closed {
		t.Fatal("the old connection was kept")
	}
	if st, n := h.s.State(), h.tr.Dials(); st != Reconnecting || n != 2 {
		t.Fatalf("state %v, dials %d; want reconnecting with a new attempt at once", st, n)
	}
	if err := h.s.Send(text("after")); err != nil {
		t.Fatal(err)
	}
	if sent := old.Sent(); len(sent) != 0 {
		t.Fatalf("sent into the old connection: %q", sent)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || closes[0].Code != 1006 || closes[0].WasClean || !closes[0].WillReconnect {
		t.Fatalf("closes %+v; want one close 1006, not clean, reconnecting", closes)
	}
	h.tr.Last(t).open()
	if sent := h.tr.Last(t).Sent(); len(sent) != 1 || sent[0] != "after" {
		t.Fatalf("new connection got %q, want the message sent after the change", sent)
	}
}

// Back online, the replacement is dialled after the jitter that spreads
// the pages of a building, but the old connection is dropped at once.
func TestOnlineReplacesAPlainConnectionAfterTheJitter(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	old := h.tr.Last(t)
	old.open()
	h.s.SetOnline(false)
	if st := h.s.State(); st != Open {
		t.Fatalf("state %v offline: the connection is kept until the network returns", st)
	}
	h.s.SetOnline(true)
	if closed, _ := old.Closed(); !closed || h.s.State() != Reconnecting {
		t.Fatalf("closed %v, state %v: want the old connection dropped at online", closed, h.s.State())
	}
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("dials %d before the jitter, want 1", n)
	}
	h.clock.Advance(onlineJitter / 2)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d after the jitter, want 2", n)
	}
	rs := eventsOf[ReconnectingEvent](h.rec)
	if len(rs) != 1 || rs[0].Attempt != 1 || rs[0].Delay != onlineJitter/2 {
		t.Fatalf("reconnecting events %+v, want attempt 1 after the jitter", rs)
	}
}

// With heartbeats the connection is probed instead, and kept if it answers.
func TestPathChangedProbesWhenTheSocketCan(t *testing.T) {
	h := newHarness(t, 0.5, func(o *Options) { o.HeartbeatMessage, o.HeartbeatExpect = "ping", "pong" })
	c := h.tr.Last(t)
	c.open()
	h.s.PathChanged()
	if sent := c.Sent(); len(sent) != 1 || sent[0] != "ping" {
		t.Fatalf("sent %q, want a probe at once", sent)
	}
	// Until the probe is answered, what is sent waits.
	if err := h.s.Send(text("during")); err != nil {
		t.Fatal(err)
	}
	if sent := c.Sent(); len(sent) != 1 {
		t.Fatalf("sent %q while the probe was out, want it held", sent)
	}
	h.clock.Advance(time.Millisecond)
	c.h.OnMessage(text("pong"))
	if sent := c.Sent(); len(sent) != 2 || sent[1] != "during" {
		t.Fatalf("sent %q after the answer, want the held message", sent)
	}
	h.clock.Advance(DefaultHeartbeatTimeout)
	if closed, _ := c.Closed(); closed || h.s.State() != Open {
		t.Fatalf("closed %v, state %v: an answered probe keeps the connection", closed, h.s.State())
	}
	h.s.PathChanged()
	if err := h.s.Send(text("into the void?")); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(DefaultHeartbeatTimeout)
	if closed, code := c.Closed(); !closed || code != CloseHeartbeatTimeout {
		t.Fatalf("closed %v code %d: an unanswered probe drops the connection", closed, code)
	}
	for _, m := range c.Sent() {
		if m == "into the void?" {
			t.Fatal("a message sent during an unanswered probe went into the dead connection")
		}
	}
	h.clock.Advance(time.Hour)
	h.tr.Last(t).open()
	if sent := h.tr.Last(t).Sent(); len(sent) != 1 || sent[0] != "into the void?" {
		t.Fatalf("the next connection got %q, want the message held during the probe", sent)
	}
}

func TestPathChangedProbesAResumeConnection(t *testing.T) {
	h, c := openSession(t)
	h.s.PathChanged()
	if pings := countPings(t, c); pings != 1 {
		t.Fatalf("%d pings, want one probe at once", pings)
	}
	if closed, _ := c.Closed(); closed {
		t.Fatal("a resume connection was replaced without being probed")
	}
	h.clock.Advance(DefaultHeartbeatTimeout)
	if closed, code := c.Closed(); !closed || code != CloseHeartbeatTimeout {
		t.Fatalf("closed %v code %d: an unanswered probe drops the connection", closed, code)
	}
}

func TestNetworkPolicies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		edit     func(*Options)
		replaced bool
	}{
		{"replace with heartbeats", func(o *Options) {
			o.NetworkChange, o.HeartbeatMessage, o.HeartbeatExpect = NetworkReplace, "ping", "pong"
		}, true},
		{"ignore", func(o *Options) { o.NetworkChange = NetworkIgnore }, false},
		{"never reconnects", func(o *Options) { o.MaxRetries = new(0) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 0.5, tc.edit)
			c := h.tr.Last(t)
			c.open()
			h.s.PathChanged()
			closed, _ := c.Closed()
			if closed != tc.replaced || (h.s.State() == Open) == tc.replaced {
				t.Fatalf("closed %v, state %v; want replaced %v", closed, h.s.State(), tc.replaced)
			}
			if sent := c.Sent(); len(sent) != 0 {
				t.Fatalf("sent %q: no probe expected", sent)
			}
		})
	}
}

// A Socket waiting to retry tries at once, as on Probe.
func TestPathChangedRetriesAtOnce(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "")
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("dials %d, want the retry still waiting", n)
	}
	h.s.PathChanged()
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d after PathChanged, want the retry made at once", n)
	}
	h.clock.Advance(time.Hour)
}

// queuedTransport dials connections whose handshake starts when the test
// says, as a browser holds a socket behind another to the same host.
type queuedTransport struct {
	fakeTransport
	clock *fakeClock
	conns []*queuedConn
}

type queuedConn struct {
	*fakeConn
	clock   *fakeClock
	started time.Duration // 0 while waiting
}

func (c *queuedConn) Handshaking() (time.Duration, bool) {
	if c.started == 0 {
		return 0, false
	}
	return c.clock.Now() - c.started, true
}

func (t *queuedTransport) Dial(url string, protocols []string, h ConnHandler) (Conn, error) {
	conn, _ := t.fakeTransport.Dial(url, protocols, h)
	c := &queuedConn{fakeConn: conn.(*fakeConn), clock: t.clock}
	t.conns = append(t.conns, c)
	return c, nil
}

// ConnectTimeout counts from the start of the handshake, however long the
// connection waited behind others; one whose handshake started and that
// gets no answer is still abandoned in time.
func TestConnectTimeoutCountsFromTheStartOfTheHandshake(t *testing.T) {
	clock := newFakeClock()
	tr := &queuedTransport{clock: clock}
	rec := &recorder{}
	s, err := New("ws://example.test/", Options{Transport: tr, Clock: clock, Rand: func() float64 { return 0.5 }, OnEvent: rec.OnEvent, MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	c := tr.conns[0]
	clock.Advance(3 * DefaultConnectTimeout)
	if closed, _ := c.Closed(); closed || s.State() != Connecting {
		t.Fatalf("closed %v, state %v: a connection waiting its turn was abandoned", closed, s.State())
	}
	c.started = clock.Now()
	clock.Advance(DefaultConnectTimeout - time.Millisecond)
	if closed, _ := c.Closed(); closed {
		t.Fatal("abandoned before ConnectTimeout from the start of its handshake")
	}
	clock.Advance(time.Millisecond)
	if closed, _ := c.Closed(); !closed || s.State() != Closed {
		t.Fatalf("closed %v, state %v: want the attempt abandoned ConnectTimeout after its handshake started", closed, s.State())
	}
	if errs := eventsOf[ErrorEvent](rec); len(errs) != 1 {
		t.Fatalf("errors %v, want the timeout reported once", errs)
	}
}

// countPings is how many resock.v1 pings the Socket sent on c.
func countPings(t *testing.T, c *fakeConn) int {
	t.Helper()
	n := 0
	for _, f := range c.frames(t) {
		if f.Type == wire.TypePing {
			n++
		}
	}
	return n
}
