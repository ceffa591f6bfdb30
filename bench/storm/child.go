package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/resock/resock/server"
)

// shutdownTimeout bounds the child's graceful shutdown. It is generous: a
// client dropped at the deadline would get no retry-after, and the run would
// no longer measure what it says.
const shutdownTimeout = 30 * time.Second

// The server runs in a child process of its own: a process may not hold
// both ends of 10 000 connections under this machine's open-file limit, and
// a real restart kills a process. The child speaks lines of JSON on stdout
// and takes commands on stdin.

// childEvent is a line the child writes.
type childEvent struct {
	Event string `json:"event"`
	// At is when the listener was ready, in Unix nanoseconds.
	At    int64        `json:"at,omitempty"`
	Stats *serverStats `json:"stats,omitempty"`
	Err   string       `json:"err,omitempty"`
}

// serverStats is the server process's memory, after a garbage collection.
type serverStats struct {
	Clients    int    `json:"clients"`
	HeapInuse  uint64 `json:"heapInuse"`
	StackInuse uint64 `json:"stackInuse"`
	Sys        uint64 `json:"sys"`
	RSS        uint64 `json:"rss"`
	Goroutines int    `json:"goroutines"`
}

// serveChild is the child's main: it serves Echo at /echo on addr until its
// stdin closes; a line "stats" on stdin asks for a serverStats line. On
// SIGTERM it shuts down gracefully, as a deploy would: it stops listening,
// calls Server.Shutdown with ShutdownRetryAfter set to retryAfter, writes a
// "stopped" line and exits.
func serveChild(addr string, retryAfter time.Duration) error {
	out := json.NewEncoder(os.Stdout)
	srv := server.New(server.Options{
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		ShutdownRetryAfter: retryAfter,
	})
	mux := http.NewServeMux()
	mux.Handle("GET /echo", srv.Handler(server.Echo))
	term, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	if err := out.Encode(childEvent{Event: "listening", At: time.Now().UnixNano()}); err != nil {
		return err
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			lines <- in.Text()
		}
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = httpSrv.Close()
				<-served
				return nil
			}
			if line == "stats" {
				st := memoryNow()
				st.Clients = srv.Stats().Clients
				if err := out.Encode(childEvent{Event: "stats", Stats: &st}); err != nil {
					return err
				}
			}
		case <-term.Done():
			err := shutdownChild(httpSrv, srv)
			<-served
			e := childEvent{Event: "stopped", At: time.Now().UnixNano()}
			if err != nil {
				e.Err = err.Error()
			}
			return out.Encode(e)
		}
	}
}

// shutdownChild stops the listener first, so that no client reconnects to
// the server on its way out, then closes every client with 1012 and its
// retry-after.
func shutdownChild(httpSrv *http.Server, srv *server.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(ctx); err != nil {
		return fmt.Errorf("failed to stop the HTTP server: %w", err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("failed to shut down: %w", err)
	}
	return nil
}

func memoryNow() serverStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return serverStats{
		HeapInuse:  m.HeapInuse,
		StackInuse: m.StackInuse,
		Sys:        m.Sys,
		RSS:        rss(),
		Goroutines: runtime.NumGoroutine(),
	}
}

// rss is the resident set size of this process, from /proc.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// listen listens on addr, waiting a little while the previous listener on
// that port is still being torn down.
func listen(addr string) (net.Listener, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			if err != nil {
				return nil, fmt.Errorf("failed to listen on %s: %w", addr, err)
			}
			return ln, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// child is the parent's handle on a server process.
type child struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	events   chan childEvent
	listenAt time.Time
}

// startChild starts the server process on addr, to shut down with
// retryAfter on SIGTERM, and waits until it listens.
func startChild(addr string, retryAfter time.Duration) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-child-server", addr, retryAfter.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("failed to start the server process: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin, events: make(chan childEvent, 16)}
	go func() {
		defer close(c.events)
		dec := json.NewDecoder(stdout)
		for {
			var e childEvent
			if err := dec.Decode(&e); err != nil {
				return
			}
			c.events <- e
		}
	}()
	select {
	case e, ok := <-c.events:
		if !ok || e.Event != "listening" {
			c.kill()
			return nil, fmt.Errorf("the server process did not start: %+v", e)
		}
		c.listenAt = time.Unix(0, e.At)
	case <-time.After(30 * time.Second):
		c.kill()
		return nil, errors.New("the server process did not listen within 30s")
	}
	return c, nil
}

// stats asks the server process for its memory figures.
func (c *child) stats() (serverStats, error) {
	if _, err := io.WriteString(c.stdin, "stats\n"); err != nil {
		return serverStats{}, fmt.Errorf("failed to ask the server for stats: %w", err)
	}
	select {
	case e, ok := <-c.events:
		if !ok || e.Stats == nil {
			return serverStats{}, errors.New("the server process gave no stats")
		}
		return *e.Stats, nil
	case <-time.After(30 * time.Second):
		return serverStats{}, errors.New("the server process gave no stats within 30s")
	}
}

// kill kills the server process at once, as a crash or kill -9 would: the
// kernel closes its connections without a WebSocket closing handshake.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// shutdown sends the server process SIGTERM, as a deploy would, and waits
// until it has closed every client and exited.
func (c *child) shutdown() error {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.kill()
		return fmt.Errorf("failed to signal the server process: %w", err)
	}
	timeout := time.After(shutdownTimeout + 30*time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				c.kill()
				return errors.New("the server process exited without saying it stopped")
			}
			if e.Event != "stopped" {
				continue
			}
			if err := c.cmd.Wait(); err != nil {
				return fmt.Errorf("the server process failed: %w", err)
			}
			if e.Err != "" {
				return fmt.Errorf("the server process: %s", e.Err)
			}
			return nil
		case <-timeout:
			c.kill()
			return errors.New("the server process did not stop in time")
		}
	}
}
