package client

import (
	"net/http"
	"time"

	"github.com/resock/resock/internal/engine"
)

// Defaults of Options.
const (
	DefaultMinUptime         = engine.DefaultMinUptime
	DefaultConnectTimeout    = engine.DefaultConnectTimeout
	DefaultMaxQueuedMessages = engine.DefaultMaxQueuedMessages
	DefaultMaxQueuedBytes    = engine.DefaultMaxQueuedBytes
	DefaultMaxUnackedBytes   = engine.DefaultMaxUnackedBytes
	DefaultHeartbeatInterval = engine.DefaultHeartbeatInterval
	DefaultHeartbeatTimeout  = engine.DefaultHeartbeatTimeout
	DefaultMaxMessageSize    = engine.DefaultMaxMessageSize
)

// Backoff chooses how long to wait before each reconnect attempt.
//
// By default it is exponential with full jitter: attempt n waits a uniformly
// random time in [0, min(Max, Initial·Factor^(n-1))). The randomness is kept
// once the cap is reached, so clients that dropped together (a server
// deploy) do not come back in lockstep. With Delays set, attempt n waits
// Delays[n-1] exactly, and the last entry repeats.
type Backoff struct {
	// Initial is the upper bound of the first delay. Default 1 s.
	Initial time.Duration
	// Factor multiplies the bound after each failed attempt. Default 2.
	Factor float64
	// Max caps the bound. Default 30 s.
	Max time.Duration
	// Delays, when not empty, is a fixed schedule that replaces the above.
	Delays []time.Duration
}

// NetworkPolicy says what an open connection gets when the network may have
// changed under it (Socket.NetworkChanged). A connection that stayed open
// through a change of network, or through a sleep, may be dead without
// either end knowing: the old path is gone, and no FIN or RST ever arrives.
type NetworkPolicy int

const (
	// NetworkCheck probes the connection when the Socket can (in resume
	// mode, or with HeartbeatMessage set) and replaces it if nothing comes
	// back within HeartbeatTimeout; a Socket that cannot probe replaces the
	// connection at once.
	NetworkCheck = NetworkPolicy(engine.NetworkCheck)
	// NetworkReplace always replaces the connection at once.
	NetworkReplace = NetworkPolicy(engine.NetworkReplace)
	// NetworkIgnore keeps the connection; only heartbeats judge it.
	NetworkIgnore = NetworkPolicy(engine.NetworkIgnore)
)

