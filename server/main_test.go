//go:build !js

package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/leakcheck"
	"github.com/resock/resock/internal/logbuf"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakcheck.Leaked(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// logBuffer collects a Server's logs so that tests can check them.
type logBuffer struct {
	logbuf.Buffer
}

// waitForLine waits until one log line contains every part.
func (l *logBuffer) waitForLine(t *testing.T, parts ...string) {
	t.Helper()
	waitUntil(t, 5*time.Second, func() bool {
		for line := range strings.Lines(l.String()) {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return true
			}
		}
		return false
	}, fmt.Sprintf("a log line with %q", parts))
}

func newLogger(l *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testServer is a Server mounted on an httptest.Server.
type testServer struct {
	*Server
	http *httptest.Server
	logs *logBuffer
}

// wsURL returns the ws:// URL of path.
func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.http.URL, "http") + path
}

// newTestServer serves app at / (and Stats at /stats) until the test ends.
func newTestServer(t *testing.T, o Options, app func(ctx context.Context, c *Conn)) *testServer {
	t.Helper()
	logs := &logBuffer{}
	if o.Logger == nil {
		o.Logger = newLogger(logs)
	}
	s := New(o)
	mux := http.NewServeMux()
	mux.Handle("/", s.Handler(app))
	mux.Handle("/stats", s.StatsHandler())
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	})
	return &testServer{Server: s, http: hs, logs: logs}
}

// dial connects a client that is closed when the test ends.
func dial(t *testing.T, url string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("failed to dial %s: %v", url, err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// testCtx returns a context that ends with the test, or after 10 s.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readText(t *testing.T, ctx context.Context, c *websocket.Conn) string {
	t.Helper()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("failed to read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("got a %v message %q, want text", typ, b)
	}
	return string(b)
}

func write(t *testing.T, ctx context.Context, c *websocket.Conn, typ websocket.MessageType, data string) {
	t.Helper()
	if err := c.Write(ctx, typ, []byte(data)); err != nil {
		t.Fatalf("failed to write %q: %v", data, err)
	}
}

// wantCloseStatus reads from c until the connection ends and checks its
// close code.
func wantCloseStatus(t *testing.T, ctx context.Context, c *websocket.Conn, want websocket.StatusCode) {
	t.Helper()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != want {
			t.Fatalf("connection ended with %v (close code %v), want close code %v", err, got, want)
		}
		return
	}
}
