package engine

import (
	"errors"
	"fmt"
)

// Errors returned by Socket methods. Each names the WebSocket exception a
// JavaScript caller should see.
var (
	// ErrInvalidCode: a close code other than 1000 or 3000–4999
	// (InvalidAccessError).
	ErrInvalidCode = errors.New("close code must be 1000 or in 3000-4999")
	// ErrReasonTooLong: a close reason over 123 bytes of UTF-8 (SyntaxError).
	ErrReasonTooLong = errors.New("close reason must be at most 123 bytes of UTF-8")
	// ErrClosed: the Socket was closed with Close (InvalidStateError).
	ErrClosed = errors.New("socket is closed")
	// ErrOutboxFull: the outbox is at its message or byte limit; the message
	// was not queued.
	ErrOutboxFull = errors.New("outbox full")
	// ErrInvalidURL: New or Options.Resolve was given a URL the WebSocket
	// constructor refuses (SyntaxError); see ValidateURL.
	ErrInvalidURL = errors.New("invalid WebSocket URL")
	// ErrInvalidProtocol: a subprotocol that is not an HTTP token, or one
	// offered twice (SyntaxError); see ValidateProtocols.
	ErrInvalidProtocol = errors.New("invalid WebSocket subprotocol")
)

// CloseCodeError is the close code Close or Reconnect refused; it wraps
// ErrInvalidCode.
type CloseCodeError struct{ Code int }

func (e *CloseCodeError) Error() string { return fmt.Sprintf("%v, got %d", ErrInvalidCode, e.Code) }

func (e *CloseCodeError) Unwrap() error { return ErrInvalidCode }

// HandshakeError is an opening handshake the server answered with an HTTP
// status other than 101 Switching Protocols: 401 for missing credentials,
// 404 for a wrong path, 503 while it is overloaded. A Transport that can
// see the status reports the failed attempt with it, as ConnHandler.OnClose's
// err, and the engine copies StatusCode into the attempt's ErrorEvent and
// CloseEvent (HTTPStatus), where ShouldReconnect sees it. The native
// transport does; a browser never shows a page the status.
type HandshakeError struct {
	StatusCode int
	// Err is the transport's own error, if any.
	Err error
}

func (e *HandshakeError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("the server refused the WebSocket handshake with HTTP status %d", e.StatusCode)
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// httpStatus is the status of the HandshakeError in err's chain, or 0.
// It unwraps by hand: errors.As's reflection costs the browser build more
// than the loop.
func httpStatus(err error) int {
	for err != nil {
		if he, ok := err.(*HandshakeError); ok {
			return he.StatusCode
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return 0
		}
		err = u.Unwrap()
	}
	return 0
}
