//go:build !js

package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// A client that went away without closing keeps its session's
// unacknowledged frames until the retention ends, so a loop over
// Conn.Write stalls at it; a Hub gives it a queue of its own, and the
// others get every message, once and in order.
func TestHubKeepsBroadcastingPastAClientThatWentAway(t *testing.T) {
	for _, tc := range []struct {
		name string
		slow SlowPolicy
	}{{"close slow", CloseSlow}, {"drop for slow", DropForSlow}} {
		t.Run(tc.name, func(t *testing.T) {
			// The client gone blocks its writer once it holds 1 KiB, about
			// 300 messages, and then fills its queue of 32.
			const n = 800
			hub := &Hub{QueueSize: 32, Slow: tc.slow}
			ts := newTestServer(t, Options{MaxUnackedBytes: 1 << 10, HeartbeatInterval: time.Hour}, func(ctx context.Context, c *Conn) {
				defer hub.Join(c)()
				c.Read(ctx)
			})
			ctx := testCtx(t)
			gone, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
			defer gone.CloseNow()
			a := newResumeClient(t, ts.wsURL("/"), nil)
			defer a.close(t)
			b := newResumeClient(t, ts.wsURL("/"), nil)
			defer b.close(t)
			waitUntil(t, 5*time.Second, func() bool { return hub.Clients() == 3 }, "three clients in the hub")
			for i := range n {
				hub.Broadcast(MessageText, []byte(strconv.Itoa(i)), nil)
				// As fast as the clients that read can take them.
				waitUntil(t, 5*time.Second, func() bool {
					return a.next.Load() >= int64(i-8) && b.next.Load() >= int64(i-8)
				}, "the readers to keep up")
			}
			waitUntil(t, 10*time.Second, func() bool { return a.next.Load() == n && b.next.Load() == n }, "every message at both clients that read")
			for _, c := range []*resumeClient{a, b} {
				select {
				case e := <-c.errs:
					t.Fatal(e)
				default:
				}
			}
			switch tc.slow {
			case CloseSlow:
				wantCloseStatus(t, ctx, gone, websocket.StatusTryAgainLater)
				if hub.Clients() != 2 {
					t.Errorf("%d clients in the hub, want the one gone dropped", hub.Clients())
				}
			case DropForSlow:
				if hub.Dropped() == 0 || hub.Clients() != 3 {
					t.Errorf("%d dropped, %d clients: want messages dropped for the one gone, and it kept", hub.Dropped(), hub.Clients())
				}
			}
			t.Logf("%d messages to 2 readers past a client gone: %d dropped for it", n, hub.Dropped())
		})
	}
}

// SendTo reaches every connection of one user, and no one else's.
func TestHubSendsToOneUser(t *testing.T) {
	hub := &Hub{}
	s := New(Options{
		Logger:       quietLogger(),
		Authenticate: func(r *http.Request) (string, error) { return r.URL.Query().Get("user"), nil },
	})
	srv := newHTTPTest(t, s.Handler(func(ctx context.Context, c *Conn) {
		defer hub.Join(c)()
		c.Read(ctx)
	}))
	ctx := testCtx(t)
	bob1 := dial(t, srv+"?user=bob", nil)
	bob2 := dial(t, srv+"?user=bob", nil)
	alice := dial(t, srv+"?user=alice", nil)
	waitUntil(t, 5*time.Second, func() bool { return hub.Clients() == 3 }, "three clients in the hub")
	if n := hub.SendTo("bob", MessageText, []byte("for bob")); n != 2 {
		t.Fatalf("SendTo queued for %d clients, want bob's 2", n)
	}
	hub.Broadcast(MessageText, []byte("for all"), nil)
	for name, c := range map[string]*websocket.Conn{"bob1": bob1, "bob2": bob2} {
		if got := readText(t, ctx, c); got != "for bob" {
			t.Errorf("%s got %q first, want %q", name, got, "for bob")
		}
	}
	if got := readText(t, ctx, alice); got != "for all" {
		t.Errorf("alice got %q first, want the broadcast: a message for bob reached her", got)
	}
}

