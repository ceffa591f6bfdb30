//go:build !js

package server_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/resock/resock/server"
)

func ExampleServer_Handler() {
	// Behind a reverse proxy that serves chat.example.com and passes the
	// Host on; localhost and loopback addresses are always allowed.
	s := server.New(server.Options{AllowedHosts: []string{"chat.example.com"}})
	room := server.NewRoom(0)

	mux := http.NewServeMux()
	mux.Handle("/echo", s.Handler(server.Echo))
	mux.Handle("/ws", s.Handler(room.Serve))
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

// A resume-aware app applies each client message once, even when a client
// resends on a new session after the server restarted: the message id says
// what it already applied.
func ExampleConn_ReadMessage() {
	var mu sync.Mutex // apps of different clients run concurrently
	applied := map[server.MessageID]bool{}
	app := func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return // the client closed, or its session expired
			}
			mu.Lock()
			seen := !m.ID.IsZero() && applied[m.ID]
			applied[m.ID] = true
			mu.Unlock()
			if !seen {
				_ = c.Write(ctx, m.Type, m.Data)
			}
		}
	}
	s := server.New(server.Options{SessionRetention: 2 * time.Minute})
	http.Handle("/app", s.Handler(app))
}
