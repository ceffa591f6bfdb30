//go:build !js

package server

import (
	"sync"
	"time"
)

// pingBurst is how many seconds' worth of pings a client may send at once.
const pingBurst = 10

// pingLimiter is a token bucket for one client's pings: WebSocket pings and
// resock.v1 ping frames alike. Each ping makes the server write a pong, so
// without a bound a client could keep the server writing for nothing.
type pingLimiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newPingLimiter(rate float64) *pingLimiter {
	return &pingLimiter{rate: rate, tokens: rate * pingBurst, last: time.Now()}
}

// allow takes a token and reports whether there was one.
func (l *pingLimiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.tokens = min(l.rate*pingBurst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
