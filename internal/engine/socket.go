package engine

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/resock/resock/internal/wire"
)

// Socket is one long-lived WebSocket that reconnects by itself until Close.
//
// All state lives under one mutex. Events are queued under it and delivered
// after it is released, in order, by whichever caller finds delivery idle, so
// Options.OnEvent may call back into the Socket (send from a message
// listener, close from an error listener) without deadlock.
type Socket struct {
	url string
	o   Options

	mu    sync.Mutex
	state State
	// epoch names the current course of action: the open or opening
	// connection, or the pending retry. Anything that abandons it increments
	// epoch, and handlers and timers of an older epoch do nothing.
	epoch uint64
	// course counts the changes of plan made by Close, Reconnect and the
	// final close; it tells which queued announcements still hold.
	course    uint64
	attempt   int
	everOpen  bool
	downSince time.Duration

	// link is the current connection or attempt; see link.
	link link
	// protocol and extensions are what the server selected on the current
	// or last connection: like WebSocket's, they outlive it.
	protocol, extensions string

	timers [timerCount]Timer
	outbox outbox

	// sess is the resock.v1 session, in resume mode only.
	sess *session
	// asking holds while Options.ShouldReconnect decides about a drop. Going
	// offline or being suspended meanwhile leaves the decision to it: a
	// close it calls final stays final.
	asking bool
	// hintEnds is when the wait a server asked for ends, while a retry
	// waits for it: neither a probe nor going offline and back cuts it
	// short.
	hintEnds time.Duration
	// pausedRetry says that the attempt a paused Socket makes when it comes
	// back is a retry, not its first connection.
	pausedRetry bool

	// rtt is the round-trip time of the last answered heartbeat.
	rtt time.Duration

	// offline and suspended pause the Socket: no attempts while either holds.
	offline, suspended bool
	// held holds the first attempt back until Release (Options.Hold);
	// heldDial says that an attempt is due once it comes.
	held, heldDial bool
	hidden         bool
	// plainOpens counts the probes that opened while resume attempts kept
	// failing. One failure may be a passing network fault, so only a third
	// one in a row, with probes opening in between, proves that the server
	// does not speak resock.v1.
	plainOpens int

	stats Stats

	pending  []queued
	emitting bool
	// direct is what OnDirect was last told.
	direct bool
}

// link is what belongs to one connection or attempt, from the dial to its
// end, when forgetConn resets it in one assignment: nothing of one
// connection can leak into the next.
type link struct {
	conn Conn
	// open: the transport reported the connection open (in resume mode the
	// handshake may still run).
	open bool
	// protocols are those offered on the attempt.
	protocols []string
	// retryAfter is the wait a resume-mode server asked for on this
	// connection, with the frame it sends before closing with 1012 or
	// 1013. It holds for that close only.
	retryAfter time.Duration
	// lastHeard is when anything last came in; pingSent and pingStamp are
	// the heartbeat probe awaiting its answer while awaitingPong.
	lastHeard, pingSent time.Duration
	pingStamp           uint64
	awaitingPong        bool
	// checking holds while a probe sent because the network path may have
	// changed awaits its answer: what is sent meanwhile waits in the
	// outbox, for this connection if it answers or the next if not, rather
	// than going into one that may be dead.
	checking bool
	// probe is the plain connection that checks, in resume mode, whether a
	// server that refused the handshake on the attempt before speaks
	// WebSocket at all.
	probe Conn
}

type timerKind int

const (
	retryTimer timerKind = iota
	connectTimer
	uptimeTimer
	ackTimer
	heartbeatTimer
	timerCount
)

