//go:build !js

package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// Errors that end a session.
var (
	// ErrSessionExpired: the client stayed away longer than
	// Options.SessionRetention.
	ErrSessionExpired = errors.New("session expired: the client did not come back in time")
	// ErrServerClosed: the Server shut down.
	ErrServerClosed = errors.New("server shut down")
)

// inboxLimit is how many received messages a session holds for an app that
// is not reading, within the read limit in bytes; past either the session
// stops reading the connection.
const inboxLimit = 1024

// sessionConfig is what a session needs of the server it belongs to: its
// settings, the table that bounds what sessions hold, and ended, which
// takes a session that ended out of the table.
type sessionConfig struct {
	maxUnackedBytes                     int
	readLimit                           int64
	heartbeatInterval, heartbeatTimeout time.Duration
	retention, unackedRetention         time.Duration
	broker                              Broker
	table                               *sessions
	ended                               func(*session)
}

// brokerDown is what keeps the broker from storing now, if it says
// (BrokerStatus): a new session or a claim is refused at once rather than
// after the client gave up waiting.
func (c *sessionConfig) brokerDown() error {
	if bs, ok := c.broker.(BrokerStatus); ok {
		return bs.Status()
	}
	return nil
}

// session is the server's side of one resock.v1 session: the app's Conn,
// attached to at most one connection (a link) at a time.
//
// Lock order: wmu before mu. wmu serialises everything written to the link,
// so that resent frames and new ones never interleave; mu guards the state.
type session struct {
	id, token wire.ID
	client    wire.ID
	// addr names the client's address for the per-address quota (addrKey).
	addr string
	// user is who opened the session (Options.Authenticate); only that
	// user may resume it.
	user string
	// firstID is the message id of the client's data frame 1.
	firstID uint64
	// applied is the id of the last message of the client the app had
	// applied when the session started (Options.Applied): read skips
	// messages up to it.
	applied uint64

	cfg *sessionConfig
	log *slog.Logger
	// ctx is the app's context, done when the session ends.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	wmu sync.Mutex
	// rmu serialises the app's reads when a broker marks them.
	rmu sync.Mutex
	// returned counts the client messages given to the app, finished
	// those of them it is done with (it asked for the next one), marked
	// those the broker knows it is done with; the marker goroutine brings
	// marked up to finished when markWake says so, and closes markerDone
	// once the session ended. A message returned but not finished when the
	// session leaves this instance is given again by the next.
	returned, finished, marked atomic.Uint64
	markWake, markerDone       chan struct{}

	mu   sync.Mutex
	link *wsConn
	// received counts the client's data frames; acks counts those the app
	// has read and says when to acknowledge them.
	//
	// Acknowledgements report what the app read, not what arrived: the
	// client keeps at most its window unacknowledged, so acknowledging only
	// what the app took bounds the inbox by the client's window, and the
	// link never has to stop reading — which would strand the
	// acknowledgements an app blocked in Write is waiting for behind data
	// nobody reads.
	received uint64
	acks     wire.Acker
	// ackTimer is the pending check of acks, if any.
	ackTimer               *time.Timer
	inbox                  []Message
	inboxBytes             int
	inboxReady, inboxSpace signal
	// sent counts the data frames written by the app; acked of them the
	// client acknowledged; unacked holds frames acked+1 … sent.
	sent, acked  uint64
	unacked      []dataMessage
	unackedBytes int
	room         signal

	ended     bool
	endErr    error
	retention *time.Timer
	// counted is what the session adds to sessions.detachedBytes: what it
	// holds while it has no connection, 0 otherwise (recountLocked).
	counted int
	// shutDown: the server shut down, and the app reads nothing more, not
	// even what arrived before; the client was told what it read.
	shutDown bool
}

