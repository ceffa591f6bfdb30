//go:build !js

package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// This file is what a session does differently with Options.Broker: it
// stores what it is given before it counts it, marks what the app read,
// lets go of a session another instance claims, and takes over one that
// another instance held.

// brokerTimeout bounds one call to the broker.
const brokerTimeout = 10 * time.Second

// startMarker starts the goroutine that records, in the broker, that the
// app is done with the client messages given to it: it asked for the next
// one. An instance that takes the session over gives the app what was not
// recorded, so that a message the app was given just before its instance
// died comes again (with its MessageID, for Options.Applied to recognise)
// rather than never. Marks lag the app by a broker round trip, and coalesce
// while one is under way.
func (s *session) startMarker() {
	s.markWake = make(chan struct{}, 1)
	s.markerDone = make(chan struct{})
	go func() {
		defer close(s.markerDone)
		for {
			select {
			case <-s.done:
				return
			case <-s.markWake:
			}
			s.mark(s.ctx, true)
		}
	}()
}

// mark records the messages the app finished with so far. With retry it retries while
// the broker cannot be reached, until the session ends; without, it tries
// once. Only the marker calls it, and flushMarks once the marker stopped.
func (s *session) mark(ctx context.Context, retry bool) error {
	n := s.finished.Load()
	if n <= s.marked.Load() {
		return nil
	}
	b := s.cfg.broker
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		mctx, cancel := context.WithTimeout(ctx, brokerTimeout)
		err := b.MarkRead(mctx, SessionID(s.id), n)
		cancel()
		if err == nil {
			s.marked.Store(n)
			return nil
		}
		if !retry {
			return err
		}
		s.log.Warn("broker did not take a read mark, retrying", "err", err, "retry_in", wait)
		select {
		case <-s.done:
			return err
		case <-time.After(wait):
		}
	}
}

// flushMarks records, once the session ended here and its marker stopped,
// every message the app finished with, so that the instance that takes the
// session over gives its app only the rest: the message this one's app was
// given last, and could no longer answer once its Conn ended, included.
func (s *session) flushMarks(ctx context.Context) {
	if s.markerDone == nil {
		return
	}
	<-s.markerDone
	s.rmu.Lock()
	defer s.rmu.Unlock()
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), brokerTimeout)
	defer cancel()
	if err := s.mark(mctx, false); err != nil {
		s.log.Warn("broker did not take the last read mark: the next instance gives the app those messages again", "err", err)
	}
}

// brokerFailed drops a link whose message the broker would not store: the
// client is told to come back later, and sends it again then.
func (s *session) brokerFailed(wc *wsConn, what string, err error) {
	s.log.Warn("broker failed, dropping the connection", "op", what, "err", err, "close_code", int(StatusTryAgainLater))
	_ = wc.Close(websocket.StatusTryAgainLater, "storage unavailable")
}

// release lets go of a session another instance claims (Broker.OnClaimed):
// the app's Conn here ends with ErrSessionMoved and the link with 4001.
// It returns once no write or read mark of this instance can reach the
// broker any more, so the claimant loads everything this one stored.
func (s *Server) release(id SessionID) {
	s.claimMu.Lock()
	if _, ok := s.claiming[wire.ID(id)]; ok {
		// Being taken over here too: that claim gives up.
		s.claiming[wire.ID(id)] = true
	}
	s.claimMu.Unlock()
	s.sessions.mu.Lock()
	sess := s.sessions.byID[wire.ID(id)]
	s.sessions.mu.Unlock()
	if sess == nil {
		return
	}
	// A write holds wmu, and a read rmu, from its broker call until it
	// counts; once both are ours, none is under way, and none starts
	// after, since the session has ended.
	sess.wmu.Lock()
	sess.mu.Lock()
	link := sess.link
	ended := sess.ended
	if !ended {
		sess.endLocked(ErrSessionMoved)
	}
	sess.mu.Unlock()
	sess.wmu.Unlock()
	sess.flushMarks(context.Background())
	s.sessions.remove(sess)
	if ended {
		return
	}
	sess.log.Info("session moved to another instance", "close_code", 4001)
	if link != nil {
		go link.Close(4001, "session moved to another instance")
	}
}

