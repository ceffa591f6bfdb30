package engine

import "time"

// Stats describes a Socket's life so far.
type Stats struct {
	// Attempts counts connection attempts, the first included.
	Attempts int
	// Reconnects counts opens after the first.
	Reconnects int
	// MessagesIn, BytesIn, MessagesOut and BytesOut count application
	// messages and their bytes, received and written.
	MessagesIn, BytesIn, MessagesOut, BytesOut int64
	// Queued and QueuedBytes are the outbox now.
	Queued, QueuedBytes int
	// RTT is the round-trip time of the last answered heartbeat, or 0.
	RTT time.Duration
	// Uptime is how long the current connection has been open, or 0.
	Uptime time.Duration
	// State is the state now.
	State State

	openedAt time.Duration
}

// Stats returns a snapshot of the Socket's counters.
func (s *Socket) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Queued, st.QueuedBytes = s.outbox.len(), s.outbox.bytes
	st.RTT = s.rtt
	st.State = s.state
	if s.state == Open {
		st.Uptime = s.o.Clock.Now() - s.stats.openedAt
	}
	st.openedAt = 0
	return st
}
