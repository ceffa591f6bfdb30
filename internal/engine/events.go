package engine

import "time"

// State is where a Socket is in its life.
type State int

// The states of a Socket. Connecting is the first attempt; Reconnecting
// covers both the wait before a later attempt and the attempt itself.
const (
	Connecting State = iota
	Open
	Reconnecting
	Closing
	Closed
	// Offline: the network is down or the page is suspended; no attempt
	// is made, and none is counted, until it comes back.
	Offline
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Open:
		return "open"
	case Reconnecting:
		return "reconnecting"
	case Closing:
		return "closing"
	case Closed:
		return "closed"
	case Offline:
		return "offline"
	}
	return "unknown"
}

// ReadyState maps s to the WebSocket readyState numbers: 0 CONNECTING,
// 1 OPEN, 2 CLOSING, 3 CLOSED.
func (s State) ReadyState() int {
	switch s {
	case Open:
		return 1
	case Closing:
		return 2
	case Closed:
		return 3
	}
	return 0
}

// Event is one of OpenEvent, MessageEvent, CloseEvent, ErrorEvent,
// ReconnectingEvent, StateEvent or DroppedEvent.
type Event interface{ isEvent() }

// OpenEvent: a connection opened.
type OpenEvent struct {
	Protocol, Extensions string
	// Reconnected is true for every open after the first.
	Reconnected bool
	// Resumed is true, in resume mode, when the server still had the
	// session, so nothing was lost. False means a fresh session: the
	// client's unacknowledged messages were sent again, and what the server
	// had sent on the old session is gone, so the page should resync.
	Resumed bool
	// Downtime is how long the Socket was without a connection before this
	// open (zero for the first).
	Downtime time.Duration
}

// MessageEvent: a message arrived.
type MessageEvent struct{ Message Message }

// CloseEvent: a connection (or an attempt) ended.
type CloseEvent struct {
	Code     int
	Reason   string
	WasClean bool
	// WillReconnect tells whether another attempt follows.
	WillReconnect bool
	// HTTPStatus is, for an attempt whose opening handshake the server
	// refused with an HTTP status (Code is then 1006, as in the browser),
	// that status: 401, 404, 503 …; 0 otherwise, and always 0 in the
	// browser, whose WebSocket hides the status from the page.
	// DefaultShouldReconnect treats 401, 403 and 404 as final.
	HTTPStatus int
}

// ErrorEvent: something failed; a CloseEvent usually follows.
type ErrorEvent struct {
	Err error
	// HTTPStatus is, when the error is an opening handshake the server
	// refused with an HTTP status (a *HandshakeError), that status; else 0.
	HTTPStatus int
}

// ReconnectingEvent: the Socket will try again after Delay.
type ReconnectingEvent struct {
	// Attempt counts attempts since the last stable connection, from 1.
	Attempt int
	Delay   time.Duration
	// Code and Reason are those of the close that caused the attempt.
	Code   int
	Reason string
}

// DroppedEvent: the outbox dropped messages to make room (Options.DropOldest).
type DroppedEvent struct {
	Messages, Bytes int
	Reason          string
}

// StateEvent: the state changed.
type StateEvent struct{ From, To State }

func (OpenEvent) isEvent()         {}
func (MessageEvent) isEvent()      {}
func (CloseEvent) isEvent()        {}
func (ErrorEvent) isEvent()        {}
func (ReconnectingEvent) isEvent() {}
func (StateEvent) isEvent()        {}
func (DroppedEvent) isEvent()      {}
