package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// frames decodes what a fake connection was sent.
func (c *fakeConn) frames(t *testing.T) []wire.Frame {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []wire.Frame
	for _, m := range c.sent {
		f, err := wire.ParseMessage(m.Binary, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// dataSent lists the payloads of the data frames c was sent.
func (c *fakeConn) dataSent(t *testing.T) []string {
	var out []string
	for _, f := range c.frames(t) {
		if f.Type == wire.TypeText || f.Type == wire.TypeBinary {
			out = append(out, string(f.Payload))
		}
	}
	return out
}

func (c *fakeConn) hello(t *testing.T) wire.Hello {
	t.Helper()
	fs := c.frames(t)
	if len(fs) == 0 || fs[0].Type != wire.TypeHello {
		t.Fatalf("first frame %+v, want hello", fs)
	}
	return fs[0].Hello
}

func (c *fakeConn) deliver(b []byte) { c.h.OnMessage(Message{Binary: true, Data: b}) }

func (c *fakeConn) welcome(w wire.Welcome) { c.deliver(wire.AppendWelcome(nil, w)) }

func (c *fakeConn) data(s string) {
	c.h.OnMessage(Message{Data: wire.AppendData(nil, false, []byte(s))})
}

func (c *fakeConn) ack(n uint64) { c.deliver(wire.AppendValue(nil, wire.TypeAck, n)) }

func resumeHarness(t *testing.T, edit func(*Options)) *harness {
	return newHarness(t, 0, func(o *Options) {
		o.Resume = true
		if edit != nil {
			edit(o)
		}
	})
}

var sessA = wire.ID{1}

// openSession is a resume-mode Socket whose first connection opened and was
// welcomed to session sessA.
func openSession(t *testing.T) (*harness, *fakeConn) {
	t.Helper()
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	return h, c
}

func TestResumeOffersTheSubprotocolAndOpensAfterWelcome(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.Protocols = []string{"chat"} })
	c := h.tr.Last(t)
	if want := []string{"chat", wire.Protocol}; !reflect.DeepEqual(c.protocols, want) {
		t.Fatalf("offered %q, want %q", c.protocols, want)
	}
	h.s.Send(text("early"))
	c.h.OnOpen(wire.Protocol, "")
	if got := h.s.State(); got != Connecting {
		t.Fatalf("state before welcome = %v, want connecting", got)
	}
	hello := c.hello(t)
	if !hello.Session.IsZero() || hello.Received != 0 || hello.FirstID != 1 || hello.Client.IsZero() {
		t.Fatalf("first hello %+v", hello)
	}
	c.welcome(wire.Welcome{Session: sessA, Token: wire.ID{2}})
	if got := h.s.State(); got != Open {
		t.Fatalf("state after welcome = %v, want open", got)
	}
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"early"}) {
		t.Fatalf("data sent %q, want the queued message", got)
	}
	c.data("hi")
	msgs := eventsOf[MessageEvent](h.rec)
	if len(msgs) != 1 || string(msgs[0].Message.Data) != "hi" || msgs[0].Message.Binary {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestResumeResendsExactlyWhatTheServerLacks(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA, Token: wire.ID{2}})
	for i := range 5 {
		h.s.Send(text(fmt.Sprint("m", i)))
	}
	c.data("s1")
	c.data("s2")
	c.ack(2) // the server has m0 and m1
	c.drop(1006, "")
	h.s.Send(text("m5")) // while down

	h.clock.Advance(time.Second)
	c2 := h.tr.Last(t)
	c2.h.OnOpen(wire.Protocol, "")
	hello := c2.hello(t)
	if hello.Session != sessA || hello.Token != (wire.ID{2}) || hello.Received != 2 {
		t.Fatalf("resume hello %+v, want session A with 2 received", hello)
	}
	c2.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 3}) // m2 had arrived too
	if got, want := c2.dataSent(t), []string{"m3", "m4", "m5"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resent %q, want %q", got, want)
	}
	opens := eventsOf[OpenEvent](h.rec)
	if last := opens[len(opens)-1]; !last.Resumed || !last.Reconnected {
		t.Fatalf("open %+v, want resumed", last)
	}
	c2.data("s3")
	var got []string
	for _, m := range eventsOf[MessageEvent](h.rec) {
		got = append(got, string(m.Message.Data))
	}
	if want := []string{"s1", "s2", "s3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("page saw %q, want %q", got, want)
	}
}

