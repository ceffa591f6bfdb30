package reconnect

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
// OnError may come at any point before OnClose.
type ConnHandler interface {
	OnOpen(protocol, extensions string)
	OnMessage(m Message)
	OnError(err error)
	OnClose(code int, reason string, wasClean bool)
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
