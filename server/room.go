//go:build !js

package server

import (
	"context"
	"sync"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// DefaultHistory is the history NewRoom keeps when asked for none.
const DefaultHistory = 1000

// DefaultHistoryBytes is the default Room.HistoryBytes: 8 MiB.
const DefaultHistoryBytes = 8 << 20

// DefaultQueueSize is the default Room.QueueSize.
const DefaultQueueSize = 256

// Room is the whiteboard room: every message a client sends goes to every
// other client in the room, and the most recent ones are kept for clients
// that join later, within a count (NewRoom's history) and HistoryBytes.
//
// Each client has its own bounded outgoing queue and writer, so one slow
// client never holds up the others: when its queue is full it is dropped with
// 1013 (try again later).
type Room struct {
	// QueueSize is how many messages may wait for one client before it is
	// dropped; default DefaultQueueSize. Set it before the first Serve.
	QueueSize int

	// HistoryBytes bounds the payload bytes of the kept history; the oldest
	// messages are dropped first. A count alone would let messages of up
	// to Options.ReadLimit each pile up to a gigabyte, replayed to every
	// client that joins. Default DefaultHistoryBytes. Set it before the
	// first Serve.
	HistoryBytes int

	mu      sync.Mutex
	members map[*member]struct{}
	history history
}

// member is one client in the room.
type member struct {
	c   *Conn
	out chan message
	// gone is closed when the member leaves or is dropped.
	gone chan struct{}
	// closing tracks the close started by a drop.
	closing sync.WaitGroup
}

// NewRoom returns an empty room that replays its last history messages to
// every client that joins (DefaultHistory when history <= 0), fewer when
// they hold more than HistoryBytes.
func NewRoom(history int) *Room {
	if history <= 0 {
		history = DefaultHistory
	}
	return &Room{
		members: make(map[*member]struct{}),
		history: newHistory(history),
	}
}

// Clients returns the number of clients in the room.
func (r *Room) Clients() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

// Serve is an app for Server.Handler. It replays the history to c, then
// broadcasts each message c sends to every other client in the room and
// records it in the history, until c is gone or dropped.
func (r *Room) Serve(ctx context.Context, c *Conn) {
	m, backlog := r.join(c)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		r.write(ctx, m, backlog)
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			break
		}
		r.broadcast(m, shared(typ, data))
	}
	r.leave(m)
	<-writerDone
	m.closing.Wait()
}

// join adds c to the room and returns the history it must receive first.
// Both happen under one lock, so c sees every message exactly once: either
// in the backlog or through its queue.
func (r *Room) join(c *Conn) (*member, []message) {
	size := r.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	m := &member{
		c:    c,
		out:  make(chan message, size),
		gone: make(chan struct{}),
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.members[m] = struct{}{}
	return m, r.history.messages()
}

func (r *Room) leave(m *member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[m]; ok {
		delete(r.members, m)
		close(m.gone)
	}
}

// shared makes a message of data whose resock.v1 frame is built once: the
// history and every resume session that sends it keep that one copy, and
// data is its payload.
func shared(typ websocket.MessageType, data []byte) message {
	frame := wire.AppendData(make([]byte, 0, 1+len(data)), typ == websocket.MessageBinary, data)
	return message{typ: typ, data: frame[1:], frame: frame}
}

// broadcast records msg and queues it for every member but from, dropping
// members whose queue is full. It never blocks on a client.
func (r *Room) broadcast(from *member, msg message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[from]; !ok {
		return
	}
	maxBytes := r.HistoryBytes
	if maxBytes <= 0 {
		maxBytes = DefaultHistoryBytes
	}
	r.history.add(msg, maxBytes)
	for m := range r.members {
		if m == from {
			continue
		}
		select {
		case m.out <- msg:
		default:
			r.dropLocked(m)
		}
	}
}

func (r *Room) dropLocked(m *member) {
	delete(r.members, m)
	close(m.gone)
	m.c.log.Warn("client too slow, dropping it",
		"queue_size", cap(m.out), "close_code", int(websocket.StatusTryAgainLater))
	// The writer may be stuck in a write to this client; Close waits for it
	// for a bounded time, so it runs on its own.
	m.closing.Add(1)
	go func() {
		defer m.closing.Done()
		_ = m.c.Close(websocket.StatusTryAgainLater, "client too slow")
	}()
}

// write sends the backlog, then the queue, to one member.
func (r *Room) write(ctx context.Context, m *member, backlog []message) {
	for _, msg := range backlog {
		if !r.send(ctx, m, msg) {
			return
		}
	}
	for {
		select {
		case <-m.gone:
			return
		case msg := <-m.out:
			if !r.send(ctx, m, msg) {
				return
			}
		}
	}
}

func (r *Room) send(ctx context.Context, m *member, msg message) bool {
	// A member that is gone gets nothing more, even if messages are queued:
	// its close frame must not wait behind them.
	select {
	case <-m.gone:
		return false
	default:
	}
	err := m.c.writeShared(ctx, msg)
	if err != nil {
		r.leave(m)
		return false
	}
	return true
}