func TestFreshSessionResendsEverythingUnacknowledgedWithStableIDs(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA, Token: wire.ID{2}})
	for i := range 4 {
		h.s.Send(text(fmt.Sprint("m", i)))
	}
	c.ack(1)
	c.drop(1012, "restart")
	h.clock.Advance(time.Second)
	c2 := h.tr.Last(t)
	c2.h.OnOpen(wire.Protocol, "")
	if hello := c2.hello(t); hello.FirstID != 2 {
		t.Fatalf("hello.FirstID = %d, want 2 (m1 is the oldest unacknowledged)", hello.FirstID)
	}
	c2.welcome(wire.Welcome{Session: wire.ID{9}, Token: wire.ID{8}})
	if got, want := c2.dataSent(t), []string{"m1", "m2", "m3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resent %q, want %q", got, want)
	}
	opens := eventsOf[OpenEvent](h.rec)
	if last := opens[len(opens)-1]; last.Resumed {
		t.Fatalf("open %+v, want resumed false", last)
	}
	// The new session numbers from 1: an ack of 3 releases all three.
	c2.ack(3)
	c2.drop(1006, "")
	h.clock.Advance(time.Second)
	c3 := h.tr.Last(t)
	c3.h.OnOpen(wire.Protocol, "")
	if hello := c3.hello(t); hello.Session != (wire.ID{9}) || hello.FirstID != 5 {
		t.Fatalf("hello %+v, want session 9 and next id 5", hello)
	}
}

func TestAnImpossibleResumeAnswerIsRefused(t *testing.T) {
	h, c := openSession(t)
	h.s.Send(text("m0"))
	c.drop(1006, "")
	h.clock.Advance(time.Second)
	c2 := h.tr.Last(t)
	c2.h.OnOpen(wire.Protocol, "")
	c2.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 7})
	errs := eventsOf[ErrorEvent](h.rec)
	if len(errs) != 1 || !strings.Contains(errs[0].Err.Error(), "invalid resume answer") {
		t.Fatalf("errors %v, want an invalid resume answer", errs)
	}
	if closed, code := c2.Closed(); !closed || code != 1002 {
		t.Fatalf("connection closed=%v code=%d, want 1002", closed, code)
	}
	h.clock.Advance(time.Second)
	c3 := h.tr.Last(t)
	c3.h.OnOpen(wire.Protocol, "")
	if hello := c3.hello(t); !hello.Session.IsZero() {
		t.Fatalf("hello after a bad resume %+v, want a fresh session", hello)
	}
	c3.welcome(wire.Welcome{Session: wire.ID{5}})
	if got := c3.dataSent(t); !reflect.DeepEqual(got, []string{"m0"}) {
		t.Fatalf("sent %q, want m0 kept through it all", got)
	}
}

func TestAServerThatDoesNotSpeakResumeIsReportedAndFinal(t *testing.T) {
	cases := map[string]func(c *fakeConn){
		"no subprotocol":    func(c *fakeConn) { c.h.OnOpen("", "") },
		"other subprotocol": func(c *fakeConn) { c.h.OnOpen("chat", "") },
		"echoes hello back": func(c *fakeConn) {
			c.h.OnOpen(wire.Protocol, "")
			c.deliver(wire.AppendHello(nil, wire.Hello{Version: 1}))
		},
		"answers in text": func(c *fakeConn) {
			c.h.OnOpen(wire.Protocol, "")
			c.h.OnMessage(text("hello"))
		},
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			h := resumeHarness(t, nil)
			answer(h.tr.Last(t))
			errs := eventsOf[ErrorEvent](h.rec)
			if len(errs) != 1 || !errors.Is(errs[0].Err, ErrNoResume) {
				t.Fatalf("errors %v, want ErrNoResume", errs)
			}
			h.clock.Advance(time.Hour)
			if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
				t.Fatalf("dials = %d, state = %v, want 1 and closed", n, st)
			}
		})
	}
}

