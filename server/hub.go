//go:build !js

package server

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultQueueSize is the default Hub.QueueSize and Room.QueueSize.
const DefaultQueueSize = 256

// SlowPolicy is what a Hub does with a client whose queue is full.
type SlowPolicy int

const (
	// CloseSlow closes the client with 1013 (try again later): a client
	// that cannot keep up is better off reconnecting and catching up than
	// silently missing messages. In resume mode the close ends the session.
	CloseSlow SlowPolicy = iota
	// DropForSlow drops the message for that client, and counts it
	// (Hub.Dropped): for data where only the latest counts, such as
	// positions or presence.
	DropForSlow
)

// Hub sends messages to many clients without letting one hold up the
// others, which a loop calling Conn.Write cannot promise: in resume mode
// Write waits while a client holds Options.MaxUnackedBytes unacknowledged,
// which a client that went away without closing does for up to
// Options.SessionRetention, and in plain mode it waits for a client that
// reads slowly. A Hub gives each client its own bounded queue and writer;
// Broadcast and SendTo only queue, and never block. A client whose queue is
// full gets what Slow says.
//
// Set the fields before the first Join. The zero Hub is ready to use.
type Hub struct {
	// QueueSize is how many messages may wait for one client; default
	// DefaultQueueSize.
	QueueSize int
	// Slow is what a client whose queue is full gets; default CloseSlow.
	Slow SlowPolicy

	mu      sync.Mutex
	members map[*member]struct{}
	// conns counts the members of each Conn, for Contains.
	conns   map[*Conn]int
	dropped atomic.Uint64
}

// member is one client of a hub.
type member struct {
	c   *Conn
	out chan message
	// gone is closed when the member leaves or is dropped.
	gone chan struct{}
	// closing tracks the close started by a drop.
	closing sync.WaitGroup
	// done is closed once the member's writer returned.
	done chan struct{}
}

// Join adds c to the hub and starts its writer; leave takes it out, and
// returns once the writer stopped. Call leave when the app is done with c,
// typically deferred at the start of the app.
func (h *Hub) Join(c *Conn) (leave func()) {
	return h.JoinWithBacklog(c, nil)
}

// JoinWithBacklog is Join for a client that is to get backlog first: its
// writer sends the messages of backlog, in order, before anything the hub
// queues for it, and backlog does not count against QueueSize.
//
// It is what a room with a history is made of. JoinWithBacklog never
// blocks, so the caller can hold its own lock across taking the backlog
// from its history and joining, as it does across recording a message and
// broadcasting it; then each client gets each message exactly once, in its
// backlog or through its queue (see ExampleHub_JoinWithBacklog). The
// caller may change backlog once JoinWithBacklog returned.
func (h *Hub) JoinWithBacklog(c *Conn, backlog []*PreparedMessage) (leave func()) {
	msgs := make([]message, len(backlog))
	for i, p := range backlog {
		msgs[i] = p.m
	}
	m := h.join(c, msgs)
	return func() { h.leave(m) }
}

// join adds c, whose writer sends backlog first and then its queue.
func (h *Hub) join(c *Conn, backlog []message) *member {
	size := h.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	m := &member{c: c, out: make(chan message, size), gone: make(chan struct{}), done: make(chan struct{})}
	h.mu.Lock()
	if h.members == nil {
		h.members = make(map[*member]struct{})
		h.conns = make(map[*Conn]int)
	}
	h.members[m] = struct{}{}
	h.conns[c]++
	h.mu.Unlock()
	go func() {
		defer close(m.done)
		h.write(c.ctx(), m, backlog)
	}()
	return m
}

// leave takes m out, if it is still in, and waits for its writer and for a
// close a drop started.
func (h *Hub) leave(m *member) {
	h.mu.Lock()
	h.removeLocked(m)
	h.mu.Unlock()
	<-m.done
	m.closing.Wait()
}

// removeLocked takes m out of the hub, if it is still in, and tells its
// writer; it reports whether m was in.
func (h *Hub) removeLocked(m *member) bool {
	if _, ok := h.members[m]; !ok {
		return false
	}
	delete(h.members, m)
	if h.conns[m.c]--; h.conns[m.c] == 0 {
		delete(h.conns, m.c)
	}
	close(m.gone)
	return true
}

// Clients returns the number of clients in the hub.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

// Contains reports whether c is in the hub: joined, and neither left nor
// dropped for being slow. An app that relays what a client sends can check
// it first, so that a client the hub gave up on is not heard either.
func (h *Hub) Contains(c *Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[c] > 0
}

// Dropped counts the messages dropped for slow clients (DropForSlow).
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }

// Broadcast queues a message for every client of the hub but except (nil
// for none). The message's resock.v1 frame is built once, for every
// session that sends it. It never blocks.
func (h *Hub) Broadcast(typ MessageType, data []byte, except *Conn) {
	h.send(shared(typ, data), func(c *Conn) bool { return c != except })
}

// BroadcastPrepared is Broadcast of a message prepared once, which the
// caller may keep too, in a history, without a copy. It never blocks.
func (h *Hub) BroadcastPrepared(p *PreparedMessage, except *Conn) {
	h.send(p.m, func(c *Conn) bool { return c != except })
}

// SendTo queues a message for every client of the hub whose Conn.User is
// user, and returns how many it queued it for. It never blocks.
func (h *Hub) SendTo(user string, typ MessageType, data []byte) int {
	return h.send(shared(typ, data), func(c *Conn) bool { return c.User() == user })
}

// send queues msg for the members to accepts, applying Slow to those whose
// queue is full, and returns how many it queued it for.
func (h *Hub) send(msg message, to func(*Conn) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for m := range h.members {
		if !to(m.c) {
			continue
		}
		select {
		case m.out <- msg:
			n++
		default:
			if h.Slow == DropForSlow {
				h.dropped.Add(1)
				continue
			}
			h.dropLocked(m)
		}
	}
	return n
}

func (h *Hub) dropLocked(m *member) {
	h.removeLocked(m)
	m.c.log.Warn("client too slow, dropping it",
		"queue_size", cap(m.out), "close_code", int(StatusTryAgainLater))
	// The writer may be stuck in a write to this client; Close waits for it
	// for a bounded time, so it runs on its own.
	m.closing.Add(1)
	go func() {
		defer m.closing.Done()
		_ = m.c.Close(StatusTryAgainLater, "client too slow")
	}()
}

// write sends the backlog, then the queue, to one member.
func (h *Hub) write(ctx context.Context, m *member, backlog []message) {
	for _, msg := range backlog {
		if !h.deliver(ctx, m, msg) {
			return
		}
	}
	for {
		select {
		case <-m.gone:
			return
		case msg := <-m.out:
			if !h.deliver(ctx, m, msg) {
				return
			}
		}
	}
}

func (h *Hub) deliver(ctx context.Context, m *member, msg message) bool {
	// A member that is gone gets nothing more, even if messages are queued:
	// its close frame must not wait behind them.
	select {
	case <-m.gone:
		return false
	default:
	}
	if err := m.c.writeShared(ctx, msg); err != nil {
		h.mu.Lock()
		h.removeLocked(m)
		h.mu.Unlock()
		return false
	}
	return true
}
