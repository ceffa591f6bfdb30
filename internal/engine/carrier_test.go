package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// carrierTransport dials connections that carry data frames themselves, as
// the browser glue does: what they send still lands in the fakeConn.
type carrierTransport struct {
	fakeTransport
	carriers []*fakeCarrier
}

func (t *carrierTransport) Dial(url string, protocols []string, h ConnHandler) (Conn, error) {
	c, err := t.fakeTransport.Dial(url, protocols, h)
	fc := &fakeCarrier{fakeConn: c.(*fakeConn)}
	t.carriers = append(t.carriers, fc)
	return fc, err
}

type fakeCarrier struct {
	*fakeConn
	carrying bool
	l        Ledger
	// carried lists, per Carry, the payloads it was given to send again.
	carried [][]string
}

func (c *fakeCarrier) Carry(l Ledger) bool {
	c.carrying, c.l = true, l
	var again []string
	for _, m := range l.Unacked {
		c.fakeConn.Send(dataFrame(m))
		again = append(again, string(m.Data))
	}
	c.carried = append(c.carried, again)
	return true
}

func (c *fakeCarrier) Reclaim() Ledger {
	if !c.carrying {
		panic("Reclaim without Carry")
	}
	c.carrying = false
	return c.l
}

func (c *fakeCarrier) SendData(m Message) error {
	if !c.carrying {
		panic("SendData without Carry")
	}
	c.fakeConn.Send(dataFrame(m))
	c.l.Sent++
	c.l.Unacked = append(c.l.Unacked, m)
	return nil
}

func (c *fakeCarrier) Release(received uint64) error {
	if received < c.l.Acked || received > c.l.Sent {
		return errBadAck
	}
	c.l.Unacked = c.l.Unacked[received-c.l.Acked:]
	c.l.Acked = received
	return nil
}

func (c *fakeCarrier) Counts() (received, sent, acked uint64) {
	return c.l.Received, c.l.Sent, c.l.Acked
}

func (c *fakeCarrier) Window() (frames, bytes int) {
	for _, m := range c.l.Unacked {
		bytes += len(m.Data)
	}
	return len(c.l.Unacked), bytes
}

func (c *fakeCarrier) SinceHeard() (time.Duration, bool) { return 0, false }

// take is the carrier delivering n of the server's data frames itself.
func (c *fakeCarrier) take(n uint64) {
	c.l.Received += n
	c.l.AckSent = c.l.Received
}

var errBadAck = errorString("acknowledged frames never sent")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestACarrierHoldsTheLedgerWhileOpenAndHandsItBack(t *testing.T) {
	tr := &carrierTransport{}
	h := resumeHarness(t, func(o *Options) { o.Transport = tr })
	h.s.Send(text("a"))
	h.s.Send(text("b"))
	c := tr.carriers[0]
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	if !c.carrying {
		t.Fatal("the ledger was not handed to the carrier after the welcome")
	}
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("data sent %q, want the outbox through the carrier", got)
	}
	h.s.Send(text("c"))
	if c.l.Sent != 3 || len(c.l.Unacked) != 3 {
		t.Fatalf("carrier's ledger %+v, want 3 sent and kept", c.l)
	}
	c.take(5)
	c.ack(1)
	if n, _ := c.Window(); n != 2 {
		t.Fatalf("%d frames kept after the server acknowledged 1 of 3, want 2", n)
	}
	// An acknowledgement of frames never sent breaks the protocol: the
	// engine takes the ledger back and reconnects.
	c.ack(9)
	if closed, code := c.Closed(); !closed || code != 1002 {
		t.Fatalf("closed=%v code=%d after an impossible ack, want 1002", closed, code)
	}
	if c.carrying {
		t.Fatal("the carrier still holds the ledger of a dropped connection")
	}
	h.clock.Advance(time.Millisecond)
	if len(tr.carriers) != 2 {
		t.Fatalf("%d connections, want a second", len(tr.carriers))
	}
	next := tr.carriers[1]
	next.h.OnOpen(wire.Protocol, "")
	if hello := next.hello(t); hello.Received != 5 || hello.FirstID != 2 {
		t.Fatalf("hello %+v, want the carrier's count of 5 received and first id 2", hello)
	}
	next.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 2})
	if want := [][]string{{"c"}}; !reflect.DeepEqual(next.carried, want) {
		t.Fatalf("carried again %q, want %q: what the server lacks", next.carried, want)
	}
}

func TestADataFrameTheCarrierPassesOnIsCountedAfterItsOwn(t *testing.T) {
	tr := &carrierTransport{}
	h := resumeHarness(t, func(o *Options) { o.Transport = tr })
	c := tr.carriers[0]
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	c.take(3)
	c.data("fourth")
	if c.carrying {
		t.Fatal("the engine took a data frame without taking the ledger back")
	}
	msgs := eventsOf[MessageEvent](h.rec)
	if len(msgs) != 1 || string(msgs[0].Message.Data) != "fourth" {
		t.Fatalf("messages %+v, want the one the carrier passed on", msgs)
	}
	h.s.Reconnect(0, "")
	tr.carriers[1].h.OnOpen(wire.Protocol, "")
	if hello := tr.carriers[1].hello(t); hello.Received != 4 {
		t.Fatalf("hello says %d received, want 4", hello.Received)
	}
}

func TestEveryWayAConnectionEndsTakesTheLedgerBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(h *harness, c *fakeCarrier)
	}{
		{"dropped", func(h *harness, c *fakeCarrier) { c.drop(1006, "") }},
		{"closed by the server", func(h *harness, c *fakeCarrier) { c.drop(1001, "going away") }},
		{"Reconnect", func(h *harness, c *fakeCarrier) { h.s.Reconnect(0, "") }},
		{"Suspend", func(h *harness, c *fakeCarrier) { h.s.Suspend() }},
		{"heartbeat timeout", func(h *harness, c *fakeCarrier) { h.clock.Advance(time.Hour) }},
		{"Close", func(h *harness, c *fakeCarrier) {
			h.s.Close(1000, "")
			c.drop(1000, "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &carrierTransport{}
			h := resumeHarness(t, func(o *Options) { o.Transport = tr })
			c := tr.carriers[0]
			c.h.OnOpen(wire.Protocol, "")
			c.welcome(wire.Welcome{Session: sessA})
			h.s.Send(text("kept"))
			c.take(7)
			tc.end(h, c)
			if c.carrying {
				t.Fatal("the ledger stayed with a connection that ended")
			}
			if ss := h.s.sess; ss.acks.Received() != 7 || ss.acks.AckSent() != 7 || len(ss.unacked) != 1 {
				t.Fatalf("engine's ledger: %d received, %d acknowledged, %d kept; want the carrier's: 7, 7, 1", ss.acks.Received(), ss.acks.AckSent(), len(ss.unacked))
			}
		})
	}
}
