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

// Each host runs one handshake at a time: the next one starts when the one
// before it leaves, whichever way it leaves.
func TestHandshakeQueueStartsOneHandshakePerHost(t *testing.T) {
	q := handshakeQueue{hosts: map[string][]*browserConn{}}
	a := &browserConn{url: "ws://a.test/1"}
	b := &browserConn{url: "ws://a.test/2"}
	c := &browserConn{url: "ws://a.test/3"}
	other := &browserConn{url: "ws://b.test/"}
	for _, conn := range []*browserConn{a, b, c, other} {
		q.join(conn)
	}
	started := func(conn *browserConn) bool { _, ok := q.since(conn); return ok }
	if !started(a) || started(b) || started(c) || !started(other) {
		t.Fatalf("started a=%v b=%v c=%v other=%v; want the first of each host", started(a), started(b), started(c), started(other))
	}
	q.leave(b) // abandoned while waiting: a still runs
	if started(c) {
		t.Fatal("c started while a still runs")
	}
	before := time.Now()
	q.leave(a)
	if since, ok := q.since(c); !ok || since > time.Since(before) {
		t.Fatalf("c: started %v %v ago; want it started when a left", ok, since)
	}
	q.leave(c)
	q.leave(other)
	if len(q.hosts) != 0 {
		t.Fatalf("hosts %v left behind", q.hosts)
	}
}
