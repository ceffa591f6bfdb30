package wire

import "time"

// Acker is a receiver's acknowledgement policy for the data frames of one
// session: it counts the frames taken in and says when to acknowledge them,
// as AckEvery, AckBytes, AckQuiet and AckMax have it. The zero value is a
// new session's.
//
// It reads no clock and holds no timer, so that the client's engine and the
// server, each with its own clock, timers and locks, follow the same policy:
// callers pass the time as an offset on a monotonic clock of their choice
// and schedule the checks Deliver and Due ask for. A caller needs at most
// one check pending: one scheduled earlier never comes later than one
// Deliver asks for since, and Due asks for the next.
type Acker struct {
	received, ackSent uint64
	// bytes are the payload bytes of the frames not acknowledged.
	bytes int
	// oldest is when the oldest frame not acknowledged was taken in, last
	// when the latest was; unknown from a Restore to the next Due, whose
	// time the restored frames take.
	oldest, last time.Duration
	unknown      bool
}

// Received is the number of data frames taken in during the session.
func (a *Acker) Received() uint64 { return a.received }

// AckSent is the number of data frames the sender knows were taken in, from
// the last Ack or a handshake.
func (a *Acker) AckSent() uint64 { return a.ackSent }

// Restore sets the counts after a handshake, or when the counting moves
// from one place to another: received frames were taken in and the sender
// knows of ackSent. AckSent may exceed received: a resock server's welcome
// reports the frames it holds, read or not, and it counts a frame as taken
// in only once its application reads it. Frames beyond ackSent, whose times
// are unknown here, count as taken in at the next Deliver or Due.
func (a *Acker) Restore(received, ackSent uint64) {
	*a = Acker{received: received, ackSent: ackSent, unknown: true}
}

// Deliver counts one data frame of n payload bytes taken in at now, and
// reports whether to acknowledge now. If not, wait is how long after now to
// call Due, unless a call is already scheduled; 0 when the sender already
// knows of the frame.
func (a *Acker) Deliver(n int, now time.Duration) (ack bool, wait time.Duration) {
	a.received++
	if a.received <= a.ackSent {
		return false, 0
	}
	if a.received-a.ackSent == 1 {
		a.oldest = now
	}
	a.last = now
	a.bytes += n
	return a.Due(now)
}

// Due reports whether an acknowledgement is due at now: AckEvery frames or
// AckBytes bytes are unacknowledged, the stream has been quiet for AckQuiet,
// or the oldest frame waited AckMax. If not, wait is how long after now to
// call Due again; 0 when nothing waits for an acknowledgement.
func (a *Acker) Due(now time.Duration) (ack bool, wait time.Duration) {
	if a.received <= a.ackSent {
		return false, 0
	}
	if a.unknown {
		a.oldest, a.last, a.unknown = now, now, false
	}
	if a.received-a.ackSent >= AckEvery || a.bytes >= AckBytes {
		return true, 0
	}
	quiet, waited := now-a.last, now-a.oldest
	if quiet >= AckQuiet || waited >= AckMax {
		return true, 0
	}
	return false, min(AckQuiet-quiet, AckMax-waited)
}

// Ack marks every frame taken in as acknowledged and returns the count the
// ack frame carries. It reports false, changing nothing, when the sender
// already knows of every frame.
func (a *Acker) Ack() (received uint64, ok bool) {
	if a.received <= a.ackSent {
		return 0, false
	}
	a.ackSent, a.bytes = a.received, 0
	return a.received, true
}