// shutdown ends the session for the server's Shutdown: the app reads
// nothing more, and the client is told, in a last acknowledgement, every
// message the app read, so that it does not send them again to the server
// that comes next. What the app had not read the client sends again.
func (s *session) shutdown(ctx context.Context) {
	s.wmu.Lock()
	s.mu.Lock()
	link := s.link
	var n uint64
	ack := false
	if !s.ended {
		s.shutDown = true
		n, ack = s.acks.Ack()
		s.endLocked(ErrServerClosed)
	}
	s.mu.Unlock()
	if ack && link != nil {
		_ = link.write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypeAck, n))
	}
	s.wmu.Unlock()
	if s.cfg.broker != nil {
		// The instance that takes the session over gives the app only
		// what this one's did not have.
		s.flushMarks(ctx)
	}
	s.cfg.ended(s)
}

// recountLocked brings the session's share of the bytes detached sessions
// hold up to date: its unacknowledged frames and unread messages while it
// has no connection, nothing while it has one or once it ended.
func (s *session) recountLocked() {
	held := 0
	if s.link == nil && !s.ended {
		held = s.unackedBytes + s.inboxBytes
	}
	if d := held - s.counted; d != 0 {
		s.counted = held
		s.cfg.table.detachedBytes.Add(int64(d))
	}
}

// signal wakes every goroutine waiting for a change; guarded by session.mu.
type signal struct{ ch chan struct{} }

func (s *signal) wait() <-chan struct{} {
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) fire() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

func (s *session) name() string { return fmt.Sprintf("%x", s.id[:]) }

// read returns the next message for the app.
func (s *session) read(ctx context.Context) (Message, error) {
	if s.cfg.broker != nil {
		// One reader at a time, so that the broker's marks come in order.
		s.rmu.Lock()
		defer s.rmu.Unlock()
		// Asking for the next message says the app is done with the
		// last: the marker records it, off the app's path.
		s.finished.Store(s.returned.Load())
		select {
		case s.markWake <- struct{}{}:
		default:
		}
	}
	for {
		s.mu.Lock()
		if len(s.inbox) > 0 && !s.shutDown {
			m := s.inbox[0]
			s.inbox[0] = Message{}
			s.inbox = s.inbox[1:]
			s.inboxBytes -= len(m.Data)
			s.recountLocked()
			s.inboxSpace.fire()
			ackNow, wait := s.acks.Deliver(len(m.Data), monotonic())
			// Without a link the next one's welcome tells the client.
			link := s.link
			ackNow = ackNow && link != nil
			if link != nil && wait > 0 && s.ackTimer == nil {
				s.ackTimer = time.AfterFunc(wait, s.ackDue)
			}
			s.mu.Unlock()
			if s.cfg.broker != nil {
				s.returned.Store(m.ID.N - s.firstID + 1)
			}
			if ackNow {
				s.sendAck(link)
			}
			if m.ID.N <= s.applied {
				// Sent again after the session was lost, and applied
				// already: taken in, acknowledged, not returned.
				if s.cfg.broker != nil {
					s.finished.Store(s.returned.Load())
				}
				continue
			}
			return m, nil
		}
		if s.ended {
			err := s.endErr
			s.mu.Unlock()
			return Message{}, fmt.Errorf("failed to read from session %s: %w", s.name(), err)
		}
		ready := s.inboxReady.wait()
		s.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("failed to read from session %s: %w", s.name(), ctx.Err())
		}
	}
}

// write buffers one message until the client acknowledges it and sends it
// on the current link, if any.
func (s *session) write(ctx context.Context, typ websocket.MessageType, data []byte) error {
	return s.writeFrame(ctx, typ, data, nil)
}

