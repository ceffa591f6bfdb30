package client

import (
	"time"

	"github.com/resock/resock/internal/engine"
)

// Event is one of OpenEvent, MessageEvent, CloseEvent, ErrorEvent,
// ReconnectingEvent, StateEvent or DroppedEvent.
type Event interface{ event() }

// OpenEvent: a connection opened.
type OpenEvent struct {
	// Protocol and Extensions are what the server selected.
	Protocol, Extensions string
	// Reconnected is true for every open after the first.
	Reconnected bool
	// Resumed is true, in resume mode, when the server still had the
	// session, so nothing was lost. False means a fresh session: the
	// messages the server had not acknowledged were sent again (with their
	// ids, so the server can recognise them), and what the server had sent
	// on the old session and the client had not received is gone, so the
	// application should resynchronise.
	Resumed bool
	// Downtime is how long the Socket was without a connection before this
	// open (zero for the first).
	Downtime time.Duration
}

// MessageEvent: a message arrived. Its Data is the Socket's no longer: the
// listener may keep it.
type MessageEvent struct{ Message Message }

// CloseEvent: a connection, or an attempt, ended.
type CloseEvent struct {
	Code     StatusCode
	Reason   string
	WasClean bool
	// WillReconnect tells whether another attempt follows.
	WillReconnect bool
	// HTTPStatus is, for an attempt whose opening handshake the server
	// refused with an HTTP status (Code is then 1006, as in the browser),
	// that status: 401, 404, 503 …; 0 otherwise.
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
	Code   StatusCode
	Reason string
}

// StateEvent: the state changed.
type StateEvent struct{ From, To State }

// DroppedEvent: the outbox dropped its oldest messages to make room for new
// ones (Options.DropOldest).
type DroppedEvent struct {
	Messages, Bytes int
	Reason          string
}

func (OpenEvent) event()         {}
func (MessageEvent) event()      {}
func (CloseEvent) event()        {}
func (ErrorEvent) event()        {}
func (ReconnectingEvent) event() {}
func (StateEvent) event()        {}
func (DroppedEvent) event()      {}

// fromEngineEvent gives the engine's event as the client's.
func fromEngineEvent(e engine.Event) Event {
	switch e := e.(type) {
	case engine.OpenEvent:
		return OpenEvent(e)
	case engine.MessageEvent:
		return MessageEvent{Message: fromEngine(e.Message)}
	case engine.CloseEvent:
		return closeEvent(e)
	case engine.ErrorEvent:
		return ErrorEvent(e)
	case engine.ReconnectingEvent:
		return ReconnectingEvent{Attempt: e.Attempt, Delay: e.Delay, Code: StatusCode(e.Code), Reason: e.Reason}
	case engine.StateEvent:
		return StateEvent{From: State(e.From), To: State(e.To)}
	case engine.DroppedEvent:
		return DroppedEvent(e)
	}
	return nil
}

func closeEvent(e engine.CloseEvent) CloseEvent {
	return CloseEvent{Code: StatusCode(e.Code), Reason: e.Reason, WasClean: e.WasClean, WillReconnect: e.WillReconnect, HTTPStatus: e.HTTPStatus}
}

// DefaultShouldReconnect is the close policy used unless
// Options.ShouldReconnect replaces it. A close the server means as final —
// the message broke its policy or was malformed, too big, or needed an
// extension it lacks (1003, 1007–1010), or the application said "do not
// retry" with a code in 4400–4499 — ends the Socket. So does an opening
// handshake refused with HTTP status 401, 403 or 404: the same request would
// be refused again. Everything else is a drop worth retrying.
func DefaultShouldReconnect(e CloseEvent) bool {
	return engine.DefaultShouldReconnect(engine.CloseEvent{
		Code: int(e.Code), Reason: e.Reason, WasClean: e.WasClean,
		WillReconnect: e.WillReconnect, HTTPStatus: e.HTTPStatus,
	})
}