// newHTTPTest serves h and returns its ws:// URL.
func newHTTPTest(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// historyRoom relays what each client sends to the others and replays its
// last keep messages to each client that joins: a room as an application
// makes one of a Hub (ExampleHub_JoinWithBacklog).
type historyRoom struct {
	keep int

	mu      sync.Mutex
	hub     Hub
	history []*PreparedMessage
}

func (r *historyRoom) serve(ctx context.Context, c *Conn) {
	r.mu.Lock()
	leave := r.hub.JoinWithBacklog(c, r.history)
	r.mu.Unlock()
	defer leave()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		m := NewPreparedMessage(typ, data)
		r.mu.Lock()
		if r.hub.Contains(c) {
			if len(r.history) == r.keep {
				r.history = slices.Delete(r.history, 0, 1)
			}
			r.history = append(r.history, m)
			r.hub.BroadcastPrepared(m, c)
		}
		r.mu.Unlock()
	}
}

// A client that joins with a backlog gets all of it, even beyond its
// queue, and then what was broadcast the moment it joined: nothing is lost
// or sent twice between the two.
func TestHubJoinWithBacklogSendsTheBacklogBeforeTheQueue(t *testing.T) {
	for _, typ := range []MessageType{MessageText, MessageBinary} {
		t.Run(typ.String(), func(t *testing.T) {
			hub := &Hub{QueueSize: 1}
			var backlog []*PreparedMessage
			for i := range 5 {
				backlog = append(backlog, NewPreparedMessage(typ, fmt.Appendf(nil, "old %d", i)))
			}
			ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
				defer hub.JoinWithBacklog(c, backlog)()
				hub.Broadcast(typ, []byte("new"), nil)
				_, _, _ = c.Read(ctx)
			})
			ctx := testCtx(t)
			c := dial(t, ts.wsURL("/"), nil)
			for i := range 6 {
				want := fmt.Sprintf("old %d", i)
				if i == 5 {
					want = "new"
				}
				gotType, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("after %d messages: %v", i, err)
				}
				if gotType != websocket.MessageType(typ) || string(got) != want {
					t.Fatalf("message %d is %v %q, want %v %q", i, gotType, got, typ, want)
				}
			}
			if n := hub.Clients(); n != 1 {
				t.Fatalf("%d clients in the hub, want 1: a backlog longer than the queue is not a slow client", n)
			}
		})
	}
}

func TestHubContainsTheClientsThatJoinedAndHaveNotLeft(t *testing.T) {
	var hub Hub
	checked := make(chan error, 1)
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		checked <- func() error {
			if hub.Contains(c) {
				return fmt.Errorf("in the hub before joining")
			}
			leave := hub.Join(c)
			leaveAgain := hub.JoinWithBacklog(c, nil)
			if !hub.Contains(c) {
				return fmt.Errorf("not in the hub after joining")
			}
			leave()
			if !hub.Contains(c) {
				return fmt.Errorf("not in the hub after leaving one of two joins")
			}
			leaveAgain()
			if hub.Contains(c) {
				return fmt.Errorf("in the hub after leaving")
			}
			return nil
		}()
	})
	dial(t, ts.wsURL("/"), nil)
	if err := <-checked; err != nil {
		t.Fatal(err)
	}
}

// A prepared message is its own copy of the data, and the Hub sends that
// copy: the caller may reuse its buffer at once.
func TestPreparedMessageKeepsItsOwnCopy(t *testing.T) {
	data := []byte("stroke")
	m := NewPreparedMessage(MessageBinary, data)
	copy(data, "xxxxxx")
	if m.Type() != MessageBinary || string(m.Data()) != "stroke" {
		t.Fatalf("prepared %v %q, want binary %q", m.Type(), m.Data(), "stroke")
	}
}
