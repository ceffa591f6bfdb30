package engine

import (
	"fmt"
	"time"

	"github.com/resock/resock/internal/wire"
)

// startHeartbeat watches a connection that just opened: whenever the server
// has been silent for HeartbeatInterval the Socket probes it, and if nothing
// at all arrives within HeartbeatTimeout after the probe the connection is
// declared dead. Only the time of the last arrival is recorded per message;
// one timer does the rest.
func (s *Socket) startHeartbeat() {
	if !s.o.heartbeats() {
		return
	}
	s.link.lastHeard = s.o.Clock.Now()
	s.link.awaitingPong = false
	s.setTimer(heartbeatTimer, s.interval(), s.heartbeatDue)
}

func (s *Socket) heartbeatDue() {
	if s.state != Open {
		return
	}
	now := s.o.Clock.Now()
	if c, ok := s.link.conn.(QuietConn); ok {
		if d, ok := c.SinceHeard(); ok && now-d > s.link.lastHeard {
			s.link.lastHeard = now - d
		}
	}
	if s.link.awaitingPong {
		if s.link.lastHeard <= s.link.pingSent {
			if wait := s.link.pingSent + s.o.HeartbeatTimeout - now; wait > 0 {
				s.setTimer(heartbeatTimer, min(wait, s.interval()), s.heartbeatDue)
				return
			}
			s.dead(now - s.link.lastHeard)
			return
		}
		s.link.awaitingPong = false
		s.endCheck()
	}
	if idle := now - s.link.lastHeard; idle < s.interval() {
		s.setTimer(heartbeatTimer, s.interval()-idle, s.heartbeatDue)
		return
	}
	s.sendProbe()
}

// interval is the heartbeat interval now: longer while the page is hidden.
func (s *Socket) interval() time.Duration {
	if s.hidden {
		return s.o.HiddenHeartbeatInterval
	}
	return s.o.HeartbeatInterval
}

// sendProbe sends a heartbeat probe and waits HeartbeatTimeout for any data.
// It looks again every interval meanwhile: when the glue delivers messages
// without the engine, an answer is only seen by looking, and the next probe
// is due an interval after it, not after the timeout.
func (s *Socket) sendProbe() {
	s.link.pingStamp++
	var probe Message
	if s.sess != nil {
		probe = Message{Binary: true, Data: wire.AppendValue(nil, wire.TypePing, s.link.pingStamp)}
	} else {
		probe = Message{Data: []byte(s.o.HeartbeatMessage)}
	}
	s.link.pingSent, s.link.awaitingPong = s.o.Clock.Now(), true
	s.link.conn.Send(probe)
	s.setTimer(heartbeatTimer, min(s.o.HeartbeatTimeout, s.interval()), s.heartbeatDue)
}

// pong records the round-trip time of the probe with stamp.
func (s *Socket) pong(stamp uint64) {
	if s.link.awaitingPong && stamp == s.link.pingStamp {
		s.rtt = s.o.Clock.Now() - s.link.pingSent
		s.endCheck()
	}
}

// endCheck ends a check of the network path with the connection alive:
// what was sent meanwhile goes out now.
func (s *Socket) endCheck() {
	if s.link.checking {
		s.link.checking = false
		s.flush()
	}
}

// dead replaces a connection that stopped delivering anything.
func (s *Socket) dead(silent time.Duration) {
	s.emit(ErrorEvent{Err: fmt.Errorf("connection to %s is dead: nothing received for %v (heartbeat timeout)", s.url, silent.Round(time.Millisecond))})
	if s.link.conn != nil {
		s.link.conn.Close(CloseHeartbeatTimeout, "heartbeat timeout")
	}
	s.dropped(CloseEvent{Code: 1006, Reason: "heartbeat timeout"})
}

// RTT is the round-trip time measured by the last answered heartbeat, or 0.
func (s *Socket) RTT() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rtt
}
