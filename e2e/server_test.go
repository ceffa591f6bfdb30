//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/logbuf"
	"github.com/resock/resock/server"
)

// demoServer runs the demo exactly as cmd/resock-demo does (demo.New,
// then Serve on a listener) on a 127.0.0.1 port that stays the same across
// stop and start, as a restarted process would.
type demoServer struct {
	t    *testing.T
	addr string
	logs *logbuf.Buffer
	// options are the server's, but for the logger.
	options server.Options
	// dir is the page's directory: demoDir, or another site's.
	dir string

	demo   *demo.Server // nil while stopped
	served chan error
}

// startDemo starts the demo on a free port; it is stopped when the test ends.
// Its log is printed if the test failed.
func startDemo(t *testing.T) *demoServer {
	t.Helper()
	return startDemoWith(t, server.Options{})
}

// startDemoWith is startDemo with the server options o.
func startDemoWith(t *testing.T, o server.Options) *demoServer {
	t.Helper()
	return startDemoIn(t, demoDir, o)
}

// startDemoIn is startDemoWith serving the directory dir instead of the
// demo page, beside resock's files and the demo's WebSocket routes.
func startDemoIn(t *testing.T, dir string, o server.Options) *demoServer {
	t.Helper()
	s := &demoServer{t: t, addr: "127.0.0.1:0", logs: &logbuf.Buffer{}, options: o, dir: dir}
	s.start()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	return s
}

// start serves a fresh demo on the server's address.
func (s *demoServer) start() {
	s.t.Helper()
	if s.demo != nil {
		s.t.Fatal("demo server already running")
	}
	ln, err := listen(s.addr)
	if err != nil {
		s.t.Fatalf("failed to listen on %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o := s.options
	o.Logger = logger
	s.demo, _ = demo.New(o, demo.Options{Dir: s.dir, JSGlueDir: assetsDir})
	s.served = make(chan error, 1)
	go func(d *demo.Server, served chan<- error) { served <- d.Serve(ln) }(s.demo, s.served)
}

// listen listens on addr, waiting a little while the previous listener on
// that port is still being torn down.
func listen(addr string) (net.Listener, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts the demo down as the binary does on SIGTERM: every client is
// closed with 1012 (service restart) and the port is released.
func (s *demoServer) stop() {
	s.t.Helper()
	if _, err := s.shutdown(10 * time.Second); err != nil {
		s.t.Errorf("failed to shut the demo server down: %v", err)
	}
}

// shutdown stops the demo, giving Shutdown budget, and returns how long it
// took.
func (s *demoServer) shutdown(budget time.Duration) (time.Duration, error) {
	if s.demo == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	err := s.demo.Shutdown(ctx)
	took := time.Since(start)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("failed to serve: %w", serr))
	}
	s.demo = nil
	return took, err
}

// stats returns the registry of the running demo.
func (s *demoServer) stats() server.Stats {
	s.t.Helper()
	if s.demo == nil {
		s.t.Fatal("demo server not running")
	}
	return s.demo.Stats()
}

// url returns the http URL of path on the server.
func (s *demoServer) url(path string) string { return "http://" + s.addr + path }

// wsURL returns the ws URL of path on the server.
func (s *demoServer) wsURL(path string) string { return "ws://" + s.addr + path }

// waitStats polls the server's registry until ok accepts it.
func (s *demoServer) waitStats(what string, ok func(server.Stats) bool) server.Stats {
	s.t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for {
		st := s.stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("failed waiting for the server to have %s: clients %d, accepted %d", what, st.Clients, st.Accepted)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openHarness opens the test harness page, which exposes window.h (see
// testdata/harness.js), on the demo server.
func openHarness(t *testing.T, ctx context.Context, name string, s *demoServer) *page {
	t.Helper()
	return openPage(t, ctx, name, s.url("/e2e/harness.html"), "window.h?.ready === true", "h.dump()")
}

// js encodes v as a JavaScript literal.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("failed to encode %v as JSON: %v", v, err))
	}
	return string(b)
}
