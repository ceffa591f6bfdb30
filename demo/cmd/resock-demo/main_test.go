//go:build !js

package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/logbuf"
)

// TestBinaryClosesClientsWith1012AndExitsWithinFiveSeconds runs the demo
// binary as make run does, with one client that answers the close and one
// that never reads again, and sends it SIGTERM.
func TestBinaryClosesClientsWith1012AndExitsWithinFiveSeconds(t *testing.T) {
	addr, stderr, cmd := startBinary(t, "-origin", "allowed.test")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := "ws://" + addr + "/echo"

	// -origin: a listed origin may connect, any other is refused.
	allowed, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://allowed.test"}}})
	if err != nil {
		t.Fatalf("dial from an origin -origin allows: %v", err)
	}
	defer allowed.CloseNow()
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://other.test"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial from an origin -origin does not allow: err %v, response %v; want 403", err, resp)
	}

	deaf, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer deaf.CloseNow()

	closed := make(chan error, 1)
	go func() {
		_, _, err := allowed.Read(ctx)
		closed <- err
	}()
	// The server has both clients once it echoes on the first.
	if err := allowed.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}

	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		took := time.Since(signalled)
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0\n%s", err, stderr)
		}
		if took > 5*time.Second {
			t.Errorf("exited %v after SIGTERM, want within 5s", took.Round(time.Millisecond))
		}
		t.Logf("exited %v after SIGTERM", took.Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running 10 s after SIGTERM\n%s", stderr)
	}

	err = <-closed
	if err == nil {
		// The echo of "ping" came first; the close follows it.
		_, _, err = allowed.Read(ctx)
	}
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Errorf("client closed with %v (%v), want 1012", got, err)
	}
}

// TestBinaryServesOnlyItsHosts: the demo answers WebSocket handshakes for
// localhost, its address and the hosts of -allowed-hosts, refuses any other
// Host with 403 and a log line, and serves /stats only with -stats.
func TestBinaryServesOnlyItsHosts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, stats := range []bool{false, true} {
		args := []string{"-allowed-hosts", "board.test, *.rooms.test"}
		if stats {
			args = append(args, "-stats")
		}
		addr, stderr, cmd := startBinary(t, args...)
		_, port, _ := net.SplitHostPort(addr)
		url := "ws://" + addr + "/echo"

		for _, host := range []string{addr, "localhost:" + port, "board.test", "a.rooms.test:" + port} {
			c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: host, HTTPHeader: http.Header{"Origin": {"http://" + host}}})
			if err != nil {
				t.Fatalf("-allowed-hosts board.test,*.rooms.test: Host %s: %v\n%s", host, err, stderr)
			}
			c.CloseNow()
		}
		rebinding := "attacker.test:" + port
		_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: rebinding, HTTPHeader: http.Header{"Origin": {"http://" + rebinding}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("Host and Origin %s: err %v, response %v; want 403", rebinding, err, resp)
		}

		resp, err = http.Get("http://" + addr + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		served := resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "application/json"
		if served != stats {
			t.Errorf("-stats %v: /stats answered %s %q", stats, resp.Status, body)
		}

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr.String(), "refused request for a host this server does not serve") ||
			!strings.Contains(stderr.String(), "host="+rebinding) {
			t.Errorf("no log line for the refused Host %s:\n%s", rebinding, stderr)
		}
	}
}

func TestAllowedHostsTakeTheHostNameOfAddr(t *testing.T) {
	for _, tt := range []struct {
		list, addr string
		want       []string
	}{
		{"", "127.0.0.1:8080", nil},
		{"", ":8080", nil},
		{"", "[::]:8080", nil},
		{"a.test, b.test:81,", "0.0.0.0:8080", []string{"a.test", "b.test:81"}},
		{"a.test", "board.lan:8080", []string{"a.test", "board.lan"}},
	} {
		if got := allowedHosts(tt.list, tt.addr); !slices.Equal(got, tt.want) {
			t.Errorf("allowedHosts(%q, %q) = %q, want %q", tt.list, tt.addr, got, tt.want)
		}
	}
}

// startBinary builds and starts resock-demo on a free port with args and
// returns the address it serves, its log and the running command.
func startBinary(t *testing.T, args ...string) (string, *logbuf.Buffer, *exec.Cmd) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "resock-demo")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("failed to build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	stderr := &logbuf.Buffer{}
	root := filepath.Join("..", "..", "..")
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-demo", filepath.Join(root, "demo"), "-jsglue", filepath.Join(root, "jsglue")}, args...)...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return addr, stderr, cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("the binary did not serve /: %v\n%s", err, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
