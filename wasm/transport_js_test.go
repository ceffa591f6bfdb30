//go:build js && wasm

package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/resock/resock/internal/engine"
)

func TestSendableCloseCodeKeepsWhatTheBrowserSends(t *testing.T) {
	for _, tc := range []struct {
		code   int
		resume bool
		want   int
	}{
		{1000, false, 1000},
		{1000, true, 1000},
		{3000, false, 3000},
		{4003, true, 4003},
		{4999, false, 4999},
		// Going away ends a session as normal closure does.
		{1001, false, 1000},
		{1001, true, 1000},
		// Any other code keeps a resock.v1 session, as it would if sent.
		{1002, false, 1000},
		{1002, true, engine.CloseReconnect},
		{1008, false, 1000},
		{1009, false, 1000},
		{1009, true, engine.CloseReconnect},
		{1011, false, 1000},
		{2999, false, 1000},
		{5000, true, engine.CloseReconnect},
	} {
		if got := sendableCloseCode(tc.code, tc.resume); got != tc.want {
			t.Errorf("sendableCloseCode(%d, resume %v) = %d, want %d", tc.code, tc.resume, got, tc.want)
		}
	}
}

// connEvents records what a browserConn reports.
type connEvents struct {
	mu     sync.Mutex
	opened bool
	closes []string
}

func (h *connEvents) OnOpen(string, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.opened = true
}

func (h *connEvents) OnMessage(engine.Message) {}
func (h *connEvents) OnError(error)            {}

func (h *connEvents) OnClose(code int, reason string, wasClean bool, _ error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closes = append(h.closes, fmt.Sprintf("%d %q clean=%v", code, reason, wasClean))
}

func (h *connEvents) isOpen() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opened
}

func (h *connEvents) closed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.closes...)
}

// The echo server answers a close frame with the same code and reason, so
// the close the browser reports is what it sent.
func TestCloseClosesTheBrowserSocketWhateverTheCode(t *testing.T) {
	url := echoURL(t)
	long := strings.Repeat("x", 124)
	for _, tc := range []struct {
		name   string
		code   int
		reason string
		want   string
	}{
		{"normal", 1000, "bye", `1000 "bye" clean=true`},
		{"application", 4000, "app", `4000 "app" clean=true`},
		{"going away", 1001, "page suspended", `1000 "page suspended" clean=true`},
		{"message too big", 1009, "message too big", `1000 "message too big" clean=true`},
		{"internal error", 1011, "", `1000 "" clean=true`},
		// The browser refuses the reason: the socket closes without a code.
		{"reason too long", 1001, long, `1005 "" clean=true`},
		{"no code", 0, "", `1005 "" clean=true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &browserTransport{}
			h := &connEvents{}
			c, err := tr.Dial(url, nil, h)
			if err != nil {
				t.Fatalf("failed to dial: %v", err)
			}
			until(t, "the socket to open", h.isOpen)
			if err := c.Close(tc.code, tc.reason); err != nil {
				t.Fatalf("Close(%d, %q) = %v, want nil", tc.code, tc.reason, err)
			}
			// ws.close did not throw: the socket is closing at once.
			if n, err := intProp(c.(*browserConn).ws, "readyState"); err != nil || n != 2 && n != 3 {
				t.Errorf("readyState after Close(%d, %q) = %d (%v), want 2 (CLOSING) or 3 (CLOSED)", tc.code, tc.reason, n, err)
			}
			until(t, "the close", func() bool { return len(h.closed()) > 0 })
			if got := h.closed(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("closes %q, want [%s]", got, tc.want)
			}
			if tr.live != 0 {
				t.Errorf("%d connections hold their handlers after the close, want 0", tr.live)
			}
		})
	}
}
