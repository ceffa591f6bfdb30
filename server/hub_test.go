//go:build !js

package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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
