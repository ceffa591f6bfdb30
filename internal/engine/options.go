package engine

import (
	"errors"
	"time"
)

// Options configures a Socket. The zero value of each field means its default.
type Options struct {
	// Protocols are the WebSocket subprotocols offered on every attempt:
	// distinct HTTP tokens, as WebSocket requires (see ValidateProtocols).
	Protocols []string
	// Restore, in resume mode, goes on with a session another Socket had
	// (its SessionState, kept across a restart of the process or a reload
	// of the page): the first hello resumes it, and its queue is sent
	// first. nil starts a new session.
	Restore *SessionState

	// Transport opens connections. Natively the default is a
	// WebSocketTransport, over github.com/coder/websocket; in the browser
	// the caller must set it.
	Transport Transport
	// Backoff chooses the wait before each attempt. Default DefaultBackoff.
	Backoff Backoff
	// MinUptime is how long a connection must stay open before the attempt
	// counter resets. Default 5 s.
	MinUptime time.Duration
	// ConnectTimeout abandons an attempt that has not opened in time.
	// Default 5 s.
	ConnectTimeout time.Duration
	// MaxRetries is how many reconnect attempts follow a drop before the
	// Socket gives up and closes, as maxRetries in JavaScript: nil, the
	// default, never gives up (Infinity); new(0) never reconnects, so the
	// first drop is final, and so is a failed first attempt, as with a
	// WebSocket; new(3) allows three. A negative count counts as 0. New
	// reads the count once. It is a pointer so that the zero Options keep
	// reconnecting while 0 means what it means in JavaScript.
	MaxRetries *int
	// MaxQueuedMessages bounds the outbox by count. Default 10 000.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds the outbox by size. Default 8 MiB.
	MaxQueuedBytes int
	// Resume switches on resock.v1, the resume protocol (docs/PROTOCOL.md):
	// every message is delivered exactly once and in order across
	// reconnects, in both directions, while the server keeps the session.
	// The server must speak it; one that does not is reported and the Socket
	// closes. Default false: a plain WebSocket that any server accepts.
	Resume bool
	// MaxUnackedBytes bounds, in resume mode, the bytes sent but not yet
	// acknowledged; past it messages wait in the outbox. Default 1 MiB.
	MaxUnackedBytes int
	// HeartbeatInterval is how long the Socket waits without hearing from
	// the server before it probes the connection. Default 10 s. Resume mode
	// always probes; plain mode only with HeartbeatMessage set.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long after a probe the Socket waits for any
	// data before it declares the connection dead and replaces it.
	// Default 5 s.
	HeartbeatTimeout time.Duration
	// HeartbeatMessage is, in plain mode, the text message sent as a probe.
	HeartbeatMessage string
	// HeartbeatExpect is, in plain mode, the text message that answers a
	// probe; it is measured for the round-trip time and not delivered.
	HeartbeatExpect string
	// MaxMessageSize is the largest message accepted from the server; a
	// larger one closes the connection with 1009. Default 16 MiB.
	MaxMessageSize int
	// ShouldReconnect decides, for every close the Socket did not ask for,
	// whether to reconnect. Default DefaultShouldReconnect.
	ShouldReconnect func(CloseEvent) bool
	// DropOldest makes a full outbox drop its oldest messages to make room,
	// reporting them in a DroppedEvent, instead of refusing the new one.
	DropOldest bool
	// Resolve, when set, is called before every attempt to choose the URL
	// and subprotocols (fresh credentials, say). It must call done exactly
	// once, from any goroutine; an error is reported and retried like a
	// failed attempt. It is called without the Socket's lock held.
	Resolve func(done func(url string, protocols []string, err error))
	// HiddenHeartbeatInterval replaces HeartbeatInterval while the page is
	// hidden (SetHidden). Default 3 × HeartbeatInterval.
	HiddenHeartbeatInterval time.Duration
	// Offline starts the Socket as SetOnline(false) leaves it, for a page
	// without a network: no attempt is made, and none counted, until
	// SetOnline(true).
	Offline bool
	// Hold makes New return a Socket that makes no attempt until Release:
	// time to read a stored SessionState, which Release restores. Sends
	// meanwhile are queued behind what it restores.
	Hold bool
	// NetworkChange is what an open connection gets when the network path
	// may have changed (PathChanged, SetOnline(true)). Default
	// NetworkCheck.
	NetworkChange NetworkPolicy
	// OnEvent receives every event, in order, never concurrently, and never
	// while the Socket holds its lock, so it may call back into the Socket.
	OnEvent func(Event)
	// OnDirect is told, with the Socket's lock held, whenever it changes
	// whether a message may bypass the engine and go straight to the
	// connection: true while the Socket is open, the connection usable, the
	// outbox empty and, in resume mode, the connection carrying the session
	// (Carrier). A transport that moves messages itself, as the browser's
	// does, sends directly only while it last heard true; everything else
	// goes through Send, so nothing overtakes what is queued. It must not
	// call back into the Socket.
	OnDirect func(direct bool)
	// Defer runs f after the call that asked for it has returned to its
	// caller, as WebSocket queues a task for the events of a connection
	// failed by close(): for a page, a task of its event loop (a goroutine
	// started in a function JavaScript called runs before that function
	// returns to JavaScript). Default: a new goroutine.
	Defer func(f func())
	// Clock is the source of time. Default SystemClock.
	Clock Clock
	// Rand returns uniform random numbers in [0, 1) for jitter.
	// Default DefaultRand.
	Rand func() float64
}

// Defaults of Options.
const (
	DefaultMinUptime         = 5 * time.Second
	DefaultConnectTimeout    = 5 * time.Second
	DefaultMaxQueuedMessages = 10000
	DefaultMaxQueuedBytes    = 8 << 20
	DefaultMaxUnackedBytes   = 1 << 20
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultHeartbeatTimeout  = 5 * time.Second
	DefaultMaxMessageSize    = 16 << 20
)

var errNoTransport = errors.New("no transport: set Options.Transport")

// heartbeats tells whether the Socket probes its connections.
func (o Options) heartbeats() bool { return o.Resume || o.HeartbeatMessage != "" }

func (o Options) withDefaults() Options {
	if o.MinUptime <= 0 {
		o.MinUptime = DefaultMinUptime
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.MaxQueuedMessages <= 0 {
		o.MaxQueuedMessages = DefaultMaxQueuedMessages
	}
	if o.MaxQueuedBytes <= 0 {
		o.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if o.MaxUnackedBytes <= 0 {
		o.MaxUnackedBytes = DefaultMaxUnackedBytes
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.MaxRetries != nil {
		// The Socket's own copy: the caller may reuse its variable.
		o.MaxRetries = new(*o.MaxRetries)
	}
	if o.HiddenHeartbeatInterval <= 0 {
		o.HiddenHeartbeatInterval = 3 * o.HeartbeatInterval
	}
	if o.Defer == nil {
		o.Defer = func(f func()) { go f() }
	}
	if o.Clock == nil {
		o.Clock = SystemClock
	}
	if o.Rand == nil {
		o.Rand = DefaultRand
	}
	if o.Transport == nil {
		o.Transport = defaultTransport(o)
	}
	return o
}
