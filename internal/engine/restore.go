package engine

import (
	"errors"
	"fmt"

	"github.com/resock/resock/internal/wire"
)

// SessionState is a resume session as it stands, with the outbox: what a
// Socket made later, in another process or page, needs to go on with the
// session as if it were this one. Options.Restore takes it.
//
// A Socket that restores it says, in its first hello, the session, its
// token and how much it received: a server that still has the session
// resumes it, resends what the client did not get and drops what it had
// already; one that does not starts a fresh session, to which the client
// sends every unacknowledged message again with the ids it had (which
// server.Options.Applied lets an application drop).
type SessionState struct {
	Session, Token, Client wire.ID
	// FirstID is the message id of the session's data frame 1.
	FirstID uint64
	// Received counts the server's data frames delivered to the
	// application.
	Received uint64
	// Sent counts the client's data frames; Acked, those of them the
	// server acknowledged. Unacked holds frames Acked+1 … Sent, in order.
	Sent, Acked uint64
	Unacked     []Message
	// Queued is the outbox: messages not sent on any connection yet.
	Queued []Message
}

// ErrBadSessionState reports a SessionState that cannot be a session's.
var ErrBadSessionState = errors.New("invalid session state")

// SessionState returns the Socket's session and outbox as they stand, or
// false if it is not in resume mode or a Carrier holds its ledger (the
// browser's data path, which keeps the frames itself). The messages are
// copies.
func (s *Socket) SessionState() (SessionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sess
	if ss == nil || ss.carrier != nil {
		return SessionState{}, false
	}
	st := SessionState{
		Session: ss.id, Token: ss.token, Client: ss.client,
		FirstID:  ss.firstID,
		Received: ss.acks.Received(),
		Sent:     ss.sent, Acked: ss.acked,
	}
	for _, m := range ss.unacked {
		st.Unacked = append(st.Unacked, cloneMessage(m))
	}
	for _, e := range s.outbox.entries {
		if e.ready {
			st.Queued = append(st.Queued, cloneMessage(e.msg))
		}
	}
	return st, true
}

func cloneMessage(m Message) Message {
	return Message{Binary: m.Binary, Data: append([]byte(nil), m.Data...)}
}

// restoredSession is the session of st, checked.
func restoredSession(st SessionState) (*session, error) {
	if st.Acked > st.Sent || uint64(len(st.Unacked)) != st.Sent-st.Acked {
		return nil, fmt.Errorf("%w: %d frames sent, %d acknowledged, %d held", ErrBadSessionState, st.Sent, st.Acked, len(st.Unacked))
	}
	if st.FirstID == 0 {
		return nil, fmt.Errorf("%w: message ids start at 1", ErrBadSessionState)
	}
	ss := newSession()
	if !st.Client.IsZero() {
		ss.client = st.Client
	}
	ss.id, ss.token = st.Session, st.Token
	ss.firstID = st.FirstID
	// Acknowledged as received: the first hello says how much arrived.
	ss.acks.Restore(st.Received, st.Received)
	ss.sent, ss.acked = st.Sent, st.Acked
	for _, m := range st.Unacked {
		m = cloneMessage(m)
		ss.unacked = append(ss.unacked, m)
		ss.unackedBytes += len(m.Data)
	}
	return ss, nil
}

// Progress is where a resume session stands, without its messages: what a
// store of the session must write down as it goes. Message ids are stable
// across sessions: data frame n of the session has id FirstID+n-1, so
// frames up to id FirstID+Acked-1 are acknowledged and the next frame sent
// gets id FirstID+Sent.
type Progress struct {
	Session, Token, Client wire.ID
	FirstID                uint64
	// Sent, Acked and Received are SessionState's counters.
	Sent, Acked, Received uint64
	// Foreign counts the frames, among Sent, that an earlier Socket of a
	// restored session sent after its state was stored: the server had
	// them, and this Socket never had their messages.
	Foreign uint64
}

// Progress returns the session's progress, read from the Carrier while one
// holds the ledger; false if the Socket is not in resume mode.
func (s *Socket) Progress() (Progress, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sess
	if ss == nil {
		return Progress{}, false
	}
	p := Progress{
		Session: ss.id, Token: ss.token, Client: ss.client,
		FirstID: ss.firstID,
		Sent:    ss.sent, Acked: ss.acked, Received: ss.acks.Received(),
		Foreign: ss.foreign,
	}
	if ss.carrier != nil {
		p.Received, p.Sent, p.Acked = ss.carrier.Counts()
	}
	return p, true
}

// ErrNotHeld reports a Release of a Socket that was not held, or was
// released already.
var ErrNotHeld = errors.New("socket is not held")

// Release ends Options.Hold: the Socket restores st, if not nil, and makes
// the attempt it held back, unless it is paused or closed meanwhile. The
// messages sent during the hold go after st's queue. Where st's queue and
// them pass the outbox's limits, st's oldest messages are dropped and
// reported in a DroppedEvent, whatever the outboxPolicy: the sends that
// fit were accepted already. A st that cannot be a session's is refused
// with ErrBadSessionState, and the Socket is not released.
func (s *Socket) Release(st *SessionState) error {
	s.mu.Lock()
	defer s.unlockAndEmit()
	if !s.held {
		return ErrNotHeld
	}
	if st != nil {
		if s.sess == nil {
			return fmt.Errorf("%w: a session is restored in resume mode only", ErrBadSessionState)
		}
		ss, err := restoredSession(*st)
		if err != nil {
			return err
		}
		s.sess = ss
		ss.restored = true
		ss.restoredQueued = s.restoreQueue(st.Queued)
	}
	s.held = false
	if s.heldDial {
		s.heldDial = false
		if s.state == Connecting || s.state == Reconnecting {
			s.dial()
		}
	}
	return nil
}

// restoreQueue puts queued in front of the outbox, dropping the oldest of
// them that do not fit, and returns how many it kept. Called with mu held.
func (s *Socket) restoreQueue(queued []Message) int {
	q := &s.outbox
	count, bytes := q.len()+len(queued), q.bytes
	for _, m := range queued {
		bytes += len(m.Data)
	}
	n, nb := 0, 0
	for n < len(queued) && (count > q.maxCount || bytes > q.maxBytes) {
		size := len(queued[n].Data)
		count, bytes = count-1, bytes-size
		n, nb = n+1, nb+size
	}
	entries := make([]*outboxEntry, 0, count)
	for _, m := range queued[n:] {
		m = cloneMessage(m)
		entries = append(entries, &outboxEntry{msg: m, size: len(m.Data), ready: true})
	}
	q.entries = append(entries, q.entries...)
	q.bytes = bytes
	if n > 0 {
		s.emit(DroppedEvent{Messages: n, Bytes: nb, Reason: "outbox full: dropped the oldest restored messages"})
	}
	return len(queued) - n
}
