package client_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resock/resock/client"
	"github.com/resock/resock/internal/faultproxy"
	"github.com/resock/resock/server"
)

type requestIDKey struct{}

// chat is the service a Go developer writes first: cookie authentication,
// a request id set by middleware, a Hub that broadcasts what each user
// writes to everyone else, and "@name text" sent to that user only.
type chat struct {
	hub server.Hub
	// auths counts the requests Authenticate accepted per user: every
	// connection, resumed or not; seen records what the app saw of each
	// Conn it was given.
	auths sync.Map // user → *atomic.Int64
	mu    sync.Mutex
	seen  []string
	url   string
}

func newChat(t *testing.T, o server.Options) *chat {
	c := &chat{hub: server.Hub{QueueSize: 128}}
	o.Authenticate = func(r *http.Request) (string, error) {
		ck, err := r.Cookie("user")
		if err != nil {
			return "", &server.HTTPError{Status: http.StatusUnauthorized, Message: "log in first"}
		}
		n, _ := c.auths.LoadOrStore(ck.Value, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		return ck.Value, nil
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s := server.New(o)
	h := s.Handler(c.serve)
	middleware := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, r.Header.Get("X-Request-Id"))))
	})
	hs := httptest.NewServer(middleware)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		hs.Close()
	})
	c.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	return c
}

func (c *chat) serve(ctx context.Context, conn *server.Conn) {
	c.mu.Lock()
	c.seen = append(c.seen, fmt.Sprintf("%s %v", conn.User(), ctx.Value(requestIDKey{})))
	c.mu.Unlock()
	defer c.hub.Join(conn)()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		text := string(data)
		if to, rest, ok := strings.Cut(text, " "); ok && strings.HasPrefix(to, "@") {
			c.hub.SendTo(to[1:], typ, []byte(conn.User()+" (private): "+rest))
			continue
		}
		c.hub.Broadcast(typ, []byte(conn.User()+": "+text), conn)
	}
}

