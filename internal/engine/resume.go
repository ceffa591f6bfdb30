package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/resock/resock/internal/wire"
)

// CloseReconnect is the code Reconnect closes with in resume mode when given
// none, so that the server keeps the session for the next connection.
const CloseReconnect = 4003

// CloseHeartbeatTimeout is the code a connection declared dead is closed with.
const CloseHeartbeatTimeout = 4002

// ErrNoResume reports a server that does not speak resock.v1 although the
// Socket asked for it.
var ErrNoResume = errors.New("server does not speak " + wire.Protocol)

// session is the client's side of a resock.v1 session.
type session struct {
	id, token wire.ID
	client    wire.ID
	// firstID is the message id of data frame 1 of this session.
	firstID uint64

	// acks counts the server's data frames and says when to acknowledge
	// them.
	acks wire.Acker
	// sent counts our data frames; acked of them the server acknowledged;
	// unacked holds frames acked+1 … sent, and unackedBytes their payloads'
	// size.
	sent, acked  uint64
	unacked      []Message
	unackedBytes int
	// carrier carries the data frames while it holds the ledger; nil when
	// the engine does.
	carrier Carrier

	// restored says, until the first welcome, that the session comes from
	// a SessionState, whose first restoredQueued outbox messages were
	// queued in it. foreign counts the frames the server had from an
	// earlier Socket of the session that this one never knew of (see
	// adopt).
	restored       bool
	restoredQueued int
	foreign        uint64

	handshaking bool
}

