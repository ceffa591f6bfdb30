package engine

import (
	"time"
)

// onlineJitter bounds the random wait before reconnecting when the network
// comes back, so that every page of a building does not dial at once.
const onlineJitter = time.Second

// NetworkPolicy says what an open connection gets when the network path may
// have changed under it. A connection that stayed open through a change of
// network, or through a sleep, may be dead without either end knowing: the
// old path is gone, and no FIN or RST ever arrives. Nothing written into it
// arrives; in plain mode nothing even says so.
type NetworkPolicy int

const (
	// NetworkCheck probes the connection when the Socket can (in resume
	// mode, or with HeartbeatMessage set), and replaces it if nothing comes
	// back within HeartbeatTimeout; a Socket that cannot probe replaces the
	// connection at once.
	NetworkCheck NetworkPolicy = iota
	// NetworkReplace always replaces the connection at once.
	NetworkReplace
	// NetworkIgnore keeps the connection; only heartbeats judge it.
	NetworkIgnore
)

// SetOnline tells the Socket whether the network is up (the browser's
// online and offline events). Offline, it makes no attempt and spends no
// retry; an open connection is kept, and heartbeats judge it. Back online,
// it reconnects after a random wait of at most a second, and an open
// connection is checked as PathChanged checks it, so that what is sent from
// now on goes on a connection that works.
func (s *Socket) SetOnline(online bool) {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if online == !s.offline {
		return
	}
	s.offline = !online
	if !online {
		s.pause()
		return
	}
	delay := time.Duration(s.o.Rand() * float64(onlineJitter))
	if s.state == Open {
		s.checkPath(delay)
		return
	}
	s.unpause(delay)
}

// PathChanged tells the Socket that the network path may have changed
// while its connection stayed open: the machine slept, the page was frozen,
// or the browser reports a different connection. The connection is
// checked, or replaced, as Options.NetworkChange says; a Socket waiting to
// retry tries at once, as Probe has it.
func (s *Socket) PathChanged() {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.state != Open {
		s.retryNow()
		return
	}
	s.checkPath(0)
}

// checkPath probes the open connection or replaces it, whose replacement is
// dialled after delay. Called with mu held.
func (s *Socket) checkPath(delay time.Duration) {
	switch {
	case s.o.NetworkChange == NetworkIgnore:
	case s.o.NetworkChange == NetworkCheck && s.o.heartbeats():
		// A probe that goes unanswered drops the connection as any
		// heartbeat timeout does.
		if !s.link.awaitingPong {
			s.sendProbe()
		}
		s.link.checking = true
	case s.o.MaxRetries != nil && *s.o.MaxRetries <= 0:
		// A Socket that never reconnects has nothing to replace the
		// connection with, and keeps it, as WebSocket would.
	default:
		s.replace(delay)
	}
}

// replace drops the open connection, which may be dead, and dials a new one
// after delay. Until it opens, what is sent is queued for it.
func (s *Socket) replace(delay time.Duration) {
	code := 1001
	if s.sess != nil {
		code = CloseReconnect
	}
	s.link.conn.Close(code, "network changed")
	s.stopTimers()
	s.epoch++
	s.forgetConn()
	s.markDown()
	s.course++
	s.emit(CloseEvent{Code: 1006, WasClean: false, WillReconnect: true})
	s.attempt = 1
	s.setState(Reconnecting)
	s.emit(ReconnectingEvent{Attempt: 1, Delay: delay, Code: 1006, Reason: "network changed"})
	if delay == 0 {
		s.dial()
		return
	}
	s.setTimer(retryTimer, delay, s.dial)
}

// Suspend closes the connection cleanly and pauses the Socket, for a page
// entering the back/forward cache; Wake reconnects it. In resume mode the
// connection closes with CloseReconnect, so the session waits for the page.
func (s *Socket) Suspend() {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.suspended || s.state == Closing || s.state == Closed {
		return
	}
	s.suspended = true
	if s.state == Open {
		code, reason := 1001, "page suspended"
		if s.sess != nil {
			code = CloseReconnect
		}
		s.link.conn.Close(code, reason)
		s.stopTimers()
		s.epoch++
		s.forgetConn()
		s.markDown()
		s.emit(CloseEvent{Code: code, Reason: reason, WasClean: true, WillReconnect: true})
		s.pausedRetry = true
		s.setState(Offline)
	}
	s.pause()
}

