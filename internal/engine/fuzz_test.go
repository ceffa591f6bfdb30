package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// FuzzServerFrames plays a hostile or broken resock.v1 server against a
// Socket on the fake transport and clock. The script is a list of
// operations, one byte each followed by their operand bytes: deliver an
// arbitrary frame (binary or text), open the connection with some
// subprotocol, let time pass, drop the connection, send a message, call
// Reconnect or Close, deliver a well-formed welcome or ack.
//
// After every operation the Socket must hold, in order, every message the
// application sent that the server has not acknowledged, and nothing else;
// unless it is closed it must have something scheduled, so it can never
// hang; and every error event must say what failed.
func FuzzServerFrames(f *testing.F) {
	welcome := func(resumed bool, received byte) []byte {
		b := byte(0)
		if resumed {
			b = 1
		}
		return []byte{opWelcome, b | received<<1}
	}
	frame := func(b []byte) []byte { return append([]byte{opFrame, byte(len(b))}, b...) }
	open := []byte{opOpen, 0}
	f.Add(slices.Concat(open, welcome(false, 0), []byte{opSend, opSend, opAck, 1, opSend}, frame(wire.AppendData(nil, false, []byte("hi")))))
	f.Add(slices.Concat(open, welcome(false, 0), []byte{opSend, opSend, opDrop, 2, opAdvance, 40}, open, welcome(true, 5)))
	f.Add(slices.Concat(open, welcome(false, 0), []byte{opSend}, frame([]byte{0xff, 1, 2}), []byte{opAdvance, 40}, open, welcome(false, 0)))
	f.Add(slices.Concat(open, welcome(false, 0), frame(wire.AppendValue(nil, wire.TypeAck, 9))))
	f.Add(slices.Concat(open, frame(wire.AppendHello(nil, wire.Hello{Version: 1}))))
	f.Add(slices.Concat([]byte{opOpen, 1, opSend, opAdvance, 200}))
	f.Add(slices.Concat(open, []byte{opSend, opAdvance, 200, opAdvance, 200}))
	f.Add(slices.Concat(open, welcome(false, 0), frame(wire.AppendWelcome(nil, wire.Welcome{})[:10]), []byte{opSend, opAdvance, 20}))
	f.Add(slices.Concat(open, welcome(false, 0), []byte{opSend, opClose, opSend, opReconnect}, open, welcome(true, 0)))
	f.Add(slices.Concat(open, welcome(false, 0), frame(wire.AppendValue(nil, wire.TypeRetryAfter, 1<<40)), []byte{opDrop, 5, opAdvance, 255}))
	f.Add(slices.Concat(open, welcome(false, 0), []byte{opText, 3, 'a', 'b', 'c'}))
	f.Fuzz(func(t *testing.T, script []byte) {
		p := newHostilePlay(t)
		for len(script) > 0 {
			op := script[0] % opCount
			script = script[1:]
			operand := func() byte {
				if len(script) == 0 {
					return 0
				}
				b := script[0]
				script = script[1:]
				return b
			}
			switch op {
			case opFrame, opText:
				n := int(operand())
				n = min(n, len(script))
				b := script[:n]
				script = script[n:]
				p.deliver(Message{Binary: op == opFrame, Data: b})
			case opOpen:
				p.open([]string{wire.Protocol, "", "chat"}[operand()%3])
			case opAdvance:
				p.h.clock.Advance(time.Duration(operand()) * 50 * time.Millisecond)
			case opDrop:
				p.drop([]int{1000, 1001, 1006, 1011, 1012, 1013, 4001, 4002}[operand()%8])
			case opSend:
				p.send()
			case opReconnect:
				_ = p.h.s.Reconnect(0, "")
			case opClose:
				_ = p.h.s.Close(1000, "")
			case opWelcome:
				b := operand()
				session := sessA
				if b&0x80 != 0 {
					session = wire.ID{byte(b)}
				}
				p.deliver(Message{Binary: true, Data: wire.AppendWelcome(nil, wire.Welcome{
					Resumed: b&1 == 1, Session: session, Token: wire.ID{2}, Received: uint64(b>>1) % 8,
				})})
			case opAck:
				p.deliver(Message{Binary: true, Data: wire.AppendValue(nil, wire.TypeAck, uint64(operand()%8))})
			}
			p.check()
		}
		p.h.s.Close(1000, "")
		p.check()
	})
}

// The operations of FuzzServerFrames.
const (
	opFrame byte = iota
	opText
	opOpen
	opAdvance
	opDrop
	opSend
	opReconnect
	opClose
	opWelcome
	opAck
	opCount
)

// hostilePlay is one run of FuzzServerFrames: a Socket in resume mode on
// the fake transport, with small limits so that every path is near.
type hostilePlay struct {
	t *testing.T
	h *harness
	// sent are the messages the Socket accepted, in order.
	sent []string
}

func newHostilePlay(t *testing.T) *hostilePlay {
	h := resumeHarness(t, func(o *Options) {
		o.MaxUnackedBytes = 8
		o.MaxQueuedMessages = 6
		o.Backoff = Backoff{Delays: []time.Duration{time.Second}}
		o.HeartbeatInterval = 2 * time.Second
		o.HeartbeatTimeout = time.Second
	})
	return &hostilePlay{t: t, h: h}
}

// current is the connection the Socket uses now, if any, and whether it
// reported open.
func (p *hostilePlay) current() (*fakeConn, bool) {
	s := p.h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _ := s.link.conn.(*fakeConn)
	return c, s.link.open
}

func (p *hostilePlay) open(protocol string) {
	if c, open := p.current(); c != nil && !open {
		c.h.OnOpen(protocol, "")
	}
}

// deliver hands m to the current connection if it is open: a transport
// reports messages only after it opened.
func (p *hostilePlay) deliver(m Message) {
	if c, open := p.current(); c != nil && open {
		c.h.OnMessage(m)
	}
}

// drop ends the current connection as the transport would, cleanly with
// the code the Socket closed it with if it did.
func (p *hostilePlay) drop(code int) {
	c, _ := p.current()
	if c == nil {
		return
	}
	if closed, own := c.Closed(); closed {
		code = own
	}
	c.h.OnClose(code, "", code != 1006, nil)
}

func (p *hostilePlay) send() {
	m := fmt.Sprintf("m%d", len(p.sent))
	if err := p.h.s.Send(text(m)); err == nil {
		p.sent = append(p.sent, m)
	}
}

// check verifies the invariants of FuzzServerFrames.
func (p *hostilePlay) check() {
	t, s := p.t, p.h.s
	s.mu.Lock()
	ss := s.sess
	acked := int(ss.firstID - 1 + ss.acked)
	var held []string
	for _, m := range ss.unacked {
		held = append(held, string(m.Data))
	}
	for _, e := range s.outbox.entries {
		held = append(held, string(e.msg.Data))
	}
	state := s.state
	s.mu.Unlock()

	if acked > len(p.sent) || !slices.Equal(held, p.sent[min(acked, len(p.sent)):]) {
		t.Fatalf("sent %q; the server acknowledged %d and the Socket holds %q: a message was lost or invented", p.sent, acked, held)
	}
	for _, e := range eventsOf[ErrorEvent](p.h.rec) {
		if e.Err == nil || strings.TrimSpace(e.Err.Error()) == "" {
			t.Fatalf("an error event says nothing: %#v", e)
		}
	}
	if state != Closed && p.h.clock.Pending() == 0 {
		t.Fatalf("the Socket is %v with nothing scheduled: it hangs", state)
	}
}
