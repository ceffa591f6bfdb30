package client

import (
	"time"

	"github.com/resock/resock/internal/engine"
)

// Socket is one long-lived WebSocket connection that reconnects by itself
// until Close. Its methods are safe for concurrent use.
type Socket struct {
	s *engine.Socket
}

// New returns a Socket for url and starts its first connection attempt.
//
// It refuses, as the WebSocket constructor does, a URL that ValidateURL
// refuses (an error wrapping ErrInvalidURL) and subprotocols that are not
// HTTP tokens or are offered twice (ErrInvalidProtocol): retrying cannot mend
// them. With Options.Resolve set, url may be empty; what Resolve chooses is
// checked before every attempt.
func New(url string, o Options) (*Socket, error) {
	s, err := engine.New(url, o.engine())
	if err != nil {
		return nil, err
	}
	return &Socket{s: s}, nil
}

// Send writes a message now if the Socket is open and nothing is queued
// before it, and otherwise queues it for the next connection. The Socket
// keeps data until it is written (in resume mode, until the server
// acknowledged it): do not change it after the call. Send fails with
// ErrOutboxFull when the outbox is at a limit and with ErrClosed after Close
// or once the Socket gave up; in both cases the message was not accepted.
func (s *Socket) Send(typ MessageType, data []byte) error {
	return s.s.Send(Message{Type: typ, Data: data}.engine())
}

// SendText sends a text message.
func (s *Socket) SendText(text string) error {
	return s.s.Send(engine.Message{Data: []byte(text)})
}

// Close stops the Socket for good: it closes the connection with code and
// reason (code 0 means none) and makes no further attempts. A code must be
// 1000 or in 3000–4999, and a reason at most 123 bytes, as for
// WebSocket.close. Messages still queued stay queued, so Reconnect delivers
// them. A final CloseEvent with WillReconnect false follows.
func (s *Socket) Close(code StatusCode, reason string) error {
	return s.s.Close(int(code), reason)
}

// Reconnect drops the current connection, if any, with code and reason (0
// for none; in resume mode StatusReconnect, so that the server keeps the
// session) and connects again at once. It also revives a Socket that was
// closed or gave up, resetting its attempt counter.
func (s *Socket) Reconnect(code StatusCode, reason string) error {
	return s.s.Reconnect(int(code), reason)
}

// NetworkChanged tells the Socket that the network may have changed while
// its connection stayed open: the machine slept or woke, or moved to another
// network. The connection is checked, or replaced, as Options.NetworkChange
// says; a Socket waiting to retry tries at once.
func (s *Socket) NetworkChanged() { s.s.PathChanged() }

// State is the Socket's current state.
func (s *Socket) State() State { return State(s.s.State()) }

// BufferedAmount is the number of bytes accepted by Send but not yet
// written.
func (s *Socket) BufferedAmount() int { return s.s.BufferedAmount() }

// QueuedMessages is the number of messages waiting in the outbox.
func (s *Socket) QueuedMessages() int { return s.s.QueuedMessages() }

// Protocol is the subprotocol the server selected on the current or last
// connection.
func (s *Socket) Protocol() string { return s.s.Protocol() }

// Extensions are the extensions the server selected on the current or last
// connection.
func (s *Socket) Extensions() string { return s.s.Extensions() }

// URL is the address the Socket connects to: the last one Resolve chose,
// if set.
func (s *Socket) URL() string { return s.s.URL() }

// RetryCount is the number of attempts since the last connection that
// stayed up for MinUptime.
func (s *Socket) RetryCount() int { return s.s.RetryCount() }

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
}

// Stats returns a snapshot of the Socket's counters.
func (s *Socket) Stats() Stats {
	st := s.s.Stats()
	return Stats{
		Attempts: st.Attempts, Reconnects: st.Reconnects,
		MessagesIn: st.MessagesIn, BytesIn: st.BytesIn,
		MessagesOut: st.MessagesOut, BytesOut: st.BytesOut,
		Queued: st.Queued, QueuedBytes: st.QueuedBytes,
		RTT: st.RTT, Uptime: st.Uptime, State: State(st.State),
	}
}
