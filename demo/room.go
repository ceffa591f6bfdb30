//go:build !js

package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"github.com/resock/resock/server"
)

// DefaultHistory is the history NewRoom keeps when asked for none.
const DefaultHistory = 1000

// DefaultHistoryBytes is the default Room.HistoryBytes: 8 MiB.
const DefaultHistoryBytes = 8 << 20

// Room is the whiteboard room: every message a client sends goes to every
// other client in the room, and the most recent ones are kept for clients
// that join later, within a count (NewRoom's history) and HistoryBytes.
//
// A Room is a server.Hub with a history: each client has its own bounded
// outgoing queue and writer, so one slow client never holds up the others:
// when its queue is full it is dropped with 1013 (try again later). The
// history and every resume session share each message's one frame
// (server.PreparedMessage).
type Room struct {
	// QueueSize is how many messages may wait for one client before it is
	// dropped; default server.DefaultQueueSize. Set it before the first
	// Serve.
	QueueSize int

	// HistoryBytes bounds the payload bytes of the kept history; the oldest
	// messages are dropped first. A count alone would let messages of up
	// to server.Options.ReadLimit each pile up to a gigabyte, replayed to
	// every client that joins. Default DefaultHistoryBytes. Set it before
	// the first Serve.
	HistoryBytes int

	// mu orders joining and broadcasting, so that each client gets every
	// message once: in its backlog or through its queue.
	mu      sync.Mutex
	hub     server.Hub
	history history

	// relay, if set, carries the room between instances (NewRelayedRoom);
	// members maps the origin each local client publishes as to it, so
	// that a message does not come back to its sender.
	relay   Relay
	name    string
	joins   uint64
	members map[string]*server.Conn
}

// Relay carries a room's messages between the instances of a service that
// serve it, so that the clients of every instance are in one room: every
// instance gets every message, its own included, in one order, and the
// relay keeps the room's history. *jetstream.Topic is one, on NATS
// JetStream.
type Relay interface {
	// Publish hands a message, sent by origin, to every instance; it
	// returns once the relay keeps it.
	Publish(ctx context.Context, typ server.MessageType, data []byte, origin string) error
	// Subscribe calls f with the messages kept (the history), then with
	// each message published, in order, from one goroutine, until Stop.
	Subscribe(ctx context.Context, f func(typ server.MessageType, data []byte, origin string)) error
	// Stop ends the subscription.
	Stop()
}

// NewRelayedRoom returns a room shared with every instance that serves it
// through relay: what a client of any instance sends reaches the clients
// of all of them, and the history is the relay's. history bounds the
// history this instance replays, as for NewRoom.
func NewRelayedRoom(ctx context.Context, history int, relay Relay) (*Room, error) {
	r := NewRoom(history)
	var id [6]byte
	_, _ = rand.Read(id[:])
	r.relay, r.name, r.members = relay, hex.EncodeToString(id[:]), map[string]*server.Conn{}
	if err := relay.Subscribe(ctx, r.apply); err != nil {
		return nil, fmt.Errorf("room relay: %w", err)
	}
	return r, nil
}

// Close stops a relayed room's subscription.
func (r *Room) Close() {
	if r.relay != nil {
		r.relay.Stop()
	}
}

// apply records and broadcasts a message the relay delivers, to every
// client here but its sender.
func (r *Room) apply(typ server.MessageType, data []byte, origin string) {
	msg := server.NewPreparedMessage(typ, data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.record(msg)
	r.hub.BroadcastPrepared(msg, r.members[origin])
}

// NewRoom returns an empty room that replays its last history messages to
// every client that joins (DefaultHistory when history <= 0), fewer when
// they hold more than HistoryBytes.
func NewRoom(history int) *Room {
	if history <= 0 {
		history = DefaultHistory
	}
	return &Room{history: newHistory(history)}
}

// Clients returns the number of clients in the room.
func (r *Room) Clients() int { return r.hub.Clients() }

// Serve is an app for server.Server.Handler. It replays the history to c, then
// broadcasts each message c sends to every other client in the room and
// records it in the history, until c is gone or dropped. A client whose
// URL has the query parameter echo gets its own messages too: the
// connection of a shared socket (resock/shared) carries several tabs,
// each of which must see what the others drew; the page drops its own by
// their ids.
func (r *Room) Serve(ctx context.Context, c *server.Conn) {
	if r.relay != nil {
		r.serveRelayed(ctx, c)
		return
	}
	leave := r.join(c)
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			break
		}
		r.broadcast(c, server.NewPreparedMessage(typ, data))
	}
	leave()
}

// join adds c to the room, its writer sending the history first.
func (r *Room) join(c *server.Conn) (leave func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hub.QueueSize = r.QueueSize
	return r.hub.JoinWithBacklog(c, r.history.messages())
}

// broadcast records msg and queues it for every client but from, dropping
// those whose queue is full, unless from is no longer in the room. It
// never blocks on a client.
func (r *Room) broadcast(from *server.Conn, msg *server.PreparedMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.hub.Contains(from) {
		return
	}
	r.record(msg)
	r.hub.BroadcastPrepared(msg, except(from))
}

// except is the client a broadcast of c's message leaves out: c, unless it
// asked for its own messages back (see Serve).
func except(c *server.Conn) *server.Conn {
	if req := c.Request(); req != nil && req.URL.Query().Has("echo") {
		return nil
	}
	return c
}

// record keeps msg in the history, within HistoryBytes. Called with mu
// held.
func (r *Room) record(msg *server.PreparedMessage) {
	maxBytes := r.HistoryBytes
	if maxBytes <= 0 {
		maxBytes = DefaultHistoryBytes
	}
	r.history.add(msg, maxBytes)
}

// serveRelayed is Serve for a room shared through a relay: what c sends
// goes to the relay, and comes back to this room, as to every other
// instance's, from it.
func (r *Room) serveRelayed(ctx context.Context, c *server.Conn) {
	r.mu.Lock()
	r.joins++
	origin := r.name + "." + strconv.FormatUint(r.joins, 10)
	r.members[origin] = except(c)
	r.hub.QueueSize = r.QueueSize
	leave := r.hub.JoinWithBacklog(c, r.history.messages())
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.members, origin)
		r.mu.Unlock()
		leave()
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := r.relay.Publish(ctx, typ, data, origin); err != nil {
			// The room cannot keep it: the client is told to come back
			// later rather than left to think it was shared.
			_ = c.Close(server.StatusTryAgainLater, "room unavailable")
			return
		}
	}
}
