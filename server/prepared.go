//go:build !js

package server

import (
	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// PreparedMessage is a message made ready once to be sent to many clients.
// Its resock.v1 frame is built once, and every resume session that sends
// it keeps that one frame until its client acknowledges it, instead of a
// copy of its own: a message a Hub broadcasts to a thousand sessions is in
// memory once. A history of what a room sent can keep its messages as they
// are and replay them to the clients that join later (Hub.JoinWithBacklog)
// at no cost per client.
//
// A PreparedMessage does not change once made, and may be sent to any
// number of clients of any number of Hubs at the same time.
type PreparedMessage struct {
	m message
}

// NewPreparedMessage prepares a message of typ holding a copy of data.
func NewPreparedMessage(typ MessageType, data []byte) *PreparedMessage {
	return &PreparedMessage{m: shared(typ, data)}
}

// Type returns the message's type.
func (p *PreparedMessage) Type() MessageType { return MessageType(p.m.typ) }

// Data returns the message's payload, which the caller must not modify: it
// is shared with every client the message is sent to.
func (p *PreparedMessage) Data() []byte { return p.m.data }

// shared makes a message of data whose resock.v1 frame is built once: every
// resume session that sends it keeps that one copy, and data is its
// payload.
func shared(typ MessageType, data []byte) message {
	frame := wire.AppendData(make([]byte, 0, 1+len(data)), typ == MessageBinary, data)
	return message{typ: websocket.MessageType(typ), data: frame[1:], frame: frame}
}
