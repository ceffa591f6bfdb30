package engine

import "time"

// Message is one WebSocket message. Text messages hold UTF-8 in Data.
type Message struct {
	Binary bool
	Data   []byte
}

// Transport opens connections. Dial must return at once: the connection
// reports its progress to h from then on, and Conn.Close aborts it at any
// point, including before it opened.
type Transport interface {
	Dial(url string, protocols []string, h ConnHandler) (Conn, error)
}

// Conn is one connection attempt made by a Transport.
type Conn interface {
	// Send queues m for writing and returns without blocking.
	Send(m Message) error
	// BufferedAmount is the number of bytes queued but not yet written.
	BufferedAmount() int
	// Close starts the closing handshake with code and reason, or aborts the
	// attempt if the connection is not open yet. The handler still receives
	// OnClose, unless the connection never reported anything.
	Close(code int, reason string) error
}

// ConnHandler receives what happens to a Conn. A Conn calls its handler from
// one goroutine (or one JavaScript task) at a time, in order: OnOpen at most
// once, then OnMessage any number of times, and OnClose exactly once, last.
// OnError may come at any point before OnClose. An error that comes with the
// close, as the browser reports a failed connection (already closed when
// its error event fires), is OnClose's err instead: the handler reports it
// once the connection is closed, as WebSocket does. An opening handshake the
// server refused with an HTTP status is such an error: a *HandshakeError
// (possibly wrapped), whose status the engine puts in its ErrorEvent and
// CloseEvent.
type ConnHandler interface {
	OnOpen(protocol, extensions string)
	OnMessage(m Message)
	OnError(err error)
	OnClose(code int, reason string, wasClean bool, err error)
}

// QueuedConn is implemented by a Conn whose handshake may wait its turn
// before it starts, as a browser holds a new WebSocket while another to the
// same host is still connecting. ConnectTimeout counts from the start of
// the handshake.
type QueuedConn interface {
	// Handshaking is how long ago the handshake started; false while it
	// still waits.
	Handshaking() (time.Duration, bool)
}

// QuietConn is implemented by a Conn that hands some messages to the
// application itself, without OnMessage, as the browser transport does in
// plain mode to keep them out of Go. The heartbeat asks it when it last heard
// from the peer, so that such messages keep the connection alive too.
type QuietConn interface {
	// SinceHeard is how long ago the last such message arrived; false if
	// none did.
	SinceHeard() (time.Duration, bool)
}

// Ledger is what a resume session knows of the data frames of the current
// stream, in both directions.
type Ledger struct {
	// Received counts the server's data frames delivered in this session;
	// AckSent of them the server was told about.
	Received, AckSent uint64
	// Sent counts our data frames; Acked of them the server acknowledged;
	// Unacked holds frames Acked+1 … Sent.
	Sent, Acked uint64
	Unacked     []Message
}

// Carrier is implemented by a Conn that can carry a resume session's data
// frames without the engine, as the browser transport does to keep them out
// of Go. Between Carry and Reclaim it delivers the server's data frames to
// the application itself, counts them and acknowledges them as resock.v1
// says (wire.Acker), and sends the application's, keeping
// each until the server acknowledges it. Every other frame still reaches OnMessage. The
// engine calls these methods only for a connection that is open.
type Carrier interface {
	QuietConn
	// Carry takes l over once the handshake is done and sends l.Unacked
	// again. It reports false, having sent nothing, when it cannot; the
	// engine then carries on itself.
	Carry(l Ledger) bool
	// Reclaim ends carrying and hands the ledger back; the connection's
	// messages reach OnMessage again.
	Reclaim() Ledger
	// SendData sends m as the next data frame and keeps it.
	SendData(m Message) error
	// Counts are the ledger's counters as they stand (Ledger's Received,
	// Sent and Acked), without taking it back.
	Counts() (received, sent, acked uint64)
	// Release drops the frames up to received, which the server
	// acknowledged; an error if it acknowledged frames never sent, or
	// fewer than before.
	Release(received uint64) error
	// Window is the number of frames kept and the bytes of their payloads.
	Window() (frames, bytes int)
}
