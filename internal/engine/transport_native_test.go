//go:build !js

package engine

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// echoServer echoes every message and can drop all its connections.
type echoServer struct {
	*httptest.Server
	mu    sync.Mutex
	conns map[*websocket.Conn]bool
	got   chan string
}

func newEchoServer(t *testing.T) *echoServer {
	e := &echoServer{conns: map[*websocket.Conn]bool{}, got: make(chan string, 4096)}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat"}})
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns[c] = true
		e.mu.Unlock()
		defer func() {
			e.mu.Lock()
			delete(e.conns, c)
			e.mu.Unlock()
			c.CloseNow()
		}()
		for {
			typ, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			select {
			case e.got <- string(data):
			default:
			}
			if err := c.Write(r.Context(), typ, data); err != nil {
				return
			}
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echoServer) URL() string { return "ws" + strings.TrimPrefix(e.Server.URL, "http") }

func (e *echoServer) dropAll(code websocket.StatusCode) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for c := range e.conns {
		go c.Close(code, "test drop")
	}
}

// events gathers a Socket's events on channels for a test to wait on.
type events struct {
	opens    chan OpenEvent
	messages chan Message
	closes   chan CloseEvent
}

func newEvents() *events {
	return &events{opens: make(chan OpenEvent, 16), messages: make(chan Message, 4096), closes: make(chan CloseEvent, 16)}
}

func (ev *events) OnEvent(e Event) {
	switch e := e.(type) {
	case OpenEvent:
		ev.opens <- e
	case MessageEvent:
		ev.messages <- e.Message
	case CloseEvent:
		ev.closes <- e
	}
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestWebSocketTransportEchoesAcrossServerDrops(t *testing.T) {
	srv := newEchoServer(t)
	ev := newEvents()
	s, err := New(srv.URL(), Options{
		Protocols: []string{"chat"},
		Backoff:   Backoff{Delays: []time.Duration{10 * time.Millisecond}},
		OnEvent:   ev.OnEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(1000, "")

	const perRound, rounds = 200, 3
	next := 0
	for round := range rounds {
		open := wait(t, ev.opens, "open")
		if open.Protocol != "chat" || open.Reconnected != (round > 0) {
			t.Fatalf("open %+v in round %d", open, round)
		}
		for range perRound {
			msg := Message{Binary: next%2 == 1, Data: []byte(fmt.Sprint(next))}
			if err := s.Send(msg); err != nil {
				t.Fatal(err)
			}
			next++
		}
		for i := next - perRound; i < next; i++ {
			m := wait(t, ev.messages, fmt.Sprint("echo of ", i))
			if string(m.Data) != fmt.Sprint(i) || m.Binary != (i%2 == 1) {
				t.Fatalf("got %q (binary %v), want %d", m.Data, m.Binary, i)
			}
		}
		srv.dropAll(websocket.StatusServiceRestart)
		c := wait(t, ev.closes, "close")
		if c.Code != 1012 || !c.WillReconnect {
			t.Fatalf("close %+v, want 1012 with a reconnect to follow", c)
		}
	}
}

func TestWebSocketTransportCloseIsClean(t *testing.T) {
	srv := newEchoServer(t)
	ev := newEvents()
	s, _ := New(srv.URL(), Options{OnEvent: ev.OnEvent})
	wait(t, ev.opens, "open")
	s.Send(Message{Data: []byte("last words")})
	s.Close(4000, "done")
	// coder/websocket discards data that arrives during the closing
	// handshake, so check the server side: the message went out first.
	if got := wait(t, srv.got, "message at the server"); got != "last words" {
		t.Fatalf("server got %q", got)
	}
	c := wait(t, ev.closes, "close")
	if c.Code != 4000 || c.Reason != "done" || !c.WasClean || c.WillReconnect {
		t.Fatalf("close %+v, want a clean final 4000", c)
	}
	if st := s.State(); st != Closed {
		t.Fatalf("state %v", st)
	}
}

func TestWebSocketTransportAbortsAHangingHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // never answers the handshake
		}
	}()
	ev := newEvents()
	s, _ := New("ws://"+ln.Addr().String(), Options{
		ConnectTimeout: 100 * time.Millisecond,
		MaxRetries:     new(0),
		OnEvent:        ev.OnEvent,
	})
	c := wait(t, ev.closes, "close after the connect timeout")
	if c.Code != 1006 || c.WillReconnect {
		t.Fatalf("close %+v, want 1006 and no retry", c)
	}
	conn := wait(t, accepted, "accepted connection")
	defer conn.Close()
	// The aborted dial must have closed its TCP connection.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("client kept the abandoned connection open")
			}
			break
		}
	}
	if st := s.State(); st != Closed {
		t.Fatalf("state %v", st)
	}
}