// writeFrame is write with the frame already built, if frame is not nil:
// frames are never changed once built, so one frame may be kept by every
// session that sends it (a room's history). Otherwise the frame is built
// once there is room for it.
func (s *session) writeFrame(ctx context.Context, typ websocket.MessageType, data, built []byte) error {
	limit := s.cfg.maxUnackedBytes
	for {
		s.mu.Lock()
		if s.ended {
			err := s.endErr
			s.mu.Unlock()
			return fmt.Errorf("failed to write to session %s: %w", s.name(), err)
		}
		fits := len(s.unacked) == 0 || s.unackedBytes+len(data) <= limit
		if fits {
			s.mu.Unlock()
			s.wmu.Lock()
			s.mu.Lock()
			if !s.ended && (len(s.unacked) == 0 || s.unackedBytes+len(data) <= limit) {
				break
			}
			s.mu.Unlock()
			s.wmu.Unlock()
			continue
		}
		room := s.room.wait()
		s.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("failed to write to session %s: %w", s.name(), ctx.Err())
		}
	}
	defer s.wmu.Unlock()
	if b := s.cfg.broker; b != nil {
		// Stored before it counts as sent: whichever instance the client
		// reaches next sends it if the client lacks it. wmu keeps the
		// session's writes, and so their numbers, in order.
		n := s.sent + 1
		s.mu.Unlock()
		if err := b.AppendOut(ctx, SessionID(s.id), n, StoredMessage{N: n, Type: MessageType(typ), Data: data}); err != nil {
			return fmt.Errorf("failed to write to session %s: broker: %w", s.name(), err)
		}
		s.mu.Lock()
		if s.ended {
			err := s.endErr
			s.mu.Unlock()
			return fmt.Errorf("failed to write to session %s: %w", s.name(), err)
		}
	}
	frame := dataMessage{typ, built}
	if frame.b == nil {
		frame.b = wire.AppendData(make([]byte, 0, 1+len(data)), typ == websocket.MessageBinary, data)
	}
	s.sent++
	s.unacked = append(s.unacked, frame)
	s.unackedBytes += len(data)
	s.recountLocked()
	link := s.link
	s.mu.Unlock()
	if link == nil {
		s.cfg.table.enforceBudget()
	}
	if link != nil {
		// A failed write leaves the frame buffered: the link is broken, its
		// reader ends it, and the next link resends.
		_ = link.write(link.ctx, frame.typ, frame.b)
	}
	return nil
}

// dataMessage is a data frame as the WebSocket message that carries it.
type dataMessage struct {
	typ websocket.MessageType
	b   []byte
}

// size is the payload's: the frame less its type byte.
func (m dataMessage) size() int { return len(m.b) - 1 }

// close ends the session at the app's request.
func (s *session) close(code websocket.StatusCode, reason string) error {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return fmt.Errorf("failed to close session %s: %w", s.name(), net.ErrClosed)
	}
	link := s.link
	s.endLocked(websocket.CloseError{Code: code, Reason: reason})
	s.mu.Unlock()
	s.cfg.ended(s)
	if link != nil {
		return link.Close(code, reason)
	}
	return nil
}

func (s *session) endLocked(err error) {
	s.ended, s.endErr = true, err
	if b := s.cfg.broker; b != nil && !errors.Is(err, ErrServerClosed) && !errors.Is(err, ErrSessionMoved) {
		// Over for good, not merely over here.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := b.EndSession(ctx, SessionID(s.id)); err != nil {
				s.log.Warn("broker did not forget the session", "err", err)
			}
		}()
	}
	s.link = nil
	s.recountLocked()
	if s.retention != nil {
		s.retention.Stop()
	}
	if s.ackTimer != nil {
		s.ackTimer.Stop()
	}
	s.inboxReady.fire()
	s.inboxSpace.fire()
	s.room.fire()
	close(s.done)
	s.cancel()
}

// release drops the frames the client acknowledged, up to received.
func (s *session) releaseLocked(received uint64) error {
	if received < s.acked || received > s.sent {
		return fmt.Errorf("client acknowledged %d messages, but %d were sent and %d acknowledged before", received, s.sent, s.acked)
	}
	n := int(received - s.acked)
	for i := range n {
		s.unackedBytes -= s.unacked[i].size()
		s.unacked[i] = dataMessage{}
	}
	s.unacked = s.unacked[n:]
	if len(s.unacked) == 0 {
		s.unacked = nil
	}
	s.acked = received
	s.recountLocked()
	s.room.fire()
	return nil
}