func TestUnackedBytesAreBoundedAndAcksReleaseThem(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.MaxUnackedBytes = 10 })
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	for _, m := range []string{"aaaa", "bbbb", "cccc", "dd"} {
		if err := h.s.Send(text(m)); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"aaaa", "bbbb"}) {
		t.Fatalf("sent %q, want only what fits in 10 unacknowledged bytes", got)
	}
	if got := h.s.QueuedMessages(); got != 2 {
		t.Fatalf("queued %d, want 2", got)
	}
	c.ack(2)
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"aaaa", "bbbb", "cccc", "dd"}) {
		t.Fatalf("sent %q after the ack", got)
	}
	c.ack(9)
	errs := eventsOf[ErrorEvent](h.rec)
	if len(errs) != 1 || !strings.Contains(errs[0].Err.Error(), "acknowledged 9") {
		t.Fatalf("errors %v, want a protocol error for acking unsent messages", errs)
	}
}

func TestReceiverAcksEvery64FramesAndWhenQuiet(t *testing.T) {
	h, c := openSession(t)
	acks := func() []uint64 {
		var out []uint64
		for _, f := range c.frames(t) {
			if f.Type == wire.TypeAck {
				out = append(out, f.Value)
			}
		}
		return out
	}
	for i := range 70 {
		c.data(fmt.Sprint(i))
	}
	if got := acks(); !reflect.DeepEqual(got, []uint64{64}) {
		t.Fatalf("acks %v after 70 frames, want [64]", got)
	}
	h.clock.Advance(wire.AckQuiet)
	if got := acks(); !reflect.DeepEqual(got, []uint64{64, 70}) {
		t.Fatalf("acks %v once quiet, want [64 70]", got)
	}
	// A steady trickle never goes quiet; the ack still comes within wire.AckMax.
	for range 200 {
		c.data("x")
		h.clock.Advance(wire.AckQuiet / 2)
		if n := len(acks()); n > 2 {
			break
		}
	}
	if got := acks(); len(got) < 3 || got[2] > 70+uint64(wire.AckMax/(wire.AckQuiet/2))+1 {
		t.Fatalf("acks %v, want a third within wire.AckMax of steady traffic", got)
	}
}

func TestReceiverAcksOnceAckBytesArrived(t *testing.T) {
	_, c := openSession(t)
	big := strings.Repeat("x", wire.AckBytes/3+1)
	for range 6 {
		c.data(big)
	}
	var acks []uint64
	for _, f := range c.frames(t) {
		if f.Type == wire.TypeAck {
			acks = append(acks, f.Value)
		}
	}
	// A sender's window holds few large messages: waiting for 64 of them,
	// or for quiet, would stall it.
	if want := []uint64{3, 6}; !reflect.DeepEqual(acks, want) {
		t.Fatalf("acks %v after 6 frames of a third of AckBytes, want %v", acks, want)
	}
}

func TestHeartbeatReplacesADeadConnection(t *testing.T) {
	h := resumeHarness(t, func(o *Options) {
		o.HeartbeatInterval = 10 * time.Second
		o.HeartbeatTimeout = 5 * time.Second
	})
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	pings := func(c *fakeConn) (out []uint64) {
		for _, f := range c.frames(t) {
			if f.Type == wire.TypePing {
				out = append(out, f.Value)
			}
		}
		return out
	}
	h.clock.Advance(6 * time.Second)
	c.data("keeps it alive")
	h.clock.Advance(9 * time.Second)
	if n := len(pings(c)); n != 0 {
		t.Fatalf("%d pings while the server was talking", n)
	}
	h.clock.Advance(time.Second)
	p := pings(c)
	if len(p) != 1 {
		t.Fatalf("pings %v after 10s of silence, want 1", p)
	}
	h.clock.Advance(30 * time.Millisecond)
	c.deliver(wire.AppendValue(nil, wire.TypePong, p[0]))
	if rtt := h.s.RTT(); rtt != 30*time.Millisecond {
		t.Fatalf("RTT = %v, want 30ms", rtt)
	}
	// Now the network blackholes: no close, no bytes.
	h.clock.Advance(10*time.Second + 5*time.Second)
	if closed, code := c.Closed(); !closed || code != CloseHeartbeatTimeout {
		t.Fatalf("dead connection closed=%v code=%d, want %d", closed, code, CloseHeartbeatTimeout)
	}
	if got := h.s.State(); got != Reconnecting {
		t.Fatalf("state %v, want reconnecting", got)
	}
	h.clock.Advance(time.Second)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d, want a replacement", n)
	}
}