// A server whose connection ends between a frame's header and its payload
// sent no message: the Socket must see a drop, not an empty message
// (github.com/coder/websocket reports one; see internal/cutshort).
func TestWebSocketTransportDeliversNothingOfAFrameCutShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("failed to hijack: %v", err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
		// A text frame of 3 bytes: its header, no payload.
		brw.Write([]byte{0x81, 0x03})
		brw.Flush()
	}))
	defer srv.Close()
	ev := newEvents()
	s, err := New("ws"+strings.TrimPrefix(srv.URL, "http"), Options{OnEvent: ev.OnEvent, MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(1000, "")
	wait(t, ev.opens, "open")
	c := wait(t, ev.closes, "close")
	select {
	case m := <-ev.messages:
		t.Fatalf("got a message %q from a frame whose payload never came", m.Data)
	default:
	}
	if c.Code != 1006 {
		t.Fatalf("close %+v, want 1006", c)
	}
}

// refusingServer answers every WebSocket handshake with status and counts
// the requests.
func refusingServer(t *testing.T, status int) (url string, requests <-chan struct{}) {
	reqs := make(chan struct{}, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs <- struct{}{}
		http.Error(w, http.StatusText(status), status)
	}))
	t.Cleanup(srv.Close)
	// An http URL, which the Socket dials as ws, as a browser would.
	return srv.URL, reqs
}

// statusEvents gathers the error and close events of a Socket.
type statusEvents struct {
	errs   chan ErrorEvent
	closes chan CloseEvent
}

func newStatusEvents() *statusEvents {
	return &statusEvents{errs: make(chan ErrorEvent, 64), closes: make(chan CloseEvent, 64)}
}

func (ev *statusEvents) OnEvent(e Event) {
	switch e := e.(type) {
	case ErrorEvent:
		ev.errs <- e
	case CloseEvent:
		ev.closes <- e
	}
}

func TestAHandshakeRefusedWithAnHTTPStatusCarriesItAndEndsOnlyIfFinal(t *testing.T) {
	for _, tc := range []struct {
		status int
		final  bool
	}{
		{http.StatusUnauthorized, true},
		{http.StatusForbidden, true},
		{http.StatusNotFound, true},
		{http.StatusInternalServerError, false},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			url, requests := refusingServer(t, tc.status)
			ev := newStatusEvents()
			s, err := New(url, Options{
				Backoff: Backoff{Delays: []time.Duration{time.Millisecond}},
				OnEvent: ev.OnEvent,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(1000, "")
			for attempt := 1; attempt <= 2; attempt++ {
				e := wait(t, ev.errs, "error event")
				var he *HandshakeError
				if e.HTTPStatus != tc.status || !errors.As(e.Err, &he) || he.StatusCode != tc.status {
					t.Fatalf("attempt %d: error event %+v, want HTTPStatus %d and a *HandshakeError", attempt, e, tc.status)
				}
				c := wait(t, ev.closes, "close event")
				if c.Code != 1006 || c.HTTPStatus != tc.status || c.WillReconnect == tc.final {
					t.Fatalf("attempt %d: close event %+v, want 1006 with HTTPStatus %d and WillReconnect %v", attempt, c, tc.status, !tc.final)
				}
				if tc.final {
					if st := s.State(); st != Closed {
						t.Fatalf("state %v after a final refusal, want closed", st)
					}
					if n := len(requests); n != 1 {
						t.Fatalf("%d handshakes, want 1: %d is final", n, tc.status)
					}
					return
				}
			}
			if n := len(requests); n < 2 {
				t.Fatalf("%d handshakes, want a retry after %d", n, tc.status)
			}
		})
	}
}

func TestShouldReconnectSeesTheHTTPStatusOfARefusedHandshake(t *testing.T) {
	url, requests := refusingServer(t, http.StatusUnauthorized)
	seen := make(chan CloseEvent, 8)
	var calls atomic.Int32
	ev := newStatusEvents()
	s, err := New(url, Options{
		Backoff: Backoff{Delays: []time.Duration{time.Millisecond}},
		// Retries a 401 once, as an application that refreshes its token
		// first might, which the default would not.
		ShouldReconnect: func(e CloseEvent) bool {
			seen <- e
			return calls.Add(1) < 2
		},
		OnEvent: ev.OnEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(1000, "")
	for i := range 2 {
		if e := wait(t, seen, "ShouldReconnect"); e.HTTPStatus != http.StatusUnauthorized || e.Code != 1006 {
			t.Fatalf("ShouldReconnect call %d got %+v, want 1006 with HTTPStatus 401", i+1, e)
		}
	}
	if c := wait(t, ev.closes, "close"); !c.WillReconnect {
		t.Fatalf("first close %+v, want a retry: the policy said so", c)
	}
	if c := wait(t, ev.closes, "final close"); c.WillReconnect || c.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("second close %+v, want final with HTTPStatus 401", c)
	}
	if n := len(requests); n != 2 {
		t.Fatalf("%d handshakes, want 2", n)
	}
}