// New returns a Socket for url and starts its first connection attempt,
// unless Options.Offline holds.
//
// It refuses, as the WebSocket constructor does, a URL that ValidateURL
// refuses (an error wrapping ErrInvalidURL) and subprotocols that
// ValidateProtocols refuses (ErrInvalidProtocol): retrying cannot mend
// them. An http or https URL is dialled as ws or wss, as in the browser.
// With Options.Resolve set, url may be empty; what Resolve chooses is
// checked before every attempt.
func New(url string, o Options) (*Socket, error) {
	if url != "" || o.Resolve == nil {
		u, err := ValidateURL(url)
		if err != nil {
			return nil, err
		}
		url = u
	}
	if err := ValidateProtocols(o.Protocols); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	if o.Transport == nil {
		return nil, errNoTransport
	}
	s := &Socket{url: url, o: o, held: o.Hold}
	s.outbox.maxCount = o.MaxQueuedMessages
	s.outbox.maxBytes = o.MaxQueuedBytes
	if o.Resume {
		s.sess = newSession()
		if o.Restore != nil {
			ss, err := restoredSession(*o.Restore)
			if err != nil {
				return nil, err
			}
			s.sess = ss
			ss.restored, ss.restoredQueued = true, len(o.Restore.Queued)
			for _, m := range o.Restore.Queued {
				if err := s.outbox.push(cloneMessage(m)); err != nil {
					return nil, fmt.Errorf("%w: its queue does not fit: %w", ErrBadSessionState, err)
				}
			}
		}
		s.o.Protocols = withProtocol(o.Protocols, wire.Protocol)
	} else if o.Restore != nil {
		return nil, fmt.Errorf("%w: a session is restored in resume mode only", ErrBadSessionState)
	}
	s.mu.Lock()
	s.downSince = o.Clock.Now()
	if o.Offline {
		s.offline, s.state = true, Offline
	} else {
		s.dial()
	}
	s.unlockAndEmit()
	return s, nil
}

// URL is the address the Socket connects to: the last one Resolve chose,
// if set.
func (s *Socket) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// State is the Socket's current state.
func (s *Socket) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Protocol is the subprotocol the server selected on the current or last
// connection.
func (s *Socket) Protocol() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.protocol
}

// Extensions are the extensions the server selected on the current or last
// connection.
func (s *Socket) Extensions() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extensions
}

// RetryCount is the number of attempts since the last connection that stayed
// up for MinUptime.
func (s *Socket) RetryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempt
}

// BufferedAmount is the number of bytes accepted by Send but not yet written:
// the outbox plus what the open connection still buffers.
func (s *Socket) BufferedAmount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.outbox.bytes
	if s.link.open {
		n += s.link.conn.BufferedAmount()
	}
	return n
}

// QueuedMessages is the number of messages waiting in the outbox.
func (s *Socket) QueuedMessages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outbox.len()
}

// Send writes m now if the Socket is open and nothing is queued before it,
// and otherwise queues it for the next connection. It fails with
// ErrOutboxFull when the outbox is at a limit and with ErrClosed after Close
// or once the Socket gave up; in both cases m was not accepted.
func (s *Socket) Send(m Message) error {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.state == Closing || s.state == Closed {
		return ErrClosed
	}
	return s.sendOrQueue(m)
}

// SendAccepted is Send for a message the application sent before Close but
// whose bytes arrive only now (a Blob read by the transport's own data path):
// after Close it is queued, as the messages queued before Close are, for
// Reconnect to deliver, instead of refused.
func (s *Socket) SendAccepted(m Message) error {
	s.mu.Lock()
	defer s.unlockAndEmit()
	return s.sendOrQueue(m)
}

// sendOrQueue writes m now if it may, and otherwise queues it. Called with
// mu held.
func (s *Socket) sendOrQueue(m Message) error {
	if s.canSendNow(len(m.Data)) {
		if err := s.writeData(m); err == nil {
			return nil
		}
		// The connection is going away and its close is on the way; keep
		// the message for the next one.
	}
	err := s.outbox.push(m)
	if err != nil && s.o.DropOldest {
		err = s.dropOldestFor(m)
	}
	return err
}

// dropOldest makes room for m by dropping the oldest queued messages, and
// reports what it dropped.
func (s *Socket) dropOldestFor(m Message) error {
	n, bytes := 0, 0
	for s.outbox.len() > 0 && (s.outbox.len() >= s.outbox.maxCount || s.outbox.bytes+len(m.Data) > s.outbox.maxBytes) {
		e, ok := s.outbox.head()
		if !ok {
			break
		}
		n, bytes = n+1, bytes+e.size
		s.outbox.pop()
	}
	err := s.outbox.push(m)
	if n > 0 {
		s.emit(DroppedEvent{Messages: n, Bytes: bytes, Reason: "outbox full: dropped the oldest messages"})
	}
	return err
}

// Pending is a place in the outbox held for a message whose bytes are not
// known yet. Messages sent after it wait for it.
type Pending struct {
	s *Socket
	e *outboxEntry
}

// Reserve holds a place for a message of about size bytes, counted against
// the outbox limits from now on. Call Fill or Cancel on the result.
func (s *Socket) Reserve(size int) (*Pending, error) {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.state == Closing || s.state == Closed {
		return nil, ErrClosed
	}
	e, err := s.outbox.reserve(size)
	if err != nil {
		return nil, err
	}
	return &Pending{s: s, e: e}, nil
}

