//go:build !js

package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/cutshort"
	"github.com/resock/resock/internal/wire"
)

// Server accepts WebSocket clients, keeps the registry of connected clients,
// pings them, and closes them all on Shutdown.
type Server struct {
	opts     Options
	log      *slog.Logger
	hosts    hostPolicy
	started  time.Time
	clients  *registry
	sessions *sessions
	ids      clientIDs

	// sessCfg is what every session of the server is given.
	sessCfg *sessionConfig

	// claiming holds the sessions this instance is taking over from
	// another (Options.Broker), and whether a third claimed them meanwhile.
	claimMu  sync.Mutex
	claiming map[wire.ID]bool
}

// New returns a Server configured by o.
func New(o Options) *Server {
	o = o.withDefaults()
	s := &Server{
		opts:     o,
		log:      o.Logger,
		hosts:    newHostPolicy(o.AllowedHosts, o.Logger),
		started:  time.Now(),
		clients:  newRegistry(),
		sessions: newSessions(o),
		ids:      newClientIDs(o.ClientKey),
	}
	s.sessCfg = &sessionConfig{
		maxUnackedBytes:   o.MaxUnackedBytes,
		readLimit:         o.ReadLimit,
		heartbeatInterval: o.HeartbeatInterval,
		heartbeatTimeout:  o.HeartbeatTimeout,
		retention:         o.SessionRetention,
		unackedRetention:  o.UnackedSessionRetention,
		broker:            o.Broker,
		table:             s.sessions,
		ended:             s.sessions.remove,
	}
	if o.Broker != nil {
		o.Broker.OnClaimed(s.release)
	}
	return s
}

// Handler returns an http.Handler that accepts WebSocket connections,
// registers each client and calls app with a Conn. When app returns, the
// connection is closed: with 1000 (normal closure) if it is still open.
//
// The ctx given to app is done once the client is gone, and carries the
// upgrade request's context values. A request for a host the server does
// not serve (see Options.AllowedHosts) is refused with 403, and so are
// cross-origin requests unless Options.OriginPatterns allows them. Then
// Options.Authenticate, when set, sees every connection's request, and may
// refuse it with an HTTP status; Conn.User and Conn.Request tell the app
// who and what it was. resock.v1 and Options.Subprotocols are selected when
// the client offers them.
func (s *Server) Handler(app func(ctx context.Context, c *Conn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.checkHost(w, r) {
			return
		}
		s.serve(w, r, app)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, app func(ctx context.Context, c *Conn)) {
	var user string
	if s.opts.Authenticate != nil {
		var err error
		if user, err = s.opts.Authenticate(r); err != nil {
			status, msg := http.StatusForbidden, err.Error()
			var he *HTTPError
			if errors.As(err, &he) {
				status, msg = he.Status, he.Message
			}
			s.log.Warn("refused connection: not authenticated",
				"remote_addr", r.RemoteAddr, "path", r.URL.Path, "status", status, "err", err)
			http.Error(w, msg, status)
			return
		}
	}
	// The request as the app sees it: its context's values stay, its
	// cancellation (the handler returning) does not reach the app.
	req := r.Clone(context.WithoutCancel(r.Context()))
	req.Body = http.NoBody
	hw := &hijackRecorder{ResponseWriter: w}
	// c exists before the first frame is read, so before the first ping.
	var c *wsConn
	ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		OriginPatterns: s.opts.OriginPatterns,
		Subprotocols:   append([]string{wire.Protocol}, s.opts.Subprotocols...),
		OnPingReceived: func(context.Context, []byte) bool { return c.allowPing() },
	})
	if err != nil {
		s.log.Warn("refused WebSocket handshake",
			"remote_addr", r.RemoteAddr, "origin", r.Header.Get("Origin"), "path", r.URL.Path, "err", err)
		return
	}
	ws.SetReadLimit(s.opts.ReadLimit)

	c = newWSConn(req.Context(), newID(), r.RemoteAddr, s.opts, newPingLimiter(s.opts.PingRate), ws, hw.conn, s.log)
	c.user, c.req = user, req
	if !s.clients.add(c) {
		c.log.Info("refused client: server is shutting down", "close_code", int(websocket.StatusServiceRestart))
		// Nobody waits for this handler, so the handshake gets a short leash.
		cut := time.AfterFunc(time.Second, func() { _ = hw.conn.Close() })
		_ = c.closeRestart(s.restartWait())
		cut.Stop()
		return
	}
	defer s.clients.remove(c)
	c.log.Info("client connected", "path", r.URL.Path, "origin", r.Header.Get("Origin"), "subprotocol", ws.Subprotocol())

	if ws.Subprotocol() == wire.Protocol {
		s.serveResume(c, app)
		c.log.Info("client disconnected",
			"close_code", int(c.closeCode()), "connected", time.Since(c.connectedAt).Round(time.Millisecond))
		return
	}

	go c.readLoop()
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		c.pingLoop(s.opts.PingInterval, s.opts.PingTimeout)
	}()

	s.runApp(app, &Conn{id: c.id, remoteAddr: c.remoteAddr, log: c.log, plain: c, user: user, req: req})

	_ = c.Close(websocket.StatusNormalClosure, "")
	c.waitClosed()
	<-pingDone
	_ = ws.CloseNow()
	c.log.Info("client disconnected",
		"close_code", int(c.closeCode()), "connected", time.Since(c.connectedAt).Round(time.Millisecond))
}