// canResumeLocked reports whether a hello's count fits what was sent.
func (s *session) canResumeLocked(received uint64) bool {
	return !s.ended && received >= s.acked && received <= s.sent
}

// attach makes wc the session's link: the old link, if any, is dropped, the
// client gets its welcome and every frame it lacks, in order. It reports
// false if the session ended meanwhile.
//
// The link changes in one critical section, under wmu and mu: at every
// moment the session has one link or none, and nothing is written to the
// old one once the new one is welcomed. The old link is cut before wmu is
// taken, since a write stuck on a dead connection holds wmu until then.
// Two connections racing with the same token each take the session over
// in turn, and each older one is closed with 4001.
func (s *session) attach(wc *wsConn, h wire.Hello, resumed bool) bool {
	for {
		s.mu.Lock()
		old := s.link
		s.mu.Unlock()
		if old != nil {
			s.log.Info("session moved to a newer connection", "old_client", old.id, "close_code", 4001)
			go old.Close(4001, "replaced by a newer connection")
			old.killAfter(time.Second)
		}
		s.wmu.Lock()
		s.mu.Lock()
		if s.link == old {
			break
		}
		// Another connection took the session over meanwhile: take it
		// from that one in turn.
		s.mu.Unlock()
		s.wmu.Unlock()
	}
	defer s.wmu.Unlock()
	if s.ended || (resumed && !s.canResumeLocked(h.Received)) {
		// The old link, cut above, stays the link until it ends, and its
		// end starts the session's retention as any drop does.
		s.mu.Unlock()
		return false
	}
	if resumed {
		s.releaseLocked(h.Received)
	}
	if s.retention != nil {
		s.retention.Stop()
		s.retention = nil
	}
	s.link = wc
	s.recountLocked()
	s.cfg.table.setDetached(s, false)
	frames := append([]dataMessage(nil), s.unacked...)
	w := wire.Welcome{
		Resumed:         resumed,
		Session:         s.id,
		Token:           s.token,
		Received:        s.received,
		HeartbeatMillis: uint64(s.cfg.heartbeatInterval / time.Millisecond),
		RetentionMillis: uint64(s.cfg.retention / time.Millisecond),
		Client:          s.client,
	}
	if !resumed && h.Version >= 2 && s.firstID > h.FirstID {
		w.FirstID = s.firstID
	}
	welcome := wire.AppendWelcome(nil, w)
	s.acks.Restore(s.acks.Received(), s.received)
	s.mu.Unlock()

	if err := wc.write(wc.ctx, websocket.MessageBinary, welcome); err != nil {
		return true
	}
	for _, f := range frames {
		if err := wc.write(wc.ctx, f.typ, f.b); err != nil {
			break
		}
	}
	return true
}

// detach forgets wc once it ended. A client that closed with 1000 or 1001
// ended the session; otherwise the session waits SessionRetention for it.
func (s *session) detach(wc *wsConn) {
	code := wc.closeCode()
	s.mu.Lock()
	if s.link != wc || s.ended {
		s.mu.Unlock()
		return
	}
	s.link = nil
	if code == websocket.StatusNormalClosure || code == websocket.StatusGoingAway {
		s.endLocked(websocket.CloseError{Code: code})
		s.mu.Unlock()
		s.cfg.ended(s)
		s.log.Info("client ended the session", "close_code", int(code))
		return
	}
	retention := s.cfg.retention
	if s.sent > 0 && s.acked == 0 {
		// Its client never acknowledged a frame: it may never come back.
		retention = min(retention, s.cfg.unackedRetention)
	}
	s.retention = time.AfterFunc(retention, func() {
		s.mu.Lock()
		expired := !s.ended && s.link == nil
		if expired {
			s.endLocked(ErrSessionExpired)
		}
		s.mu.Unlock()
		if expired {
			s.cfg.ended(s)
			s.log.Info("session expired", "retention", retention)
		}
	})
	s.recountLocked()
	s.cfg.table.setDetached(s, true)
	s.mu.Unlock()
	s.cfg.table.enforceBudget()
}
