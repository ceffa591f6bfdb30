package reconnect

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
