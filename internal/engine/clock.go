package engine

import (
	"math/rand/v2"
	"time"
)

// Clock is the engine's source of time. Tests pass a fake one.
//
// Now is monotonic time since an arbitrary origin, not a time.Time: a
// time.Time anywhere in the Socket's reach keeps time's formatting code in
// the browser build (about 25 KB of gzipped wasm), for nothing.
type Clock interface {
	Now() time.Duration
	// AfterFunc calls f in its own goroutine once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not started; it reports whether it did.
	Stop() bool
}

type systemClock struct{}

// origin is the zero of SystemClock.
var origin = time.Now()

func (systemClock) Now() time.Duration { return time.Since(origin) }

// AfterFunc hides the *time.Timer behind a func for the same reason Now
// returns no time.Time: the timer's channel of time.Time would do the same.
func (systemClock) AfterFunc(d time.Duration, f func()) Timer {
	return stopFunc(time.AfterFunc(d, f).Stop)
}

type stopFunc func() bool

func (f stopFunc) Stop() bool { return f() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// DefaultRand returns a uniformly distributed float64 in [0, 1).
func DefaultRand() float64 { return rand.Float64() }