func TestPlainHeartbeatUsesTheConfiguredMessages(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) {
		o.HeartbeatMessage, o.HeartbeatExpect = "ping", "pong"
		o.HeartbeatInterval, o.HeartbeatTimeout = time.Second, time.Second
	})
	c := h.tr.Last(t)
	c.open()
	h.clock.Advance(time.Second)
	if got := c.Sent(); !reflect.DeepEqual(got, []string{"ping"}) {
		t.Fatalf("sent %q, want a ping", got)
	}
	h.clock.Advance(20 * time.Millisecond)
	c.h.OnMessage(text("pong"))
	if msgs := eventsOf[MessageEvent](h.rec); len(msgs) != 0 {
		t.Fatalf("the pong was delivered to the page: %+v", msgs)
	}
	if rtt := h.s.RTT(); rtt != 20*time.Millisecond {
		t.Fatalf("RTT %v, want 20ms", rtt)
	}
	h.clock.Advance(2 * time.Second)
	if closed, _ := c.Closed(); !closed {
		t.Fatal("silent connection not replaced")
	}
}

func TestPlainModeWithoutHeartbeatSendsNothingExtra(t *testing.T) {
	h := newHarness(t, 0, nil)
	c := h.tr.Last(t)
	c.open()
	h.clock.Advance(time.Hour)
	if got := c.Sent(); len(got) != 0 {
		t.Fatalf("sent %q on an idle plain connection", got)
	}
	if closed, _ := c.Closed(); closed {
		t.Fatal("idle plain connection closed")
	}
}

func TestReconnectInResumeModeKeepsTheSession(t *testing.T) {
	h, c := openSession(t)
	h.s.Reconnect(0, "")
	if closed, code := c.Closed(); !closed || code != CloseReconnect {
		t.Fatalf("closed=%v code=%d, want %d so the server keeps the session", closed, code, CloseReconnect)
	}
	h.s.Close(0, "")
}

func TestARefusedHandshakeWaitsTheServersRetryAfter(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.deliver(wire.AppendValue(nil, wire.TypeRetryAfter, 5000))
	c.drop(1013, "too many sessions")
	if errs := eventsOf[ErrorEvent](h.rec); len(errs) != 0 {
		t.Fatalf("errors %v: a refusal is not a misconfiguration", errs)
	}
	rec := eventsOf[ReconnectingEvent](h.rec)
	if len(rec) != 1 || rec[0].Delay != 5*time.Second {
		t.Fatalf("reconnecting %+v, want the server's 5s", rec)
	}
}

func TestCloseDuringTheResumeHandshakeClosesTheConnection(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	h.s.Close(1000, "")
	if closed, _ := c.Closed(); !closed {
		t.Fatal("a connection in the handshake was left open by close()")
	}
	h.clock.Advance(0)
	if st := h.s.State(); st != Closed {
		t.Fatalf("state %v, want closed", st)
	}
}

func TestAProtocolErrorWhileClosingDoesNotReviveTheSocket(t *testing.T) {
	h, c := openSession(t)
	h.s.Close(1000, "")
	c.ack(5) // acknowledges messages never sent: a protocol error
	h.clock.Advance(time.Hour)
	if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
		t.Fatalf("dials %d, state %v: close() must stay final", n, st)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || closes[0].WillReconnect {
		t.Fatalf("close events %+v, want one final close", closes)
	}
}

