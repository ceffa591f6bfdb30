package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resock/resock/internal/engine"
)

// fleet is many native resock clients (the engine over coder/websocket)
// connected to one URL, counting how many are connected and when each
// connection opened.
type fleet struct {
	sockets   []*engine.Socket
	connected atomic.Int64
	// failed counts the attempts that ended without opening.
	failed atomic.Int64

	mu    sync.Mutex
	opens []time.Time
}

// member tracks one client; the Socket calls OnEvent one event at a time.
type member struct {
	f    *fleet
	open bool
}

func (m *member) onEvent(e engine.Event) {
	switch e.(type) {
	case engine.OpenEvent:
		m.open = true
		now := time.Now()
		m.f.connected.Add(1)
		m.f.mu.Lock()
		m.f.opens = append(m.f.opens, now)
		m.f.mu.Unlock()
	case engine.CloseEvent:
		if m.open {
			m.open = false
			m.f.connected.Add(-1)
		} else {
			m.f.failed.Add(1)
		}
	}
}

// connect starts n clients, rate per second at most so that the first
// connections are not a storm of their own, and waits until all are
// connected.
func connect(url string, n, rate int, backoff engine.Backoff, timeout time.Duration) (*fleet, error) {
	f := &fleet{}
	tick := time.Second / time.Duration(rate)
	start := time.Now()
	for i := range n {
		if wait := time.Until(start.Add(time.Duration(i) * tick)); wait > 0 {
			time.Sleep(wait)
		}
		m := &member{f: f}
		s, err := engine.New(url, engine.Options{Backoff: backoff, OnEvent: m.onEvent})
		if err != nil {
			f.close()
			return nil, fmt.Errorf("failed to start client %d: %w", i, err)
		}
		f.sockets = append(f.sockets, s)
	}
	if err := f.waitConnected(n, timeout); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// waitConnected polls until n clients are connected.
func (f *fleet) waitConnected(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for f.connected.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d clients connected after %v", f.connected.Load(), n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// opensSince returns the times of the connections opened after t, in order.
func (f *fleet) opensSince(t time.Time) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Time
	for _, o := range f.opens {
		if o.After(t) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// close closes every client and waits, boundedly, for their connections to
// end.
func (f *fleet) close() {
	for _, s := range f.sockets {
		_ = s.Close(1000, "")
	}
	deadline := time.Now().Add(15 * time.Second)
	for f.connected.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// sample is the number of connected clients at a moment.
type sample struct {
	// MS is the time since the server was killed (or sent SIGTERM).
	MS        float64 `json:"ms"`
	Connected int     `json:"connected"`
}

// recorder samples the fleet's connected count every interval until stopped.
type recorder struct {
	stop chan struct{}
	done chan []sample
}

func record(f *fleet, origin time.Time, interval time.Duration) *recorder {
	r := &recorder{stop: make(chan struct{}), done: make(chan []sample, 1)}
	go func() {
		var out []sample
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			out = append(out, sample{MS: ms(time.Since(origin)), Connected: int(f.connected.Load())})
			select {
			case <-t.C:
			case <-r.stop:
				r.done <- out
				return
			}
		}
	}()
	return r
}

func (r *recorder) finish() []sample {
	close(r.stop)
	return <-r.done
}
