//go:build !js

package server

import (
	"fmt"

	"github.com/coder/websocket"
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

// StatusCode is a WebSocket close code (RFC 6455, section 7.4). An
// application may close with 1000 or a code in 3000–4999; resock clients take
// 4400–4499 as final and do not reconnect.
type StatusCode int

// Close codes a Conn sends or is likely to see.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	// StatusNoStatusRcvd: the close carried no code. Never sent.
	StatusNoStatusRcvd StatusCode = 1005
	// StatusAbnormalClosure: the connection ended without a close. Never
	// sent.
	StatusAbnormalClosure     StatusCode = 1006
	StatusInvalidFramePayload StatusCode = 1007
	StatusPolicyViolation     StatusCode = 1008
	StatusMessageTooBig       StatusCode = 1009
	StatusInternalError       StatusCode = 1011
	// StatusServiceRestart: Shutdown closes clients with it; they reconnect.
	StatusServiceRestart StatusCode = 1012
	// StatusTryAgainLater: a client refused for now (a full server, a slow
	// client a Hub gave up on); it reconnects after a while.
	StatusTryAgainLater StatusCode = 1013
)

// CloseStatus returns the close code of the close that ended a Conn, as an
// error from Read, ReadMessage or Write carries it, or -1 when err carries
// none.
func CloseStatus(err error) StatusCode { return StatusCode(websocket.CloseStatus(err)) }