// quietTransport dials connections whose messages, like the browser glue's
// in plain mode, bypass the engine: it only learns of them by asking.
type quietTransport struct {
	fakeTransport
	clock *fakeClock
	quiet []*quietConn
}

func (t *quietTransport) Dial(url string, protocols []string, h ConnHandler) (Conn, error) {
	c, err := t.fakeTransport.Dial(url, protocols, h)
	q := &quietConn{fakeConn: c.(*fakeConn), clock: t.clock}
	t.quiet = append(t.quiet, q)
	return q, err
}

type quietConn struct {
	*fakeConn
	clock *fakeClock
	heard time.Duration // 0: nothing yet
}

func (c *quietConn) SinceHeard() (time.Duration, bool) {
	if c.heard == 0 {
		return 0, false
	}
	return c.clock.Now() - c.heard, true
}

func TestHeartbeatProbesAnIntervalAfterAnAnswerItDidNotSee(t *testing.T) {
	tr := &quietTransport{}
	h := newHarness(t, 0, func(o *Options) {
		tr.clock = o.Clock.(*fakeClock)
		o.Transport = tr
		o.HeartbeatMessage = "probe"
		o.HeartbeatInterval, o.HeartbeatTimeout = 100*time.Millisecond, 5*time.Second
	})
	c := tr.quiet[0]
	c.open()
	// Every probe is answered 2 ms later, out of the engine's sight.
	for i := 1; i <= 5; i++ {
		h.clock.Advance(100 * time.Millisecond)
		if n := len(c.Sent()); n != i {
			t.Fatalf("%d probes after %d answered ones, want %d: the next is due an interval after the answer", n, i-1, i)
		}
		h.clock.Advance(2 * time.Millisecond)
		c.heard = h.clock.Now()
	}
	// Then silence: dead HeartbeatTimeout after the last probe, not sooner.
	h.clock.Advance(100 * time.Millisecond)
	sent := len(c.Sent())
	h.clock.Advance(5*time.Second - 10*time.Millisecond)
	if closed, _ := c.Closed(); closed {
		t.Fatal("closed before HeartbeatTimeout had passed since the probe")
	}
	if n := len(c.Sent()); n != sent {
		t.Fatalf("%d more probes while one was unanswered", n-sent)
	}
	h.clock.Advance(20 * time.Millisecond)
	if closed, code := c.Closed(); !closed || code != CloseHeartbeatTimeout {
		t.Fatalf("closed=%v code=%d after the timeout, want %d", closed, code, CloseHeartbeatTimeout)
	}
}

func TestAResumedSessionDoesNotAcknowledgeWhatTheHelloReported(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA, Token: sessA})
	for i := range 60 {
		c.data(fmt.Sprint(i))
	}
	c.drop(1006, "") // before the quiet ack
	h.clock.Advance(time.Millisecond)
	next := h.tr.Last(t)
	next.h.OnOpen(wire.Protocol, "")
	if hello := next.hello(t); hello.Received != 60 {
		t.Fatalf("hello says %d received, want 60", hello.Received)
	}
	next.welcome(wire.Welcome{Resumed: true, Session: sessA, Token: sessA})
	// Four more: 64 since the last ack, but only 4 the server has not
	// heard of, so the ack waits for quiet.
	for i := range 4 {
		next.data(fmt.Sprint(60 + i))
	}
	for _, f := range next.frames(t) {
		if f.Type == wire.TypeAck {
			t.Fatalf("ack %d at once: the hello had reported 60 of the 64", f.Value)
		}
	}
	h.clock.Advance(wire.AckQuiet)
	var acks []uint64
	for _, f := range next.frames(t) {
		if f.Type == wire.TypeAck {
			acks = append(acks, f.Value)
		}
	}
	if !reflect.DeepEqual(acks, []uint64{64}) {
		t.Fatalf("acks %v once quiet, want [64]", acks)
	}
}
