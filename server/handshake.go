//go:build !js

// This file is the resume handshake: a connection's hello, and the
// session it resumes, takes over or starts.

package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// serveResume runs one resock.v1 connection: the handshake, then the link
// between the client and its session until the connection ends.
func (s *Server) serveResume(wc *wsConn, app func(ctx context.Context, c *Conn)) {
	// The read loop reads the socket at all times, which is what lets
	// coder/websocket see the pongs to the pings below.
	go wc.readLoop()
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		wc.pingLoop(s.opts.PingInterval, s.opts.PingTimeout)
	}()
	defer func() {
		wc.waitClosed()
		<-pingDone
		_ = wc.ws.CloseNow()
	}()

	timer := time.AfterFunc(s.opts.HelloTimeout, func() {
		wc.log.Warn("no hello in time, closing", "timeout", s.opts.HelloTimeout, "close_code", int(websocket.StatusProtocolError))
		_ = wc.Close(websocket.StatusProtocolError, "expected hello")
	})
	typ, data, err := wc.Read(context.Background())
	timer.Stop()
	if err != nil {
		return
	}
	f, err := wire.Parse(data)
	if err == nil && (typ != websocket.MessageBinary || f.Type != wire.TypeHello || f.Hello.Version < 1) {
		err = errors.New("first frame is not a hello")
	}
	if err != nil {
		wc.log.Warn("bad handshake, closing", "err", err, "close_code", int(websocket.StatusProtocolError))
		_ = wc.Close(websocket.StatusProtocolError, "expected hello")
		return
	}
	h := f.Hello

	sess, why := s.sessions.find(h)
	if sess == nil && why == noSuchSession && s.opts.Broker != nil {
		// Perhaps another instance holds it, or held it and died.
		claimed, reason, err := s.claim(wc, h)
		switch {
		case errors.Is(err, errWrongUser):
			refuseWrongUser(wc, fmt.Sprintf("%x", h.Session[:]))
			return
		case errors.Is(err, ErrServerClosed):
			s.refuseClosing(wc)
			return
		case errors.Is(err, errSessionExists):
			// Taken over by another connection of this client meanwhile:
			// resume it as any session here.
			if sess, why = s.sessions.find(h); sess == nil {
				s.refuse(wc, "session busy")
				return
			}
		case err != nil:
			wc.log.Warn("refused resume: the broker could not hand the session over", "err", err, "close_code", int(websocket.StatusTryAgainLater))
			s.refuse(wc, "storage unavailable")
			return
		case claimed != nil:
			if s.begin(claimed, wc, h, true, app) {
				claimed.serveLink(wc)
				claimed.detach(wc)
			}
			return
		default:
			why = reason
		}
	}
	if sess != nil && sess.user != wc.user {
		// The token is right but the user is not the one who opened the
		// session: a stolen token, or a shared machine whose next user
		// kept the last one's storage. Neither may have the session, and
		// neither gets a fresh one: retrying cannot help.
		refuseWrongUser(wc, sess.name())
		return
	}
	if sess != nil && sess.attach(wc, h, true) {
		sess.log.Info("session resumed", "client", wc.id, "client_received", h.Received)
	} else {
		switch {
		case why != "":
			// The client is told only that it has a fresh session, as for an
			// expired one; the log says more, with the address (wc.log has
			// it), so that guessing at sessions shows. An id the server does
			// not know is what every client brings back after a restart, so
			// it is Info; a wrong token or an impossible count comes from no
			// client of this session, so it is a warning.
			level := slog.LevelWarn
			if why == noSuchSession {
				level = slog.LevelInfo
			}
			if !s.sessions.hellos.allow(addrKey(wc.remoteAddr)) {
				// Guessing at sessions, or a crowd behind one address
				// coming back at once: either way, later.
				wc.log.Warn("refused session: too many hellos for unknown sessions from this address",
					"reason", why, "rate", s.opts.UnknownHelloRate, "close_code", int(websocket.StatusTryAgainLater))
				s.refuse(wc, "too many unknown sessions")
				return
			}
			wc.log.Log(wc.ctx, level, "unknown, expired or unauthorised session, starting a new one",
				"reason", why, "session", fmt.Sprintf("%x", h.Session[:]))
		case sess != nil:
			wc.log.Info("session ended while it was resumed, starting a new one", "session", sess.name())
		}
		sess, err = s.newSession(wc, h)
		if errors.Is(err, ErrServerClosed) {
			s.refuseClosing(wc)
			return
		}
		if err != nil {
			wc.log.Warn("refused session", "err", err, "close_code", int(websocket.StatusTryAgainLater))
			s.refuse(wc, err.Error())
			return
		}
		if !s.begin(sess, wc, h, false, app) {
			return
		}
	}
	sess.serveLink(wc)
	sess.detach(wc)
}

