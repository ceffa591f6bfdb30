package client

import (
	"fmt"

	"github.com/resock/resock/internal/engine"
)

// MessageType is the type of a WebSocket message.
type MessageType int

// The message types, numbered as the WebSocket protocol numbers its opcodes.
const (
	// MessageText holds UTF-8 text.
	MessageText MessageType = 1
	// MessageBinary holds bytes.
	MessageBinary MessageType = 2
)

func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return fmt.Sprintf("MessageType(%d)", int(t))
}

// Message is one WebSocket message.
type Message struct {
	Type MessageType
	Data []byte
}

func (m Message) engine() engine.Message {
	return engine.Message{Binary: m.Type == MessageBinary, Data: m.Data}
}

func fromEngine(m engine.Message) Message {
	t := MessageText
	if m.Binary {
		t = MessageBinary
	}
	return Message{Type: t, Data: m.Data}
}

// StatusCode is a WebSocket close code (RFC 6455, section 7.4).
type StatusCode int

// Close codes a Socket sends or is likely to see. An application may close
// with 1000 or any code in 3000–4999.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	// StatusNoStatusRcvd: the close carried no code. Never sent.
	StatusNoStatusRcvd StatusCode = 1005
	// StatusAbnormalClosure: the connection ended without a close, or an
	// attempt failed. Never sent.
	StatusAbnormalClosure     StatusCode = 1006
	StatusInvalidFramePayload StatusCode = 1007
	StatusPolicyViolation     StatusCode = 1008
	StatusMessageTooBig       StatusCode = 1009
	StatusMandatoryExtension  StatusCode = 1010
	StatusInternalError       StatusCode = 1011
	StatusServiceRestart      StatusCode = 1012
	StatusTryAgainLater       StatusCode = 1013
	StatusHeartbeatTimeout    StatusCode = engine.CloseHeartbeatTimeout
	StatusReconnect           StatusCode = engine.CloseReconnect
)

// State is where a Socket is in its life.
type State int

// The states of a Socket. Connecting is the first attempt; Reconnecting
// covers both the wait before a later attempt and the attempt itself.
const (
	Connecting   = State(engine.Connecting)
	Open         = State(engine.Open)
	Reconnecting = State(engine.Reconnecting)
	Closing      = State(engine.Closing)
	Closed       = State(engine.Closed)
)

func (s State) String() string { return engine.State(s).String() }

// ReadyState maps s to the WebSocket readyState numbers: 0 CONNECTING,
// 1 OPEN, 2 CLOSING, 3 CLOSED.
func (s State) ReadyState() int { return engine.State(s).ReadyState() }

// Errors returned by Socket methods. Each is the one the browser's WebSocket
// would raise as the exception named.
var (
	// ErrInvalidCode: a close code other than 1000 or 3000–4999
	// (InvalidAccessError).
	ErrInvalidCode = engine.ErrInvalidCode
	// ErrReasonTooLong: a close reason over 123 bytes of UTF-8 (SyntaxError).
	ErrReasonTooLong = engine.ErrReasonTooLong
	// ErrClosed: the Socket was closed with Close, or gave up
	// (InvalidStateError).
	ErrClosed = engine.ErrClosed
	// ErrOutboxFull: the outbox is at its message or byte limit; the message
	// was not queued.
	ErrOutboxFull = engine.ErrOutboxFull
	// ErrInvalidURL: New or Options.Resolve gave a URL the WebSocket
	// constructor refuses (SyntaxError); see ValidateURL.
	ErrInvalidURL = engine.ErrInvalidURL
	// ErrInvalidProtocol: a subprotocol that is not an HTTP token, or one
	// offered twice (SyntaxError).
	ErrInvalidProtocol = engine.ErrInvalidProtocol
	// ErrNoResume: Options.Resume is set but the server does not speak the
	// resume protocol. The Socket reports it and closes.
	ErrNoResume = engine.ErrNoResume
)

// HandshakeError is an opening handshake the server answered with an HTTP
// status other than 101 Switching Protocols (its StatusCode): 401 for missing
// credentials, 404 for a wrong path, 503 while it is overloaded. It is the
// Err of the attempt's ErrorEvent, whose HTTPStatus holds the same status.
type HandshakeError = engine.HandshakeError

// ValidateURL checks raw as the WebSocket constructor checks its URL and
// returns the URL to dial: http and https become ws and wss, and the spaces
// and control characters a URL parser ignores around a URL (and the tabs and
// newlines it ignores within) are removed. It refuses, with an error that
// wraps ErrInvalidURL and says why, a URL that is empty or not absolute,
// whose scheme is not ws, wss, http or https, that has a fragment, that has
// no host, or that does not parse.
func ValidateURL(raw string) (string, error) { return engine.ValidateURL(raw) }