func newSession() *session {
	s := &session{firstID: 1}
	// The client id only has to be unique, not secret: the runtime's
	// randomly seeded generator is enough, and keeps crypto/rand out of the
	// browser build.
	binary.LittleEndian.PutUint64(s.client[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(s.client[8:], rand.Uint64())
	return s
}

// hello is the frame that opens each connection.
func (ss *session) hello() Message {
	return Message{Binary: true, Data: wire.AppendHello(nil, wire.Hello{
		Version:  wire.Version,
		Session:  ss.id,
		Token:    ss.token,
		Received: ss.acks.Received(),
		Client:   ss.client,
		FirstID:  ss.firstID + ss.acked,
	})}
}

// MaxUnackedFrames bounds the messages sent but not acknowledged, whatever
// their size: a resock server holds that many for an app that has not read
// them yet (its inbox), so a client within it never makes the server stop
// reading.
const MaxUnackedFrames = 1024

// windowHas reports whether a message of n bytes may be sent now.
func (ss *session) windowHas(n, limit int) bool {
	frames, bytes := len(ss.unacked), ss.unackedBytes
	if ss.carrier != nil {
		frames, bytes = ss.carrier.Window()
	}
	return frames == 0 || (bytes+n <= limit && frames < MaxUnackedFrames)
}

// carry hands the ledger to c, which sends the unacknowledged frames again,
// if it can carry them; otherwise the engine sends them itself.
func (ss *session) carry(c Conn) {
	l := Ledger{
		Received: ss.acks.Received(), AckSent: ss.acks.AckSent(),
		Sent: ss.sent, Acked: ss.acked, Unacked: ss.unacked,
	}
	if cr, ok := c.(Carrier); ok && cr.Carry(l) {
		ss.carrier = cr
		ss.unacked, ss.unackedBytes = nil, 0
		return
	}
	for _, m := range ss.unacked {
		if err := c.Send(dataFrame(m)); err != nil {
			break
		}
	}
}

// reclaim takes the ledger back from the carrier, if one holds it.
func (ss *session) reclaim() {
	if ss.carrier == nil {
		return
	}
	l := ss.carrier.Reclaim()
	ss.carrier = nil
	ss.acks.Restore(l.Received, l.AckSent)
	ss.sent, ss.acked, ss.unacked = l.Sent, l.Acked, l.Unacked
	ss.unackedBytes = 0
	for _, m := range ss.unacked {
		ss.unackedBytes += len(m.Data)
	}
}

// dataFrame is the message that carries m as a data frame: a text message
// for text, a binary one for binary data.
func dataFrame(m Message) Message {
	return Message{Binary: m.Binary, Data: wire.AppendData(make([]byte, 0, 1+len(m.Data)), m.Binary, m.Data)}
}

// release drops the frames the server acknowledged, up to received.
func (ss *session) release(received uint64) error {
	if ss.carrier != nil {
		return ss.carrier.Release(received)
	}
	if received < ss.acked || received > ss.sent {
		return fmt.Errorf("server acknowledged %d messages, but %d were sent and %d acknowledged before", received, ss.sent, ss.acked)
	}
	n := int(received - ss.acked)
	for i := range n {
		ss.unackedBytes -= len(ss.unacked[i].Data)
		ss.unacked[i] = Message{}
	}
	ss.unacked = ss.unacked[n:]
	if len(ss.unacked) == 0 {
		ss.unacked = nil
	}
	ss.acked = received
	return nil
}

// writeData sends m on the open connection: as a data frame in resume mode,
// kept until acknowledged.
func (s *Socket) writeData(m Message) error {
	ss := s.sess
	if ss == nil {
		if err := s.link.conn.Send(m); err != nil {
			return err
		}
		s.stats.MessagesOut++
		s.stats.BytesOut += int64(len(m.Data))
		return nil
	}
	if ss.carrier != nil {
		if err := ss.carrier.SendData(m); err != nil {
			return err
		}
	} else {
		if err := s.link.conn.Send(dataFrame(m)); err != nil {
			return err
		}
		ss.sent++
		ss.unacked = append(ss.unacked, m)
		ss.unackedBytes += len(m.Data)
	}
	s.stats.MessagesOut++
	s.stats.BytesOut += int64(len(m.Data))
	return nil
}

// canSendNow reports whether a message of n bytes may skip the outbox.
func (s *Socket) canSendNow(n int) bool {
	if s.state != Open || s.outbox.len() != 0 || s.link.checking {
		return false
	}
	return s.sess == nil || s.sess.windowHas(n, s.o.MaxUnackedBytes)
}

// sessProtocol is the subprotocol resume mode adds to the offer.
func (s *Socket) sessProtocol() string { return wire.Protocol }

// withProtocol is a copy of protocols that offers p last, once: an
// application that names resock.v1 itself must not make it a duplicate,
// which the browser's WebSocket refuses.
func withProtocol(protocols []string, p string) []string {
	out := make([]string, 0, len(protocols)+1)
	for _, q := range protocols {
		if q != p {
			out = append(out, q)
		}
	}
	return append(out, p)
}

// openResume starts the handshake on a connection that just opened.
func (s *Socket) openResume(protocol string) {
	if protocol != wire.Protocol {
		what := "it selected no subprotocol"
		if protocol != "" {
			what = fmt.Sprintf("it selected %q", protocol)
		}
		s.misconfigured(fmt.Errorf("%w: %s", ErrNoResume, what))
		return
	}
	s.sess.handshaking = true
	if err := s.link.conn.Send(s.sess.hello()); err != nil {
		s.protocolError(fmt.Errorf("failed to send hello: %w", err))
	}
}

// receiveFrame handles one message of a resume-mode connection.
func (s *Socket) receiveFrame(m Message) {
	ss := s.sess
	if !m.Binary && ss.handshaking {
		s.misconfigured(fmt.Errorf("%w: got a text message where a welcome was due", ErrNoResume))
		return
	}
	f, err := wire.ParseMessage(m.Binary, m.Data)
	if err != nil {
		if ss.handshaking {
			s.misconfigured(fmt.Errorf("%w: %v", ErrNoResume, err))
		} else {
			s.protocolError(err)
		}
		return
	}
	if ss.handshaking {
		if f.Type == wire.TypeRetryAfter {
			// A server refusing the session says when to come back, then
			// closes with 1012 or 1013.
			s.link.retryAfter = time.Duration(min(f.Value, uint64(maxRetryAfter/time.Millisecond))) * time.Millisecond
			return
		}
		if f.Type != wire.TypeWelcome {
			s.misconfigured(fmt.Errorf("%w: first frame was %s, not welcome", ErrNoResume, f.Type))
			return
		}
		s.welcome(f.Welcome)
		return
	}
	switch f.Type {
	case wire.TypeText, wire.TypeBinary:
		// A carrier hands over only what it cannot deliver; from here on the
		// engine counts the frames itself.
		ss.reclaim()
		ack, wait := ss.acks.Deliver(len(f.Payload), s.o.Clock.Now())
		s.stats.MessagesIn++
		s.stats.BytesIn += int64(len(f.Payload))
		s.emit(MessageEvent{Message: Message{Binary: f.Type == wire.TypeBinary, Data: f.Payload}})
		if ack {
			s.sendAck()
		} else if wait > 0 && s.timers[ackTimer] == nil {
			s.setTimer(ackTimer, wait, s.ackDue)
		}
	case wire.TypeAck:
		if err := ss.release(f.Value); err != nil {
			s.protocolError(err)
			return
		}
		s.flush()
	case wire.TypePing:
		s.link.conn.Send(Message{Binary: true, Data: wire.AppendValue(nil, wire.TypePong, f.Value)})
	case wire.TypePong:
		s.pong(f.Value)
	case wire.TypeRetryAfter:
		// Kept for the close that follows, which honours it only if it is
		// 1012 or 1013.
		s.link.retryAfter = time.Duration(min(f.Value, uint64(maxRetryAfter/time.Millisecond))) * time.Millisecond
	default:
		s.protocolError(fmt.Errorf("unexpected %s frame", f.Type))
	}
}

// welcome completes the handshake and resends what the server lacks.
func (s *Socket) welcome(w wire.Welcome) {
	ss := s.sess
	ss.handshaking = false
	resumed := w.Resumed && !ss.id.IsZero() && w.Session == ss.id
	if w.Resumed && !resumed {
		s.protocolError(errors.New("server resumed a session the client did not ask for"))
		return
	}
	if resumed {
		// The hello told the server what arrived: nothing waits for an ack.
		ss.acks.Restore(ss.acks.Received(), ss.acks.Received())
		if ss.restored && w.Received > ss.sent {
			s.adopt(w.Received)
		}
		if err := ss.release(w.Received); err != nil {
			// The server claims frames that were never sent: it cannot be
			// trusted with this session, so the next connection starts a
			// fresh one and resends everything unacknowledged.
			ss.id, ss.token = wire.ID{}, wire.ID{}
			s.protocolError(fmt.Errorf("invalid resume answer: %w", err))
			return
		}
	} else {
		ss.firstID += ss.acked
		ss.id, ss.token = w.Session, w.Token
		ss.acks.Restore(0, 0)
		ss.sent, ss.acked = uint64(len(ss.unacked)), 0
		if w.FirstID > ss.firstID {
			s.skipTo(w.FirstID)
		}
	}
	ss.restored = false
	if !w.Client.IsZero() {
		// The server's own id for this client, which the next sessions'
		// hellos present and its messages' ids carry.
		ss.client = w.Client
	}
	ss.carry(s.link.conn)
	s.opened(resumed)
}

// adopt takes the server's word, on the first welcome of a restored
// session, that it has received frames up to received, beyond those the
// stored state knew were sent: the Socket that stored it sent more before
// it ended. Those frames were the restored queue's first messages, which
// the server has and which leave the outbox, and then messages that were
// never stored, which are foreign: their ids are taken, and this Socket's
// messages go on after them. Called with mu held.
func (s *Socket) adopt(received uint64) {
	ss := s.sess
	k := received - ss.sent
	d := min(k, uint64(ss.restoredQueued), uint64(s.outbox.len()))
	for range d {
		s.outbox.pop()
	}
	ss.foreign += k - d
	ss.sent = received
	// The frames are the server's; none of them is kept for resending.
	ss.unacked = append(ss.unacked, make([]Message, k)...)
}

// skipTo starts a fresh session at message id first, as its welcome asks:
// the server's application has applied the client's messages before it.
// The unacknowledged messages among them, and then those of a restored
// queue, which an earlier Socket of the session sent, are not sent again;
// the ids past those are foreign (see adopt). Called with mu held.
func (s *Socket) skipTo(first uint64) {
	ss := s.sess
	k := first - ss.firstID
	n := min(k, uint64(len(ss.unacked)))
	for i := range n {
		ss.unackedBytes -= len(ss.unacked[i].Data)
	}
	ss.unacked = ss.unacked[n:]
	if len(ss.unacked) == 0 {
		ss.unacked = nil
	}
	k -= n
	if ss.restored {
		d := min(k, uint64(ss.restoredQueued), uint64(s.outbox.len()))
		for range d {
			s.outbox.pop()
		}
		k -= d
	}
	ss.foreign += k
	ss.firstID = first
	ss.sent = uint64(len(ss.unacked))
}

// ackDue is the pending check of the session's acks: it acknowledges once
// the policy says so, or checks again later.
func (s *Socket) ackDue() {
	s.timers[ackTimer] = nil
	ss := s.sess
	if ss == nil || ss.carrier != nil || s.link.conn == nil || !s.link.open {
		return
	}
	ack, wait := ss.acks.Due(s.o.Clock.Now())
	if ack {
		s.sendAck()
	} else if wait > 0 {
		s.setTimer(ackTimer, wait, s.ackDue)
	}
}

// sendAck acknowledges every frame received and stops the pending check,
// which nothing waits for any more. The frames count as acknowledged only
// once the ack is on its way.
func (s *Socket) sendAck() {
	acks := &s.sess.acks
	if err := s.link.conn.Send(Message{Binary: true, Data: wire.AppendValue(nil, wire.TypeAck, acks.Received())}); err != nil {
		return
	}
	acks.Ack()
	if t := s.timers[ackTimer]; t != nil {
		t.Stop()
		s.timers[ackTimer] = nil
	}
}

// protocolError drops a connection whose peer broke the protocol; the
// Socket reconnects as after any drop.
func (s *Socket) protocolError(err error) {
	s.emit(ErrorEvent{Err: fmt.Errorf("%s protocol error: %w", wire.Protocol, err)})
	if s.link.conn != nil {
		s.link.conn.Close(1002, "protocol error")
	}
	s.dropped(CloseEvent{Code: 1002, Reason: "protocol error"})
}

// misconfigured stops the Socket for good: the server does not speak
// resock.v1, and retrying would not change that.
func (s *Socket) misconfigured(err error) {
	s.emit(ErrorEvent{Err: err})
	if s.link.conn != nil {
		s.link.conn.Close(1002, "resock.v1 required")
	}
	s.finish(CloseEvent{Code: 1002, Reason: "resock.v1 required"})
}