// Wake ends a Suspend and reconnects at once.
func (s *Socket) Wake() {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if !s.suspended {
		return
	}
	s.suspended = false
	s.unpause(0)
}

// pause stops attempts: a pending attempt or retry is called off. It did
// not fail, so it is not counted: the attempt made when the Socket comes
// back has its number, and its place in MaxRetries and the backoff; a
// server's retry-after still holds. A drop the policy is still deciding
// about is left to it: its answer ends the Socket or, once nothing holds it
// any more, leads to the retry.
func (s *Socket) pause() {
	switch s.state {
	case Connecting, Reconnecting:
		if s.asking {
			s.closeProbe()
		} else {
			// The first connection's attempt is not a retry and was
			// never counted.
			s.pausedRetry = s.attempt > 0
			if s.pausedRetry {
				s.attempt--
			}
			hintEnds := s.hintEnds
			s.abandon()
			s.hintEnds = hintEnds
		}
		s.setState(Offline)
	}
}

// unpause reconnects after delay, or once a server's retry-after has
// passed, if nothing else holds the Socket. A first connection that never
// got to try is made without a reconnecting event and is not a retry.
func (s *Socket) unpause(delay time.Duration) {
	if s.state != Offline || s.offline || s.suspended {
		return
	}
	if s.asking {
		// The policy's answer decides whether, and after what backoff.
		s.setState(s.attemptState())
		return
	}
	if wait := s.hintEnds - s.o.Clock.Now(); wait > delay {
		delay = wait
	}
	s.setState(s.attemptState())
	if s.pausedRetry {
		s.attempt++
		s.emit(ReconnectingEvent{Attempt: s.attempt, Delay: delay})
	}
	if delay == 0 {
		s.dial()
		return
	}
	s.setTimer(retryTimer, delay, s.dial)
}

// Probe checks the connection at once, for a page that became visible again
// or whose timers ran far later than scheduled (the machine slept): an open
// connection gets a heartbeat probe and is replaced if nothing comes back
// within HeartbeatTimeout; a Socket waiting to retry tries now, unless the
// server's retry-after wait is still running, which it keeps. Without
// heartbeats (plain mode without HeartbeatMessage) an open connection is
// left as it is.
func (s *Socket) Probe() {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.state == Open {
		if s.o.heartbeats() && !s.link.awaitingPong {
			s.sendProbe()
		}
		return
	}
	s.retryNow()
}

// retryNow makes a pending retry at once, unless a server's retry-after
// wait is still running. Called with mu held.
func (s *Socket) retryNow() {
	if s.state == Reconnecting && s.link.conn == nil && s.timers[retryTimer] != nil && s.o.Clock.Now() >= s.hintEnds {
		s.dial()
	}
}

// SetHidden tells the Socket whether the page is hidden; hidden, it probes
// at HiddenHeartbeatInterval to spare the battery.
func (s *Socket) SetHidden(hidden bool) {
	s.mu.Lock()
	defer s.unlockAndEmit()
	s.hidden = hidden
}

// startProbe checks, in resume mode, why a handshake failed before any
// connection opened: the browser fails a handshake in which the server
// selects no subprotocol, and says nothing more. If a plain connection to
// the same URL opens, the server speaks WebSocket but not resock.v1: a
// misconfiguration to report, not a drop to retry forever.
func (s *Socket) startProbe(url string, protocols []string) {
	var plain []string
	for _, p := range protocols {
		if p != s.sessProtocol() {
			plain = append(plain, p)
		}
	}
	conn, err := s.o.Transport.Dial(url, plain, &probeHandler{s: s, epoch: s.epoch})
	if err == nil {
		s.link.probe = conn
	}
}

func (s *Socket) closeProbe() {
	if s.link.probe != nil {
		s.link.probe.Close(1000, "")
		s.link.probe = nil
	}
}

// probeHandler hears the probe connection of one epoch.
type probeHandler struct {
	s     *Socket
	epoch uint64
}

func (h *probeHandler) OnOpen(string, string) {
	s := h.s
	s.mu.Lock()
	defer s.unlockAndEmit()
	if s.epoch != h.epoch || s.link.probe == nil {
		return
	}
	s.closeProbe()
	s.plainOpens++
}

func (h *probeHandler) OnMessage(Message)                {}
func (h *probeHandler) OnError(error)                    {}
func (h *probeHandler) OnClose(int, string, bool, error) {}
