package reconnect

import (
	"errors"
	"time"
)

// NoRetries is the value of Options.MaxRetries that never reconnects.
const NoRetries = -1

// Options configures a Socket. The zero value of each field means its default.
type Options struct {
	// Protocols are the WebSocket subprotocols offered on every attempt.
	Protocols []string
	// Transport opens connections. Natively the default is DialWebSocket's
	// transport over github.com/coder/websocket; in the browser the caller
	// must set it.
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
	// Socket gives up and closes. 0, the default, means unlimited; NoRetries
	// means the first drop is final.
	MaxRetries int
	// MaxQueuedMessages bounds the outbox by count. Default 10 000.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds the outbox by size. Default 8 MiB.
	MaxQueuedBytes int
	// OnEvent receives every event, in order, never concurrently, and never
	// while the Socket holds its lock, so it may call back into the Socket.
	OnEvent func(Event)
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
)

var errNoTransport = errors.New("no transport: set Options.Transport")

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
	if o.Clock == nil {
		o.Clock = SystemClock
	}
	if o.Rand == nil {
		o.Rand = DefaultRand
	}
	if o.Transport == nil {
		o.Transport = defaultTransport()
	}
	return o
}
