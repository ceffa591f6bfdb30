package engine

import (
	"math"
	"time"
)

// Backoff chooses how long to wait before each reconnect attempt.
//
// By default it is exponential with full jitter: attempt n waits a uniformly
// random time in [0, min(Max, Initial·Factor^(n-1))). The randomness is kept
// once the cap is reached, so clients that dropped together (a server deploy)
// do not come back in lockstep. With Delays set, attempt n waits Delays[n-1]
// exactly, and the last entry repeats.
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

// DefaultBackoff is the backoff used when Options.Backoff is zero.
var DefaultBackoff = Backoff{Initial: time.Second, Factor: 2, Max: 30 * time.Second}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Factor < 1 {
		b.Factor = DefaultBackoff.Factor
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	return b
}

// Bound is the largest delay attempt (counted from 1) can get.
func (b Backoff) Bound(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if len(b.Delays) > 0 {
		return b.Delays[min(attempt, len(b.Delays))-1]
	}
	b = b.withDefaults()
	// Multiplying until the cap keeps math.Pow, and the browser build's
	// bytes for it, out; the loop ends within a few dozen steps.
	bound := float64(b.Initial)
	for i := 1; i < attempt && bound < float64(b.Max) && b.Factor > 1; i++ {
		bound *= b.Factor
	}
	if bound > float64(b.Max) || math.IsNaN(bound) {
		return b.Max
	}
	return time.Duration(bound)
}

// Delay is the wait before attempt (counted from 1); r is a uniform random
// number in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	bound := b.Bound(attempt)
	if len(b.Delays) > 0 {
		return bound
	}
	return time.Duration(r * float64(bound))
}
