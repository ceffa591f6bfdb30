//go:build !js

package server

import (
	"context"
	"encoding/hex"
	"errors"
)

// Broker is where resume sessions live when a service runs on several
// instances (Options.Broker): each session's record, the client's messages
// stored and not yet read by the application, and the server's messages not
// yet acknowledged by the client. With one, a client that reconnects to
// another instance, or whose instance died, resumes its session there, and
// every message is still delivered once and in order in both directions.
// Without one, sessions live in the instance's memory, as they do by
// default.
//
// A Broker serves one Server. The server calls it from many goroutines at
// once, but for one session the calls of each kind come in order: AppendIn
// with n = 1, 2, 3 …, MarkRead and AppendOut likewise. Package
// github.com/resock/resock/server/jetstream implements it on NATS JetStream.
type Broker interface {
	// CreateSession records a new session, held by this instance.
	CreateSession(ctx context.Context, rec SessionRecord) error
	// ClaimSession makes this instance the holder of session id, which
	// another instance holds or held, if accept accepts its record (the
	// server checks the token and the user there): it has that instance
	// let go of it (the function given to OnClaimed runs there) unless that
	// instance is gone, and returns what the session holds. It returns
	// ErrNoSession when the broker has no such session, and accept's error
	// when accept refuses, having changed nothing.
	ClaimSession(ctx context.Context, id SessionID, accept func(SessionRecord) error) (*StoredSession, error)
	// AppendIn stores the client's message n (counted from 1 in the
	// session). Storing an n stored before stores nothing.
	AppendIn(ctx context.Context, id SessionID, n uint64, m StoredMessage) error
	// MarkRead records that the application has read the client's messages
	// up to n.
	MarkRead(ctx context.Context, id SessionID, n uint64) error
	// AppendOut stores the server's message n (counted from 1 in the
	// session).
	AppendOut(ctx context.Context, id SessionID, n uint64, m StoredMessage) error
	// AckOut tells the broker that the client acknowledged the server's
	// messages up to n, which it need not keep any more.
	AckOut(ctx context.Context, id SessionID, n uint64) error
	// EndSession forgets a session for good.
	EndSession(ctx context.Context, id SessionID) error
	// OnClaimed registers f, which the broker calls with the id of a
	// session this instance holds that another instance claims; the claim
	// waits for f to return. The server registers it once, in New.
	OnClaimed(f func(id SessionID))
}

// BrokerStatus is implemented by a Broker that can tell whether it works
// now; Stats reports it.
type BrokerStatus interface {
	// Status is nil while the broker can store, or what keeps it from it.
	Status() error
}

// ErrNoSession: the broker has no such session.
var ErrNoSession = errors.New("no such session")

// ErrSessionMoved ends a session on an instance when another instance took
// it over (Options.Broker), because its client reconnected there: the
// application's Conn on this instance reads and writes nothing more, and
// the other instance calls the application with a Conn of its own.
var ErrSessionMoved = errors.New("session moved to another instance")

// SessionID names a resume session.
type SessionID [16]byte

// String is the id in hex, as Conn.ID gives it.
func (id SessionID) String() string { return hex.EncodeToString(id[:]) }

// SessionRecord is what a broker keeps of a session besides its messages.
type SessionRecord struct {
	ID    SessionID
	Token [16]byte
	// User is who opened it (Options.Authenticate).
	User string
	// Client is the id issued to its client object.
	Client ClientID
	// FirstID is the MessageID.N of the client's message 1.
	FirstID uint64
}

// StoredMessage is one message a broker keeps.
type StoredMessage struct {
	// N numbers the message in its direction of the session, from 1.
	N    uint64
	Type MessageType
	Data []byte
}

// StoredSession is what a broker holds of a session.
type StoredSession struct {
	Record SessionRecord
	// InCount is the number of the client's messages stored; Read of
	// them the application read. In holds messages Read+1 … InCount.
	InCount, Read uint64
	In            []StoredMessage
	// OutCount is the number of the server's messages stored; Out holds
	// those not yet acknowledged (AckOut), in order, up to OutCount.
	OutCount uint64
	Out      []StoredMessage
}
