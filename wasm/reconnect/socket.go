package reconnect

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
	conn      Conn
	connOpen  bool
	attempt   int
	everOpen  bool
	downSince time.Duration

	protocol, extensions string

	timers [timerCount]Timer
	outbox outbox

	// sess is the resock.v1 session, in resume mode only.
	sess *session
	// retryAfter is the wait a resume-mode server asked for on the current
	// connection, with the frame it sends before closing with 1012 or 1013.
	// It holds for that close only.
	retryAfter time.Duration
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

	lastHeard, pingSent time.Duration
	pingStamp           uint64
	awaitingPong        bool
	rtt                 time.Duration

	// offline and suspended pause the Socket: no attempts while either holds.
	offline, suspended bool
	hidden             bool
	// probe is the plain connection that checks, in resume mode, whether a
	// server that refused the handshake speaks WebSocket at all.
	probe Conn
	// plainOpens counts the probes that opened while resume attempts kept
	// failing. One failure may be a passing network fault, so only a third
	// one in a row, with probes opening in between, proves that the server
	// does not speak resock.v1.
	plainOpens int

	stats Stats
	// protocols are those offered on the current attempt.
	protocols []string

	pending  []queued
	emitting bool
	// direct is what OnDirect was last told.
	direct bool
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
func New(url string, o Options) (*Socket, error) {
	o = o.withDefaults()
	if o.Transport == nil {
		return nil, errNoTransport
	}
	s := &Socket{url: url, o: o}
	if o.Resume {
		s.sess = newSession()
		s.o.Protocols = append(append([]string(nil), o.Protocols...), wire.Protocol)
	}
	s.outbox.maxCount = o.MaxQueuedMessages
	s.outbox.maxBytes = o.MaxQueuedBytes
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
	if s.connOpen {
		n += s.conn.BufferedAmount()
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
		if err := s.conn.Close(code, reason); err != nil {
			s.finish(1006, "", false)
			return nil
		}
		// A peer that is gone never answers the closing handshake; the
		// Socket does not wait for it longer than for an opening one.
		s.setTimer(connectTimer, s.o.ConnectTimeout, func() {
			s.emit(ErrorEvent{Err: fmt.Errorf("failed to close the connection to %s cleanly: no answer within %v", s.url, s.o.ConnectTimeout)})
			s.finish(1006, "", false)
		})
		return nil
	}
	// Connecting, waiting to retry or paused: as WebSocket fails a
	// connection it is still establishing, the Socket is Closing when Close
	// returns, and reports the failure and its close 1006 afterwards.
	s.abandon()
	s.setState(Closing)
	s.setTimer(connectTimer, 0, func() {
		s.emit(ErrorEvent{Err: fmt.Errorf("connection to %s closed before it was established", s.url)})
		s.finish(1006, "", false)
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
	if s.conn != nil {
		s.conn.Close(orNormal(code), reason)
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

// attemptState is the state while an attempt is waited for or made: the
// first connection is Connecting, anything after it Reconnecting.
func (s *Socket) attemptState() State {
	if s.state == Reconnecting || s.everOpen {
		return Reconnecting
	}
	return Connecting
}

func orNormal(code int) int {
	if code == 0 {
		return 1000
	}
	return code
}

// dial starts an attempt. Called with mu held.
func (s *Socket) dial() {
	// A retry made early (by a probe) is no longer pending.
	if t := s.timers[retryTimer]; t != nil {
		t.Stop()
		s.timers[retryTimer] = nil
	}
	s.hintEnds = 0
	s.epoch++
	epoch := s.epoch
	s.closeProbe()
	s.stats.Attempts++
	s.setState(s.attemptState())
	s.setTimer(connectTimer, s.o.ConnectTimeout, s.connectTimedOut)
	if s.o.Resolve == nil {
		s.connect(s.url, s.o.Protocols)
		return
	}
	// The resolver may be page code that calls back into the Socket, so it
	// runs without the lock.
	go s.o.Resolve(func(url string, protocols []string, err error) {
		s.mu.Lock()
		defer s.unlockAndEmit()
		if s.epoch != epoch || s.conn != nil {
			return
		}
		if err != nil {
			s.emit(ErrorEvent{Err: fmt.Errorf("failed to resolve the URL: %w", err)})
			s.dropped(1006, "", false)
			return
		}
		s.url = url
		if s.sess != nil {
			protocols = append(append([]string(nil), protocols...), wire.Protocol)
		}
		s.connect(url, protocols)
	})
}

// connectTimedOut ends an attempt that is not usable ConnectTimeout after it
// began: after its handshake began, for a connection that waited its turn
// (QueuedConn). In resume mode a connection is not usable before the
// welcome, so the timeout covers that handshake as well.
func (s *Socket) connectTimedOut() {
	handshaking := s.connOpen && s.sess != nil && s.sess.handshaking
	if s.connOpen && !handshaking {
		return
	}
	if q, ok := s.conn.(QueuedConn); ok && !s.connOpen {
		since, _ := q.Handshaking()
		if left := s.o.ConnectTimeout - since; left > 0 {
			s.setTimer(connectTimer, left, s.connectTimedOut)
			return
		}
	}
	what := "no answer"
	if handshaking {
		what = "no " + wire.Protocol + " welcome"
	}
	if s.conn != nil {
		code := 1000
		if handshaking {
			code = CloseReconnect
		}
		s.conn.Close(code, "connect timeout")
		s.forgetConn()
	}
	s.emit(ErrorEvent{Err: fmt.Errorf("failed to connect to %s: %s within %v", s.url, what, s.o.ConnectTimeout)})
	s.dropped(1006, "", false)
}

// connect makes the attempt of the current epoch.
func (s *Socket) connect(url string, protocols []string) {
	s.protocols = protocols
	conn, err := s.o.Transport.Dial(url, protocols, &connHandler{s: s, epoch: s.epoch})
	if err != nil {
		s.emit(ErrorEvent{Err: fmt.Errorf("failed to dial %s: %w", url, err)})
		s.dropped(1006, "", false)
		return
	}
	s.conn, s.connOpen = conn, false
}

// dropped handles the end of a connection or attempt the Socket did not ask
// for: a CloseEvent, then a retry or, past MaxRetries, the end.
func (s *Socket) dropped(code int, reason string, wasClean bool) {
	if s.state == Closing {
		// Close was called: whatever ends the connection now (a protocol
		// error, a heartbeat timeout) ends the Socket, as Close promised.
		s.finish(code, reason, wasClean)
		return
	}
	// A server asks for a wait only with a close that says it restarts or
	// is overloaded.
	hint := s.retryAfter
	if code != 1012 && code != 1013 {
		hint = 0
	}
	if h := retryAfterHint(code, reason); h > 0 {
		hint = h
	}
	s.stopTimers()
	s.epoch++
	s.forgetConn()
	if s.state == Open {
		s.markDown()
	}
	if s.o.MaxRetries < 0 || (s.o.MaxRetries > 0 && s.attempt >= s.o.MaxRetries) {
		s.finish(code, reason, wasClean)
		return
	}
	ev := CloseEvent{Code: code, Reason: reason, WasClean: wasClean, WillReconnect: true}
	if s.o.ShouldReconnect == nil {
		if !DefaultShouldReconnect(ev) {
			s.finish(code, reason, wasClean)
			return
		}
		s.retry(ev, hint)
		return
	}
	// The application's policy may be page code that calls back into the
	// Socket, so it runs without the lock; meanwhile the Socket waits.
	if s.offline || s.suspended {
		s.setState(Offline)
	} else {
		s.setState(s.attemptState())
	}
	s.asking = true
	epoch := s.epoch
	go func() {
		ok := s.askPolicy(ev)
		s.mu.Lock()
		defer s.unlockAndEmit()
		if s.epoch != epoch {
			return
		}
		s.asking = false
		if !ok {
			s.finish(code, reason, wasClean)
			return
		}
		s.retry(ev, hint)
	}()
}

// askPolicy calls Options.ShouldReconnect; a policy that panics keeps the
// default.
func (s *Socket) askPolicy(ev CloseEvent) (ok bool) {
	ok = DefaultShouldReconnect(ev)
	defer func() { _ = recover() }()
	return s.o.ShouldReconnect(ev)
}

// retry announces the drop ev and schedules the next attempt, unless the
// Socket is paused; hint, if not 0, is the wait the server asked for.
func (s *Socket) retry(ev CloseEvent, hint time.Duration) {
	code, reason := ev.Code, ev.Reason
	s.emit(ev)
	if s.offline || s.suspended {
		s.pausedRetry = true
		if hint > 0 {
			s.hintEnds = s.o.Clock.Now() + hint
		}
		s.setState(Offline)
		return
	}
	s.attempt++
	delay := s.o.Backoff.Delay(s.attempt, s.o.Rand())
	s.hintEnds = 0
	if hint > 0 {
		// The server said when to come back; jitter spreads the clients it
		// said it to over up to half as long again, so that a server that
		// asked for seconds is not hit within one, and at least over the
		// first backoff delay.
		spread := max(hint/2, s.o.Backoff.Bound(1))
		delay = hint + time.Duration(s.o.Rand()*float64(spread))
		s.hintEnds = s.o.Clock.Now() + hint
	}
	s.setState(Reconnecting)
	s.emit(ReconnectingEvent{Attempt: s.attempt, Delay: delay, Code: code, Reason: reason})
	s.setTimer(retryTimer, delay, s.dial)
}

// abandon forgets the current connection or pending retry. A connection
// still opening, or opened but in the resume handshake, is closed.
func (s *Socket) abandon() {
	s.asking = false
	s.hintEnds = 0
	s.stopTimers()
	s.closeProbe()
	s.epoch++
	if s.conn != nil && (!s.connOpen || s.state != Open) {
		s.conn.Close(1000, "")
	}
	s.forgetConn()
}

// finish ends the Socket's life with a final CloseEvent.
func (s *Socket) finish(code int, reason string, wasClean bool) {
	s.asking = false
	s.course++
	s.stopTimers()
	s.closeProbe()
	s.epoch++
	s.forgetConn()
	s.setState(Closed)
	s.emit(CloseEvent{Code: code, Reason: reason, WasClean: wasClean})
}

// forgetConn lets go of the connection, taking the session's ledger back
// from it first, and with it the wait its server asked for.
func (s *Socket) forgetConn() {
	if s.sess != nil {
		s.sess.reclaim()
	}
	s.conn, s.connOpen = nil, false
	s.retryAfter = 0
}

func (s *Socket) markDown() { s.downSince = s.o.Clock.Now() }

// flush writes queued messages, in order, while the connection is open.
func (s *Socket) flush() {
	if s.state != Open {
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

func (s *Socket) setState(to State) {
	if s.state == to {
		return
	}
	from := s.state
	s.state = to
	s.emit(StateEvent{From: from, To: to})
}

// setTimer arms the timer of kind k to run f under mu, unless the epoch moved
// on in the meantime.
func (s *Socket) setTimer(k timerKind, d time.Duration, f func()) {
	if t := s.timers[k]; t != nil {
		t.Stop()
	}
	epoch := s.epoch
	s.timers[k] = s.o.Clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.unlockAndEmit()
		if s.epoch == epoch {
			f()
		}
	})
}

func (s *Socket) stopTimers() {
	for k, t := range s.timers {
		if t != nil {
			t.Stop()
			s.timers[k] = nil
		}
	}
}

// queued is an event waiting for delivery. A ReconnectingEvent announces an
// attempt; if a listener of an earlier event in the same batch changed
// course (called Close or Reconnect), the announcement is dropped.
type queued struct {
	e      Event
	course uint64
}

func (s *Socket) emit(e Event) { s.pending = append(s.pending, queued{e, s.course}) }

// stale reports whether q announces an attempt that was called off.
func (s *Socket) stale(q queued) bool {
	if _, ok := q.e.(ReconnectingEvent); !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.course != q.course
}

// unlockAndEmit releases mu and delivers queued events, unless another
// caller is already delivering: that caller will deliver them, in order.
// Every change of state ends here, so it is also where OnDirect hears
// whether the direct path is open, before any listener can send.
func (s *Socket) unlockAndEmit() {
	s.tellDirect()
	if s.emitting || len(s.pending) == 0 || s.o.OnEvent == nil {
		if s.o.OnEvent == nil {
			s.pending = nil
		}
		s.mu.Unlock()
		return
	}
	s.emitting = true
	defer func() {
		s.emitting = false
		s.mu.Unlock()
	}()
	for len(s.pending) > 0 {
		events := s.pending
		s.pending = nil
		s.mu.Unlock()
		for _, q := range events {
			if !s.stale(q) {
				s.deliver(q.e)
			}
		}
		s.mu.Lock()
	}
}

// tellDirect tells OnDirect whether messages may bypass the engine now, if
// that changed. Called with mu held.
func (s *Socket) tellDirect() {
	direct := s.state == Open && s.connOpen && s.outbox.len() == 0 &&
		(s.sess == nil || s.sess.carrier != nil)
	if direct == s.direct || s.o.OnDirect == nil {
		return
	}
	s.direct = direct
	s.o.OnDirect(direct)
}

// deliver calls OnEvent, containing a panic so that one bad listener cannot
// stop delivery or leave the Socket locked.
func (s *Socket) deliver(e Event) {
	defer func() { _ = recover() }()
	s.o.OnEvent(e)
}

// connHandler ties a Conn's reports to the epoch it was dialed in.
type connHandler struct {
	s     *Socket
	epoch uint64
}

func (h *connHandler) OnOpen(protocol, extensions string) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch || s.conn == nil {
		return
	}
	s.connOpen = true
	s.protocol, s.extensions = protocol, extensions
	if s.sess != nil {
		s.openResume(protocol)
		return
	}
	s.opened(false)
}

// opened makes the Socket open once a connection is usable: at once in plain
// mode, after the handshake in resume mode.
func (s *Socket) opened(resumed bool) {
	if t := s.timers[connectTimer]; t != nil {
		t.Stop()
		s.timers[connectTimer] = nil
	}
	reconnected := s.everOpen
	s.everOpen = true
	downtime := time.Duration(0)
	if reconnected {
		downtime = s.o.Clock.Now() - s.downSince
	}
	s.stats.openedAt = s.o.Clock.Now()
	if reconnected {
		s.stats.Reconnects++
	}
	s.setState(Open)
	s.flush()
	s.emit(OpenEvent{Protocol: s.protocol, Extensions: s.extensions, Reconnected: reconnected, Resumed: resumed, Downtime: downtime})
	s.startHeartbeat()
	s.setTimer(uptimeTimer, s.o.MinUptime, func() {
		if s.state == Open {
			s.attempt = 0
		}
	})
}

func (h *connHandler) OnMessage(m Message) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch || !s.connOpen {
		return
	}
	if s.o.heartbeats() {
		s.lastHeard = s.o.Clock.Now()
	}
	size := len(m.Data)
	if s.sess != nil && size > 0 {
		size-- // the type byte
	}
	if size > s.o.MaxMessageSize {
		s.emit(ErrorEvent{Err: fmt.Errorf("message of %d bytes from %s exceeds the limit of %d (MaxMessageSize)", size, s.url, s.o.MaxMessageSize)})
		s.conn.Close(1009, "message too big")
		s.dropped(1009, "message too big", false)
		return
	}
	switch {
	case s.sess != nil:
		s.receiveFrame(m)
	case !m.Binary && s.o.HeartbeatExpect != "" && string(m.Data) == s.o.HeartbeatExpect:
		s.pong(s.pingStamp)
	default:
		s.stats.MessagesIn++
		s.stats.BytesIn += int64(len(m.Data))
		s.emit(MessageEvent{Message: m})
	}
}

func (h *connHandler) OnError(err error) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch {
		return
	}
	s.emit(ErrorEvent{Err: err})
}

func (h *connHandler) OnClose(code int, reason string, wasClean bool, err error) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch {
		return
	}
	if err != nil {
		// Delivered with the state the close leads to, as WebSocket is
		// already CLOSED when it fires error for a failed connection.
		s.emit(ErrorEvent{Err: err})
	}
	if s.state == Closing {
		s.finish(code, reason, wasClean)
		return
	}
	opened := s.connOpen
	// A refusal (1012, 1013) says why in its close; anything else that ends
	// the handshake is a failure to report.
	if s.sess != nil && opened && s.sess.handshaking && code != 1012 && code != 1013 {
		s.emit(ErrorEvent{Err: fmt.Errorf("connection to %s closed during the %s handshake: code %d %q", s.url, wire.Protocol, code, reason)})
	}
	if s.sess != nil && !opened && !s.everOpen && s.plainOpens >= 2 {
		s.misconfigured(fmt.Errorf("%w: it refused the handshake that offers it %d times, but accepts a plain WebSocket at %s", ErrNoResume, s.plainOpens+1, s.url))
		return
	}
	url := s.url
	s.dropped(code, reason, wasClean)
	if s.sess != nil && !opened && !s.everOpen && s.state == Reconnecting {
		s.startProbe(url)
	}
}
