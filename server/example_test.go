//go:build !js

package server_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/resock/resock/server"
)

func ExampleServer_Handler() {
	// Behind a reverse proxy that serves chat.example.com and passes the
	// Host on; localhost and loopback addresses are always allowed.
	s := server.New(server.Options{AllowedHosts: []string{"chat.example.com"}})

	mux := http.NewServeMux()
	mux.Handle("/echo", s.Handler(server.Echo))
	// For the operator: leave it out of what the proxy serves, or put
	// access control in front of it.
	mux.Handle("/stats", s.StatsHandler())
	// Without ReadHeaderTimeout a client that trickles its request headers
	// holds a connection for as long as it likes.
	hs := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	go func() {
		err := hs.ListenAndServe()
		if !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()

	// WebSocket connections are hijacked, so http.Server.Shutdown does not
	// wait for them: close them first, with 1012 (service restart).
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
	_ = hs.Shutdown(ctx)
}

// ledger is where an application keeps what it did, and how far it got
// with each client's messages, in one transaction: a database table in
// production. This stand-in is a map, so the example runs; it is the one
// store that must outlive the server process for the recipe to hold.
type ledger struct {
	mu      sync.Mutex
	applied map[server.ClientID]uint64
	lines   []string
}

// apply adds a line for m unless m was applied before, and records m as
// applied, in one step. It reports whether it applied m.
func (l *ledger) apply(m server.Message) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.ID.N <= l.applied[m.ID.Client] {
		return false
	}
	l.lines = append(l.lines, string(m.Data))
	l.applied[m.ID.Client] = m.ID.N
	return true
}

// last is the N of the client's last message applied.
func (l *ledger) last(_ context.Context, client server.ClientID) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.applied[client], nil
}

// Exactly once across a crash. A resume client sends again every message
// the server had not acknowledged when its session was lost (a crash, a
// restart, a session that expired), with the same MessageID. The server
// issues the client ids, signed with ClientKey and bound to the user, so an
// id is one client object's and no client can pass for another. A client's
// messages arrive in order, so the app keeps one number per client, the N
// of the last message it applied, with the effect, in the same
// transaction: no crash can separate the two. Options.Applied lets the
// server read that number when a client comes back on a new session and
// drop what it sends again that the app already applied; apply's own check
// covers a message still being applied by a session that has just been
// replaced. (A graceful Shutdown acknowledges what the app read, so after
// one nothing comes again.)
func ExampleConn_ReadMessage() {
	db := &ledger{applied: map[server.ClientID]uint64{}}
	app := func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return // the client closed, or its session ended
			}
			if m.ID.IsZero() || db.apply(m) {
				// A plain client's messages have no id: nothing is sent
				// again after a drop, and nothing can be recognised.
				_ = c.Write(ctx, m.Type, []byte("applied"))
			}
		}
	}
	s := server.New(server.Options{
		// The same on every instance and across restarts.
		ClientKey: []byte(os.Getenv("RESOCK_CLIENT_KEY")),
		Applied:   db.last,
	})
	http.Handle("/app", s.Handler(app))
}

// A chat: every connection is authenticated before the upgrade, resumes
// included; what one user writes goes to everyone else through a Hub, which
// never waits for a slow or vanished client; "@name text" goes to every
// connection of that user only.
func ExampleHub() {
	// sessions stands for the application's own login sessions.
	sessions := map[string]string{"cookie-of-ada": "ada", "cookie-of-bob": "bob"}
	s := server.New(server.Options{
		Authenticate: func(r *http.Request) (string, error) {
			c, err := r.Cookie("session")
			if err != nil {
				return "", &server.HTTPError{Status: http.StatusUnauthorized, Message: "log in first"}
			}
			user, ok := sessions[c.Value]
			if !ok {
				return "", &server.HTTPError{Status: http.StatusForbidden, Message: "unknown session"}
			}
			return user, nil
		},
	})
	hub := &server.Hub{QueueSize: 256, Slow: server.CloseSlow}
	chat := func(ctx context.Context, c *server.Conn) {
		defer hub.Join(c)()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			line := c.User() + ": " + string(data)
			if to, text, ok := strings.Cut(string(data), " "); ok && strings.HasPrefix(to, "@") {
				hub.SendTo(strings.TrimPrefix(to, "@"), typ, []byte(c.User()+" (to you): "+text))
				continue
			}
			hub.Broadcast(typ, []byte(line), c)
		}
	}
	http.Handle("/chat", s.Handler(chat))
}

// A room with a history: what one client sends goes to the others, and the
// last 100 messages to each client that joins. Each message is prepared
// once, so its resock.v1 frame is shared by the history and by every
// session that holds it unacknowledged. One lock is held across taking the
// backlog and joining, and across recording and broadcasting, so that each
// client gets each message exactly once: in its backlog or through its
// queue.
func ExampleHub_JoinWithBacklog() {
	var (
		mu      sync.Mutex
		hub     server.Hub
		history []*server.PreparedMessage
	)
	room := func(ctx context.Context, c *server.Conn) {
		mu.Lock()
		leave := hub.JoinWithBacklog(c, history)
		mu.Unlock()
		defer leave()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			m := server.NewPreparedMessage(typ, data)
			mu.Lock()
			// A client the hub dropped as too slow is not heard either.
			if hub.Contains(c) {
				if len(history) == 100 {
					history = slices.Delete(history, 0, 1)
				}
				history = append(history, m)
				hub.BroadcastPrepared(m, c)
			}
			mu.Unlock()
		}
	}
	s := server.New(server.Options{})
	http.Handle("/room", s.Handler(room))
}
