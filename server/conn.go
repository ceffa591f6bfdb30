//go:build !js

package server

import (
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/coder/websocket"
)

// Conn is one client as an app sees it.
//
// A plain WebSocket client is one connection. A resock client that asked for
// resume (resock.v1) is one session: its reads and writes survive reconnects,
// every message is delivered once and in order, and the Conn ends only when
// the client closes it, the app closes it, or the client stays away longer
// than Options.SessionRetention.
type Conn struct {
	id         string
	remoteAddr string
	log        *slog.Logger
	// user and req are what Options.Authenticate said of, and the request
	// of, the connection that opened the Conn.
	user string
	req  *http.Request

	plain *wsConn
	sess  *session
}

// Message is one message from a client.
type Message struct {
	Type MessageType
	Data []byte
	// ID is the message's stable id, for a client in resume mode; zero
	// otherwise.
	ID MessageID
}

// MessageID names a client message for good. When a session is lost (the
// server restarted or crashed, or the client stayed away too long) the
// client sends its unacknowledged messages again on a new session, with the
// same ids, so an app that must not apply a message twice can recognise
// it. A client's messages arrive in order, so one number per client is all
// an app needs to keep: the N of the last message it applied, with the
// effect of the message, in the same transaction; Options.Applied hands it
// to the server, which then drops what the app already has (see
// ExampleConn_ReadMessage).
type MessageID struct {
	// Client names the client object that sent the message: issued by the
	// server on its first session and kept for its life, across sessions
	// and reconnects, and across restarts that keep Options.ClientKey.
	// It is bound to Conn.User: no client can take another's.
	Client ClientID
	// N counts the client's messages from 1.
	N uint64
}

// ClientID names one client object of a resock page or program.
type ClientID [16]byte

// String is the id in hex.
func (id ClientID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is unset.
func (id MessageID) IsZero() bool { return id == MessageID{} }

// ID returns the client's id: the connection's in plain mode, the session's
// in resume mode. It appears in the logs and in Stats.
func (c *Conn) ID() string { return c.id }

// Client returns, for a resume client, the id the server issued to its
// client object (MessageID.Client): unlike ID it stays the same when a
// session is lost and the client starts another, and across restarts that
// keep Options.ClientKey. Zero for a plain client.
func (c *Conn) Client() ClientID {
	if c.sess == nil {
		return ClientID{}
	}
	return ClientID(c.sess.client)
}

// Written returns how many messages Write stored for a resume client in
// its session: on every instance that held the session (Options.Broker),
// so that an app started again on the instance that took a session over
// knows where the messages it sent stopped. Zero for a plain client.
func (c *Conn) Written() uint64 {
	if c.sess == nil {
		return 0
	}
	c.sess.mu.Lock()
	defer c.sess.mu.Unlock()
	return c.sess.sent
}

// RemoteAddr returns the address of the client's first connection, as the
// HTTP server saw it.
func (c *Conn) RemoteAddr() string { return c.remoteAddr }

// User returns who the client is, as Options.Authenticate said of the
// connection that opened the Conn: it stays the same across a resume
// session's reconnections, which Authenticate checks one by one and which
// go only to this user. Unlike ID, it also survives the loss of a session
// (a server restart), so it is what to map clients to users by: keep the
// Conns of each user, and Write to those of the one to send to.
func (c *Conn) User() string { return c.user }

// Request returns the upgrade request of the connection that opened the
// Conn: its headers, cookies and URL, and the context values the
// application's middleware set. Its body is empty and its context done.
func (c *Conn) Request() *http.Request { return c.req }

// ctx is the app's context: done once the client is gone for good.
func (c *Conn) ctx() context.Context {
	if c.sess != nil {
		return c.sess.ctx
	}
	return c.plain.ctx
}

// Resumable reports whether the client speaks resock.v1, so that this Conn
// survives reconnects.
func (c *Conn) Resumable() bool { return c.sess != nil }

// Read returns the next message from the client. A ctx that ends only ends
// this call. Once the client is gone for good, Read returns the error that
// ended it (CloseStatus gives the close code).
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	m, err := c.ReadMessage(ctx)
	return m.Type, m.Data, err
}

// ReadMessage is Read with the message's id.
func (c *Conn) ReadMessage(ctx context.Context) (Message, error) {
	if c.sess != nil {
		return c.sess.read(ctx)
	}
	typ, data, err := c.plain.Read(ctx)
	return Message{Type: MessageType(typ), Data: data}, err
}

// Write sends one message to the client; safe for concurrent use. In resume
// mode it returns once the message is in the session's buffer and the
// session delivers it, across reconnects; it waits while
// Options.MaxUnackedBytes are unacknowledged, which a client that went away
// without closing keeps for up to Options.SessionRetention. In plain mode
// it writes to the connection, waiting for a client that reads slowly, and
// a ctx that ends during the write closes it. Either way Write waits for
// this client: to send to many, use a Hub, which queues for each and never
// waits for one, or give ctx a deadline.
func (c *Conn) Write(ctx context.Context, typ MessageType, data []byte) error {
	if c.sess != nil {
		return c.sess.write(ctx, websocket.MessageType(typ), data)
	}
	return c.plain.Write(ctx, websocket.MessageType(typ), data)
}

// writeShared is Write for a message whose resock.v1 frame may be built
// already (a room's): a resume session keeps that frame rather than a copy.
func (c *Conn) writeShared(ctx context.Context, m message) error {
	if c.sess != nil {
		return c.sess.writeFrame(ctx, m.typ, m.data, m.frame)
	}
	return c.plain.Write(ctx, m.typ, m.data)
}

// Close ends the client with code and reason (at most 123 bytes): in resume
// mode the session too.
func (c *Conn) Close(code StatusCode, reason string) error {
	if c.sess != nil {
		return c.sess.close(websocket.StatusCode(code), reason)
	}
	return c.plain.Close(websocket.StatusCode(code), reason)
}
