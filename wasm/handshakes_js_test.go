//go:build js && wasm

package main

import (
	"testing"
	"time"
)

func TestHostOfKeysAQueueByHostAndPort(t *testing.T) {
	for url, want := range map[string]string{
		"ws://example.com/chat":          "example.com:80",
		"wss://example.com/chat?x=1":     "example.com:443",
		"ws://example.com:8080":          "example.com:8080",
		"wss://user:pw@example.com:9/":   "example.com:9",
		"ws://[::1]/":                    "[::1]:80",
		"ws://[::1]:8080/x#frag":         "[::1]:8080",
		"wss://127.0.0.1:8443/echo?a=:b": "127.0.0.1:8443",
	} {
		if got := hostOf(url); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", url, got, want)
		}
	}
}

// A pending connection's wait counts from the last handshake its host
// finished; one abandoned, or to another host, does not count.
func TestHandshakeQueueCountsFromTheLastProgressOfTheHost(t *testing.T) {
	q := handshakeQueue{hosts: map[string]*hostQueue{}}
	a := &browserConn{url: "ws://a.test/1"}
	b := &browserConn{url: "ws://a.test/2"}
	c := &browserConn{url: "ws://a.test/3"}
	other := &browserConn{url: "ws://b.test/"}
	for _, conn := range []*browserConn{a, b, c, other} {
		q.join(conn)
	}
	// Waits are measured against the real clock: move every connection's
	// start an hour back, and see which progress brings it forward.
	hour := time.Hour
	for _, conn := range []*browserConn{a, b, c, other} {
		conn.joined = conn.joined.Add(-hour)
	}
	q.hosts["a.test:80"].progress = q.hosts["a.test:80"].progress.Add(-hour)
	q.hosts["b.test:80"].progress = q.hosts["b.test:80"].progress.Add(-hour)

	q.leave(b, false) // abandoned: the queue did not move
	if d := q.since(c); d < hour {
		t.Fatalf("c waited %v after an abandoned handshake, want over an hour", d)
	}
	q.leave(a, true) // a's handshake finished
	if d := q.since(c); d > time.Minute {
		t.Fatalf("c waited %v after a's handshake finished, want it counted from then", d)
	}
	if d := q.since(other); d < hour {
		t.Fatalf("a host's progress counted for another: %v", d)
	}
	q.leave(c, true)
	q.leave(other, true)
	q.leave(other, true) // leaving twice is harmless
	if len(q.hosts) != 0 {
		t.Fatalf("hosts %v left behind", q.hosts)
	}
}
