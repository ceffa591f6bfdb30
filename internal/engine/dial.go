package engine

// The life of a connection: dialling, opening, the drop, the retry after it
// and the end of the Socket.

import (
	"fmt"
	"time"

	"github.com/resock/resock/internal/wire"
)

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
	if s.held {
		// Release makes the attempt.
		s.heldDial = true
		s.setState(s.attemptState())
		return
	}
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
		if s.epoch != epoch || s.link.conn != nil {
			return
		}
		if err == nil {
			url, err = ValidateURL(url)
		}
		if err == nil {
			err = ValidateProtocols(protocols)
		}
		if err != nil {
			s.emit(ErrorEvent{Err: fmt.Errorf("failed to resolve the URL: %w", err)})
			s.dropped(CloseEvent{Code: 1006})
			return
		}
		s.url = url
		if s.sess != nil {
			protocols = withProtocol(protocols, wire.Protocol)
		}
		s.connect(url, protocols)
	})
}

// connectTimedOut ends an attempt that is not usable ConnectTimeout after it
// began: after its handshake began, for a connection that waited its turn
// (QueuedConn). In resume mode a connection is not usable before the
// welcome, so the timeout covers that handshake as well.
func (s *Socket) connectTimedOut() {
	handshaking := s.link.open && s.sess != nil && s.sess.handshaking
	if s.link.open && !handshaking {
		return
	}
	if q, ok := s.link.conn.(QueuedConn); ok && !s.link.open {
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
	if s.link.conn != nil {
		code := 1000
		if handshaking {
			code = CloseReconnect
		}
		s.link.conn.Close(code, "connect timeout")
		s.forgetConn()
	}
	s.emit(ErrorEvent{Err: fmt.Errorf("failed to connect to %s: %s within %v", s.url, what, s.o.ConnectTimeout)})
	s.dropped(CloseEvent{Code: 1006})
}

// connect makes the attempt of the current epoch.
func (s *Socket) connect(url string, protocols []string) {
	s.link = link{protocols: protocols}
	conn, err := s.o.Transport.Dial(url, protocols, &connHandler{s: s, epoch: s.epoch})
	if err != nil {
		s.emit(ErrorEvent{Err: fmt.Errorf("failed to dial %s: %w", url, err)})
		s.dropped(CloseEvent{Code: 1006})
		return
	}
	s.link.conn = conn
}

// dropped handles the end of a connection or attempt the Socket did not ask
// for, described by ev: a CloseEvent, then a retry or, past MaxRetries, the
// end.
func (s *Socket) dropped(ev CloseEvent) {
	if s.state == Closing {
		// Close was called: whatever ends the connection now (a protocol
		// error, a heartbeat timeout) ends the Socket, as Close promised.
		s.finish(ev)
		return
	}
	// A server asks for a wait only with a close that says it restarts or
	// is overloaded.
	hint := s.link.retryAfter
	if ev.Code != 1012 && ev.Code != 1013 {
		hint = 0
	}
	if h := retryAfterHint(ev.Code, ev.Reason); h > 0 {
		hint = h
	}
	s.stopTimers()
	s.epoch++
	s.forgetConn()
	if s.state == Open {
		s.markDown()
	}
	if s.o.MaxRetries != nil && s.attempt >= *s.o.MaxRetries {
		s.finish(ev)
		return
	}
	ev.WillReconnect = true
	if s.o.ShouldReconnect == nil {
		if !DefaultShouldReconnect(ev) {
			s.finish(ev)
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
			s.finish(ev)
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
	if s.link.conn != nil && (!s.link.open || s.state != Open) {
		s.link.conn.Close(1000, "")
	}
	s.forgetConn()
}

// finish ends the Socket's life with ev as its final CloseEvent.
func (s *Socket) finish(ev CloseEvent) {
	s.asking = false
	s.course++
	s.stopTimers()
	s.closeProbe()
	s.epoch++
	s.forgetConn()
	s.setState(Closed)
	ev.WillReconnect = false
	s.emit(ev)
}

// forgetConn lets go of the connection, or the probe of an attempt that
// failed, taking the session's ledger back first; with it go the wait its
// server asked for and its heartbeat.
func (s *Socket) forgetConn() {
	if s.sess != nil {
		s.sess.reclaim()
	}
	s.closeProbe()
	s.link = link{}
}

func (s *Socket) markDown() { s.downSince = s.o.Clock.Now() }

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

// connHandler ties a Conn's reports to the epoch it was dialed in.
type connHandler struct {
	s     *Socket
	epoch uint64
}

func (h *connHandler) OnOpen(protocol, extensions string) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch || s.link.conn == nil {
		return
	}
	s.link.open = true
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
	if s.epoch != h.epoch || !s.link.open {
		return
	}
	if s.o.heartbeats() {
		s.link.lastHeard = s.o.Clock.Now()
	}
	size := len(m.Data)
	if s.sess != nil && size > 0 {
		size-- // the type byte
	}
	if size > s.o.MaxMessageSize {
		s.emit(ErrorEvent{Err: fmt.Errorf("message of %d bytes from %s exceeds the limit of %d (MaxMessageSize)", size, s.url, s.o.MaxMessageSize)})
		s.link.conn.Close(1009, "message too big")
		s.dropped(CloseEvent{Code: 1009, Reason: "message too big"})
		return
	}
	switch {
	case s.sess != nil:
		s.receiveFrame(m)
	case !m.Binary && s.o.HeartbeatExpect != "" && string(m.Data) == s.o.HeartbeatExpect:
		s.pong(s.link.pingStamp)
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
	s.emit(ErrorEvent{Err: err, HTTPStatus: httpStatus(err)})
}

func (h *connHandler) OnClose(code int, reason string, wasClean bool, err error) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch {
		return
	}
	ev := CloseEvent{Code: code, Reason: reason, WasClean: wasClean, HTTPStatus: httpStatus(err)}
	if err != nil {
		// Delivered with the state the close leads to, as WebSocket is
		// already CLOSED when it fires error for a failed connection.
		s.emit(ErrorEvent{Err: err, HTTPStatus: ev.HTTPStatus})
	}
	if s.state == Closing {
		s.finish(ev)
		return
	}
	opened := s.link.open
	// A refusal (1012, 1013) says why in its close; anything else that ends
	// the handshake is a failure to report.
	if s.sess != nil && opened && s.sess.handshaking && code != 1012 && code != 1013 {
		s.emit(ErrorEvent{Err: fmt.Errorf("connection to %s closed during the %s handshake: code %d %q", s.url, wire.Protocol, code, reason)})
	}
	if s.sess != nil && !opened && !s.everOpen && s.plainOpens >= 2 {
		s.misconfigured(fmt.Errorf("%w: it refused the handshake that offers it %d times, but accepts a plain WebSocket at %s", ErrNoResume, s.plainOpens+1, s.url))
		return
	}
	url, protocols := s.url, s.link.protocols
	s.dropped(ev)
	if s.sess != nil && !opened && !s.everOpen && s.state == Reconnecting {
		s.startProbe(url, protocols)
	}
}