// Fill gives the held place its message and sends what became sendable.
func (p *Pending) Fill(m Message) {
	s := p.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if !p.e.ready {
		s.outbox.fill(p.e, m)
		s.flush()
	}
}

// Cancel gives the held place up; err, if not nil, is reported as an error
// event so the loss is never silent.
func (p *Pending) Cancel(err error) {
	s := p.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if !p.e.ready {
		s.outbox.remove(p.e)
		if err != nil {
			s.emit(ErrorEvent{Err: fmt.Errorf("failed to send message: %w", err)})
		}
		s.flush()
	}
}

// ValidateClose checks a close code and reason as WebSocket.close does; code
// 0 means none was given, and a reason needs a code.
func ValidateClose(code int, reason string) error {
	if (code != 0 || reason != "") && code != 1000 && (code < 3000 || code > 4999) {
		return &CloseCodeError{Code: code}
	}
	if len(reason) > 123 {
		return fmt.Errorf("%w, got %d bytes", ErrReasonTooLong, len(reason))
	}
	if !utf8.ValidString(reason) {
		return errors.New("close reason must be valid UTF-8")
	}
	return nil
}

// Close stops the Socket for good: it closes the connection with code and
// reason (code 0 means none) and makes no further attempts. Messages still
// queued stay queued, so Reconnect delivers them. A final CloseEvent with
// WillReconnect false follows.
func (s *Socket) Close(code int, reason string) error {
	if err := ValidateClose(code, reason); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.unlockAndEmit()
	switch s.state {
	case Closing, Closed:
		return nil
	}
	s.course++
	switch s.state {
	case Open:
		s.stopTimers()
		s.setState(Closing)
		// Without a code the close frame carries none, and a server that
		// echoes it makes the close event say 1005, as with WebSocket.
		if err := s.link.conn.Close(code, reason); err != nil {
			s.finish(CloseEvent{Code: 1006})
			return nil
		}
		// A peer that is gone never answers the closing handshake; the
		// Socket does not wait for it longer than for an opening one.
		s.setTimer(connectTimer, s.o.ConnectTimeout, func() {
			s.emit(ErrorEvent{Err: fmt.Errorf("failed to close the connection to %s cleanly: no answer within %v", s.url, s.o.ConnectTimeout)})
			s.finish(CloseEvent{Code: 1006})
		})
		return nil
	}
	// Connecting, waiting to retry or paused: as WebSocket fails a
	// connection it is still establishing, the Socket is Closing when Close
	// returns, and reports the failure and its close 1006 afterwards.
	s.abandon()
	s.setState(Closing)
	epoch := s.epoch
	s.o.Defer(func() {
		s.mu.Lock()
		defer s.unlockAndEmit()
		if s.epoch == epoch {
			s.emit(ErrorEvent{Err: fmt.Errorf("connection to %s closed before it was established", s.url)})
			s.finish(CloseEvent{Code: 1006})
		}
	})
	return nil
}

// Reconnect drops the current connection, if any, with code and reason and
// connects again at once. It also revives a Socket that was closed or gave
// up, resetting its attempt counter.
func (s *Socket) Reconnect(code int, reason string) error {
	if err := ValidateClose(code, reason); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.unlockAndEmit()
	s.course++
	wasOpen := s.state == Open
	if code == 0 && s.sess != nil {
		code = CloseReconnect
	}
	if s.link.conn != nil {
		s.link.conn.Close(orNormal(code), reason)
	}
	s.abandon()
	if wasOpen {
		if code == 0 {
			code = 1005
		}
		s.emit(CloseEvent{Code: code, Reason: reason, WasClean: true, WillReconnect: true})
		s.markDown()
	}
	s.attempt = 1
	s.setState(s.attemptState())
	s.emit(ReconnectingEvent{Attempt: 1, Code: code, Reason: reason})
	s.dial()
	return nil
}

// flush writes queued messages, in order, while the connection is open.
func (s *Socket) flush() {
	if s.state != Open || s.link.checking {
		return
	}
	for {
		e, ok := s.outbox.head()
		if !ok {
			return
		}
		if s.sess != nil && !s.sess.windowHas(len(e.msg.Data), s.o.MaxUnackedBytes) {
			return
		}
		if err := s.writeData(e.msg); err != nil {
			return
		}
		s.outbox.pop()
	}
}