// Options configures a Socket. The zero value of each field means its
// default.
type Options struct {
	// Protocols are the WebSocket subprotocols offered on every attempt:
	// distinct HTTP tokens, as WebSocket requires.
	Protocols []string
	// HTTPHeader is sent with every opening handshake (cookies,
	// Authorization); HTTPClient, if set, makes the handshake's request.
	HTTPHeader http.Header
	HTTPClient *http.Client
	// Backoff chooses the wait before each attempt.
	Backoff Backoff
	// MinUptime is how long a connection must stay open before the attempt
	// counter resets. Default 5 s.
	MinUptime time.Duration
	// ConnectTimeout abandons an attempt that has not opened in time.
	// Default 5 s.
	ConnectTimeout time.Duration
	// MaxRetries is how many reconnect attempts follow a drop before the
	// Socket gives up and closes, as maxRetries in JavaScript: nil, the
	// default, never gives up; new(0) never reconnects, so the first drop is
	// final, and so is a failed first attempt, as with a WebSocket; new(3)
	// allows three. It is a pointer so that the zero Options keep
	// reconnecting while 0 means what it means in JavaScript.
	MaxRetries *int
	// MaxQueuedMessages and MaxQueuedBytes bound the outbox, where messages
	// wait while there is no connection. Defaults 10 000 and 8 MiB.
	MaxQueuedMessages, MaxQueuedBytes int
	// DropOldest makes a full outbox drop its oldest messages to make room,
	// reporting them in a DroppedEvent, instead of refusing the new one
	// with ErrOutboxFull.
	DropOldest bool
	// Resume switches on the resume protocol (resock.v1): every message is
	// delivered exactly once and in order across reconnects, in both
	// directions, while the server keeps the session. The server must be a
	// resock server; one that is not is reported (ErrNoResume) and the
	// Socket closes. Default false: a plain WebSocket that any server
	// accepts.
	Resume bool
	// MaxUnackedBytes bounds, in resume mode, the bytes sent but not yet
	// acknowledged; past it messages wait in the outbox. Default 1 MiB.
	MaxUnackedBytes int
	// HeartbeatInterval is how long the Socket waits without hearing from
	// the server before it probes the connection. Default 10 s. Resume mode
	// always probes; plain mode only with HeartbeatMessage set.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long after a probe the Socket waits for any
	// data before it declares the connection dead and replaces it
	// (StatusHeartbeatTimeout). Default 5 s.
	HeartbeatTimeout time.Duration
	// HeartbeatMessage is, in plain mode, the text message sent as a probe;
	// HeartbeatExpect is the text message that answers it, which is
	// measured for the round-trip time and not delivered.
	HeartbeatMessage, HeartbeatExpect string
	// MaxMessageSize is the largest message accepted from the server; a
	// larger one closes the connection with 1009. Default 16 MiB.
	MaxMessageSize int
	// NetworkChange is what an open connection gets from NetworkChanged.
	// Default NetworkCheck.
	NetworkChange NetworkPolicy
	// ShouldReconnect decides, for every close the Socket did not ask for,
	// whether to reconnect. Default DefaultShouldReconnect.
	ShouldReconnect func(CloseEvent) bool
	// Resolve, when set, is called before every attempt, on a goroutine of
	// its own, to choose the URL and subprotocols (fresh credentials, say).
	// An error is reported and retried like a failed attempt.
	Resolve func() (url string, protocols []string, err error)
	// OnEvent receives every event, in order, never concurrently, and never
	// while the Socket holds its lock, so it may call back into the Socket.
	OnEvent func(Event)
}

func (o Options) engine() engine.Options {
	limit := o.MaxMessageSize
	if limit <= 0 {
		limit = DefaultMaxMessageSize
	}
	e := engine.Options{
		Protocols: o.Protocols,
		// A resume frame carries one byte beyond the message; the engine
		// itself refuses messages over MaxMessageSize.
		Transport: engine.WebSocketTransport{
			HTTPClient: o.HTTPClient, HTTPHeader: o.HTTPHeader,
			ReadLimit: int64(limit) + 1,
		},
		Backoff:           engine.Backoff(o.Backoff),
		MinUptime:         o.MinUptime,
		ConnectTimeout:    o.ConnectTimeout,
		MaxRetries:        o.MaxRetries,
		MaxQueuedMessages: o.MaxQueuedMessages,
		MaxQueuedBytes:    o.MaxQueuedBytes,
		DropOldest:        o.DropOldest,
		Resume:            o.Resume,
		MaxUnackedBytes:   o.MaxUnackedBytes,
		HeartbeatInterval: o.HeartbeatInterval,
		HeartbeatTimeout:  o.HeartbeatTimeout,
		HeartbeatMessage:  o.HeartbeatMessage,
		HeartbeatExpect:   o.HeartbeatExpect,
		MaxMessageSize:    o.MaxMessageSize,
		NetworkChange:     engine.NetworkPolicy(o.NetworkChange),
	}
	if f := o.ShouldReconnect; f != nil {
		e.ShouldReconnect = func(ce engine.CloseEvent) bool { return f(closeEvent(ce)) }
	}
	if f := o.Resolve; f != nil {
		e.Resolve = func(done func(string, []string, error)) { done(f()) }
	}
	if f := o.OnEvent; f != nil {
		e.OnEvent = func(ev engine.Event) {
			if ce := fromEngineEvent(ev); ce != nil {
				f(ce)
			}
		}
	}
	return e
}
