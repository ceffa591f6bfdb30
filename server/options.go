//go:build !js

package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Options configures a Server; zero values mean the defaults written in each
// field's comment.
type Options struct {
	// ReadLimit is the largest message a client may send, in bytes; default
	// 1 MiB. A larger message closes that client with 1009
	// (StatusMessageTooBig) and is logged.
	ReadLimit int64

	// PingInterval is how often the server pings every client with
	// coder/websocket's Conn.Ping; default 15s.
	PingInterval time.Duration

	// PingTimeout is how long a client has to answer a ping before it is
	// dropped (and logged); default 10s.
	PingTimeout time.Duration

	// OriginPatterns lists extra allowed origins, matched as
	// websocket.AcceptOptions.OriginPatterns. The same origin is always
	// allowed; any other origin is refused with 403 and logged.
	OriginPatterns []string

	// AllowedHosts names the hosts, besides the default ones, that clients
	// may reach the server by. A WebSocket handshake or StatsHandler request
	// whose Host header names none of them is refused with 403 and logged,
	// before the origin check, so that the same-origin check compares the
	// Origin with a Host known to be the server's. Without it, a page whose
	// name its owner points at the server's address (DNS rebinding) is
	// same-origin with itself and reaches a server on localhost or on a
	// private network.
	//
	// Always allowed: localhost and the names below it, loopback addresses,
	// and the address the request arrived on (a server listening on every
	// interface answers to each of its addresses), each with any port. An
	// entry is a host name or IP address, with any port ("example.com",
	// "[2001:db8::1]"), or with one port ("example.com:8443"); a Host
	// without a port, as browsers send it for ports 80 and 443, matches an
	// entry with either. "*.example.com" matches every name below
	// example.com. "*" allows every host and turns the check off: use it
	// only when something in front of the server checks the Host. An entry
	// that is none of these is logged and ignored. A request with an empty
	// Host is refused.
	//
	// Behind a reverse proxy, list the public names clients use, and have
	// the proxy pass the client's Host on (nginx: proxy_set_header Host
	// $host); a proxy that sends its own upstream address instead passes
	// this check when that address is loopback, but then the origin check
	// needs OriginPatterns.
	AllowedHosts []string

	// StatsShowAddrs lets StatsHandler list every client's remote address
	// to any peer. By default only a peer on a loopback address that did
	// not come through a proxy (no Forwarded, X-Forwarded-For or
	// X-Real-IP header) sees them; others get the list without addresses.
	StatsShowAddrs bool

	// Logger receives the server's logs; default slog.Default().
	Logger *slog.Logger

	// Authenticate, when set, is called with the upgrade request of every
	// connection before the upgrade: a plain client's, a resume session's
	// first, and each of its reconnections. It returns who the request is
	// for ("" for nobody in particular), which the app reads as Conn.User,
	// or an error, which refuses the connection with the status of an
	// *HTTPError, or 403 (Forbidden). A resumed session goes only to the
	// user who opened it: a reconnection for another user is closed with
	// CloseWrongUser, which resock clients take as final. The request's
	// context values (set by the application's middleware) are in the
	// app's context too.
	Authenticate func(r *http.Request) (user string, err error)

	// ClientKey signs the client ids the server issues to resume clients
	// (MessageID.Client), at least 16 random bytes. An id is kept for as
	// long as its client object lives, across its sessions and this
	// server's restarts, only while the key stays the same: give every
	// instance and every restart the same key (from a secret store), or
	// messages a client sends again after a restart come under a new id,
	// which no record of applied messages knows. Default: a random key
	// per Server, which keeps ids only while the process lives.
	ClientKey []byte

	// Applied, when set, tells the server how far the app got with a
	// client's messages: the N of the last message of client the app
	// applied, durably, or 0. The server asks it when a client whose id it
	// issued (under ClientKey) starts a new session — after a restart, a
	// crash, or a session that expired — and drops the messages the client sends again
	// that the app has already applied (acknowledging them to the client),
	// so ReadMessage never returns a message twice, provided the app stores
	// MessageID.N with the message's effect, in one transaction. An error
	// refuses the session for now (1013 after a retry-after frame); the
	// client tries again. It is called with the request's context values,
	// and the connection's goroutine waits for it. See
	// ExampleConn_ReadMessage.
	Applied func(ctx context.Context, client ClientID) (n uint64, err error)

	// Broker, when set, keeps resume sessions where every instance of the
	// service reaches them (see Broker), so that a client resumes its
	// session on whichever instance it reconnects to, and on another one
	// after its instance died. Default nil: sessions live in this
	// instance's memory.
	Broker Broker

	// Subprotocols are the application's subprotocols, selected for plain
	// clients that offer them. resock.v1 is always selected when offered.
	Subprotocols []string

	// SessionRetention is how long a resock.v1 session waits for its client
	// to come back after a drop; default 2 min.
	SessionRetention time.Duration

	// MaxSessions bounds the live resock.v1 sessions; default 10 000. When
	// the table is full a new session takes the place of the session that
	// has been without a connection longest (ErrSessionEvicted); only when
	// every session has a connection is it refused, with 1013 after a
	// retry-after frame.
	MaxSessions int

	// MaxSessionsPerAddress bounds the sessions of one client address (an
	// IPv4 address, or an IPv6 /64); default 1000. Past it, a new session
	// takes the place of that address's session that has been without a
	// connection longest, or is refused with 1013. The address is the
	// request's RemoteAddr: behind a reverse proxy, set it from the proxy's
	// header in a middleware, or every client shares the proxy's quota.
	MaxSessionsPerAddress int

	// MaxDetachedBytes bounds the memory held by sessions without a
	// connection, counted in bytes of the frames they keep for their client
	// and of the messages their app has not read; default 64 MiB. Past it,
	// the sessions that have been without a connection longest end
	// (ErrSessionEvicted) until the rest fit. A session that sent frames and
	// had none acknowledged waits UnackedSessionRetention at most.
	MaxDetachedBytes int

	// UnackedSessionRetention replaces SessionRetention for a session whose
	// client never acknowledged a frame it was sent: one that may never
	// come back keeps its frames for a short while only. A client that
	// stays connected acknowledges within a second of its first frame, so
	// this bites only one that lost its connection at once. Default 30 s.
	UnackedSessionRetention time.Duration

	// UnknownHelloRate bounds, per client address, the resock.v1 hellos
	// per second for sessions the server does not know (expired, forged, or
	// after a restart), with bursts of 10 seconds' worth; past it the
	// handshake is refused with 1013 after a retry-after frame. Default 10.
	UnknownHelloRate float64

	// MaxUnackedBytes bounds, per session, the bytes written by the app but
	// not yet acknowledged by the client; Write waits past it. Default 1 MiB.
	MaxUnackedBytes int

	// HeartbeatInterval and HeartbeatTimeout: a session probes a client
	// silent for HeartbeatInterval (default 10s) and drops the connection
	// when nothing arrives within HeartbeatTimeout (default 5s) after.
	HeartbeatInterval, HeartbeatTimeout time.Duration

	// RetryAfter is the wait a refused client is told to observe before it
	// comes back; default 5s.
	RetryAfter time.Duration

	// ShutdownRetryAfter is the least wait Shutdown tells each client to
	// observe before it comes back: each is told a wait drawn at random
	// between it and twice it, so that the restarted server is not met by
	// every client at once. A resume client gets a retry-after frame before
	// the close; a plain one the close reason "retry-after=SECONDS", in
	// whole seconds rounded up. Default none: clients come back on their
	// own backoff, which suits a server behind a load balancer whose other
	// instances take them at once; set it when clients must wait for this
	// very server to return.
	ShutdownRetryAfter time.Duration

	// WriteTimeout bounds each write to a client: one that does not take a
	// message within it is dropped (close code 1006) and logged, so a client
	// that stops reading cannot hold the server's writers. In resume mode its
	// session waits for it to come back. Default 10s.
	WriteTimeout time.Duration

	// PingRate bounds the pings a client may send, WebSocket pings and
	// resock.v1 ping frames together: this many per second on average, in
	// bursts of up to ten seconds' worth. Every ping costs the server a pong;
	// a client that sends more is closed with 1008 (policy violation) and
	// logged. Default 5.
	PingRate float64

	// HelloTimeout is how long a client that selected resock.v1 has to send
	// its hello; default 10s. One that does not is closed with 1002 and
	// logged, so a handshake cannot hold a connection open.
	HelloTimeout time.Duration
}

// DefaultReadLimit is the default Options.ReadLimit.
const DefaultReadLimit = 1 << 20

const (
	defaultPingInterval = 15 * time.Second
	defaultPingTimeout  = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.PingInterval <= 0 {
		o.PingInterval = defaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = defaultPingTimeout
	}
	if o.SessionRetention <= 0 {
		o.SessionRetention = 2 * time.Minute
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10000
	}
	if o.MaxSessionsPerAddress <= 0 {
		o.MaxSessionsPerAddress = 1000
	}
	if o.MaxDetachedBytes <= 0 {
		o.MaxDetachedBytes = 64 << 20
	}
	if o.UnackedSessionRetention <= 0 {
		o.UnackedSessionRetention = 30 * time.Second
	}
	if o.UnknownHelloRate <= 0 {
		o.UnknownHelloRate = 10
	}
	if o.MaxUnackedBytes <= 0 {
		o.MaxUnackedBytes = 1 << 20
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 10 * time.Second
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = 5 * time.Second
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PingRate <= 0 {
		o.PingRate = 5
	}
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.OriginPatterns = append([]string(nil), o.OriginPatterns...)
	return o
}
