//go:build !js

package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/logbuf"
	"github.com/resock/resock/server"
)

// lifeServer is the server of the lifecycle, policy and introspection tests:
// the demo's static files (so the harness page), the resock server's Echo at
// /echo (plain or resume), and at /ws a WebSocket endpoint whose behaviour
// the URL's query scripts:
//
//	close=CODE&reason=R  close every connection at once with CODE and R;
//	closes=N&key=K       ... only the first N connections made with key K;
//	name=X               count the "ping" messages of the connection as X's;
//
// otherwise it echoes, answering "ping" with "pong". It records every
// handshake attempt, and while down it refuses them all with 503, as a
// server being deployed does, without giving up its port.
type lifeServer struct {
	t    *testing.T
	http *httptest.Server
	echo *server.Server
	logs *logbuf.Buffer

	down atomic.Bool

	mu       sync.Mutex
	attempts []attempt
	keys     map[string]int
	pings    map[string]int
	conns    map[*websocket.Conn]struct{}
	handlers sync.WaitGroup
}

// attempt is one WebSocket handshake the server saw.
type attempt struct {
	At        time.Time
	Path      string
	Query     string
	Protocols []string
	Refused   bool
}

// startLifeServer starts a lifeServer on 127.0.0.1; it stops when the test
// ends, and its log is printed if the test failed.
func startLifeServer(t *testing.T) *lifeServer {
	t.Helper()
	s := &lifeServer{t: t, logs: &logbuf.Buffer{}, keys: map[string]int{}, pings: map[string]int{}, conns: map[*websocket.Conn]struct{}{}}
	s.echo = server.New(server.Options{Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveScripted)
	mux.Handle("/echo", s.gate(s.echo.Handler(server.Echo)))
	mux.Handle("/", demo.Static(demoDir, assetsDir))
	s.http = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	return s
}

func (s *lifeServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.echo.Shutdown(ctx); err != nil && !errors.Is(err, server.ErrServerClosed) {
		s.t.Errorf("failed to shut the echo server down: %v", err)
	}
	s.mu.Lock()
	for c := range s.conns {
		c.CloseNow()
	}
	s.mu.Unlock()
	s.handlers.Wait()
	s.http.Close()
}

func (s *lifeServer) url(path string) string { return s.http.URL + path }

func (s *lifeServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(s.http.URL, "http") + path
}

// record notes a handshake attempt; Refused tells that the server is down.
func (s *lifeServer) record(r *http.Request) attempt {
	down := s.down.Load()
	var protocols []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				protocols = append(protocols, p)
			}
		}
	}
	a := attempt{At: time.Now(), Path: r.URL.Path, Query: r.URL.RawQuery, Protocols: protocols, Refused: down}
	s.mu.Lock()
	s.attempts = append(s.attempts, a)
	s.mu.Unlock()
	return a
}

// gate records the attempts of h and refuses them while the server is down.
func (s *lifeServer) gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.record(r).Refused {
			http.Error(w, "deploying", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *lifeServer) serveScripted(w http.ResponseWriter, r *http.Request) {
	a := s.record(r)
	if a.Refused {
		http.Error(w, "deploying", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	defer s.handlers.Done()
	q := r.URL.Query()
	// Whatever the page offers is selected, so that it can check which
	// subprotocols it offered.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: a.Protocols})
	if err != nil {
		return
	}
	defer c.CloseNow()

	s.mu.Lock()
	s.keys[q.Get("key")]++
	n := s.keys[q.Get("key")]
	s.mu.Unlock()
	if code, err := strconv.Atoi(q.Get("close")); err == nil {
		closes, err := strconv.Atoi(q.Get("closes"))
		if err != nil || n <= closes {
			c.Close(websocket.StatusCode(code), q.Get("reason"))
			return
		}
	}

	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	name := q.Get("name")
	for {
		typ, data, err := c.Read(r.Context())
		if err != nil {
			return
		}
		if typ == websocket.MessageText && string(data) == "ping" {
			s.mu.Lock()
			s.pings[name]++
			s.mu.Unlock()
			data = []byte("pong")
		}
		if err := c.Write(r.Context(), typ, data); err != nil {
			return
		}
	}
}

// dropAll closes every open connection of /ws with code and reason.
func (s *lifeServer) dropAll(code websocket.StatusCode, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		go c.Close(code, reason)
	}
}

// attemptsOf returns the handshake attempts so far on path.
func (s *lifeServer) attemptsOf(path string) []attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []attempt
	for _, a := range s.attempts {
		if a.Path == path {
			out = append(out, a)
		}
	}
	return out
}

func (s *lifeServer) pingsOf(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings[name]
}

// waitUntil polls cond, a condition on the server, until it holds.
func (s *lifeServer) waitUntil(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("failed waiting for %s within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openLifeHarness opens the harness page on a lifeServer.
func openLifeHarness(t *testing.T, ctx context.Context, name string, s *lifeServer) *page {
	t.Helper()
	return openPage(t, ctx, name, s.url("/e2e/harness.html"), "window.h?.ready === true && Array.isArray(window.h.life)",
		`JSON.stringify({life: h.life, full: Object.fromEntries(Object.entries(h.sockets).map(([k, v]) => [k, v.full ?? null])), sockets: JSON.parse(h.dump())})`)
}