// claim takes over, for wc, a session the broker has that another instance
// held. It returns nil, and why, when the broker has no session the hello
// may resume; an error when the broker could not be asked, or the session
// belongs to another user (errWrongUser).
func (s *Server) claim(wc *wsConn, h wire.Hello) (*session, string, error) {
	b := s.opts.Broker
	if err := s.sessCfg.brokerDown(); err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(wc.ctx, brokerTimeout)
	defer cancel()
	s.claimMu.Lock()
	if s.claiming == nil {
		s.claiming = make(map[wire.ID]bool)
	}
	if _, busy := s.claiming[h.Session]; busy {
		s.claimMu.Unlock()
		return nil, "", errSessionExists
	}
	s.claiming[h.Session] = false
	s.claimMu.Unlock()
	defer func() {
		s.claimMu.Lock()
		delete(s.claiming, h.Session)
		s.claimMu.Unlock()
	}()
	errWrongToken := errors.New("wrong token")
	st, err := b.ClaimSession(ctx, SessionID(h.Session), func(r SessionRecord) error {
		if subtle.ConstantTimeCompare(r.Token[:], h.Token[:]) != 1 {
			return errWrongToken
		}
		if r.User != wc.user {
			return errWrongUser
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNoSession):
		return nil, noSuchSession, nil
	case errors.Is(err, errWrongToken):
		return nil, "wrong token", nil
	case err != nil:
		return nil, "", err
	}
	if len(st.Out) > 0 && h.Received+1 < st.Out[0].N || h.Received > st.OutCount {
		// The client claims what was never sent, or lacks what it
		// acknowledged: this session cannot go on.
		first := uint64(0)
		if len(st.Out) > 0 {
			first = st.Out[0].N
		}
		wc.log.Warn("claimed session does not fit the client's count", "client_received", h.Received, "stored", st.OutCount, "first_kept", first)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), brokerTimeout)
			defer cancel()
			_ = b.EndSession(ctx, SessionID(h.Session))
		}()
		return nil, "impossible count", nil
	}
	r := st.Record
	sctx, scancel := context.WithCancel(context.WithoutCancel(wc.ctx))
	sess := &session{
		id: wire.ID(r.ID), token: wire.ID(r.Token), client: wire.ID(r.Client),
		firstID: r.FirstID, user: r.User,
		cfg: s.sessCfg, ctx: sctx, cancel: scancel, done: make(chan struct{}),
		addr:     addrKey(wc.remoteAddr),
		received: st.InCount,
		sent:     st.OutCount, acked: h.Received,
	}
	sess.acks.Restore(st.Read, st.Read)
	sess.returned.Store(st.Read)
	sess.finished.Store(st.Read)
	sess.marked.Store(st.Read)
	if s.opts.Applied != nil {
		// The app may have applied what its instance was given and had
		// not marked when it died.
		if sess.applied, err = s.opts.Applied(ctx, ClientID(r.Client)); err != nil {
			scancel()
			return nil, "", fmt.Errorf("Options.Applied: %w", err)
		}
	}
	for _, m := range st.In {
		sess.inbox = append(sess.inbox, Message{Type: m.Type, Data: m.Data, ID: MessageID{Client: r.Client, N: r.FirstID + m.N - 1}})
		sess.inboxBytes += len(m.Data)
	}
	for _, m := range st.Out {
		if m.N <= h.Received {
			continue
		}
		sess.unacked = append(sess.unacked, dataMessage{websocket.MessageType(m.Type), wire.AppendData(make([]byte, 0, 1+len(m.Data)), m.Type == MessageBinary, m.Data)})
		sess.unackedBytes += len(m.Data)
	}
	sess.log = s.log.With("session", sess.name(), "remote_addr", wc.remoteAddr)
	if err := s.sessions.add(sess); err != nil {
		scancel()
		return nil, "", err
	}
	s.claimMu.Lock()
	lost := s.claiming[h.Session]
	s.claimMu.Unlock()
	if lost {
		// Another instance claimed it while this one loaded it: it is
		// that one's, and nothing of it was written here.
		sess.mu.Lock()
		sess.endLocked(ErrSessionMoved)
		sess.mu.Unlock()
		s.sessions.remove(sess)
		s.sessions.apps.Done()
		return nil, "", errors.New("claimed by another instance meanwhile")
	}
	sess.startMarker()
	sess.log.Info("session taken over from another instance", "client", wc.id,
		"unread", len(st.In), "unacknowledged", len(sess.unacked))
	return sess, "", nil
}

// errWrongUser: a session resumed by another user than the one who opened
// it.
var errWrongUser = errors.New("session belongs to another user")
