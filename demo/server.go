//go:build !js

// Package demo is resock's demo, the shared whiteboard, on the server side:
// Static serves its page and resock's JavaScript and WebAssembly files from
// disk, Room is the whiteboard room with a bounded history, and Server puts
// them together with the echo endpoint the way cmd/resock-demo serves them.
// It is built on package server alone, as any application is; the page
// itself is the HTML, JavaScript and CSS beside this package.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resock/resock/server"
)

// Server is the demo server as cmd/resock-demo runs it: one server.Server
// with the static files at "/", server.Echo at /echo, the whiteboard Room at
// /ws and, when Options.Stats asks for it, the server's stats at /stats.
//
// Tests run the very same thing in-process: New, net.Listen, Serve; then
// Shutdown, and a fresh New can Serve again on the same address.
type Server struct {
	server *server.Server
	room   *Room
	http   *http.Server
	log    *slog.Logger

	// fresh holds connections that have not sent a request yet. Browsers
	// open such spare connections ahead of need; http.Server.Shutdown waits
	// 5 s for each before it counts it idle, so Shutdown closes them itself.
	mu    sync.Mutex
	fresh map[net.Conn]struct{}
	// conns follows every connection until it closes, to log those cut
	// before they sent a whole request.
	conns map[net.Conn]*connLife
}

// connLife is what the demo knows about one connection.
type connLife struct {
	opened    time.Time
	requested atomic.Bool
}

type connLifeKey struct{}

// demoTimeouts bound the HTTP side of a connection, so that a client that
// trickles its request headers or idles between requests cannot hold a
// connection for long.
const (
	demoReadHeaderTimeout = 10 * time.Second
	demoIdleTimeout       = 2 * time.Minute
)

// Options says what New serves besides the server's own options.
type Options struct {
	// Dir is the directory of the demo page; JSGlueDir that of resock.js,
	// resock.wasm and wasm_exec.js.
	Dir, JSGlueDir string

	// Stats serves server.Server.StatsHandler at GET /stats; default off. The
	// page does not need it: it shows its own socket's state.
	Stats bool

	// Room is the whiteboard room; default NewRoom(DefaultHistory). A room
	// from NewRelayedRoom is shared with the other instances of the demo.
	Room *Room
}

// New returns the demo, serving with the server options o, and its handler,
// which has all the routes. Serve serves that handler; it can also be
// mounted elsewhere (an httptest.Server), in which case Shutdown still
// closes the WebSocket clients.
func New(o server.Options, do Options) (*Server, http.Handler) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	s := server.New(o)
	room := do.Room
	if room == nil {
		room = NewRoom(DefaultHistory)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /echo", s.Handler(server.Echo))
	mux.Handle("GET /ws", s.Handler(room.Serve))
	if do.Stats {
		mux.Handle("GET /stats", s.StatsHandler())
	}
	mux.Handle("/", Static(do.Dir, do.JSGlueDir))
	d := &Server{
		server: s,
		room:   room,
		log:    log,
		fresh:  make(map[net.Conn]struct{}),
		conns:  make(map[net.Conn]*connLife),
	}
	d.http = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if l, ok := r.Context().Value(connLifeKey{}).(*connLife); ok {
				l.requested.Store(true)
			}
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: demoReadHeaderTimeout,
		IdleTimeout:       demoIdleTimeout,
		// net/http's own errors (bad requests, panics) go to the same log.
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelError),
		ConnContext: d.follow,
		ConnState:   d.track,
	}
	return d, mux
}

// follow starts following a connection the HTTP server accepted.
func (d *Server) follow(ctx context.Context, c net.Conn) context.Context {
	l := &connLife{opened: time.Now()}
	d.mu.Lock()
	d.conns[c] = l
	d.mu.Unlock()
	return context.WithValue(ctx, connLifeKey{}, l)
}

func (d *Server) track(c net.Conn, state http.ConnState) {
	d.mu.Lock()
	if state == http.StateNew {
		d.fresh[c] = struct{}{}
	} else {
		delete(d.fresh, c)
	}
	var cut *connLife
	switch state {
	case http.StateHijacked:
		delete(d.conns, c)
	case http.StateClosed:
		if l := d.conns[c]; l != nil && !l.requested.Load() {
			cut = l
		}
		delete(d.conns, c)
	}
	d.mu.Unlock()
	// A connection that never completed a request and lived as long as the
	// header timeout was cut by it: a client trickling its request, or one
	// that sent nothing at all.
	if cut != nil {
		if open := time.Since(cut.opened); open >= d.http.ReadHeaderTimeout {
			d.log.Info("request headers not received in time, connection closed",
				"remote_addr", c.RemoteAddr().String(), "read_header_timeout", d.http.ReadHeaderTimeout, "open", open.Round(time.Millisecond))
		}
	}
}

// Stats returns the stats of the demo's server.
func (d *Server) Stats() server.Stats { return d.server.Stats() }

// Room returns the demo's whiteboard room.
func (d *Server) Room() *Room { return d.room }

// Serve serves the demo on ln until Shutdown. Like http.Server.Serve, it
// always returns a non-nil error: http.ErrServerClosed after Shutdown.
func (d *Server) Serve(ln net.Listener) error {
	d.log.Info("serving the demo", "url", "http://"+ln.Addr().String())
	return d.http.Serve(ln)
}

// Shutdown stops the listener and closes every WebSocket client with 1012
// (service restart), waiting until they are gone or ctx is done; then
// anything left is closed at once. It returns once the demo is completely
// stopped, at the latest shortly after ctx is done.
func (d *Server) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	for c := range d.fresh {
		_ = c.Close()
	}
	d.mu.Unlock()
	httpDone := make(chan error, 1)
	go func() { httpDone <- d.http.Shutdown(ctx) }()
	err := d.server.Shutdown(ctx)
	httpErr := <-httpDone
	if httpErr != nil {
		httpErr = fmt.Errorf("failed to shut down the HTTP server: %w", httpErr)
		if cerr := d.http.Close(); cerr != nil {
			httpErr = errors.Join(httpErr, fmt.Errorf("failed to close the HTTP server: %w", cerr))
		}
	}
	return errors.Join(err, httpErr)
}