// begin attaches wc to sess, a session this instance has just started or
// taken over, and runs app for it; it reports false, the app not started,
// if the session ended meanwhile.
func (s *Server) begin(sess *session, wc *wsConn, h wire.Hello, resumed bool, app func(ctx context.Context, c *Conn)) bool {
	if !sess.attach(wc, h, resumed) {
		s.sessions.apps.Done()
		return false
	}
	s.startApp(sess, wc, app)
	return true
}

// refuseWrongUser closes a connection that presents the token of a session
// another user opened, with a close code resock clients take as final.
func refuseWrongUser(wc *wsConn, session string) {
	wc.log.Warn("refused resume: the session belongs to another user",
		"session", session, "user", wc.user, "close_code", int(CloseWrongUser))
	_ = wc.Close(websocket.StatusCode(CloseWrongUser), "session belongs to another user")
}

// refuseClosing turns a client away while the server shuts down, telling
// it when to come back.
func (s *Server) refuseClosing(wc *wsConn) {
	wc.log.Info("refused session: server is shutting down", "close_code", int(websocket.StatusServiceRestart))
	_ = wc.closeRestart(s.restartWait())
}

// startApp runs app for sess, on the instance that started the session or
// took it over, and ends the session when app returns.
func (s *Server) startApp(sess *session, wc *wsConn, app func(ctx context.Context, c *Conn)) {
	go func() {
		defer s.sessions.apps.Done()
		conn := &Conn{id: sess.name(), remoteAddr: wc.remoteAddr, log: sess.log, sess: sess, user: sess.user, req: wc.req}
		s.runApp(app, conn)
		_ = sess.close(websocket.StatusNormalClosure, "")
	}()
}

// refuse turns a client away for RetryAfter: a retry-after frame, then
// 1013 with reason.
func (s *Server) refuse(wc *wsConn, reason string) {
	_ = wc.write(wc.ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypeRetryAfter, uint64(s.opts.RetryAfter/time.Millisecond)))
	_ = wc.Close(websocket.StatusTryAgainLater, reason)
}

// newSession creates a session for a hello that resumes nothing.
func (s *Server) newSession(wc *wsConn, h wire.Hello) (sess *session, err error) {
	// The app's context carries the values of the request that opened the
	// session, and lives as long as the session, not the connection.
	ctx, cancel := context.WithCancel(context.WithoutCancel(wc.ctx))
	client, known := s.ids.issue(h.Client, wc.user)
	sess = &session{
		client:  client,
		firstID: h.FirstID,
		cfg:     s.sessCfg,
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		addr:    addrKey(wc.remoteAddr),
		user:    wc.user,
	}
	if sess.firstID == 0 {
		sess.firstID = 1
	}
	if s.opts.Broker != nil {
		if err := s.sessCfg.brokerDown(); err != nil {
			cancel()
			return nil, fmt.Errorf("broker: %w", err)
		}
	}
	defer func() {
		if err == nil && s.opts.Broker != nil {
			rec := SessionRecord{ID: SessionID(sess.id), Token: sess.token, User: sess.user, Client: ClientID(sess.client), FirstID: sess.firstID}
			bctx, bcancel := context.WithTimeout(wc.ctx, brokerTimeout)
			defer bcancel()
			if err = s.opts.Broker.CreateSession(bctx, rec); err != nil {
				s.sessions.remove(sess)
				s.sessions.apps.Done()
				cancel()
				sess, err = nil, fmt.Errorf("broker: %w", err)
				return
			}
			sess.startMarker()
		}
	}()
	if known && s.opts.Applied != nil {
		// A client this service issued its id to may have sent messages
		// before, on a session that is gone: some of those it sends again
		// may be applied already. Its FirstID does not tell: a server that
		// applied messages and crashed before acknowledging any leaves the
		// client resending from 1.
		n, err := s.opts.Applied(ctx, ClientID(client))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("Options.Applied: %w", err)
		}
		sess.applied = n
		if h.Version >= 2 && n >= sess.firstID {
			// The app has the client's messages up to n: a client that
			// understands it starts the session after them, so that no
			// message of its own takes an id the app has seen. (A page
			// that restored an older state would otherwise give its next
			// message the id of one it sent unrecorded before it ended.)
			sess.firstID = n + 1
		}
	}
	_, _ = rand.Read(sess.id[:])
	_, _ = rand.Read(sess.token[:])
	sess.log = s.log.With("session", sess.name(), "remote_addr", wc.remoteAddr)
	if err := s.sessions.add(sess); err != nil {
		cancel()
		return nil, err
	}
	sess.log.Info("session started", "client", wc.id)
	return sess, nil
}
