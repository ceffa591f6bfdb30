//go:build js && wasm

package main

import (
	"strings"
	"sync"
	"time"
)

// handshakes follows the browser's queue of WebSocket handshakes, for every
// socket of the program. A browser starts one handshake at a time to a host
// (the WebSocket standard asks for it: a new WebSocket waits while another to
// the same host is still connecting), so with slow handshakes the last of
// many sockets opened at once may wait seconds before its own starts. The
// connect timeout counts from the start of a connection's handshake, not
// from its place in the queue; otherwise sockets would be abandoned that
// the browser was about to open, and their retries would join the back of
// the queue again.
//
// Only resock's own sockets are seen: a page's other WebSockets to the same
// host wait in the same browser queue unknown to it.
var handshakes = handshakeQueue{hosts: map[string][]*browserConn{}}

type handshakeQueue struct {
	mu sync.Mutex
	// hosts holds, for each host, its connections that have not opened
	// or closed yet, in the order they were made: the first one's handshake
	// is the one the browser runs.
	hosts map[string][]*browserConn
}

// join puts c at the back of its host's queue.
func (q *handshakeQueue) join(c *browserConn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c.host = hostOf(c.url)
	waiting := q.hosts[c.host]
	if len(waiting) == 0 {
		c.started = time.Now()
	}
	q.hosts[c.host] = append(waiting, c)
}

// leave takes c out of its queue once it opened, closed or was abandoned;
// the handshake of the one behind it starts.
func (q *handshakeQueue) leave(c *browserConn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := q.hosts[c.host]
	for i, w := range waiting {
		if w != c {
			continue
		}
		waiting = append(waiting[:i:i], waiting[i+1:]...)
		if len(waiting) == 0 {
			delete(q.hosts, c.host)
		} else {
			q.hosts[c.host] = waiting
			if i == 0 {
				waiting[0].started = time.Now()
			}
		}
		return
	}
}

// since is how long ago c's handshake started; false while it waits.
func (q *handshakeQueue) since(c *browserConn) (time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if c.started.IsZero() {
		return 0, false
	}
	return time.Since(c.started), true
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
