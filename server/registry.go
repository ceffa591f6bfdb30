//go:build !js

package server

import (
	"slices"
	"sync"
)

// registry is the one owner of the set of connected clients.
type registry struct {
	mu       sync.Mutex
	clients  map[*wsConn]struct{}
	accepted uint64
	closing  bool
	// drained is closed once closing is set and the last client is removed.
	drained chan struct{}
}

func newRegistry() *registry {
	return &registry{
		clients: make(map[*wsConn]struct{}),
		drained: make(chan struct{}),
	}
}

// add registers c, unless the server is shutting down.
func (r *registry) add(c *wsConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.clients[c] = struct{}{}
	r.accepted++
	return true
}

func (r *registry) remove(c *wsConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, c)
	r.signalDrainedLocked()
}

// shutdown refuses further clients and returns the current ones, and a
// channel closed once they are all removed.
func (r *registry) shutdown() ([]*wsConn, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closing = true
	r.signalDrainedLocked()
	return r.listLocked(), r.drained
}

func (r *registry) signalDrainedLocked() {
	if !r.closing || len(r.clients) > 0 {
		return
	}
	select {
	case <-r.drained:
	default:
		close(r.drained)
	}
}

func (r *registry) list() []*wsConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.listLocked()
}

// listLocked returns the clients, longest connected first.
func (r *registry) listLocked() []*wsConn {
	conns := make([]*wsConn, 0, len(r.clients))
	for c := range r.clients {
		conns = append(conns, c)
	}
	slices.SortFunc(conns, func(a, b *wsConn) int {
		return a.connectedAt.Compare(b.connectedAt)
	})
	return conns
}

func (r *registry) counts() (clients []*wsConn, accepted uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.listLocked(), r.accepted
}
