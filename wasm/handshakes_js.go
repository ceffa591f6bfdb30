//go:build js && wasm

package main

import (
	"strings"
	"sync"
	"time"
)

// handshakes follows the browser's handshakes to each host, for every
// socket of the program, so that the connect timeout does not count the
// time a socket waits for its turn. A browser runs one handshake at a time
// to a host (the WebSocket standard asks for it: a new WebSocket waits while
// another to the same host is still connecting), and Chromium also delays
// each new socket by a random time that grows with the sockets pending in
// the page, so with slow handshakes the last of many sockets opened at once
// may wait seconds before its own starts, and not in the order they were
// made. Which one runs cannot be seen from the page; that the queue moves
// can: while handshakes to a host keep finishing, none of its pending
// sockets has waited for nothing. So a pending socket's time counts from
// when it was made or from when the last handshake to its host finished,
// whichever is later, and a socket is abandoned only after connectTimeout
// without any progress towards its host.
//
// Only resock's own sockets are seen: a page's other WebSockets to the same
// host wait in the same browser queue unknown to it.
var handshakes = handshakeQueue{hosts: map[string]*hostQueue{}}

type handshakeQueue struct {
	mu    sync.Mutex
	hosts map[string]*hostQueue
}

// hostQueue is one host's connections that have not opened or closed yet.
type hostQueue struct {
	pending int
	// progress is when the last handshake to the host finished, or when
	// the first of the pending connections was made.
	progress time.Time
}

// join counts c as pending for its host from now on.
func (q *handshakeQueue) join(c *browserConn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	c.host, c.joined, c.queued = hostOf(c.url), now, true
	h := q.hosts[c.host]
	if h == nil {
		h = &hostQueue{progress: now}
		q.hosts[c.host] = h
	}
	h.pending++
}

// leave takes c out once it opened or closed, or was abandoned; finished
// says that its handshake ran to an end the browser reported, which moves
// the queue of its host on.
func (q *handshakeQueue) leave(c *browserConn, finished bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !c.queued {
		return
	}
	c.queued = false
	h := q.hosts[c.host]
	if h == nil {
		return
	}
	if h.pending--; h.pending == 0 {
		delete(q.hosts, c.host)
	} else if finished {
		h.progress = time.Now()
	}
}

// since is how long c has waited for its handshake without its host's queue
// moving.
func (q *handshakeQueue) since(c *browserConn) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	from := c.joined
	if h := q.hosts[c.host]; h != nil && c.queued && h.progress.After(from) {
		from = h.progress
	}
	return time.Since(from)
}

// hostOf is the host and port of a ws: or wss: URL, which the browser has
// already parsed and serialised: the port is explicit unless it is the
// scheme's default.
func hostOf(url string) string {
	scheme, rest, _ := strings.Cut(url, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	if end := strings.LastIndexByte(rest, ']'); strings.LastIndexByte(rest, ':') > end {
		return rest
	}
	if scheme == "wss" {
		return rest + ":443"
	}
	return rest + ":80"
}
