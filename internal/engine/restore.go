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
