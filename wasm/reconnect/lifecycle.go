package reconnect

import (
	"time"
)

// onlineJitter bounds the random wait before reconnecting when the network
// comes back, so that every page of a building does not dial at once.
const onlineJitter = time.Second

// SetOnline tells the Socket whether the network is up (the browser's
// online and offline events). Offline, it makes no attempt and spends no
// retry; an open connection is kept, and heartbeats judge it. Back online,
// it reconnects after a random wait of at most a second.
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
	s.unpause(time.Duration(s.o.Rand() * float64(onlineJitter)))
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
		s.conn.Close(code, reason)
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
	switch {
	case s.state == Open && s.o.heartbeats() && !s.awaitingPong:
		s.sendProbe()
	case s.state == Reconnecting && s.conn == nil && s.timers[retryTimer] != nil && s.o.Clock.Now() >= s.hintEnds:
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
func (s *Socket) startProbe(url string) {
	var plain []string
	for _, p := range s.protocols {
		if p != s.sessProtocol() {
			plain = append(plain, p)
		}
	}
	conn, err := s.o.Transport.Dial(url, plain, &probeHandler{s: s, epoch: s.epoch})
	if err == nil {
		s.probe = conn
	}
}

func (s *Socket) closeProbe() {
	if s.probe != nil {
		s.probe.Close(1000, "")
		s.probe = nil
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
	if s.epoch != h.epoch || s.probe == nil {
		return
	}
	s.closeProbe()
	s.plainOpens++
}

func (h *probeHandler) OnMessage(Message)         {}
func (h *probeHandler) OnError(error)             {}
func (h *probeHandler) OnClose(int, string, bool) {}