// runApp calls app, turning a panic into a 1011 (internal error) close so that
// one broken handler neither leaks its connection nor takes the server down.
func (s *Server) runApp(app func(ctx context.Context, c *Conn), c *Conn) {
	ctx := c.ctx()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("handler panicked, closing client",
				"panic", p, "stack", string(debug.Stack()), "close_code", int(StatusInternalError))
			_ = c.Close(StatusInternalError, "internal error")
		}
	}()
	app(ctx, c)
}

// Shutdown closes every client with 1012 (service restart), with the wait
// Options.ShutdownRetryAfter calls for, and waits for their handlers to
// return. From then on the Server closes every new client the same way, at
// once. When ctx is done first, the remaining connections are dropped
// without a handshake and Shutdown returns an error wrapping ctx.Err().
//
// Shutdown does not stop the http.Server: http.Server.Shutdown does not know
// about WebSocket connections (they are hijacked), so call both.
func (s *Server) Shutdown(ctx context.Context) error {
	// Their links are closed below with every other connection, once each
	// client was told what its app read.
	// A link that takes no writes holds its acknowledgement up to ctx's
	// end, the others' not at all.
	var acked sync.WaitGroup
	for _, sess := range s.sessions.shutdown() {
		acked.Go(func() { sess.shutdown(ctx) })
	}
	acked.Wait()
	appsDone := make(chan struct{})
	go func() {
		s.sessions.apps.Wait()
		close(appsDone)
	}()
	conns, drained := s.clients.shutdown()
	s.log.Info("shutting down, closing clients", "clients", len(conns), "close_code", int(websocket.StatusServiceRestart),
		"retry_after", s.opts.ShutdownRetryAfter)
	for _, c := range conns {
		go c.closeRestart(s.restartWait())
	}
	select {
	case <-drained:
		select {
		case <-appsDone:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("failed to wait for session handlers: %w", ctx.Err())
		}
	case <-ctx.Done():
	}
	left := s.clients.list()
	s.log.Warn("shutdown deadline reached, dropping clients", "clients", len(left))
	for _, c := range left {
		c.kill()
	}
	return fmt.Errorf("failed to close clients gracefully: %w", ctx.Err())
}

// restartWait returns the wait to tell one client that the server is
// restarting: none without Options.ShutdownRetryAfter, else a random wait
// in [ShutdownRetryAfter, 2×ShutdownRetryAfter), so that the clients come
// back spread out rather than all at once.
func (s *Server) restartWait() time.Duration {
	d := s.opts.ShutdownRetryAfter
	if d <= 0 {
		return 0
	}
	return d + mathrand.N(d)
}

// newID returns a random client id, so ids from before and after a restart
// never collide in the logs.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hijackRecorder keeps the network connection that websocket.Accept hijacks,
// so that a connection stuck in coder's close handshake can still be cut.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = conn
	// coder reads from the Conn it is handed: see package cutshort.
	return cutshort.Conn{Conn: conn}, brw, nil
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }
