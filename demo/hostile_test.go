//go:build !js

package demo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/server"
)

// cutAfter is the demo's header and idle timeout in the test: long enough
// for an echo client beside the attack to be seen working through it.
const cutAfter = 500 * time.Millisecond

// echoer echoes numbered messages through /echo, one at a time, until
// stop, while a test abuses the same server.
type echoer struct {
	c      *websocket.Conn
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	trips int
	worst time.Duration
	err   error
}

func startEchoer(t *testing.T, url string) *echoer {
	ctx, cancel := context.WithCancel(context.Background())
	e := &echoer{c: dial(t, url, nil), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		for i := 0; ; i++ {
			want := strconv.Itoa(i)
			start := time.Now()
			err := e.c.Write(ctx, websocket.MessageText, []byte(want))
			var got []byte
			if err == nil {
				_, got, err = e.c.Read(ctx)
			}
			if ctx.Err() != nil {
				return
			}
			e.mu.Lock()
			if err == nil && string(got) != want {
				err = errors.New("echo " + strconv.Quote(string(got)) + ", want " + strconv.Quote(want))
			}
			if err != nil {
				e.err = err
				e.mu.Unlock()
				return
			}
			e.trips++
			e.worst = max(e.worst, time.Since(start))
			e.mu.Unlock()
		}
	}()
	return e
}

// stop ends the echoing and returns what it measured.
func (e *echoer) stop() (trips int, worst time.Duration, err error) {
	e.cancel()
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.trips, e.worst, e.err
}

func TestHostileSlowlorisUpgradeIsCutAtReadHeaderTimeout(t *testing.T) {
	logs := &logBuffer{}
	d, _ := New(server.Options{Logger: newLogger(logs)}, Options{Dir: t.TempDir(), JSGlueDir: t.TempDir()})
	d.http.ReadHeaderTimeout = cutAfter
	d.http.IdleTimeout = cutAfter
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- d.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	echo := startEchoer(t, "ws://"+ln.Addr().String()+"/echo")
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			start := time.Now()
			req := "GET /echo HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: " + strings.Repeat("a", 1000)
			for i := 0; i < len(req); i++ {
				if _, err := c.Write([]byte{req[i]}); err != nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			// The server may answer 408 before it closes; either way the
			// connection must end, and never be upgraded.
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			answer, err := io.ReadAll(c)
			took := time.Since(start)
			if err != nil && !errors.Is(err, syscall.ECONNRESET) || took > 4*cutAfter || bytes.Contains(answer, []byte(" 101 ")) {
				t.Errorf("a trickled request was still open after %v (%v, answer %q)", took.Round(time.Millisecond), err, answer)
			}
		})
	}
	wg.Wait()
	trips, worst, err := echo.stop()
	t.Logf("an echo client beside 50 trickled requests: %d round trips, the slowest %v", trips, worst.Round(time.Microsecond))
	if err != nil || trips == 0 {
		t.Errorf("the echo client beside the attack made %d round trips, then failed: %v", trips, err)
	}
	waitUntil(t, 5*time.Second, func() bool {
		return strings.Count(logs.String(), "request headers not received in time") == 50
	}, "a log line for each cut connection")
	if !strings.Contains(logs.String(), "read_header_timeout="+cutAfter.String()) {
		t.Errorf("the log lines do not name the timeout:\n%s", logs)
	}

	// A connection that made one request and then idles is closed too.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil || time.Since(start) > 4*cutAfter {
		t.Errorf("an idle keep-alive connection was still open after %v (%v)", time.Since(start).Round(time.Millisecond), err)
	}
}