func (c *chat) authCount(user string) int64 {
	n, ok := c.auths.Load(user)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

// member is one user's client Socket and what it received.
type member struct {
	s      *client.Socket
	ev     *events
	mu     sync.Mutex
	got    []string
	gotNew chan struct{}
}

func join(t *testing.T, url, user string, resume bool) *member {
	m := &member{ev: newEvents(), gotNew: make(chan struct{}, 1)}
	s, err := client.New(url, client.Options{
		Resume:     resume,
		HTTPHeader: http.Header{"Cookie": {"user=" + user}, "X-Request-Id": {"req-" + user}},
		// A client that vanished stays vanished: nothing on its side
		// notices within the test.
		HeartbeatInterval: time.Minute,
		Backoff:           client.Backoff{Delays: []time.Duration{10 * time.Millisecond}},
		OnEvent: func(e client.Event) {
			if msg, ok := e.(client.MessageEvent); ok {
				m.mu.Lock()
				m.got = append(m.got, string(msg.Message.Data))
				m.mu.Unlock()
				select {
				case m.gotNew <- struct{}{}:
				default:
				}
			}
			m.ev.on(e)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.s = s
	t.Cleanup(func() { _ = s.Close(client.StatusNormalClosure, "") })
	m.ev.wait(t, user+"'s open", func(all []client.Event) bool {
		for _, e := range all {
			if _, ok := e.(client.OpenEvent); ok {
				return true
			}
		}
		return false
	})
	return m
}

// waitFor waits until m received want messages and returns them.
func (m *member) waitFor(t *testing.T, who string, want int) []string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		m.mu.Lock()
		got := append([]string(nil), m.got...)
		m.mu.Unlock()
		if len(got) >= want {
			return got
		}
		select {
		case <-m.gotNew:
		case <-deadline:
			t.Fatalf("%s received %d of %d messages in 20 s", who, len(got), want)
		}
	}
}

// A chat in both modes: four users; one vanishes without closing (its
// connection stalled, so neither end learns of it); the others keep
// receiving every message, in order, while the Hub gives up on the one
// that vanished. The middleware's identity reaches the app, and every
// connection — a resumed one too — is authenticated again.
func TestChatKeepsFlowingWhenAClientVanishes(t *testing.T) {
	for _, mode := range []string{"plain", "resume"} {
		t.Run(mode, func(t *testing.T) {
			resume := mode == "resume"
			c := newChat(t, server.Options{MaxUnackedBytes: 64 << 10})
			proxy, err := faultproxy.New(strings.TrimPrefix(c.url, "ws://"), faultproxy.Options{MeanFaultInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })

			ann := join(t, c.url, "ann", resume)
			bob := join(t, c.url, "bob", resume)
			cat := join(t, c.url, "cat", resume)
			dan := join(t, "ws://"+proxy.Addr()+"/", "dan", resume)
			waitClients(t, &c.hub, 4)
			if n := proxy.StallAll(); n != 1 {
				t.Fatalf("stalled %d connections, want dan's", n)
			}

			// Far more than dan's queue, window and socket buffers hold,
			// at the pace bob and cat read: a burst larger than a queue
			// is a slow reader by the Hub's rule.
			const n, batch = 3000, 50
			line := strings.Repeat("x", 4<<10)
			for i := range n {
				if err := ann.s.SendText(strconv.Itoa(i) + " " + line); err != nil {
					t.Fatal(err)
				}
				if (i+1)%batch == 0 {
					bob.waitFor(t, "bob", i+1)
					cat.waitFor(t, "cat", i+1)
				}
			}
			for _, r := range []struct {
				name string
				m    *member
			}{{"bob", bob}, {"cat", cat}} {
				got := r.m.waitFor(t, r.name, n)
				for i, g := range got[:n] {
					if want := "ann: " + strconv.Itoa(i) + " " + line; g != want {
						t.Fatalf("%s's message %d is %.20q…, want %.20q…", r.name, i, g, want)
					}
				}
			}
			// The Hub gave up on dan (CloseSlow) instead of holding the
			// room up.
			waitClients(t, &c.hub, 3)
			dan.mu.Lock()
			if len(dan.got) >= n {
				t.Errorf("dan, stalled, received all %d messages", len(dan.got))
			}
			dan.mu.Unlock()

			// A private message reaches that user only.
			if err := bob.s.SendText("@cat psst"); err != nil {
				t.Fatal(err)
			}
			if got := cat.waitFor(t, "cat", n+1)[n]; got != "bob (private): psst" {
				t.Errorf("cat got %q, want bob's private message", got)
			}

			if resume {
				// A reconnection is authenticated again, resumes the
				// session, and does not start the app again.
				before := c.authCount("bob")
				if err := bob.s.Reconnect(client.StatusReconnect, ""); err != nil {
					t.Fatal(err)
				}
				all := bob.ev.wait(t, "bob's second open", func(all []client.Event) bool {
					opens := 0
					for _, e := range all {
						if _, ok := e.(client.OpenEvent); ok {
							opens++
						}
					}
					return opens == 2
				})
				if o := lastOpen(all); !o.Resumed {
					t.Errorf("bob's reconnection: %+v, want it resumed", o)
				}
				if got := c.authCount("bob"); got != before+1 {
					t.Errorf("Authenticate saw %d of bob's requests after a reconnection, want %d", got, before+1)
				}
				if err := bob.s.SendText("back"); err != nil {
					t.Fatal(err)
				}
				if got := ann.waitFor(t, "ann", 1)[0]; got != "bob: back" {
					t.Errorf("ann got %q after bob resumed, want bob's message", got)
				}
			}
			c.mu.Lock()
			seen := strings.Join(slices.Sorted(slices.Values(c.seen)), ", ")
			c.mu.Unlock()
			if want := "ann req-ann, bob req-bob, cat req-cat, dan req-dan"; seen != want {
				t.Errorf("the app saw %q, want each user once with its middleware's request id: %q", seen, want)
			}
		})
	}
}

func lastOpen(all []client.Event) client.OpenEvent {
	var o client.OpenEvent
	for _, e := range all {
		if e, ok := e.(client.OpenEvent); ok {
			o = e
		}
	}
	return o
}

func waitClients(t *testing.T, h *server.Hub, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.Clients() != want {
		if time.Now().After(deadline) {
			t.Fatalf("hub has %d clients, want %d", h.Clients(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
